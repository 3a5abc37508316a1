package netcheck

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteTable writes the report as a readable table: one line per result
// (status, check, resource, message), the fix under each warning and
// failure, and a count.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Network check of %s in %s (scheduler subnet %s, worker subnet %s, groups %s and %s, worker public IPs %v):\n",
		r.Network.VpcID, r.Network.Region, r.Network.SchedulerSubnetID, r.Network.WorkerSubnetID,
		r.Network.SchedulerGroupID, r.Network.ClusterGroupID, r.Network.WorkersPublicIP)
	checkW, resW := 0, 0
	for _, x := range r.Results {
		checkW = max(checkW, len(x.Check))
		resW = max(resW, len(x.Resource))
	}
	for _, x := range r.Results {
		fmt.Fprintf(&b, "  %-4s  %-*s  %-*s  %s\n", x.Status, checkW, x.Check, resW, x.Resource, x.Message)
		if x.Fix != "" {
			fmt.Fprintf(&b, "  %-4s  %-*s  %-*s  fix: %s\n", "", checkW, "", resW, "", x.Fix)
		}
	}
	fmt.Fprintf(&b, "Network check: %d passed, %d warnings, %d failed\n", r.Count(Pass), r.Count(Warn), r.Count(Fail))
	_, err := io.WriteString(w, b.String())
	return err
}

// jsonReport is the --json form.
type jsonReport struct {
	OK      bool              `json:"ok"`
	Network Network           `json:"network"`
	Zones   map[string]string `json:"zones"`
	Counts  map[Status]int    `json:"counts"`
	Results []Result          `json:"results"`
	Error   string            `json:"error,omitempty"`
}

// WriteJSON writes the report as one JSON object: ok (no failure and no
// error), network, zones (subnet → AZ), counts (pass/warn/fail), results,
// and error when the check could not be completed (callErr).
func (r *Report) WriteJSON(w io.Writer, callErr error) error {
	j := jsonReport{OK: !r.Failed() && callErr == nil, Network: r.Network, Zones: r.Zones, Results: r.Results,
		Counts: map[Status]int{Pass: r.Count(Pass), Warn: r.Count(Warn), Fail: r.Count(Fail)}}
	if j.Results == nil {
		j.Results = []Result{}
	}
	if callErr != nil {
		j.Error = callErr.Error()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(j)
}
