// Package hook is the post-deploy hook bin/coiled-hook as a testable
// function: it reads the network IDs a coilednet stack published, and
// configures a Coiled workspace to run clusters in that network, keeping the
// workspace's other settings, then reads the settings back to confirm.
package hook

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/coilednet/coilednet/coiled"
	"github.com/coilednet/coilednet/outputkeys"
	"github.com/coilednet/coilednet/stackoutputs"
)

// Exit statuses of the hook.
const (
	// ExitOK: the workspace now uses the network (or the dry run printed
	// what would be sent).
	ExitOK = 0
	// ExitFailed: Coiled refused or failed (rejected token, unknown
	// workspace, error frame, broken connection, timeout, read-back
	// mismatch).
	ExitFailed = 1
	// ExitUsage: bad usage or bad inputs, found before anything was sent
	// (flags, stack outputs, credentials, Coiled config, workspace choice).
	ExitUsage = 2
)

// DefaultTimeout is the default of --timeout.
const DefaultTimeout = 5 * time.Minute

// Attempts is how many times the hook tries a Coiled call that meets a
// transient failure (429, 500, 502–504, a refused or reset connection, 409
// "retry"), waiting 1 s, 2 s, 4 s, 8 s then 10 s between tries, never past
// --timeout.
const Attempts = 10

// Runner runs the hook with injectable surroundings. The zero value of every
// field but Env, Stdout and Stderr means the production behaviour.
type Runner struct {
	// Env looks up environment variables (os.Getenv in production).
	Env func(string) string
	// Stdout receives the progress, the summary and dry-run output; Stderr
	// warnings, errors and --verbose lines. Both are filtered so that the
	// Coiled token and the AWS secrets never appear.
	Stdout, Stderr io.Writer
	// Sleep replaces the waits between retries (tests make them instant).
	Sleep func(ctx context.Context, d time.Duration) error
	// RequestTimeout bounds each HTTP request and websocket handshake
	// (0 means coiled.DefaultRequestTimeout).
	RequestTimeout time.Duration
	// NewEC2 makes the EC2 client of the network check (nil means
	// DefaultEC2: the AWS SDK's default chain).
	NewEC2 EC2Factory
	// PollInterval is --verify's wait between two reads of the cluster
	// (0 means 1s); StopWait bounds the wait for its "stopped" (0 means
	// 3 minutes). See verify.go.
	PollInterval, StopWait time.Duration
}

// Run runs the hook with args (without the program name) and returns the
// exit status; see Runner.
func Run(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) int {
	return (&Runner{Env: env, Stdout: stdout, Stderr: stderr}).Run(ctx, args)
}

type flags struct {
	outputsFile string
	stack       string
	zone        string
	workspace   string
	dryRun      bool
	verbose     bool
	timeout     time.Duration
	// IAM access (role.go, rolesetup.go).
	replaceRole    bool
	startRoleSetup bool
	roleSetupFile  string
	checkFlags
	verifyFlags
	// confirm answers Coiled's 409 "confirm" (issue 22).
	confirm bool
	allFlags
}

// Usage is the help text printed for -h and usage errors.
const Usage = `Usage: coiled-hook [flags]

Sends the network of a deployed coilednet stack to your Coiled workspace.

  scripts/coiled-hook --outputs-file cdk-outputs.json
  scripts/coiled-hook --stack CoiledNetwork      (reads CloudFormation)
  scripts/coiled-hook --check --outputs-file cdk-outputs.json   (check only)
  scripts/coiled-hook --network vpc-…,subnet-…,subnet-…,sg-…,sg-… \
      --workers-public-ip false --region us-east-2    (a network built elsewhere)

Every send first checks the live network with the EC2 API (read-only; AWS
credentials as for --stack) and stops, sending nothing, when a check fails.

Coiled server, token and workspace: DASK_COILED__SERVER, DASK_COILED__TOKEN,
DASK_COILED__WORKSPACE, or the dask config written by ` + "`coiled login`" + `.
How Coiled acts in your AWS account: the stack's role (output CoiledRoleArn;
the hook completes Coiled's role setup), the key of the stack's IAM user
(output CoiledAccessKeySecretArn, read from Secrets Manager), else the keys in
COILED_AWS_ACCESS_KEY_ID and COILED_AWS_SECRET_ACCESS_KEY (environment only),
else the workspace's own role. Keys never replace a role the workspace uses
without --replace-role-with-keys.

Before deploying with -c coiledAccess=role:
  scripts/coiled-hook --start-role-setup --workspace acme
prints coiledPrincipal=… and coiledExternalId=… (scripts/deploy does this).

Prove it with one small cluster (costs money; docs/verify.md):
  scripts/coiled-hook --outputs-file cdk-outputs.json --verify
  scripts/coiled-hook --verify-only

Exit status: 0 done, 1 Coiled refused or failed (also: Coiled asks for a
newer client protocol, or asks to confirm something: rerun with --confirm),
2 bad usage or inputs (nothing sent), 3 the network check failed (nothing
sent), 4 the --verify cluster did not become ready, 5 it ran outside the
network.

Flags:
`

func parseFlags(args []string, stderr io.Writer) (*flags, int, bool) {
	f := &flags{}
	fs := flag.NewFlagSet("coiled-hook", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.outputsFile, "outputs-file", "", "read the network IDs from `FILE`, the JSON written by cdk deploy --outputs-file FILE")
	fs.StringVar(&f.stack, "stack", "", "stack `NAME`: picks the stack in --outputs-file when it holds several; without --outputs-file, reads this stack's outputs from CloudFormation (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL honoured)")
	fs.StringVar(&f.zone, "zone", "", "send the subnets of Availability Zone `AZ` (name like us-east-2b, or 0-based index, or auto with --instance-types) instead of the stack's default pair")
	fs.StringVar(&f.workspace, "workspace", "", "Coiled workspace `NAME` to configure (default: DASK_COILED__WORKSPACE, dask config, else your default workspace)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "check the token and read the current settings, print the payload (secrets redacted) and the equivalent coiled.set_backend_options call; change nothing")
	fs.BoolVar(&f.verbose, "verbose", false, "log each request and decision to stderr (never secrets)")
	fs.DurationVar(&f.timeout, "timeout", DefaultTimeout, "overall time limit (the --verify cluster has --verify-timeout)")
	fs.BoolVar(&f.replaceRole, "replace-role-with-keys", false, "allow access keys to replace the cross-account role the workspace (or the stack) uses; without it the hook refuses (exit 2)")
	fs.BoolVar(&f.startRoleSetup, "start-role-setup", false, "before a coiledAccess=role deploy: get the principal and external ID from Coiled (or reuse those in --role-setup-file) and print them as coiledPrincipal=… and coiledExternalId=… lines on stdout")
	fs.StringVar(&f.roleSetupFile, "role-setup-file", DefaultRoleSetupFile, "where --start-role-setup keeps the principal and external ID per server and workspace (`FILE`)")
	addCheckFlags(fs, &f.checkFlags)
	addVerifyFlags(fs, &f.verifyFlags)
	fs.BoolVar(&f.confirm, "confirm", false, "confirm what Coiled asked to confirm on an earlier run (that run printed the question and exited 1): the request Coiled asks about is resent once with confirm=1")
	addAllFlags(fs, &f.allFlags)
	// The flag package prints its error and the whole usage on a bad flag;
	// a typo gets one line and a suggestion instead (usageError), -h the
	// whole usage.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, Usage)
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return nil, ExitOK, false
		}
		usageError(fs, err, stderr)
		return nil, ExitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "coiled-hook: error: unexpected argument %q (all inputs are flags; coiled-hook -h lists them)\n", fs.Arg(0))
		return nil, ExitUsage, false
	}
	if err := f.allFlags.validate(f); err != nil {
		fmt.Fprintf(stderr, "coiled-hook: error: %v\n", err)
		return nil, ExitUsage, false
	}
	if f.outputsFile == "" && f.stack == "" && f.network == "" && !f.startRoleSetup && !f.verifyOnly && f.stopCluster == "" && !f.all {
		fmt.Fprintln(stderr, "coiled-hook: error: say where the network IDs come from: --outputs-file FILE (written by `cdk deploy --outputs-file FILE`), --stack NAME (read from CloudFormation) or --network vpc-…,subnet-…,subnet-…,sg-…,sg-…")
		return nil, ExitUsage, false
	}
	cf := f.checkFlags
	cf.json = cf.json && !f.verifying() // --json is also --verify's report
	if !cf.validate(f.outputsFile, f.stack, f.zone, stderr) || !f.validateVerify(stderr) {
		return nil, ExitUsage, false
	}
	f.instanceTypeNames = cf.instanceTypeNames // what validate parsed, on the copy
	if f.startRoleSetup && f.dryRun {
		fmt.Fprintln(stderr, "coiled-hook: error: --dry-run does not apply to --start-role-setup (which changes nothing in the workspace)")
		return nil, ExitUsage, false
	}
	if f.timeout <= 0 {
		fmt.Fprintln(stderr, "coiled-hook: error: --timeout must be positive")
		return nil, ExitUsage, false
	}
	return f, 0, true
}

// redactor replaces secrets in everything written.
type redactor struct {
	mu      sync.Mutex
	secrets []string
}

func (r *redactor) add(s string) {
	if s == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, s)
}

func (r *redactor) clean(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "****")
	}
	return s
}

type redactWriter struct {
	w io.Writer
	r *redactor
}

// Write writes p with every known secret masked.
func (w redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.w, w.r.clean(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// run holds one run's state.
type run struct {
	*Runner
	f        *flags
	env      func(string) string
	out, err io.Writer
	step     string
	settings coiled.Settings
	stackWS  string // the stack's CoiledWorkspace output (all.go)
	red      *redactor
	acc      access
	network  coiled.Network
	// jsonOut receives --verify --json's report (stdout; the rest goes to
	// stderr then).
	jsonOut io.Writer
}

func (r *run) errorf(code int, format string, args ...any) int {
	fmt.Fprintf(r.err, "coiled-hook: error: "+format+"\n", args...)
	return code
}

func (r *run) warnf(format string, args ...any) {
	fmt.Fprintf(r.err, "coiled-hook: warning: "+format+"\n", args...)
}

func (r *run) verbosef(format string, args ...any) {
	if r.f.verbose {
		fmt.Fprintf(r.err, "coiled-hook: "+format+"\n", args...)
	}
}

// Run runs the hook; see the package doc and Usage.
func (rn *Runner) Run(ctx context.Context, args []string) int {
	env := rn.Env
	if env == nil {
		env = os.Getenv
	}
	red := &redactor{}
	// Secrets known from the start: every credential the environment holds.
	red.add(env(coiled.EnvToken))
	red.add(env(coiled.EnvAWSSecretAccessKey))
	for _, k := range []string{"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		if v := env(k); len(v) >= 8 {
			red.add(v)
		}
	}
	stdout, stderr := rn.Stdout, rn.Stderr
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	r := &run{Runner: rn, env: env, out: redactWriter{stdout, red}, err: redactWriter{stderr, red}, red: red}

	f, code, ok := parseFlags(args, r.err)
	if !ok {
		return code
	}
	r.f = f
	if f.all {
		return r.runAll(ctx, args) // all.go: each network as --stack NAME
	}
	if f.json && f.verifying() {
		r.jsonOut, r.out = r.out, r.err
	}
	base := ctx // --verify has its own time limit (--verify-timeout)
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	if f.check {
		return r.checkOnly(ctx)
	}

	// Local checks first: nothing leaves the machine until they pass.
	creds, envKeys, err := coiled.OptionalAWSCredentialsFromEnv(env)
	if err != nil && !f.startRoleSetup {
		return r.errorf(ExitUsage, "%v", err)
	}
	red.add(creds.SecretAccessKey)

	settings, err := coiled.LoadSettings(env)
	if err != nil {
		return r.errorf(ExitUsage, "%v", err)
	}
	r.settings = settings
	red.add(settings.Token)
	r.verbosef("dask config files read: %s", listOrNone(settings.ConfigFiles))
	r.verbosef("Coiled server %s (from %s)", settings.Server, settings.ServerSource)
	if settings.Token == "" {
		return r.errorf(ExitUsage, "no Coiled API token: run `coiled login` (it writes %s/coiled.yaml) or set %s",
			coiled.ConfigDir(env), coiled.EnvToken)
	}
	r.verbosef("Coiled token from %s", settings.TokenSource)
	client, err := coiled.NewClient(settings.Server, settings.Token)
	if err != nil {
		return r.errorf(ExitUsage, "%v (server from %s)", err, settings.ServerSource)
	}
	client.Sleep = rn.Sleep
	client.RequestTimeout = rn.RequestTimeout
	client.ClientVersion = settings.ClientVersion
	client.Confirm = f.confirm
	client.Attempts = Attempts
	if f.verbose {
		client.Logf = func(format string, args ...any) { r.verbosef(format, args...) }
	}
	if f.startRoleSetup {
		return r.startRoleSetup(ctx, client)
	}
	if f.verifyOnly || f.stopCluster != "" {
		return r.verifyOnly(base, client)
	}

	outputs, subnetZone, code, ok := r.readOutputs(ctx)
	if !ok {
		return code
	}
	r.stackWS = stackWorkspace(outputs)
	if subnetZone, code, ok = r.preSend(ctx, outputs, subnetZone); !ok {
		return code
	}

	network := coiled.Network{
		NetworkID:           outputs.NetworkID,
		SchedulerSubnetID:   outputs.SchedulerSubnetID,
		WorkerSubnetID:      outputs.WorkerSubnetID,
		SchedulerFirewallID: outputs.SchedulerFirewallID,
		FirewallID:          outputs.FirewallID,
		GiveWorkersPublicIP: outputs.GiveWorkersPublicIP,
	}
	r.network = network
	acc, code, ok := r.resolveAccess(ctx, outputs, creds, envKeys)
	if !ok {
		return code
	}
	r.acc = acc

	// Step 1: check the token, resolve the workspace.
	user, workspace, reason, code, ok := r.resolveWorkspace(ctx, client)
	if !ok {
		return code
	}
	fmt.Fprintf(r.out, "Coiled: user %s on %s, workspace %s (%s)\n", user.Username, settings.Server, workspace, reason)

	// Step 2: read the current settings.
	r.step = "reading the workspace's current settings (GET backend_options)"
	current, err := client.BackendOptions(ctx, workspace)
	if err != nil {
		return r.coiledError(ctx, err, workspace)
	}

	// Step 3: build the payload.
	plan, err := coiled.PlanAWSNetwork(current, coiled.AWSNetworkUpdate{
		Region: outputs.Region, Network: network, Credentials: acc.creds, SubnetZone: subnetZone,
		AccountRole: acc.stackRole, ReplaceRole: f.replaceRole,
	})
	if err != nil {
		return r.planError(err, workspace)
	}
	for _, w := range plan.Warnings {
		r.warnf("%s", w)
	}
	r.verbosef("carried over from the current settings: %s", listOrNone(plan.Carried))

	if f.dryRun {
		r.dryRunRole(workspace, outputs.Region, plan)
		code := r.dryRun(workspace, plan)
		if code == ExitOK && f.verify {
			code = r.verifyCluster(base, client, verifyTarget{workspace: workspace, region: outputs.Region, zone: plan.Zone, network: network, source: "to be sent"})
		}
		return code
	}
	if acc.stackRole != "" {
		if code, ok := r.setUpStackRole(ctx, client, workspace, outputs.Region); !ok {
			return code
		}
	}

	// Step 4: send it.
	fmt.Fprintf(r.out, "Sending network %s (%s) to Coiled workspace %s...\n", network.NetworkID, outputs.Region, workspace)
	r.step = "waiting for Coiled to apply the settings (websocket update_options)"
	err = client.UpdateBackendOptions(ctx, workspace, plan.BackendOptions, func(msg string) {
		fmt.Fprintf(r.out, "  %s\n", msg)
	})
	if err != nil {
		return r.coiledError(ctx, err, workspace)
	}

	// Step 5: read back and confirm.
	r.step = "reading the settings back (GET backend_options)"
	stored, err := client.BackendOptions(ctx, workspace)
	if err != nil {
		return r.coiledError(ctx, err, workspace)
	}
	if code := r.readBack(stored, workspace, outputs.Region, plan); code != ExitOK {
		return code
	}
	storedOpts, _ := stored["options"].(map[string]any)
	if z, _ := storedOpts["zone"].(string); z != plan.Zone {
		r.warnf("Coiled stored zone %q, sent %q", z, plan.Zone)
	}
	r.summary(workspace, outputs.Region, plan.Zone, network, outputs)
	fmt.Fprintf(r.out, "  Coiled acts as      %s\n", r.accessSummary(plan))
	r.printConnectivityNotes(outputs)
	if f.verify {
		return r.verifyCluster(base, client, verifyTarget{workspace: workspace, region: outputs.Region, zone: plan.Zone, network: network, source: "sent"})
	}
	return ExitOK
}

// explicitWorkspace is the workspace the user named (--workspace, else
// the environment or dask config) and where it came from; "" if none.
func (r *run) explicitWorkspace() (workspace, source string) {
	if r.f.workspace != "" {
		return r.f.workspace, "--workspace"
	}
	if r.stackWS != "" {
		return r.stackWS, "the stack's " + outputkeys.Workspace + " output (the networks file)"
	}
	return r.settings.Workspace, r.settings.WorkspaceSource
}

// resolveWorkspace checks the token and picks the workspace as the coiled
// client does, saying why it was picked.
func (r *run) resolveWorkspace(ctx context.Context, client *coiled.Client) (user *coiled.User, workspace, reason string, code int, ok bool) {
	r.step = "checking the Coiled token (GET /api/v2/user/me)"
	user, err := client.Me(ctx)
	if err != nil {
		return nil, "", "", r.coiledError(ctx, err, ""), false
	}
	explicit, source := r.explicitWorkspace()
	r.step = "listing the workspaces of the token (GET /api/v2/user/me/memberships)"
	workspace, reason, err = client.ResolveWorkspace(ctx, explicit, user)
	if err != nil {
		return nil, "", "", r.coiledError(ctx, err, ""), false
	}
	if explicit != "" {
		reason = "from " + source
	}
	return user, workspace, reason, 0, true
}

// readOutputs reads and validates the stack outputs and applies --zone. It
// returns the Availability Zone of the chosen subnets ("" when unknown).
func (r *run) readOutputs(ctx context.Context) (*stackoutputs.Outputs, string, int, bool) {
	if r.f.network != "" {
		return r.networkOutputs()
	}
	var outputs *stackoutputs.Outputs
	var err error
	if r.f.outputsFile != "" {
		r.verbosef("reading stack outputs from %s", r.f.outputsFile)
		outputs, err = stackoutputs.ReadOutputsFile(r.f.outputsFile, r.f.stack)
	} else {
		r.step = "reading the stack's outputs from CloudFormation"
		r.verbosef("reading the outputs of stack %s from CloudFormation", r.f.stack)
		outputs, err = stackoutputs.FromCloudFormation(ctx, r.f.stack, r.env)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", r.timeoutOrCancel(ctx), false
		}
		return nil, "", r.errorf(ExitUsage, "%v", err), false
	}
	if r.f.zone != "" {
		sel := r.f.zone
		if sel == "auto" {
			var code int
			var ok bool
			if sel, code, ok = r.autoZone(ctx, outputs); !ok {
				return nil, "", code, false
			}
		}
		outputs, err = outputs.WithZone(sel)
		if err != nil {
			return nil, "", r.errorf(ExitUsage, "--zone: %v", err), false
		}
	}
	zone := ""
	if z, ok := outputs.CurrentZone(); ok {
		zone = z.Name
	}
	where := "zone unknown (the stack has no ZoneN outputs)"
	if zone != "" {
		where = "zone " + zone
	}
	fmt.Fprintf(r.info(), "Stack %s: network %s in %s, %s\n", outputs.StackName, outputs.NetworkID, outputs.Region, where)
	return outputs, zone, 0, true
}

func (r *run) dryRun(workspace string, plan *coiled.Plan) int {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(coiled.Redact(plan.BackendOptions)); err != nil {
		return r.errorf(ExitFailed, "encoding the payload: %v", err)
	}
	b := strings.TrimSuffix(buf.String(), "\n")
	fmt.Fprintf(r.out, "\nDry run: this update_options payload would be sent to workspace %s on %s (secrets redacted):\n%s\n",
		workspace, r.settings.Server, b)
	if plan.Access == coiled.AccessRole {
		fmt.Fprintf(r.out, "\nWith the official client:\n%s", coiled.PythonCall(workspace, plan.BackendOptions))
	} else {
		fmt.Fprintf(r.out, "\nThe same with the official client (pip install coiled; the keys are read from the environment):\n\n%s",
			coiled.PythonCall(workspace, plan.BackendOptions))
	}
	fmt.Fprintln(r.out, "\nDry run: nothing was sent to Coiled.")
	return ExitOK
}

func (r *run) summary(workspace, region, zone string, n coiled.Network, o *stackoutputs.Outputs) {
	yesNo := map[bool]string{true: "yes", false: "no (outbound " + workerEgress(o) + ")"}
	if zone == "" {
		zone = "none (Coiled picks)"
	}
	worker := n.WorkerSubnetID
	if n.WorkerSubnetID == n.SchedulerSubnetID {
		worker += " (same as the scheduler's)"
	}
	fmt.Fprintf(r.out, "Done: Coiled workspace %s now runs clusters in\n", workspace)
	fmt.Fprintf(r.out, "  region             %s\n", region)
	fmt.Fprintf(r.out, "  zone               %s\n", zone)
	fmt.Fprintf(r.out, "  VPC                %s\n", n.NetworkID)
	fmt.Fprintf(r.out, "  scheduler subnet   %s\n", n.SchedulerSubnetID)
	fmt.Fprintf(r.out, "  worker subnet      %s\n", worker)
	fmt.Fprintf(r.out, "  scheduler group    %s\n", n.SchedulerFirewallID)
	fmt.Fprintf(r.out, "  cluster group      %s\n", n.FirewallID)
	fmt.Fprintf(r.out, "  worker public IPs  %s\n", yesNo[n.GiveWorkersPublicIP])
}

func (r *run) timeoutOrCancel(ctx context.Context) int {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return r.errorf(ExitFailed, "timed out after %s (--timeout) while %s; if Coiled was applying the settings it may still finish: check the workspace in the Coiled web UI, or rerun with a larger --timeout",
			r.f.timeout, r.step)
	}
	return r.errorf(ExitFailed, "interrupted while %s", r.step)
}

// coiledError reports an error of a Coiled call with an actionable message.
func (r *run) coiledError(ctx context.Context, err error, workspace string) int {
	if ctx.Err() != nil {
		return r.timeoutOrCancel(ctx)
	}
	var (
		apiErr    *coiled.APIError
		confirm   *coiled.ConfirmRequiredError
		wsName    *coiled.WorkspaceNameError
		notFound  *coiled.WorkspaceNotFoundError
		noWs      *coiled.NoWorkspaceError
		updErr    *coiled.UpdateError
		closeErr  *coiled.CloseError
		timeout   *coiled.TimeoutError
		transport *coiled.TransportError
	)
	server := r.settings.Server
	switch {
	case errors.Is(err, coiled.ErrUpgradeRequired):
		return r.errorf(ExitFailed, "Coiled at %s asks for a newer client protocol (%v) while %s; nothing more was sent. "+
			"The hook speaks the protocol of coiled %s (its Client-Version header): update coilednet, or set %s to the version of a coiled client Coiled accepts (`pip install -U coiled; coiled --version`) and rerun",
			server, err, r.step, r.settings.ClientVersion, coiled.EnvClientVersion)
	case errors.As(err, &confirm):
		fmt.Fprintf(r.out, "Coiled asks you to confirm (while %s):\n  %s\n", r.step, confirm.Detail)
		return r.errorf(ExitFailed, "Coiled asks for a confirmation: %s; nothing more was sent. If you agree, rerun the same command with --confirm", confirm.Detail)
	case errors.As(err, &wsName):
		return r.errorf(ExitUsage, "%v: pass --workspace %s or set %s=%s", err, wsName.Slug, coiled.EnvWorkspace, wsName.Slug)
	case errors.Is(err, coiled.ErrTokenRejected):
		hint := "get a valid API token with `coiled login` or set " + coiled.EnvToken + " (this one came from " + r.settings.TokenSource + ")"
		if workspace != "" {
			hint += "; the token must also be allowed to edit workspace " + workspace + "'s settings"
		}
		return r.errorf(ExitFailed, "token rejected by Coiled at %s (%v); %s", server, err, hint)
	case errors.As(err, &notFound):
		return r.errorf(ExitFailed, "%v; pass --workspace with one of them", err)
	case errors.As(err, &noWs):
		return r.errorf(ExitUsage, "%v; pass --workspace NAME or set %s", err, coiled.EnvWorkspace)
	case errors.As(err, &updErr):
		return r.errorf(ExitFailed, "Coiled refused the settings for workspace %s: %s", workspace, updErr.Message)
	case errors.As(err, &closeErr):
		return r.errorf(ExitFailed, "the connection to Coiled ended before Coiled confirmed the update (%v); the workspace may not have changed: rerun the hook", err)
	case errors.As(err, &timeout):
		return r.errorf(ExitFailed, "%v (while %s); Coiled at %s is slow or unreachable: try again later", err, r.step, server)
	case errors.As(err, &transport):
		return r.errorf(ExitFailed, "cannot reach Coiled at %s while %s: %v", server, r.step, transport.Err)
	case errors.As(err, &apiErr):
		return r.errorf(ExitFailed, "Coiled failed while %s: %v", r.step, err)
	default:
		return r.errorf(ExitFailed, "while %s: %v", r.step, err)
	}
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}
