package variants

// Fixed fake IDs of the connectivity variants (the goldens need stable
// values); the end-to-end suite builds its own variants of these modes
// with IDs it creates in the emulator (test/e2e/connectivity_test.go).
const (
	FakeTransitGatewayID = "tgw-0123456789abcdef0"
	FakeExistingVpcID    = "vpc-0a1b2c3d4e5f60718"
)

// noTgwAttachment is why a variant with a Transit Gateway attachment is
// not deployed to the emulator as it is.
const noTgwAttachment = "its Transit Gateway and peer VPC ids are fixed fakes, and moto's CloudFormation has no " +
	"AWS::EC2::TransitGatewayVpcAttachment (it skips it): TestConnectivityOnEmulator deploys such a network with a Transit Gateway " +
	"and a peer VPC created in the emulator, and checks the attachment in the deployed template"

// connectivityVariants are the variants of the connectivity options.
var connectivityVariants = []Variant{
	{Name: "internal-nat", Topology: "internal", Context: map[string]string{
		"topology": "internal",
	}},
	{Name: "internal-tgw", Topology: "internal", NoDeploy: noTgwAttachment, Context: map[string]string{
		"topology":             "internal",
		"egress":               "transitGateway",
		"transitGatewayId":     FakeTransitGatewayID,
		"transitGatewayRoutes": "10.100.0.0/16,192.168.0.0/16",
		"azs":                  "2",
	}},
	{Name: "private-tgw-egress", Topology: "private", NoDeploy: noTgwAttachment, Context: map[string]string{
		"topology":         "private",
		"egress":           "transitGateway",
		"transitGatewayId": FakeTransitGatewayID,
		"clientCidrs":      "203.0.113.0/24",
	}},
	{Name: "private-tgw-routes-peering", Topology: "private", NoDeploy: noTgwAttachment, Context: map[string]string{
		"topology":             "private",
		"transitGatewayId":     FakeTransitGatewayID,
		"transitGatewayRoutes": "172.16.0.0/12",
		"peerVpcs": `[{"vpcId":"vpc-0123456789abcdef1","cidr":"10.1.0.0/16"},` +
			`{"vpcId":"vpc-0123456789abcdef2","cidr":"10.2.0.0/16","ownerId":"210987654321","region":"eu-west-1","roleArn":"arn:aws:iam::210987654321:role/coilednet-peering-accepter"}]`,
		"clientCidrs": "198.51.100.0/24",
	}},
	{Name: "existing-vpc", Topology: "existing", NoDeploy: "its VPC and subnet ids are fixed fakes: TestConnectivityOnEmulator creates a VPC and subnets in the emulator and deploys this mode into them",
		Context: map[string]string{
			"existingVpcId":     FakeExistingVpcID,
			"existingVpcCidr":   "10.20.0.0/16",
			"schedulerSubnetId": "subnet-0123456789abcdef0",
			"workerSubnetId":    "subnet-0123456789abcdef1",
			"workerPublicIp":    "false",
		}},
}
