package hook

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/coilednet/coilednet/coiled"
	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/netcheck"
	"github.com/coilednet/coilednet/netcheck/netchecktest"
)

// vmEC2 is the healthy network of the outputs (netchecktest) plus the VMs
// the fake Coiled launched, answered by DescribeInstances with the
// private-ip-address filter as EC2 does, and the instance type offerings of
// a zone.
type vmEC2 struct {
	*netchecktest.Fake
	srv     *coiledtest.Server
	vpc     string
	offered []string
}

func (f *vmEC2) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	var ips []string
	for _, fl := range in.Filters {
		if aws.ToString(fl.Name) == "private-ip-address" {
			ips = fl.Values
		}
	}
	out := &ec2.DescribeInstancesOutput{}
	for _, c := range f.srv.Clusters() {
		for _, vm := range c.VMs {
			if vm.Terminated || !slices.Contains(ips, vm.VM.PrivateIP) {
				continue
			}
			inst := ec2types.Instance{InstanceId: aws.String(vm.VM.InstanceID), PrivateIpAddress: aws.String(vm.VM.PrivateIP),
				SubnetId: aws.String(vm.Spec.SubnetID), VpcId: aws.String(f.vpc), InstanceType: ec2types.InstanceType(vm.Spec.InstanceType),
				Placement: &ec2types.Placement{AvailabilityZone: aws.String(vm.Spec.Zone)},
				State:     &ec2types.InstanceState{Name: ec2types.InstanceStateNameRunning}}
			if vm.VM.PublicIP != "" {
				inst.PublicIpAddress = aws.String(vm.VM.PublicIP)
			}
			for _, g := range vm.Spec.SecurityGroupIDs {
				inst.SecurityGroups = append(inst.SecurityGroups, ec2types.GroupIdentifier{GroupId: aws.String(g)})
			}
			out.Reservations = append(out.Reservations, ec2types.Reservation{Instances: []ec2types.Instance{inst}})
		}
	}
	return out, nil
}

func (f *vmEC2) DescribeInstanceTypeOfferings(_ context.Context, in *ec2.DescribeInstanceTypeOfferingsInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstanceTypeOfferingsOutput, error) {
	zone := ""
	for _, fl := range in.Filters {
		if aws.ToString(fl.Name) == "location" {
			zone = fl.Values[0]
		}
	}
	out := &ec2.DescribeInstanceTypeOfferingsOutput{}
	for _, t := range f.offered {
		out.InstanceTypeOfferings = append(out.InstanceTypeOfferings, ec2types.InstanceTypeOffering{
			InstanceType: ec2types.InstanceType(t), Location: aws.String(zone), LocationType: ec2types.LocationTypeAvailabilityZone})
	}
	return out, nil
}

// verifyHarness runs the hook with --verify against the fake Coiled and a
// fake EC2 that sees the fake's VMs.
type verifyHarness struct {
	*harness
	outputs []string
}

func newVerifyHarness(t *testing.T) *verifyHarness {
	h := newHarness(t, coiledtest.Options{})
	return &verifyHarness{harness: h, outputs: h.outputsFlag(privateOutputs())}
}

// runCtx runs the hook with ctx, fast polls, and checks that no secret
// (the token, the AWS secret, the cluster's TLS certificate and key)
// reached the output.
func (h *verifyHarness) runCtx(ctx context.Context, args ...string) result {
	h.t.Helper()
	var out, errb bytes.Buffer
	r := &Runner{
		Env: func(k string) string { return h.env[k] }, Stdout: &out, Stderr: &errb,
		Sleep:          func(ctx context.Context, d time.Duration) error { return ctx.Err() },
		RequestTimeout: 5 * time.Second, PollInterval: 2 * time.Millisecond, StopWait: 2 * time.Second,
		NewEC2: func(ctx context.Context, region string, env func(string) string) (netcheck.EC2, error) {
			return &vmEC2{Fake: fakeEC2For(args), srv: h.srv, vpc: "vpc-0priv5678", offered: []string{"m6i.large", "t3.medium", "m5.large"}}, nil
		},
	}
	code := r.Run(ctx, args)
	res := result{code: code, stdout: out.String(), stderr: errb.String()}
	assertNoSecrets(h.t, res.all(), append(allSecrets, coiledtest.FakeTLSCert, coiledtest.FakeTLSKey, "NEVER-PRINT")...)
	return res
}

func (h *verifyHarness) verify(extra ...string) result {
	h.t.Helper()
	return h.runCtx(context.Background(), append(append([]string{}, h.outputs...), append([]string{"--verify"}, extra...)...)...)
}

// noClusterLeft fails when a cluster the hook started is not stopped, or
// a VM of it still runs, or the fake refused a request as invalid.
func noClusterLeft(t *testing.T, srv *coiledtest.Server) {
	t.Helper()
	for _, c := range srv.LiveClusters() {
		t.Errorf("cluster %d (%s) left in state %s", c.ID, c.Name, c.State)
	}
	for _, c := range srv.Clusters() {
		if !c.Deleted || c.DeleteReason == "" {
			t.Errorf("cluster %d not DELETEd with a reason", c.ID)
		}
		for _, vm := range c.VMs {
			if !vm.Terminated {
				t.Errorf("VM %s of cluster %d still runs", vm.VM.InstanceID, c.ID)
			}
		}
	}
	if bad := srv.InvalidClusterRequests(); len(bad) > 0 {
		t.Errorf("the fake refused requests: %v", bad)
	}
}

func onlyCluster(t *testing.T, srv *coiledtest.Server) coiledtest.Cluster {
	t.Helper()
	cs := srv.Clusters()
	if len(cs) != 1 {
		t.Fatalf("%d clusters started, want 1", len(cs))
	}
	return cs[0]
}

func TestVerifySuccess(t *testing.T) {
	t.Parallel()
	h := newVerifyHarness(t)
	res := h.verify()
	c := onlyCluster(t, h.srv)
	var sched, worker coiledtest.LaunchedVM
	for _, vm := range c.VMs {
		if vm.Spec.Role == "scheduler" {
			sched = vm
		} else {
			worker = vm
		}
	}
	expect(t, res, ExitOK,
		"Done: Coiled workspace acme now runs clusters in", // the send came first
		"Verify: starting ONE small Coiled cluster in workspace acme",
		"rough cost       about $", "idle_timeout 10 minutes, cluster_timeout_seconds 1500",
		"the first of t3.medium, m6i.large Coiled can launch, in us-east-2a", // cheapest offered, in price order
		"software environment         built", "scheduler                    started", "worker-1                     started",
		"Verified: cluster "+c.Name+" (ID "+strconv.FormatInt(c.ID, 10)+") ran in network vpc-0priv5678, zone us-east-2a",
		sched.VM.InstanceID, sched.VM.PrivateIP, sched.VM.PublicIP, worker.VM.InstanceID, worker.VM.PrivateIP,
		"subnet-0a1, groups sg-0cluster,sg-0sched", "subnet-0a2, groups sg-0cluster",
		"cleanup   cluster "+strconv.FormatInt(c.ID, 10)+" stopped")
	if !strings.HasPrefix(c.Name, "coilednet-verify-") || len(c.Name) != len("coilednet-verify-")+8 {
		t.Errorf("cluster name %q, want coilednet-verify-<8 hex>", c.Name)
	}
	b := c.Body
	if dig(b, "scheduler_options", "idle_timeout") != "10 minutes" || b["cluster_timeout_seconds"] != 1500.0 || b["workers"] != 1.0 ||
		dig(b, "options", "zone_name") != "us-east-2a" || dig(b, "options", "region_name") != "us-east-2" ||
		dig(b, "tags", "purpose") != "coilednet-verify" || b["env_name"] != coiled.SoftwareEnvName(coiled.DefaultContainer) {
		t.Errorf("cluster body %v", b)
	}
	if sched.Spec.SubnetID != "subnet-0a1" || worker.Spec.SubnetID != "subnet-0a2" || worker.Spec.AccessKeyID != awsKeyID {
		t.Errorf("VMs launched in %s and %s with key %s: want the sent subnets and keys", sched.Spec.SubnetID, worker.Spec.SubnetID, worker.Spec.AccessKeyID)
	}
	noClusterLeft(t, h.srv)
}

func TestVerifyJSON(t *testing.T) {
	t.Parallel()
	h := newVerifyHarness(t)
	res := h.verify("--json", "--verify-instance-types", "c7i.large,c6i.large")
	if res.code != ExitOK {
		t.Fatalf("exit %d\n%s", res.code, res.all())
	}
	var rep verifyReport
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		t.Fatalf("stdout is not only the JSON report: %v\n%s", err, res.stdout)
	}
	if !rep.Verified || rep.Status != "verified" || rep.ExitStatus != 0 || len(rep.VMs) != 2 || !rep.Cleanup.Stopped ||
		rep.Zone != "us-east-2a" || rep.Network["worker_subnet_id"] != "subnet-0a2" || len(rep.States) < 5 {
		t.Errorf("report %+v", rep)
	}
	for _, vm := range rep.VMs {
		if vm.EC2 == nil || !strings.HasPrefix(vm.EC2.ID, "i-") || !vm.InNetwork {
			t.Errorf("vm %+v", vm)
		}
	}
	if got := onlyCluster(t, h.srv).Body["worker_instance_types"]; !slices.Equal(toStrings(got), []string{"c7i.large", "c6i.large"}) {
		t.Errorf("instance types %v, want the flag's", got)
	}
	if !strings.Contains(res.stderr, "Done: Coiled workspace acme") || !strings.Contains(res.stderr, "2 × c7i.large for about 10m0s (price not known here") {
		t.Errorf("the human lines belong on stderr with --json:\n%s", res.stderr)
	}
	noClusterLeft(t, h.srv)
}

func TestVerifyFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault coiledtest.ClusterFault
		code  int
		wants []string
	}{
		{"scheduler launch unauthorized", coiledtest.ClusterFault{Kind: coiledtest.ClusterLaunchError,
			Reason: "An error occurred (UnauthorizedOperation) when calling the RunInstances operation: You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/coiled is not authorized to perform: ec2:RunInstances on resource"},
			ExitNotReady, []string{"NOT verified (not_ready)", "the cluster went to error", "Coiled    Scheduler instance failed: An error occurred (UnauthorizedOperation)",
				"may not call ec2:RunInstances", "allow ec2:RunInstances in that identity's policy"}},
		{"worker capacity", coiledtest.ClusterFault{Kind: coiledtest.ClusterWorkerLaunchError,
			Reason: "InsufficientInstanceCapacity: We currently do not have sufficient t3.medium capacity in the Availability Zone you requested (us-east-2a)."},
			ExitNotReady, []string{"the worker failed", "Coiled    InsufficientInstanceCapacity", "no capacity", "--verify-instance-types", "--zone"}},
		{"access denied", coiledtest.ClusterFault{Kind: coiledtest.ClusterWorkerLaunchError, Reason: "AccessDenied: not allowed"},
			ExitNotReady, []string{"may not call the action the text names", "identity's policy"}},
		{"workers never arrive", coiledtest.ClusterFault{Kind: coiledtest.ClusterWorkersNeverArrive},
			ExitNotReady, []string{"not ready after 300ms (--verify-timeout): the scheduler started, the worker never arrived", "worker egress", "cluster security group", "coiled-hook --check"}},
		{"stuck starting", coiledtest.ClusterFault{Kind: coiledtest.ClusterStuckStarting},
			ExitNotReady, []string{"the scheduler never started", "outbound HTTPS", "coiled-hook --check"}},
		{"build error", coiledtest.ClusterFault{BuildError: true},
			ExitNotReady, []string{"failed to build", "--verify-image", "no cluster was started"}},
		{"worker elsewhere", coiledtest.ClusterFault{WorkerSubnetID: "subnet-0elsewhere"},
			ExitElsewhere, []string{"NOT verified (elsewhere)", "problem: in subnet subnet-0elsewhere, not subnet-0a2", "1 of the cluster's 2 VMs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newVerifyHarness(t)
			h.srv.SetClusterFault(tc.fault)
			res := h.verify("--verify-timeout", "300ms")
			expect(t, res, tc.code, tc.wants...)
			noClusterLeft(t, h.srv)
		})
	}
}

// TestVerifyOnlyCoiledHosted: a workspace without a network of its own runs
// the cluster coiled_hosted, which proves nothing (exit 5).
func TestVerifyOnlyCoiledHosted(t *testing.T) {
	t.Parallel()
	h := newVerifyHarness(t)
	res := h.runCtx(context.Background(), "--verify-only")
	expect(t, res, ExitElsewhere, "has no network of its own", "ran coiled_hosted", "runs in Coiled's own account")
	if len(h.srv.Updates()) != 0 {
		t.Error("--verify-only sent settings")
	}
	noClusterLeft(t, h.srv)
}

// TestVerifyOnly verifies the network a workspace already uses, and
// refuses outputs that name another.
func TestVerifyOnly(t *testing.T) {
	t.Parallel()
	h := newVerifyHarness(t)
	expect(t, h.runCtx(context.Background(), h.outputs...), ExitOK) // the send
	expect(t, h.runCtx(context.Background(), append([]string{"--verify-only"}, h.outputs...)...), ExitOK, "network (the workspace's settings) works", "Verified")
	expect(t, h.runCtx(context.Background(), "--verify-only"), ExitOK, "Verified")
	other := privateOutputs()
	other["WorkerSubnetId"] = "subnet-0other"
	other["Zone0"] = "us-east-2a,subnet-0a1,subnet-0other"
	res := h.runCtx(context.Background(), append([]string{"--verify-only"}, h.outputsFlag(other)...)...)
	expect(t, res, ExitUsage, "workspace acme uses network vpc-0priv5678 in us-east-2, not the network given")
	if len(h.srv.Updates()) != 1 || len(h.srv.Clusters()) != 2 {
		t.Errorf("%d updates, %d clusters: want 1 send and 2 verifications", len(h.srv.Updates()), len(h.srv.Clusters()))
	}
	noClusterLeft(t, h.srv)
}

// TestVerifyDryRun prints what it would run and its cost; starts nothing.
func TestVerifyDryRun(t *testing.T) {
	t.Parallel()
	h := newVerifyHarness(t)
	res := h.verify("--dry-run")
	expect(t, res, ExitOK, "Dry run: nothing was sent to Coiled.", "Verify: starting ONE small Coiled cluster", "rough cost", "Dry run: no cluster was started.")
	res = h.verify("--dry-run", "--json")
	var rep verifyReport
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil || rep.Status != "dry_run" || rep.Verified || len(rep.Cluster.InstanceTypes) == 0 {
		t.Errorf("--dry-run --json: %v %+v\n%s", err, rep, res.stdout)
	}
	for _, r := range h.srv.Requests() {
		if r.Method != "GET" {
			t.Errorf("dry run sent %s %s", r.Method, r.Path)
		}
	}
}

// TestVerifyCleanup: a DELETE that fails once is retried; a cluster that
// never confirms stopped is reported with the command that stops it.
func TestVerifyCleanup(t *testing.T) {
	t.Parallel()
	t.Run("DELETE fails once", func(t *testing.T) {
		t.Parallel()
		h := newVerifyHarness(t)
		h.srv.FailNext(coiledtest.RouteDeleteCluster, 1, coiledtest.Fail500)
		expect(t, h.verify(), ExitOK, "Verified", "stopped")
		noClusterLeft(t, h.srv)
	})
	t.Run("DELETE always fails", func(t *testing.T) {
		t.Parallel()
		h := newVerifyHarness(t)
		// Every attempt of both DELETEs (the client's retries within the stop
		// wait, then the hook's second DELETE).
		h.srv.FailNext(coiledtest.RouteDeleteCluster, 2*Attempts, coiledtest.Fail500)
		res := h.verify()
		id := strconv.FormatInt(onlyCluster(t, h.srv).ID, 10)
		expect(t, res, ExitFailed, "DELETE of cluster "+id+" failed", "is not confirmed stopped",
			"scripts/coiled-hook --stop-cluster "+id+" --workspace acme", "cleanup   NOT confirmed")
		// The printed command stops it (once Coiled answers DELETE again).
		h.srv.ClearFaults(coiledtest.RouteDeleteCluster)
		res = h.runCtx(context.Background(), "--stop-cluster", id, "--workspace", "acme")
		expect(t, res, ExitOK, "stopping cluster "+id, "stopped")
		noClusterLeft(t, h.srv)
	})
	t.Run("never stops", func(t *testing.T) {
		t.Parallel()
		h := newVerifyHarness(t)
		h.srv.SetClusterFault(coiledtest.ClusterFault{NeverStops: true})
		res := h.verify("--json")
		var rep verifyReport
		if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
			t.Fatal(err)
		}
		if res.code != ExitFailed || rep.Verified || !rep.Cleanup.Deleted || rep.Cleanup.Stopped || !strings.Contains(rep.Cleanup.Command, "--stop-cluster") {
			t.Errorf("exit %d, report %+v\n%s", res.code, rep, res.stderr)
		}
	})
}

// TestVerifyInterrupted: Ctrl-C (or SIGTERM: both cancel the command's
// context) while the cluster starts still stops it.
func TestVerifyInterrupted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault coiledtest.ClusterFault
		want  string
	}{
		// Interrupted while the cluster starts.
		{"waiting", coiledtest.ClusterFault{Kind: coiledtest.ClusterStuckStarting, CreateDelay: 0}, "interrupted while "},
		// Interrupted while Coiled answers the POST: the cluster exists, its
		// ID arrives after the interrupt, and it is stopped all the same.
		{"during the POST", coiledtest.ClusterFault{Kind: coiledtest.ClusterStuckStarting, CreateDelay: 300 * time.Millisecond}, "interrupted while creating the cluster"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newVerifyHarness(t)
			h.srv.SetClusterFault(tc.fault)
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				for len(h.srv.Clusters()) == 0 {
					time.Sleep(time.Millisecond)
				}
				cancel()
			}()
			res := h.runCtx(ctx, append(h.outputs, "--verify")...)
			expect(t, res, ExitFailed, "NOT verified (interrupted)", tc.want, "cleanup   cluster ")
			noClusterLeft(t, h.srv)
		})
	}
}

func TestVerifyFlags(t *testing.T) {
	t.Parallel()
	h := newVerifyHarness(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--verify", "--verify-only"}, "exclude each other"},
		{[]string{"--verify", "--check"}, "one after the other"},
		{[]string{"--verify-only", "--dry-run"}, "--dry-run goes with --verify"},
		{[]string{"--verify", "--verify-timeout", "0s"}, "--verify-timeout must be positive"},
		{[]string{"--verify-instance-types", "t3.medium"}, "go with --verify"},
		{[]string{"--verify", "--verify-instance-types", "t3.medium,big"}, `"big" is not an EC2 instance type`},
		{[]string{"--stop-cluster", "x"}, "not a cluster ID"},
		{[]string{"--stop-cluster", "12", "--verify"}, "does nothing else"},
		{[]string{"--json"}, "--json goes with --check"},
	} {
		res := h.runCtx(context.Background(), append(append([]string{}, h.outputs...), tc.args...)...)
		if res.code != ExitUsage || !strings.Contains(res.stderr, tc.want) {
			t.Errorf("%v: exit %d, want 2 and %q\n%s", tc.args, res.code, tc.want, res.stderr)
		}
	}
	if len(h.srv.Requests()) != 0 {
		t.Error("bad flags reached Coiled")
	}
}

func TestDiagnose(t *testing.T) {
	t.Parallel()
	for reason, want := range map[string]string{
		"User: arn:aws:sts::1:assumed-role/x is not authorized to perform: ec2:CreateFleet on resource": "ec2:CreateFleet",
		"UnauthorizedOperation: You are not authorized to perform this operation.":                      "the action the text names",
		"InsufficientInstanceCapacity":                                                                                "--verify-instance-types",
		"VcpuLimitExceeded: You have requested more vCPU capacity":                                                    "quota",
		"InvalidSubnetID.NotFound: The subnet ID 'subnet-1' does not exist":                                           "send the network again",
		"Unsupported: Your requested instance type (t3a.medium) is not supported in your requested Availability Zone": "types the zone offers",
	} {
		cause, fix := diagnose(reason)
		if !strings.Contains(cause+" "+fix, want) {
			t.Errorf("diagnose(%q) = %q / %q, want %q in it", reason, cause, fix, want)
		}
	}
	if c, f := diagnose("something new"); c != "" || f != "" {
		t.Errorf("an unknown text was diagnosed: %q %q", c, f)
	}
}

func toStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
