//go:build e2e

package e2e

// Issue 18 on the emulator: each false pass and false fail of the first
// check specification that moto can build, on the deployed private network
// (checkPaths, run by TestCheckCatchesBreakage) and on a hand-built network
// leaving through a Transit Gateway; --instance-types and --zone auto
// against moto's instance type offerings.

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/internal/motoserver"
)

// checkPaths breaks and unbreaks the deployed private network d (healthy
// on entry and on return) in the ways issue 18 lists.
func checkPaths(t *testing.T, d *deployment, srv *coiledtest.Server) {
	ctx := context.Background()
	o := d.outputs
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	aclOf := func(subnet string) string {
		out, err := d.ec2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{
			Filters: []ec2types.Filter{{Name: aws.String("association.subnet-id"), Values: []string{subnet}}}})
		if err != nil || len(out.NetworkAcls) != 1 {
			t.Fatalf("network ACL of %s: %v %v", subnet, out, err)
		}
		return aws.ToString(out.NetworkAcls[0].NetworkAclId)
	}
	cidrOf := func(subnet string) string {
		out, err := d.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{subnet}})
		if err != nil || len(out.Subnets) != 1 {
			t.Fatalf("subnet %s: %v %v", subnet, out, err)
		}
		return aws.ToString(out.Subnets[0].CidrBlock)
	}
	// entry adds a network ACL entry and returns its removal.
	entry := func(acl string, n int32, egress bool, proto string, from, to int32, cidr string) func() {
		_, err := d.ec2.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: aws.String(acl), RuleNumber: aws.Int32(n),
			Egress: aws.Bool(egress), Protocol: aws.String(proto), RuleAction: ec2types.RuleActionDeny, CidrBlock: aws.String(cidr),
			PortRange: &ec2types.PortRange{From: aws.Int32(from), To: aws.Int32(to)}})
		must("create NACL entry", err)
		return func() {
			_, err := d.ec2.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{NetworkAclId: aws.String(acl), RuleNumber: aws.Int32(n), Egress: aws.Bool(egress)})
			must("delete NACL entry", err)
		}
	}
	check := func(args ...string) (string, int) {
		return hookStatus(t, d.env, nil, append([]string{"--check", "--outputs-file", d.outFile}, args...)...)
	}
	healthy := func() {
		t.Helper()
		if out, code := check(); code != 0 {
			t.Fatalf("network not healthy again: status %d\n%s", code, out)
		}
	}
	route := defaultRoute(t, d, o.WorkerSubnetID)
	nats, err := d.ec2.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{aws.ToString(route.NatGatewayId)}})
	if err != nil || len(nats.NatGateways) != 1 {
		t.Fatalf("NAT gateway of the workers: %v %v", nats, err)
	}
	nat, natSubnet := aws.ToString(nats.NatGateways[0].NatGatewayId), aws.ToString(nats.NatGateways[0].SubnetId)
	workerCidr := cidrOf(o.WorkerSubnetID)

	for _, tc := range []struct {
		name    string
		breakIt func() func()
		want    string
	}{
		{"false pass: the scheduler's ACL drops the clients' 443", func() func() {
			return entry(aclOf(o.SchedulerSubnetID), 45, false, "6", 443, 443, "0.0.0.0/0")
		}, "inbound TCP 443 from 0.0.0.0/0 (clients to the scheduler): rule 45 denies it"},
		{"false pass: the scheduler's ACL drops its replies to clients", func() func() {
			return entry(aclOf(o.SchedulerSubnetID), 45, true, "6", 1024, 65535, "0.0.0.0/0")
		}, "outbound return traffic TCP 1024-65535 to 0.0.0.0/0 (the scheduler to its clients): rule 45 denies it"},
		{"false pass: the NAT subnet's ACL drops the workers' 443", func() func() {
			return entry(aclOf(natSubnet), 46, false, "6", 443, 443, workerCidr)
		}, "inbound TCP 443 from " + workerCidr + " (worker traffic through NAT gateway " + nat + "): rule 46 denies it"},
		{"false pass: the NAT subnet's ACL drops the replies to workers", func() func() {
			return entry(aclOf(natSubnet), 46, true, "6", 1024, 65535, workerCidr)
		}, "outbound return traffic TCP 1024-65535 to " + workerCidr + " (worker traffic through NAT gateway " + nat + "): rule 46 denies it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			undo := tc.breakIt()
			out, code := check()
			undo()
			if code != exitCheckFailed || !strings.Contains(out, "fail  network ACLs") || !strings.Contains(out, tc.want) {
				t.Errorf("--check: status %d, want %d and %q\n%s", code, exitCheckFailed, tc.want, out)
			}
			healthy()
		})
	}

	t.Run("false fail: DNS hostnames off without private-DNS endpoints", func(t *testing.T) {
		set := func(on bool) {
			_, err := d.ec2.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(o.NetworkID), EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(on)}})
			must("DNS hostnames", err)
		}
		set(false)
		out, code := check()
		set(true)
		if code != 0 || !strings.Contains(out, "DNS hostnames off: not needed") {
			t.Errorf("--check: status %d\n%s", code, out)
		}
	})
	t.Run("false fail: UDP denied between the subnets", func(t *testing.T) {
		acl := aclOf(o.WorkerSubnetID)
		undoIn := entry(acl, 47, false, "17", 0, 65535, cidrOf(o.SchedulerSubnetID))
		undoOut := entry(acl, 47, true, "17", 0, 65535, cidrOf(o.SchedulerSubnetID))
		out, code := check()
		undoIn()
		undoOut()
		if code != 0 {
			t.Errorf("--check: status %d\n%s", code, out)
		}
	})
	t.Run("custom DHCP DNS servers are a warning naming them", func(t *testing.T) {
		vpcs, err := d.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{o.NetworkID}})
		must("describe VPC", err)
		old := aws.ToString(vpcs.Vpcs[0].DhcpOptionsId)
		opts, err := d.ec2.CreateDhcpOptions(ctx, &ec2.CreateDhcpOptionsInput{DhcpConfigurations: []ec2types.NewDhcpConfiguration{
			{Key: aws.String("domain-name-servers"), Values: []string{"10.0.0.53", "10.0.0.54"}}}})
		must("create DHCP options", err)
		id := aws.ToString(opts.DhcpOptions.DhcpOptionsId)
		_, err = d.ec2.AssociateDhcpOptions(ctx, &ec2.AssociateDhcpOptionsInput{DhcpOptionsId: aws.String(id), VpcId: aws.String(o.NetworkID)})
		must("associate DHCP options", err)
		out, code := check()
		_, err = d.ec2.AssociateDhcpOptions(ctx, &ec2.AssociateDhcpOptionsInput{DhcpOptionsId: aws.String(old), VpcId: aws.String(o.NetworkID)})
		must("restore DHCP options", err)
		if code != 0 || !strings.Contains(out, "warn  vpc") || !strings.Contains(out, "DHCP option set "+id+" gives the VMs the DNS servers 10.0.0.53, 10.0.0.54") {
			t.Errorf("--check: status %d\n%s", code, out)
		}
		healthy()
	})
	t.Run("instance types per zone", func(t *testing.T) {
		// moto offers trn1.32xlarge in us-east-1b, c and f, not in 1a; the
		// private network has one zone, us-east-1a (the pick among several
		// zones is tested on the fake EC2, internal/hook).
		if len(o.Zones) != 1 || o.Zones[0].Name != "us-east-1a" {
			t.Fatalf("zones %v: the test expects us-east-1a only", o.Zones)
		}
		out, code := check("--instance-types", "m5.xlarge,trn1.32xlarge")
		if code != 0 || !strings.Contains(out, "warning: instance type trn1.32xlarge is not offered in us-east-1a, the Availability Zone being sent") ||
			!strings.Contains(out, "no zone of this network offers it; zones of us-east-1 that do: us-east-1b, us-east-1c") || strings.Contains(out, "instance type m5.xlarge is not offered") {
			t.Errorf("--check --instance-types: status %d\n%s", code, out)
		}
		out, code = check("--instance-types", "m5.xlarge,m5.nope")
		if code != 2 || !strings.Contains(out, "instance type(s) m5.nope: no Availability Zone of us-east-1 offers them") {
			t.Errorf("unknown type: status %d\n%s", code, out)
		}
		before := len(srv.Updates())
		out, code = hookStatus(t, d.env, srv, "--outputs-file", d.outFile, "--zone", "auto", "--instance-types", "trn1.32xlarge")
		if code != 2 || !strings.Contains(out, "--zone auto: no zone of this stack (0=us-east-1a) offers every type of trn1.32xlarge") || len(srv.Updates()) != before {
			t.Errorf("--zone auto without an offering zone: status %d, %d updates\n%s", code, len(srv.Updates())-before, out)
		}
		out, code = hookStatus(t, d.env, srv, "--outputs-file", d.outFile, "--zone", "auto", "--instance-types", "m5.xlarge")
		if code != 0 || !strings.Contains(out, "Zone us-east-1a: the first of the stack's zones") || len(srv.Updates()) != before+1 {
			t.Fatalf("--zone auto: status %d\n%s", code, out)
		}
		got, options := sentNetwork(t, srv)
		if options["zone"] != "us-east-1a" || got["scheduler_subnet_id"] != o.Zones[0].SchedulerSubnetID || got["worker_subnet_id"] != o.Zones[0].WorkerSubnetID {
			t.Errorf("--zone auto sent zone %v, subnets %v and %v; want us-east-1a's", options["zone"], got["scheduler_subnet_id"], got["worker_subnet_id"])
		}
	})
}

// TestCheckTransitGatewayAttachment builds an existing-style network whose
// workers leave through a Transit Gateway, attached first in another AZ
// only (a false pass before), then in theirs.
func TestCheckTransitGatewayAttachment(t *testing.T) {
	requireTools(t)
	endpoint := motoserver.Start(t)
	ctx := context.Background()
	c := ec2Client(endpoint)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	vpc := createVpc(t, c, "10.9.0.0/16")
	subnet := func(cidr, az string) string {
		out, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(az)})
		must("create subnet", err)
		return aws.ToString(out.Subnet.SubnetId)
	}
	pub, priv, other := subnet("10.9.0.0/24", "us-east-1b"), subnet("10.9.1.0/24", "us-east-1b"), subnet("10.9.2.0/24", "us-east-1c")
	healthyExistingNetwork(t, c, vpc, pub, priv)
	group := func(name string) string {
		out, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: aws.String(vpc)})
		must("create group", err)
		return aws.ToString(out.GroupId)
	}
	sched, cluster := group("scheduler"), group("cluster")
	_, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sched), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("198.51.100.0/24")}}}}})
	must("scheduler ingress", err)
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(cluster), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("-1"), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(cluster)}}}}})
	must("cluster self rule", err)
	tgw, err := c.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{Description: aws.String("coilednet e2e")})
	must("create TGW", err)
	tgwID := aws.ToString(tgw.TransitGateway.TransitGatewayId)
	att, err := c.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: aws.String(tgwID), VpcId: aws.String(vpc), SubnetIds: []string{other}})
	must("attach TGW", err)
	attID := aws.ToString(att.TransitGatewayVpcAttachment.TransitGatewayAttachmentId)
	rts, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{{Name: aws.String("association.subnet-id"), Values: []string{priv}}}})
	if err != nil || len(rts.RouteTables) != 1 {
		t.Fatalf("route table of %s: %v %v", priv, rts, err)
	}
	_, err = c.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: rts.RouteTables[0].RouteTableId, DestinationCidrBlock: aws.String("0.0.0.0/0"), TransitGatewayId: aws.String(tgwID)})
	must("route to the TGW", err)

	env := append(os.Environ(), motoserver.EnvList(endpoint)...)
	args := []string{"--check", "--network", strings.Join([]string{vpc, pub, priv, sched, cluster}, ","), "--workers-public-ip", "false", "--region", motoserver.Region}
	out, code := hookStatus(t, env, nil, args...)
	want := "Transit Gateway attachment " + attID + " has subnets in us-east-1c only, none in the worker's us-east-1b"
	if code != exitCheckFailed || !strings.Contains(out, want) || !strings.Contains(out, "--add-subnet-ids <a subnet of us-east-1b>") {
		t.Errorf("attachment in another AZ: status %d, want %d and %q\n%s", code, exitCheckFailed, want, out)
	}
	_, err = c.ModifyTransitGatewayVpcAttachment(ctx, &ec2.ModifyTransitGatewayVpcAttachmentInput{TransitGatewayAttachmentId: aws.String(attID), AddSubnetIds: []string{priv}})
	must("add the workers' AZ to the attachment", err)
	out, code = hookStatus(t, env, nil, args...)
	if code != 0 || !strings.Contains(out, "Transit Gateway attachment "+attID+" has subnet "+priv+" in the worker's us-east-1b") {
		t.Errorf("attachment in the workers' AZ: status %d\n%s", code, out)
	}
}
