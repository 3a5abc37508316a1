package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/coilednet/coilednet/constructs/network"
)

// addConnectivityOutputs adds the outputs of private connectivity (issue 10): Transit Gateway attachment, peerings, if n has any.
func addConnectivityOutputs(stack awscdk.Stack, n *network.CoiledNetwork) {}
