package hook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coilednet/coilednet/coiled/coiledtest"
)

const (
	workspaceRole = "arn:aws:iam::111122223333:role/coiled-acme"
	stackRole     = "arn:aws:iam::111122223333:role/CoilednetStack-CoiledRole-1AB2C3"
	stackExtID    = "coiledtest-acme-issued"
)

func roleBackendOptions(role string) map[string]any {
	bo := coiledtest.DefaultBackendOptions()
	bo["options"].(map[string]any)["account_role"] = role
	return bo
}

func withoutKeys(h *harness) *harness {
	delete(h.env, "COILED_AWS_ACCESS_KEY_ID")
	delete(h.env, "COILED_AWS_SECRET_ACCESS_KEY")
	return h
}

func roleStackOutputs() map[string]string {
	o := privateOutputs()
	o["CoiledRoleArn"] = stackRole
	o["CoiledExternalId"] = stackExtID
	o["InstanceRoleArn"] = "arn:aws:iam::111122223333:role/coiled-acme"
	o["InstanceProfileArn"] = "arn:aws:iam::111122223333:instance-profile/coiled-acme"
	o["LogGroupName"] = "acme"
	return o
}

// routes lists the routes of the requests the fake received, in order.
func routes(srv *coiledtest.Server) string {
	var out []string
	for _, r := range srv.Requests() {
		out = append(out, string(r.Route))
	}
	return strings.Join(out, ",")
}

// assertNothingChanged checks that no update and no role POST reached the
// fake and that the workspace's settings are still initial.
func assertNothingChanged(t *testing.T, h *harness, initial map[string]any) {
	t.Helper()
	if n := h.srv.WebsocketConnections(); n != 0 {
		t.Errorf("%d websocket connections", n)
	}
	for _, r := range h.srv.Requests() {
		if r.Method != "GET" {
			t.Errorf("%s %s sent", r.Method, r.Path)
		}
	}
	if len(h.srv.RoleCompletions()) != 0 {
		t.Error("role setup completed")
	}
	if got := h.srv.BackendOptions("acme"); !reflect.DeepEqual(got, normalizeJSON(t, initial)) {
		t.Errorf("workspace changed: %v", got)
	}
}

func hasCredentials(d map[string]any) bool {
	_, o := dig(d, "options").(map[string]any)["credentials"]
	_, r := dig(d, "registry").(map[string]any)["credentials"]
	return o || r
}

func TestWorkspaceRoleIsKeptWithoutKeys(t *testing.T) {
	t.Parallel()
	h := withoutKeys(newHarness(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme", Default: true, BackendOptions: roleBackendOptions(workspaceRole)}}}))
	res := h.run(h.outputsFlag(privateOutputs())...)
	expect(t, res, ExitOK, "Done: Coiled workspace acme", "Coiled acts as      role "+workspaceRole+" (the workspace's own, kept)")
	if strings.Contains(res.stderr, "warning") {
		t.Errorf("warned:\n%s", res.stderr)
	}
	d := onlyUpdate(t, h.srv).Data
	if got := dig(d, "options", "account_role"); got != workspaceRole {
		t.Errorf("account_role sent %v", got)
	}
	if hasCredentials(d) {
		t.Errorf("credentials sent with the role: %v", d)
	}
	if got := dig(h.srv.BackendOptions("acme"), "options", "account_role"); got != workspaceRole {
		t.Errorf("stored role %v", got)
	}
	if got := routes(h.srv); got != "me,memberships,backend_options,websocket,backend_options" {
		t.Errorf("requests %s", got)
	}
}

func TestKeysOverWorkspaceRole(t *testing.T) {
	t.Parallel()
	ws := func() []coiledtest.Workspace {
		return []coiledtest.Workspace{{Slug: "acme", Default: true, BackendOptions: roleBackendOptions(workspaceRole)}}
	}
	t.Run("refused without the flag, nothing sent", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{Workspaces: ws()})
		res := h.run(h.outputsFlag(privateOutputs())...)
		expect(t, res, ExitUsage, "workspace acme uses cross-account role "+workspaceRole,
			"would replace the role with long-lived keys", "nothing was sent",
			"unset COILED_AWS_ACCESS_KEY_ID and COILED_AWS_SECRET_ACCESS_KEY", "--replace-role-with-keys")
		assertNothingChanged(t, h, roleBackendOptions(workspaceRole))
	})
	t.Run("dry run refuses too", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{Workspaces: ws()})
		expect(t, h.run(append(h.outputsFlag(privateOutputs()), "--dry-run")...), ExitUsage, "--replace-role-with-keys")
		assertNothingChanged(t, h, roleBackendOptions(workspaceRole))
	})
	t.Run("replaced with --replace-role-with-keys, with a warning", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{Workspaces: ws()})
		res := h.run(append(h.outputsFlag(privateOutputs()), "--replace-role-with-keys")...)
		expect(t, res, ExitOK, "warning: account_role: the workspace used role "+workspaceRole+"; replaced by the access keys sent",
			"Coiled acts as      access key ****************MPLE (from COILED_AWS_ACCESS_KEY_ID and COILED_AWS_SECRET_ACCESS_KEY)")
		d := onlyUpdate(t, h.srv).Data
		if dig(d, "options", "account_role") != "" || dig(d, "options", "credentials", "aws_access_key") != awsKeyID {
			t.Errorf("payload %v", dig(d, "options"))
		}
		if got := dig(h.srv.BackendOptions("acme"), "options", "account_role"); got != "" {
			t.Errorf("stored role %v", got)
		}
	})
}

func TestNoIdentityAtAll(t *testing.T) {
	t.Parallel()
	h := withoutKeys(newHarness(t, coiledtest.Options{}))
	res := h.run(h.outputsFlag(publicOutputs())...)
	expect(t, res, ExitUsage, "no AWS identity for Coiled", "account_role is empty", "-c coiledAccess=role", "COILED_AWS_ACCESS_KEY_ID and COILED_AWS_SECRET_ACCESS_KEY are not set")
	assertNothingChanged(t, h, coiledtest.DefaultBackendOptions())
}

func newRoleHarness(t *testing.T, bo map[string]any) *harness {
	h := withoutKeys(newHarness(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme", Default: true, BackendOptions: bo}}}))
	h.srv.IssueRoleSetup("acme", stackExtID)
	return h
}

func TestRoleStack(t *testing.T) {
	t.Parallel()
	t.Run("check polled with backoff, complete, update, read back", func(t *testing.T) {
		t.Parallel()
		h := newRoleHarness(t, nil)
		h.srv.SetRoleFault(coiledtest.RoleFault{ReadyAfter: 3})
		res := h.run(h.outputsFlag(roleStackOutputs())...)
		expect(t, res, ExitOK, "Checking that Coiled can assume role "+stackRole+" (external ID "+stackExtID+")",
			"role setup completed (default region us-east-2)", "Done: Coiled workspace acme",
			"Coiled acts as      role "+stackRole+" (this stack's)")
		if strings.Contains(res.stderr, "warning") {
			t.Errorf("warned:\n%s", res.stderr)
		}
		if got, want := h.sleepLog(), []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}; !reflect.DeepEqual(got, want) {
			t.Errorf("waits between checks %v, want %v", got, want)
		}
		if got := routes(h.srv); got != "me,memberships,backend_options,check-role-assumption,check-role-assumption,check-role-assumption,check-role-assumption,complete-role-assumption-setup,websocket,backend_options" {
			t.Errorf("requests %s", got)
		}
		c := h.srv.RoleCompletions()
		if len(c) != 1 || c[0] != (coiledtest.RoleCompletion{Workspace: "acme", ExternalID: stackExtID, RoleARN: stackRole, CredsSource: "coilednet", DefaultRegion: "us-east-2"}) {
			t.Errorf("completions %+v", c)
		}
		d := onlyUpdate(t, h.srv).Data
		if dig(d, "options", "account_role") != stackRole || hasCredentials(d) {
			t.Errorf("payload options %v registry %v", dig(d, "options"), dig(d, "registry"))
		}
		if got := dig(h.srv.BackendOptions("acme"), "options", "account_role"); got != stackRole {
			t.Errorf("stored role %v", got)
		}
	})
	t.Run("replacing another role of the workspace warns", func(t *testing.T) {
		t.Parallel()
		h := newRoleHarness(t, roleBackendOptions(workspaceRole))
		expect(t, h.run(h.outputsFlag(roleStackOutputs())...), ExitOK, "warning: account_role: the workspace used role "+workspaceRole+"; replaced by the stack's role "+stackRole)
	})
	t.Run("second run changes nothing", func(t *testing.T) {
		t.Parallel()
		h := newRoleHarness(t, nil)
		args := h.outputsFlag(roleStackOutputs())
		expect(t, h.run(args...), ExitOK)
		first := h.srv.BackendOptions("acme")
		res := h.run(args...)
		expect(t, res, ExitOK)
		if strings.Contains(res.stderr, "warning") {
			t.Errorf("second run warned:\n%s", res.stderr)
		}
		if !reflect.DeepEqual(first, h.srv.BackendOptions("acme")) {
			t.Error("second run changed the settings")
		}
	})
	t.Run("never ready: bounded by --timeout, nothing sent", func(t *testing.T) {
		t.Parallel()
		h := newRoleHarness(t, nil)
		h.srv.SetRoleFault(coiledtest.RoleFault{NeverReady: true})
		res := h.run(append(h.outputsFlag(roleStackOutputs()), "--timeout", "30s")...)
		expect(t, res, ExitFailed, "Coiled could not assume role "+stackRole+" within 30s (--timeout; 6 checks)",
			"sts:ExternalId "+stackExtID, "rerun the hook", "Workspace acme was not changed")
		if got, want := h.sleepLog(), []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second}; !reflect.DeepEqual(got, want) {
			t.Errorf("waits %v, want %v", got, want)
		}
		if h.srv.RoleChecks("acme") != 6 || h.srv.WebsocketConnections() != 0 || len(h.srv.RoleCompletions()) != 0 {
			t.Errorf("checks %d, websockets %d", h.srv.RoleChecks("acme"), h.srv.WebsocketConnections())
		}
	})
	t.Run("a check that hangs past --timeout", func(t *testing.T) {
		t.Parallel()
		h := newRoleHarness(t, nil)
		h.srv.FailNext(coiledtest.RouteCheckRole, 1, coiledtest.FailHang)
		res := h.run(append(h.outputsFlag(roleStackOutputs()), "--timeout", "300ms")...)
		expect(t, res, ExitFailed, "timed out after 300ms (--timeout) while checking that Coiled can assume the stack's role")
		if h.srv.WebsocketConnections() != 0 {
			t.Error("update sent")
		}
	})
	t.Run("transient 5xx on check and complete are retried", func(t *testing.T) {
		t.Parallel()
		h := newRoleHarness(t, nil)
		h.srv.FailNext(coiledtest.RouteCheckRole, 1, coiledtest.Fail500)
		h.srv.FailNext(coiledtest.RouteCompleteRole, 1, coiledtest.Fail409Retry)
		expect(t, h.run(h.outputsFlag(roleStackOutputs())...), ExitOK)
		if len(h.srv.RoleCompletions()) != 1 {
			t.Error("not completed")
		}
	})
	t.Run("token rejected during the role setup", func(t *testing.T) {
		t.Parallel()
		h := newRoleHarness(t, nil)
		h.srv.SetRoleFault(coiledtest.RoleFault{CompleteStatus: 403, CompleteMessage: "You do not have permission"})
		res := h.run(h.outputsFlag(roleStackOutputs())...)
		expect(t, res, ExitFailed, "token rejected by Coiled", "HTTP 403", "allowed to edit workspace acme")
	})
	t.Run("4xx on complete: exit 1 with the web UI values, no update", func(t *testing.T) {
		t.Parallel()
		h := newRoleHarness(t, nil)
		h.srv.SetRoleFault(coiledtest.RoleFault{CompleteStatus: 400, CompleteMessage: "role cannot be used for this workspace"})
		res := h.run(h.outputsFlag(roleStackOutputs())...)
		expect(t, res, ExitFailed, "Coiled refused to complete the role setup for workspace acme", "HTTP 400", "role cannot be used for this workspace",
			"Infrastructure → Cloud Provider", "role ARN            "+stackRole, "external ID         "+stackExtID, "VPC                 vpc-0priv5678",
			"worker subnet       subnet-0a2", "worker public IPs   false")
		if h.srv.WebsocketConnections() != 0 {
			t.Error("update sent after a failed completion")
		}
	})
	t.Run("role not stored: read-back fails with the web UI values", func(t *testing.T) {
		t.Parallel()
		h := newRoleHarness(t, nil)
		h.srv.SetRoleFault(coiledtest.RoleFault{NotStored: true})
		res := h.run(h.outputsFlag(roleStackOutputs())...)
		expect(t, res, ExitFailed, "do not show the role and network sent", `options.account_role is "", sent "`+stackRole+`"`,
			"workspace acme → Infrastructure → Cloud Provider", "role ARN            "+stackRole, "scheduler group     sg-0sched")
	})
	t.Run("external ID Coiled never issued", func(t *testing.T) {
		t.Parallel()
		h := withoutKeys(newHarness(t, coiledtest.Options{}))
		res := h.run(h.outputsFlag(roleStackOutputs())...)
		expect(t, res, ExitFailed, "check-role-assumption", "HTTP 400", "external_id was not issued")
		if h.srv.WebsocketConnections() != 0 {
			t.Error("update sent")
		}
	})
	t.Run("keys set with a role stack: refused before any request", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		res := h.run(h.outputsFlag(roleStackOutputs())...)
		expect(t, res, ExitUsage, "created role "+stackRole, "unset them", "--replace-role-with-keys")
		if n := len(h.srv.Requests()); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	})
	t.Run("keys set with a role stack and the flag: the keys are sent", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		expect(t, h.run(append(h.outputsFlag(roleStackOutputs()), "--replace-role-with-keys")...), ExitOK)
		d := onlyUpdate(t, h.srv).Data
		if dig(d, "options", "account_role") != "" || dig(d, "options", "credentials", "aws_secret_key") != awsSecret {
			t.Errorf("payload %v", dig(d, "options", "account_role"))
		}
		if len(h.srv.RoleCompletions()) != 0 {
			t.Error("role setup completed although keys were sent")
		}
	})
	t.Run("dry run: no role call, no update", func(t *testing.T) {
		t.Parallel()
		h := newRoleHarness(t, nil)
		res := h.run(append(h.outputsFlag(roleStackOutputs()), "--dry-run")...)
		expect(t, res, ExitOK, "Coiled would act as role "+stackRole, "would call check-role-assumption for role "+stackRole+" with external ID "+stackExtID,
			`"account_role": "`+stackRole+`"`, "No equivalent: coiled.set_backend_options", "nothing was sent")
		if strings.Contains(res.stdout, `"credentials"`) {
			t.Errorf("dry run shows credentials in role mode:\n%s", res.stdout)
		}
		assertNothingChanged(t, h, coiledtest.DefaultBackendOptions())
	})
	t.Run("malformed role output", func(t *testing.T) {
		t.Parallel()
		h := withoutKeys(newHarness(t, coiledtest.Options{}))
		o := roleStackOutputs()
		o["CoiledRoleArn"] = "arn:aws:iam::111122223333:user/coiled"
		delete(o, "CoiledExternalId")
		expect(t, h.run(h.outputsFlag(o)...), ExitUsage, "CoiledRoleArn", "is not an IAM role ARN", "CoiledExternalId is missing")
		if n := len(h.srv.Requests()); n != 0 {
			t.Errorf("%d requests", n)
		}
	})
}

func TestStartRoleSetup(t *testing.T) {
	t.Parallel()
	parse := func(t *testing.T, stdout string) (principal, ext string) {
		t.Helper()
		lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "coiledPrincipal=") || !strings.HasPrefix(lines[1], "coiledExternalId=") {
			t.Fatalf("stdout is not the two context lines:\n%s", stdout)
		}
		return strings.TrimPrefix(lines[0], "coiledPrincipal="), strings.TrimPrefix(lines[1], "coiledExternalId=")
	}
	t.Run("first call asks Coiled, later calls reuse the file", func(t *testing.T) {
		t.Parallel()
		h := withoutKeys(newHarness(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme", Default: true}, {Slug: "beta"}}}))
		file := filepath.Join(h.dir, "state", "role-setup.json")
		res := h.run("--start-role-setup", "--workspace", "acme", "--role-setup-file", file)
		expect(t, res, ExitOK, "the role must trust principal "+coiledtest.DefaultRolePrincipal)
		p, ext := parse(t, res.stdout)
		if p != coiledtest.DefaultRolePrincipal || ext == "" || !reflect.DeepEqual(h.srv.IssuedExternalIDs("acme"), []string{ext}) {
			t.Errorf("principal %q external ID %q issued %v", p, ext, h.srv.IssuedExternalIDs("acme"))
		}
		st, err := os.Stat(file)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("file %v %v", st, err)
		}
		// A redeploy: same values, Coiled not called.
		before := len(h.srv.Requests())
		res = h.run("--start-role-setup", "--workspace", "acme", "--role-setup-file", file)
		expect(t, res, ExitOK, "reusing the role setup of workspace acme")
		if p2, ext2 := parse(t, res.stdout); p2 != p || ext2 != ext {
			t.Errorf("redeploy got %s %s, want %s %s", p2, ext2, p, ext)
		}
		if n := len(h.srv.Requests()); n != before {
			t.Errorf("reuse called Coiled: %s", routes(h.srv))
		}
		// The default workspace, resolved through Coiled, reuses it too.
		res = h.run("--start-role-setup", "--role-setup-file", file)
		expect(t, res, ExitOK, "reusing the role setup of workspace acme (the default workspace")
		if _, ext3 := parse(t, res.stdout); ext3 != ext || len(h.srv.IssuedExternalIDs("acme")) != 1 {
			t.Errorf("default workspace got a new external ID")
		}
		// Another workspace gets its own entry; acme's stays.
		res = h.run("--start-role-setup", "--workspace", "beta", "--role-setup-file", file)
		expect(t, res, ExitOK)
		if _, extB := parse(t, res.stdout); extB == ext {
			t.Error("beta got acme's external ID")
		}
		var f RoleSetupFile
		data, _ := os.ReadFile(file)
		if err := json.Unmarshal(data, &f); err != nil || len(f.Setups) != 2 || f.Setups[0].ExternalID != ext || f.Setups[0].Server != h.srv.URL() {
			t.Errorf("file %s (%v)", data, err)
		}
	})
	t.Run("damaged file", func(t *testing.T) {
		t.Parallel()
		h := withoutKeys(newHarness(t, coiledtest.Options{}))
		file := h.writeFile("rs.json", []byte("{not json"))
		expect(t, h.run("--start-role-setup", "--workspace", "acme", "--role-setup-file", file), ExitUsage, "is not a role setup file", "fix or delete it")
		if n := len(h.srv.Requests()); n != 0 {
			t.Errorf("%d requests", n)
		}
	})
	t.Run("Coiled refuses", func(t *testing.T) {
		t.Parallel()
		h := withoutKeys(newHarness(t, coiledtest.Options{}))
		h.srv.FailNext(coiledtest.RouteStartRole, 10, coiledtest.Fail500)
		file := filepath.Join(h.dir, "rs.json")
		expect(t, h.run("--start-role-setup", "--workspace", "acme", "--role-setup-file", file), ExitFailed, "HTTP 500")
		if _, err := os.Stat(file); err == nil {
			t.Error("file written after a failure")
		}
	})
	t.Run("unknown workspace", func(t *testing.T) {
		t.Parallel()
		h := withoutKeys(newHarness(t, coiledtest.Options{}))
		expect(t, h.run("--start-role-setup", "--workspace", "nope", "--role-setup-file", filepath.Join(h.dir, "rs.json")), ExitFailed,
			`workspace "nope" not found`, "workspaces this token can use: acme")
	})
}
