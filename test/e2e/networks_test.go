//go:build e2e

package e2e

// The networks file on the emulator (issue 20): two networks in two regions
// for two workspaces deployed by scripts/deploy, handed to the fake Coiled
// by coiled-hook --all; a redeploy with the file and no flags changes
// nothing; --only deploys one and the outputs file keeps both; a change that
// replaces a subnet is refused without --allow-replacement and goes ahead
// with it.

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/internal/motoserver"
	"github.com/coilednet/coilednet/stackoutputs"
)

// networksFile is the file of the test: prod (private, us-east-1, acme-prod)
// and dev (public, us-west-2, acme-dev). The AZs are named: moto resolves
// Fn::GetAZs to us-east-1's zones in every region. devAZ is dev's AZ.
func networksFile(devAZ string) string {
	return `networks:
  prod:
    region: us-east-1
    workspace: acme-prod
    options:
      topology: private
      clientCidrs: 10.8.0.0/16
      availabilityZones: us-east-1a
      restrictDefaultSecurityGroup: false   # the emulator runs no Lambda
  dev:
    region: us-west-2
    workspace: acme-dev
    options: {topology: public, availabilityZones: ` + devAZ + `, restrictDefaultSecurityGroup: false}
`
}

func TestNetworksFileOnEmulator(t *testing.T) {
	requireTools(t)
	endpoint := motoserver.Start(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "coilednet.yaml")
	write := func(text string) {
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(networksFile("us-west-2a"))
	env := append(motoserver.EnvList(endpoint), "CDK_VALIDATION=true")
	deploy := func(args ...string) (string, int) {
		t.Helper()
		args = append(append([]string{"-c", "networksFile=" + file}, args...), "--", "--method=direct", "--require-approval", "never")
		return script(t, env, "scripts/deploy", args...)
	}
	outputsFile := filepath.Join(root, "cdk-outputs.json")
	os.Remove(outputsFile) // a deploy keeps the other stacks of the last outputs file
	t.Cleanup(func() { os.Remove(outputsFile) })

	out, code := deploy()
	if code != 0 {
		t.Fatalf("scripts/deploy exited %d:\n%s", code, out)
	}
	for _, want := range []string{
		"== network prod (" + file + "): stack CoiledNetwork-prod ==",
		"== network dev (" + file + "): stack CoiledNetwork-dev ==",
		"stack CoiledNetwork-prod: new in us-east-1, nothing to compare",
		"stack CoiledNetwork-dev: new in us-west-2, nothing to compare",
		"bootstrapping aws://unknown-account/us-east-1 aws://unknown-account/us-west-2",
		"stack CoiledNetwork-prod: network vpc-", "stack CoiledNetwork-dev: network vpc-",
		"scripts/coiled-hook --all --outputs-file cdk-outputs.json",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy output lacks %q:\n%s", want, out)
		}
	}
	prod, err := stackoutputs.ReadOutputsFile(outputsFile, "CoiledNetwork-prod")
	if err != nil {
		t.Fatal(err)
	}
	dev, err := stackoutputs.ReadOutputsFile(outputsFile, "CoiledNetwork-dev")
	if err != nil {
		t.Fatal(err)
	}
	if prod.Region != "us-east-1" || dev.Region != "us-west-2" || prod.All["CoiledWorkspace"] != "acme-prod" || dev.All["CoiledWorkspace"] != "acme-dev" {
		t.Errorf("outputs: prod in %s for %q, dev in %s for %q", prod.Region, prod.All["CoiledWorkspace"], dev.Region, dev.All["CoiledWorkspace"])
	}
	saved := filepath.Join(dir, "cdk-outputs.json")
	copyFile(t, outputsFile, saved)

	t.Run("the hook configures both workspaces", func(t *testing.T) {
		for _, s := range []struct{ region, stack string }{{"us-east-1", "CoiledNetwork-prod"}, {"us-west-2", "CoiledNetwork-dev"}} {
			if err := motoserver.RepairStackIn(context.Background(), endpoint, s.region, s.stack); err != nil {
				t.Fatal(err)
			}
		}
		srv := coiledtest.Start(t, coiledtest.Options{Token: "alice-e2e-token", Workspaces: []coiledtest.Workspace{
			{Slug: "acme-prod", Default: true}, {Slug: "acme-dev"}}})
		out, code := hookStatus(t, env, srv, "--all", "--outputs-file", saved)
		if code != 0 {
			t.Fatalf("coiled-hook --all exited %d:\n%s", code, out)
		}
		got := map[string]any{}
		for _, u := range srv.Updates() {
			if !u.Stored {
				t.Errorf("update to %s not stored: %v", u.Workspace, u.Invalid)
			}
			got[u.Workspace] = dig(u.Data, "options", "network", "network_id")
			if r := dig(u.Data, "options", "aws_region_name"); (u.Workspace == "acme-dev") != (r == "us-west-2") {
				t.Errorf("workspace %s got region %v", u.Workspace, r)
			}
		}
		if want := map[string]any{"acme-prod": prod.NetworkID, "acme-dev": dev.NetworkID}; !reflect.DeepEqual(got, want) {
			t.Errorf("Coiled received %v, want %v", got, want)
		}
		if strings.Count(out, "Network check: ") != 2 || !strings.Contains(out, "Summary (2 networks):") || strings.Contains(out, "FAILED") {
			t.Errorf("hook output:\n%s", out)
		}
		// --stack NAME from CloudFormation finds the workspace and the region.
		out, code = hookStatus(t, append(append([]string{}, env...), "AWS_REGION=us-west-2"), srv, "--dry-run", "--stack", "CoiledNetwork-dev")
		if code != 0 || !strings.Contains(out, "workspace acme-dev (from the stack's CoiledWorkspace output") {
			t.Errorf("--stack CoiledNetwork-dev: exit %d\n%s", code, out)
		}
	})

	t.Run("a redeploy with the file and no flags changes nothing", func(t *testing.T) {
		out, code := deploy()
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		if strings.Count(out, "the change keeps the VPC, subnets and security groups Coiled uses") != 2 || strings.Count(out, "(no changes)") < 2 {
			t.Errorf("redeploy was not a no-op for both stacks:\n%s", out)
		}
	})

	t.Run("--only deploys one network; the outputs file keeps both", func(t *testing.T) {
		out, code := deploy("--only", "dev")
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		if strings.Contains(out, "CoiledNetwork-prod: deploying") || !strings.Contains(out, "CoiledNetwork-dev") {
			t.Errorf("--only dev deployed other stacks:\n%s", out)
		}
		if _, err := stackoutputs.ReadOutputsFile(outputsFile, "CoiledNetwork-prod"); err != nil {
			t.Errorf("the outputs file lost prod: %v", err)
		}
		out, code = deploy("--only", "prd")
		if code == 0 || !strings.Contains(out, `has no network "prd" (did you mean "prod"?)`) {
			t.Errorf("--only prd: exit %d\n%s", code, out)
		}
	})

	t.Run("a change that replaces a subnet is refused without --allow-replacement", func(t *testing.T) {
		write(networksFile("us-west-2b"))
		out, code := deploy()
		if code != 1 {
			t.Fatalf("exit %d, want 1:\n%s", code, out)
		}
		for _, want := range []string{
			"refusing to deploy",
			"stack CoiledNetwork-dev (us-west-2):",
			"CoiledNetworkVpcPublicSubnet1Subnet",
			"AvailabilityZone changes from us-west-2a to us-west-2b (options: azs, availabilityZones)",
			"run again with --allow-replacement",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "CoiledNetwork-dev: deploying") || strings.Contains(out, "CoiledNetwork-prod: deploying") {
			t.Errorf("something was deployed:\n%s", out)
		}
		out, _ = deploy("--allow-replacement")
		// The emulator cannot update a stack with CDK's BootstrapVersion
		// parameter (moto 5.2.1 raises KeyError 'BootstrapVersion' in
		// UpdateStack), so the deploy itself fails there: what is checked is
		// that the flag lets it go ahead to CloudFormation.
		if strings.Contains(out, "refusing to deploy") || !strings.Contains(out, "--allow-replacement: deploying a change that breaks the network Coiled uses") ||
			!strings.Contains(out, "CoiledNetwork-dev: updating stack") {
			t.Errorf("--allow-replacement did not go ahead:\n%s", out)
		}
		if _, err := stackoutputs.ReadOutputsFile(outputsFile, "CoiledNetwork-prod"); err != nil {
			t.Errorf("after a failed deploy the outputs file lost its stacks: %v", err)
		}
	})
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

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
