package summary

import (
	"strings"
	"testing"

	"github.com/coilednet/coilednet/config"
)

func TestFirewallLines(t *testing.T) {
	tests := []struct {
		name       string
		n          config.Network
		has, lacks []string
	}{
		{"off", config.Network{Topology: config.TopologyPrivate}, nil, []string{"firewall"}},
		{"defaults", config.Network{Topology: config.TopologyPrivate, EgressControl: config.EgressControl{EgressFirewall: config.EgressFirewallNetworkFirewall}},
			[]string{"in 1 AZ(s), firewall subnets 10.0.255.240/28;", "10 domains (presets coiled)", "UDP and ICMP included", "TCP 443, 8786, 8787",
				"inspected too", "CloudWatch Logs, kept 30 days"}, []string{"S3"}},
		{"two AZs, own domains, S3", config.Network{Topology: config.TopologyPrivate, AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
			SchedulerPorts: []uint16{443}, EgressControl: config.EgressControl{EgressFirewall: config.EgressFirewallNetworkFirewall,
				EgressAllowedDomains: []string{"dockerhub", "Example.com", ".internal.example.org"}, FirewallLogs: config.FirewallLogsS3}},
			[]string{"in 2 AZ(s), firewall subnets 10.0.255.240/28, 10.0.255.224/28;", "7 domains (presets dockerhub; example.com, .internal.example.org)",
				"TCP 443 through", "encrypted S3 bucket, kept 30 days"}, []string{"CloudWatch"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(firewallLines(tc.n), "\n")
			for _, s := range tc.has {
				if !strings.Contains(got, s) {
					t.Errorf("lines lack %q:\n%s", s, got)
				}
			}
			for _, s := range tc.lacks {
				if strings.Contains(got, s) {
					t.Errorf("lines mention %q:\n%s", s, got)
				}
			}
		})
	}
}
