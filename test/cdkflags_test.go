package test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/internal/variants"
	"github.com/coilednet/coilednet/stacks"
)

// The feature flags in cdk.json exist so that `cdk synth` does not end with
// "N feature flags are not configured": each is set to CDK's recommended
// value, except those whose recommended value would change a template (kept
// at their unconfigured behaviour, see the README). These tests keep that
// true.

// cdkJSONContext returns cdk.json's whole context, feature flags included.
func cdkJSONContext(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	return file.Context
}

// TestFeatureFlagsLeaveTemplatesUnchanged synthesizes every variant with
// cdk.json's context, as the CDK CLI does, and requires its golden: the
// flags change no template.
func TestFeatureFlagsLeaveTemplatesUnchanged(t *testing.T) {
	base := cdkJSONContext(t)
	for _, v := range variants.All {
		t.Run(v.Name, func(t *testing.T) {
			ctx := map[string]any{}
			for k, val := range base {
				ctx[k] = val
			}
			for k, val := range v.Context {
				ctx[k] = val
			}
			app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(mustTempDir()),
				BuiltinCloudFormationValidation: jsii.Bool(false)})
			stack, err := stacks.FromApp(app)
			if err != nil {
				t.Fatal(err)
			}
			var tpl map[string]any
			raw, _ := json.Marshal(app.Synth(nil).GetStackArtifact(stack.ArtifactId()).Template())
			if err := json.Unmarshal(raw, &tpl); err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(tpl, "", "  ")
			want, err := os.ReadFile(filepath.Join("testdata", v.Name+".template.json"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(append(got, '\n'), want) {
				t.Errorf("with cdk.json's feature flags the template differs from the golden (-golden +got):\n%s", lineDiff(string(want), string(got)+"\n"))
			}
		})
	}
}

// TestEveryFeatureFlagIsConfigured reads the feature-flag report CDK writes
// into the cloud assembly: every flag whose unconfigured behaviour differs
// from the recommended one must be set in cdk.json. A CDK upgrade that adds
// flags fails here: set each new flag, recommended value first, and keep it
// only if TestFeatureFlagsLeaveTemplatesUnchanged passes.
func TestEveryFeatureFlagIsConfigured(t *testing.T) {
	ctx := cdkJSONContext(t)
	out := mustTempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(out), BuiltinCloudFormationValidation: jsii.Bool(false)})
	if _, err := stacks.FromApp(app); err != nil {
		t.Fatal(err)
	}
	app.Synth(nil)
	raw, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Artifacts map[string]struct {
			Type       string `json:"type"`
			Properties struct {
				Flags map[string]struct {
					RecommendedValue        any            `json:"recommendedValue"`
					UserValue               any            `json:"userValue"`
					UnconfiguredBehavesLike map[string]any `json:"unconfiguredBehavesLike"`
				} `json:"flags"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	flags := 0
	for _, a := range manifest.Artifacts {
		if a.Type != "cdk:feature-flag-report" {
			continue
		}
		for name, f := range a.Properties.Flags {
			flags++
			if _, set := ctx[name]; set {
				continue
			}
			if v2, ok := f.UnconfiguredBehavesLike["v2"]; ok && equalJSON(v2, f.RecommendedValue) {
				continue // unconfigured already behaves as recommended
			}
			t.Errorf("feature flag %s is not set in cdk.json (recommended: %v)", name, f.RecommendedValue)
		}
	}
	if flags == 0 {
		t.Fatal("no feature-flag report in the cloud assembly: this test checks nothing")
	}
	for k := range ctx {
		if strings.HasPrefix(k, "@aws-cdk") && !strings.Contains(string(raw), `"`+k+`"`) {
			t.Errorf("cdk.json sets %s, which this aws-cdk-lib does not know", k)
		}
	}
}

// TestAppHasNoStackTraces: the app the CLI runs records no construct stack
// traces (in a Go app they point into jsii's kernel, and the CLI printed one
// above every warning).
func TestAppHasNoStackTraces(t *testing.T) {
	app := stacks.NewApp()
	if v := app.Node().TryGetContext(jsii.String("aws:cdk:disable-stack-trace")); v != true {
		t.Errorf("aws:cdk:disable-stack-trace = %v, want true", v)
	}
}
