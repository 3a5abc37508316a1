// Command bench measures what coilednet's users and CI wait for, on this
// machine: `cdk synth` of each topology through the pinned CDK CLI (warm,
// and cold: empty Go build cache and jsii package cache), the CDK app alone
// (cdk.json's app with CDK_OUTDIR), `go test ./...` (warm and cold), and one
// coiled-hook round trip against the in-repo fake Coiled. It prints the
// median wall time of each over several runs and the peak memory (largest
// resident set of any process in the run).
//
//	go run ./test/bench                 # everything, 5 warm runs each
//	go run ./test/bench -runs 3 -cold=false
//	go run ./test/bench -repo /path/to/other/checkout   # measure another tree
//
// Nothing here asserts a timing; the numbers go in the README.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/coilednet/coilednet/coiled/coiledtest"
)

var (
	runs     = flag.Int("runs", 5, "runs of each warm measurement (the median is reported)")
	coldRuns = flag.Int("cold-runs", 1, "runs of each cold measurement (each recompiles the CDK bindings: minutes)")
	cold     = flag.Bool("cold", true, "also measure cold synth and cold go test")
	repo     = flag.String("repo", ".", "the coilednet checkout to measure")
	only     = flag.String("only", "", "run only the measurements whose name contains this")
)

type result struct {
	name   string
	times  []time.Duration
	peakKB int64
}

func main() {
	flag.Parse()
	root, err := filepath.Abs(*repo)
	check(err)
	cdk := filepath.Join(root, ".tools", "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		fail("the CDK CLI is not installed in %s/.tools (run scripts/test or npm ci --prefix .tools)", root)
	}
	tmp, err := os.MkdirTemp("", "coilednet-bench-")
	check(err)
	defer os.RemoveAll(tmp)

	env := append(os.Environ(),
		"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20",
		"CDK_DISABLE_VERSION_CHECK=true", "CDK_DISABLE_CLI_TELEMETRY=true")
	app := appCommand(root)
	fmt.Printf("coilednet bench: %s (cdk.json app: %s), %d warm run(s), %s\n\n", root, strings.Join(app, " "), *runs, machine())

	var results []result
	add := func(name string, n int, prepare func(), cmdEnv []string, dir string, argv ...string) {
		if *only != "" && !strings.Contains(name, *only) {
			return
		}
		r := result{name: name}
		for i := 0; i < n; i++ {
			if prepare != nil {
				prepare()
			}
			d, kb := run(cmdEnv, dir, argv...)
			r.times = append(r.times, d)
			r.peakKB = max(r.peakKB, kb)
		}
		fmt.Printf("  %-44s %s\n", name, r.summary())
		results = append(results, r)
	}

	// Warm everything once (build cache, jsii package cache, CLI).
	run(env, root, "go", "build", "./...")
	run(append(env, "CDK_OUTDIR="+filepath.Join(tmp, "warmup")), root, app...)

	for _, topology := range []string{"public", "private"} {
		out := filepath.Join(tmp, "synth-"+topology)
		add("cdk synth "+topology+" (warm)", *runs, nil, env, root,
			cdk, "synth", "--no-notices", "--quiet", "-c", "topology="+topology, "--output", out)
	}
	add("CDK app alone, public (warm)", *runs, nil, append(env, "CDK_OUTDIR="+filepath.Join(tmp, "app")), root, app...)
	// The same app as an already-built binary: what `go run` (cdk.json's
	// app) is compared with when no Go file changed.
	prebuilt := filepath.Join(tmp, "coilednet-app")
	run(env, root, "go", "build", "-o", prebuilt, "./bin/coilednet")
	add("CDK app alone, prebuilt binary (warm)", *runs, nil, append(env, "CDK_OUTDIR="+filepath.Join(tmp, "app")), root, prebuilt)
	add("go test ./... (warm, -count=1)", *runs, nil, env, root, "go", "test", "-count=1", "./...")
	hookRoundTrip(&results, tmp, root, env)

	if *cold {
		// Cold: a Go build cache and a jsii package cache of their own,
		// emptied before every run, as on a fresh clone (modules are
		// already downloaded: the module proxy's speed is not ours).
		gocache, jsiicache := filepath.Join(tmp, "gocache"), filepath.Join(tmp, "jsiicache")
		coldEnv := append(env, "GOCACHE="+gocache, "JSII_RUNTIME_PACKAGE_CACHE_ROOT="+jsiicache)
		empty := func() {
			check(os.RemoveAll(gocache))
			check(os.RemoveAll(jsiicache))
		}
		for _, topology := range []string{"public", "private"} {
			add("cdk synth "+topology+" (cold)", *coldRuns, empty, coldEnv, root,
				cdk, "synth", "--no-notices", "--quiet", "-c", "topology="+topology, "--output", filepath.Join(tmp, "cold-"+topology))
		}
		add("go test ./... (cold)", *coldRuns, empty, coldEnv, root, "go", "test", "-count=1", "./...")
	}

	fmt.Println()
	fmt.Println("| measurement | median | runs | peak memory |")
	fmt.Println("|---|---:|---:|---:|")
	for _, r := range results {
		fmt.Printf("| %s | %s | %d | %d MB |\n", r.name, secs(r.median()), len(r.times), r.peakKB/1024)
	}
}

// hookRoundTrip runs the built coiled-hook against the fake Coiled.
func hookRoundTrip(results *[]result, tmp, root string, env []string) {
	if *only != "" && !strings.Contains("coiled-hook round trip", *only) {
		return
	}
	bin := filepath.Join(tmp, "coiled-hook")
	run(env, root, "go", "build", "-o", bin, "./bin/coiled-hook")
	srv := coiledtest.New(coiledtest.Options{Token: "bench-token", Workspaces: []coiledtest.Workspace{{Slug: "bench", Default: true}}})
	defer srv.Close()
	outputs := filepath.Join(tmp, "outputs.json")
	raw, _ := json.Marshal(map[string]map[string]string{"CoiledNetwork": {
		"NetworkId": "vpc-0123456789abcdef0", "SchedulerSubnetId": "subnet-0123456789abcdef0",
		"WorkerSubnetId": "subnet-0123456789abcdef1", "SchedulerFirewallId": "sg-0123456789abcdef0",
		"FirewallId": "sg-0123456789abcdef1", "GiveWorkersPublicIp": "false", "Region": "us-east-2",
		"Zone0": "us-east-2a,subnet-0123456789abcdef0,subnet-0123456789abcdef1",
	}})
	check(os.WriteFile(outputs, raw, 0o600))
	hookEnv := append(env, "DASK_COILED__SERVER="+srv.URL(), "DASK_COILED__TOKEN="+srv.Token(),
		"DASK_CONFIG="+tmp, "COILED_AWS_ACCESS_KEY_ID=AKIABENCH", "COILED_AWS_SECRET_ACCESS_KEY=bench-secret")
	r := result{name: "coiled-hook round trip (fake Coiled)"}
	for i := 0; i < *runs; i++ {
		// --no-check: this measures the Coiled round trip; the IDs above
		// exist in no EC2, so the network check would stop the send.
		d, kb := run(hookEnv, root, bin, "--outputs-file", outputs, "--no-check")
		r.times = append(r.times, d)
		r.peakKB = max(r.peakKB, kb)
	}
	if n := len(srv.Updates()); n != *runs {
		fail("the fake Coiled received %d updates for %d hook runs", n, *runs)
	}
	fmt.Printf("  %-44s %s\n", r.name, r.summary())
	*results = append(*results, r)
}

// run runs argv in dir and returns its wall time and peak RSS (KB); it
// stops the bench if the command fails.
func run(env []string, dir string, argv ...string) (time.Duration, int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env, cmd.Dir = env, dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		fail("%s: %v\n%s", strings.Join(argv, " "), err, out.String())
	}
	var kb int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		kb = ru.Maxrss // of the process or its largest waited-for descendant
	}
	return d, kb
}

// appCommand returns cdk.json's app as argv.
func appCommand(root string) []string {
	raw, err := os.ReadFile(filepath.Join(root, "cdk.json"))
	check(err)
	var c struct{ App string }
	check(json.Unmarshal(raw, &c))
	return []string{"sh", "-c", c.App}
}

func (r result) median() time.Duration {
	s := append([]time.Duration(nil), r.times...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (r result) summary() string {
	var all []string
	for _, t := range r.times {
		all = append(all, secs(t))
	}
	return fmt.Sprintf("median %s (runs: %s), peak %d MB", secs(r.median()), strings.Join(all, " "), r.peakKB/1024)
}

// secs formats d in seconds, or milliseconds below one second.
func secs(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func machine() string {
	out, _ := exec.Command("nproc").Output()
	return strings.TrimSpace(string(out)) + " cores"
}

func check(err error) {
	if err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(1)
}
