package summary

import (
	"fmt"

	"github.com/coilednet/coilednet/config"
)

// regionalNatLine describes natProvider=regional's one NAT gateway.
func regionalNatLine(n config.Network) string {
	return fmt.Sprintf("1 NAT gateway, regional: one for the whole VPC (AvailabilityMode regional, automatic mode), in no subnet; "+
		"AWS gives it a public IPv4 address in each AZ where it is active and expands it into an AZ when workers start there; "+
		"%s route 0.0.0.0/0 to it", map[bool]string{true: "the scheduler's and workers' subnets", false: "the worker subnets"}[n.Topology == config.TopologyInternal])
}

// regionalInternalLines are the subnet lines of internal with a regional
// NAT gateway: no public subnet at all, the private ones where internal
// with zonal NATs has them.
func regionalInternalLines(n config.Network, private string) []string {
	return []string{
		"no public subnet: the regional NAT gateway needs none and nothing else does (the public subnets' addresses stay reserved; " +
			"the internet gateway serves only the NAT gateway's own route table)",
		private,
	}
}
