package config

import (
	"strings"
	"testing"
)

func TestRegionalAccepted(t *testing.T) {
	for _, topo := range []string{"private", "internal"} {
		ctx := withCdkJSON(t, map[string]any{"topology": topo, "natProvider": "regional", "azs": "2"})
		a, err := FromContext(ctx)
		if err == nil {
			err = a.Validate()
		}
		if err != nil {
			t.Fatalf("%s: %v", topo, err)
		}
		n := a.Network.WithDefaults()
		if !n.Regional() || n.NatProvider != NatRegional {
			t.Errorf("%s: Regional() = %v, NatProvider %q", topo, n.Regional(), n.NatProvider)
		}
		if got, want := n.NeedsPublicSubnets(), topo == "private"; got != want {
			t.Errorf("%s: NeedsPublicSubnets() = %v, want %v", topo, got, want)
		}
	}
	// Zonal internal keeps its public (NAT) subnets.
	if !(Network{Topology: TopologyInternal, NatProvider: NatGateway}).NeedsPublicSubnets() {
		t.Error("internal with zonal NATs needs public subnets")
	}
}

func TestRegionalRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		ctx  map[string]any
		want []string
	}{
		{"public", map[string]any{"natProvider": "regional"}, []string{"natProvider", "applies only to topology=private"}},
		{"natGateways", map[string]any{"topology": "private", "natProvider": "regional", "azs": "2", "natGateways": "1"},
			[]string{"natGateways", "natProvider=regional builds one NAT gateway for the whole VPC"}},
		{"firewall", map[string]any{"topology": "private", "natProvider": "regional", "egressFirewall": "network-firewall"},
			[]string{"egressFirewall", "natProvider=regional has no NAT subnet"}},
		{"transit gateway egress", map[string]any{"topology": "internal", "natProvider": "regional", "egress": "transitGateway",
			"transitGatewayId": "tgw-0123456789abcdef0"}, []string{"natProvider", "egress=transitGateway builds no NAT"}},
		{"wrong case", map[string]any{"topology": "private", "natProvider": "Regional"}, []string{`did you mean "regional"?`, "ccepted are gateway, instance, regional"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := FromContext(withCdkJSON(t, tc.ctx))
			if err == nil {
				err = a.Validate()
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}
