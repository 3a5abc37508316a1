package stacks

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/outputkeys"
)

// ContextKeysEnv names the environment variable in which scripts/deploy
// passes the keys of its -c options (comma-separated), so that a -c value
// equal to cdk.json's still overrides the networks file.
const ContextKeysEnv = "COILEDNET_CONTEXT_KEYS"

// Built is what FromAppFile added to the app: one stack per network of the
// networks file, or the single stack of FromApp when there is no file.
type Built struct {
	// File is the networks file read, "" when there is none.
	File string
	// Stacks are the stacks, in the file's order.
	Stacks []*NetworkStack
	// Networks are the file's resolved networks, one per stack (nil
	// without a file).
	Networks []config.ResolvedNetwork
}

// FromAppFile reads the networks file of this run (-c networksFile=PATH,
// else coilednet.yaml in the working directory when it exists) and adds one
// stack per network to app, each with its region and account as the stack's
// environment. Without a file it is FromApp: one stack, today's name and
// template. cdk.json (in the working directory) gives the defaults, the -c
// values of this run override the file (see config.ContextOverrides).
func FromAppFile(app awscdk.App) (*Built, error) {
	ctx, _ := app.Node().GetAllContext(nil).(map[string]any)
	path, err := config.NetworksFilePath(ctx, "")
	if err != nil {
		return nil, err
	}
	if path == "" {
		s, err := FromApp(app)
		if err != nil {
			return nil, err
		}
		return &Built{Stacks: []*NetworkStack{s}}, nil
	}
	var given []string
	if v := os.Getenv(ContextKeysEnv); v != "" {
		given = strings.Split(v, ",")
	}
	nets, err := config.LoadNetworks(path, ctx, config.ContextOverrides(ctx, cdkJSONContext("cdk.json"), given))
	if err != nil {
		return nil, fmt.Errorf("invalid networks file (%s, options over cdk.json and -c key=value):\n%w", path, err)
	}
	b := &Built{File: path, Networks: nets}
	for _, n := range nets {
		s, err := NewForNetwork(app, n)
		if err != nil {
			return nil, fmt.Errorf("%s: network %q: %w", path, n.Name, err)
		}
		b.Stacks = append(b.Stacks, s)
	}
	// A network attaching the account's CoiledInstancePolicy deploys after
	// the network of that account which creates it.
	for i, c := range config.InstancePolicyCreator(nets) {
		if c >= 0 {
			b.Stacks[i].Stack.AddDependency(b.Stacks[c].Stack, jsii.String("it attaches the CoiledInstancePolicy that stack creates"))
		}
	}
	return b, nil
}

// NewForNetwork adds the stack of one network of a networks file to app:
// New with the network's environment, plus the outputs naming the network
// and its Coiled workspace (outputkeys.NetworkName, outputkeys.Workspace).
func NewForNetwork(app awscdk.App, n config.ResolvedNetwork) (*NetworkStack, error) {
	var env *awscdk.Environment
	if n.Region != "" || n.Account != "" {
		env = &awscdk.Environment{}
		if n.Region != "" {
			env.Region = jsii.String(n.Region)
		}
		if n.Account != "" {
			env.Account = jsii.String(n.Account)
		}
	}
	// A stack with an account and a region looks its AZs up (CDK's
	// availability-zones context provider) even when the options name
	// them; the named AZs answer that lookup, so synth needs no AWS call.
	var context map[string]any
	if zones := n.App.Network.AvailabilityZones; n.Account != "" && n.Region != "" && len(zones) > 0 {
		context = map[string]any{fmt.Sprintf("availability-zones:account=%s:region=%s", n.Account, n.Region): zones}
	}
	s, err := newStack(app, n.App, env, context)
	if err != nil {
		return nil, err
	}
	awscdk.NewCfnOutput(s.Stack, jsii.String(outputkeys.NetworkName), &awscdk.CfnOutputProps{
		Value:       jsii.String(n.Name),
		Description: jsii.String("The network's name in the networks file"),
	})
	if n.Workspace != "" {
		awscdk.NewCfnOutput(s.Stack, jsii.String(outputkeys.Workspace), &awscdk.CfnOutputProps{
			Value:       jsii.String(n.Workspace),
			Description: jsii.String("The Coiled workspace coiled-hook configures for this network"),
		})
	}
	return s, nil
}

// cdkJSONContext returns the context of the cdk.json at path, or nil when
// it cannot be read (then only the keys of ContextKeysEnv count as given on
// the command line).
func cdkJSONContext(path string) map[string]any {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var f struct {
		Context map[string]any `json:"context"`
	}
	if json.Unmarshal(raw, &f) != nil {
		return nil
	}
	return f.Context
}

// OverrideNotes are the lines synth prints for the file values that this
// run's -c options replaced.
func (b *Built) OverrideNotes() []string {
	var out []string
	for _, n := range b.Networks {
		for _, o := range n.Overrides {
			out = append(out, fmt.Sprintf("network %q: -c %s=%s overrides %s's %s: %s for this run only",
				n.Name, o.Key, show(o.Context), b.File, o.Key, show(o.File)))
		}
	}
	return out
}

func show(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}
