package config

import (
	"net/netip"
	"strings"
	"testing"
)

func TestExtraSubnetsLieInTheFreeQuarter(t *testing.T) {
	cases := []struct {
		vpc, free string
		slots     int
		tgw0, fw0 string
	}{
		{"10.0.0.0/16", "10.0.192.0/18", 1024, "10.0.192.0/28", "10.0.255.240/28"},
		{"172.20.0.0/20", "172.20.12.0/22", 64, "172.20.12.0/28", "172.20.15.240/28"},
		{"10.1.2.0/24", "10.1.2.192/26", 4, "10.1.2.192/28", "10.1.2.240/28"},
	}
	for _, c := range cases {
		n := Network{VpcCidr: netip.MustParsePrefix(c.vpc)}
		if got := n.FreeRange().String(); got != c.free {
			t.Errorf("%s: FreeRange = %s, want %s", c.vpc, got, c.free)
		}
		if got := n.ExtraSubnetSlots(); got != c.slots {
			t.Errorf("%s: ExtraSubnetSlots = %d, want %d", c.vpc, got, c.slots)
		}
		if got := n.ExtraSubnetCidr(TransitGatewaySubnets, 0).String(); got != c.tgw0 {
			t.Errorf("%s: TGW subnet 0 = %s, want %s", c.vpc, got, c.tgw0)
		}
		if got := n.ExtraSubnetCidr(FirewallSubnets, 0).String(); got != c.fw0 {
			t.Errorf("%s: firewall subnet 0 = %s, want %s", c.vpc, got, c.fw0)
		}
		// Every extra subnet lies in the free quarter, none overlaps another.
		free := n.FreeRange()
		seen := map[netip.Prefix]bool{}
		for az := range 2 {
			for _, g := range []ExtraSubnetGroup{TransitGatewaySubnets, FirewallSubnets} {
				p := n.ExtraSubnetCidr(g, az)
				if !free.Contains(p.Addr()) || seen[p] {
					t.Errorf("%s: group %d AZ %d: %s outside %s or taken twice", c.vpc, g, az, p, free)
				}
				seen[p] = true
			}
		}
	}
}

func TestExtraSubnetProblem(t *testing.T) {
	small := Network{VpcCidr: netip.MustParsePrefix("10.1.2.0/24"), Azs: 3}
	if p := small.ExtraSubnetProblem(TransitGatewaySubnets, FirewallSubnets); !strings.Contains(p, "needs 6 /28") || !strings.Contains(p, "holds only 4") {
		t.Errorf("got %q", p)
	}
	if p := small.ExtraSubnetProblem(TransitGatewaySubnets); p != "" {
		t.Errorf("3 /28s fit in 4: got %q", p)
	}
	if p := (Network{Azs: 6}).ExtraSubnetProblem(TransitGatewaySubnets, FirewallSubnets); p != "" {
		t.Errorf("a /16 holds 12 /28s: got %q", p)
	}
}
