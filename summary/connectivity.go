package summary

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/coilednet/coilednet/config"
)

// connectivityLines describes the private connectivity (issue 10), one line
// each; none when unused.
func connectivityLines(n config.Network) []string {
	var lines []string
	if n.ExistingVpcId != "" {
		return nil // networkLines says it all, once (issue 19)
	}
	if n.Topology == config.TopologyInternal {
		lines = append(lines, fmt.Sprintf("internal: scheduler and workers in private subnets, no public IP on any Coiled VM; "+
			"clients reach the scheduler's private IP from %s and set coiled.use_scheduler_public_ip: False", cidrs(n.ClientCidrs)))
	}
	if n.UsesTransitGateway() {
		var subnets []string
		for az := 0; az < n.Azs; az++ {
			subnets = append(subnets, n.ExtraSubnetCidr(config.TransitGatewaySubnets, az).String())
		}
		lines = append(lines, fmt.Sprintf("Transit Gateway attachment to %s in %d AZ(s), subnets %s (no Coiled VM in them)",
			n.TransitGatewayId, n.Azs, strings.Join(subnets, ", ")))
		var routes []string
		if n.Egress == config.EgressTransitGateway {
			routes = append(routes, "0.0.0.0/0 (private subnets)")
		}
		if len(n.TransitGatewayRoutes) > 0 {
			routes = append(routes, cidrs(n.TransitGatewayRoutes)+" (every subnet)")
		}
		lines = append(lines, "routes to the Transit Gateway: "+strings.Join(routes, ", "))
	}
	if n.Egress == config.EgressTransitGateway {
		if n.Topology == config.TopologyInternal {
			lines = append(lines, "egress through the Transit Gateway: no NAT, no internet gateway, no public subnet")
		} else {
			lines = append(lines, "egress through the Transit Gateway: no NAT; the scheduler's public subnet keeps the internet gateway")
		}
	}
	for _, p := range n.PeerVpcs {
		where := ""
		if p.OwnerId != "" {
			where += ", account " + p.OwnerId
		}
		if p.Region != "" {
			where += ", region " + p.Region
		}
		lines = append(lines, fmt.Sprintf("VPC peering with %s (%s%s), routes from every subnet; the peer adds the return route to %s", p.VpcId, p.Cidr, where, n.VpcCidr))
	}
	return lines
}

func cidrs(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}
