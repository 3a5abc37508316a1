package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/outputkeys"
	"github.com/coilednet/coilednet/stacks"
)

// synthFile synthesizes the networks file text through stacks.FromAppFile
// (-c networksFile=PATH over cdk.json's context, as the CLI runs the app)
// and returns the stacks and their templates by stack name.
func synthFile(t *testing.T, text string, extra map[string]any, inRoot bool) (*stacks.Built, map[string]map[string]any) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "coilednet.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := cdkJSONContext(t)
	ctx["networksFile"] = path
	for k, v := range extra {
		ctx[k] = v
	}
	if inRoot {
		t.Chdir("..") // where the app runs: it reads cdk.json to tell -c values from defaults
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(mustTempDir()),
		BuiltinCloudFormationValidation: jsii.Bool(false)})
	built, err := stacks.FromAppFile(app)
	if err != nil {
		t.Fatal(err)
	}
	asm := app.Synth(nil)
	out := map[string]map[string]any{}
	for _, s := range built.Stacks {
		raw, err := json.Marshal(asm.GetStackArtifact(s.ArtifactId()).Template())
		if err != nil {
			t.Fatal(err)
		}
		var tpl map[string]any
		if err := json.Unmarshal(raw, &tpl); err != nil {
			t.Fatal(err)
		}
		out[*s.StackName()] = tpl
	}
	return built, out
}

func TestNetworksFileStacks(t *testing.T) {
	built, tpls := synthFile(t, `networks:
  prod:
    region: us-east-1
    account: "123456789012"
    workspace: acme-prod
    options: {topology: private, clientCidrs: 10.8.0.0/16, availabilityZones: [us-east-1a]}
  dev:
    region: us-west-2
    workspace: acme-dev
    options: {topology: public}
`, nil, false)
	if len(built.Stacks) != 2 {
		t.Fatalf("%d stacks, want 2", len(built.Stacks))
	}
	for i, want := range []struct{ stack, region, account, name, workspace string }{
		{"CoiledNetwork-prod", "us-east-1", "123456789012", "prod", "acme-prod"},
		{"CoiledNetwork-dev", "us-west-2", "", "dev", "acme-dev"},
	} {
		s := built.Stacks[i]
		if *s.StackName() != want.stack || *s.Region() != want.region {
			t.Errorf("stack %d: %s in %s, want %s in %s", i, *s.StackName(), *s.Region(), want.stack, want.region)
		}
		if want.account != "" && *s.Account() != want.account {
			t.Errorf("stack %s: account %s, want %s", want.stack, *s.Account(), want.account)
		}
		outs, _ := tpls[want.stack]["Outputs"].(map[string]any)
		for key, value := range map[string]string{outputkeys.NetworkName: want.name, outputkeys.Workspace: want.workspace} {
			o, _ := outs[key].(map[string]any)
			if o["Value"] != value {
				t.Errorf("stack %s: output %s = %v, want %q", want.stack, key, o["Value"], value)
			}
		}
	}
	if got := built.Stacks[0].Config.Network.Topology; got != "private" {
		t.Errorf("prod topology %q", got)
	}
}

// TestNetworksFileBuildsTheSameNetwork: a network of the file with a
// variant's options and today's stack name (how an existing stack moves
// into a file) builds that variant's golden template, plus the output
// naming the network: adopting the file replaces nothing.
func TestNetworksFileBuildsTheSameNetwork(t *testing.T) {
	_, tpls := synthFile(t, "networks:\n  net:\n    options: {topology: private, stackName: CoiledNetwork}\n", nil, false)
	got := tpls["CoiledNetwork"]
	outs := got["Outputs"].(map[string]any)
	if o, _ := outs[outputkeys.NetworkName].(map[string]any); o["Value"] != "net" {
		t.Errorf("output %s = %v", outputkeys.NetworkName, o)
	}
	delete(outs, outputkeys.NetworkName)
	raw, err := os.ReadFile(filepath.Join("testdata", "private-default.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		a, _ := json.MarshalIndent(want, "", "  ")
		b, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("the file's network differs from private-default (-golden +got):\n%s", lineDiff(string(a), string(b)))
	}
}

// TestNetworksFileCommandLineOverrides: a -c value beats the file's for
// the run, and the app says so.
func TestNetworksFileCommandLineOverrides(t *testing.T) {
	built, _ := synthFile(t, "networks:\n  net:\n    options: {topology: private, azs: 1}\n", map[string]any{"azs": "2"}, true)
	if got := built.Stacks[0].Config.Network.Azs; got != 2 {
		t.Errorf("azs = %d, want the -c value 2", got)
	}
	notes := built.OverrideNotes()
	want := `network "net": -c azs=2 overrides ` + built.File + `'s azs: 1 for this run only`
	if len(notes) != 1 || notes[0] != want {
		t.Errorf("notes = %q, want [%q]", notes, want)
	}
}

// TestNetworksFileInstancePolicyOrder: of two workspaces in one account,
// the network attaching the account's CoiledInstancePolicy deploys after
// the one that creates it (a CDK stack dependency).
func TestNetworksFileInstancePolicyOrder(t *testing.T) {
	built, _ := synthFile(t, `networks:
  acme:
    workspace: acme
    options: {coiledAccess: user, coiledWorkspace: acme}
  beta:
    workspace: beta
    options: {coiledAccess: user, coiledWorkspace: beta, coiledInstancePolicy: existing, stackName: CoiledNetworkBeta}
`, nil, false)
	if len(built.Stacks) != 2 {
		t.Fatalf("%d stacks, want 2", len(built.Stacks))
	}
	var deps []string
	for _, d := range *built.Stacks[1].Dependencies() {
		deps = append(deps, *d.StackName())
	}
	if len(deps) != 1 || deps[0] != "CoiledNetwork-acme" {
		t.Errorf("CoiledNetworkBeta depends on %v, want [CoiledNetwork-acme]", deps)
	}
	if n := len(*built.Stacks[0].Dependencies()); n != 0 {
		t.Errorf("CoiledNetwork-acme depends on %d stacks, want none", n)
	}
}
