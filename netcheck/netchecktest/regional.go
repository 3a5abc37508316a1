package netchecktest

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// RegionalNAT names the regional NAT gateway of vpc (RegionalSubnet).
func RegionalNAT(vpc string) string { return "nat-regional" + suffix(vpc) }

// RegionalSubnet adds a subnet of the last VPC whose 0.0.0.0/0 goes to the
// VPC's regional NAT gateway (RegionalNAT): available, public, automatic
// mode, active in each AZ of its subnets (one address each), in no subnet.
// It returns f.
func (f *Fake) RegionalSubnet(id, az string) *Fake {
	vpc := f.lastVPC()
	nat := RegionalNAT(vpc)
	if f.NAT(nat) == nil {
		f.NatGateways = append(f.NatGateways, types.NatGateway{NatGatewayId: aws.String(nat), VpcId: aws.String(vpc),
			State: types.NatGatewayStateAvailable, ConnectivityType: types.ConnectivityTypePublic,
			AvailabilityMode: types.AvailabilityModeRegional, AutoProvisionZones: types.AutoProvisionZonesStateEnabled,
			RouteTableId: aws.String("rtb-nat" + suffix(vpc))})
	}
	g := f.NAT(nat)
	g.NatGatewayAddresses = append(g.NatGatewayAddresses, types.NatGatewayAddress{AvailabilityZone: aws.String(az),
		Status: types.NatGatewayAddressStatusSucceeded, PublicIp: aws.String("198.51.100.1"), IsPrimary: aws.Bool(len(g.NatGatewayAddresses) == 0)})
	f.addSubnet(id, az, types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: aws.String(nat), State: types.RouteStateActive})
	return f
}
