//go:build e2e

package e2e

// coiled-hook --verify end to end (issue 23): the sandbox verifies a cluster
// whose VMs the fake Coiled launches in the emulator, and the hook binary
// stops its cluster when it receives SIGTERM.

import (
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coilednet/coilednet/coiled/coiledtest"
)

// TestSandboxVerify runs the documented `scripts/deploy --local -- --verify`:
// the hook sends the network to the fake Coiled, which starts a cluster
// whose VMs run in moto, and the hook reports them with moto's instance IDs
// and stops them.
func TestSandboxVerify(t *testing.T) {
	requireTools(t)
	out, code := script(t, []string{"TMPDIR=" + t.TempDir()}, "scripts/deploy", "--local", "-c", "topology=private", "--", "--verify")
	if code != 0 {
		t.Fatalf("scripts/deploy --local -- --verify exited %d:\n%s", code, out)
	}
	for _, want := range []string{
		"Done: Coiled workspace acme now runs clusters in",
		"Verify: starting ONE small Coiled cluster in workspace acme",
		"rough cost",
		"Verified: cluster coilednet-verify-",
		"cleanup   cluster ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("sandbox output lacks %q:\n%s", want, out)
		}
	}
	// The instance IDs the hook found with DescribeInstances are those the
	// fake launched in the emulator, and they were terminated.
	launched := regexp.MustCompile(`fake Coiled: cluster coilednet-verify-[0-9a-f]{8}: (scheduler|worker) (i-[0-9a-f]+) launched in (subnet-[0-9a-f]+)`).FindAllStringSubmatch(out, -1)
	if len(launched) != 2 {
		t.Fatalf("the fake reported %d VMs launched in the emulator, want 2:\n%s", len(launched), out)
	}
	for _, m := range launched {
		if !regexp.MustCompile(`(?m)^  ` + m[1] + ` +private [0-9.]+, public .*: ` + m[2] + ` `).MatchString(out) {
			t.Errorf("the hook does not report the %s's instance %s:\n%s", m[1], m[2], out)
		}
		if !strings.Contains(out, "terminated "+m[2]) {
			t.Errorf("instance %s was not terminated:\n%s", m[2], out)
		}
	}
}

// TestVerifySIGTERM: SIGTERM (what CI runners send on cancel) while the
// cluster starts: the hook still DELETEs it and confirms it stopped.
func TestVerifySIGTERM(t *testing.T) {
	requireTools(t)
	srv := coiledtest.Start(t, coiledtest.Options{Token: "alice-e2e-token", Workspaces: []coiledtest.Workspace{{Slug: "acme", Default: true}}})
	srv.SetClusterFault(coiledtest.ClusterFault{Kind: coiledtest.ClusterStuckStarting})
	cmd := exec.Command(hookBin, "--verify-only")
	cmd.Env = []string{"HOME=" + t.TempDir(), "DASK_CONFIG=" + t.TempDir(), "DASK_COILED__SERVER=" + srv.URL(), "DASK_COILED__TOKEN=" + srv.Token(), "PATH=/usr/bin:/bin"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for len(srv.Clusters()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if len(srv.Clusters()) == 0 {
		_ = cmd.Process.Kill()
		t.Fatalf("no cluster started:\n%s", out.String())
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("the hook did not end after SIGTERM:\n%s", out.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(out.String(), "NOT verified (interrupted)") {
		t.Errorf("exit %d after SIGTERM, want 1 and an interrupted report:\n%s", code, out.String())
	}
	if live := srv.LiveClusters(); len(live) != 0 {
		t.Errorf("cluster left in state %s after SIGTERM:\n%s", live[0].State, out.String())
	}
	if strings.Contains(out.String(), coiledtest.FakeTLSKey) || strings.Contains(out.String(), srv.Token()) {
		t.Errorf("a secret was printed:\n%s", out.String())
	}
}
