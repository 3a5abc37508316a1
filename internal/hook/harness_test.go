package hook

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/netcheck"
	"github.com/coilednet/coilednet/netcheck/netchecktest"
)

// Secrets used by every test; assertNoSecrets checks none reaches the output.
const (
	tokenDash   = "alice-0f9c2b7e5d4a4c1e"
	tokenNoDash = "0f9c2b7e5d4a4c1e9b8a7f6e"
	awsKeyID    = "AKIAIOSFODNN7EXAMPLE"
	awsSecret   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

var allSecrets = []string{tokenDash, tokenNoDash, awsSecret}

// assertNoSecrets fails the test if any secret appears in out.
func assertNoSecrets(t testing.TB, out string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("output contains a secret (%q…):\n%s", s[:4], out)
		}
	}
}

func publicOutputs() map[string]string {
	return map[string]string{
		"NetworkId":           "vpc-0pub1234",
		"SchedulerSubnetId":   "subnet-0a1",
		"WorkerSubnetId":      "subnet-0a1",
		"SchedulerFirewallId": "sg-0sched",
		"FirewallId":          "sg-0cluster",
		"GiveWorkersPublicIp": "true",
		"Region":              "us-east-2",
		"Zone0":               "us-east-2a,subnet-0a1,subnet-0a1",
		"Zone1":               "us-east-2b,subnet-0b1,subnet-0b1",
		"SomethingElse":       "ignored",
	}
}

func privateOutputs() map[string]string {
	return map[string]string{
		"NetworkId":           "vpc-0priv5678",
		"SchedulerSubnetId":   "subnet-0a1",
		"WorkerSubnetId":      "subnet-0a2",
		"SchedulerFirewallId": "sg-0sched",
		"FirewallId":          "sg-0cluster",
		"GiveWorkersPublicIp": "false",
		"Region":              "us-east-2",
		"Zone0":               "us-east-2a,subnet-0a1,subnet-0a2",
		"Zone1":               "us-east-2b,subnet-0b1,subnet-0b2",
	}
}

func withoutZones(m map[string]string) map[string]string {
	for k := range m {
		if strings.HasPrefix(k, "Zone") {
			delete(m, k)
		}
	}
	return m
}

type harness struct {
	t   *testing.T
	srv *coiledtest.Server
	env map[string]string
	dir string

	mu     sync.Mutex
	sleeps []time.Duration

	// ec2 is the fake EC2 the network check sees; nil means a healthy
	// network built from the outputs file the run names (fakeEC2For).
	ec2 *netchecktest.Fake
	// ec2Err, when set, is what the EC2 factory returns (no AWS access).
	ec2Err error
	// ec2Regions records the regions the factory was asked for.
	ec2Regions []string
}

type result struct {
	code           int
	stdout, stderr string
}

func (r result) all() string { return r.stdout + r.stderr }

// newHarness starts a fake Coiled (one workspace "acme", the default, unless
// opts says otherwise) and an environment pointing at it with an isolated
// HOME and DASK_CONFIG.
func newHarness(t *testing.T, opts coiledtest.Options) *harness {
	t.Helper()
	if opts.Token == "" {
		opts.Token = tokenDash
	}
	if opts.Workspaces == nil {
		opts.Workspaces = []coiledtest.Workspace{{Slug: "acme", Default: true, Admin: true}}
	}
	h := &harness{t: t, srv: coiledtest.Start(t, opts), dir: t.TempDir()}
	daskDir := filepath.Join(h.dir, "dask")
	if err := os.MkdirAll(daskDir, 0o755); err != nil {
		t.Fatal(err)
	}
	h.env = map[string]string{
		"HOME":                         h.dir,
		"DASK_CONFIG":                  daskDir,
		"DASK_ROOT_CONFIG":             filepath.Join(h.dir, "etc-dask"),
		"DASK_COILED__SERVER":          h.srv.URL(),
		"DASK_COILED__TOKEN":           opts.Token,
		"COILED_AWS_ACCESS_KEY_ID":     awsKeyID,
		"COILED_AWS_SECRET_ACCESS_KEY": awsSecret,
	}
	return h
}

// writeOutputs writes a cdk outputs file and returns its path.
func (h *harness) writeOutputs(stacks map[string]map[string]string) string {
	h.t.Helper()
	b, err := json.MarshalIndent(stacks, "", "  ")
	if err != nil {
		h.t.Fatal(err)
	}
	return h.writeFile("cdk-outputs.json", b)
}

func (h *harness) writeFile(name string, data []byte) string {
	h.t.Helper()
	p := filepath.Join(h.dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// outputsFlag writes one stack's outputs and returns the flags naming them.
func (h *harness) outputsFlag(outputs map[string]string) []string {
	return []string{"--outputs-file", h.writeOutputs(map[string]map[string]string{"CoilednetStack": outputs})}
}

// run runs the hook and checks that no secret reached its output.
func (h *harness) run(args ...string) result {
	h.t.Helper()
	var out, errb bytes.Buffer
	r := &Runner{
		Env:    func(k string) string { return h.env[k] },
		Stdout: &out,
		Stderr: &errb,
		Sleep: func(ctx context.Context, d time.Duration) error {
			h.mu.Lock()
			h.sleeps = append(h.sleeps, d)
			h.mu.Unlock()
			return ctx.Err()
		},
		RequestTimeout: 5 * time.Second,
		NewEC2: func(ctx context.Context, region string, env func(string) string) (netcheck.EC2, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.ec2Regions = append(h.ec2Regions, region)
			if h.ec2Err != nil {
				return nil, h.ec2Err
			}
			if h.ec2 != nil {
				return h.ec2, nil
			}
			return fakeEC2For(args), nil
		},
	}
	code := r.Run(context.Background(), args)
	res := result{code: code, stdout: out.String(), stderr: errb.String()}
	assertNoSecrets(h.t, res.all(), allSecrets...)
	return res
}

func (h *harness) sleepLog() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.sleeps...)
}

// expect checks the exit code and that every want string appears in the
// output.
func expect(t *testing.T, res result, code int, wants ...string) {
	t.Helper()
	if res.code != code {
		t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, code, res.stdout, res.stderr)
		return
	}
	for _, w := range wants {
		if !strings.Contains(res.all(), w) {
			t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", w, res.stdout, res.stderr)
		}
	}
}

// dig walks nested maps.
func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// onlyUpdate returns the single update the fake received.
func onlyUpdate(t *testing.T, srv *coiledtest.Server) coiledtest.Update {
	t.Helper()
	ups := srv.Updates()
	if len(ups) != 1 {
		t.Fatalf("fake received %d updates, want 1", len(ups))
	}
	if len(ups[0].Invalid) > 0 {
		t.Fatalf("fake found the update invalid: %v", ups[0].Invalid)
	}
	return ups[0]
}
