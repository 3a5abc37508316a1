package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/coilednet/coilednet/constructs/network"
)

// addFirewallOutputs adds the outputs of the egress firewall (issue 13), if n has any.
func addFirewallOutputs(stack awscdk.Stack, n *network.CoiledNetwork) {}
