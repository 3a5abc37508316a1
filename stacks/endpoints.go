package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/coilednet/coilednet/constructs/network"
)

// addEndpointOutputs adds the outputs of PrivateLink endpoints (issue 11), if n has any.
func addEndpointOutputs(stack awscdk.Stack, n *network.CoiledNetwork) {}
