//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/coilednet/coilednet/internal/motoserver"
	"github.com/coilednet/coilednet/internal/variants"
)

// TestPreflightOnEmulator builds in the emulator an existing VPC that
// already has an STS endpoint with private DNS, a private hosted zone for
// CloudWatch Logs, and two managed prefix lists, then runs the deploy's
// preflight: it names the conflicts and the over-quota scheduler group and
// stops (exit 1) before CloudFormation, through scripts/deploy as well;
// the same VPC with non-conflicting options passes; and coiled-hook --check
// counts the live groups' rules.
func TestPreflightOnEmulator(t *testing.T) {
	requireTools(t)
	endpoint := motoserver.Start(t)
	ctx := context.Background()
	cfg := aws.Config{Region: motoserver.Region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "testing")}
	c := ec2.NewFromConfig(cfg)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	vpcOut, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})
	must("create VPC", err)
	vpc := aws.ToString(vpcOut.Vpc.VpcId)
	subnet := func(cidr string) string {
		out, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr), AvailabilityZone: aws.String("us-east-1b")})
		must("create subnet", err)
		return aws.ToString(out.Subnet.SubnetId)
	}
	pub, priv := subnet("10.9.0.0/24"), subnet("10.9.1.0/24")
	sts, err := c.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpc), ServiceName: aws.String("com.amazonaws.us-east-1.sts"),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: []string{priv}, PrivateDnsEnabled: aws.Bool(true)})
	must("create the STS endpoint", err)
	stsID := aws.ToString(sts.VpcEndpoint.VpcEndpointId)
	zone, err := route53.NewFromConfig(cfg).CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("logs.us-east-1.amazonaws.com"),
		CallerReference: aws.String("e2e-preflight"), VPC: &r53types.VPC{VPCId: aws.String(vpc), VPCRegion: r53types.VPCRegionUsEast1},
		HostedZoneConfig: &r53types.HostedZoneConfig{PrivateZone: true}})
	must("create the private hosted zone", err)
	zoneID := strings.TrimPrefix(aws.ToString(zone.HostedZone.Id), "/hostedzone/")
	prefixList := func(name string, max int32) string {
		out, err := c.CreateManagedPrefixList(ctx, &ec2.CreateManagedPrefixListInput{PrefixListName: aws.String(name), MaxEntries: aws.Int32(max), AddressFamily: aws.String("IPv4"),
			Entries: []ec2types.AddPrefixListEntry{{Cidr: aws.String("198.51.100.0/24")}}})
		must("create prefix list", err)
		return aws.ToString(out.PrefixList.PrefixListId)
	}
	big, fits := prefixList("corp-big", 21), prefixList("corp", 19)

	bin := filepath.Join(buildDir, "preflight")
	build := exec.Command("go", "build", "-o", bin, "./internal/cmd/preflight")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building preflight: %v\n%s", err, out)
	}
	env := append(os.Environ(), motoserver.EnvList(endpoint)...)
	existing := []string{"-c", "existingVpcId=" + vpc, "-c", "existingVpcCidr=10.9.0.0/16", "-c", "schedulerSubnetId=" + pub,
		"-c", "workerSubnetId=" + priv, "-c", "workerPublicIp=false"}
	run := func(name string, args ...string) (string, int) {
		t.Helper()
		cctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(cctx, name, args...)
		cmd.Dir, cmd.Env = root, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return out.String(), ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out.String())
		}
		return out.String(), 0
	}

	// Conflicts and quota: named, exit 1.
	bad := append(append([]string{}, existing...), "-c", "interfaceEndpoints=sts,logs,kms", "-c", "clientPrefixListIds="+big)
	out, code := run(bin, bad...)
	t.Logf("preflight:\n%s", out)
	for _, want := range []string{
		stsID + " already serves com.amazonaws.us-east-1.sts in " + vpc + " with private DNS",
		"fail: endpoint DNS conflicts (" + zoneID + "): private hosted zone logs.us-east-1.amazonaws.com",
		"prefix list " + big + " (max entries 21, IPv4)] = 66 IPv4",
		"nothing was deployed (CloudFormation was not called)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("preflight output lacks %q", want)
		}
	}
	if code != 1 || strings.Contains(out, "com.amazonaws.us-east-1.kms") {
		t.Errorf("preflight: exit %d, want 1\n%s", code, out)
	}
	// No conflict, 3 × (10.9.0.0/16 + 19) = 60 rules: passes.
	out, code = run(bin, append(append([]string{}, existing...), "-c", "interfaceEndpoints=kms", "-c", "clientPrefixListIds="+fits)...)
	if code != 0 || !strings.Contains(out, "check(s) passed") {
		t.Errorf("clean preflight: exit %d\n%s", code, out)
	}

	// scripts/deploy runs it before CloudFormation, and stops there.
	out, code = run(filepath.Join(root, "scripts", "deploy"), bad...)
	if code != 1 || !strings.Contains(out, "nothing was deployed (CloudFormation was not called)") {
		t.Errorf("scripts/deploy: exit %d, want 1 from the preflight\n%s", code, out)
	}
	stacks, err := cloudformation.NewFromConfig(cfg).ListStacks(ctx, &cloudformation.ListStacksInput{})
	must("list stacks", err)
	if len(stacks.StackSummaries) != 0 {
		t.Errorf("CloudFormation was called: %d stacks (CDKToolkit?)", len(stacks.StackSummaries))
	}

	// The live check counts the groups' rules.
	group := func(name string) string {
		out, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: aws.String(vpc)})
		must("create group", err)
		return aws.ToString(out.GroupId)
	}
	sched, cluster := group("scheduler"), group("cluster")
	var ranges []ec2types.IpRange
	for _, cidr := range []string{"198.51.100.0/24", "203.0.113.0/24"} {
		ranges = append(ranges, ec2types.IpRange{CidrIp: aws.String(cidr)})
	}
	for _, port := range []int32{443, 8786, 8787} {
		_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sched), IpPermissions: []ec2types.IpPermission{{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port), IpRanges: ranges}}})
		must("scheduler ingress", err)
	}
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(cluster), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("-1"), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(cluster)}}}}})
	must("cluster self rule", err)
	healthyExistingNetwork(t, c, vpc, pub, priv) // connectivity_test.go
	out, _ = hookStatus(t, env, nil, "--check", "--network", strings.Join([]string{vpc, pub, priv, sched, cluster}, ","),
		"--workers-public-ip", "false", "--region", motoserver.Region)
	for _, want := range []string{
		"the scheduler security group " + sched + " holds 6 IPv4 and 0 IPv6 inbound rules",
		"the cluster security group " + cluster + " holds 1 IPv4 and 1 IPv6 inbound rules",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--check lacks %q\n%s", want, out)
		}
	}
}

// TestEndpointSourcesOnEmulator deploys interface endpoints into an
// existing VPC with endpointSources=cluster,vpc: the endpoint group admits
// the cluster group and the VPC's range; --check finds no DNS conflict (the
// stack's own endpoint is not one) and counts the endpoint group's rules;
// the preflight of a redeploy passes (it reads the stack's endpoints from
// CloudFormation).
func TestEndpointSourcesOnEmulator(t *testing.T) {
	requireTools(t)
	endpoint := motoserver.Start(t)
	c := ec2Client(endpoint)
	ctx := context.Background()
	vpc := createVpc(t, c, "10.20.0.0/16")
	var subnets []string
	for _, cidr := range []string{"10.20.0.0/24", "10.20.1.0/24"} {
		sn, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr),
			AvailabilityZone: aws.String(motoserver.Region + "a")})
		if err != nil {
			t.Fatal(err)
		}
		subnets = append(subnets, aws.ToString(sn.Subnet.SubnetId))
	}
	healthyExistingNetwork(t, c, vpc, subnets[0], subnets[1])
	opts := map[string]string{
		"existingVpcId": vpc, "existingVpcCidr": "10.20.0.0/16", "schedulerSubnetId": subnets[0], "workerSubnetId": subnets[1],
		"workerPublicIp": "false", "interfaceEndpoints": "sts", "endpointSources": "cluster,vpc", "acknowledgeWarnings": "endpointPrivateDns",
	}
	d := deployTo(t, variants.Variant{Name: "e2e-existing-vpc-endpoint-sources", Topology: "existing", Context: opts}, endpoint)
	o := d.outputs
	sg := o.All["EndpointSecurityGroupId"]
	groups, err := d.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{sg}})
	if err != nil || len(groups.SecurityGroups) != 1 {
		t.Fatalf("endpoint group %s: %v", sg, err)
	}
	var got []string
	for _, p := range groups.SecurityGroups[0].IpPermissions {
		for _, r := range p.IpRanges {
			got = append(got, fmt.Sprintf("%s %d", aws.ToString(r.CidrIp), aws.ToInt32(p.FromPort)))
		}
		for _, g := range p.UserIdGroupPairs {
			got = append(got, fmt.Sprintf("%s %d", aws.ToString(g.GroupId), aws.ToInt32(p.FromPort)))
		}
	}
	sort.Strings(got)
	want := []string{"10.20.0.0/16 443", o.FirewallID + " 443"}
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("endpoint group %s admits %v, want %v", sg, got, want)
	}

	out, code := hookStatus(t, d.env, nil, "--check", "--outputs-file", d.outFile)
	for _, w := range []string{"pass  endpoint DNS conflicts", "the endpoint security group " + sg + " holds 2 IPv4 and 1 IPv6 inbound rules", " 0 failed"} {
		if code != 0 || !strings.Contains(out, w) {
			t.Errorf("--check: status %d, lacks %q\n%s", code, w, out)
		}
	}

	bin := filepath.Join(buildDir, "preflight")
	build := exec.Command("go", "build", "-o", bin, "./internal/cmd/preflight")
	build.Dir = root
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building preflight: %v\n%s", err, b)
	}
	cmd := exec.Command(bin, variants.Variant{Context: opts}.Args()...)
	cmd.Dir, cmd.Env = root, d.env
	b, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(b), "endpoint DNS conflicts in "+vpc) {
		t.Errorf("preflight of a redeploy: %v\n%s", err, b)
	}
}
