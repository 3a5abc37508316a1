package config

import "fmt"

// Regional NAT gateway (natProvider=regional): one NAT gateway for the
// whole VPC, created with AvailabilityMode regional in automatic mode. AWS
// expands it into an AZ when a network interface appears there and
// contracts it when none is left, allocates its public addresses itself,
// and routes it to the VPC's internet gateway through a route table of its
// own: it needs no public subnet (AWS's Amazon VPC User Guide, "Regional
// NAT gateways for automatic multi-AZ expansion",
// https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateways-regional.html).

// Regional reports whether n's NAT is one regional NAT gateway.
func (n Network) Regional() bool {
	return n.NatProvider == NatRegional && n.HasPrivateSubnets() && n.Egress != EgressTransitGateway
}

// NeedsPublicSubnets reports whether n builds public subnets: the public
// and private topologies do (the scheduler's), internal does only for
// zonal NATs (they live in a public subnet); internal with a regional NAT
// gateway or with Transit Gateway egress has none.
func (n Network) NeedsPublicSubnets() bool {
	if n.Topology != TopologyInternal {
		return true
	}
	return n.Egress != EgressTransitGateway && n.NatProvider != NatRegional
}

// regionalProblems reports the options natProvider=regional cannot go with.
func (n Network) regionalProblems(add addFunc) {
	if n.NatProvider != NatRegional || !n.HasPrivateSubnets() {
		return
	}
	v := string(n.NatProvider)
	if n.Egress == EgressTransitGateway {
		add(KeyNatProvider, v, "is set, but egress=transitGateway builds no NAT (use egress=nat)", acceptNatProvider, valid(KeyEgress))
	}
	if n.NatGateways > 0 {
		add(KeyNatGateways, fmt.Sprint(n.NatGateways),
			"is set, but natProvider=regional builds one NAT gateway for the whole VPC, which covers every AZ (leave natGateways unset)",
			acceptNatGateways, valid(KeyNatProvider))
	}
	if n.EgressFirewall == EgressFirewallNetworkFirewall {
		add(KeyEgressFirewall, string(n.EgressFirewall),
			"needs zonal NAT gateways (the firewall sits between each AZ's NAT subnet and the internet gateway), "+
				"but natProvider=regional has no NAT subnet: use natProvider=gateway with the firewall",
			acceptEgressFirewall, valid(KeyNatProvider))
	}
}
