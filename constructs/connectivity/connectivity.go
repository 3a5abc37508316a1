// Package connectivity connects a Coiled network privately: a Transit
// Gateway VPC attachment in its own small subnets, routes to the Transit
// Gateway (0.0.0.0/0 for Transit Gateway egress, and the ranges listed in
// transitGatewayRoutes), and VPC peerings with their routes (see
// config.Connectivity). The VPC and its subnets are built by package network;
// this package only adds to them, so that no existing subnet moves.
package connectivity

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/config"
)

// RouteTable is one route table of the VPC that gets the routes: that of
// one subnet.
type RouteTable struct {
	// Name names the subnet, e.g. "PrivateSubnet1"; it is part of the
	// routes' logical IDs.
	Name string
	// ID is the route table's id (a token).
	ID *string
	// Egress marks the route tables whose 0.0.0.0/0 goes to the Transit
	// Gateway with egress=transitGateway (the private subnets').
	Egress bool
}

// Props are what Connectivity is built from.
type Props struct {
	// Network are the validated options, defaults filled in.
	Network config.Network
	// VpcId is the VPC to connect.
	VpcId *string
	// AvailabilityZones are the VPC's AZs, in order: one attachment subnet
	// goes in each.
	AvailabilityZones []*string
	// RouteTables are the route tables of every subnet of the VPC.
	RouteTables []RouteTable
}

// Connectivity is what the options add. Build it with New.
type Connectivity struct {
	constructs.Construct

	// TransitGatewayAttachment is the VPC's attachment to
	// config.Network.TransitGatewayId; nil when there is none.
	TransitGatewayAttachment awsec2.CfnTransitGatewayVpcAttachment
	// TransitGatewaySubnets are the attachment's /28 subnets, one per AZ,
	// carved from the free quarter of the VPC range. No Coiled VM runs in
	// them; their route tables hold only the local route.
	TransitGatewaySubnets []awsec2.Subnet
	// Peerings are the VPC peering connections, in the order of
	// config.Network.PeerVpcs.
	Peerings []awsec2.CfnVPCPeeringConnection
	// Routes are every route added, to the Transit Gateway or a peering.
	Routes []awsec2.CfnRoute
}

// Needed reports whether n asks for anything this package builds.
func Needed(n config.Network) bool {
	return n.UsesTransitGateway() || len(n.PeerVpcs) > 0
}

// New adds the Transit Gateway attachment, the peerings and their routes
// that p.Network asks for under scope.
func New(scope constructs.Construct, id string, p Props) *Connectivity {
	n := p.Network
	self := constructs.NewConstruct(scope, jsii.String(id))
	c := &Connectivity{Construct: self}

	if n.UsesTransitGateway() {
		var subnetIds []*string
		for i, az := range p.AvailabilityZones {
			sn := awsec2.NewSubnet(self, jsii.String(fmt.Sprintf("TransitGatewaySubnet%d", i+1)), &awsec2.SubnetProps{
				VpcId:               p.VpcId,
				AvailabilityZone:    az,
				CidrBlock:           jsii.String(n.ExtraSubnetCidr(config.TransitGatewaySubnets, i).String()),
				MapPublicIpOnLaunch: jsii.Bool(false),
			})
			awscdk.Tags_Of(sn).Add(jsii.String("Name"), jsii.String(fmt.Sprintf("coilednet transit gateway attachment %d", i+1)), nil)
			c.TransitGatewaySubnets = append(c.TransitGatewaySubnets, sn)
			subnetIds = append(subnetIds, sn.SubnetId())
		}
		c.TransitGatewayAttachment = awsec2.NewCfnTransitGatewayVpcAttachment(self, jsii.String("TransitGatewayAttachment"), &awsec2.CfnTransitGatewayVpcAttachmentProps{
			TransitGatewayId: jsii.String(n.TransitGatewayId),
			VpcId:            p.VpcId,
			SubnetIds:        &subnetIds,
			Tags:             &[]*awscdk.CfnTag{{Key: jsii.String("Name"), Value: jsii.String("coilednet")}},
		})
		for _, rt := range p.RouteTables {
			if rt.Egress && n.Egress == config.EgressTransitGateway {
				c.tgwRoute(rt, "DefaultRoute", "0.0.0.0/0", n.TransitGatewayId)
			}
			for j, dest := range n.TransitGatewayRoutes {
				c.tgwRoute(rt, fmt.Sprintf("TransitGatewayRoute%d", j+1), dest.String(), n.TransitGatewayId)
			}
		}
	}

	for i, peer := range n.PeerVpcs {
		props := &awsec2.CfnVPCPeeringConnectionProps{
			VpcId:     p.VpcId,
			PeerVpcId: jsii.String(peer.VpcId),
			Tags:      &[]*awscdk.CfnTag{{Key: jsii.String("Name"), Value: jsii.String("coilednet to " + peer.VpcId)}},
		}
		if peer.OwnerId != "" {
			props.PeerOwnerId = jsii.String(peer.OwnerId)
		}
		if peer.Region != "" {
			props.PeerRegion = jsii.String(peer.Region)
		}
		if peer.RoleArn != "" {
			props.PeerRoleArn = jsii.String(peer.RoleArn)
		}
		pcx := awsec2.NewCfnVPCPeeringConnection(self, jsii.String(fmt.Sprintf("Peering%d", i+1)), props)
		c.Peerings = append(c.Peerings, pcx)
		for _, rt := range p.RouteTables {
			r := awsec2.NewCfnRoute(self, jsii.String(fmt.Sprintf("%sPeering%dRoute", rt.Name, i+1)), &awsec2.CfnRouteProps{
				RouteTableId:           rt.ID,
				DestinationCidrBlock:   jsii.String(peer.Cidr.String()),
				VpcPeeringConnectionId: pcx.Ref(), // its id, as GetAtt Id (which the emulator lacks)
			})
			c.Routes = append(c.Routes, r)
		}
	}
	return c
}

// tgwRoute routes dest from rt to the Transit Gateway, once the attachment
// exists (a route to a Transit Gateway the VPC is not attached to fails).
func (c *Connectivity) tgwRoute(rt RouteTable, name, dest, tgw string) {
	r := awsec2.NewCfnRoute(c.Construct, jsii.String(rt.Name+name), &awsec2.CfnRouteProps{
		RouteTableId:         rt.ID,
		DestinationCidrBlock: jsii.String(dest),
		TransitGatewayId:     jsii.String(tgw),
	})
	r.AddResourceDependency(c.TransitGatewayAttachment, nil)
	c.Routes = append(c.Routes, r)
}
