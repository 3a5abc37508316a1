package hook

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/coilednet/coilednet/netcheck"
	"github.com/coilednet/coilednet/outputkeys"
	"github.com/coilednet/coilednet/stackoutputs"
)

// ExitCheckFailed: the live network check found a problem (a "fail"
// result); nothing was sent to Coiled.
const ExitCheckFailed = 3

// EC2Factory returns the EC2 client the network check uses for region; env
// is the hook's environment (AWS_PROFILE, AWS_ENDPOINT_URL, credentials).
type EC2Factory func(ctx context.Context, region string, env func(string) string) (netcheck.EC2, error)

// DefaultEC2 is the production EC2Factory: the AWS SDK's default chain
// through stackoutputs.LoadAWSConfig, in region, with AWS_ENDPOINT_URL_EC2
// or AWS_ENDPOINT_URL as the endpoint when set.
func DefaultEC2(ctx context.Context, region string, env func(string) string) (netcheck.EC2, error) {
	cfg, err := stackoutputs.LoadAWSConfig(ctx, func(k string) string {
		switch k {
		case "AWS_REGION":
			return region
		case "AWS_ENDPOINT_URL_CLOUDFORMATION":
			if v := env("AWS_ENDPOINT_URL_EC2"); v != "" {
				return v
			}
			return env("AWS_ENDPOINT_URL")
		}
		return env(k)
	})
	if err != nil {
		return nil, err
	}
	return ec2.NewFromConfig(cfg), nil
}

// checkFlags are the flags of the network check and of --network.
type checkFlags struct {
	check, noCheck, json bool
	network              string
	workersPublicIP      string
	region               string
	// instanceTypes is --instance-types, parsed by validate.
	instanceTypes     string
	instanceTypeNames []string
}

func addCheckFlags(fs *flag.FlagSet, f *checkFlags) {
	fs.BoolVar(&f.check, "check", false, "check the live network with the EC2 API and print the result; send nothing (no Coiled token or COILED_AWS_* keys needed). Exit status 3 when a check fails")
	fs.BoolVar(&f.noCheck, "no-check", false, "send without checking the network first (not recommended: Coiled finds problems only when a cluster hangs)")
	fs.BoolVar(&f.json, "json", false, "with --check: print the result as JSON on stdout")
	fs.StringVar(&f.network, "network", "", "check or send a network built elsewhere instead of stack outputs: `vpc-…,SCHEDULER_SUBNET,WORKER_SUBNET,SCHEDULER_SG,CLUSTER_SG` (with --workers-public-ip and --region)")
	fs.StringVar(&f.workersPublicIP, "workers-public-ip", "", "with --network: `true` when workers get public IPs (their subnet routes to an internet gateway), false when they go out through a NAT")
	fs.StringVar(&f.region, "region", "", "with --network: the network's AWS `REGION` (default: AWS_REGION)")
	fs.StringVar(&f.instanceTypes, "instance-types", "", "the instance `TYPES` your clusters run, comma-separated (m5.xlarge,g5.2xlarge): warn when the Availability Zone sent does not offer one, naming this network's zones that do (EC2 DescribeInstanceTypeOfferings); with --zone auto, send the first of the stack's zones that offers them all")
}

// validate checks the combinations of the check flags; it returns false
// after printing the problem.
func (f *checkFlags) validate(outputsFile, stack, zone string, stderr io.Writer) bool {
	fail := func(format string, args ...any) bool {
		fmt.Fprintf(stderr, "coiled-hook: error: "+format+"\n", args...)
		return false
	}
	switch {
	case f.check && f.noCheck:
		return fail("--check and --no-check exclude each other")
	case f.json && !f.check:
		return fail("--json goes with --check (the result of the check as JSON)")
	case f.network != "" && (outputsFile != "" || stack != ""):
		return fail("--network replaces --outputs-file and --stack: give one source of network IDs")
	case f.network != "" && zone != "":
		return fail("--zone chooses among a stack's ZoneN outputs; with --network, name the subnets of the zone you want")
	case f.network == "" && (f.workersPublicIP != "" || f.region != ""):
		return fail("--workers-public-ip and --region go with --network (stack outputs hold both)")
	case f.network != "" && f.workersPublicIP != "true" && f.workersPublicIP != "false":
		return fail("--network needs --workers-public-ip true (workers get public IPs, their subnet routes to an internet gateway) or false (they go out through a NAT); got %q", f.workersPublicIP)
	case zone == "auto" && f.instanceTypes == "":
		return fail("--zone auto picks the first zone that offers the --instance-types: give them (e.g. --instance-types m5.xlarge,g5.2xlarge)")
	}
	if f.instanceTypes != "" {
		names, err := netcheck.ParseInstanceTypes(f.instanceTypes)
		if err != nil {
			return fail("--instance-types: %v", err)
		}
		f.instanceTypeNames = names
	}
	return true
}

// autoZone is --zone auto: the first of the stack's ZoneN outputs whose
// AZ offers every --instance-types type; an error naming the types (and
// where they are offered) when none does.
func (r *run) autoZone(ctx context.Context, o *stackoutputs.Outputs) (string, int, bool) {
	if len(o.Zones) == 0 {
		return "", r.errorf(ExitUsage, "--zone auto: the stack has no ZoneN outputs to choose from"), false
	}
	offered, code, ok := r.typeZones(ctx, o.Region)
	if !ok {
		return "", code, false
	}
	var names []string
	for _, z := range o.Zones {
		names = append(names, z.Name)
	}
	types := r.f.instanceTypeNames
	if z := netcheck.FirstZoneOffering(offered, types, names); z != "" {
		fmt.Fprintf(r.info(), "Zone %s: the first of the stack's zones (%s) that offers %s (--zone auto)\n", z, o.ZoneNames(), strings.Join(types, ", "))
		return z, 0, true
	}
	var where []string
	for _, t := range types {
		where = append(where, fmt.Sprintf("%s in %s", t, orNowhere(intersect(offered[t], names))))
	}
	return "", r.errorf(ExitUsage, "--zone auto: no zone of this stack (%s) offers every type of %s (offered: %s); deploy to a zone that offers them (-c availabilityZones=…) or run them in separate workspaces",
		o.ZoneNames(), strings.Join(types, ", "), strings.Join(where, "; ")), false
}

// typeZones reads where the --instance-types are offered in region; an
// unknown type is a usage error.
func (r *run) typeZones(ctx context.Context, region string) (map[string][]string, int, bool) {
	client, err := r.ec2Client(ctx, region)
	if err != nil {
		return nil, r.errorf(ExitUsage, "--instance-types: cannot read instance type offerings: %v", err), false
	}
	offered, err := netcheck.InstanceTypeZones(ctx, client, region, r.f.instanceTypeNames)
	if err != nil {
		if ctx.Err() != nil {
			return nil, r.timeoutOrCancel(ctx), false
		}
		return nil, r.errorf(ExitUsage, "--instance-types: %v", err), false
	}
	return offered, 0, true
}

// checkInstanceTypes warns about each --instance-types type that zone (the
// AZ being sent) does not offer, naming this network's zones that do.
func (r *run) checkInstanceTypes(ctx context.Context, o *stackoutputs.Outputs, zone string) (int, bool) {
	if len(r.f.instanceTypeNames) == 0 {
		return 0, true
	}
	offered, code, ok := r.typeZones(ctx, o.Region)
	if !ok {
		return code, false
	}
	if zone == "" {
		r.warnf("--instance-types: the Availability Zone being sent is unknown, so its instance types cannot be checked")
		return 0, true
	}
	var mine []string
	for _, z := range o.Zones {
		mine = append(mine, z.Name)
	}
	for _, t := range r.f.instanceTypeNames {
		if slices.Contains(offered[t], zone) {
			continue
		}
		others := intersect(offered[t], mine)
		hint := "this network's zones that offer it: " + strings.Join(others, ", ") + " (send one with --zone, or --zone auto)"
		if len(others) == 0 {
			hint = "no zone of this network offers it; zones of " + o.Region + " that do: " + strings.Join(offered[t], ", ")
		}
		r.warnf("instance type %s is not offered in %s, the Availability Zone being sent: Coiled cannot start it there; %s", t, zone, hint)
	}
	return 0, true
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func orNowhere(zs []string) string {
	if len(zs) == 0 {
		return "none of them"
	}
	return strings.Join(zs, ", ")
}

// networkOutputs turns --network, --workers-public-ip and --region into
// validated outputs.
func (r *run) networkOutputs() (*stackoutputs.Outputs, string, int, bool) {
	f := r.f.checkFlags
	parts := strings.Split(f.network, ",")
	names := []string{"the VPC", "the scheduler subnet", "the worker subnet", "the scheduler security group", "the cluster security group"}
	keys := []string{outputkeys.NetworkID, outputkeys.SchedulerSubnetID, outputkeys.WorkerSubnetID, outputkeys.SchedulerFirewallID, outputkeys.FirewallID}
	prefixes := []string{"vpc-", "subnet-", "subnet-", "sg-", "sg-"}
	const want = "vpc-…,<scheduler subnet-…>,<worker subnet-…>,<scheduler group sg-…>,<cluster group sg-…>"
	if len(parts) != len(names) {
		return nil, "", r.errorf(ExitUsage, "--network: %d IDs given, want 5 in this order: %s", len(parts), want), false
	}
	raw := map[string]string{}
	var problems []string
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if !strings.HasPrefix(p, prefixes[i]) || len(p) == len(prefixes[i]) || strings.ContainsAny(p, " :/") {
			problems = append(problems, fmt.Sprintf("item %d (%s) is %q: want a bare %s… ID", i+1, names[i], p, prefixes[i]))
		}
		raw[keys[i]] = p
	}
	if len(problems) > 0 {
		return nil, "", r.errorf(ExitUsage, "--network: %s (order: %s)", strings.Join(problems, "; "), want), false
	}
	region := f.region
	if region == "" {
		region = r.env("AWS_REGION")
	}
	if region == "" {
		region = r.env("AWS_DEFAULT_REGION")
	}
	if region == "" {
		return nil, "", r.errorf(ExitUsage, "--network needs the network's region: --region REGION (or AWS_REGION)"), false
	}
	raw[outputkeys.Region] = region
	raw[outputkeys.GiveWorkersPublicIP] = f.workersPublicIP
	o, err := stackoutputs.Parse("", raw)
	if err != nil {
		return nil, "", r.errorf(ExitUsage, "--network/--region: %v", err), false
	}
	fmt.Fprintf(r.info(), "Network %s (from --network) in %s, zone from EC2\n", o.NetworkID, o.Region)
	return o, "", 0, true
}

// info is where informational lines go: stdout, or stderr when stdout
// carries --json.
func (r *run) info() io.Writer {
	if r.f.json {
		return r.err
	}
	return r.out
}

func (r *run) ec2Client(ctx context.Context, region string) (netcheck.EC2, error) {
	factory := r.NewEC2
	if factory == nil {
		factory = DefaultEC2
	}
	return factory(ctx, region, r.env)
}

// runCheck runs the network check of outputs (zone: the AZ the outputs name,
// or "") and prints its result. ok is false, with the exit status, when the
// check could not be made (no AWS access); a failed check is in the report.
func (r *run) runCheck(ctx context.Context, o *stackoutputs.Outputs, zone string) (*netcheck.Report, int, bool) {
	n := netcheck.Network{Region: o.Region, VpcID: o.NetworkID, SchedulerSubnetID: o.SchedulerSubnetID, WorkerSubnetID: o.WorkerSubnetID,
		SchedulerGroupID: o.SchedulerFirewallID, ClusterGroupID: o.FirewallID, WorkersPublicIP: o.GiveWorkersPublicIP, Zone: zone,
		Egress: o.All[outputkeys.WorkerEgress], SchedulerPrivate: o.All[outputkeys.SchedulerPublicIP] == "false"}
	r.step = "checking the network with the EC2 API"
	client, err := r.ec2Client(ctx, o.Region)
	if err != nil {
		return nil, r.errorf(ExitUsage, "cannot check the network: %v; the check needs AWS credentials allowed to call ec2:Describe* (AWS_PROFILE, AWS_ACCESS_KEY_ID, …), or pass --no-check to send unchecked", err), false
	}
	r.verbosef("checking network %s in %s with the EC2 API", n.VpcID, n.Region)
	rep, err := netcheck.Check(ctx, client, n)
	if err != nil {
		if ctx.Err() != nil {
			return nil, r.timeoutOrCancel(ctx), false
		}
		if r.f.json {
			_ = rep.WriteJSON(r.out, err)
		}
		return nil, r.errorf(ExitUsage, "cannot check the network in %s: %v; the check needs AWS credentials allowed to call ec2:Describe* in that region, or pass --no-check to send unchecked", n.Region, err), false
	}
	r.addPreflight(ctx, client, o, rep) // issue 18: rule quotas, endpoint conflicts (preflight.go)
	if r.f.json {
		if err := rep.WriteJSON(r.out, nil); err != nil {
			return nil, r.errorf(ExitFailed, "writing the result: %v", err), false
		}
	} else {
		_ = rep.WriteTable(r.out)
	}
	return rep, 0, true
}

// checkOnly is --check: read the network IDs, check, print, send nothing.
func (r *run) checkOnly(ctx context.Context) int {
	outputs, zone, code, ok := r.readOutputs(ctx)
	if !ok {
		return code
	}
	rep, code, ok := r.runCheck(ctx, outputs, zone)
	if !ok {
		return code
	}
	if zone == "" {
		zone = rep.Zones[outputs.WorkerSubnetID]
	}
	if code, ok := r.checkInstanceTypes(ctx, outputs, zone); !ok {
		return code
	}
	if rep.Failed() {
		return r.errorf(ExitCheckFailed, "the network check failed (%d failed, %d warnings): fix what it reports, then run it again", rep.Count(netcheck.Fail), rep.Count(netcheck.Warn))
	}
	return ExitOK
}

// preSend runs the check before anything is sent to Coiled (unless
// --no-check) and returns the Availability Zone to send: the one the
// outputs name, else the one EC2 reports for both subnets, else "".
func (r *run) preSend(ctx context.Context, o *stackoutputs.Outputs, zone string) (string, int, bool) {
	if r.f.noCheck {
		r.warnf("--no-check: the network was not checked; a broken route, ACL or security group shows only when a cluster fails to start (run coiled-hook --check)")
		if zone == "" {
			zone = r.lookupZone(ctx, o)
		}
		if code, ok := r.checkInstanceTypes(ctx, o, zone); !ok {
			return "", code, false
		}
		return zone, 0, true
	}
	rep, code, ok := r.runCheck(ctx, o, zone)
	if !ok {
		return "", code, false
	}
	if rep.Failed() {
		return "", r.errorf(ExitCheckFailed, "the network check failed (%d failed): nothing was sent to Coiled. Fix what it reports and rerun, or pass --no-check to send anyway",
			rep.Count(netcheck.Fail)), false
	}
	if zone == "" {
		zone = rep.Zone()
		r.reportLearnedZone(zone, rep.Zones[o.SchedulerSubnetID], rep.Zones[o.WorkerSubnetID])
	}
	if code, ok := r.checkInstanceTypes(ctx, o, zone); !ok {
		return "", code, false
	}
	return zone, 0, true
}

// lookupZone learns the subnets' AZ from EC2 when it can (--no-check
// without ZoneN outputs); "" with a warning when it cannot.
func (r *run) lookupZone(ctx context.Context, o *stackoutputs.Outputs) string {
	client, err := r.ec2Client(ctx, o.Region)
	var zones map[string]string
	if err == nil {
		zones, err = netcheck.SubnetZones(ctx, client, o.SchedulerSubnetID, o.WorkerSubnetID)
	}
	if err != nil {
		r.warnf("no ZoneN outputs, and the subnets' Availability Zone cannot be read from EC2: %v", err)
		return ""
	}
	s, w := zones[o.SchedulerSubnetID], zones[o.WorkerSubnetID]
	zone := ""
	if s != "" && s == w {
		zone = s
	}
	r.reportLearnedZone(zone, s, w)
	return zone
}

func (r *run) reportLearnedZone(zone, sched, worker string) {
	switch {
	case zone != "":
		fmt.Fprintf(r.out, "Zone %s: the subnets' Availability Zone, from EC2\n", zone)
	case sched != "" && worker != "":
		r.warnf("the scheduler subnet is in %s and the worker subnet in %s: no single zone to give Coiled", sched, worker)
	default:
		r.warnf("EC2 does not know the subnets' Availability Zone")
	}
}
