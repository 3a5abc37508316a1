//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coilednet/coilednet/internal/variants"
)

// checkUndeployable stands in for the deploy of a variant the emulator
// cannot deploy (v.NoDeploy says why; for the egress firewall variants, moto
// has no AWS::NetworkFirewall types). It synthesizes the variant through the
// pinned CDK CLI, as a user would, with CDK's built-in template validation
// on, and requires that the CLI's template equals the variant's golden
// (test/testdata), which the template tests assert on in detail.
func checkUndeployable(t *testing.T, v variants.Variant) {
	t.Helper()
	t.Logf("not deployed to the emulator: %s", v.NoDeploy)
	d := &deployment{v: v, outDir: filepath.Join(t.TempDir(), "cdk.out")}
	d.env = append(os.Environ(),
		"CDK_DISABLE_VERSION_CHECK=true", "CDK_DISABLE_CLI_TELEMETRY=true",
		"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20", "CDK_VALIDATION=true")
	out := cdk(t, d, append([]string{"synth", "--no-notices", "--quiet"}, v.Args()...)...)
	if strings.Contains(out, "Validation Report") {
		t.Errorf("CDK's built-in validation reported findings:\n%s", out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "./internal/cmd/templatediff",
		filepath.Join(d.outDir, stackName+".template.json"), filepath.Join("test", "testdata", v.Name+".template.json"))
	cmd.Dir = root
	if diff, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the CLI's template differs from the golden: %v\n%s", err, diff)
	}
}
