package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/constructs/access"
	"github.com/coilednet/coilednet/constructs/network"
	"github.com/coilednet/coilednet/outputkeys"
)

// addAccess adds the IAM identity Coiled acts as (issue 9), as cfg.Access
// says. With coiledAccess=none it adds nothing and returns nil.
func addAccess(stack awscdk.Stack, cfg config.App, n *network.CoiledNetwork) (*access.CoiledAccess, error) {
	if !cfg.Access.Enabled() {
		return nil, nil
	}
	return access.New(stack, "CoiledAccess", &access.Props{Access: cfg.Access, Network: n})
}

// addAccessOutputs adds the outputs of a: the role (or the access key's
// secret), the instance role and profile, the log group.
func addAccessOutputs(stack awscdk.Stack, a *access.CoiledAccess) {
	out := func(key, value, description string) {
		awscdk.NewCfnOutput(stack, jsii.String(key), &awscdk.CfnOutputProps{
			Value:       jsii.String(value),
			Description: jsii.String(description),
		})
	}
	if a.Role != nil {
		out(outputkeys.CoiledRoleArn, *a.Role.RoleArn(), "The role Coiled assumes (Coiled account_role), scoped to this VPC")
		out(outputkeys.CoiledExternalID, a.Props.ExternalID, "The external ID the role's trust policy requires (not a secret)")
	}
	if a.AccessKeySecret != nil {
		out(outputkeys.CoiledAccessKeySecretArn, *a.AccessKeySecret.SecretArn(),
			"Secrets Manager secret holding the access key Coiled acts with (JSON: accessKeyId, secretAccessKey)")
	}
	out(outputkeys.InstanceRoleArn, *a.InstanceRole.RoleArn(), "The role Coiled's cluster VMs run with")
	out(outputkeys.InstanceProfileArn, *a.InstanceProfile.InstanceProfileArn(), "The instance profile of Coiled's cluster VMs")
	out(outputkeys.LogGroupName, *a.LogGroup.LogGroupName(), "The workspace's CloudWatch Logs group, kept 30 days")
}
