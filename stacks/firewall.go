package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/constructs/network"
	"github.com/coilednet/coilednet/outputkeys"
)

// addFirewallOutputs adds the outputs of the egress firewall (issue 13), if n has any.
func addFirewallOutputs(stack awscdk.Stack, n *network.CoiledNetwork) {
	f := n.Firewall
	if f == nil {
		return
	}
	awscdk.NewCfnOutput(stack, jsii.String(outputkeys.EgressFirewallArn), &awscdk.CfnOutputProps{
		Value:       f.Firewall.AttrFirewallArn(),
		Description: jsii.String("Egress firewall (AWS Network Firewall) between the NAT subnets and the internet"),
	})
	alerts := jsii.String("")
	if len(f.LogGroups) > 0 {
		alerts = f.LogGroups[0].LogGroupName()
	} else if f.LogBucket != nil {
		alerts = jsii.String("s3://" + *f.LogBucket.BucketName() + "/alert/")
	}
	awscdk.NewCfnOutput(stack, jsii.String(outputkeys.EgressFirewallAlertLogs), &awscdk.CfnOutputProps{
		Value:       alerts,
		Description: jsii.String("Where the egress firewall logs what it drops (CloudWatch Logs group, or S3 prefix)"),
	})
}
