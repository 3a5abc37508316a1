package test

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/constructs/network"
	"github.com/coilednet/coilednet/internal/variants"
	"github.com/coilednet/coilednet/stacks"
)

// TestWarningIDsAreListed keeps config.WarningIDs (what acknowledgeWarnings
// accepts) complete: every warning of every variant is listed there.
func TestWarningIDsAreListed(t *testing.T) {
	for _, v := range variants.All {
		s := synth(t, v.Name)
		for _, w := range s.stack.Config.Network.Warnings() {
			if !slices.Contains(config.WarningIDs, w.ID) {
				t.Errorf("variant %s: warning ID %q is not in config.WarningIDs", v.Name, w.ID)
			}
		}
	}
}

var ackRE = regexp.MustCompile(`-c (acknowledgeWarnings)=(\S+)\)$`)

// TestAcknowledgeWarningAsTheWarningSays runs what each warning tells the
// user to run to accept it (-c acknowledgeWarnings=ID) and checks that the
// warning is gone while the others stay.
func TestAcknowledgeWarningAsTheWarningSays(t *testing.T) {
	tried := map[string]bool{}
	for _, v := range variants.All {
		s := synth(t, v.Name)
		warnings := s.stack.Config.Network.Warnings()
		for _, w := range warnings {
			if tried[w.ID] {
				continue
			}
			tried[w.ID] = true
			m := ackRE.FindStringSubmatch(w.Message)
			if m == nil {
				t.Errorf("warning %s does not end with how to accept it: %q", w.ID, w.Message)
				continue
			}
			ctx := v.ContextAny()
			ctx[m[1]] = m[2]
			app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(mustTempDir()),
				BuiltinCloudFormationValidation: jsii.Bool(false)})
			stack, err := stacks.FromApp(app)
			if err != nil {
				t.Fatalf("%s with -c %s=%s: %v", v.Name, m[1], m[2], err)
			}
			app.Synth(nil)
			anns := assertions.Annotations_FromStack(stack.Stack)
			for _, other := range warnings {
				found := anns.FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String(regexp.QuoteMeta(stacks.WarningPrefix+other.ID))))
				if got, want := len(*found), 1; other.ID == w.ID && got != 0 || other.ID != w.ID && got != want {
					t.Errorf("%s with -c %s=%s: %d %s warning(s)", v.Name, m[1], m[2], got, other.ID)
				}
			}
		}
	}
	for _, id := range []string{"schedulerOpenToInternet", "sharedNat", "natInstance"} {
		if !tried[id] {
			t.Errorf("no variant shows warning %s, so its acknowledgement is untested", id)
		}
	}
	// Without the option the warning is there, named coilednet:<ID>.
	found := annotations(synth(t, "public-default")).FindWarning(jsii.String("*"),
		assertions.Match_StringLikeRegexp(jsii.String(strings.ReplaceAll("coilednet:schedulerOpenToInternet", ":", "\\:"))))
	if len(*found) != 1 {
		t.Errorf("public-default: %d coilednet:schedulerOpenToInternet warnings, want 1", len(*found))
	}
}

// TestGoInputErrorsNameGoFields: an App or Network built in Go and handed
// to stacks.New or network.NewCoiledNetwork is rejected with the Go field's
// name, before anything is built.
func TestGoInputErrorsNameGoFields(t *testing.T) {
	ctx := map[string]any{}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(mustTempDir())})
	_, err := stacks.New(app, config.App{AcknowledgeWarnings: []string{"nope"}})
	if err == nil || !strings.Contains(err.Error(), `App.AcknowledgeWarnings (context key "acknowledgeWarnings"): "nope"`) {
		t.Errorf("stacks.New: %v", err)
	}
	if n := len(*app.Node().Children()); n != 0 {
		t.Errorf("%d constructs built despite an invalid App", n)
	}
	stack := awscdk.NewStack(app, jsii.String("Mine"), nil)
	_, err = network.NewCoiledNetwork(stack, "Net", &config.Network{ClientCidrs: []netip.Prefix{}})
	if err == nil || !strings.Contains(err.Error(), `Network.ClientCidrs (context key "clientCidrs")`) {
		t.Errorf("NewCoiledNetwork: %v", err)
	}
}

// TestExistingVpcPrintsNoCDKWarning: in existing-VPC mode CDK's own
// "No routeTableId was provided to the subnet" warning (which
// acknowledgeWarnings could not accept) is acknowledged by the construct,
// which reads no route table: synth prints no warning it cannot silence.
func TestExistingVpcPrintsNoCDKWarning(t *testing.T) {
	for _, v := range variants.All {
		if v.Name != "existing-vpc" {
			continue
		}
		s := synthVariant(v)
		if s.err != nil {
			t.Fatal(s.err)
		}
		found := annotations(s).FindWarning(jsii.String("*"), assertions.Match_AnyValue())
		for _, w := range *found {
			//lint:ignore SA1019 the Go bindings offer no other way to read a synthesis message's data
			t.Errorf("existing-vpc warns: %v", w.Entry.Data)
		}
		return
	}
	t.Fatal("no existing-vpc variant")
}
