package cost

import (
	"fmt"
	"strings"
	"testing"

	"github.com/coilednet/coilednet/config"
)

func TestRegionalEstimate(t *testing.T) {
	n := config.Network{Topology: config.TopologyInternal, NatProvider: config.NatRegional, Azs: 2}
	r := Estimate(n)
	if Nats(n) != 1 || len(r.Lines) != 2 || r.Lines[0].Count != 2 || r.Lines[0].HourlyUSD != 0.045 || r.Lines[1].HourlyUSD != PublicIPv4Hour {
		t.Errorf("lines %+v, want the regional gateway and its IPv4 in each of 2 AZs", r.Lines)
	}
	if fmt.Sprintf("%.2f", r.MonthlyUSD) != "73.00" {
		t.Errorf("monthly %.2f, want 73.00", r.MonthlyUSD)
	}
	text := r.String()
	for _, want := range []string{"billed per AZ where it is active, $0.045/h each, plus $0.045/GB",
		"each of the 1 idle standby AZ(s)", "costs $36.50/month", "the gateway's $36.50 of it is not billed while the AZ is idle"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "have no NAT of their own") {
		t.Errorf("regional report speaks of AZs without a NAT:\n%s", text)
	}
}

// TestStandbyAz: every multi-AZ network states what each idle standby AZ
// costs and what a regional NAT gateway avoids of it.
func TestStandbyAz(t *testing.T) {
	fw := withFirewall(config.Network{Topology: config.TopologyPrivate, Azs: 3}, "us-east-1a", "us-east-1b", "us-east-1c")
	for _, tc := range []struct {
		name          string
		n             config.Network
		azs           int
		perAz, avoids string
		note          string
	}{
		{"zonal NAT per AZ", config.Network{Topology: config.TopologyPrivate, Azs: 2}, 1, "36.50", "36.50", "avoids up to $36.50 of it per idle AZ"},
		// NAT 36.50 + firewall endpoint 288.35 − waived NAT hour 32.85
		{"firewall, 3 AZs", fw, 2, "292.00", "36.50", "each of the 2 idle standby AZ(s)"},
		{"endpoints", config.Network{Topology: config.TopologyPrivate, Azs: 2,
			Endpoints: config.Endpoints{InterfaceEndpoints: []string{"sts"}}}, 1, "43.80", "36.50", "interface endpoint sts, per AZ $7.30"},
		{"shared NAT", config.Network{Topology: config.TopologyPrivate, Azs: 2, NatGateways: 1}, 1, "0.00", "0.00",
			"costs $0.00/month: nothing in it is billed by the hour; a regional NAT gateway would avoid none of it"},
		{"public", config.Network{Topology: config.TopologyPublic, Azs: 2}, 1, "0.00", "0.00", "costs $0.00/month: nothing in it"},
		{"NAT instances", config.Network{Topology: config.TopologyPrivate, Azs: 2, NatProvider: config.NatInstance}, 1, "" /* not checked: per-line rounding */, "0.00", "each of the 1 idle"},
		{"one AZ", config.Network{Topology: config.TopologyPrivate}, 0, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Estimate(tc.n)
			s, ok := StandbyAz(tc.n, r.Lines)
			if ok != (tc.azs > 0) {
				t.Fatalf("StandbyAz ok = %v, want %v (%+v)", ok, tc.azs > 0, s)
			}
			if !ok {
				if strings.Contains(r.String(), "idle standby") {
					t.Errorf("report speaks of standby AZs:\n%s", r)
				}
				return
			}
			if s.Azs != tc.azs || usd(s.RegionalAvoidsUSD) != "$"+tc.avoids {
				t.Errorf("standby %+v, want %d AZs, regional avoids %s", s, tc.azs, tc.avoids)
			}
			if tc.name != "NAT instances" && usd(s.PerAzUSD) != "$"+tc.perAz {
				t.Errorf("per AZ %s, want %s", usd(s.PerAzUSD), tc.perAz)
			}
			if !strings.Contains(r.String(), tc.note) {
				t.Errorf("report lacks %q:\n%s", tc.note, r)
			}
		})
	}
}
