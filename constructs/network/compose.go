package network

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/constructs/endpoints"
	"github.com/coilednet/coilednet/constructs/firewall"
)

// The concerns CoiledNetwork composes beside the topology, each built by its
// own package under constructs/ and exposed as a typed field of
// CoiledNetwork. NewCoiledNetwork calls these after the VPC and the security
// groups exist, in this order.

// composeConnectivity adds the Transit Gateway attachment, its routes and
// the VPC peerings (constructs/connectivity), if p asks for any.
func (n *CoiledNetwork) composeConnectivity(scope constructs.Construct) {}

// composeFirewall adds the egress firewall (constructs/firewall), if p asks
// for it: between the subnets that hold the NATs (the public subnets) and
// the internet gateway. In the private topology the scheduler shares those
// subnets, so its traffic is inspected too and its ports are let in.
func (n *CoiledNetwork) composeFirewall(scope constructs.Construct) {
	p := n.Props
	if p.EgressFirewall != config.EgressFirewallNetworkFirewall {
		return
	}
	var natSubnets []awsec2.ISubnet
	for _, z := range n.Zones {
		natSubnets = append(natSubnets, z.SchedulerSubnet)
	}
	n.Firewall = firewall.New(scope, "EgressFirewall", firewall.Props{
		Vpc:            n.Vpc,
		NatSubnets:     natSubnets,
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
	n.Endpoints = endpoints.New(scope, "Endpoints", endpoints.Props{
		Vpc:                  n.Vpc,
		WorkerSubnets:        workers,
		RouteTableSubnets:    all,
		ClusterSecurityGroup: n.ClusterSecurityGroup,
		Options:              n.Props.Endpoints,
	})
}
