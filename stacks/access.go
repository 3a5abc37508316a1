package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/constructs/network"
)

// addAccess adds the IAM identity Coiled acts as (issue 9), as cfg.Access
// says, and its outputs.
func addAccess(stack awscdk.Stack, cfg config.App, n *network.CoiledNetwork) error { return nil }
