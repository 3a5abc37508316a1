// Package stackoutputs reads the network IDs a coilednet stack publishes as
// CloudFormation outputs, from the JSON file `cdk deploy --outputs-file`
// writes or from CloudFormation itself (DescribeStacks), and validates them
// before anything uses them.
//
// The stack's outputs, all strings: NetworkId (vpc-…), SchedulerSubnetId and
// WorkerSubnetId (subnet-…; the same subnet in the public topology),
// SchedulerFirewallId and FirewallId (sg-…), GiveWorkersPublicIp ("true" or
// "false") and Region. Newer stacks add one output per Availability Zone,
// Zone0, Zone1, …, valued "<az-name>,<scheduler-subnet-id>,<worker-subnet-id>";
// the seven keys then describe one of those zones. Other outputs are ignored.
package stackoutputs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/coilednet/coilednet/outputkeys"
)

// Zone is one ZoneN output: an Availability Zone and its subnet pair.
type Zone struct {
	// Index is N in ZoneN.
	Index             int
	Name              string // e.g. us-east-2a
	SchedulerSubnetID string
	WorkerSubnetID    string
}

// Outputs are a stack's validated outputs.
type Outputs struct {
	StackName           string
	NetworkID           string
	SchedulerSubnetID   string
	WorkerSubnetID      string
	SchedulerFirewallID string
	FirewallID          string
	GiveWorkersPublicIP bool
	Region              string
	// Zones are the ZoneN outputs in index order; empty for stacks that
	// predate them.
	Zones []Zone
	// All holds every output of the stack as read (key → value), including
	// the optional ones of other concerns (IAM access, endpoints, …) that
	// Parse does not validate; readers of those validate them.
	All map[string]string
	// Access are the IAM access outputs (validated by Parse when present).
	Access Access
}

// Error is an invalid or incomplete set of outputs, or outputs that cannot be
// read; Problems lists every problem found, each naming its output key.
type Error struct {
	// Stack is the stack name, when known.
	Stack    string
	Problems []string
}

// Error implements the error interface.
func (e *Error) Error() string {
	prefix := "stack outputs"
	if e.Stack != "" {
		prefix = fmt.Sprintf("outputs of stack %s", e.Stack)
	}
	if len(e.Problems) == 1 {
		return prefix + ": " + e.Problems[0]
	}
	return prefix + ":\n  - " + strings.Join(e.Problems, "\n  - ")
}

var (
	zoneKeyRE = regexp.MustCompile(`^Zone(0|[1-9][0-9]*)$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z0-9]+)+$`)
	azRE      = regexp.MustCompile(`^[a-z0-9-]+$`)
)

// Parse validates a stack's outputs (key → value) and returns them. Every
// required key must be present; IDs must be bare (vpc-…, subnet-…, sg-…, no
// ARN); GiveWorkersPublicIp must be "true" or "false"; Region must be set;
// ZoneN outputs must be well formed, numbered from 0 without gaps, lie in
// Region, and one of them must hold SchedulerSubnetId and WorkerSubnetId.
// Problems are reported together in an *Error.
func Parse(stack string, raw map[string]string) (*Outputs, error) {
	var problems []string
	var missing []string
	get := func(k string) string {
		v, ok := raw[k]
		if !ok {
			missing = append(missing, k)
		}
		return strings.TrimSpace(v)
	}
	o := &Outputs{StackName: stack, All: make(map[string]string, len(raw))}
	for k, v := range raw {
		o.All[k] = v
	}
	o.NetworkID = get(outputkeys.NetworkID)
	o.SchedulerSubnetID = get(outputkeys.SchedulerSubnetID)
	o.WorkerSubnetID = get(outputkeys.WorkerSubnetID)
	o.SchedulerFirewallID = get(outputkeys.SchedulerFirewallID)
	o.FirewallID = get(outputkeys.FirewallID)
	public := get(outputkeys.GiveWorkersPublicIP)
	o.Region = get(outputkeys.Region)
	if len(missing) > 0 {
		have := make([]string, 0, len(raw))
		for k := range raw {
			have = append(have, k)
		}
		sort.Strings(have)
		msg := "missing output(s) " + strings.Join(missing, ", ")
		if len(have) > 0 {
			msg += " (outputs present: " + strings.Join(have, ", ") + ")"
		} else {
			msg += " (the stack has no outputs: is it a coilednet stack, and did its deployment finish?)"
		}
		problems = append(problems, msg)
	}
	present := func(k string) bool { _, ok := raw[k]; return ok }
	checkID := func(key, v, prefix string) {
		if present(key) {
			if err := checkBareID(v, prefix); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", key, err))
			}
		}
	}
	checkID(outputkeys.NetworkID, o.NetworkID, "vpc-")
	checkID(outputkeys.SchedulerSubnetID, o.SchedulerSubnetID, "subnet-")
	checkID(outputkeys.WorkerSubnetID, o.WorkerSubnetID, "subnet-")
	checkID(outputkeys.SchedulerFirewallID, o.SchedulerFirewallID, "sg-")
	checkID(outputkeys.FirewallID, o.FirewallID, "sg-")
	if present(outputkeys.GiveWorkersPublicIP) {
		switch public {
		case "true":
			o.GiveWorkersPublicIP = true
		case "false":
		default:
			problems = append(problems, fmt.Sprintf("%s: %q must be exactly true or false", outputkeys.GiveWorkersPublicIP, public))
		}
	}
	if present(outputkeys.Region) {
		if o.Region == "" {
			problems = append(problems, outputkeys.Region+": empty")
		} else if !regionRE.MatchString(o.Region) {
			problems = append(problems, fmt.Sprintf("%s: %q is not an AWS region name", outputkeys.Region, o.Region))
		}
	}
	zones, zoneProblems := parseZones(raw, o.Region)
	problems = append(problems, zoneProblems...)
	access, accessProblems := parseAccess(raw, o.Region)
	problems = append(problems, accessProblems...)
	o.Access = access
	o.Zones = zones
	if len(problems) == 0 && len(zones) > 0 {
		if _, ok := o.CurrentZone(); !ok {
			var z *Zone
			for i := range zones {
				if zones[i].SchedulerSubnetID == o.SchedulerSubnetID {
					z = &zones[i]
				}
			}
			if z == nil {
				problems = append(problems, fmt.Sprintf("%s %s is the scheduler subnet of no ZoneN output", outputkeys.SchedulerSubnetID, o.SchedulerSubnetID))
			} else {
				problems = append(problems, fmt.Sprintf("%s %s does not match Zone%d's worker subnet %s", outputkeys.WorkerSubnetID, o.WorkerSubnetID, z.Index, z.WorkerSubnetID))
			}
		}
	}
	if len(problems) > 0 {
		return nil, &Error{Stack: stack, Problems: problems}
	}
	return o, nil
}

func checkBareID(v, prefix string) error {
	switch {
	case strings.HasPrefix(v, "arn:"):
		return fmt.Errorf("%q is an ARN; a bare %s… ID is needed", v, prefix)
	case !strings.HasPrefix(v, prefix) || len(v) == len(prefix):
		return fmt.Errorf("%q does not start with %s", v, prefix)
	case !azRE.MatchString(v):
		return fmt.Errorf("%q is not a bare resource ID", v)
	}
	return nil
}

func parseZones(raw map[string]string, region string) ([]Zone, []string) {
	var problems []string
	byIndex := map[int]Zone{}
	for k, v := range raw {
		m := zoneKeyRE.FindStringSubmatch(k)
		if m == nil {
			continue
		}
		idx, _ := strconv.Atoi(m[1])
		parts := strings.Split(v, ",")
		if len(parts) != 3 {
			problems = append(problems, fmt.Sprintf("%s: %q must be \"<az-name>,<scheduler-subnet-id>,<worker-subnet-id>\"", k, v))
			continue
		}
		z := Zone{Index: idx, Name: strings.TrimSpace(parts[0]), SchedulerSubnetID: strings.TrimSpace(parts[1]), WorkerSubnetID: strings.TrimSpace(parts[2])}
		ok := true
		if z.Name == "" || !azRE.MatchString(z.Name) {
			problems = append(problems, fmt.Sprintf("%s: %q is not an Availability Zone name", k, z.Name))
			ok = false
		} else if region != "" && !(strings.HasPrefix(z.Name, region) && len(z.Name) > len(region)) {
			problems = append(problems, fmt.Sprintf("%s: zone %s is not in region %s", k, z.Name, region))
			ok = false
		}
		for _, s := range []string{z.SchedulerSubnetID, z.WorkerSubnetID} {
			if err := checkBareID(s, "subnet-"); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", k, err))
				ok = false
			}
		}
		if ok {
			byIndex[idx] = z
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, problems
	}
	zones := make([]Zone, 0, len(byIndex))
	seen := map[string]int{}
	for i := 0; i < len(byIndex); i++ {
		z, ok := byIndex[i]
		if !ok {
			problems = append(problems, fmt.Sprintf("Zone%d is missing: ZoneN outputs must be numbered 0 to %d without gaps", i, len(byIndex)-1))
			return nil, problems
		}
		if j, dup := seen[z.Name]; dup {
			problems = append(problems, fmt.Sprintf("Zone%d and Zone%d both name zone %s", j, i, z.Name))
		}
		seen[z.Name] = i
		zones = append(zones, z)
	}
	return zones, problems
}

// CurrentZone returns the ZoneN output whose subnets are the ones in
// SchedulerSubnetId and WorkerSubnetId; false when the stack has no ZoneN
// outputs (the Availability Zone is then unknown).
func (o *Outputs) CurrentZone() (Zone, bool) {
	for _, z := range o.Zones {
		if z.SchedulerSubnetID == o.SchedulerSubnetID && z.WorkerSubnetID == o.WorkerSubnetID {
			return z, true
		}
	}
	return Zone{}, false
}

// ZoneNames lists the zones as "0=us-east-2a, 1=us-east-2b", for messages.
func (o *Outputs) ZoneNames() string {
	parts := make([]string, len(o.Zones))
	for i, z := range o.Zones {
		parts[i] = fmt.Sprintf("%d=%s", z.Index, z.Name)
	}
	return strings.Join(parts, ", ")
}

// WithZone returns a copy of o whose scheduler and worker subnets are those
// of the zone selected by sel: an Availability Zone name (us-east-2b) or a
// 0-based index into the ZoneN outputs. It fails when the stack has no ZoneN
// outputs or sel names none of them (the error lists the zones available).
func (o *Outputs) WithZone(sel string) (*Outputs, error) {
	sel = strings.TrimSpace(sel)
	if len(o.Zones) == 0 {
		return nil, &Error{Stack: o.StackName, Problems: []string{
			"no ZoneN outputs (the stack predates them or was made by hand), so --zone cannot choose an Availability Zone: " +
				"deploy the current coilednet stack, or drop --zone to send the stack's own subnets",
		}}
	}
	var found *Zone
	if n, err := strconv.Atoi(sel); err == nil {
		if n >= 0 && n < len(o.Zones) {
			found = &o.Zones[n]
		}
	} else {
		for i := range o.Zones {
			if o.Zones[i].Name == sel {
				found = &o.Zones[i]
			}
		}
	}
	if found == nil {
		return nil, &Error{Stack: o.StackName, Problems: []string{
			fmt.Sprintf("zone %q not found; zones available (index=name): %s", sel, o.ZoneNames()),
		}}
	}
	cp := *o
	cp.Zones = append([]Zone(nil), o.Zones...)
	cp.SchedulerSubnetID = found.SchedulerSubnetID
	cp.WorkerSubnetID = found.WorkerSubnetID
	return &cp, nil
}

// ParseOutputsFile reads the JSON `cdk deploy --outputs-file` writes,
// {"StackName": {"OutputKey": "value", ...}, ...}, and returns stack's
// validated outputs. When stack is empty the file must hold exactly one
// stack; otherwise the error lists the stacks found. name is the file's name,
// for messages.
func ParseOutputsFile(name string, data []byte, stack string) (*Outputs, error) {
	fail := func(format string, args ...any) error {
		return &Error{Stack: stack, Problems: []string{fmt.Sprintf(format, args...)}}
	}
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&top); err != nil {
		return nil, fail("%s is not a cdk outputs file (a JSON object of stacks): %v", name, err)
	}
	if top == nil {
		return nil, fail("%s is not a cdk outputs file (a JSON object of stacks)", name)
	}
	if dec.More() {
		return nil, fail("%s: trailing data after the JSON object", name)
	}
	stacks := make([]string, 0, len(top))
	for k := range top {
		stacks = append(stacks, k)
	}
	sort.Strings(stacks)
	switch {
	case len(stacks) == 0:
		return nil, fail("%s holds no stacks: did `cdk deploy --outputs-file %s` finish?", name, name)
	case stack == "" && len(stacks) > 1:
		return nil, fail("%s holds several stacks (%s): choose one with --stack", name, strings.Join(stacks, ", "))
	case stack == "":
		stack = stacks[0]
	}
	rawStack, ok := top[stack]
	if !ok {
		return nil, fail("stack %q is not in %s; stacks found: %s", stack, name, strings.Join(stacks, ", "))
	}
	var values map[string]any
	if err := json.Unmarshal(rawStack, &values); err != nil || values == nil {
		return nil, fail("%s: the entry of stack %s is not an object of outputs", name, stack)
	}
	raw := make(map[string]string, len(values))
	var problems []string
	for k, v := range values {
		s, ok := v.(string)
		if !ok {
			if isRelevantKey(k) {
				problems = append(problems, fmt.Sprintf("%s: must be a string, got %s", k, jsonKind(v)))
			}
			continue
		}
		raw[k] = s
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, &Error{Stack: stack, Problems: problems}
	}
	return Parse(stack, raw)
}

func isRelevantKey(k string) bool {
	for _, r := range append(outputkeys.Required, accessKeys...) {
		if r == k {
			return true
		}
	}
	return zoneKeyRE.MatchString(k)
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "another type"
}

// ReadOutputsFile is ParseOutputsFile on the file at path.
func ReadOutputsFile(path, stack string) (*Outputs, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &Error{Stack: stack, Problems: []string{fmt.Sprintf("%s does not exist: run `cdk deploy --outputs-file %s` first", path, path)}}
		}
		return nil, &Error{Stack: stack, Problems: []string{err.Error()}}
	}
	return ParseOutputsFile(path, data, stack)
}
