package summary

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/coilednet/coilednet/config"
)

func TestConnectivityLines(t *testing.T) {
	p := netip.MustParsePrefix
	tests := []struct {
		name string
		n    config.Network
		want []string // substrings, one per line, in order
	}{
		{"public: nothing", config.Network{}, nil},
		{"private: nothing", config.Network{Topology: config.TopologyPrivate}, nil},
		{"internal NAT", config.Network{Topology: config.TopologyInternal},
			[]string{"internal: scheduler and workers in private subnets, no public IP on any Coiled VM; clients reach the scheduler's private IP from 10.0.0.0/16 and set coiled.use_scheduler_public_ip: False"}},
		{"internal TGW", config.Network{Topology: config.TopologyInternal, Azs: 2, Connectivity: config.Connectivity{
			Egress: config.EgressTransitGateway, TransitGatewayId: "tgw-0123456789abcdef0", TransitGatewayRoutes: []netip.Prefix{p("10.100.0.0/16")}}},
			[]string{"from 10.0.0.0/16, 10.100.0.0/16 and set",
				"Transit Gateway attachment to tgw-0123456789abcdef0 in 2 AZ(s), subnets 10.0.192.0/28, 10.0.192.16/28",
				"routes to the Transit Gateway: 0.0.0.0/0 (private subnets), 10.100.0.0/16 (every subnet)",
				"no NAT, no internet gateway, no public subnet"}},
		{"private peering", config.Network{Topology: config.TopologyPrivate, Connectivity: config.Connectivity{PeerVpcs: []config.PeerVpc{
			{VpcId: "vpc-0123456789abcdef0", Cidr: p("10.1.0.0/16")},
			{VpcId: "vpc-0123456789abcdef1", Cidr: p("10.2.0.0/16"), OwnerId: "123456789012", Region: "eu-west-1", RoleArn: "arn:aws:iam::123456789012:role/x"}}}},
			[]string{"VPC peering with vpc-0123456789abcdef0 (10.1.0.0/16), routes from every subnet; the peer adds the return route to 10.0.0.0/16",
				"vpc-0123456789abcdef1 (10.2.0.0/16, account 123456789012, region eu-west-1)"}},
		{"existing", config.Network{Connectivity: config.Connectivity{ExistingVpcId: "vpc-0123456789abcdef0", ExistingVpcCidr: p("10.9.0.0/16"),
			SchedulerSubnetId: "subnet-01234567", WorkerSubnetId: "subnet-01234568", WorkerPublicIp: config.Bool(true)}},
			nil}, // networkLines says it (TestExistingVpcSaidOnce)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.n.Validate(); err != nil {
				t.Fatal(err)
			}
			got := connectivityLines(tt.n.WithDefaults())
			if len(got) != len(tt.want) {
				t.Fatalf("%d lines, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("line %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}

// TestExistingVpcSaidOnce: the summary of an existing-VPC stack names the
// VPC and the subnets Coiled gets once (they were repeated, issue 19).
func TestExistingVpcSaidOnce(t *testing.T) {
	n := config.Network{Connectivity: config.Connectivity{ExistingVpcId: "vpc-0123456789abcdef0", ExistingVpcCidr: netip.MustParsePrefix("10.9.0.0/16"),
		SchedulerSubnetId: "subnet-01234567", WorkerSubnetId: "subnet-01234568", WorkerPublicIp: config.Bool(false)}}
	text := Of(config.App{Network: n})
	for _, want := range []string{"existing VPC vpc-0123456789abcdef0 (10.9.0.0/16): no VPC, subnet or route built",
		"Coiled gets scheduler subnet subnet-01234567, worker subnet subnet-01234568, worker public IPs: no", "from 10.9.0.0/16"} {
		if strings.Count(text, want) != 1 {
			t.Errorf("summary says %q %d times, want once:\n%s", want, strings.Count(text, want), text)
		}
	}
	if strings.Count(text, "subnet-01234567") != 1 {
		t.Errorf("the scheduler subnet is named %d times:\n%s", strings.Count(text, "subnet-01234567"), text)
	}
}
