package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/constructs/network"
	"github.com/coilednet/coilednet/outputkeys"
)

// addConnectivityOutputs adds the outputs of private connectivity (issue
// 10): whether the scheduler has a public IP (only when it has none), the
// Transit Gateway attachment and the peerings, if n has any.
func addConnectivityOutputs(stack awscdk.Stack, n *network.CoiledNetwork) {
	out := func(key string, value *string, description string) {
		awscdk.NewCfnOutput(stack, jsii.String(key), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
	}
	if !n.SchedulerPublicIp {
		out(outputkeys.SchedulerPublicIP, jsii.String("false"),
			"The scheduler has no public IP: clients reach its private IP and set coiled.use_scheduler_public_ip to False")
	}
	switch {
	case n.Props.ExistingVpcId != "" && !n.GiveWorkersPublicIp:
		out(outputkeys.WorkerEgress, jsii.String("existing"), "How workers without public IP reach the internet: the existing VPC's own routes")
	case n.Props.Egress == config.EgressTransitGateway:
		out(outputkeys.WorkerEgress, jsii.String("transitGateway"), "How workers reach the internet: through the Transit Gateway")
	case n.Props.Regional():
		out(outputkeys.WorkerEgress, jsii.String(outputkeys.WorkerEgressRegionalNat), "How workers reach the internet: through the VPC's regional NAT gateway")
	}
	c := n.Connectivity
	if c == nil {
		return
	}
	if c.TransitGatewayAttachment != nil {
		// Ref is the attachment's id, like GetAtt Id (and the emulator, which
		// lacks the resource type, can resolve it).
		out(outputkeys.TransitGatewayAttachmentID, c.TransitGatewayAttachment.Ref(), "Transit Gateway attachment of the VPC")
	}
	if len(c.Peerings) > 0 {
		ids := make([]*string, len(c.Peerings))
		for i, p := range c.Peerings {
			ids[i] = p.Ref()
		}
		out(outputkeys.PeeringConnectionIDs, awscdk.Fn_Join(jsii.String(","), &ids), "VPC peering connections, in the order of peerVpcs")
	}
}
