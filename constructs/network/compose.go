package network

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/constructs/connectivity"
	"github.com/coilednet/coilednet/constructs/endpoints"
	"github.com/coilednet/coilednet/constructs/firewall"
)

// The concerns CoiledNetwork composes beside the topology, each built by its
// own package under constructs/ and exposed as a typed field of
// CoiledNetwork. NewCoiledNetwork calls these after the VPC and the security
// groups exist, in this order.

// composeConnectivity adds the Transit Gateway attachment, its routes and
// the VPC peerings (constructs/connectivity), if p asks for any.
func (n *CoiledNetwork) composeConnectivity(scope constructs.Construct) {
	if n.Props.ExistingVpcId != "" || !connectivity.Needed(n.Props) {
		return
	}
	vpc := n.Vpc.(awsec2.Vpc) // built by newVpc
	props := connectivity.Props{Network: n.Props, VpcId: vpc.VpcId()}
	for _, z := range n.Zones {
		props.AvailabilityZones = append(props.AvailabilityZones, z.AvailabilityZone)
	}
	// Every subnet of the VPC, by group: public (scheduler or NAT), then
	// private (whose 0.0.0.0/0 goes to the Transit Gateway with
	// egress=transitGateway).
	add := func(group string, subnets *[]awsec2.ISubnet, egress bool) {
		for i, s := range *subnets {
			props.RouteTables = append(props.RouteTables, connectivity.RouteTable{
				Name: fmt.Sprintf("%sSubnet%d", group, i+1), ID: s.RouteTable().RouteTableId(), Egress: egress,
			})
		}
	}
	add(publicGroup, vpc.PublicSubnets(), false)
	add(privateGroup, vpc.PrivateSubnets(), true)
	add(privateGroup, vpc.IsolatedSubnets(), true)
	n.Connectivity = connectivity.New(scope, "Connectivity", props)
}

// composeFirewall adds the egress firewall (constructs/firewall), if p asks
// for it: between the subnets that hold the NATs (the public subnets) and
// the internet gateway. In the private topology the scheduler shares those
// subnets, so its traffic is inspected too and its ports are let in.
func (n *CoiledNetwork) composeFirewall(scope constructs.Construct) {
	p := n.Props
	if p.EgressFirewall != config.EgressFirewallNetworkFirewall {
		return
	}
	// The firewall needs a VPC this stack builds (config rejects
	// egressFirewall with existingVpcId): its NATs sit in the public subnets.
	vpc := n.Vpc.(awsec2.Vpc)
	n.Firewall = firewall.New(scope, "EgressFirewall", firewall.Props{
		Vpc:            vpc,
		NatSubnets:     *vpc.PublicSubnets(),
		Network:        p,
		SchedulerPorts: p.SchedulerPorts,
		Name:           *awscdk.Stack_Of(scope).StackName(),
	})
}

// composeEndpoints adds the VPC endpoints (constructs/endpoints), if p asks
// for any.
func (n *CoiledNetwork) composeEndpoints(scope constructs.Construct) {
	if !endpoints.Wanted(n.Props.Endpoints) {
		return
	}
	var workers, all []awsec2.ISubnet
	for _, z := range n.Zones {
		workers = append(workers, z.WorkerSubnet)
		all = append(all, z.SchedulerSubnet, z.WorkerSubnet)
	}
	if len(n.Zones) == 0 {
		// An existing VPC (no ZoneN): the endpoints go into the worker
		// subnet handed to Coiled; config rejects the DynamoDB gateway there.
		workers = []awsec2.ISubnet{n.WorkerSubnet}
	}
	n.Endpoints = endpoints.New(scope, "Endpoints", endpoints.Props{
		Vpc:                  n.Vpc,
		WorkerSubnets:        workers,
		RouteTableSubnets:    all,
		ClusterSecurityGroup: n.ClusterSecurityGroup,
		Options:              n.Props.Endpoints,
	})
}
