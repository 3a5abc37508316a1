package netcheck_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/coilednet/coilednet/netcheck"
	"github.com/coilednet/coilednet/netcheck/netchecktest"
)

const (
	region  = "us-east-1"
	vpc     = "vpc-0a"
	pub     = "subnet-0pub"
	priv    = "subnet-0priv"
	schedSG = "sg-0sched"
	clustSG = "sg-0cluster"
)

// privateNet is a healthy private network: the scheduler in a public
// subnet, workers behind a NAT gateway in it.
func privateNet() (*netchecktest.Fake, netcheck.Network) {
	f := netchecktest.New(region, vpc).PublicSubnet(pub, "us-east-1a").PrivateSubnet(priv, "us-east-1a", pub).Groups(schedSG, clustSG)
	return f, netcheck.Network{Region: region, VpcID: vpc, SchedulerSubnetID: pub, WorkerSubnetID: priv,
		SchedulerGroupID: schedSG, ClusterGroupID: clustSG}
}

// publicNet is a healthy public network: one subnet, public IPs.
func publicNet() (*netchecktest.Fake, netcheck.Network) {
	f := netchecktest.New(region, vpc).PublicSubnet(pub, "us-east-1a").Groups(schedSG, clustSG)
	return f, netcheck.Network{Region: region, VpcID: vpc, SchedulerSubnetID: pub, WorkerSubnetID: pub,
		SchedulerGroupID: schedSG, ClusterGroupID: clustSG, WorkersPublicIP: true}
}

func run(t *testing.T, f *netchecktest.Fake, n netcheck.Network) *netcheck.Report {
	t.Helper()
	rep, err := netcheck.Check(context.Background(), f, n)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return rep
}

func dump(rep *netcheck.Report) string {
	var b bytes.Buffer
	_ = rep.WriteTable(&b)
	return b.String()
}

func tcp(port int32) *types.PortRange {
	return &types.PortRange{From: aws.Int32(port), To: aws.Int32(port)}
}

func aclEntry(n int32, egress bool, proto string, ports *types.PortRange, cidr string, allow bool) types.NetworkAclEntry {
	action := types.RuleActionDeny
	if allow {
		action = types.RuleActionAllow
	}
	return types.NetworkAclEntry{RuleNumber: aws.Int32(n), Egress: aws.Bool(egress), Protocol: aws.String(proto), PortRange: ports,
		CidrBlock: aws.String(cidr), RuleAction: action}
}

func TestHealthyNetworksPass(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func() (*netchecktest.Fake, netcheck.Network)
		want  []string // checks that must pass
	}{
		{"private", privateNet, []string{netcheck.CheckVPC, netcheck.CheckSubnets, netcheck.CheckEgress, netcheck.CheckScheduler, netcheck.CheckNACL, netcheck.CheckGroups, netcheck.CheckS3}},
		{"public", publicNet, []string{netcheck.CheckVPC, netcheck.CheckSubnets, netcheck.CheckEgress, netcheck.CheckScheduler, netcheck.CheckNACL, netcheck.CheckGroups}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, n := tc.build()
			rep := run(t, f, n)
			if rep.Failed() || rep.Count(netcheck.Warn) > 0 {
				t.Errorf("healthy network has warnings or failures:\n%s", dump(rep))
			}
			for _, c := range tc.want {
				found := false
				for _, r := range rep.Results {
					found = found || (r.Check == c && r.Status == netcheck.Pass)
				}
				if !found {
					t.Errorf("no passing %q result:\n%s", c, dump(rep))
				}
			}
			if rep.Zone() != "us-east-1a" {
				t.Errorf("Zone() = %q", rep.Zone())
			}
			for _, c := range f.Calls {
				if !strings.HasPrefix(c, "Describe") {
					t.Errorf("non-read call %s", c)
				}
			}
		})
	}
}

// find reports whether rep has a result of check with status whose message
// or resource contains want.
func find(rep *netcheck.Report, check string, status netcheck.Status, want string) bool {
	for _, r := range rep.Results {
		if r.Check == check && r.Status == status && strings.Contains(r.Resource+" "+r.Message, want) {
			return true
		}
	}
	return false
}

func TestEachCheck(t *testing.T) {
	workerRT := netchecktest.TableOf(priv)
	publicRT := netchecktest.TableOf(pub)
	nat := netchecktest.NATOf(pub)
	acl := netchecktest.DefaultACL(vpc)
	cases := []struct {
		name   string
		public bool // start from publicNet instead of privateNet
		edit   func(f *netchecktest.Fake, n *netcheck.Network)
		check  string
		status netcheck.Status
		want   string
	}{
		// 1. VPC
		{name: "VPC missing", edit: func(f *netchecktest.Fake, n *netcheck.Network) { n.VpcID = "vpc-0gone" },
			check: netcheck.CheckVPC, status: netcheck.Fail, want: "VPC vpc-0gone not found in region us-east-1"},
		{name: "DNS hostnames off without private DNS endpoints", edit: func(f *netchecktest.Fake, n *netcheck.Network) { f.DNSHostnames[vpc] = false },
			check: netcheck.CheckVPC, status: netcheck.Pass, want: "DNS hostnames off: not needed"},
		{name: "DNS support off", edit: func(f *netchecktest.Fake, n *netcheck.Network) { f.DNSSupport[vpc] = false },
			check: netcheck.CheckVPC, status: netcheck.Fail, want: "enableDnsSupport off"},
		// 2. Subnets
		{name: "subnet missing", edit: func(f *netchecktest.Fake, n *netcheck.Network) { n.WorkerSubnetID = "subnet-0gone" },
			check: netcheck.CheckSubnets, status: netcheck.Fail, want: "subnet subnet-0gone not found"},
		{name: "subnet of another VPC", edit: func(f *netchecktest.Fake, n *netcheck.Network) { f.Subnet(priv).VpcId = aws.String("vpc-0other") },
			check: netcheck.CheckSubnets, status: netcheck.Fail, want: "is in VPC vpc-0other, not in vpc-0a"},
		{name: "subnets in different AZs", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.Subnet(priv).AvailabilityZone = aws.String("us-east-1b")
		},
			check: netcheck.CheckSubnets, status: netcheck.Warn, want: "in us-east-1a, worker subnet subnet-0priv in us-east-1b"},
		{name: "subnets not in the zone given", edit: func(f *netchecktest.Fake, n *netcheck.Network) { n.Zone = "us-east-1c" },
			check: netcheck.CheckSubnets, status: netcheck.Fail, want: "is in us-east-1a, but its zone is given as us-east-1c"},
		{name: "few free addresses", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.Subnet(priv).AvailableIpAddressCount = aws.Int32(12)
		},
			check: netcheck.CheckSubnets, status: netcheck.Warn, want: "only 12 free IP addresses"},
		{name: "no free addresses", edit: func(f *netchecktest.Fake, n *netcheck.Network) { f.Subnet(priv).AvailableIpAddressCount = aws.Int32(0) },
			check: netcheck.CheckSubnets, status: netcheck.Fail, want: "no free IP addresses"},
		{name: "free addresses counted", edit: func(f *netchecktest.Fake, n *netcheck.Network) {},
			check: netcheck.CheckSubnets, status: netcheck.Pass, want: "has 251 free IP addresses"},
		// 3. Worker egress
		{name: "NAT gateway egress", edit: func(f *netchecktest.Fake, n *netcheck.Network) {},
			check: netcheck.CheckEgress, status: netcheck.Pass, want: "NAT gateway nat-0pub (available) in subnet subnet-0pub, whose route table rtb-0pub sends 0.0.0.0/0 to internet gateway igw-0a (attached)"},
		{name: "worker default route deleted", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			rt := f.RouteTable(workerRT)
			rt.Routes = rt.Routes[:1]
		}, check: netcheck.CheckEgress, status: netcheck.Fail, want: "route table rtb-0priv has no 0.0.0.0/0 route"},
		{name: "worker route to the IGW without public IPs", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			*f.DefaultRoute(workerRT) = types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(netchecktest.IGW(vpc))}
		}, check: netcheck.CheckEgress, status: netcheck.Fail, want: "goes to internet gateway igw-0a, but workers get no public IP"},
		{name: "worker route to the IGW with public IPs", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			n.WorkersPublicIP = true
			*f.DefaultRoute(workerRT) = types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(netchecktest.IGW(vpc))}
		}, check: netcheck.CheckEgress, status: netcheck.Pass, want: "goes to internet gateway igw-0a (attached)"},
		{name: "IGW detached", public: true, edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.InternetGateways[0].Attachments = nil
		}, check: netcheck.CheckEgress, status: netcheck.Fail, want: "which is not attached to vpc-0a"},
		{name: "blackhole route", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.DefaultRoute(workerRT).State = types.RouteStateBlackhole
		}, check: netcheck.CheckEgress, status: netcheck.Fail, want: "goes to nat-0pub, which no longer exists (blackhole)"},
		{name: "NAT gateway deleted", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.NAT(nat).State = types.NatGatewayStateDeleted
		}, check: netcheck.CheckEgress, status: netcheck.Fail, want: "NAT gateway nat-0pub, which is deleted, not available"},
		{name: "NAT gateway gone", edit: func(f *netchecktest.Fake, n *netcheck.Network) { f.NatGateways = nil },
			check: netcheck.CheckEgress, status: netcheck.Fail, want: "NAT gateway nat-0pub, which does not exist"},
		{name: "NAT subnet without a default route", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			rt := f.RouteTable(publicRT)
			rt.Routes = rt.Routes[:1]
		}, check: netcheck.CheckEgress, status: netcheck.Fail, want: "whose route table rtb-0pub has no 0.0.0.0/0 route"},
		{name: "private NAT gateway to the IGW", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.NAT(nat).ConnectivityType = types.ConnectivityTypePrivate
		}, check: netcheck.CheckEgress, status: netcheck.Fail, want: "a private NAT gateway has no public address"},
		{name: "NAT subnet through a firewall endpoint", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			*f.DefaultRoute(publicRT) = types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String("vpce-0fw")}
		}, check: netcheck.CheckEgress, status: netcheck.Pass, want: "vpce-0fw (an endpoint EC2 does not list): egress leaves the VPC there: not verifiable from this VPC"},
		{name: "worker egress through a transit gateway", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.TransitGateway("tgw-0abc", []string{priv}, priv)
		}, check: netcheck.CheckEgress, status: netcheck.Pass, want: "Transit Gateway tgw-0abc: egress leaves the VPC there: not verifiable"},
		{name: "worker egress through peering", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			*f.DefaultRoute(workerRT) = types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), VpcPeeringConnectionId: aws.String("pcx-0abc")}
		}, check: netcheck.CheckEgress, status: netcheck.Pass, want: "pcx-0abc: egress leaves the VPC there"},
		{name: "worker egress through an ENI", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			*f.DefaultRoute(workerRT) = types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), NetworkInterfaceId: aws.String("eni-0abc")}
		}, check: netcheck.CheckEgress, status: netcheck.Pass, want: "eni-0abc: egress leaves the VPC there"},
		{name: "main table fallback works", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.RouteTable(workerRT).Associations = nil
			main := f.RouteTable(netchecktest.MainTable(vpc))
			main.Routes = append(main.Routes, types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: aws.String(nat)})
		}, check: netcheck.CheckEgress, status: netcheck.Pass, want: "rtb-main0a (the VPC's main route table: the subnet has no explicit association) goes to NAT gateway nat-0pub"},
		{name: "main table fallback without a default route", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.RouteTable(workerRT).Associations = nil
		}, check: netcheck.CheckEgress, status: netcheck.Fail, want: "rtb-main0a (the VPC's main route table"},
		{name: "disassociated table is not used", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.RouteTable(workerRT).Associations[0].AssociationState = &types.RouteTableAssociationState{State: types.RouteTableAssociationStateCodeDisassociated}
		}, check: netcheck.CheckEgress, status: netcheck.Fail, want: "main route table"},
		{name: "NAT instance running, check off", edit: natInstance(types.InstanceStateNameRunning, false),
			check: netcheck.CheckEgress, status: netcheck.Pass, want: "NAT instance i-0nat (running, source/destination check off, status checks ok; the check cannot see inside the instance"},
		{name: "NAT instance with source/dest check", edit: natInstance(types.InstanceStateNameRunning, true),
			check: netcheck.CheckEgress, status: netcheck.Fail, want: "source/destination check on"},
		{name: "NAT instance stopped", edit: natInstance(types.InstanceStateNameStopped, false),
			check: netcheck.CheckEgress, status: netcheck.Fail, want: "i-0nat, which is stopped, not running"},
		// 4. Scheduler
		{name: "public scheduler", edit: func(f *netchecktest.Fake, n *netcheck.Network) {},
			check: netcheck.CheckScheduler, status: netcheck.Pass, want: "goes to internet gateway igw-0a"},
		{name: "private scheduler with NAT egress", edit: func(f *netchecktest.Fake, n *netcheck.Network) { n.SchedulerSubnetID = priv },
			check: netcheck.CheckScheduler, status: netcheck.Pass, want: "a private scheduler"},
		{name: "scheduler without a default route", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			rt := f.RouteTable(publicRT)
			rt.Routes = rt.Routes[:1]
		}, check: netcheck.CheckScheduler, status: netcheck.Fail, want: "scheduler subnet subnet-0pub: route table rtb-0pub has no 0.0.0.0/0 route"},
		// 5. NACLs
		{name: "NACL denies inbound ephemeral ports", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.ACL(acl).Entries = append(f.ACL(acl).Entries, aclEntry(50, false, "6", &types.PortRange{From: aws.Int32(1024), To: aws.Int32(65535)}, "0.0.0.0/0", false))
		}, check: netcheck.CheckNACL, status: netcheck.Fail, want: "inbound return traffic TCP 1024-65535 from 0.0.0.0/0: rule 50 denies it"},
		{name: "NACL deny after the allow does not count", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.ACL(acl).Entries = append(f.ACL(acl).Entries, aclEntry(200, false, "6", &types.PortRange{From: aws.Int32(1024), To: aws.Int32(65535)}, "0.0.0.0/0", false))
		}, check: netcheck.CheckNACL, status: netcheck.Pass, want: "allows, both ways"},
		{name: "NACL denies part of the ephemeral range", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.ACL(acl).Entries = append(f.ACL(acl).Entries, aclEntry(90, false, "6", &types.PortRange{From: aws.Int32(32768), To: aws.Int32(40000)}, "0.0.0.0/0", false))
		}, check: netcheck.CheckNACL, status: netcheck.Fail, want: "TCP 32768-40000 from 0.0.0.0/0: rule 90 denies it"},
		{name: "NACL denies outbound 443", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.ACL(acl).Entries = append(f.ACL(acl).Entries, aclEntry(10, true, "6", tcp(443), "0.0.0.0/0", false))
		}, check: netcheck.CheckNACL, status: netcheck.Fail, want: "outbound TCP 443 to 0.0.0.0/0: rule 10 denies it"},
		{name: "NACL denies 443 to part of the internet", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.ACL(acl).Entries = append(f.ACL(acl).Entries, aclEntry(10, true, "6", tcp(443), "198.51.100.0/24", false))
		}, check: netcheck.CheckNACL, status: netcheck.Warn, want: "rule 10 denies TCP 443 to/from 198.51.100.0/24"},
		{name: "custom NACL without an allow", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.NetworkAcls = append(f.NetworkAcls, types.NetworkAcl{NetworkAclId: aws.String("acl-0custom"), VpcId: aws.String(vpc),
				Associations: []types.NetworkAclAssociation{{SubnetId: aws.String(priv)}},
				Entries:      []types.NetworkAclEntry{aclEntry(32767, true, "-1", nil, "0.0.0.0/0", false), aclEntry(32767, false, "-1", nil, "0.0.0.0/0", false)}})
		}, check: netcheck.CheckNACL, status: netcheck.Fail, want: "outbound TCP 443 to 0.0.0.0/0: rule 32767 denies it"},
		{name: "custom NACL with just what Coiled needs", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.NetworkAcls = append(f.NetworkAcls, types.NetworkAcl{NetworkAclId: aws.String("acl-0tight"), VpcId: aws.String(vpc),
				Associations: []types.NetworkAclAssociation{{SubnetId: aws.String(priv)}},
				Entries: []types.NetworkAclEntry{
					aclEntry(100, true, "6", tcp(443), "0.0.0.0/0", true),
					aclEntry(110, true, "-1", nil, "10.0.0.0/16", true),
					aclEntry(100, false, "6", &types.PortRange{From: aws.Int32(1024), To: aws.Int32(65535)}, "0.0.0.0/0", true),
					aclEntry(110, false, "-1", nil, "10.0.0.0/16", true),
				}})
		}, check: netcheck.CheckNACL, status: netcheck.Pass, want: "acl-0tight"},
		{name: "NACL blocks traffic between the subnets", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.ACL(acl).Entries = append(f.ACL(acl).Entries, aclEntry(20, false, "-1", nil, "10.0.1.0/24", false))
		}, check: netcheck.CheckNACL, status: netcheck.Fail, want: "inbound TCP (all ports) from 10.0.1.0/24 (between the scheduler and workers): rule 20 denies it"},
		// 6. Security groups
		{name: "cluster self rule revoked", edit: func(f *netchecktest.Fake, n *netcheck.Network) { f.Group(clustSG).IpPermissions = nil },
			check: netcheck.CheckGroups, status: netcheck.Fail, want: "cluster group sg-0cluster does not admit all traffic from itself"},
		{name: "cluster self rule TCP only", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.Group(clustSG).IpPermissions = []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(0), ToPort: aws.Int32(65535),
				UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String(clustSG)}}}}
		}, check: netcheck.CheckGroups, status: netcheck.Warn, want: "admits only TCP from itself"},
		{name: "cluster egress closed", edit: func(f *netchecktest.Fake, n *netcheck.Network) { f.Group(clustSG).IpPermissionsEgress = nil },
			check: netcheck.CheckGroups, status: netcheck.Fail, want: "does not allow outbound TCP 443 to 0.0.0.0/0"},
		{name: "cluster egress 443 only", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.Group(clustSG).IpPermissionsEgress = []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443),
				IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}
		}, check: netcheck.CheckGroups, status: netcheck.Pass, want: "allows outbound TCP 443"},
		{name: "scheduler closed", edit: func(f *netchecktest.Fake, n *netcheck.Network) { f.Group(schedSG).IpPermissions = nil },
			check: netcheck.CheckGroups, status: netcheck.Fail, want: "admits no client on 443, 8786 or 8787"},
		{name: "scheduler open to the internet", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.Group(schedSG).IpPermissions[0].IpRanges = []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}
		}, check: netcheck.CheckGroups, status: netcheck.Warn, want: "admits the whole internet on 443"},
		{name: "scheduler 8786 from a prefix list", edit: func(f *netchecktest.Fake, n *netcheck.Network) {
			f.Group(schedSG).IpPermissions = []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8786), ToPort: aws.Int32(8787),
				PrefixListIds: []types.PrefixListId{{PrefixListId: aws.String("pl-0abc")}}}}
		}, check: netcheck.CheckGroups, status: netcheck.Pass, want: "8786 from pl-0abc"},
		{name: "group of another VPC", edit: func(f *netchecktest.Fake, n *netcheck.Network) { f.Group(schedSG).VpcId = aws.String("vpc-0other") },
			check: netcheck.CheckGroups, status: netcheck.Fail, want: "scheduler group sg-0sched is in VPC vpc-0other"},
		{name: "group missing", edit: func(f *netchecktest.Fake, n *netcheck.Network) { n.ClusterGroupID = "sg-0gone" },
			check: netcheck.CheckGroups, status: netcheck.Fail, want: "cluster group sg-0gone not found"},
		// 7. S3 advice
		{name: "no S3 endpoint on the worker table", edit: func(f *netchecktest.Fake, n *netcheck.Network) { f.VpcEndpoints = nil },
			check: netcheck.CheckS3, status: netcheck.Warn, want: "no S3 gateway endpoint on the worker route table rtb-0priv"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, n := privateNet()
			if tc.public {
				f, n = publicNet()
			}
			tc.edit(f, &n)
			rep := run(t, f, n)
			if !find(rep, tc.check, tc.status, tc.want) {
				t.Errorf("want a %s %q result containing %q:\n%s", tc.status, tc.check, tc.want, dump(rep))
			}
			if tc.status != netcheck.Pass {
				for _, r := range rep.Results {
					if r.Status != netcheck.Pass && r.Fix == "" {
						t.Errorf("%s result without a fix: %+v", r.Status, r)
					}
				}
			}
			if (tc.status == netcheck.Fail) != rep.Failed() {
				t.Errorf("Failed() = %v:\n%s", rep.Failed(), dump(rep))
			}
		})
	}
}

// natInstance replaces the NAT gateway route of the worker subnet by a
// route to NAT instance i-0nat in the given state.
func natInstance(state types.InstanceStateName, srcDstCheck bool) func(*netchecktest.Fake, *netcheck.Network) {
	return func(f *netchecktest.Fake, n *netcheck.Network) {
		f.Instances = append(f.Instances, types.Instance{InstanceId: aws.String("i-0nat"), VpcId: aws.String(vpc), SubnetId: aws.String(pub),
			State: &types.InstanceState{Name: state}, SourceDestCheck: aws.Bool(srcDstCheck)})
		*f.DefaultRoute(netchecktest.TableOf(priv)) = types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"),
			InstanceId: aws.String("i-0nat"), NetworkInterfaceId: aws.String("eni-0nat")}
	}
}

func TestAPIErrorsAreNotFindings(t *testing.T) {
	f, n := privateNet()
	denied := &smithy.GenericAPIError{Code: "UnauthorizedOperation", Message: "You are not authorized"}
	f.Errs = map[string]error{"DescribeRouteTables": denied}
	rep, err := netcheck.Check(context.Background(), f, n)
	var apiErr *netcheck.APIError
	if !errors.As(err, &apiErr) || apiErr.Op != "DescribeRouteTables" || !errors.Is(err, denied) {
		t.Fatalf("err = %v, want an *APIError of DescribeRouteTables", err)
	}
	if rep == nil || rep.Failed() {
		t.Errorf("an API error must not be reported as a failed check: %+v", rep)
	}
}

func TestReportOutput(t *testing.T) {
	f, n := privateNet()
	f.Group(clustSG).IpPermissions = nil
	f.Subnet(priv).AvailabilityZone = aws.String("us-east-1b")
	rep := run(t, f, n)
	table := dump(rep)
	for _, want := range []string{
		"Network check of vpc-0a in us-east-1",
		"fail  security groups",
		"fix: aws ec2 authorize-security-group-ingress --group-id sg-0cluster",
		"warn  subnets",
		"Network check: ",
		"1 failed",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if rep.Zone() != "" {
		t.Errorf("Zone() = %q for subnets in two AZs", rep.Zone())
	}
	var b bytes.Buffer
	if err := rep.WriteJSON(&b, nil); err != nil {
		t.Fatal(err)
	}
	var j struct {
		OK      bool
		Counts  map[string]int
		Zones   map[string]string
		Results []netcheck.Result
	}
	if err := json.Unmarshal(b.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	if j.OK || j.Counts["fail"] != 1 || j.Zones[priv] != "us-east-1b" || len(j.Results) != len(rep.Results) {
		t.Errorf("JSON report: %s", b.String())
	}
}
