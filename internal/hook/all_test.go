package hook

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/netcheck"
	"github.com/coilednet/coilednet/stackoutputs"
)

// twoNetworks are the outputs of two stacks of a networks file, in two
// regions for two workspaces.
func twoNetworks() map[string]map[string]string {
	prod := privateOutputs()
	prod["CoiledNetworkName"], prod["CoiledWorkspace"] = "prod", "acme-prod"
	dev := publicOutputs()
	delete(dev, "SomethingElse")
	for k, v := range dev {
		dev[k] = strings.ReplaceAll(v, "us-east-2", "us-west-2")
	}
	dev["NetworkId"] = "vpc-0dev9999"
	dev["CoiledNetworkName"], dev["CoiledWorkspace"] = "dev", "acme-dev"
	return map[string]map[string]string{"CoiledNetwork-prod": prod, "CoiledNetwork-dev": dev}
}

// runAllHook runs the hook with a healthy fake EC2 per region (the network
// of the stack in that region).
func runAllHook(t *testing.T, h *harness, stacks map[string]map[string]string, args ...string) result {
	t.Helper()
	byRegion := map[string]*stackoutputs.Outputs{}
	for name, raw := range stacks {
		o, err := stackoutputs.Parse(name, raw)
		if err != nil {
			t.Fatal(err)
		}
		byRegion[o.Region] = o
	}
	var out, errb bytes.Buffer
	r := &Runner{
		Env: func(k string) string { return h.env[k] }, Stdout: &out, Stderr: &errb,
		Sleep:          func(ctx context.Context, d time.Duration) error { return ctx.Err() },
		RequestTimeout: 5 * time.Second,
		NewEC2: func(ctx context.Context, region string, env func(string) string) (netcheck.EC2, error) {
			if o := byRegion[region]; o != nil {
				return healthyEC2(o), nil
			}
			return healthyEC2(&stackoutputs.Outputs{Region: region, NetworkID: "vpc-none"}), nil
		},
	}
	code := r.Run(context.Background(), args)
	res := result{code: code, stdout: out.String(), stderr: errb.String()}
	assertNoSecrets(t, res.all(), allSecrets...)
	return res
}

func twoWorkspaces() coiledtest.Options {
	return coiledtest.Options{Workspaces: []coiledtest.Workspace{
		{Slug: "acme-prod", Default: true, Admin: true}, {Slug: "acme-dev", Admin: true}}}
}

func sentTo(t *testing.T, srv *coiledtest.Server) map[string]any {
	t.Helper()
	got := map[string]any{}
	for _, u := range srv.Updates() {
		if len(u.Invalid) > 0 || !u.Stored {
			t.Errorf("update to %s not stored: %v", u.Workspace, u.Invalid)
		}
		got[u.Workspace] = dig(u.Data, "options", "network", "network_id")
	}
	return got
}

func TestAllSendsEachNetworkToItsWorkspace(t *testing.T) {
	h := newHarness(t, twoWorkspaces())
	stacks := twoNetworks()
	file := h.writeOutputs(stacks)
	res := runAllHook(t, h, stacks, "--all", "--outputs-file", file)
	expect(t, res, ExitOK, "== network dev: stack CoiledNetwork-dev → acme-dev ==", "Summary (2 networks):")
	want := map[string]any{"acme-prod": "vpc-0priv5678", "acme-dev": "vpc-0dev9999"}
	if got := sentTo(t, h.srv); !reflect.DeepEqual(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
	for _, line := range []string{"prod         stack CoiledNetwork-prod", "dev          stack CoiledNetwork-dev"} {
		i := strings.Index(res.stdout, line)
		if i < 0 || !strings.HasSuffix(strings.SplitN(res.stdout[i:], "\n", 2)[0], " ok") {
			t.Errorf("no ok summary line %q in:\n%s", line, res.stdout)
		}
	}
	if regions := strings.Count(res.all(), "Network check: "); regions != 2 {
		t.Errorf("%d network checks, want one per network before its send:\n%s", regions, res.all())
	}
}

func TestAllOneFailureDoesNotStopTheOthers(t *testing.T) {
	h := newHarness(t, twoWorkspaces())
	stacks := twoNetworks()
	stacks["CoiledNetwork-dev"]["CoiledWorkspace"] = "acme-gone"
	file := h.writeOutputs(stacks)
	res := runAllHook(t, h, stacks, "--all", "--outputs-file", file)
	if res.code == ExitOK {
		t.Fatalf("exit 0 although dev's workspace does not exist:\n%s", res.all())
	}
	if got := sentTo(t, h.srv); !reflect.DeepEqual(got, map[string]any{"acme-prod": "vpc-0priv5678"}) {
		t.Errorf("sent %v, want prod's network to acme-prod only", got)
	}
	if !strings.Contains(res.stdout, "workspace acme-gone") || !strings.Contains(res.stdout, "FAILED (exit ") {
		t.Errorf("summary does not show dev failing:\n%s", res.stdout)
	}
}

func TestAllDryRunAndCheck(t *testing.T) {
	h := newHarness(t, twoWorkspaces())
	stacks := twoNetworks()
	file := h.writeOutputs(stacks)
	res := runAllHook(t, h, stacks, "--all", "--dry-run", "--outputs-file", file)
	expect(t, res, ExitOK, "ok (dry run: nothing sent)")
	if n := len(h.srv.Updates()); n != 0 {
		t.Errorf("--dry-run sent %d updates", n)
	}
	res = runAllHook(t, h, stacks, "--all", "--check", "--outputs-file", file)
	expect(t, res, ExitOK, "ok (network check passed)")
}

// --stack NAME finds the workspace the networks file gave the network.
func TestStackOutputNamesTheWorkspace(t *testing.T) {
	h := newHarness(t, twoWorkspaces())
	stacks := twoNetworks()
	file := h.writeOutputs(stacks)
	res := runAllHook(t, h, stacks, "--outputs-file", file, "--stack", "CoiledNetwork-dev")
	expect(t, res, ExitOK, "workspace acme-dev (from the stack's CoiledWorkspace output (the networks file))")
	if got := sentTo(t, h.srv); !reflect.DeepEqual(got, map[string]any{"acme-dev": "vpc-0dev9999"}) {
		t.Errorf("sent %v", got)
	}
	// --workspace still wins.
	res = runAllHook(t, h, stacks, "--outputs-file", file, "--stack", "CoiledNetwork-dev", "--workspace", "acme-prod")
	expect(t, res, ExitOK, "workspace acme-prod (from --workspace)")
}

func TestAllFlagConflicts(t *testing.T) {
	h := newHarness(t, twoWorkspaces())
	for _, args := range [][]string{
		{"--all", "--workspace", "acme"},
		{"--all", "--stack", "X"},
		{"--all", "--zone", "1"},
		{"--networks-file", "x.yaml", "--stack", "X"},
	} {
		res := h.run(args...)
		if res.code != ExitUsage || len(h.srv.Requests()) != 0 {
			t.Errorf("%v: exit %d, %d requests\n%s", args, res.code, len(h.srv.Requests()), res.all())
		}
	}
	// Without an outputs file or a networks file, --all says what it needs.
	res := h.run("--all", "--networks-file", "/nonexistent/coilednet.yaml")
	expect(t, res, ExitUsage, "networksFile")
}

func TestWithoutAllFlags(t *testing.T) {
	got := withoutAllFlags([]string{"--all", "--dry-run", "--networks-file", "n.yaml", "--timeout=1m", "-all=true", "--networks-file=x"})
	if want := []string{"--dry-run", "--timeout=1m"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
