package cost

import (
	"math"
	"strings"
	"testing"

	"github.com/coilednet/coilednet/config"
)

// Worked by hand: a firewall endpoint is 0.395 × 730 = 288.35 a month; AWS
// waives one NAT gateway-hour (0.045 × 730 = 32.85) per endpoint-hour.
func TestFirewallCosts(t *testing.T) {
	fw := func(n config.Network) config.Network {
		n.Topology, n.EgressFirewall = config.TopologyPrivate, config.EgressFirewallNetworkFirewall
		return n
	}
	tests := []struct {
		name  string
		n     config.Network
		want  float64
		notes []string
	}{
		{"1 AZ, NAT gateway", fw(config.Network{}), 36.50 + 288.35 - 32.85, []string{"$0.065/GB", "waives", "CloudWatch Logs: $0.50/GB"}},
		{"3 AZs, one shared NAT gateway", fw(config.Network{AvailabilityZones: []string{"us-east-1a", "us-east-1b", "us-east-1c"}, NatGateways: 1}),
			36.50 + 3*288.35 - 32.85, []string{"waives"}},
		{"2 AZs, NAT instances, logs to S3: nothing waived", fw(config.Network{NatProvider: config.NatInstance, AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
			EgressControl: config.EgressControl{FirewallLogs: config.FirewallLogsS3}}), 18.912 + 2*288.35, []string{"$0.065/GB", "S3: $0.25/GB"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Estimate(tc.n)
			if math.Abs(r.MonthlyUSD-tc.want) > 1e-6 {
				t.Errorf("MonthlyUSD = %v, want %v\n%s", r.MonthlyUSD, tc.want, r)
			}
			notes := strings.Join(r.Notes, "\n")
			for _, want := range tc.notes {
				if !strings.Contains(notes, want) {
					t.Errorf("notes lack %q:\n%s", want, notes)
				}
			}
			if tc.n.NatProvider == config.NatInstance && strings.Contains(r.String(), "waive") {
				t.Errorf("a NAT instance has nothing to waive:\n%s", r)
			}
		})
	}
	if lines, notes := firewallCosts(config.Network{Topology: config.TopologyPrivate}); lines != nil || notes != nil {
		t.Errorf("firewall off: %v %v", lines, notes)
	}
}
