// Package stacks composes the coilednet CloudFormation stack: one
// CoiledNetwork, the outputs the post-deploy hook hands to Coiled, and
// cdk-nag's AwsSolutions checks.
package stacks

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/constructs/access"
	"github.com/coilednet/coilednet/constructs/network"
	"github.com/coilednet/coilednet/outputkeys"
)

// BuiltinValidation reports whether the app should run aws-cdk-lib's
// built-in CloudFormation validation at synth: only when CDK_VALIDATION=true.
//
// It is off by default because it costs about 3 s of a 5 s synth, and
// coilednet's templates are already checked where it matters: cfn-lint and
// cdk-nag on every golden variant in CI, and the built-in validation itself
// on every deploy of the end-to-end suite (which sets CDK_VALIDATION=true).
func BuiltinValidation() bool { return os.Getenv("CDK_VALIDATION") == "true" }

// NewApp returns the CDK app the coilednet command synthesizes, with the
// built-in validation as BuiltinValidation says.
//
// Construct stack traces are off: in a Go app every frame CDK records is
// inside jsii's kernel, and the CDK CLI printed the first of them
// (/tmp/jsii-runtime…/lib/program.js:1:NNNN) above each warning, which
// tells the user nothing.
func NewApp() awscdk.App {
	return awscdk.NewApp(&awscdk.AppProps{
		BuiltinCloudFormationValidation: jsii.Bool(BuiltinValidation()),
		StackTraces:                     jsii.Bool(false),
	})
}

// NetworkStack is the coilednet stack.
type NetworkStack struct {
	awscdk.Stack
	// Network is the stack's CoiledNetwork.
	Network *network.CoiledNetwork
	// Config is the configuration the stack was built from.
	Config config.App
}

// FromApp reads the options from app's CDK context (cdk.json and -c
// key=value), validates them all, and adds the coilednet stack to app. It is
// what the coilednet command runs; nothing is built when an option is bad.
func FromApp(app awscdk.App) (*NetworkStack, error) {
	ctx, _ := app.Node().GetAllContext(nil).(map[string]any)
	cfg, err := config.FromContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("invalid options (cdk.json or -c key=value):\n%w", err)
	}
	return New(app, cfg)
}

// New adds the coilednet stack described by cfg to app, with cdk-nag's
// AwsSolutions checks as an aspect. An invalid cfg is returned as an error
// naming the Go fields (config.App.Validate) before the stack is created.
func New(app awscdk.App, cfg config.App) (*NetworkStack, error) {
	return newStack(app, cfg, nil, nil)
}

// newStack is New with the stack's environment (nil: environment-agnostic)
// and context set on the stack before anything is built in it.
func newStack(app awscdk.App, cfg config.App, env *awscdk.Environment, context map[string]any) (*NetworkStack, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("coilednet stack: %w", err)
	}
	description := fmt.Sprintf("coilednet: Coiled-ready %s network", cfg.Network.WithDefaults().Topology)
	if id := cfg.Network.ExistingVpcId; id != "" {
		description = "coilednet: Coiled security groups in existing VPC " + id
	}
	stack := awscdk.NewStack(app, jsii.String(cfg.StackName), &awscdk.StackProps{Description: jsii.String(description), Env: env})
	for k, v := range context {
		stack.Node().SetContext(jsii.String(k), v)
	}
	acknowledgeWarnings(stack, cfg)
	net, err := network.NewCoiledNetwork(stack, "CoiledNetwork", &cfg.Network)
	if err != nil {
		return nil, err
	}
	acc, err := addAccess(stack, cfg, net)
	if err != nil {
		return nil, err
	}
	AddOutputs(stack, net, acc)
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return &NetworkStack{Stack: stack, Network: net, Config: cfg}, nil
}

// AddOutputs adds to stack every output coiled-hook reads for n and, when
// acc is not nil, for its access construct (constructs/access): the hook's
// network outputs (AddHookOutputs), the connectivity outputs (scheduler
// without public IP, worker egress, Transit Gateway attachment, peerings),
// the PrivateLink endpoints' and the egress firewall's outputs, and the
// role or access-key secret, instance role and profile, and log group of
// acc. It is what stacks.New adds; call it once per stack in your own app
// (output IDs are the keys of package outputkeys).
func AddOutputs(stack awscdk.Stack, n *network.CoiledNetwork, acc *access.CoiledAccess) {
	AddHookOutputs(stack, n)
	addConnectivityOutputs(stack, n)
	addEndpointOutputs(stack, n)
	addFirewallOutputs(stack, n)
	if acc != nil {
		addAccessOutputs(stack, acc)
	}
}

// AddHookOutputs adds to stack the outputs coiled-hook reads for n (the
// keys of package outputkeys: the seven required ones and one ZoneN per AZ),
// so that a CoiledNetwork in any stack can be handed to Coiled by the hook.
// Call it once per stack: output IDs are the keys themselves.
func AddHookOutputs(stack awscdk.Stack, n *network.CoiledNetwork) {
	out := func(key, value, description string) {
		awscdk.NewCfnOutput(stack, jsii.String(key), &awscdk.CfnOutputProps{
			Value:       jsii.String(value),
			Description: jsii.String(description),
		})
	}
	out(outputkeys.NetworkID, *n.Vpc.VpcId(), "Coiled network_id: the VPC")
	schedulerSubnet := "Coiled scheduler_subnet_id: public subnet of the scheduler"
	if !n.SchedulerPublicIp || n.Props.ExistingVpcId != "" {
		schedulerSubnet = "Coiled scheduler_subnet_id: subnet of the scheduler"
	}
	out(outputkeys.SchedulerSubnetID, *n.SchedulerSubnet.SubnetId(), schedulerSubnet)
	out(outputkeys.WorkerSubnetID, *n.WorkerSubnet.SubnetId(), "Coiled worker_subnet_id: subnet of the workers")
	out(outputkeys.SchedulerFirewallID, *n.SchedulerSecurityGroup.SecurityGroupId(), "Coiled scheduler_firewall_id: security group of the scheduler")
	out(outputkeys.FirewallID, *n.ClusterSecurityGroup.SecurityGroupId(), "Coiled firewall_id: security group of the whole cluster")
	out(outputkeys.GiveWorkersPublicIP, fmt.Sprint(n.GiveWorkersPublicIp), "Coiled give_workers_public_ip")
	out(outputkeys.Region, *awscdk.Aws_REGION(), "Coiled aws_region_name")
	for i, z := range n.Zones {
		out(fmt.Sprintf("%s%d", outputkeys.ZonePrefix, i),
			*z.AvailabilityZone+","+*z.SchedulerSubnet.SubnetId()+","+*z.WorkerSubnet.SubnetId(),
			"Subnets of one AZ for coiled-hook --zone: az,scheduler subnet,worker subnet")
	}
}
