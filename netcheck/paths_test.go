package netcheck_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/coilednet/coilednet/netcheck"
	"github.com/coilednet/coilednet/netcheck/netchecktest"
)

// Issue 18: false passes and false fails of the first specification, the
// advice fitted to each egress kind, NAT instance status checks, and
// issue 24's mutants of netcheck.

const (
	natSub = "subnet-0nat" // a public subnet holding only the NAT gateway
	fwSub  = "subnet-0fw"  // the egress firewall's subnet
)

// ownACL gives subnet a network ACL of its own with the given entries.
func ownACL(f *netchecktest.Fake, id, subnet string, es ...types.NetworkAclEntry) {
	f.NetworkAcls = append(f.NetworkAcls, types.NetworkAcl{NetworkAclId: aws.String(id), VpcId: aws.String(vpc),
		Associations: []types.NetworkAclAssociation{{SubnetId: aws.String(subnet), NetworkAclId: aws.String(id)}}, Entries: es})
}

func ports(lo, hi int32) *types.PortRange {
	return &types.PortRange{From: aws.Int32(lo), To: aws.Int32(hi)}
}

// internalNet is topology internal: scheduler and workers in one private
// subnet behind a NAT gateway in a public subnet of its own.
func internalNet() (*netchecktest.Fake, netcheck.Network) {
	f := netchecktest.New(region, vpc).PublicSubnet(natSub, "us-east-1a").PrivateSubnet(priv, "us-east-1a", natSub).Groups(schedSG, clustSG)
	f.Group(schedSG).IpPermissions[0].IpRanges = []types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}
	return f, netcheck.Network{Region: region, VpcID: vpc, SchedulerSubnetID: priv, WorkerSubnetID: priv,
		SchedulerGroupID: schedSG, ClusterGroupID: clustSG, SchedulerPrivate: true}
}

// firewallNet is the egress firewall design: the scheduler in the public
// subnet with the NAT gateway, whose 0.0.0.0/0 goes to the firewall
// endpoint in the firewall subnet, whose 0.0.0.0/0 goes to the IGW.
func firewallNet() (*netchecktest.Fake, netcheck.Network) {
	f := netchecktest.New(region, vpc).PublicSubnet(pub, "us-east-1a").PublicSubnet(fwSub, "us-east-1a").
		PrivateSubnet(priv, "us-east-1a", pub).Groups(schedSG, clustSG).Firewall(fwSub, pub)
	return f, netcheck.Network{Region: region, VpcID: vpc, SchedulerSubnetID: pub, WorkerSubnetID: priv,
		SchedulerGroupID: schedSG, ClusterGroupID: clustSG}
}

// tgwNet is an existing VPC whose workers leave through a Transit Gateway
// attached with a subnet of their AZ.
func tgwNet() (*netchecktest.Fake, netcheck.Network) {
	f, n := privateNet()
	f.TransitGateway("tgw-0abc", []string{priv}, priv)
	n.Egress = netcheck.EgressExisting
	return f, n
}

// only requires that rep has exactly one result of status (fail or warn),
// of check, containing each of want, and nothing else that is not a pass.
func only(t *testing.T, rep *netcheck.Report, check string, status netcheck.Status, want ...string) *netcheck.Result {
	t.Helper()
	var got *netcheck.Result
	for i, r := range rep.Results {
		if r.Status == netcheck.Pass {
			continue
		}
		if got != nil || r.Check != check || r.Status != status {
			t.Errorf("unexpected %s %q result %q, want one %s %q:\n%s", r.Status, r.Check, r.Message, status, check, dump(rep))
			continue
		}
		got = &rep.Results[i]
	}
	if got == nil {
		t.Fatalf("no %s %q result:\n%s", status, check, dump(rep))
	}
	for _, w := range want {
		if !strings.Contains(got.Resource+" "+got.Message+" fix: "+got.Fix, w) {
			t.Errorf("%s %q result lacks %q: %+v", status, check, w, *got)
		}
	}
	if got.Fix == "" {
		t.Errorf("%s result without a fix: %+v", status, *got)
	}
	return got
}

// clean requires a report without warnings or failures.
func clean(t *testing.T, rep *netcheck.Report) {
	t.Helper()
	if rep.Failed() || rep.Count(netcheck.Warn) > 0 {
		t.Errorf("want no warning or failure:\n%s", dump(rep))
	}
}

func TestDesignsPass(t *testing.T) {
	for name, build := range map[string]func() (*netchecktest.Fake, netcheck.Network){
		"internal": internalNet, "firewall": firewallNet, "transit gateway": tgwNet,
		"NAT instance": func() (*netchecktest.Fake, netcheck.Network) {
			f, n := privateNet()
			f.NATInstance(priv, "i-0nat", pub)
			return f, n
		},
	} {
		t.Run(name, func(t *testing.T) {
			f, n := build()
			clean(t, run(t, f, n))
		})
	}
}

// False passes of the first specification.
func TestFalsePasses(t *testing.T) {
	allowVPC := func(n int32, egress bool) types.NetworkAclEntry {
		return aclEntry(n, egress, "-1", nil, "10.0.0.0/16", true)
	}
	for _, tc := range []struct {
		name   string
		build  func() (*netchecktest.Fake, netcheck.Network)
		edit   func(f *netchecktest.Fake, n *netcheck.Network)
		check  string
		status netcheck.Status
		want   []string
	}{
		{"hardened scheduler ACL blocks the clients' ports", privateNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			ownACL(f, "acl-0hard", pub, allowVPC(100, false), aclEntry(110, false, "6", ports(1024, 65535), "0.0.0.0/0", true),
				aclEntry(100, true, "-1", nil, "0.0.0.0/0", true))
		}, netcheck.CheckNACL, netcheck.Fail, []string{"acl-0hard", "inbound TCP 443 from 203.0.113.0/24 (clients to the scheduler): no rule allows it"}},
		{"scheduler ACL drops the replies to clients", privateNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			f.ACL(netchecktest.DefaultACL(vpc)).Entries = append(f.ACL(netchecktest.DefaultACL(vpc)).Entries,
				aclEntry(30, true, "6", ports(1024, 65535), "203.0.113.0/24", false))
		}, netcheck.CheckNACL, netcheck.Fail, []string{"outbound return traffic TCP 1024-65535 to 203.0.113.0/24 (the scheduler to its clients): rule 30 denies it"}},
		{"8786 from clients blocked, 443 allowed", privateNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			f.Group(schedSG).IpPermissions[0].ToPort = aws.Int32(8787)
			f.ACL(netchecktest.DefaultACL(vpc)).Entries = append(f.ACL(netchecktest.DefaultACL(vpc)).Entries,
				aclEntry(30, false, "6", tcp(8786), "0.0.0.0/0", false))
		}, netcheck.CheckNACL, netcheck.Fail, []string{"inbound TCP 8786 from 203.0.113.0/24 (clients to the scheduler): rule 30 denies it"}},
		{"internal: clients from the VPC range blocked", internalNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			ownACL(f, "acl-0p", priv, aclEntry(100, false, "6", ports(1024, 65535), "0.0.0.0/0", true), aclEntry(100, true, "-1", nil, "0.0.0.0/0", true))
		}, netcheck.CheckNACL, netcheck.Fail, []string{"inbound TCP 443 from 10.0.0.0/16 (clients to the scheduler)"}},
		{"NAT subnet ACL drops the workers' 443", internalNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			ownACL(f, "acl-0nat", natSub, aclEntry(100, false, "6", ports(1024, 65535), "0.0.0.0/0", true), aclEntry(100, true, "-1", nil, "0.0.0.0/0", true))
		}, netcheck.CheckNACL, netcheck.Fail, []string{"acl-0nat", "subnet-0nat", "inbound TCP 443 from 10.0.1.0/24 (worker traffic through NAT gateway nat-0nat)"}},
		{"NAT subnet ACL drops outbound 443", internalNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			ownACL(f, "acl-0nat", natSub, aclEntry(100, false, "-1", nil, "0.0.0.0/0", true), aclEntry(90, true, "6", tcp(443), "0.0.0.0/0", false),
				aclEntry(100, true, "-1", nil, "0.0.0.0/0", true))
		}, netcheck.CheckNACL, netcheck.Fail, []string{"outbound TCP 443 to 0.0.0.0/0 (worker traffic through NAT gateway nat-0nat): rule 90 denies it"}},
		{"NAT subnet ACL drops the internet's replies", internalNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			ownACL(f, "acl-0nat", natSub, allowVPC(100, false), aclEntry(100, true, "-1", nil, "0.0.0.0/0", true))
		}, netcheck.CheckNACL, netcheck.Fail, []string{"inbound return traffic TCP 1024-65535 from 0.0.0.0/0 (worker traffic through NAT gateway nat-0nat)"}},
		{"NAT subnet ACL drops the replies to workers", internalNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			ownACL(f, "acl-0nat", natSub, aclEntry(100, false, "-1", nil, "0.0.0.0/0", true), aclEntry(100, true, "6", tcp(443), "0.0.0.0/0", true))
		}, netcheck.CheckNACL, netcheck.Fail, []string{"outbound return traffic TCP 1024-65535 to 10.0.1.0/24 (worker traffic through NAT gateway nat-0nat): no rule allows it"}},
		{"firewall subnet ACL drops the NAT's traffic", firewallNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			ownACL(f, "acl-0fw", fwSub, aclEntry(100, false, "6", ports(1024, 65535), "0.0.0.0/0", true), aclEntry(100, true, "-1", nil, "0.0.0.0/0", true))
		}, netcheck.CheckNACL, netcheck.Fail, []string{"acl-0fw", "inbound TCP 443 from 10.0.0.0/24 (worker traffic through firewall endpoint vpce-fw0fw)"}},
		{"firewall subnet without a way out", firewallNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			rt := f.RouteTable(netchecktest.TableOf(fwSub))
			rt.Routes = rt.Routes[:1]
		}, "", netcheck.Fail, []string{"firewall endpoint vpce-fw0fw in subnet subnet-0fw, whose route table rtb-0fw has no 0.0.0.0/0 route"}},
		{"Transit Gateway attachment without a subnet in the workers' AZ", tgwNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			f.PublicSubnet("subnet-0b", "us-east-1b")
			f.TGWAttachments[0].SubnetIds = []string{"subnet-0b"}
		}, netcheck.CheckEgress, netcheck.Fail, []string{"tgw-attach-0a", "has subnets in us-east-1b only, none in the worker's us-east-1a", "--add-subnet-ids <a subnet of us-east-1a>"}},
		{"Transit Gateway not attached to the VPC", tgwNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			f.TGWAttachments[0].VpcId = aws.String("vpc-0other")
		}, netcheck.CheckEgress, netcheck.Fail, []string{"tgw-0abc", "has no available attachment to it", "create-transit-gateway-vpc-attachment"}},
		{"Transit Gateway attachment deleted", tgwNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			f.TGWAttachments[0].State = types.TransitGatewayAttachmentStateDeleted
		}, netcheck.CheckEgress, netcheck.Fail, []string{"has no available attachment"}},
		{"Transit Gateway attachment to another TGW", tgwNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			f.TGWAttachments[0].TransitGatewayId = aws.String("tgw-0other")
		}, netcheck.CheckEgress, netcheck.Fail, []string{"has no available attachment"}},
		{"custom DHCP DNS servers", privateNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			f.Vpcs[0].DhcpOptionsId = aws.String("dopt-0c")
			f.DhcpOptions = []types.DhcpOptions{{DhcpOptionsId: aws.String("dopt-0c"), DhcpConfigurations: []types.DhcpConfiguration{
				{Key: aws.String("domain-name"), Values: []types.AttributeValue{{Value: aws.String("corp.example")}}},
				{Key: aws.String("domain-name-servers"), Values: []types.AttributeValue{{Value: aws.String("10.0.0.53")}, {Value: aws.String("AmazonProvidedDNS")}}}}}}
		}, netcheck.CheckVPC, netcheck.Warn, []string{"dopt-0c", "DNS servers 10.0.0.53:", "AmazonProvidedDNS"}},
		{"NAT instance impaired", privateNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			f.NATInstance(priv, "i-0nat", pub)
			f.InstanceStatuses = []types.InstanceStatus{{InstanceId: aws.String("i-0nat"),
				SystemStatus: &types.InstanceStatusSummary{Status: types.SummaryStatusOk}, InstanceStatus: &types.InstanceStatusSummary{Status: types.SummaryStatusImpaired}}}
		}, netcheck.CheckEgress, netcheck.Fail, []string{"i-0nat", "status checks: system ok, instance impaired", "reboot-instances"}},
		{"NAT instance system impaired", privateNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			f.NATInstance(priv, "i-0nat", pub)
			f.InstanceStatuses = []types.InstanceStatus{{InstanceId: aws.String("i-0nat"),
				SystemStatus: &types.InstanceStatusSummary{Status: types.SummaryStatusImpaired}, InstanceStatus: &types.InstanceStatusSummary{Status: types.SummaryStatusOk}}}
		}, netcheck.CheckEgress, netcheck.Fail, []string{"system impaired, instance ok"}},
		{"NAT instance initializing", privateNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			f.NATInstance(priv, "i-0nat", pub)
			f.InstanceStatuses = []types.InstanceStatus{{InstanceId: aws.String("i-0nat"),
				SystemStatus: &types.InstanceStatusSummary{Status: types.SummaryStatusOk}, InstanceStatus: &types.InstanceStatusSummary{Status: types.SummaryStatusInitializing}}}
		}, netcheck.CheckEgress, netcheck.Warn, []string{"i-0nat", "instance initializing: not ok yet", "wait until the status checks are ok"}},
		{"NAT instance without status checks", privateNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			f.NATInstance(priv, "i-0nat", pub)
			f.InstanceStatuses = []types.InstanceStatus{{InstanceId: aws.String("i-0nat")}}
		}, netcheck.CheckEgress, netcheck.Warn, []string{"system none, instance none"}},
		{"NAT instance in a subnet without a way out", privateNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			f.NATInstance(priv, "i-0nat", pub)
			n.SchedulerSubnetID = priv
			rt := f.RouteTable(netchecktest.TableOf(pub))
			rt.Routes = rt.Routes[:1]
		}, "", netcheck.Fail, []string{"NAT instance i-0nat", "in subnet subnet-0pub, whose route table rtb-0pub has no 0.0.0.0/0 route"}},
		{"interface endpoint with private DNS, DNS hostnames off", privateNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			f.DNSHostnames[vpc] = false
			f.VpcEndpoints = append(f.VpcEndpoints, types.VpcEndpoint{VpcEndpointId: aws.String("vpce-0ecr"), VpcId: aws.String(vpc),
				VpcEndpointType: types.VpcEndpointTypeInterface, PrivateDnsEnabled: aws.Bool(true), ServiceName: aws.String("com.amazonaws.us-east-1.ecr.api")})
		}, netcheck.CheckVPC, netcheck.Fail, []string{"enableDnsHostnames off, but interface endpoint(s) vpce-0ecr have private DNS", "--enable-dns-hostnames"}},
		{"DNS support off", privateNet, func(f *netchecktest.Fake, n *netcheck.Network) { f.DNSSupport[vpc] = false },
			netcheck.CheckVPC, netcheck.Fail, []string{"enableDnsSupport off", "--enable-dns-support"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, n := tc.build()
			clean(t, run(t, f, n))
			tc.edit(f, &n)
			rep := run(t, f, n)
			if tc.check == "" {
				if !rep.Failed() || !strings.Contains(dump(rep), tc.want[len(tc.want)-1]) {
					t.Errorf("want a failure with %q:\n%s", tc.want, dump(rep))
				}
				return
			}
			only(t, rep, tc.check, tc.status, tc.want...)
		})
	}
}

// False fails of the first specification: each is now a pass.
func TestFalseFails(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func() (*netchecktest.Fake, netcheck.Network)
		edit  func(f *netchecktest.Fake, n *netcheck.Network)
	}{
		{"DNS hostnames off without private DNS", privateNet, func(f *netchecktest.Fake, n *netcheck.Network) { f.DNSHostnames[vpc] = false }},
		{"interface endpoint without private DNS, DNS hostnames off", privateNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			f.DNSHostnames[vpc] = false
			f.VpcEndpoints = append(f.VpcEndpoints, types.VpcEndpoint{VpcEndpointId: aws.String("vpce-0ecr"), VpcId: aws.String(vpc),
				VpcEndpointType: types.VpcEndpointTypeInterface, PrivateDnsEnabled: aws.Bool(false)})
		}},
		{"UDP denied between the subnets", privateNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			a := f.ACL(netchecktest.DefaultACL(vpc))
			a.Entries = append(a.Entries, aclEntry(10, false, "17", ports(0, 65535), "10.0.0.0/16", false), aclEntry(10, true, "17", ports(0, 65535), "10.0.0.0/16", false))
		}},
		{"ACL denies the subnet's own range (one subnet)", publicNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			a := f.ACL(netchecktest.DefaultACL(vpc))
			a.Entries = append(a.Entries, aclEntry(10, false, "-1", nil, "10.0.0.0/24", false), aclEntry(10, true, "-1", nil, "10.0.0.0/24", false))
		}},
		{"ACL denies the subnet's own range (internal)", internalNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			ownACL(f, "acl-0p", priv, aclEntry(10, false, "-1", nil, "10.0.1.0/24", false), aclEntry(10, true, "-1", nil, "10.0.1.0/24", false),
				aclEntry(100, false, "-1", nil, "0.0.0.0/0", true), aclEntry(100, true, "-1", nil, "0.0.0.0/0", true))
		}},
		{"tight ACLs: just what Coiled needs on every hop", privateNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			ownACL(f, "acl-0pub", pub,
				aclEntry(100, false, "6", tcp(443), "0.0.0.0/0", true), aclEntry(110, false, "6", ports(1024, 65535), "0.0.0.0/0", true),
				aclEntry(120, false, "6", ports(0, 65535), "10.0.1.0/24", true),
				aclEntry(100, true, "6", tcp(443), "0.0.0.0/0", true), aclEntry(110, true, "6", ports(1024, 65535), "0.0.0.0/0", true),
				aclEntry(120, true, "6", ports(0, 65535), "10.0.1.0/24", true))
			ownACL(f, "acl-0priv", priv,
				aclEntry(100, false, "6", ports(1024, 65535), "0.0.0.0/0", true), aclEntry(110, false, "6", ports(0, 65535), "10.0.0.0/24", true),
				aclEntry(100, true, "6", tcp(443), "0.0.0.0/0", true), aclEntry(110, true, "6", ports(0, 65535), "10.0.0.0/24", true))
		}},
		{"NAT instance whose scheduler subnet is public", privateNet, func(f *netchecktest.Fake, n *netcheck.Network) { f.NATInstance(priv, "i-0nat", pub) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, n := tc.build()
			tc.edit(f, &n)
			clean(t, run(t, f, n))
		})
	}
}

// Advice fits the egress kind and topology, and the scheduler is
// labelled by where it really is.
func TestAdviceFitsTheDesign(t *testing.T) {
	cut := func(f *netchecktest.Fake, subnet string) {
		rt := f.RouteTable(netchecktest.TableOf(subnet))
		rt.Routes = rt.Routes[:1]
	}
	for _, tc := range []struct {
		name        string
		build       func() (*netchecktest.Fake, netcheck.Network)
		edit        func(f *netchecktest.Fake, n *netcheck.Network)
		check       string
		want, never []string
	}{
		{"NAT gateway: worker route deleted", privateNet, func(f *netchecktest.Fake, n *netcheck.Network) { cut(f, priv) },
			netcheck.CheckEgress, []string{"create-route --route-table-id rtb-0priv --destination-cidr-block 0.0.0.0/0 --nat-gateway-id"}, []string{"--gateway-id", "transit"}},
		{"NAT gateway of another AZ named", func() (*netchecktest.Fake, netcheck.Network) {
			f, n := privateNet()
			f.PrivateSubnet("subnet-0priv2", "us-east-1a", pub)
			return f, n
		}, func(f *netchecktest.Fake, n *netcheck.Network) { cut(f, priv) },
			netcheck.CheckEgress, []string{"--nat-gateway-id nat-0pub (the NAT gateway the VPC's other private subnets use)"}, nil},
		{"NAT instance design", func() (*netchecktest.Fake, netcheck.Network) {
			f, n := privateNet()
			f.PrivateSubnet("subnet-0priv2", "us-east-1a", pub).NATInstance("subnet-0priv2", "i-0nat", pub)
			f.NatGateways = nil
			return f, n
		}, func(f *netchecktest.Fake, n *netcheck.Network) { cut(f, priv) },
			netcheck.CheckEgress, []string{"--instance-id i-0nat (the NAT instance"}, []string{"--nat-gateway-id"}},
		{"Transit Gateway: worker route deleted", func() (*netchecktest.Fake, netcheck.Network) {
			f, n := tgwNet()
			f.PrivateSubnet("subnet-0priv2", "us-east-1a", pub).TransitGateway("tgw-0abc", nil, "subnet-0priv2")
			n.Egress = netcheck.EgressTransitGateway
			return f, n
		}, func(f *netchecktest.Fake, n *netcheck.Network) { cut(f, priv) },
			netcheck.CheckEgress, []string{"--transit-gateway-id tgw-0abc (egress=transitGateway"}, []string{"NAT"}},
		{"Transit Gateway without another route to learn from", func() (*netchecktest.Fake, netcheck.Network) {
			f, n := tgwNet()
			n.Egress = netcheck.EgressTransitGateway
			return f, n
		}, func(f *netchecktest.Fake, n *netcheck.Network) { cut(f, priv) },
			netcheck.CheckEgress, []string{"--transit-gateway-id <the Transit Gateway tgw-…>"}, []string{"NAT"}},
		{"Transit Gateway learnt from the VPC's other tables", func() (*netchecktest.Fake, netcheck.Network) {
			f, n := tgwNet()
			f.PrivateSubnet("subnet-0priv2", "us-east-1a", pub).TransitGateway("tgw-0abc", nil, "subnet-0priv2")
			f.NatGateways = nil
			return f, n
		}, func(f *netchecktest.Fake, n *netcheck.Network) { cut(f, priv) },
			netcheck.CheckEgress, []string{"--transit-gateway-id tgw-0abc (the Transit Gateway the VPC's other private subnets use)"}, []string{"NAT"}},
		{"existing VPC without a route to learn from", func() (*netchecktest.Fake, netcheck.Network) {
			f, n := privateNet()
			n.Egress = netcheck.EgressExisting
			f.NatGateways = nil
			return f, n
		}, func(f *netchecktest.Fake, n *netcheck.Network) { cut(f, priv) },
			netcheck.CheckEgress, []string{"the way out this VPC's design uses"}, []string{"<a NAT gateway in a public subnet"}},
		{"public workers", publicNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			f.PublicSubnet("subnet-0pub2", "us-east-1a")
			cut(f, pub)
		}, "", []string{"--gateway-id igw-0a (the VPC's internet gateway)"}, []string{"NAT"}},
		{"internal scheduler without a route", internalNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			f.PrivateSubnet("subnet-0priv2", "us-east-1a", natSub)
			cut(f, priv)
		}, netcheck.CheckScheduler, []string{"--nat-gateway-id nat-0nat"}, []string{"internet gateway", "igw"}},
		{"internal scheduler routed to the IGW", internalNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			n.WorkerSubnetID = natSub
			n.SchedulerSubnetID = natSub
			n.WorkersPublicIP = true
		}, netcheck.CheckScheduler, []string{"but the scheduler has no public IP (topology internal)"}, nil},
		{"firewall: scheduler route deleted", firewallNet, func(f *netchecktest.Fake, n *netcheck.Network) {
			f.PublicSubnet("subnet-0pub2", "us-east-1a").Firewall(fwSub, "subnet-0pub2")
			cut(f, pub)
		}, "", []string{"--vpc-endpoint-id vpce-fw0fw (the firewall endpoint"}, []string{"NAT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, n := tc.build()
			tc.edit(f, &n)
			rep := run(t, f, n)
			var fixes []string
			for _, r := range rep.Results {
				if r.Status == netcheck.Fail && (tc.check == "" || r.Check == tc.check) {
					fixes = append(fixes, r.Message+" fix: "+r.Fix)
				}
			}
			all := strings.Join(fixes, "\n")
			if len(fixes) == 0 {
				t.Fatalf("no failure:\n%s", dump(rep))
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("failures lack %q:\n%s", w, all)
				}
			}
			for _, w := range tc.never {
				for _, fx := range fixes {
					if _, fix, _ := strings.Cut(fx, " fix: "); strings.Contains(fix, w) {
						t.Errorf("fix must not say %q: %s", w, fix)
					}
				}
			}
		})
	}
}

func TestSchedulerLabel(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func() (*netchecktest.Fake, netcheck.Network)
		want  string
	}{
		{"public", privateNet, "(a public scheduler: clients reach its public IP)"},
		{"firewall", firewallNet, "(a public scheduler: clients reach its public IP)"},
		{"internal", internalNet, "(a private scheduler, topology internal"},
		{"behind a NAT", func() (*netchecktest.Fake, netcheck.Network) {
			f, n := privateNet()
			n.SchedulerSubnetID = priv
			return f, n
		}, "(a private scheduler: clients reach it only from inside"},
		{"through a Transit Gateway", func() (*netchecktest.Fake, netcheck.Network) {
			f, n := tgwNet()
			n.SchedulerSubnetID = priv
			return f, n
		}, "(a private scheduler: clients reach it only from inside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, n := tc.build()
			rep := run(t, f, n)
			clean(t, rep)
			if !find(rep, netcheck.CheckScheduler, netcheck.Pass, tc.want) {
				t.Errorf("want %q:\n%s", tc.want, dump(rep))
			}
			if tc.name != "internal" && tc.name != "behind a NAT" && tc.name != "through a Transit Gateway" && strings.Contains(dump(rep), "private scheduler") {
				t.Errorf("public scheduler called private:\n%s", dump(rep))
			}
		})
	}
}

// Issue 24, gap 1: an ACL with exactly one problem fails.
func TestACLWithOneProblem(t *testing.T) {
	f, n := publicNet()
	f.ACL(netchecktest.DefaultACL(vpc)).Entries = append(f.ACL(netchecktest.DefaultACL(vpc)).Entries, aclEntry(10, true, "6", tcp(443), "0.0.0.0/0", false))
	rep := run(t, f, n)
	r := only(t, rep, netcheck.CheckNACL, netcheck.Fail, "outbound TCP 443 to 0.0.0.0/0: rule 10 denies it", "numbered below 10")
	if strings.Count(r.Message, "denies it") != 1 {
		t.Errorf("want exactly one problem: %s", r.Message)
	}
}

func TestACLEvaluation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		es     []types.NetworkAclEntry
		status netcheck.Status
		want   string
	}{
		{"deny of one port in the middle", []types.NetworkAclEntry{aclEntry(5, false, "6", tcp(40000), "0.0.0.0/0", false)},
			netcheck.Fail, "inbound return traffic TCP 40000 from 0.0.0.0/0: rule 5"},
		{"deny of two ranges", []types.NetworkAclEntry{aclEntry(5, false, "6", ports(2000, 2001), "0.0.0.0/0", false), aclEntry(6, false, "6", ports(3000, 3000), "0.0.0.0/0", false)},
			netcheck.Fail, "TCP 2000-2001,3000 from 0.0.0.0/0"},
		{"deny of the lowest ephemeral port", []types.NetworkAclEntry{aclEntry(5, false, "6", tcp(1024), "0.0.0.0/0", false)},
			netcheck.Fail, "TCP 1024 from 0.0.0.0/0"},
		{"deny of the highest port", []types.NetworkAclEntry{aclEntry(5, false, "6", tcp(65535), "0.0.0.0/0", false)},
			netcheck.Fail, "TCP 65535 from 0.0.0.0/0"},
		{"deny just below the ephemeral range does not count", []types.NetworkAclEntry{aclEntry(5, false, "6", ports(444, 1023), "0.0.0.0/0", false)},
			netcheck.Pass, ""},
		{"UDP deny does not count", []types.NetworkAclEntry{aclEntry(5, true, "17", tcp(443), "0.0.0.0/0", false)},
			netcheck.Pass, ""},
		{"protocol all deny counts", []types.NetworkAclEntry{aclEntry(5, true, "-1", tcp(80), "0.0.0.0/0", false)},
			netcheck.Fail, "outbound TCP 443 to 0.0.0.0/0: rule 5 denies it"},
		{"four denied ranges are cut", []types.NetworkAclEntry{aclEntry(1, false, "6", tcp(2000), "0.0.0.0/0", false), aclEntry(2, false, "6", tcp(3000), "0.0.0.0/0", false),
			aclEntry(3, false, "6", tcp(4000), "0.0.0.0/0", false), aclEntry(4, false, "6", tcp(5000), "0.0.0.0/0", false)},
			netcheck.Fail, "TCP 2000,3000,4000,… from"},
		{"deny of part of the internet: warn", []types.NetworkAclEntry{aclEntry(5, false, "6", ports(1024, 65535), "198.51.100.0/24", false)},
			netcheck.Warn, "rule 5 denies TCP 1024-65535 to/from 198.51.100.0/24"},
		{"allow of part of the internet only", []types.NetworkAclEntry{aclEntry(5, true, "6", tcp(443), "198.51.100.0/24", true), aclEntry(6, true, "6", tcp(443), "0.0.0.0/0", false)},
			netcheck.Fail, "outbound TCP 443 to 0.0.0.0/0: rule 6 denies it"},
		{"IPv6 entries are ignored", []types.NetworkAclEntry{{RuleNumber: aws.Int32(5), Egress: aws.Bool(true), Protocol: aws.String("-1"), Ipv6CidrBlock: aws.String("::/0"), RuleAction: types.RuleActionDeny}},
			netcheck.Pass, ""},
		{"protocol named all", []types.NetworkAclEntry{{RuleNumber: aws.Int32(5), Egress: aws.Bool(true), Protocol: aws.String("all"), CidrBlock: aws.String("0.0.0.0/0"), RuleAction: types.RuleActionDeny}},
			netcheck.Fail, "outbound TCP 443 to 0.0.0.0/0: rule 5 denies it"},
		{"unparsable CIDR ignored", []types.NetworkAclEntry{{RuleNumber: aws.Int32(5), Egress: aws.Bool(true), Protocol: aws.String("-1"), CidrBlock: aws.String("bad"), RuleAction: types.RuleActionDeny}},
			netcheck.Pass, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, n := publicNet()
			a := f.ACL(netchecktest.DefaultACL(vpc))
			a.Entries = append(a.Entries, tc.es...)
			rep := run(t, f, n)
			if tc.status == netcheck.Pass {
				clean(t, rep)
				return
			}
			only(t, rep, netcheck.CheckNACL, tc.status, tc.want)
		})
	}
}

func TestACLWithoutAnyACL(t *testing.T) {
	f, n := publicNet()
	f.NetworkAcls = nil
	rep := run(t, f, n)
	only(t, rep, netcheck.CheckNACL, netcheck.Fail, "subnet subnet-0pub has no network ACL")
}

// Issue 24, gap 2: the S3 endpoint must be a gateway endpoint for S3 on
// the worker route table.
func TestS3Endpoint(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(e *types.VpcEndpoint)
		pass bool
	}{
		{"on the worker table", func(e *types.VpcEndpoint) {}, true},
		{"on another table", func(e *types.VpcEndpoint) { e.RouteTableIds = []string{netchecktest.TableOf(pub)} }, false},
		{"an interface endpoint", func(e *types.VpcEndpoint) { e.VpcEndpointType = types.VpcEndpointTypeInterface }, false},
		{"a DynamoDB endpoint", func(e *types.VpcEndpoint) { e.ServiceName = aws.String("com.amazonaws.us-east-1.dynamodb") }, false},
		{"after an unrelated endpoint", func(e *types.VpcEndpoint) {}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, n := privateNet()
			tc.edit(&f.VpcEndpoints[0])
			if tc.name == "after an unrelated endpoint" {
				f.VpcEndpoints = append([]types.VpcEndpoint{{VpcEndpointId: aws.String("vpce-0ddb"), VpcId: aws.String(vpc), VpcEndpointType: types.VpcEndpointTypeGateway,
					ServiceName: aws.String("com.amazonaws.us-east-1.dynamodb"), RouteTableIds: []string{netchecktest.TableOf(priv)}}}, f.VpcEndpoints...)
			}
			rep := run(t, f, n)
			if tc.pass {
				clean(t, rep)
				if !find(rep, netcheck.CheckS3, netcheck.Pass, "vpce-s30a on the worker route table rtb-0priv") {
					t.Errorf("no S3 pass:\n%s", dump(rep))
				}
				return
			}
			only(t, rep, netcheck.CheckS3, netcheck.Warn, "no S3 gateway endpoint on the worker route table rtb-0priv", "through the NAT gateway", "--route-table-ids rtb-0priv")
		})
	}
	// No NAT (public workers, Transit Gateway): no S3 advice at all.
	for name, build := range map[string]func() (*netchecktest.Fake, netcheck.Network){"public": publicNet, "transit gateway": tgwNet} {
		f, n := build()
		f.VpcEndpoints = nil
		rep := run(t, f, n)
		for _, r := range rep.Results {
			if r.Check == netcheck.CheckS3 {
				t.Errorf("%s: S3 result without NAT egress: %+v", name, r)
			}
		}
	}
}

// Issue 24, gap 3: every NAT gateway path that must fail fails.
func TestNATGatewayPaths(t *testing.T) {
	natRT := netchecktest.TableOf(pub)
	for _, tc := range []struct {
		name string
		edit func(f *netchecktest.Fake, n *netcheck.Network)
		want string
	}{
		{"NAT subnet's IGW detached", func(f *netchecktest.Fake, n *netcheck.Network) {
			f.InternetGateways[0].Attachments = []types.InternetGatewayAttachment{{VpcId: aws.String("vpc-0other"), State: "available"}}
		}, "sends 0.0.0.0/0 to internet gateway igw-0a, which is not attached to vpc-0a"},
		{"NAT subnet's IGW detaching", func(f *netchecktest.Fake, n *netcheck.Network) {
			f.InternetGateways[0].Attachments[0].State = "detaching"
		}, "which is not attached to vpc-0a"},
		{"NAT subnet's IGW gone", func(f *netchecktest.Fake, n *netcheck.Network) { f.InternetGateways = nil }, "which is not attached"},
		{"NAT subnet routes to a missing NAT instance", func(f *netchecktest.Fake, n *netcheck.Network) {
			*f.DefaultRoute(natRT) = types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), InstanceId: aws.String("i-0gone")}
		}, "sends 0.0.0.0/0 to NAT instance i-0gone, which does not exist"},
		{"NAT subnet route blackholed", func(f *netchecktest.Fake, n *netcheck.Network) {
			f.DefaultRoute(natRT).State = types.RouteStateBlackhole
		},
			"sends 0.0.0.0/0 to igw-0a, which no longer exists (blackhole)"},
		{"NAT subnet route without a target", func(f *netchecktest.Fake, n *netcheck.Network) {
			*f.DefaultRoute(natRT) = types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0")}
		}, "sends 0.0.0.0/0 to no target"},
		{"NAT subnet without a route table", func(f *netchecktest.Fake, n *netcheck.Network) {
			f.RouteTable(natRT).Associations = nil
			f.RouteTable(netchecktest.MainTable(vpc)).Associations = nil
			n.SchedulerSubnetID = priv
		}, "in subnet subnet-0pub, which has no route table"},
		{"NAT gateway pending", func(f *netchecktest.Fake, n *netcheck.Network) {
			f.NAT(netchecktest.NATOf(pub)).State = types.NatGatewayStatePending
		},
			"which is pending, not available"},
		{"route to a missing NAT instance", func(f *netchecktest.Fake, n *netcheck.Network) {
			*f.DefaultRoute(netchecktest.TableOf(priv)) = types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), InstanceId: aws.String("i-0gone")}
		}, "NAT instance i-0gone, which does not exist"},
		{"NAT instance without a state", func(f *netchecktest.Fake, n *netcheck.Network) {
			f.NATInstance(priv, "i-0nat", pub)
			f.Instances[0].State = nil
		}, "which is unknown, not running"},
		{"NAT instance with an unknown source/dest check", func(f *netchecktest.Fake, n *netcheck.Network) {
			f.NATInstance(priv, "i-0nat", pub)
			f.Instances[0].SourceDestCheck = nil
		}, "source/destination check on"},
		{"firewall endpoint of another kind", func(f *netchecktest.Fake, n *netcheck.Network) {
			f.VpcEndpoints = append(f.VpcEndpoints, types.VpcEndpoint{VpcEndpointId: aws.String("vpce-0if"), VpcId: aws.String(vpc),
				VpcEndpointType: types.VpcEndpointTypeInterface, SubnetIds: []string{pub}})
			*f.DefaultRoute(netchecktest.TableOf(priv)) = types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String("vpce-0if")}
		}, "a Interface endpoint, which does not forward to the internet"},
		{"firewall endpoint not available", func(f *netchecktest.Fake, n *netcheck.Network) {
			f.Firewall(pub, priv)
			f.VpcEndpoints[len(f.VpcEndpoints)-1].State = types.StatePending
		}, "which is pending, not available"},
		{"routes loop through firewall endpoints", func(f *netchecktest.Fake, n *netcheck.Network) {
			f.Firewall(pub, priv, pub)
		}, "whose routes loop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, n := privateNet()
			tc.edit(f, &n)
			rep := run(t, f, n)
			if !rep.Failed() || !strings.Contains(dump(rep), tc.want) {
				t.Errorf("want a failure with %q:\n%s", tc.want, dump(rep))
			}
			for _, r := range rep.Results {
				if r.Status == netcheck.Fail && r.Fix == "" {
					t.Errorf("failure without a fix: %+v", r)
				}
			}
		})
	}
}

// The firewall endpoint of the sender's AZ is followed.
func TestFirewallEndpointPerAZ(t *testing.T) {
	f, n := firewallNet()
	f.PublicSubnet("subnet-0fwb", "us-east-1b")
	e := &f.VpcEndpoints[len(f.VpcEndpoints)-1]
	e.SubnetIds = []string{"subnet-0fwb", fwSub}
	rep := run(t, f, n)
	clean(t, rep)
	if !strings.Contains(dump(rep), "firewall endpoint vpce-fw0fw in subnet subnet-0fw,") {
		t.Errorf("want the endpoint's subnet of us-east-1a:\n%s", dump(rep))
	}
}

// Issue 24, gap 4: only an egress rule that admits TCP 443 to 0.0.0.0/0
// counts.
func TestClusterEgressRule(t *testing.T) {
	for _, tc := range []struct {
		name string
		perm types.IpPermission
		pass bool
	}{
		{"all traffic", types.IpPermission{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}, true},
		{"TCP 443", types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}, true},
		{"TCP as 6, a range", types.IpPermission{IpProtocol: aws.String("6"), FromPort: aws.Int32(1), ToPort: aws.Int32(65535), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}, true},
		{"TCP 80", types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}, false},
		{"TCP 444-445", types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(444), ToPort: aws.Int32(445), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}, false},
		{"TCP 440-442", types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(440), ToPort: aws.Int32(442), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}, false},
		{"UDP 443", types.IpPermission{IpProtocol: aws.String("udp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}, false},
		{"TCP 443 to the VPC only", types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, n := privateNet()
			f.Group(clustSG).IpPermissionsEgress = []types.IpPermission{tc.perm}
			rep := run(t, f, n)
			if tc.pass {
				clean(t, rep)
				return
			}
			only(t, rep, netcheck.CheckGroups, netcheck.Fail, "does not allow outbound TCP 443 to 0.0.0.0/0")
		})
	}
}

func TestSchedulerGroupRules(t *testing.T) {
	for _, tc := range []struct {
		name   string
		perm   types.IpPermission
		status netcheck.Status
		want   string
	}{
		{"8787 only", types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8787), ToPort: aws.Int32(8787), IpRanges: []types.IpRange{{CidrIp: aws.String("203.0.113.0/24")}}}, netcheck.Pass, "8787 from 203.0.113.0/24"},
		{"UDP 443 only", types.IpPermission{IpProtocol: aws.String("udp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []types.IpRange{{CidrIp: aws.String("203.0.113.0/24")}}}, netcheck.Fail, "admits no client"},
		{"TCP 8788 only", types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8788), ToPort: aws.Int32(9000), IpRanges: []types.IpRange{{CidrIp: aws.String("203.0.113.0/24")}}}, netcheck.Fail, "admits no client"},
		{"IPv6 open", types.IpPermission{IpProtocol: aws.String("-1"), Ipv6Ranges: []types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}}, netcheck.Warn, "admits the whole internet on 443, 8786, 8787"},
		{"from a group", types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String("sg-0vpn")}}}, netcheck.Pass, "443 from sg-0vpn"},
		{"many sources", types.IpPermission{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("203.0.113.0/26")}, {CidrIp: aws.String("203.0.113.64/26")}}}, netcheck.Pass, "and 2 more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, n := privateNet()
			f.Group(schedSG).IpPermissions = []types.IpPermission{tc.perm}
			rep := run(t, f, n)
			if tc.status == netcheck.Pass {
				clean(t, rep)
				if !find(rep, netcheck.CheckGroups, netcheck.Pass, tc.want) {
					t.Errorf("want %q:\n%s", tc.want, dump(rep))
				}
				return
			}
			only(t, rep, netcheck.CheckGroups, tc.status, tc.want)
		})
	}
}

func TestClusterSelfRule(t *testing.T) {
	for _, tc := range []struct {
		name   string
		perm   types.IpPermission
		status netcheck.Status
	}{
		{"TCP all ports", types.IpPermission{IpProtocol: aws.String("6"), FromPort: aws.Int32(0), ToPort: aws.Int32(65535)}, netcheck.Warn},
		{"TCP some ports", types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(0), ToPort: aws.Int32(65534)}, netcheck.Fail},
		{"TCP from port 1", types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(1), ToPort: aws.Int32(65535)}, netcheck.Fail},
		{"UDP", types.IpPermission{IpProtocol: aws.String("udp"), FromPort: aws.Int32(0), ToPort: aws.Int32(65535)}, netcheck.Fail},
		{"all from another group", types.IpPermission{IpProtocol: aws.String("-1")}, netcheck.Fail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, n := privateNet()
			pair := clustSG
			if tc.name == "all from another group" {
				pair = "sg-0other"
			}
			tc.perm.UserIdGroupPairs = []types.UserIdGroupPair{{GroupId: aws.String(pair)}}
			f.Group(clustSG).IpPermissions = []types.IpPermission{tc.perm}
			only(t, run(t, f, n), netcheck.CheckGroups, tc.status, "sg-0cluster")
		})
	}
}

// Issue 24, gap 5: every EC2 call's "not found" is a finding, and every
// other error (access denied, throttling) is an *APIError naming the call,
// never a finding.
func TestEveryCallsErrors(t *testing.T) {
	natInst := func() (*netchecktest.Fake, netcheck.Network) {
		f, n := privateNet()
		f.NATInstance(priv, "i-0nat", pub)
		return f, n
	}
	dhcp := func() (*netchecktest.Fake, netcheck.Network) {
		f, n := privateNet()
		f.Vpcs[0].DhcpOptionsId = aws.String("dopt-0c")
		f.DhcpOptions = []types.DhcpOptions{{DhcpOptionsId: aws.String("dopt-0c")}}
		return f, n
	}
	builds := map[string]func() (*netchecktest.Fake, netcheck.Network){
		"DescribeVpcs": privateNet, "DescribeVpcAttribute": privateNet, "DescribeSubnets": privateNet, "DescribeRouteTables": privateNet,
		"DescribeNetworkAcls": privateNet, "DescribeVpcEndpoints": privateNet, "DescribeNatGateways": privateNet, "DescribeInternetGateways": privateNet,
		"DescribeSecurityGroups": privateNet, "DescribeInstances": natInst, "DescribeInstanceStatus": natInst, "DescribeDhcpOptions": dhcp,
		"DescribeTransitGatewayVpcAttachments": tgwNet,
	}
	for op, build := range builds {
		for _, code := range []string{"UnauthorizedOperation", "AccessDenied", "RequestLimitExceeded"} {
			t.Run(op+"/"+code, func(t *testing.T) {
				f, n := build()
				clean(t, run(t, f, n))
				seen := false
				for _, c := range f.Calls {
					seen = seen || c == op
				}
				if !seen {
					t.Fatalf("the healthy network never calls %s: %v", op, f.Calls)
				}
				f.Calls = nil
				cause := &smithy.GenericAPIError{Code: code, Message: "no"}
				f.Errs = map[string]error{op: cause}
				rep, err := netcheck.Check(context.Background(), f, n)
				var apiErr *netcheck.APIError
				if !errors.As(err, &apiErr) || apiErr.Op != op || !errors.Is(err, cause) {
					t.Fatalf("err = %v, want an *APIError of %s", err, op)
				}
				if !strings.Contains(err.Error(), "EC2 "+op+": ") {
					t.Errorf("error text %q", err.Error())
				}
				if rep == nil || rep.Failed() {
					t.Errorf("an API error is not a failed check:\n%s", dump(rep))
				}
			})
		}
	}
	// A plain error (network) is an API error too.
	f, n := privateNet()
	f.Errs = map[string]error{"DescribeSecurityGroups": errors.New("connection refused")}
	if _, err := netcheck.Check(context.Background(), f, n); err == nil {
		t.Errorf("connection refused: no error")
	}
}

func TestNotFoundCodesAreFindings(t *testing.T) {
	for _, tc := range []struct {
		op, code, want string
		build          func() (*netchecktest.Fake, netcheck.Network)
	}{
		{"DescribeVpcs", "InvalidVpcID.NotFound", "VPC vpc-0a not found", privateNet},
		{"DescribeVpcs", "InvalidVpcID.Malformed", "VPC vpc-0a not found", privateNet},
		{"DescribeSubnets", "InvalidSubnetID.NotFound", "subnet subnet-0pub not found", privateNet},
		{"DescribeSubnets", "InvalidSubnetID.Malformed", "subnet subnet-0pub not found", privateNet},
		{"DescribeNatGateways", "NatGatewayNotFound", "NAT gateway nat-0pub, which does not exist", privateNet},
		{"DescribeInternetGateways", "InvalidInternetGatewayID.NotFound", "not attached", privateNet},
		{"DescribeSecurityGroups", "InvalidGroup.NotFound", "group sg-0cluster not found", privateNet},
		{"DescribeSecurityGroups", "InvalidGroupId.Malformed", "group sg-0cluster not found", privateNet},
		{"DescribeInstances", "InvalidInstanceID.NotFound", "NAT instance i-0nat, which does not exist", func() (*netchecktest.Fake, netcheck.Network) {
			f, n := privateNet()
			f.NATInstance(priv, "i-0nat", pub)
			return f, n
		}},
	} {
		t.Run(tc.op+"/"+tc.code, func(t *testing.T) {
			f, n := tc.build()
			f.Errs = map[string]error{tc.op: &smithy.GenericAPIError{Code: tc.code, Message: "x"}}
			rep := run(t, f, n)
			if !rep.Failed() || !strings.Contains(dump(rep), tc.want) {
				t.Errorf("want a failure with %q:\n%s", tc.want, dump(rep))
			}
		})
	}
	// Not-found answers that are no failure: status checks, DHCP options.
	for _, tc := range []struct{ op, code string }{
		{"DescribeInstanceStatus", "InvalidInstanceID.NotFound"}, {"DescribeDhcpOptions", "InvalidDhcpOptionID.NotFound"},
	} {
		f, n := privateNet()
		f.NATInstance(priv, "i-0nat", pub)
		f.Vpcs[0].DhcpOptionsId = aws.String("dopt-0gone")
		f.Errs = map[string]error{tc.op: &smithy.GenericAPIError{Code: tc.code}}
		rep := run(t, f, n)
		if rep.Failed() {
			t.Errorf("%s %s: failed:\n%s", tc.op, tc.code, dump(rep))
		}
	}
}

func TestSubnetZones(t *testing.T) {
	f, _ := privateNet()
	z, err := netcheck.SubnetZones(context.Background(), f, pub, "subnet-0gone", pub, priv)
	if err != nil || len(z) != 2 || z[pub] != "us-east-1a" || z[priv] != "us-east-1a" {
		t.Errorf("SubnetZones = %v, %v", z, err)
	}
	if n := strings.Count(strings.Join(f.Calls, ","), "DescribeSubnets"); n != 3 {
		t.Errorf("%d DescribeSubnets calls, want 3 (a repeated ID is read once)", n)
	}
	f.Errs = map[string]error{"DescribeSubnets": &smithy.GenericAPIError{Code: "UnauthorizedOperation"}}
	var apiErr *netcheck.APIError
	if _, err := netcheck.SubnetZones(context.Background(), f, pub); !errors.As(err, &apiErr) {
		t.Errorf("access denied: %v", err)
	}
}

// A NAT gateway with no subnet of its own is not followed into the main
// route table (a regional NAT gateway is another helper's route kind).
func TestNATGatewayWithoutSubnet(t *testing.T) {
	f, n := privateNet()
	f.NAT(netchecktest.NATOf(pub)).SubnetId = nil
	main := f.RouteTable(netchecktest.MainTable(vpc))
	main.Routes = append(main.Routes, types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), InstanceId: aws.String("i-0gone")})
	rep := run(t, f, n)
	clean(t, rep)
	if !find(rep, netcheck.CheckEgress, netcheck.Pass, "NAT gateway nat-0pub (available, no subnet of its own): its way out is not verifiable") {
		t.Errorf("want the NAT gateway not followed:\n%s", dump(rep))
	}
}

// Port bounds of ACL entries: a TCP entry without a port range covers every
// port, 0 and 65535 included; adjacent deny entries make one range named
// by its first rule; an allow of part of the internet is no partial deny.
func TestACLPortBounds(t *testing.T) {
	for _, tc := range []struct {
		name string
		es   []types.NetworkAclEntry
		want string
	}{
		{"TCP entry without a port range", []types.NetworkAclEntry{aclEntry(5, false, "6", nil, "10.0.1.0/24", false)},
			"inbound TCP (all ports) from 10.0.1.0/24 (between the scheduler and workers): rule 5 denies it"},
		{"two adjacent deny entries", []types.NetworkAclEntry{aclEntry(5, false, "6", ports(0, 1000), "10.0.1.0/24", false), aclEntry(6, false, "6", ports(1001, 65535), "10.0.1.0/24", false)},
			"inbound TCP (all ports) from 10.0.1.0/24 (between the scheduler and workers): rule 5 denies it"},
		{"port 0 only", []types.NetworkAclEntry{aclEntry(5, false, "6", ports(0, 0), "10.0.1.0/24", false)},
			"inbound TCP 0 from 10.0.1.0/24 (between the scheduler and workers): rule 5 denies it"},
		{"ports from 65535", []types.NetworkAclEntry{aclEntry(5, false, "6", ports(65535, 65535), "10.0.1.0/24", false)},
			"inbound TCP 65535 from 10.0.1.0/24 (between the scheduler and workers): rule 5 denies it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, n := privateNet()
			a := f.ACL(netchecktest.DefaultACL(vpc))
			a.Entries = append(a.Entries, tc.es...)
			only(t, run(t, f, n), netcheck.CheckNACL, netcheck.Fail, tc.want)
		})
	}
	f, n := privateNet()
	a := f.ACL(netchecktest.DefaultACL(vpc))
	a.Entries = append(a.Entries, aclEntry(5, true, "6", tcp(443), "198.51.100.0/24", true), aclEntry(6, false, "6", ports(1024, 65535), "198.51.100.0/24", true))
	clean(t, run(t, f, n))
}

func TestResultsNameTheirResource(t *testing.T) {
	f, n := privateNet()
	rep := run(t, f, n)
	for check, want := range map[string]string{netcheck.CheckEgress: netchecktest.NATOf(pub), netcheck.CheckScheduler: netchecktest.TableOf(pub)} {
		for _, r := range rep.Results {
			if r.Check == check && r.Resource != want {
				t.Errorf("%s result on %q, want %q", check, r.Resource, want)
			}
		}
	}
	// Scheduler and workers through one Transit Gateway in one AZ: one
	// attachment result.
	f, n = tgwNet()
	n.SchedulerSubnetID = priv
	rep = run(t, f, n)
	if c := strings.Count(dump(rep), "Transit Gateway attachment tgw-attach-0a has subnet"); c != 1 {
		t.Errorf("%d attachment results, want 1:\n%s", c, dump(rep))
	}
	// An attachment listing a deleted subnet besides the workers'.
	f, n = tgwNet()
	f.TGWAttachments[0].SubnetIds = []string{"subnet-0gone", priv}
	clean(t, run(t, f, n))
	// A missing scheduler subnet gets no ACL result.
	f, n = privateNet()
	n.SchedulerSubnetID = "subnet-0gone"
	for _, r := range run(t, f, n).Results {
		if r.Check == netcheck.CheckNACL && strings.Contains(r.Message, "subnet-0gone") {
			t.Errorf("ACL result for a missing subnet: %+v", r)
		}
	}
}

func TestMoreAdvice(t *testing.T) {
	cut := func(f *netchecktest.Fake, subnet string) {
		rt := f.RouteTable(netchecktest.TableOf(subnet))
		rt.Routes = rt.Routes[:1]
	}
	fixOf := func(rep *netcheck.Report, check string) string {
		for _, r := range rep.Results {
			if r.Check == check && r.Status == netcheck.Fail {
				return r.Fix
			}
		}
		t.Fatalf("no %s failure:\n%s", check, dump(rep))
		return ""
	}
	// A blackholed NAT route elsewhere is not advised.
	f, n := privateNet()
	f.PrivateSubnet("subnet-0priv2", "us-east-1a", pub)
	f.DefaultRoute(netchecktest.TableOf("subnet-0priv2")).State = types.RouteStateBlackhole
	cut(f, priv)
	if fix := fixOf(run(t, f, n), netcheck.CheckEgress); !strings.Contains(fix, "--nat-gateway-id <a NAT gateway in a public subnet of this AZ>") {
		t.Errorf("fix %q", fix)
	}
	// Private subnets that leave through a firewall endpoint.
	f, n = privateNet()
	f.PublicSubnet(fwSub, "us-east-1a").PrivateSubnet("subnet-0priv2", "us-east-1a", pub).Firewall(fwSub, "subnet-0priv2")
	f.NatGateways = nil
	cut(f, priv)
	if fix := fixOf(run(t, f, n), netcheck.CheckEgress); !strings.Contains(fix, "--vpc-endpoint-id vpce-fw0fw (the firewall endpoint the VPC's other private subnets use)") {
		t.Errorf("fix %q", fix)
	}
	// A scheduler behind a NAT instance is private.
	f, n = privateNet()
	f.NATInstance(priv, "i-0nat", pub)
	n.SchedulerSubnetID = priv
	rep := run(t, f, n)
	if !find(rep, netcheck.CheckScheduler, netcheck.Pass, "(a private scheduler: clients reach it only from inside") {
		t.Errorf("NAT instance scheduler not private:\n%s", dump(rep))
	}
	// A NAT instance initializing in a subnet without a way out fails.
	f, n = privateNet()
	f.NATInstance(priv, "i-0nat", pub)
	f.InstanceStatuses = []types.InstanceStatus{{InstanceId: aws.String("i-0nat"),
		SystemStatus: &types.InstanceStatusSummary{Status: types.SummaryStatusInitializing}, InstanceStatus: &types.InstanceStatusSummary{Status: types.SummaryStatusOk}}}
	f.InternetGateways = nil
	n.SchedulerSubnetID = priv
	if fix := fixOf(run(t, f, n), netcheck.CheckEgress); !strings.Contains(fix, "attach-internet-gateway") {
		t.Errorf("fix %q", fix)
	}
	// No status yet is a warning, not a pass.
	f, n = privateNet()
	f.NATInstance(priv, "i-0nat", pub)
	f.Errs = map[string]error{"DescribeInstanceStatus": &smithy.GenericAPIError{Code: "InvalidInstanceID.NotFound"}}
	only(t, run(t, f, n), netcheck.CheckEgress, netcheck.Warn, "no EC2 status checks yet")
}

func TestSchedulerGroupDetails(t *testing.T) {
	open := func(proto string, from, to int32) types.IpPermission {
		return types.IpPermission{IpProtocol: aws.String(proto), FromPort: aws.Int32(from), ToPort: aws.Int32(to), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}
	}
	f, n := privateNet()
	f.Group(schedSG).IpPermissions = []types.IpPermission{open("tcp", 443, 443), open("-1", 0, 0)}
	r := only(t, run(t, f, n), netcheck.CheckGroups, netcheck.Warn)
	if !strings.Contains(r.Message, "admits the whole internet on 443, 8786, 8787 (") {
		t.Errorf("ports not listed once each: %s", r.Message)
	}
	// Exactly four sources: all listed, no "and 0 more".
	f, n = privateNet()
	f.Group(schedSG).IpPermissions = []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443),
		IpRanges: []types.IpRange{{CidrIp: aws.String("203.0.113.0/26")}, {CidrIp: aws.String("203.0.113.64/26")}, {CidrIp: aws.String("203.0.113.128/26")}, {CidrIp: aws.String("203.0.113.192/26")}}}}
	rep := run(t, f, n)
	if !find(rep, netcheck.CheckGroups, netcheck.Pass, "443 from 203.0.113.192/26") || find(rep, netcheck.CheckGroups, netcheck.Pass, "more") {
		t.Errorf("four sources:\n%s", dump(rep))
	}
	// Each client range is checked on its own ports.
	f, n = privateNet()
	f.Group(schedSG).IpPermissions = []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []types.IpRange{{CidrIp: aws.String("203.0.113.0/24")}}},
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8786), ToPort: aws.Int32(8786), IpRanges: []types.IpRange{{CidrIp: aws.String("198.51.100.0/24")}}}}
	a := f.ACL(netchecktest.DefaultACL(vpc))
	a.Entries = append(a.Entries, aclEntry(5, false, "6", tcp(8786), "198.51.100.0/24", false))
	only(t, run(t, f, n), netcheck.CheckNACL, netcheck.Fail, "inbound TCP 8786 from 198.51.100.0/24 (clients to the scheduler): rule 5 denies it")
}

// A missing VPC stops the check: nothing else is reported.
func TestMissingVPCStops(t *testing.T) {
	f, n := privateNet()
	n.VpcID = "vpc-0gone"
	rep := run(t, f, n)
	if len(rep.Results) != 1 || rep.Results[0].Status != netcheck.Fail {
		t.Errorf("want one failure:\n%s", dump(rep))
	}
}

func TestFreeAddressBounds(t *testing.T) {
	for free, status := range map[int32]netcheck.Status{31: netcheck.Warn, 32: netcheck.Pass, 1: netcheck.Warn} {
		f, n := privateNet()
		f.Subnet(priv).AvailableIpAddressCount = aws.Int32(free)
		rep := run(t, f, n)
		if status == netcheck.Pass {
			clean(t, rep)
			continue
		}
		only(t, rep, netcheck.CheckSubnets, status, "only")
	}
}

func TestVPCAndSubnetResults(t *testing.T) {
	f, n := privateNet()
	rep := run(t, f, n)
	for _, want := range []string{"DNS support on", "DNS hostnames on", "both subnets in vpc-0a and in us-east-1a"} {
		found := false
		for _, r := range rep.Results {
			found = found || (r.Status == netcheck.Pass && strings.Contains(r.Message, want))
		}
		if !found {
			t.Errorf("no pass %q:\n%s", want, dump(rep))
		}
	}
	for name, edit := range map[string]func(f *netchecktest.Fake, n *netcheck.Network){
		"worker subnet of another VPC": func(f *netchecktest.Fake, n *netcheck.Network) { f.Subnet(priv).VpcId = aws.String("vpc-0other") },
		"worker subnet missing":        func(f *netchecktest.Fake, n *netcheck.Network) { n.WorkerSubnetID = "subnet-0gone" },
		"zone given wrong":             func(f *netchecktest.Fake, n *netcheck.Network) { n.Zone = "us-east-1c" },
	} {
		f, n := privateNet()
		edit(f, &n)
		rep := run(t, f, n)
		for _, r := range rep.Results {
			if r.Check == netcheck.CheckSubnets && r.Status != netcheck.Fail {
				t.Errorf("%s: %s subnets result %q after a failure", name, r.Status, r.Message)
			}
		}
		if z, ok := rep.Zones[n.WorkerSubnetID]; ok && name != "zone given wrong" {
			t.Errorf("%s: zone %q recorded for a subnet that is not the network's", name, z)
		}
	}
}
