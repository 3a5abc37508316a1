package network

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"
)

// regionalNatProvider is natProvider=regional: one AWS::EC2::NatGateway
// with AvailabilityMode regional and ConnectivityType public, at the VPC
// level (no subnet), in automatic mode: no AvailabilityZoneAddresses, so
// AWS allocates its addresses and expands it into each AZ where a network
// interface appears. CDK makes it depend on the internet gateway's
// attachment (AWS routes the gateway to it through a route table of its
// own) and points every PRIVATE_WITH_EGRESS subnet's 0.0.0.0/0 at it.
func regionalNatProvider() awsec2.NatProvider {
	return awsec2.NatProvider_RegionalGateway(nil)
}

// awaitInternetGateway makes the regional NAT gateway wait for the internet
// gateway's attachment, not only for the gateway (CDK's dependency): AWS
// fails a public NAT gateway whose VPC has no internet gateway attached
// (failure code Gateway.NotAttached), and CloudFormation could otherwise
// create it between the two.
func awaitInternetGateway(vpc awsec2.Vpc) {
	nat := vpc.Node().TryFindChild(jsii.String("RegionalNatGateway"))
	attachment := vpc.Node().TryFindChild(jsii.String("VPCGW"))
	if nat == nil || attachment == nil {
		panic("coilednet: the regional NAT gateway or the internet gateway attachment is missing from the VPC")
	}
	nat.Node().AddDependency(attachment)
}
