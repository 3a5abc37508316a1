package variants

// noRegionalNatInMoto says why the emulator cannot deploy a regional NAT
// gateway.
const noRegionalNatInMoto = "moto 5.2.1's CloudFormation creates an AWS::EC2::NatGateway only from SubnetId and AllocationId " +
	"(it fails on a regional one, which has neither), and its EC2 API knows no AvailabilityMode; " +
	"the network check of a regional NAT gateway runs on the fake EC2 instead (netcheck/regional_test.go)"

// regionalVariants are the variants of natProvider=regional: one regional
// NAT gateway for the VPC, no NAT subnet, and (internal) no public subnet.
var regionalVariants = []Variant{
	{Name: "private-regional-nat", Topology: "private", NoDeploy: noRegionalNatInMoto, Context: map[string]string{
		"topology":    "private",
		"natProvider": "regional",
		"azs":         "2",
	}},
	{Name: "internal-regional-nat-3az", Topology: "internal", NoDeploy: noRegionalNatInMoto, Context: map[string]string{
		"topology":          "internal",
		"natProvider":       "regional",
		"availabilityZones": "us-east-1a,us-east-1b,us-east-1c",
		"azs":               "3",
		"zone":              "us-east-1b",
	}},
}
