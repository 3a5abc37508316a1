package hook

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/outputkeys"
	"github.com/coilednet/coilednet/stackoutputs"
)

// --all (issue 20): every network of the networks file, each to its own
// workspace. Flags and text of this concern live in this file.

// allFlags are the flags of --all.
type allFlags struct {
	all          bool
	networksFile string
}

func addAllFlags(fs *flag.FlagSet, f *allFlags) {
	fs.BoolVar(&f.all, "all", false, "hand every deployed network to its own workspace (the networks file's workspace, recorded in each stack as output CoiledWorkspace): every stack of --outputs-file, else every network of the networks file read from CloudFormation in its region; one summary line per network, exit status non-zero when any failed")
	fs.StringVar(&f.networksFile, "networks-file", "", "with --all and no --outputs-file: the networks `FILE` (default "+config.DefaultNetworksFile+", as scripts/deploy)")
}

// validate checks the flags that do not combine with --all.
func (f *allFlags) validate(fl *flags) error {
	if !f.all {
		if f.networksFile != "" {
			return fmt.Errorf("--networks-file goes with --all")
		}
		return nil
	}
	switch {
	case fl.stack != "":
		return fmt.Errorf("--all configures every stack; --stack NAME configures one: give one of them")
	case fl.network != "":
		return fmt.Errorf("--all reads stack outputs; --network sends a network built elsewhere: give one of them")
	case fl.workspace != "":
		return fmt.Errorf("--all sends each network to its own workspace (the networks file's workspace:); --workspace would send them all to one")
	case fl.zone != "":
		return fmt.Errorf("--zone names one stack's AZ; with --all each network uses its own default zone")
	case fl.startRoleSetup:
		return fmt.Errorf("--start-role-setup runs before a deploy, for one workspace; it does not combine with --all")
	case fl.outputsFile != "" && f.networksFile != "":
		return fmt.Errorf("--networks-file lists the stacks to read from CloudFormation; with --outputs-file the stacks are those of the file")
	}
	return nil
}

// allTarget is one network --all configures.
type allTarget struct {
	network, stack, region, workspace string
}

// allTargets lists the networks --all configures: the stacks of the
// outputs file, or the networks of the networks file.
func (r *run) allTargets() ([]allTarget, error) {
	if r.f.outputsFile != "" {
		raw, err := os.ReadFile(r.f.outputsFile)
		if err != nil {
			return nil, err
		}
		var top map[string]map[string]any
		if err := json.Unmarshal(raw, &top); err != nil {
			return nil, fmt.Errorf("%s is not a cdk outputs file (a JSON object of stacks): %v", r.f.outputsFile, err)
		}
		var out []allTarget
		for stack, o := range top {
			t := allTarget{stack: stack}
			t.network, _ = o[outputkeys.NetworkName].(string)
			t.workspace, _ = o[outputkeys.Workspace].(string)
			t.region, _ = o[outputkeys.Region].(string)
			out = append(out, t)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].stack < out[j].stack })
		if len(out) == 0 {
			return nil, fmt.Errorf("%s holds no stacks", r.f.outputsFile)
		}
		return out, nil
	}
	var cflags map[string]string
	if r.f.allFlags.networksFile != "" {
		cflags = map[string]string{config.KeyNetworksFile: r.f.allFlags.networksFile}
	}
	path, nets, err := config.ReadNetworks("cdk.json", cflags)
	if err != nil {
		return nil, err
	}
	if path == "" {
		return nil, fmt.Errorf("--all needs the deployed stacks: --outputs-file FILE (scripts/deploy writes cdk-outputs.json) or a networks file (%s in this directory, or --networks-file FILE)", config.DefaultNetworksFile)
	}
	var out []allTarget
	for _, n := range nets {
		out = append(out, allTarget{network: n.Name, stack: n.App.StackName, region: n.Region, workspace: n.Workspace})
	}
	return out, nil
}

// withoutAllFlags returns args without --all and --networks-file.
func withoutAllFlags(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := strings.TrimLeft(args[i], "-")
		name, _, hasValue := strings.Cut(a, "=")
		switch {
		case !strings.HasPrefix(args[i], "-"):
		case name == "all":
			continue
		case name == "networks-file":
			if !hasValue {
				i++
			}
			continue
		}
		out = append(out, args[i])
	}
	return out
}

// runAll runs the hook once per target, each as `--stack NAME` (in the
// network's region when read from CloudFormation), and prints one summary
// line per network. It returns 0 when all succeeded, else the largest exit
// status of those that failed.
func (r *run) runAll(ctx context.Context, args []string) int {
	targets, err := r.allTargets()
	if err != nil {
		return r.errorf(ExitUsage, "--all: %v", err)
	}
	base := withoutAllFlags(args)
	type result struct {
		t    allTarget
		code int
		last string
	}
	var results []result
	for _, t := range targets {
		name := t.network
		if name == "" {
			name = t.stack
		}
		ws := t.workspace
		if ws == "" {
			ws = "the default workspace"
		}
		fmt.Fprintf(r.out, "\n== network %s: stack %s → %s ==\n", name, t.stack, ws)
		sub := *r.Runner
		sub.Env = r.env
		if region, parent := t.region, r.env; r.f.outputsFile == "" && region != "" {
			sub.Env = func(k string) string {
				if k == "AWS_REGION" {
					return region
				}
				return parent(k)
			}
		}
		var errBuf bytes.Buffer
		sub.Stderr = teeWriter{r.err, &errBuf}
		sub.Stdout = r.out
		code := sub.Run(ctx, append(append([]string{}, base...), "--stack", t.stack))
		results = append(results, result{t: t, code: code, last: lastErrorLine(errBuf.String())})
	}
	fmt.Fprintf(r.out, "\nSummary (%d networks):\n", len(results))
	worst := ExitOK
	for _, res := range results {
		name := res.t.network
		if name == "" {
			name = res.t.stack
		}
		ws := res.t.workspace
		if ws == "" {
			ws = "(default workspace)"
		}
		status := "ok"
		if r.f.dryRun {
			status = "ok (dry run: nothing sent)"
		} else if r.f.check {
			status = "ok (network check passed)"
		}
		if res.code != ExitOK {
			status = fmt.Sprintf("FAILED (exit %d: %s)", res.code, exitMeaning(res.code))
			if res.last != "" {
				status += ": " + res.last
			}
			worst = max(worst, res.code)
		}
		fmt.Fprintf(r.out, "  %-12s stack %-24s workspace %-20s %s\n", name, res.t.stack, ws, status)
	}
	return worst
}

func exitMeaning(code int) string {
	switch code {
	case ExitFailed:
		return "Coiled refused or failed"
	case ExitUsage:
		return "bad usage or inputs, nothing sent"
	case 3:
		return "the network check failed, nothing sent"
	}
	return "failed"
}

// lastErrorLine is the last "coiled-hook: error:" line of s, without the
// prefix, for the summary.
func lastErrorLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if e, ok := strings.CutPrefix(lines[i], "coiled-hook: error: "); ok {
			if len(e) > 160 {
				e = e[:157] + "..."
			}
			return e
		}
	}
	return ""
}

type teeWriter struct {
	a, b interface{ Write([]byte) (int, error) }
}

func (t teeWriter) Write(p []byte) (int, error) {
	t.b.Write(p)
	return t.a.Write(p)
}

// stackWorkspace is the workspace a stack of a networks file records
// (output CoiledWorkspace), "" for other stacks.
func stackWorkspace(o *stackoutputs.Outputs) string {
	if o == nil {
		return ""
	}
	return o.All[outputkeys.Workspace]
}
