package network

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fakeTools writes stand-ins for the commands the NAT script calls into a
// directory: each logs its arguments; dnf fails dnfFailures times; iptables
// and sysctl keep state in files, as the kernel would.
func fakeTools(t *testing.T, dnfFailures int, breakForwarding bool) (dir, log string) {
	t.Helper()
	dir = t.TempDir()
	log = filepath.Join(dir, "calls.log")
	state := filepath.Join(dir, "state")
	forwarding := "1"
	if breakForwarding {
		forwarding = "0"
	}
	tools := map[string]string{
		"rpm":       `[ -f "$STATE.installed" ]`,
		"dnf":       `n=$(cat "$STATE.dnf" 2>/dev/null || echo 0); echo $((n+1)) > "$STATE.dnf"; [ "$n" -ge ` + strconv.Itoa(dnfFailures) + ` ] && touch "$STATE.installed"`,
		"systemctl": `exit 0`,
		"sleep":     `exit 0`,
		"logger":    `exit 0`,
		"sysctl":    `[ "$1" = -n ] && echo ` + forwarding + `; exit 0`,
		"ip":        `echo "default via 10.0.0.1 dev ens5 proto dhcp src 10.0.0.5 metric 512"`,
		"iptables": `case "$*" in
  "-t nat -C POSTROUTING -o ens5 -j MASQUERADE") [ -f "$STATE.masq" ] ;;
  "-t nat -A POSTROUTING -o ens5 -j MASQUERADE") touch "$STATE.masq" ;;
  "-S FORWARD") echo "-P FORWARD ACCEPT" ;;
  *) exit 0 ;;
esac`,
		"service": `[ -f "$STATE.masq" ] && echo "-A POSTROUTING -o ens5 -j MASQUERADE" > "$SAVED"`,
	}
	for name, body := range tools {
		script := "#!/bin/bash\necho \"" + name + " $*\" >> \"$CALLS\"\n" + body + "\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("STATE", state)
	return dir, log
}

func runNatScript(t *testing.T, dir, log string) (string, string, error) {
	t.Helper()
	script := filepath.Join(dir, "coilednet-nat.sh")
	if err := os.WriteFile(script, []byte(natSetupScript), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/bash", script)
	cmd.Env = append(os.Environ(), "PATH="+dir+":/usr/bin:/bin", "CALLS="+log, "SAVED="+filepath.Join(dir, "saved"),
		"COILEDNET_NAT_SYSCTL="+filepath.Join(dir, "sysctl.conf"), "COILEDNET_NAT_SAVED="+filepath.Join(dir, "saved"),
		"COILEDNET_NAT_CONSOLE="+filepath.Join(dir, "console"))
	out, err := cmd.CombinedOutput()
	calls, _ := os.ReadFile(log)
	return string(out), string(calls), err
}

func TestNatScriptRetriesAndProves(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	// Two failed installs, then success: retried, configured, proved.
	dir, log := fakeTools(t, 2, false)
	out, calls, err := runNatScript(t, dir, log)
	if err != nil || !strings.Contains(out, "ready: IPv4 forwarding on, MASQUERADE on ens5") ||
		strings.Count(calls, "dnf install -y iptables-services") != 3 || strings.Contains(calls, "poweroff") ||
		!strings.Contains(out, "attempt 2 of 8") {
		t.Errorf("retry: err %v\noutput:\n%s\ncalls:\n%s", err, out, calls)
	}
	// Already installed (the next boot): no install, same proof.
	out, calls, err = runNatScript(t, dir, log)
	if err != nil || !strings.Contains(out, "ready:") || strings.Count(calls, "dnf install") != 3 {
		t.Errorf("rerun: err %v\n%s", err, out)
	}

	// Never installs: gives up loudly and powers off.
	dir, log = fakeTools(t, 9, false)
	out, calls, err = runNatScript(t, dir, log)
	if err == nil || strings.Count(calls, "dnf install") != 8 || !strings.Contains(calls, "systemctl poweroff") ||
		!strings.Contains(out, "FAILED: iptables-services could not be installed in 8 attempts") {
		t.Errorf("give up: err %v\noutput:\n%s\ncalls:\n%s", err, out, calls)
	}
	if console, _ := os.ReadFile(filepath.Join(dir, "console")); !strings.Contains(string(console), "powers off") {
		t.Errorf("the console does not say why: %q", console)
	}

	// Installed, but forwarding does not come on: not "ready".
	dir, log = fakeTools(t, 0, true)
	out, calls, err = runNatScript(t, dir, log)
	if err == nil || !strings.Contains(out, "FAILED: IPv4 forwarding is off") || !strings.Contains(calls, "systemctl poweroff") {
		t.Errorf("forwarding off: err %v\n%s", err, out)
	}
}
