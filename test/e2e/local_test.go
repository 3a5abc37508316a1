//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coilednet/coilednet/internal/motoserver"
)

// script runs a command from the module root with env added to a clean
// copy of this process's environment, and returns its combined output and
// exit code.
func script(t *testing.T, env []string, name string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String(), code
}

// TestSandbox runs the README's "see it work in a minute" command,
// scripts/deploy --local, and checks that it deployed to the emulator,
// configured the fake Coiled, and stopped what it started.
func TestSandbox(t *testing.T) {
	requireTools(t)
	tmp := t.TempDir()
	outputs := filepath.Join(t.TempDir(), "sandbox-outputs.json")
	out, code := script(t, []string{"TMPDIR=" + tmp, "COILEDNET_SANDBOX_OUTPUTS=" + outputs}, "scripts/deploy", "--local", "-c", "topology=private", "-c", "azs=2")
	if code != 0 {
		t.Fatalf("scripts/deploy --local exited %d:\n%s", code, out)
	}
	// The outputs file stays where the sandbox says it is (issue 19).
	if !strings.Contains(out, "Its outputs are kept in "+outputs) || !strings.Contains(out, "coiled-hook --outputs-file "+outputs) {
		t.Errorf("the sandbox does not say where its outputs file is:\n%s", out)
	}
	if raw, err := os.ReadFile(outputs); err != nil || !strings.Contains(string(raw), `"NetworkId"`) {
		t.Errorf("outputs file %s after the sandbox: %v %s", outputs, err, raw)
	}
	if !regexp.MustCompile(`Sandbox done in \d+ s`).MatchString(out) {
		t.Errorf("the sandbox does not say how long it took:\n%s", out)
	}
	for _, want := range []string{
		"sandbox: AWS emulator (moto_server) on http://localhost:",
		"will build:\n  VPC 10.0.0.0/16, private topology, in 2 AZs",
		"all 9 outputs the hook needs are in",
		"sandbox: coiled-hook --check",
		"Network check: ",
		"Done: Coiled workspace acme now runs clusters in",
		"worker public IPs  no (outbound through the NAT)",
		"fake Coiled: workspace acme now uses region us-east-1, network firewall_id=sg-",
		"Sandbox done",
		"scripts/deploy -c topology=private -c azs=2\n  scripts/coiled-hook --outputs-file cdk-outputs.json",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("sandbox output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, " fail ") || strings.Count(out, "Network check: ") != 2 {
		t.Errorf("the live network check (once alone, once before the send) did not pass twice:\n%s", out)
	}
	if strings.Count(out, "fixed monthly cost") != 1 || strings.Count(out, "will build:") != 1 {
		t.Errorf("summary or cost not printed exactly once:\n%s", out)
	}
	if strings.Contains(out, "sandbox-not-a-secret") {
		t.Errorf("the sandbox printed the AWS secret it gave the hook")
	}
	// Everything it started is gone: its work directory, and the emulator's port.
	if left, _ := filepath.Glob(filepath.Join(tmp, "coilednet-sandbox.*")); len(left) != 0 {
		t.Errorf("sandbox left %v behind", left)
	}
	if m := regexp.MustCompile(`moto_server\) on http://localhost:(\d+)`).FindStringSubmatch(out); m != nil {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+m[1], time.Second); err == nil {
			c.Close()
			t.Errorf("moto_server still listens on port %s after the sandbox", m[1])
		}
	}
}

// TestSandboxWithoutMoto: without moto_server the sandbox says exactly how
// to install it, and stops.
func TestSandboxWithoutMoto(t *testing.T) {
	requireTools(t)
	dir := t.TempDir()
	// A PATH with go, node and npm but no moto_server.
	for _, tool := range []string{"go", "node", "npm", "python3", "bash", "dirname", "sed", "find", "mkdir", "mv", "rm", "cat", "env"} {
		if p, err := exec.LookPath(tool); err == nil {
			_ = os.Symlink(p, filepath.Join(dir, tool))
		}
	}
	out, code := script(t, []string{"PATH=" + dir}, "scripts/deploy", "--local")
	if code == 0 || !strings.Contains(out, "pip install 'moto[server]'") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

// TestDeployArguments: scripted deploys get exact answers before anything
// is synthesized.
func TestDeployArguments(t *testing.T) {
	requireTools(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"topology=private"}, "did you mean -c topology=private ?"},
		{[]string{"--require-approval", "never"}, "CDK's own flags go after --"},
		{[]string{"-c"}, "-c needs key=value"},
		{[]string{"--topology=private"}, "did you mean -c topology=private ?"},
		{[]string{"--azs", "2"}, "did you mean -c azs=2 ?"},
		{[]string{"--", "--topology=private"}, "--topology is a coilednet option, not a CDK flag (CDK would ignore it): did you mean -c topology=private ?"},
		{[]string{"-c", "azs=2", "--", "--require-approval", "never", "--topology", "internal"}, "did you mean -c topology=internal ?"},
		{[]string{"-c", "azs=1", "-c", "topology=private", "-c", "azs=2"}, "-c azs is given twice ('1' and '2'): keep one"},
		{[]string{"--local", "-c", "azs=1", "-c", "azs=2"}, "-c azs is given twice"},
	} {
		out, code := script(t, nil, "scripts/deploy", tc.args...)
		if code != 2 || !strings.Contains(out, tc.want) {
			t.Errorf("scripts/deploy %v: exit %d, want 2 and %q:\n%s", tc.args, code, tc.want, out)
		}
	}
}

// TestDeployAdviceWorks runs what scripts/deploy's argument errors tell the
// user to type, and checks that it does what they wanted (issue 19):
// --topology=private becomes -c topology=private, which synthesizes a
// private network; a CDK flag moved after -- is accepted.
func TestDeployAdviceWorks(t *testing.T) {
	requireTools(t)
	noCreds := []string{"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_PROFILE=", "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true"}
	advice := func(args ...string) []string {
		out, code := script(t, nil, "scripts/deploy", args...)
		m := regexp.MustCompile(`(?:did you mean|e\.g\.) scripts/deploy (.*?)(?: \?)?$|did you mean (-c \S+) \?`).FindStringSubmatch(strings.TrimSpace(out))
		if code != 2 || m == nil {
			t.Fatalf("scripts/deploy %v: exit %d, no advice:\n%s", args, code, out)
		}
		if m[2] != "" {
			return strings.Fields(m[2])
		}
		return strings.Fields(m[1])
	}
	args := advice("--topology=private")
	out, code := script(t, noCreds, "scripts/deploy", args...)
	if code != 0 || !strings.Contains(out, "private topology") {
		t.Errorf("scripts/deploy %v (as advised): exit %d, want a private network:\n%s", args, code, out)
	}
	args = advice("--require-approval", "never")
	if out, code := script(t, noCreds, "scripts/deploy", args...); code != 0 || !strings.Contains(out, "Synthesized into cdk.out/") {
		t.Errorf("scripts/deploy %v (as advised): exit %d:\n%s", args, code, out)
	}
	// A synth that fails leaves no template of the previous one behind.
	if out, code := script(t, noCreds, "scripts/deploy", "-c", "topology=hybrid"); code == 0 {
		t.Fatalf("a bad topology synthesized:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(root, "cdk.out", "CoiledNetwork.template.json")); err == nil {
		t.Error("cdk.out/CoiledNetwork.template.json is still there after a failed synth")
	}
}

// TestCLIMessages runs, through the real CDK CLI and cdk.json's app, what
// the messages tell users: an option error is reported once, without the
// "exit status 1" / "Subprocess exited" lines; a warning's
// -c acknowledgeWarnings=ID silences it; an unknown key is named.
func TestCLIMessages(t *testing.T) {
	requireTools(t)
	synth := func(args ...string) (string, int) {
		return script(t, []string{"CDK_DISABLE_VERSION_CHECK=true", "CDK_DISABLE_CLI_TELEMETRY=true",
			"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20"},
			cdkCLI, append([]string{"synth", "--no-notices", "--quiet", "--output", t.TempDir()}, args...)...)
	}
	out, code := synth("-c", "topology=hybrid")
	if code == 0 || !strings.Contains(out, `context key "topology": "hybrid" is not a topology`) {
		t.Errorf("bad option: exit %d:\n%s", code, out)
	}
	for _, noise := range []string{"exit status", "Subprocess exited", "program.js"} {
		if strings.Contains(out, noise) {
			t.Errorf("bad option output has %q:\n%s", noise, out)
		}
	}

	out, code = synth()
	m := regexp.MustCompile(`-c (acknowledgeWarnings=\w+)\)`).FindStringSubmatch(out)
	if code != 0 || m == nil || strings.Count(out, "fixed monthly cost") != 1 {
		t.Fatalf("default synth: exit %d, no acknowledgeWarnings hint or cost not once:\n%s", code, out)
	}
	// What the CDK CLI prints under the warning works as the ID too.
	ack := regexp.MustCompile(`Acknowledge with '(\S+)'`).FindStringSubmatch(out)
	out, code = synth("-c", m[1])
	if code != 0 || strings.Contains(out, "are open to the whole internet") || strings.Contains(out, "WARNING") {
		t.Errorf("synth -c %s: exit %d, the warning is still printed:\n%s", m[1], code, out)
	}
	if ack == nil {
		t.Errorf("no \"Acknowledge with\" line under the warning (if the CLI no longer prints it, drop this check)")
	} else {
		out, code = synth("-c", "acknowledgeWarnings="+ack[1])
		if code != 0 || strings.Contains(out, "are open to the whole internet") || strings.Contains(out, "WARNING") {
			t.Errorf("synth -c acknowledgeWarnings=%s (as the CLI says): exit %d, the warning is still printed:\n%s", ack[1], code, out)
		}
	}

	out, code = synth("-c", "region=us-west-2", "-c", "ports=443")
	if code != 0 || !strings.Contains(out, `context key "region" is not a coilednet option`) ||
		!strings.Contains(out, "AWS_REGION") || !strings.Contains(out, `did you mean "schedulerPorts"?`) {
		t.Errorf("unknown keys: exit %d:\n%s", code, out)
	}
}

// TestHookExitStatus: scripts/coiled-hook passes the hook's exit status 2
// (bad usage) through, which go run would turn into 1.
func TestHookExitStatus(t *testing.T) {
	requireTools(t)
	out, code := script(t, nil, "scripts/coiled-hook")
	if code != 2 || strings.Contains(out, "exit status") {
		t.Errorf("scripts/coiled-hook without flags: exit %d, want 2:\n%s", code, out)
	}
}

// TestSandboxInterrupted: Ctrl-C (SIGINT to the process group, as a
// terminal sends it) during the deploy stops the emulator and removes the
// sandbox's files.
func TestSandboxInterrupted(t *testing.T) {
	requireTools(t)
	tmp := t.TempDir()
	cmd := exec.Command("scripts/deploy", "--local")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	var out bytes.Buffer
	port := ""
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if m := regexp.MustCompile(`moto_server\) on http://localhost:(\d+)`).FindStringSubmatch(sc.Text()); m != nil {
			port = m[1]
		}
		if strings.HasPrefix(sc.Text(), "sandbox: cdk bootstrap") {
			time.Sleep(2 * time.Second) // inside cdk bootstrap
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		}
	}
	err = cmd.Wait()
	if err == nil || port == "" {
		t.Fatalf("interrupted sandbox: %v, port %q:\n%s", err, port, out.String())
	}
	if !strings.Contains(out.String(), "everything it started is stopped") {
		t.Errorf("no cleanup message:\n%s", out.String())
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second); err == nil {
		c.Close()
		t.Errorf("moto_server still listens on %s after Ctrl-C", port)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "coilednet-sandbox.*")); len(left) != 0 {
		t.Errorf("sandbox left %v behind", left)
	}
}

// TestDeployIsHonest runs scripts/deploy's real path (credentials found, so
// bootstrap, deploy and the outputs check) against moto_server: a
// change-set deploy, which moto finishes without outputs, must not say
// "Deployed" (issue 14); the same deploy with --method=direct passed after
// -- must. It moves a cdk-outputs.json and cdk.out of the checkout aside
// and puts them back.
func TestDeployIsHonest(t *testing.T) {
	requireTools(t)
	for _, name := range []string{"cdk-outputs.json", "cdk.out"} {
		p := filepath.Join(root, name)
		if _, err := os.Stat(p); err == nil {
			aside := p + ".e2e-aside"
			if err := os.Rename(p, aside); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(p); os.Rename(aside, p) })
		} else {
			t.Cleanup(func() { os.RemoveAll(p) })
		}
	}
	emulator := func() []string {
		return append(motoserver.EnvList(motoserver.Start(t)), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
			"AWS_PROFILE=", "AWS_DEFAULT_PROFILE=")
	}
	env := emulator()
	ctx := []string{"-c", "restrictDefaultSecurityGroup=false", "-c", "acknowledgeWarnings=schedulerOpenToInternet"}

	out, code := script(t, env, "scripts/deploy", append(ctx, "--", "--require-approval", "never")...)
	if code != 1 || strings.Contains(out, "Deployed.") || !strings.Contains(out, "the deploy did not leave what coiled-hook needs") {
		t.Errorf("change-set deploy on moto: exit %d, want 1 and no \"Deployed.\":\n%s", code, out)
	}
	if strings.Count(out, "fixed monthly cost") != 1 {
		t.Errorf("cost not printed exactly once per deploy:\n%s", out)
	}

	// A fresh emulator: the change-set stack above has no outputs for good.
	// The region as the warning about -c region=… says to choose it:
	// AWS_REGION=us-west-2 scripts/deploy. (The AZ is named: moto resolves
	// Fn::GetAZs to us-east-1's zones in every region, which the outputs
	// check rightly rejects.)
	out, code = script(t, append(emulator(), "AWS_REGION=us-west-2", "AWS_DEFAULT_REGION=us-west-2"), "scripts/deploy",
		append(ctx, "-c", "availabilityZones=us-west-2a", "--", "--require-approval", "never", "--method=direct")...)
	if code != 0 || !strings.Contains(out, "Deployed. Hand the network to Coiled") ||
		!regexp.MustCompile(`stack CoiledNetwork: network vpc-\w+ in us-west-2`).MatchString(out) {
		t.Errorf("direct deploy on moto: exit %d, want 0 and \"Deployed.\":\n%s", code, out)
	}
}

// TestSandboxZones: zones of another region are rejected before anything
// starts, with advice that works: the advised zones go through the sandbox.
func TestSandboxZones(t *testing.T) {
	requireTools(t)
	out, code := script(t, []string{"TMPDIR=" + t.TempDir()}, "scripts/deploy", "--local", "-c", "availabilityZones=us-west-2a,us-west-2b", "-c", "azs=2")
	m := regexp.MustCompile(`e\.g\. (-c availabilityZones=\S+)`).FindStringSubmatch(out)
	if code != 2 || m == nil || strings.Contains(out, "moto_server") {
		t.Fatalf("us-west-2 zones in the sandbox: exit %d, want 2 before the emulator starts, with advice:\n%s", code, out)
	}
	args := append([]string{"--local"}, strings.Fields(m[1])...)
	args = append(args, "-c", "azs=2")
	out, code = script(t, []string{"TMPDIR=" + t.TempDir(), "COILEDNET_SANDBOX_OUTPUTS=" + filepath.Join(t.TempDir(), "o.json")}, "scripts/deploy", args...)
	if code != 0 || !strings.Contains(out, "Sandbox done") || !strings.Contains(out, "us-east-1b,") {
		t.Errorf("scripts/deploy %v (as advised): exit %d:\n%s", args, code, out)
	}
}
