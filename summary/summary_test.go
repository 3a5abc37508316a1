package summary

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/coilednet/coilednet/config"
)

func TestNetworkLines(t *testing.T) {
	p := netip.MustParsePrefix
	tests := []struct {
		name string
		a    config.App
		want []string // substrings of the summary, in order
	}{
		{"default", config.App{}, []string{
			"will build:\n",
			"  VPC 10.0.0.0/16, public topology, in 1 AZ: AZ 1 of the region\n",
			"  subnets for scheduler and workers (public, public IPs on launch, route to the internet gateway) (/19, 8,187 usable addresses each): 10.0.0.0/19 in AZ 1 of the region\n",
			"  scheduler security group: TCP 443, 8786, 8787 from 0.0.0.0/0 (the whole internet)\n",
			"  cluster security group: all traffic between the cluster's VMs",
			"S3 gateway endpoint on every route table; default security group emptied\n",
		}},
		{"private, 3 named AZs, one NAT gateway", config.App{Network: config.Network{
			Topology: config.TopologyPrivate, AvailabilityZones: []string{"us-east-2a", "us-east-2b", "us-east-2c"}, NatGateways: 1,
			ClientCidrs: []netip.Prefix{p("203.0.113.0/24")}, ClientPrefixListIds: []string{"pl-0123456789abcdef0"}, SchedulerPorts: []uint16{443},
		}}, []string{
			"VPC 10.0.0.0/16, private topology, in 3 AZs: us-east-2a, us-east-2b, us-east-2c\n",
			"scheduler subnets (public, route to the internet gateway) (/20, 4,091 usable addresses each): 10.0.0.0/20 in us-east-2a, 10.0.16.0/20 in us-east-2b, 10.0.32.0/20 in us-east-2c\n",
			"worker subnets (private, no public IPs, route to the NAT) (/20, 4,091 usable addresses each): 10.0.96.0/20 in us-east-2a, 10.0.112.0/20 in us-east-2b, 10.0.128.0/20 in us-east-2c\n",
			"1 NAT gateway, with a public IPv4 address, in us-east-2a, shared by the workers of all 3 AZs\n",
			"scheduler security group: TCP 443 from 203.0.113.0/24, prefix list pl-0123456789abcdef0\n",
		}},
		{"private, NAT instances, small VPC, flow logs", config.App{Network: config.Network{
			Topology: config.TopologyPrivate, NatProvider: config.NatInstance, Azs: 2, VpcCidr: p("172.20.0.0/24"),
			S3Endpoint: config.Bool(false), RestrictDefaultSecurityGroup: config.Bool(false), FlowLogs: config.FlowLogsS3,
		}}, []string{
			"(/28, 11 usable addresses each): 172.20.0.0/28 in AZ 1 of the region, 172.20.0.16/28 in AZ 2 of the region\n",
			"(/28, 11 usable addresses each): 172.20.0.96/28 in AZ 1 of the region, 172.20.0.112/28 in AZ 2 of the region\n",
			"2 NAT instances (t4g.nano), each with a public IPv4 address, one per AZ\n",
			"  flow logs to s3 (30 days)\n",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Of(tc.a)
			rest := got
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("summary\n%s\ndoes not contain (after the previous match)\n%q", got, w)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}
