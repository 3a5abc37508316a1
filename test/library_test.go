package test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/constructs/access"
	"github.com/coilednet/coilednet/constructs/network"
	"github.com/coilednet/coilednet/internal/variants"
	"github.com/coilednet/coilednet/stacks"
)

// TestAddOutputsInYourOwnApp builds, for variants with access, endpoints,
// a firewall and a Transit Gateway, the network and access constructs in a
// stack of "your own" (as docs/library.md shows) and adds stacks.AddOutputs:
// the stack then has every output stacks.New's stack has, with the same
// values (issue 19: the hook reads all of them).
func TestAddOutputsInYourOwnApp(t *testing.T) {
	for _, name := range []string{"private-access-role", "public-access-user", "private-endpoints-coiled", "private-firewall", "internal-tgw"} {
		var v variants.Variant
		for _, x := range variants.All {
			if x.Name == name {
				v = x
			}
		}
		want := synthVariant(v)
		if want.err != nil {
			t.Fatalf("%s: %v", name, want.err)
		}
		cfg := want.stack.Config
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: %v", name, r)
				}
			}()
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(mustTempDir()), BuiltinCloudFormationValidation: jsii.Bool(false)})
			stack := awscdk.NewStack(app, jsii.String("Mine"), nil)
			net, err := network.NewCoiledNetwork(stack, "CoiledNetwork", &cfg.Network)
			if err != nil {
				t.Fatal(err)
			}
			var acc *access.CoiledAccess
			if cfg.Access.Enabled() {
				if acc, err = access.New(stack, "CoiledAccess", &access.Props{Access: cfg.Access, Network: net}); err != nil {
					t.Fatal(err)
				}
			}
			stacks.AddOutputs(stack, net, acc)
			raw, _ := json.Marshal(app.Synth(nil).GetStackArtifact(stack.ArtifactId()).Template())
			var got map[string]any
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatal(err)
			}
			gotOut, _ := got["Outputs"].(map[string]any)
			wantOut, _ := want.template["Outputs"].(map[string]any)
			var gotKeys, wantKeys []string
			for k := range gotOut {
				gotKeys = append(gotKeys, k)
			}
			for k := range wantOut {
				wantKeys = append(wantKeys, k)
			}
			slices.Sort(gotKeys)
			slices.Sort(wantKeys)
			if !slices.Equal(gotKeys, wantKeys) {
				t.Errorf("%s: AddOutputs adds %v, stacks.New has %v", name, gotKeys, wantKeys)
			}
			for _, k := range wantKeys {
				g, _ := json.Marshal(gotOut[k])
				w, _ := json.Marshal(wantOut[k])
				if string(g) != string(w) {
					t.Errorf("%s: output %s is %s, stacks.New's %s", name, k, g, w)
				}
			}
		}()
	}
}
