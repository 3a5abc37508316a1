package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/constructs/network"
	"github.com/coilednet/coilednet/outputkeys"
)

// addEndpointOutputs adds the outputs of PrivateLink endpoints (issue 11), if n has any:
// one ID per interface endpoint, the DNS entries of those without private
// DNS (what a private hosted zone points at), the endpoint security group
// and the DynamoDB gateway endpoint.
func addEndpointOutputs(stack awscdk.Stack, n *network.CoiledNetwork) {
	e := n.Endpoints
	if e == nil {
		return
	}
	out := func(key string, value *string, description string) {
		awscdk.NewCfnOutput(stack, jsii.String(key), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
	}
	for _, ep := range e.Interface {
		out(outputkeys.EndpointID(ep.Service), ep.Endpoint.VpcEndpointId(), fmt.Sprintf("Interface endpoint of %s", ep.Service))
		if !ep.PrivateDns {
			out(outputkeys.EndpointDNSEntries(ep.Service), awscdk.Fn_Join(jsii.String(","), ep.Endpoint.VpcEndpointDnsEntries()),
				fmt.Sprintf("DNS entries (hosted zone id:name, regional name first) of the interface endpoint of %s", ep.Service))
		}
	}
	if e.SecurityGroup != nil {
		admits := "admits the cluster group only"
		if o := n.Props.Endpoints; !o.EndpointSourcesDefault() {
			admits = "admits " + strings.Join(o.EndpointSourceList(), ", ")
		}
		out(outputkeys.EndpointSecurityGroupID, e.SecurityGroup.SecurityGroupId(), "Security group of the interface endpoints ("+admits+")")
	}
	if e.DynamoDb != nil {
		out(outputkeys.DynamoDbEndpointID, e.DynamoDb.VpcEndpointId(), "DynamoDB gateway endpoint")
	}
}
