//go:build e2e

// Package e2e deploys every variant (internal/variants) through the pinned
// CDK CLI into moto_server, a local CloudFormation/EC2 emulator, checks what
// exists against the stack's outputs and the topology, and runs the
// coiled-hook binary from those outputs against the in-repo fake Coiled.
//
// Run it with `go test -tags e2e ./test/e2e` (scripts/test does). It needs
// node, the CDK CLI in .tools/ (scripts/test installs it) and moto_server;
// without them it skips, unless COILEDNET_REQUIRE_TOOLS=1 (CI), when it fails.
//
// What the emulator cannot do, and what this suite therefore turns off or
// reads around (each is covered by the snapshot and assertion tests):
//   - it cannot run the Lambda behind restrictDefaultSecurityGroup, so the
//     emulated deploys pass -c restrictDefaultSecurityGroup=false;
//   - it cannot create an ingress rule from a managed prefix list (and the
//     list would not exist there), so the emulated deploys pass
//     -c clientPrefixListIds= where a variant sets one (its clientCidrs stay);
//   - it drops inline IPv6 ingress rules (CidrIpv6), so IPv6 client ranges
//     are checked in the deployed template instead of through EC2;
//   - it ignores MapPublicIpOnLaunch, so that is not checked here;
//   - it does not link route-table associations made by CloudFormation to
//     their route table, so routes are found through the stack's resources;
//   - it ignores an instance's NetworkInterfaces (where CDK's NAT instance
//     sets its subnet), so a NAT instance's subnet is read from the stack;
//   - it resolves no Fn::GetAtt DnsEntries of a VPC endpoint (and then
//     drops every output), so the emulated deploys turn privateDns on for
//     endpointServices (see endpoints_test.go);
//   - it cannot delete a VPC stack, so each variant gets its own moto_server,
//     which is stopped afterwards.
//   - its CloudFormation has no AWS::EC2::TransitGatewayVpcAttachment (it
//     skips it) and cannot GetAtt a peering, so variants with fixed fake
//     Transit Gateway, peer or existing-VPC ids (NoDeploy) are synthesized
//     through the CLI and compared with their golden, and
//     connectivity_test.go deploys those modes with ids it creates first.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
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

	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/internal/motoserver"
	"github.com/coilednet/coilednet/internal/variants"
	"github.com/coilednet/coilednet/stackoutputs"
)

const (
	stackName = "CoiledNetwork"
	account   = "123456789012" // moto's account
)

var (
	root     string // the module root
	cdkCLI   string // the pinned CDK CLI
	hookBin  string // bin/coiled-hook, built once
	skipWhy  string // why the suite cannot run here, if it cannot
	buildDir string
)

func TestMain(m *testing.M) {
	wd, _ := os.Getwd()
	root = filepath.Clean(filepath.Join(wd, "..", ".."))
	cdkCLI = filepath.Join(root, ".tools", "node_modules", ".bin", "cdk")
	for _, need := range []struct{ path, why string }{
		{"node", "node is not installed (the CDK CLI and jsii need it)"},
		{motoserver.Binary, "moto_server is not installed (pip install 'moto[server]')"},
		{cdkCLI, "the CDK CLI is not in .tools/ (scripts/test installs it: npm ci --prefix .tools)"},
	} {
		if _, err := exec.LookPath(need.path); err != nil {
			skipWhy = need.why
			break
		}
	}
	if skipWhy == "" {
		var err error
		buildDir, err = os.MkdirTemp("", "coilednet-e2e-")
		if err == nil {
			hookBin = filepath.Join(buildDir, "coiled-hook")
			cmd := exec.Command("go", "build", "-o", hookBin, "./bin/coiled-hook")
			cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stdout, os.Stderr
			err = cmd.Run()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e: building coiled-hook: %v\n", err)
			os.Exit(1)
		}
	}
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// requireTools skips (or, in CI, fails) when the suite cannot run here.
func requireTools(t *testing.T) {
	t.Helper()
	if skipWhy == "" {
		return
	}
	if os.Getenv(motoserver.RequireToolsEnv) == "1" {
		t.Fatalf("end-to-end suite cannot run: %s (%s=1 makes this a failure)", skipWhy, motoserver.RequireToolsEnv)
	}
	t.Skipf("end-to-end suite skipped: %s", skipWhy)
}

// emulatorOverrides turns off what moto cannot do (see the package doc).
func emulatorOverrides(v variants.Variant) map[string]string {
	o := map[string]string{"restrictDefaultSecurityGroup": "false"}
	if v.Context["clientPrefixListIds"] != "" {
		o["clientPrefixListIds"] = ""
	}
	endpointOverrides(v, o) // endpoints_test.go
	return o
}

// deployment is one variant deployed to its own moto_server.
type deployment struct {
	v        variants.Variant
	endpoint string
	env      []string // environment for the CDK CLI and the hook
	outDir   string   // cdk.out of the deploy
	outFile  string   // --outputs-file
	template map[string]any
	physical map[string]string // logical ID -> physical ID
	outputs  *stackoutputs.Outputs
	ec2      *ec2.Client
	cfn      *cloudformation.Client
}

func TestEveryVariant(t *testing.T) {
	requireTools(t)
	for _, v := range variants.All {
		t.Run(v.Name, func(t *testing.T) {
			// Each variant has its own emulator, fake Coiled and temporary
			// directories: they run side by side (go test's -parallel,
			// GOMAXPROCS by default), which halves the suite on 2 cores.
			t.Parallel()
			if v.NoDeploy != "" {
				checkUndeployable(t, v) // firewall_test.go
				return
			}
			d := deploy(t, v)
			repairEmulator(t, d) // check_test.go: what moto leaves out of the template
			t.Run("resources match outputs and topology", func(t *testing.T) { checkResources(t, d) })
			t.Run("network check passes", func(t *testing.T) { checkNetwork(t, d) })
			t.Run("hook from outputs file and from CloudFormation", func(t *testing.T) { checkHook(t, d) })
			if hasEndpoints(v) {
				t.Run("endpoints match outputs", func(t *testing.T) { checkEndpoints(t, d) })
			}
			t.Run("redeploy is a no-op", func(t *testing.T) { checkRedeploy(t, d) })
			if len(d.outputs.Zones) > 1 {
				t.Run("hook --zone", func(t *testing.T) { checkZoneSwitch(t, d) })
			}
			if a := v.Context["coiledAccess"]; a != "" && a != "none" {
				t.Run("IAM access matches outputs", func(t *testing.T) { checkAccess(t, d) })
			}
		})
	}
}

func deploy(t *testing.T, v variants.Variant) *deployment {
	t.Helper()
	return deployTo(t, v, motoserver.Start(t))
}

// deployTo deploys v to the emulator at endpoint (in which a test may have
// created what v refers to).
func deployTo(t *testing.T, v variants.Variant, endpoint string) *deployment {
	t.Helper()
	d := &deployment{v: v, endpoint: endpoint}
	dir := t.TempDir()
	d.outDir, d.outFile = filepath.Join(dir, "cdk.out"), filepath.Join(dir, "cdk-outputs.json")
	d.env = append(os.Environ(), motoserver.EnvList(d.endpoint)...)
	d.env = append(d.env,
		"CDK_DISABLE_VERSION_CHECK=true", "CDK_DISABLE_CLI_TELEMETRY=true",
		"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20",
		// The app skips CDK's built-in template validation unless asked
		// (stacks.BuiltinValidation): every emulated deploy asks.
		"CDK_VALIDATION=true")

	// As the README says: bootstrap once (the environment spelled out, as
	// the CLI would resolve it from these credentials), then deploy.
	cdk(t, d, "bootstrap", "--no-notices", fmt.Sprintf("aws://%s/%s", account, motoserver.Region))
	if out := cdk(t, d, d.deployArgs()...); strings.Contains(out, "Validation Report") {
		t.Errorf("CDK's built-in validation reported findings:\n%s", out)
	}

	raw, err := os.ReadFile(filepath.Join(d.outDir, stackName+".template.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &d.template); err != nil {
		t.Fatal(err)
	}
	if d.outputs, err = stackoutputs.ReadOutputsFile(d.outFile, ""); err != nil {
		t.Fatalf("outputs of the deploy: %v", err)
	}
	cfg := aws.Config{
		Region:       motoserver.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", "testing"),
		BaseEndpoint: aws.String(d.endpoint),
	}
	d.ec2, d.cfn = ec2.NewFromConfig(cfg), cloudformation.NewFromConfig(cfg)
	res, err := d.cfn.DescribeStackResources(context.Background(),
		&cloudformation.DescribeStackResourcesInput{StackName: aws.String(stackName)})
	if err != nil {
		t.Fatal(err)
	}
	d.physical = map[string]string{}
	for _, r := range res.StackResources {
		d.physical[aws.ToString(r.LogicalResourceId)] = aws.ToString(r.PhysicalResourceId)
	}
	return d
}

func (d *deployment) deployArgs() []string {
	args := []string{"deploy", "--no-notices", "--method=direct", "--require-approval", "never",
		"--outputs-file", d.outFile}
	ctx := map[string]string{}
	for k, v := range d.v.Context {
		ctx[k] = v
	}
	for k, v := range emulatorOverrides(d.v) {
		ctx[k] = v
	}
	return append(args, variants.Variant{Context: ctx}.Args()...)
}

// cdk runs the pinned CDK CLI from the module root (so cdk.json applies)
// and returns its combined output.
func cdk(t *testing.T, d *deployment, args ...string) string {
	t.Helper()
	args = append(args, "--output", d.outDir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cdkCLI, args...)
	cmd.Dir, cmd.Env = root, d.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cdk %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// resourcesOfType returns the logical IDs of the template's resources of typ.
func (d *deployment) resourcesOfType(typ string) []string {
	var ids []string
	for id, r := range d.template["Resources"].(map[string]any) {
		if r.(map[string]any)["Type"] == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func (d *deployment) props(id string) map[string]any {
	p, _ := d.template["Resources"].(map[string]any)[id].(map[string]any)["Properties"].(map[string]any)
	return p
}

func refOf(v any) string {
	m, _ := v.(map[string]any)
	if r, ok := m["Ref"].(string); ok {
		return r
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
		s, _ := ga[0].(string)
		return s
	}
	return ""
}

// logicalOf returns the logical ID whose physical ID is phys.
func (d *deployment) logicalOf(phys string) string {
	for l, p := range d.physical {
		if p == phys {
			return l
		}
	}
	return ""
}

// routeTableOf returns the physical route table associated with the
// subnet whose physical ID is subnet, read from the stack's resources.
func (d *deployment) routeTableOf(subnet string) string {
	logical := d.logicalOf(subnet)
	for _, a := range d.resourcesOfType("AWS::EC2::SubnetRouteTableAssociation") {
		p := d.props(a)
		if refOf(p["SubnetId"]) == logical {
			return d.physical[refOf(p["RouteTableId"])]
		}
	}
	return ""
}

func checkResources(t *testing.T, d *deployment) {
	ctx := context.Background()
	o := d.outputs
	private := d.v.Topology == "private" || d.v.Topology == "internal"
	if o.GiveWorkersPublicIP == private {
		t.Errorf("GiveWorkersPublicIp = %v for topology %s", o.GiveWorkersPublicIP, d.v.Topology)
	}
	if o.Region != motoserver.Region {
		t.Errorf("Region output %q, want %q", o.Region, motoserver.Region)
	}

	// The VPC, its CIDR, DNS.
	vpcs, err := d.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{o.NetworkID}})
	if err != nil || len(vpcs.Vpcs) != 1 {
		t.Fatalf("VPC %s: %v %v", o.NetworkID, err, vpcs)
	}
	wantCidr := "10.0.0.0/16"
	if c, ok := d.v.Context["vpcCidr"]; ok {
		wantCidr = c
	}
	if got := aws.ToString(vpcs.Vpcs[0].CidrBlock); got != wantCidr {
		t.Errorf("VPC CIDR %s, want %s", got, wantCidr)
	}
	if d.physical[d.resourcesOfType("AWS::EC2::VPC")[0]] != o.NetworkID {
		t.Errorf("NetworkId %s is not the stack's VPC %v", o.NetworkID, d.physical)
	}

	// The internet gateway, attached.
	igws, err := d.ec2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{
		Filters: []ec2types.Filter{{Name: aws.String("attachment.vpc-id"), Values: []string{o.NetworkID}}},
	})
	if err != nil || len(igws.InternetGateways) != 1 {
		t.Fatalf("internet gateways attached to %s: %v %+v", o.NetworkID, err, igws)
	}
	igw := aws.ToString(igws.InternetGateways[0].InternetGatewayId)

	// Every zone's subnets: in the VPC, in the AZ the output names, with the
	// template's CIDR; scheduler subnet -> IGW, worker subnet -> NAT.
	if len(o.Zones) == 0 {
		t.Fatal("no ZoneN outputs")
	}
	current, ok := o.CurrentZone()
	if !ok || current.SchedulerSubnetID != o.SchedulerSubnetID || current.WorkerSubnetID != o.WorkerSubnetID {
		t.Errorf("the seven outputs' subnets are no zone's pair: %+v", o)
	}
	nats := map[string]bool{}
	for _, z := range o.Zones {
		ids := []string{z.SchedulerSubnetID}
		if d.v.Topology == "internal" {
			// Scheduler and workers share the private subnet.
			if z.WorkerSubnetID != z.SchedulerSubnetID {
				t.Errorf("internal zone %s: worker subnet %s differs from scheduler subnet %s", z.Name, z.WorkerSubnetID, z.SchedulerSubnetID)
			}
		} else if private {
			ids = append(ids, z.WorkerSubnetID)
		} else if z.WorkerSubnetID != z.SchedulerSubnetID {
			t.Errorf("public zone %s: worker subnet %s differs from scheduler subnet %s", z.Name, z.WorkerSubnetID, z.SchedulerSubnetID)
		}
		subnets, err := d.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: ids})
		if err != nil || len(subnets.Subnets) != len(ids) {
			t.Fatalf("subnets %v: %v", ids, err)
		}
		for _, sn := range subnets.Subnets {
			id := aws.ToString(sn.SubnetId)
			if aws.ToString(sn.VpcId) != o.NetworkID {
				t.Errorf("subnet %s is in %s, not %s", id, aws.ToString(sn.VpcId), o.NetworkID)
			}
			if aws.ToString(sn.AvailabilityZone) != z.Name {
				t.Errorf("subnet %s is in %s, output Zone%d says %s", id, aws.ToString(sn.AvailabilityZone), z.Index, z.Name)
			}
			if want := d.props(d.logicalOf(id))["CidrBlock"]; aws.ToString(sn.CidrBlock) != want {
				t.Errorf("subnet %s CIDR %s, template says %v", id, aws.ToString(sn.CidrBlock), want)
			}
		}
		if sched := defaultRoute(t, d, z.SchedulerSubnetID); d.v.Topology != "internal" && aws.ToString(sched.GatewayId) != igw {
			t.Errorf("zone %s scheduler subnet: 0.0.0.0/0 -> %+v, want the internet gateway %s", z.Name, sched, igw)
		}
		if private {
			worker := defaultRoute(t, d, z.WorkerSubnetID)
			target := aws.ToString(worker.NatGatewayId) + aws.ToString(worker.InstanceId)
			if target == "" || aws.ToString(worker.GatewayId) != "" {
				t.Errorf("zone %s worker subnet: 0.0.0.0/0 -> %+v, want a NAT", z.Name, worker)
			}
			nats[target] = true
		}
	}
	checkNats(t, d, nats)
	checkSecurityGroups(t, d)
}

func defaultRoute(t *testing.T, d *deployment, subnet string) ec2types.Route {
	t.Helper()
	rt := d.routeTableOf(subnet)
	if rt == "" {
		t.Fatalf("subnet %s has no route table association in the stack", subnet)
	}
	out, err := d.ec2.DescribeRouteTables(context.Background(), &ec2.DescribeRouteTablesInput{RouteTableIds: []string{rt}})
	if err != nil || len(out.RouteTables) != 1 {
		t.Fatalf("route table %s: %v", rt, err)
	}
	for _, r := range out.RouteTables[0].Routes {
		if aws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" {
			return r
		}
	}
	t.Fatalf("route table %s of subnet %s has no 0.0.0.0/0 route", rt, subnet)
	return ec2types.Route{}
}

// checkNats checks the NATs the worker subnets route to: NAT gateways sit in
// a scheduler (public) subnet with an Elastic IP; NAT instances have source/
// destination checks off.
func checkNats(t *testing.T, d *deployment, targets map[string]bool) {
	ctx := context.Background()
	wantGateways := len(d.resourcesOfType("AWS::EC2::NatGateway"))
	wantInstances := len(d.resourcesOfType("AWS::EC2::Instance"))
	if len(targets) != wantGateways+wantInstances {
		t.Errorf("worker subnets route to %d NATs, the stack has %d gateways and %d instances", len(targets), wantGateways, wantInstances)
	}
	public := map[string]bool{}
	for _, z := range d.outputs.Zones {
		public[z.SchedulerSubnetID] = true
	}
	if d.v.Topology == "internal" {
		// The NATs' public subnets hold no Coiled VM, so no output names them.
		for _, id := range d.resourcesOfType("AWS::EC2::Subnet") {
			if strings.HasPrefix(id, "CoiledNetworkVpcPublicSubnet") {
				public[d.physical[id]] = true
			}
		}
	}
	for target := range targets {
		switch {
		case strings.HasPrefix(target, "nat-"):
			out, err := d.ec2.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{target}})
			if err != nil || len(out.NatGateways) != 1 {
				t.Fatalf("NAT gateway %s: %v", target, err)
			}
			n := out.NatGateways[0]
			if !public[aws.ToString(n.SubnetId)] {
				t.Errorf("NAT gateway %s is in %s, not a scheduler (public) subnet", target, aws.ToString(n.SubnetId))
			}
			if len(n.NatGatewayAddresses) != 1 || aws.ToString(n.NatGatewayAddresses[0].AllocationId) == "" {
				t.Errorf("NAT gateway %s has no Elastic IP: %+v", target, n.NatGatewayAddresses)
			} else {
				eips, err := d.ec2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{
					AllocationIds: []string{aws.ToString(n.NatGatewayAddresses[0].AllocationId)}})
				if err != nil || len(eips.Addresses) != 1 {
					t.Errorf("NAT gateway %s: Elastic IP %s not found: %v", target, aws.ToString(n.NatGatewayAddresses[0].AllocationId), err)
				}
			}
		case strings.HasPrefix(target, "i-"):
			out, err := d.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{target}})
			if err != nil || len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
				t.Fatalf("NAT instance %s: %v", target, err)
			}
			in := out.Reservations[0].Instances[0]
			// The emulator's CloudFormation ignores an instance's
			// NetworkInterfaces; repairEmulator launched it again in the
			// template's subnet (motoserver.RepairStack).
			subnet := aws.ToString(in.SubnetId)
			if !public[subnet] {
				t.Errorf("NAT instance %s is in %q, not a scheduler (public) subnet", target, subnet)
			}
			if string(in.InstanceType) != "t4g.nano" {
				t.Errorf("NAT instance %s is a %s", target, in.InstanceType)
			}
		default:
			t.Errorf("unknown NAT target %q", target)
		}
	}
}

// rule is one ingress permission, flattened for comparison.
type rule struct{ proto, from, to, source string }

func permissions(perms []ec2types.IpPermission) []rule {
	var out []rule
	for _, p := range perms {
		r := rule{proto: aws.ToString(p.IpProtocol), from: fmt.Sprint(aws.ToInt32(p.FromPort)), to: fmt.Sprint(aws.ToInt32(p.ToPort))}
		if r.proto == "-1" {
			r.from, r.to = "", ""
		}
		for _, x := range p.IpRanges {
			r.source = aws.ToString(x.CidrIp)
			out = append(out, r)
		}
		for _, x := range p.Ipv6Ranges {
			r.source = aws.ToString(x.CidrIpv6)
			out = append(out, r)
		}
		for _, x := range p.PrefixListIds {
			r.source = aws.ToString(x.PrefixListId)
			out = append(out, r)
		}
		for _, x := range p.UserIdGroupPairs {
			r.source = aws.ToString(x.GroupId)
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}

// splitList splits a comma-separated context value, as the app does.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func checkSecurityGroups(t *testing.T, d *deployment) {
	o := d.outputs
	out, err := d.ec2.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{
		GroupIds: []string{o.SchedulerFirewallID, o.FirewallID}})
	if err != nil || len(out.SecurityGroups) != 2 {
		t.Fatalf("security groups %s, %s: %v", o.SchedulerFirewallID, o.FirewallID, err)
	}
	ports, cidrs, pls := []string{"443", "8786", "8787"}, []string{"0.0.0.0/0"}, []string(nil)
	if p, ok := d.v.Context["schedulerPorts"]; ok {
		ports = splitList(p)
	}
	if c, ok := d.v.Context["clientCidrs"]; ok {
		cidrs = splitList(c)
	} else if auto := autoClientCidrs(d.v); auto != nil {
		cidrs = auto // clientCidrs=auto of internal and existing-VPC variants
	}
	if p, ok := emulatorOverrides(d.v)["clientPrefixListIds"]; ok {
		pls = splitList(p)
	}
	var wantSched []rule
	var ipv6 []string
	for _, port := range ports {
		for _, src := range append(append([]string{}, cidrs...), pls...) {
			if strings.Contains(src, ":") {
				ipv6 = append(ipv6, port+" from "+src)
				continue
			}
			wantSched = append(wantSched, rule{"tcp", port, port, src})
		}
	}
	// The emulator drops inline IPv6 rules: find them in the template the
	// stack was deployed from.
	deployed, _ := json.Marshal(d.props(d.logicalOf(o.SchedulerFirewallID))["SecurityGroupIngress"])
	for _, r := range ipv6 {
		port, src, _ := strings.Cut(r, " from ")
		if !strings.Contains(string(deployed), `"CidrIpv6":"`+src+`"`) || !strings.Contains(string(deployed), `"FromPort":`+port) {
			t.Errorf("deployed scheduler group has no rule for port %s from %s: %s", port, src, deployed)
		}
	}
	sort.Slice(wantSched, func(i, j int) bool { return fmt.Sprint(wantSched[i]) < fmt.Sprint(wantSched[j]) })
	wantCluster := []rule{{proto: "-1", source: o.FirewallID}}
	allOut := []rule{{proto: "-1", source: "0.0.0.0/0"}}
	for _, sg := range out.SecurityGroups {
		if aws.ToString(sg.VpcId) != o.NetworkID {
			t.Errorf("group %s is in VPC %s", aws.ToString(sg.GroupId), aws.ToString(sg.VpcId))
		}
		want := wantCluster
		if aws.ToString(sg.GroupId) == o.SchedulerFirewallID {
			want = wantSched
		}
		if got := permissions(sg.IpPermissions); !reflect.DeepEqual(got, want) {
			t.Errorf("group %s ingress:\n got %v\nwant %v", aws.ToString(sg.GroupId), got, want)
		}
		if got := permissions(sg.IpPermissionsEgress); !reflect.DeepEqual(got, allOut) {
			t.Errorf("group %s egress %v, want all traffic out", aws.ToString(sg.GroupId), got)
		}
	}
}

// fakeCoiled starts the fake Coiled with one default workspace whose
// settings include things the hook must carry over.
func fakeCoiled(t *testing.T) *coiledtest.Server {
	opts := coiledtest.DefaultBackendOptions()
	options := opts["options"].(map[string]any)
	options["firewall_spec"] = map[string]any{"ingress": []any{map[string]any{"ports": []any{443.0}, "cidr": "10.0.0.0/8"}}}
	return coiledtest.Start(t, coiledtest.Options{
		Token:      "alice-e2e-token",
		Workspaces: []coiledtest.Workspace{{Slug: "acme", Default: true, BackendOptions: opts}},
	})
}

const awsSecret = "e2e-secret-never-printed"

// runHook runs the coiled-hook binary against srv and returns its output.
func runHook(t *testing.T, d *deployment, srv *coiledtest.Server, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, hookBin, args...)
	keys := []string{"COILED_AWS_ACCESS_KEY_ID=AKIAE2EEXAMPLE", "COILED_AWS_SECRET_ACCESS_KEY=" + awsSecret}
	if d.outputs != nil && d.outputs.Access.Mode() == "role" {
		// A role stack: Coiled acts through the stack's role and the hook
		// refuses keys over it. The fake must know the external ID the
		// deploy used (a real deploy gets it from start-role-assumption-setup).
		srv.IssueRoleSetup("acme", d.outputs.Access.ExternalID)
		keys = nil
	}
	cmd.Env = append(append([]string{}, d.env...),
		"HOME="+t.TempDir(), "DASK_CONFIG="+t.TempDir(),
		"DASK_COILED__SERVER="+srv.URL(), "DASK_COILED__TOKEN="+srv.Token())
	cmd.Env = append(cmd.Env, keys...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("coiled-hook %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	for _, secret := range []string{awsSecret, srv.Token()} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("coiled-hook printed a secret:\n%s", out.String())
		}
	}
	return out.String()
}

// sentNetwork returns the network and region of the last update srv got.
func sentNetwork(t *testing.T, srv *coiledtest.Server) (map[string]any, map[string]any) {
	t.Helper()
	u := srv.Updates()
	if len(u) == 0 {
		t.Fatal("Coiled received no update")
	}
	last := u[len(u)-1]
	if len(last.Invalid) > 0 || !last.Stored {
		t.Fatalf("the fake rejected the update: %v", last.Invalid)
	}
	options := last.Data["options"].(map[string]any)
	return options["network"].(map[string]any), options
}

func wantNetwork(o *stackoutputs.Outputs, sched, worker string) map[string]any {
	return map[string]any{
		"network_id":             o.NetworkID,
		"scheduler_subnet_id":    sched,
		"worker_subnet_id":       worker,
		"scheduler_firewall_id":  o.SchedulerFirewallID,
		"firewall_id":            o.FirewallID,
		"give_workers_public_ip": o.GiveWorkersPublicIP,
	}
}

func checkHook(t *testing.T, d *deployment) {
	srv := fakeCoiled(t)
	o := d.outputs
	want := wantNetwork(o, o.SchedulerSubnetID, o.WorkerSubnetID)

	runHook(t, d, srv, "--outputs-file", d.outFile)
	got, options := sentNetwork(t, srv)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Coiled received network\n %v\nwant the deployed IDs\n %v", got, want)
	}
	if options["aws_region_name"] != o.Region {
		t.Errorf("Coiled received region %v, want %s", options["aws_region_name"], o.Region)
	}
	if !strings.Contains(fmt.Sprint(options["firewall_spec"]), "10.0.0.0/8") {
		t.Errorf("firewall_spec not carried over: %v", options["firewall_spec"])
	}
	after := srv.BackendOptions("acme")

	// The same network from CloudFormation (--stack): same message, and the
	// workspace is left as it was.
	runHook(t, d, srv, "--stack", stackName)
	if n := len(srv.Updates()); n != 2 {
		t.Fatalf("%d updates after two hook runs", n)
	}
	got, _ = sentNetwork(t, srv)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("--stack: Coiled received network\n %v\nwant\n %v", got, want)
	}
	if again := srv.BackendOptions("acme"); !reflect.DeepEqual(again, after) {
		t.Errorf("a second hook run changed the workspace:\n before %v\n after  %v", after, again)
	}
}

func checkRedeploy(t *testing.T, d *deployment) {
	before := stackStatus(t, d)
	out := cdk(t, d, d.deployArgs()...)
	if !strings.Contains(out, "no changes") {
		t.Errorf("redeploy of an unchanged stack did not report \"no changes\":\n%s", out)
	}
	if after := stackStatus(t, d); after != before {
		t.Errorf("stack went from %s to %s on an unchanged redeploy", before, after)
	}
	o, err := stackoutputs.ReadOutputsFile(d.outFile, "")
	if err != nil || !reflect.DeepEqual(o, d.outputs) {
		t.Errorf("outputs after redeploy %+v (%v), want %+v", o, err, d.outputs)
	}
}

func stackStatus(t *testing.T, d *deployment) string {
	t.Helper()
	out, err := d.cfn.DescribeStacks(context.Background(),
		&cloudformation.DescribeStacksInput{StackName: aws.String(stackName)})
	if err != nil || len(out.Stacks) != 1 {
		t.Fatalf("describe %s: %v", stackName, err)
	}
	s := out.Stacks[0]
	return fmt.Sprintf("%s updated %v", s.StackStatus, aws.ToTime(s.LastUpdatedTime))
}

// checkZoneSwitch moves Coiled to every other AZ with --zone, by name and by
// index, without redeploying.
func checkZoneSwitch(t *testing.T, d *deployment) {
	srv := fakeCoiled(t)
	current, _ := d.outputs.CurrentZone()
	for _, z := range d.outputs.Zones {
		if z.Index == current.Index {
			continue
		}
		for _, sel := range []string{z.Name, fmt.Sprint(z.Index)} {
			runHook(t, d, srv, "--outputs-file", d.outFile, "--zone", sel)
			got, options := sentNetwork(t, srv)
			if want := wantNetwork(d.outputs, z.SchedulerSubnetID, z.WorkerSubnetID); !reflect.DeepEqual(got, want) {
				t.Errorf("--zone %s: Coiled received\n %v\nwant\n %v", sel, got, want)
			}
			if options["zone"] != z.Name {
				t.Errorf("--zone %s: Coiled zone %v, want %s", sel, options["zone"], z.Name)
			}
		}
	}
}
