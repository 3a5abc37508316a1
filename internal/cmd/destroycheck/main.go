// Command destroycheck is scripts/destroy's check of one network before
// `cdk destroy` (issue 20). It refuses (exit 1) while an instance runs in
// the network's subnets (naming them), and while the network's Coiled
// workspace still uses it, unless -detach-coiled, which then clears the
// workspace's network through Coiled's update_options (keeping every setting
// we do not own) and says what the workspace now has. It writes the
// resources the stack keeps when deleted, with the commands that delete
// them, to -kept FILE. Exit 0: go ahead; 1: refused; 2: cannot check.
//
//	destroycheck -stack NAME [-detach-coiled] [-no-coiled-check] [-kept FILE]
//
// AWS_REGION is the stack's region; the Coiled server, token and workspace
// are found as the hook finds them (the stack's CoiledWorkspace output
// first). The token and keys are never printed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/coilednet/coilednet/coiled"
	"github.com/coilednet/coilednet/outputkeys"
	"github.com/coilednet/coilednet/stackoutputs"
	"github.com/coilednet/coilednet/teardown"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("destroycheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "the stack `NAME`")
	detach := fs.Bool("detach-coiled", false, "clear the network of the Coiled workspace that still uses it")
	noCoiled := fs.Bool("no-coiled-check", false, "do not ask Coiled whether a workspace uses the network")
	keptFile := fs.String("kept", "", "write what the stack keeps when deleted to `FILE`")
	if err := fs.Parse(args); err != nil || *stack == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: destroycheck -stack NAME [-detach-coiled] [-no-coiled-check] [-kept FILE]")
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "coilednet: "+format+"\n", a...)
		return code
	}

	out, err := stackoutputs.FromCloudFormation(ctx, *stack, env)
	if err != nil {
		if strings.Contains(err.Error(), "does not exist") {
			fmt.Fprintf(stdout, "stack %s: not deployed in this region, nothing to check\n", *stack)
			return 0
		}
		return fail(2, "cannot read stack %s: %v", *stack, err)
	}
	cfg, err := stackoutputs.LoadAWSConfig(ctx, env)
	if err != nil {
		return fail(2, "%v", err)
	}
	st, err := teardown.ReadStack(ctx, cloudformation.NewFromConfig(cfg), *stack, out.Region)
	if err != nil {
		return fail(2, "cannot read the resources of %s: %v", *stack, err)
	}

	// 1. Instances in the network's subnets (the stack's own aside).
	subnets := []string{out.SchedulerSubnetID, out.WorkerSubnetID}
	for _, z := range out.Zones {
		subnets = append(subnets, z.SchedulerSubnetID, z.WorkerSubnetID)
	}
	subnets = unique(subnets)
	ec2Cfg := cfg.Copy()
	if e := env("AWS_ENDPOINT_URL_EC2"); e != "" {
		ec2Cfg.BaseEndpoint = &e
	}
	insts, err := teardown.Instances(ctx, ec2.NewFromConfig(ec2Cfg), subnets, st.Instances)
	if err != nil {
		return fail(2, "cannot list the instances in the subnets of %s: %v", out.NetworkID, err)
	}
	if len(insts) > 0 {
		var lines []string
		for _, i := range insts {
			lines = append(lines, "  "+i.String())
		}
		return fail(1, "refusing to destroy %s: %d instance(s) still run in the subnets of network %s (their network interfaces would block the deletion; Coiled clusters among them lose their VMs):\n%s\n  Stop the clusters (coiled cluster stop, or in the Coiled UI) or terminate the instances, then run scripts/destroy again.",
			*stack, len(insts), out.NetworkID, strings.Join(lines, "\n"))
	}
	fmt.Fprintf(stdout, "stack %s: no instance runs in the subnets of %s\n", *stack, out.NetworkID)

	// 2. The Coiled workspace.
	if *noCoiled {
		fmt.Fprintf(stdout, "stack %s: Coiled not asked (--no-coiled-check)\n", *stack)
	} else if code := checkCoiled(ctx, env, out, *stack, *detach, stdout, stderr); code != 0 {
		return code
	}

	// 3. What the stack keeps.
	if *keptFile != "" {
		var b strings.Builder
		for _, k := range st.Kept {
			fmt.Fprintf(&b, "  %s %s (%s)\n      delete: %s\n", strings.TrimPrefix(k.Type, "AWS::"), k.PhysicalID, k.LogicalID, k.Delete)
		}
		if err := os.WriteFile(*keptFile, []byte(b.String()), 0o600); err != nil {
			return fail(2, "%v", err)
		}
	}
	return 0
}

func checkCoiled(ctx context.Context, env func(string) string, out *stackoutputs.Outputs, stack string, detach bool, stdout, stderr io.Writer) int {
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "coilednet: "+format+"\n", a...)
		return code
	}
	settings, err := coiled.LoadSettings(env)
	if err != nil {
		return fail(2, "%v", err)
	}
	if settings.Token == "" {
		return fail(1, "refusing to destroy %s: cannot ask Coiled whether a workspace still uses network %s (no Coiled token: run `coiled login` or set %s); pass --no-coiled-check if no workspace uses it",
			stack, out.NetworkID, coiled.EnvToken)
	}
	client, err := coiled.NewClient(settings.Server, settings.Token)
	if err != nil {
		return fail(2, "%v", err)
	}
	user, err := client.Me(ctx)
	if err != nil {
		return fail(2, "Coiled: %v", err)
	}
	explicit := out.All[outputkeys.Workspace]
	if explicit == "" {
		explicit = settings.Workspace
	}
	ws, _, err := client.ResolveWorkspace(ctx, explicit, user)
	if err != nil {
		return fail(2, "Coiled: %v", err)
	}
	current, err := client.BackendOptions(ctx, ws)
	if err != nil {
		return fail(2, "Coiled workspace %s: %v", ws, err)
	}
	if !coiled.UsesNetwork(current, out.NetworkID) {
		fmt.Fprintf(stdout, "stack %s: Coiled workspace %s does not use network %s\n", stack, ws, out.NetworkID)
		return 0
	}
	if !detach {
		return fail(1, "refusing to destroy %s: Coiled workspace %s still runs clusters in network %s; deleting it would leave the workspace pointing at a deleted network.\n  Pass --detach-coiled to clear the workspace's network first (its other settings are kept; Coiled then builds its own network for new clusters), or hand the workspace another network with scripts/coiled-hook.",
			stack, ws, out.NetworkID)
	}
	creds, _, err := coiled.OptionalAWSCredentialsFromEnv(env)
	if err != nil {
		return fail(2, "%v", err)
	}
	plan, err := coiled.PlanDetachNetwork(current, creds)
	if err != nil {
		if errors.Is(err, coiled.ErrNoAWSSettings) {
			return fail(2, "Coiled workspace %s: %v", ws, err)
		}
		return fail(2, "cannot clear the network of Coiled workspace %s: %v", ws, err)
	}
	fmt.Fprintf(stdout, "Clearing the network of Coiled workspace %s...\n", ws)
	if err := client.UpdateBackendOptions(ctx, ws, plan, func(m string) { fmt.Fprintf(stdout, "  %s\n", m) }); err != nil {
		return fail(1, "Coiled workspace %s: clearing the network failed: %v", ws, err)
	}
	stored, err := client.BackendOptions(ctx, ws)
	if err != nil {
		return fail(1, "Coiled workspace %s: reading the settings back: %v", ws, err)
	}
	if coiled.UsesNetwork(stored, out.NetworkID) {
		return fail(1, "Coiled workspace %s still names network %s after the update", ws, out.NetworkID)
	}
	opts, _ := stored["options"].(map[string]any)
	role, _ := opts["account_role"].(string)
	acts := "access keys"
	if role != "" {
		acts = "role " + role
	}
	fmt.Fprintf(stdout, "Coiled workspace %s now has: region %v, no custom network (Coiled builds its own for new clusters), zone %v, acting through %s; firewall_spec and registry kept\n",
		ws, opts["aws_region_name"], orNone(opts["zone"]), acts)
	return 0
}

func orNone(v any) any {
	if v == nil {
		return "none"
	}
	return v
}

func unique(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x != "" && !contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
