package summary

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/coilednet/coilednet/config"
)

// endpointLines describes the VPC endpoints (issue 11), one line each; none when unused.
func endpointLines(n config.Network) []string {
	var lines []string
	where := fmt.Sprintf("in %d AZ(s) (worker subnets)", n.Azs)
	if s := n.InterfaceServices(); len(s) > 0 {
		lines = append(lines, fmt.Sprintf("interface endpoints: %s %s, private DNS on", strings.Join(s, ", "), where))
	}
	for _, s := range n.EndpointServices {
		ports := make([]string, len(s.Ports))
		for i, p := range s.Ports {
			ports[i] = strconv.Itoa(int(p))
		}
		dns := "private DNS off (DNS names are outputs)"
		if s.PrivateDns {
			dns = "private DNS on"
		}
		lines = append(lines, fmt.Sprintf("endpoint service %s on TCP %s %s, %s", s.ServiceName, strings.Join(ports, ","), where, dns))
	}
	switch {
	case n.HasEndpoints() && n.EndpointSourcesDefault():
		lines = append(lines, "endpoint security group: admits only the cluster security group")
	case n.HasEndpoints():
		var who []string
		for _, s := range n.EndpointSourceList() {
			switch s {
			case config.EndpointSourceCluster:
				who = append(who, "the cluster security group")
			case config.EndpointSourceVpc:
				who = append(who, "the VPC's range")
			default:
				who = append(who, s)
			}
		}
		lines = append(lines, "endpoint security group: admits "+strings.Join(who, ", "))
	}
	if *n.DynamoDbEndpoint {
		lines = append(lines, "DynamoDB gateway endpoint on every route table (free)")
	}
	return lines
}
