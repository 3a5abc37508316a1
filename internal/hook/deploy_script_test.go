package hook

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/internal/motoserver"
)

// TestDeployScriptRoleSetup runs scripts/role-setup.sh's role_setup_args
// (the pre-deploy block of scripts/deploy) against the fake Coiled: the
// first deploy gets the principal and external ID, a redeploy gets the same
// ones without a new start-role-assumption-setup call.
func TestDeployScriptRoleSetup(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	srv := coiledtest.Start(t, coiledtest.Options{Token: tokenDash, Workspaces: []coiledtest.Workspace{{Slug: "acme", Default: true}}})
	dir := t.TempDir()
	stateFile := filepath.Join(dir, "role-setup.json")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var extraEnv []string
	run := func(t *testing.T, args ...string) (string, string, int) {
		t.Helper()
		script := `set -euo pipefail; root=$PWD; . scripts/build.sh; . scripts/role-setup.sh; role_setup_args "$@"; printf '%s\n' ${ROLE_SETUP_ARGS[@]+"${ROLE_SETUP_ARGS[@]}"}`
		cmd := exec.Command("bash", append([]string{"-c", script, "deploy"}, args...)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(),
			"DASK_COILED__SERVER="+srv.URL(), "DASK_COILED__TOKEN="+tokenDash, "DASK_CONFIG="+dir,
			"DASK_COILED__WORKSPACE=", "COILEDNET_ROLE_SETUP_FILE="+stateFile,
			// No AWS credentials unless a subtest adds moto's: skip the
			// instance-metadata lookup of the default chain.
			"AWS_EC2_METADATA_DISABLED=true", "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_PROFILE=",
			"AWS_CONFIG_FILE="+filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"))
		cmd.Env = append(cmd.Env, extraEnv...)
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		assertNoSecrets(t, out.String()+errb.String(), tokenDash)
		return out.String(), errb.String(), code
	}
	contextArgs := func(out string) []string {
		var got []string
		for _, l := range strings.Split(out, "\n") {
			if l == "-c" || strings.HasPrefix(l, "coiledPrincipal=") || strings.HasPrefix(l, "coiledExternalId=") {
				got = append(got, l)
			}
		}
		return got
	}

	out, errOut, code := run(t, "-c", "coiledAccess=role", "-c", "coiledWorkspace=acme", "-c", "topology=private")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	ids := srv.IssuedExternalIDs("acme")
	if len(ids) != 1 {
		t.Fatalf("issued %v", ids)
	}
	want := []string{"-c", "coiledPrincipal=" + coiledtest.DefaultRolePrincipal, "-c", "coiledExternalId=" + ids[0]}
	if got := contextArgs(out); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("first deploy args %q, want %q\n%s", got, want, errOut)
	}

	t.Run("redeploy keeps the external ID without calling Coiled", func(t *testing.T) {
		out, errOut, code := run(t, "--context=coiledWorkspace=acme", "-ccoiledAccess=role")
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		if got := contextArgs(out); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("redeploy args %q, want %q", got, want)
		}
		if n := len(srv.IssuedExternalIDs("acme")); n != 1 {
			t.Errorf("redeploy asked Coiled again (%d external IDs issued)", n)
		}
	})
	t.Run("values given by hand: no call", func(t *testing.T) {
		before := len(srv.Requests())
		out, _, code := run(t, "-c", "coiledAccess=role", "-c", "coiledWorkspace=acme", "-c", "coiledPrincipal=arn:aws:iam::1:root", "-c", "coiledExternalId=x1")
		if code != 0 || len(contextArgs(out)) != 0 || len(srv.Requests()) != before {
			t.Errorf("exit %d, args %q", code, contextArgs(out))
		}
	})
	t.Run("other access modes: no call", func(t *testing.T) {
		before := len(srv.Requests())
		for _, args := range [][]string{nil, {"-c", "coiledAccess=user", "-c", "coiledWorkspace=acme"}, {"-c", "topology=private"}} {
			if out, _, code := run(t, args...); code != 0 || len(contextArgs(out)) != 0 {
				t.Errorf("%v: exit %d args %q", args, code, contextArgs(out))
			}
		}
		if len(srv.Requests()) != before {
			t.Error("Coiled called")
		}
	})
	t.Run("role without a workspace", func(t *testing.T) {
		_, errOut, code := run(t, "-c", "coiledAccess=role")
		if code != 2 || !strings.Contains(errOut, "needs -c coiledWorkspace=SLUG") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
	t.Run("another machine: the deployed stack's values", func(t *testing.T) {
		endpoint := motoserver.Start(t)
		createRoleStack(t, endpoint, "DeployedRole", "arn:aws:iam::999988887777:role/coiled-old", "ext-from-stack", "acme")
		extraEnv = motoserver.EnvList(endpoint)
		defer func() { extraEnv = nil }()
		stateFile = filepath.Join(dir, "other-machine.json")
		before := len(srv.IssuedExternalIDs("acme"))
		out, errOut, code := run(t, "-c", "coiledAccess=role", "-c", "coiledWorkspace=acme", "-c", "stackName=DeployedRole")
		want := []string{"-c", "coiledPrincipal=arn:aws:iam::999988887777:role/coiled-old", "-c", "coiledExternalId=ext-from-stack"}
		if got := contextArgs(out); code != 0 || strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("exit %d args %q, want %q\n%s", code, got, want, errOut)
		}
		if len(srv.IssuedExternalIDs("acme")) != before {
			t.Error("Coiled asked for a new external ID")
		}
	})
	t.Run("Coiled refuses the token", func(t *testing.T) {
		srv.RejectToken(401)
		defer srv.RejectToken(0)
		_, errOut, code := run(t, "-c", "coiledAccess=role", "-c", "coiledWorkspace=other")
		if code != 1 || !strings.Contains(errOut, "token rejected") || !strings.Contains(errOut, "coiledExternalId=ID yourself") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
}
