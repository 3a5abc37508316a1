//go:build e2e

package e2e

// The live network check (coiled-hook --check, and the check before every
// send) on the emulator: every deployed variant passes; broken deployments
// fail with the named failure and nothing is sent; a network built with the
// EC2 API alone is checked and sent with --network.
//
// Where moto's EC2 differs from AWS for what the check reads (route-table
// associations made by CloudFormation not linked, the VPC's
// EnableDnsHostnames and the NAT instance's SourceDestCheck ignored), the
// suite first makes the emulated network what the deployed template
// declares, through the EC2 API (motoserver.RepairStack). The check itself
// is not weakened.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/internal/motoserver"
	"github.com/coilednet/coilednet/internal/variants"
)

// exitCheckFailed is the hook's documented status for a failed check.
const exitCheckFailed = 3

// repairEmulator applies, through the EC2 API, what the deployed template
// declares and moto leaves out (motoserver.RepairStack).
func repairEmulator(t *testing.T, d *deployment) {
	t.Helper()
	if err := motoserver.RepairStack(context.Background(), d.endpoint, stackName); err != nil {
		t.Fatal(err)
	}
	// Run twice: it must be idempotent (the sandbox may repair a stack again).
	if err := motoserver.RepairStack(context.Background(), d.endpoint, stackName); err != nil {
		t.Fatalf("second repair: %v", err)
	}
}

// hookStatus runs the coiled-hook binary and returns its output and exit
// status (runHook fails the test on a non-zero status).
func hookStatus(t *testing.T, env []string, srv *coiledtest.Server, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, hookBin, args...)
	cmd.Env = append(append([]string{}, env...), "HOME="+t.TempDir(), "DASK_CONFIG="+t.TempDir())
	if srv != nil {
		cmd.Env = append(cmd.Env, "DASK_COILED__SERVER="+srv.URL(), "DASK_COILED__TOKEN="+srv.Token(),
			"COILED_AWS_ACCESS_KEY_ID=AKIAE2EEXAMPLE", "COILED_AWS_SECRET_ACCESS_KEY="+awsSecret)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	}
	t.Fatalf("coiled-hook %s: %v\n%s", strings.Join(args, " "), err, out.String())
	return "", -1
}

// checkNetwork is run for every deployed variant: --check passes (table and
// JSON), without any Coiled settings in the environment.
func checkNetwork(t *testing.T, d *deployment) {
	out, code := hookStatus(t, d.env, nil, "--check", "--outputs-file", d.outFile)
	if code != 0 || !strings.Contains(out, " 0 failed") {
		t.Fatalf("--check of the deployed %s network: status %d\n%s", d.v.Name, code, out)
	}
	out, code = hookStatus(t, d.env, nil, "--check", "--json", "--stack", stackName)
	var j struct {
		OK    bool
		Zones map[string]string
	}
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &j); code != 0 || err != nil || !j.OK {
		t.Fatalf("--check --json --stack: status %d, %v\n%s", code, err, out)
	}
	z, _ := d.outputs.CurrentZone()
	if j.Zones[d.outputs.WorkerSubnetID] != z.Name {
		t.Errorf("--check --json: zones %v, want the worker subnet in %s", j.Zones, z.Name)
	}
}

// TestCheckCatchesBreakage deploys the private network, breaks it through
// the EC2 API in each way below, and expects --check and a send to fail
// with the named failure (exit 3) while Coiled receives nothing.
func TestCheckCatchesBreakage(t *testing.T) {
	requireTools(t)
	var v variants.Variant
	for _, x := range variants.All {
		if x.Name == "private-default" {
			v = x
		}
	}
	d := deploy(t, v)
	repairEmulator(t, d)
	checkNetwork(t, d)
	ctx := context.Background()
	o := d.outputs
	workerRT := d.routeTableOf(o.WorkerSubnetID)
	route := defaultRoute(t, d, o.WorkerSubnetID)
	nat := aws.ToString(route.NatGatewayId)
	igws, err := d.ec2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{
		Filters: []ec2types.Filter{{Name: aws.String("attachment.vpc-id"), Values: []string{o.NetworkID}}}})
	if err != nil || len(igws.InternetGateways) != 1 || nat == "" {
		t.Fatalf("IGW %v %v, NAT %q", igws, err, nat)
	}
	igw := aws.ToString(igws.InternetGateways[0].InternetGatewayId)
	acls, err := d.ec2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{
		Filters: []ec2types.Filter{{Name: aws.String("association.subnet-id"), Values: []string{o.WorkerSubnetID}}}})
	if err != nil || len(acls.NetworkAcls) != 1 {
		t.Fatalf("network ACL of %s: %v %v", o.WorkerSubnetID, acls, err)
	}
	acl := aws.ToString(acls.NetworkAcls[0].NetworkAclId)
	selfRule := []ec2types.IpPermission{{IpProtocol: aws.String("-1"), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(o.FirewallID)}}}}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	srv := fakeCoiled(t)
	checkPaths(t, d, srv) // checkpaths_test.go: issue 18, on the healthy network
	for _, tc := range []struct {
		name           string
		breakIt, fixIt func()
		want           []string
	}{
		{
			name: "worker default route deleted",
			breakIt: func() {
				_, err := d.ec2.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(workerRT), DestinationCidrBlock: aws.String("0.0.0.0/0")})
				must("delete route", err)
			},
			fixIt: func() {
				_, err := d.ec2.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(workerRT), DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: aws.String(nat)})
				must("create route", err)
			},
			want: []string{"fail  worker egress", "route table " + workerRT + " has no 0.0.0.0/0 route"},
		},
		{
			name: "worker default route to the internet gateway, no public IPs",
			breakIt: func() {
				_, err := d.ec2.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: aws.String(workerRT), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igw)})
				must("replace route", err)
			},
			fixIt: func() {
				_, err := d.ec2.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: aws.String(workerRT), DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: aws.String(nat)})
				must("replace route", err)
			},
			want: []string{"fail  worker egress", "goes to internet gateway " + igw + ", but workers get no public IP"},
		},
		{
			name: "NACL denies inbound ephemeral ports",
			breakIt: func() {
				_, err := d.ec2.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: aws.String(acl), RuleNumber: aws.Int32(50),
					Egress: aws.Bool(false), Protocol: aws.String("6"), RuleAction: ec2types.RuleActionDeny, CidrBlock: aws.String("0.0.0.0/0"),
					PortRange: &ec2types.PortRange{From: aws.Int32(1024), To: aws.Int32(65535)}})
				must("create NACL entry", err)
			},
			fixIt: func() {
				_, err := d.ec2.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{NetworkAclId: aws.String(acl), RuleNumber: aws.Int32(50), Egress: aws.Bool(false)})
				must("delete NACL entry", err)
			},
			want: []string{"fail  network ACLs", "inbound return traffic TCP 1024-65535 from 0.0.0.0/0: rule 50 denies it"},
		},
		{
			name: "cluster group's self rule revoked",
			breakIt: func() {
				_, err := d.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(o.FirewallID), IpPermissions: selfRule})
				must("revoke", err)
			},
			fixIt: func() {
				_, err := d.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(o.FirewallID), IpPermissions: selfRule})
				must("authorize", err)
			},
			want: []string{"fail  security groups", "cluster group " + o.FirewallID + " does not admit all traffic from itself"},
		},
		{
			name: "NAT gateway deleted",
			breakIt: func() {
				_, err := d.ec2.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String(nat)})
				must("delete NAT gateway", err)
			},
			want: []string{"fail  worker egress", nat},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.breakIt()
			out, code := hookStatus(t, d.env, nil, "--check", "--outputs-file", d.outFile)
			if code != exitCheckFailed {
				t.Errorf("--check: status %d, want %d\n%s", code, exitCheckFailed, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("--check output lacks %q:\n%s", w, out)
				}
			}
			before := len(srv.Updates())
			out, code = hookStatus(t, d.env, srv, "--outputs-file", d.outFile)
			if code != exitCheckFailed || !strings.Contains(out, "nothing was sent to Coiled") {
				t.Errorf("send: status %d, want %d and nothing sent\n%s", code, exitCheckFailed, out)
			}
			if n := len(srv.Updates()); n != before {
				t.Errorf("Coiled recorded %d updates after a failed check", n-before)
			}
			if tc.fixIt != nil {
				tc.fixIt()
				if out, code := hookStatus(t, d.env, nil, "--check", "--outputs-file", d.outFile); code != 0 {
					t.Fatalf("repaired network does not pass: status %d\n%s", code, out)
				}
			}
		})
	}
	if t.Failed() {
		return
	}
	// --no-check sends the broken network anyway, with a warning.
	out, code := hookStatus(t, d.env, srv, "--outputs-file", d.outFile, "--no-check")
	if code != 0 || !strings.Contains(out, "warning: --no-check") {
		t.Errorf("--no-check: status %d\n%s", code, out)
	}
}

// TestCheckHandBuiltNetwork builds a private network with the EC2 API only
// (no CloudFormation), checks it with --network and sends it to Coiled.
func TestCheckHandBuiltNetwork(t *testing.T) {
	requireTools(t)
	endpoint := motoserver.Start(t)
	ctx := context.Background()
	c := ec2.NewFromConfig(aws.Config{Region: motoserver.Region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "testing")})
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
	healthyExistingNetwork(t, c, vpc, pub, priv) // connectivity_test.go
	group := func(name string) string {
		out, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: aws.String(vpc)})
		must("create group", err)
		return aws.ToString(out.GroupId)
	}
	sched, cluster := group("scheduler"), group("cluster")
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sched), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("198.51.100.0/24")}}}}})
	must("scheduler ingress", err)
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(cluster), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("-1"), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(cluster)}}}}})
	must("cluster self rule", err)

	env := append(os.Environ(), motoserver.EnvList(endpoint)...)
	network := strings.Join([]string{vpc, pub, priv, sched, cluster}, ",")
	args := []string{"--network", network, "--workers-public-ip", "false", "--region", motoserver.Region}
	out, code := hookStatus(t, env, nil, append([]string{"--check"}, args...)...)
	// No S3 gateway endpoint here: a warning, not a failure.
	if code != 0 || !strings.Contains(out, " 0 failed") || !strings.Contains(out, "warn  S3 endpoint") {
		t.Fatalf("--check --network: status %d\n%s", code, out)
	}
	srv := fakeCoiled(t)
	out, code = hookStatus(t, env, srv, args...)
	if code != 0 {
		t.Fatalf("send --network: status %d\n%s", code, out)
	}
	got, options := sentNetwork(t, srv)
	want := map[string]any{"network_id": vpc, "scheduler_subnet_id": pub, "worker_subnet_id": priv,
		"scheduler_firewall_id": sched, "firewall_id": cluster, "give_workers_public_ip": false}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Coiled received %s = %v, want %v", k, got[k], v)
		}
	}
	if options["zone"] != "us-east-1b" || options["aws_region_name"] != motoserver.Region {
		t.Errorf("zone %v, region %v: want the subnets' us-east-1b in %s", options["zone"], options["aws_region_name"], motoserver.Region)
	}

	// Workers said to get public IPs with a NAT route: still fine; said not
	// to with a route to the internet gateway: fails, nothing sent.
	out, code = hookStatus(t, env, srv, "--network", strings.Join([]string{vpc, pub, pub, sched, cluster}, ","), "--workers-public-ip", "false", "--region", motoserver.Region)
	if code != exitCheckFailed || !strings.Contains(out, "but workers get no public IP") || len(srv.Updates()) != 1 {
		t.Errorf("public subnet as a private worker subnet: status %d, %d updates\n%s", code, len(srv.Updates()), out)
	}
}
