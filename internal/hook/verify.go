package hook

// coiled-hook --verify and --verify-only (docs/verify.md): start one small
// Coiled cluster in the network, watch it, find its VMs with the EC2 API,
// check they run in the subnets and security groups Coiled was given, and
// stop it on every exit path. The calls are shared/coiled-cluster-api.md's,
// through package coiled; the EC2 lookups are package clustervms's.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/coilednet/coilednet/clustervms"
	"github.com/coilednet/coilednet/coiled"
)

// Exit statuses of --verify and --verify-only (0 is verified).
const (
	// ExitNotReady: the verification cluster did not become ready (a
	// launch error, workers that never arrived, a failed software
	// environment build, or --verify-timeout).
	ExitNotReady = 4
	// ExitElsewhere: the cluster started, but not in the network Coiled was
	// given (coiled_hosted, other subnets or security groups, or VMs the
	// EC2 API cannot find): it proves nothing about this network.
	ExitElsewhere = 5
)

// Defaults of the verification.
const (
	DefaultVerifyTimeout = 15 * time.Minute
	// verifyIdleTimeout is scheduler_options.idle_timeout: Coiled stops the
	// cluster after this long without work even if this command dies.
	verifyIdleTimeout = "10 minutes"
	// verifyClusterMargin is added to --verify-timeout for
	// cluster_timeout_seconds, the hard stop.
	verifyClusterMargin = 10 * time.Minute
	// verifyTypicalRun is the run time the cost estimate assumes.
	verifyTypicalRun = 10 * time.Minute
	// defaultStopWait bounds the wait for "stopped" after the DELETE.
	defaultStopWait = 3 * time.Minute
	verifyWorkers   = 1
	// createClusterWait bounds the cluster's POST, which Ctrl-C does not
	// interrupt.
	createClusterWait = 2 * time.Minute
)

// verifyFlags are the flags of the verification (this file).
type verifyFlags struct {
	verify, verifyOnly bool
	verifyImage        string
	verifyTypes        string
	verifyTimeout      time.Duration
	stopCluster        string
}

func addVerifyFlags(fs *flag.FlagSet, f *verifyFlags) {
	fs.BoolVar(&f.verify, "verify", false, "after the send, prove the network works: start ONE small Coiled cluster in it (it costs money: see docs/verify.md), report where its VMs run, stop it. Exit 4 when it does not become ready, 5 when it ran outside the network")
	fs.BoolVar(&f.verifyOnly, "verify-only", false, "like --verify for the network the workspace already uses: send nothing (network IDs from --outputs-file, --stack or --network are optional and compared with the workspace's)")
	fs.StringVar(&f.verifyImage, "verify-image", coiled.DefaultContainer, "public container `IMAGE` the verification cluster runs")
	fs.StringVar(&f.verifyTypes, "verify-instance-types", "", "instance `TYPES` (comma-separated, first preferred) of the verification cluster (default: the cheapest small types the zone offers)")
	fs.DurationVar(&f.verifyTimeout, "verify-timeout", DefaultVerifyTimeout, "how long the verification cluster may take to become ready")
	fs.StringVar(&f.stopCluster, "stop-cluster", "", "stop the Coiled cluster with this `ID` (what --verify prints when it cannot confirm its cluster stopped) and confirm it stopped")
}

func (f *verifyFlags) verifying() bool { return f.verify || f.verifyOnly }

var instanceTypeRE = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)

// validate checks the verification flags; it returns false after printing
// the problem.
func (f *flags) validateVerify(stderr io.Writer) bool {
	fail := func(format string, args ...any) bool {
		fmt.Fprintf(stderr, "coiled-hook: error: "+format+"\n", args...)
		return false
	}
	v := f.verifyFlags
	switch {
	case v.verify && v.verifyOnly:
		return fail("--verify (after a send) and --verify-only (no send) exclude each other")
	case v.verifying() && f.check:
		return fail("--check checks the network with the EC2 API; --verify starts a cluster: run them one after the other")
	case v.verifying() && f.startRoleSetup:
		return fail("--start-role-setup comes before the deploy; --verify after it")
	case v.verifyOnly && f.dryRun:
		return fail("--dry-run goes with --verify (it prints what the verification would run); --verify-only --dry-run would do nothing")
	case v.stopCluster != "" && (v.verifying() || f.check || f.startRoleSetup || f.dryRun):
		return fail("--stop-cluster stops one cluster and does nothing else")
	case v.verifyTimeout <= 0:
		return fail("--verify-timeout must be positive")
	case !v.verifying() && (v.verifyTypes != "" || v.verifyImage != coiled.DefaultContainer):
		return fail("--verify-image and --verify-instance-types go with --verify or --verify-only")
	case strings.TrimSpace(v.verifyImage) == "" || strings.ContainsAny(v.verifyImage, " \t\n"):
		return fail("--verify-image: %q is not a container image reference", v.verifyImage)
	}
	if v.stopCluster != "" {
		if n, err := strconv.ParseInt(v.stopCluster, 10, 64); err != nil || n <= 0 {
			return fail("--stop-cluster: %q is not a cluster ID (a positive number)", v.stopCluster)
		}
	}
	for _, t := range splitTypes(v.verifyTypes) {
		if !instanceTypeRE.MatchString(t) {
			return fail("--verify-instance-types: %q is not an EC2 instance type (like t3.medium)", t)
		}
	}
	return true
}

func splitTypes(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// verifyTarget is what the verification checks the cluster against.
type verifyTarget struct {
	workspace, region, zone string
	network                 coiled.Network
	// source says where network comes from ("sent", "the workspace's settings").
	source string
}

// verifyEvent is one state change of the cluster.
type verifyEvent struct {
	Time   string `json:"time"`
	Object string `json:"object"`
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
}

// verifyVM is one VM of the cluster and where EC2 says it runs.
type verifyVM struct {
	Role      string               `json:"role"`
	Name      string               `json:"name"`
	PrivateIP string               `json:"private_ip"`
	PublicIP  string               `json:"public_ip,omitempty"`
	EC2       *clustervms.Instance `json:"ec2,omitempty"`
	InNetwork bool                 `json:"in_network"`
	Problems  []string             `json:"problems,omitempty"`
}

// verifyFailure is why the verification failed: Coiled's texts, and the
// likely cause and fix.
type verifyFailure struct {
	What    string   `json:"what"`
	Reasons []string `json:"reasons,omitempty"`
	Cause   string   `json:"cause,omitempty"`
	Fix     string   `json:"fix,omitempty"`
}

// verifyReport is --json's output.
type verifyReport struct {
	Verified   bool           `json:"verified"`
	Status     string         `json:"status"` // verified, not_ready, elsewhere, interrupted, failed, dry_run
	ExitStatus int            `json:"exit_status"`
	Workspace  string         `json:"workspace"`
	Region     string         `json:"region"`
	Zone       string         `json:"zone,omitempty"`
	Network    map[string]any `json:"network"`
	Cluster    struct {
		ID                    int64    `json:"id,omitempty"`
		Name                  string   `json:"name"`
		Image                 string   `json:"image"`
		SoftwareEnvironment   string   `json:"software_environment"`
		InstanceTypes         []string `json:"instance_types"`
		IdleTimeout           string   `json:"idle_timeout"`
		ClusterTimeoutSeconds int      `json:"cluster_timeout_seconds"`
	} `json:"cluster"`
	States  []verifyEvent  `json:"states"`
	VMs     []verifyVM     `json:"vms,omitempty"`
	Failure *verifyFailure `json:"failure,omitempty"`
	Cleanup struct {
		Deleted bool   `json:"deleted"`
		Stopped bool   `json:"stopped"`
		Command string `json:"command,omitempty"`
	} `json:"cleanup"`
}

func (r *run) pollInterval() time.Duration {
	if r.PollInterval > 0 {
		return r.PollInterval
	}
	return time.Second
}

func (r *run) stopWait() time.Duration {
	if r.StopWait > 0 {
		return r.StopWait
	}
	return defaultStopWait
}

// verifyOnly is --verify-only: the workspace's current network, verified.
// --stop-cluster comes here too.
func (r *run) verifyOnly(ctx context.Context, client *coiled.Client) int {
	hctx, cancel := context.WithTimeout(ctx, r.f.timeout)
	defer cancel()
	user, workspace, reason, code, ok := r.resolveWorkspace(hctx, client)
	if !ok {
		return code
	}
	fmt.Fprintf(r.info(), "Coiled: user %s on %s, workspace %s (%s)\n", user.Username, r.settings.Server, workspace, reason)
	if r.f.stopCluster != "" {
		id, _ := strconv.ParseInt(r.f.stopCluster, 10, 64)
		deleted, stopped := r.stopVerifyCluster(ctx, client, workspace, id)
		if !stopped {
			return r.errorf(ExitFailed, "cluster %d not confirmed stopped (DELETE %s): check it in the Coiled web UI (%s/clusters?account=%s)",
				id, map[bool]string{true: "accepted", false: "failed"}[deleted], r.settings.Server, workspace)
		}
		return ExitOK
	}
	r.step = "reading the workspace's current settings (GET backend_options)"
	current, err := client.BackendOptions(hctx, workspace)
	if err != nil {
		return r.coiledError(hctx, err, workspace)
	}
	opts, _ := current["options"].(map[string]any)
	netw, _ := opts["network"].(map[string]any)
	str := func(m map[string]any, k string) string { v, _ := m[k].(string); return v }
	t := verifyTarget{workspace: workspace, region: str(opts, "aws_region_name"), zone: str(opts, "zone"), source: "the workspace's settings"}
	t.network = coiled.Network{NetworkID: str(netw, "network_id"), SchedulerSubnetID: str(netw, "scheduler_subnet_id"),
		WorkerSubnetID: str(netw, "worker_subnet_id"), SchedulerFirewallID: str(netw, "scheduler_firewall_id"), FirewallID: str(netw, "firewall_id")}
	t.network.GiveWorkersPublicIP, _ = netw["give_workers_public_ip"].(bool)
	if t.network.NetworkID == "" {
		r.warnf("workspace %s has no network of its own (Coiled creates one, or runs clusters in its own account): the verification can only show where a cluster runs; send a network first (coiled-hook --outputs-file …)", workspace)
	}
	if r.f.outputsFile != "" || r.f.stack != "" || r.f.network != "" {
		outputs, zone, code, ok := r.readOutputs(hctx)
		if !ok {
			return code
		}
		want := coiled.Network{NetworkID: outputs.NetworkID, SchedulerSubnetID: outputs.SchedulerSubnetID, WorkerSubnetID: outputs.WorkerSubnetID,
			SchedulerFirewallID: outputs.SchedulerFirewallID, FirewallID: outputs.FirewallID, GiveWorkersPublicIP: outputs.GiveWorkersPublicIP}
		if want != t.network || outputs.Region != t.region {
			return r.errorf(ExitUsage, "workspace %s uses network %s in %s, not the network given (%s in %s): send it first (coiled-hook without --verify-only, or with --verify)",
				workspace, orNone(t.network.NetworkID), orNone(t.region), want.NetworkID, outputs.Region)
		}
		if t.zone == "" {
			t.zone = zone
		}
	}
	if t.region == "" {
		return r.errorf(ExitUsage, "workspace %s has no AWS region in its settings: send a network first", workspace)
	}
	return r.verifyCluster(ctx, client, t)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// instanceTypes returns the types to ask for: --verify-instance-types, else
// the cheapest small types the zone offers (CheapTypes when EC2 cannot say).
func (r *run) instanceTypes(ctx context.Context, region, zone string) []string {
	if t := splitTypes(r.f.verifyTypes); len(t) > 0 {
		return t
	}
	var all []string
	for _, c := range clustervms.CheapTypes {
		all = append(all, c.Type)
	}
	fallback := all[:2]
	if zone == "" {
		return fallback
	}
	client, err := r.ec2Client(ctx, region)
	if err == nil {
		if off, ok := client.(clustervms.Offerings); ok {
			var got []string
			got, err = clustervms.OfferedTypes(ctx, off, zone, all)
			if err == nil && len(got) > 0 {
				if len(got) > 2 {
					got = got[:2]
				}
				return got
			}
			if err == nil {
				err = fmt.Errorf("none of %s offered", strings.Join(all, ", "))
			}
		} else {
			err = errors.New("this EC2 client cannot list instance type offerings")
		}
	}
	r.warnf("cannot list the instance types zone %s offers (%v): asking for %s", zone, err, strings.Join(fallback, ", "))
	return fallback
}

func randomName() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "coilednet-verify-" + hex.EncodeToString(b)
}

func (r *run) stamp() string { return time.Now().Format("15:04:05") }

// verifyCluster runs the verification of t and returns the exit status.
// parent is the command's context (canceled by Ctrl-C or SIGTERM); the
// cluster's DELETE runs even then.
func (r *run) verifyCluster(parent context.Context, client *coiled.Client, t verifyTarget) int {
	rep := &verifyReport{Workspace: t.workspace, Region: t.region, Zone: t.zone, Network: t.network.Map(), States: []verifyEvent{}}
	rep.Cluster.Name = randomName()
	rep.Cluster.Image = r.f.verifyImage
	rep.Cluster.SoftwareEnvironment = coiled.SoftwareEnvName(r.f.verifyImage)
	rep.Cluster.IdleTimeout = verifyIdleTimeout
	rep.Cluster.ClusterTimeoutSeconds = int((r.f.verifyTimeout + verifyClusterMargin).Seconds())

	ctx, cancel := context.WithTimeout(parent, r.f.verifyTimeout)
	defer cancel()
	rep.Cluster.InstanceTypes = r.instanceTypes(ctx, t.region, t.zone)
	r.printVerifyPlan(rep, t)
	if r.f.dryRun {
		fmt.Fprintln(r.info(), "Dry run: no cluster was started.")
		if r.f.json {
			rep.Status, rep.Cleanup.Stopped = "dry_run", true
			r.printVerifyResult(rep)
		}
		return ExitOK
	}

	code := r.startAndWatch(ctx, client, t, rep)
	if rep.Cluster.ID != 0 {
		rep.Cleanup.Deleted, rep.Cleanup.Stopped = r.stopVerifyCluster(parent, client, t.workspace, rep.Cluster.ID)
		if !rep.Cleanup.Stopped {
			rep.Cleanup.Command = fmt.Sprintf("scripts/coiled-hook --stop-cluster %d --workspace %s", rep.Cluster.ID, t.workspace)
			r.errorf(ExitFailed, "cluster %s (ID %d) is not confirmed stopped: it may still run and cost money. Stop it with\n  %s\nor in the Coiled web UI (%s/clusters?account=%s); Coiled stops it by itself after %s idle or %d s in all",
				rep.Cluster.Name, rep.Cluster.ID, rep.Cleanup.Command, r.settings.Server, t.workspace, verifyIdleTimeout, rep.Cluster.ClusterTimeoutSeconds)
			if code == ExitOK {
				code = ExitFailed
			}
		}
	} else {
		rep.Cleanup.Stopped = true // nothing was started
	}
	rep.ExitStatus = code
	rep.Verified = code == ExitOK
	switch {
	case rep.Verified:
		rep.Status = "verified"
	case code == ExitNotReady:
		rep.Status = "not_ready"
	case code == ExitElsewhere:
		rep.Status = "elsewhere"
	case parent.Err() != nil:
		rep.Status = "interrupted"
	default:
		rep.Status = "failed"
	}
	r.printVerifyResult(rep)
	return code
}

func (r *run) printVerifyPlan(rep *verifyReport, t verifyTarget) {
	w := r.info()
	zone := t.zone
	if zone == "" {
		zone = "any zone of " + t.region
	}
	fmt.Fprintf(w, "\nVerify: starting ONE small Coiled cluster in workspace %s to prove the network (%s) works\n", t.workspace, t.source)
	fmt.Fprintf(w, "  name             %s (new)\n", rep.Cluster.Name)
	fmt.Fprintf(w, "  image            %s (software environment %s)\n", rep.Cluster.Image, rep.Cluster.SoftwareEnvironment)
	fmt.Fprintf(w, "  VMs              1 scheduler + %d worker, the first of %s Coiled can launch, in %s\n", verifyWorkers, strings.Join(rep.Cluster.InstanceTypes, ", "), zone)
	fmt.Fprintf(w, "  network          %s: scheduler in %s (%s, %s), worker in %s (%s)\n", orNone(t.network.NetworkID),
		orNone(t.network.SchedulerSubnetID), orNone(t.network.SchedulerFirewallID), orNone(t.network.FirewallID), orNone(t.network.WorkerSubnetID), orNone(t.network.FirewallID))
	fmt.Fprintf(w, "  safety nets      idle_timeout %s, cluster_timeout_seconds %d: Coiled stops it even if this command dies\n",
		rep.Cluster.IdleTimeout, rep.Cluster.ClusterTimeoutSeconds)
	fmt.Fprintf(w, "  wait             up to %s (--verify-timeout), then it is stopped\n", r.f.verifyTimeout)
	fmt.Fprintf(w, "  rough cost       %s\n", costEstimate(rep.Cluster.InstanceTypes, rep.Cluster.ClusterTimeoutSeconds))
}

// costEstimate is the plan's cost line: two VMs of the first type for a
// typical run, and at most until cluster_timeout_seconds.
func costEstimate(types []string, clusterTimeout int) string {
	price := clustervms.HourlyPrice(types[0])
	if price == 0 {
		return fmt.Sprintf("2 × %s for about %s (price not known here: see aws.amazon.com/ec2/pricing), plus Coiled's charge beyond its free tier", types[0], verifyTypicalRun)
	}
	typical := 2 * price * verifyTypicalRun.Hours()
	most := 2 * price * float64(clusterTimeout) / 3600
	return fmt.Sprintf("about $%.2f: 2 × %s ($%.4f/h on demand, us-east-1) for a typical %s; at most $%.2f if it ran until cluster_timeout_seconds; plus disks, and Coiled's charge beyond its free tier",
		typical, types[0], price, verifyTypicalRun, most)
}

// event records and prints a state change.
func (r *run) event(rep *verifyReport, object, state, reason string) {
	e := verifyEvent{Time: time.Now().UTC().Format(time.RFC3339), Object: object, State: state, Reason: reason}
	rep.States = append(rep.States, e)
	line := fmt.Sprintf("  %s  %-28s %s", r.stamp(), object, state)
	if reason != "" {
		line += " (" + reason + ")"
	}
	fmt.Fprintln(r.info(), line)
}

// startAndWatch creates the software environment and the cluster, and
// waits for it; it returns the exit status of the verification so far.
func (r *run) startAndWatch(ctx context.Context, client *coiled.Client, t verifyTarget, rep *verifyReport) int {
	fail := func(code int, f verifyFailure) int {
		rep.Failure = &f
		return code
	}
	interrupted := func(what string) int {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return -1
		}
		return fail(ExitFailed, verifyFailure{What: "interrupted while " + what})
	}

	// The software environment.
	r.step = "creating the software environment (POST software-environment)"
	env, err := client.CreateContainerSoftwareEnv(ctx, t.workspace, rep.Cluster.Image)
	if err != nil {
		if ctx.Err() != nil {
			if c := interrupted("creating the software environment"); c >= 0 {
				return c
			}
			return fail(ExitNotReady, verifyFailure{What: "timed out creating the software environment", Fix: "rerun with a larger --verify-timeout"})
		}
		return fail(ExitFailed, verifyFailure{What: "Coiled refused the software environment: " + err.Error()})
	}
	rep.Cluster.SoftwareEnvironment = env.Name
	last := ""
	for env.State != coiled.BuildBuilt {
		if env.State != last {
			r.event(rep, "software environment", env.State, "")
			last = env.State
		}
		if env.State == coiled.BuildError {
			return fail(ExitNotReady, verifyFailure{What: "the software environment " + env.Name + " failed to build",
				Cause: "Coiled could not pull or prepare the image " + rep.Cluster.Image,
				Fix:   "check that the image is public and x86_64, or pass another with --verify-image"})
		}
		if err := coiled.SleepContext(ctx, r.pollInterval()); err != nil {
			break
		}
		env.State, err = client.BuildState(ctx, t.workspace, env.BuildID)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return fail(ExitFailed, verifyFailure{What: "cannot read the software environment's build: " + err.Error()})
		}
	}
	if ctx.Err() != nil {
		if c := interrupted("building the software environment"); c >= 0 {
			return c
		}
		return fail(ExitNotReady, verifyFailure{What: "the software environment was not built within --verify-timeout " + r.f.verifyTimeout.String(),
			Fix: "rerun with a larger --verify-timeout (a first build can take minutes)"})
	}
	r.event(rep, "software environment", coiled.BuildBuilt, "")
	if ctx.Err() != nil { // no cluster yet: start none
		if c := interrupted("building the software environment"); c >= 0 {
			return c
		}
		return fail(ExitNotReady, verifyFailure{What: "the software environment was built too late for --verify-timeout " + r.f.verifyTimeout.String()})
	}

	// The cluster.
	r.step = "creating the cluster (POST clusters)"
	// The POST is not cut short by Ctrl-C, SIGTERM or the deadline: a
	// cluster Coiled creates must be known by its ID to be stopped.
	cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), createClusterWait)
	defer ccancel()
	id, existing, err := client.CreateCluster(cctx, t.workspace, coiled.ClusterSpec{
		Name: rep.Cluster.Name, Workers: verifyWorkers, InstanceTypes: rep.Cluster.InstanceTypes, EnvName: env.Name,
		IdleTimeout: rep.Cluster.IdleTimeout, ClusterTimeoutSeconds: rep.Cluster.ClusterTimeoutSeconds,
		Tags: map[string]string{"purpose": "coilednet-verify"}, Region: t.region, Zone: t.zone,
	})
	if err != nil {
		if cctx.Err() != nil {
			return fail(ExitFailed, verifyFailure{What: "no answer from Coiled to the cluster's creation within " + createClusterWait.String(),
				Fix: fmt.Sprintf("if Coiled created cluster %s anyway, stop it in the Coiled web UI (%s/clusters?account=%s); its idle_timeout stops it otherwise",
					rep.Cluster.Name, r.settings.Server, t.workspace)})
		}
		var apiErr *coiled.APIError
		f := verifyFailure{What: "Coiled refused to start the cluster: " + err.Error()}
		if errors.As(err, &apiErr) && apiErr.Message != "" {
			f.Reasons = []string{apiErr.Message}
			f.Cause, f.Fix = diagnose(apiErr.Message)
		}
		return fail(ExitNotReady, f)
	}
	rep.Cluster.ID = id
	note := ""
	if existing {
		note = " (Coiled reused a live cluster of that name)"
	}
	fmt.Fprintf(r.info(), "  %s  cluster %s created, ID %d%s\n", r.stamp(), rep.Cluster.Name, id, note)
	if ctx.Err() != nil {
		if c := interrupted("creating the cluster"); c >= 0 {
			return c
		}
		return fail(ExitNotReady, verifyFailure{What: "timed out creating the cluster", Fix: "rerun with a larger --verify-timeout"})
	}

	// Watch it.
	r.step = "waiting for the cluster (GET clusters/…/id/…)"
	seen := map[string]string{}
	watch := func(object string, s coiled.State) {
		key := s.State + "\x00" + s.Reason
		if s.State != "" && seen[object] != key {
			seen[object] = key
			r.event(rep, object, s.State, s.Reason)
		}
	}
	var d *coiled.ClusterDetails // the last details read
	for {
		nd, err := client.ClusterDetails(ctx, t.workspace, id)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return fail(ExitFailed, verifyFailure{What: "cannot read the cluster's state: " + err.Error()})
		}
		d = nd
		watch("cluster", d.CurrentState)
		if d.Infra != nil {
			watch("cluster infrastructure", d.Infra.CurrentState)
		}
		if d.Scheduler != nil {
			watch("scheduler", d.Scheduler.CurrentState)
			if d.Scheduler.Instance != nil {
				watch("scheduler VM", d.Scheduler.Instance.CurrentState)
			}
		}
		for _, w := range d.Workers {
			watch(shortName(w.Name, rep.Cluster.Name), w.CurrentState)
			if w.Instance != nil {
				watch(shortName(w.Name, rep.Cluster.Name)+" VM", w.Instance.CurrentState)
			}
		}
		if coiled.ClusterStateFailed(d.CurrentState.State) {
			return fail(ExitNotReady, failureOf(d, "the cluster went to "+d.CurrentState.State))
		}
		started := d.WorkersIn("started")
		if d.SchedulerReady() && started >= verifyWorkers {
			break
		}
		if d.CurrentState.State == coiled.ClusterReady && started < verifyWorkers {
			return fail(ExitNotReady, failureOf(d, "the cluster is ready without its worker"))
		}
		if len(d.Workers) > 0 && d.WorkersIn("started", "starting", "pending") < verifyWorkers {
			return fail(ExitNotReady, failureOf(d, "the worker failed"))
		}
		if coiled.SleepContext(ctx, r.pollInterval()) != nil {
			break
		}
	}
	if ctx.Err() != nil {
		if c := interrupted("waiting for the cluster"); c >= 0 {
			return c
		}
		return fail(ExitNotReady, timeoutFailure(d, r.f.verifyTimeout))
	}

	// Ready: where does it run?
	fmt.Fprintf(r.info(), "  %s  cluster ready: scheduler and %d worker started\n", r.stamp(), d.WorkersIn("started"))
	return r.locate(ctx, t, d, rep)
}

func shortName(name, cluster string) string {
	if s := strings.TrimPrefix(name, cluster+"-"); s != "" {
		return s
	}
	return name
}

// failureOf collects Coiled's reasons (cluster, scheduler, workers, their
// VMs) and diagnoses the first that says something.
func failureOf(d *coiled.ClusterDetails, what string) verifyFailure {
	f := verifyFailure{What: what}
	add := func(s string) {
		s = strings.TrimSpace(s)
		for _, have := range f.Reasons {
			if strings.Contains(have, s) {
				return
			}
		}
		if s != "" {
			f.Reasons = append(f.Reasons, s)
		}
	}
	add(d.CurrentState.Reason)
	procs := []coiled.Process{}
	if d.Scheduler != nil {
		procs = append(procs, *d.Scheduler)
	}
	procs = append(procs, d.Workers...)
	for _, p := range procs {
		add(p.CurrentState.Reason)
		if p.Instance != nil {
			add(p.Instance.CurrentState.Reason)
		}
	}
	for _, reason := range f.Reasons {
		if c, fix := diagnose(reason); c != "" {
			f.Cause, f.Fix = c, fix
			break
		}
	}
	return f
}

// timeoutFailure says what a cluster that did not become ready in time was
// waiting for.
func timeoutFailure(d *coiled.ClusterDetails, timeout time.Duration) verifyFailure {
	what := fmt.Sprintf("not ready after %s (--verify-timeout)", timeout)
	if d == nil {
		return verifyFailure{What: what, Fix: "rerun with a larger --verify-timeout"}
	}
	f := failureOf(d, what)
	if f.Cause != "" {
		return f
	}
	switch {
	case d.SchedulerReady():
		f.What += ": the scheduler started, the worker never arrived"
		f.Cause = "the worker cannot reach the scheduler or the internet: worker egress (the worker subnet's NAT or internet gateway route, outbound HTTPS to Coiled and the image registry) or the cluster security group (all traffic from itself)"
		f.Fix = "run scripts/coiled-hook --check with the same network and fix what it reports (docs/check.md)"
	default:
		f.What += ": the scheduler never started"
		f.Cause = "the scheduler's VM cannot reach Coiled or the image registry (outbound HTTPS from the scheduler subnet), or AWS is slow to start it"
		f.Fix = "run scripts/coiled-hook --check with the same network; if it passes, rerun with a larger --verify-timeout"
	}
	return f
}

var actionRE = regexp.MustCompile(`(?i)(?:perform|to call|action)[:\s]+([a-z0-9-]+:[A-Za-z0-9*]+)`)

// diagnose maps a Coiled reason text to a cause and a fix ("" when it says
// nothing known).
func diagnose(reason string) (cause, fix string) {
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(strings.ToLower(reason), strings.ToLower(s)) {
				return true
			}
		}
		return false
	}
	switch {
	case has("UnauthorizedOperation", "AccessDenied", "not authorized to perform"):
		action := "the action the text names"
		if m := actionRE.FindStringSubmatch(reason); m != nil {
			action = m[1]
		}
		return "the IAM identity Coiled acts as may not call " + action,
			"allow " + action + " in that identity's policy (the stack's Coiled role or user: docs/access.md), redeploy, then verify again"
	case has("InsufficientInstanceCapacity", "InsufficientCapacity"):
		return "AWS has no capacity for the instance type in this zone right now",
			"try other types (--verify-instance-types) or another zone (--zone), or retry later"
	case has("Unsupported") && has("instance"):
		return "the instance type is not offered in this zone",
			"pass types the zone offers with --verify-instance-types, or use another zone (--zone)"
	case has("VcpuLimitExceeded", "InstanceLimitExceeded"):
		return "the account's EC2 vCPU quota for on-demand instances is used up in this region",
			"stop other instances or request a higher quota (Service Quotas, EC2 Running On-Demand Standard instances)"
	case has("InvalidSubnetID", "InvalidSubnet"):
		return "Coiled was given a subnet that does not exist (in this region or account)",
			"send the network again (coiled-hook --outputs-file cdk-outputs.json) after checking the deploy"
	case has("InvalidGroup", "security group"):
		return "Coiled was given a security group that does not exist or is in another VPC",
			"send the network again, and run coiled-hook --check"
	case has("AuthFailure", "InvalidClientTokenId", "SignatureDoesNotMatch", "could not assume", "AssumeRole"):
		return "Coiled cannot authenticate as the IAM identity it was given (deleted key or role, or a broken trust policy)",
			"send the network again with a valid identity (docs/hook.md, section 2)"
	case has("workers never", "no workers", "waiting for workers"):
		return "the workers cannot reach the scheduler: worker egress or the cluster security group",
			"run scripts/coiled-hook --check with the same network and fix what it reports"
	}
	return "", ""
}

// locate finds the scheduler's and the workers' VMs with the EC2 API and
// checks them against t.
func (r *run) locate(ctx context.Context, t verifyTarget, d *coiled.ClusterDetails, rep *verifyReport) int {
	if d.Options.Zone != "" {
		rep.Zone = d.Options.Zone
	}
	type want struct {
		p      coiled.Process
		role   string
		subnet string
		groups []string
	}
	var wants []want
	if d.Scheduler != nil {
		wants = append(wants, want{*d.Scheduler, "scheduler", t.network.SchedulerSubnetID, []string{t.network.SchedulerFirewallID, t.network.FirewallID}})
	}
	for _, w := range d.Workers {
		if w.CurrentState.State == "started" {
			wants = append(wants, want{w, "worker", t.network.WorkerSubnetID, []string{t.network.FirewallID}})
		}
	}
	var ips []string
	for _, w := range wants {
		vm := verifyVM{Role: w.role, Name: w.p.Name}
		if w.p.Instance != nil {
			vm.PrivateIP, vm.PublicIP = w.p.Instance.PrivateIP, w.p.Instance.PublicIP
			ips = append(ips, vm.PrivateIP)
		}
		rep.VMs = append(rep.VMs, vm)
	}
	if d.CoiledHosted || (d.BackendType != "" && d.BackendType != "vm_aws") {
		for i := range rep.VMs {
			rep.VMs[i].Problems = []string{"runs in Coiled's own account (coiled_hosted), not in your AWS account"}
		}
		return r.elsewhere(rep, "the cluster ran coiled_hosted (in Coiled's account), not in network "+orNone(t.network.NetworkID),
			"the workspace has no network of its own, or Coiled ignored it", "send the network (coiled-hook --outputs-file cdk-outputs.json), then verify again")
	}
	client, err := r.ec2Client(ctx, t.region)
	var found map[string][]clustervms.Instance
	if err == nil {
		var ec2c clustervms.EC2 = client
		found, err = clustervms.ByPrivateIP(ctx, ec2c, ips...)
	}
	if err != nil {
		rep.Failure = &verifyFailure{What: "the cluster started, but its VMs cannot be looked up with the EC2 API: " + err.Error(),
			Fix: "give this command AWS credentials of the network's account allowed ec2:DescribeInstances (AWS_PROFILE, …) and verify again"}
		return ExitFailed
	}
	bad := 0
	for i, w := range wants {
		vm := &rep.VMs[i]
		inst, ok := clustervms.Pick(found[vm.PrivateIP], t.network.NetworkID)
		switch {
		case vm.PrivateIP == "":
			vm.Problems = []string{"Coiled reports no private IP"}
		case !ok && len(found[vm.PrivateIP]) == 0:
			vm.Problems = []string{fmt.Sprintf("no running EC2 instance with private IP %s in %s for these AWS credentials (another account, or Coiled's)", vm.PrivateIP, t.region)}
		case !ok:
			vm.Problems = []string{fmt.Sprintf("%d instances have private IP %s, none in %s", len(found[vm.PrivateIP]), vm.PrivateIP, t.network.NetworkID)}
		default:
			vm.EC2 = &inst
			vm.Problems = clustervms.Placement(inst, w.subnet, w.groups...)
		}
		vm.InNetwork = len(vm.Problems) == 0
		if !vm.InNetwork {
			bad++
		}
	}
	if bad > 0 {
		return r.elsewhere(rep, fmt.Sprintf("%d of the cluster's %d VMs are not where the network says", bad, len(rep.VMs)),
			"Coiled launched them with other settings than the ones checked (another network in the workspace, or a zone or settings changed since)",
			"send the network again (coiled-hook --outputs-file cdk-outputs.json), then verify again")
	}
	return ExitOK
}

func (r *run) elsewhere(rep *verifyReport, what, cause, fix string) int {
	rep.Failure = &verifyFailure{What: what, Cause: cause, Fix: fix}
	return ExitElsewhere
}

// stopVerifyCluster DELETEs the cluster and waits until it is stopped, with
// a context of its own (it runs after Ctrl-C, SIGTERM and timeouts too).
func (r *run) stopVerifyCluster(parent context.Context, client *coiled.Client, workspace string, id int64) (deleted, stopped bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), r.stopWait())
	defer cancel()
	w := r.info()
	fmt.Fprintf(w, "  %s  stopping cluster %d (DELETE)\n", r.stamp(), id)
	err := client.DeleteCluster(ctx, workspace, id, "coilednet verify done")
	if err != nil {
		r.warnf("DELETE of cluster %d failed: %v", id, err)
		if ctx.Err() == nil {
			// Once more: a DELETE that failed may not have stopped anything.
			_ = coiled.SleepContext(ctx, r.pollInterval())
			err = client.DeleteCluster(ctx, workspace, id, "coilednet verify done")
		}
	}
	deleted = err == nil
	last := ""
	for ctx.Err() == nil {
		st, err := client.ClusterState(ctx, workspace, id)
		if err == nil && st != last {
			fmt.Fprintf(w, "  %s  %-28s %s\n", r.stamp(), "cluster", st)
			last = st
		}
		if st == coiled.ClusterStopped {
			return deleted, true
		}
		if coiled.SleepContext(ctx, r.pollInterval()) != nil {
			break
		}
	}
	return deleted, false
}

// printVerifyResult prints the report: a table, or JSON with --json.
func (r *run) printVerifyResult(rep *verifyReport) {
	if r.f.json {
		enc := json.NewEncoder(r.jsonOut)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		_ = enc.Encode(rep)
		return
	}
	w := r.out
	if rep.Verified {
		fmt.Fprintf(w, "\nVerified: cluster %s (ID %d) ran in network %s, zone %s:\n", rep.Cluster.Name, rep.Cluster.ID, rep.Network["network_id"], orNone(rep.Zone))
	} else {
		fmt.Fprintf(w, "\nNOT verified (%s): cluster %s", rep.Status, rep.Cluster.Name)
		if rep.Cluster.ID != 0 {
			fmt.Fprintf(w, " (ID %d)", rep.Cluster.ID)
		}
		fmt.Fprintln(w)
	}
	for _, vm := range rep.VMs {
		inst := "instance not found"
		if vm.EC2 != nil {
			inst = fmt.Sprintf("%s %s in %s, %s, groups %s", vm.EC2.ID, vm.EC2.Type, vm.EC2.Zone, vm.EC2.SubnetID, strings.Join(vm.EC2.SecurityGroupIDs, ","))
		}
		fmt.Fprintf(w, "  %-9s private %s, public %s: %s\n", vm.Role, orNone(vm.PrivateIP), orNone(vm.PublicIP), inst)
		for _, p := range vm.Problems {
			fmt.Fprintf(w, "            problem: %s\n", p)
		}
	}
	if f := rep.Failure; f != nil {
		fmt.Fprintf(w, "  what      %s\n", f.What)
		for _, reason := range f.Reasons {
			fmt.Fprintf(w, "  Coiled    %s\n", reason)
		}
		if f.Cause != "" {
			fmt.Fprintf(w, "  cause     %s\n", f.Cause)
		}
		if f.Fix != "" {
			fmt.Fprintf(w, "  fix       %s\n", f.Fix)
		}
	}
	switch {
	case rep.Cluster.ID == 0:
		fmt.Fprintln(w, "  cleanup   no cluster was started")
	case rep.Cleanup.Stopped:
		fmt.Fprintf(w, "  cleanup   cluster %d stopped\n", rep.Cluster.ID)
	default:
		fmt.Fprintf(w, "  cleanup   NOT confirmed: %s\n", rep.Cleanup.Command)
	}
}
