package cost

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/coilednet/coilednet/config"
)

func TestConnectivityCosts(t *testing.T) {
	tgw := "tgw-0123456789abcdef0"
	internalTgw := config.Network{Topology: config.TopologyInternal, Azs: 2,
		Connectivity: config.Connectivity{Egress: config.EgressTransitGateway, TransitGatewayId: tgw}}
	r := Estimate(internalTgw)
	if len(r.Lines) != 1 || r.Lines[0].Item != "Transit Gateway VPC attachment" || r.Lines[0].Count != 1 || fmt.Sprintf("%.2f", r.MonthlyUSD) != "36.50" {
		t.Errorf("internal TGW lines %+v, total %v: want one attachment at $36.50, no NAT", r.Lines, r.MonthlyUSD)
	}
	notes := strings.Join(r.Notes, "\n")
	for _, want := range []string{"$0.02/GB", "no NAT", "no Coiled VM has a public IPv4"} {
		if !strings.Contains(notes, want) {
			t.Errorf("internal TGW notes lack %q:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, "NAT gateways charge") {
		t.Errorf("NAT note with Transit Gateway egress:\n%s", notes)
	}
	// Routes only: the NAT stays, the attachment adds to it.
	routes := config.Network{Topology: config.TopologyPrivate, Connectivity: config.Connectivity{TransitGatewayId: tgw,
		TransitGatewayRoutes: []netip.Prefix{netip.MustParsePrefix("10.100.0.0/16")},
		PeerVpcs:             []config.PeerVpc{{VpcId: "vpc-0123456789abcdef0", Cidr: netip.MustParsePrefix("10.1.0.0/16")}}}}
	r = Estimate(routes)
	if Nats(routes) != 1 || fmt.Sprintf("%.2f", r.MonthlyUSD) != "73.00" {
		t.Errorf("private + TGW routes: %d NATs, $%.2f, want 1 and $73.00 (NAT + EIP + attachment)", Nats(routes), r.MonthlyUSD)
	}
	if notes := strings.Join(r.Notes, "\n"); !strings.Contains(notes, "traffic to transitGatewayRoutes") || !strings.Contains(notes, "peering has no hourly cost") {
		t.Errorf("notes:\n%s", notes)
	}
	// internal with NAT costs what private does.
	if a, b := Estimate(config.Network{Topology: config.TopologyInternal}).MonthlyUSD, Estimate(config.Network{Topology: config.TopologyPrivate}).MonthlyUSD; a != b {
		t.Errorf("internal NAT $%.2f, private $%.2f", a, b)
	}
	// An existing VPC costs nothing fixed.
	ex := config.Network{Connectivity: config.Connectivity{ExistingVpcId: "vpc-0123456789abcdef0", ExistingVpcCidr: netip.MustParsePrefix("10.9.0.0/16"),
		SchedulerSubnetId: "subnet-01234567", WorkerSubnetId: "subnet-01234567", WorkerPublicIp: config.Bool(false)}}
	if r := Estimate(ex); len(r.Lines) != 0 || !strings.Contains(strings.Join(r.Notes, " "), "only security groups") {
		t.Errorf("existing VPC %+v", r)
	}
}
