package cost

import (
	"fmt"

	"github.com/coilednet/coilednet/config"
)

// Prices of PrivateLink, us-east-1 list prices like those in cost.go.
const (
	// InterfaceEndpointAzHour is one interface endpoint in one AZ (one
	// network interface) for one hour: $7.30 per AZ per month.
	InterfaceEndpointAzHour = 0.01
	// InterfaceEndpointGB is an interface endpoint's charge per GB it
	// processes, in either direction (first PB tier).
	InterfaceEndpointGB = 0.01
	// DynamoDbGatewayEndpointHour is the DynamoDB gateway endpoint: free,
	// with no per-GB charge either.
	DynamoDbGatewayEndpointHour = 0.0
)

// endpointCosts returns the fixed costs and the usage notes of interface endpoints (issue 11).
func endpointCosts(n config.Network) ([]Line, []string) {
	var lines []Line
	names := append([]string(nil), n.InterfaceServices()...)
	for _, s := range n.EndpointServices {
		names = append(names, s.ServiceName)
	}
	for _, name := range names {
		lines = append(lines, Line{Item: "interface endpoint " + name + ", per AZ", Count: n.Azs, HourlyUSD: InterfaceEndpointAzHour})
	}
	var notes []string
	if len(names) > 0 {
		monthly := float64(len(names)*n.Azs) * InterfaceEndpointAzHour * HoursPerMonth
		note := fmt.Sprintf("interface endpoints charge $%.2f/GB processed", InterfaceEndpointGB)
		if Nats(n) > 0 && n.NatProvider != config.NatInstance {
			saved := NatGatewayGB - InterfaceEndpointGB
			note += fmt.Sprintf("; what goes through them no longer pays NAT gateway processing ($%.3f/GB), a saving of $%.3f/GB, "+
				"so their %s/month pay for themselves above about %.0f GB/month through them", NatGatewayGB, saved, usd(monthly), monthly/saved)
		} else {
			note += "; there is no NAT gateway processing to save here: they keep that traffic off the internet"
		}
		notes = append(notes, note)
	}
	if *n.DynamoDbEndpoint {
		notes = append(notes, "DynamoDB in the stack's region goes through the free DynamoDB gateway endpoint"+
			map[bool]string{true: ", not the NAT", false: ""}[Nats(n) > 0])
	}
	return lines, notes
}

// endpointChoices are the README cost table's endpoint rows.
func endpointChoices() []Choice {
	return []Choice{
		{"`-c topology=private -c interfaceEndpoints=coiled`", config.Network{Topology: config.TopologyPrivate,
			Endpoints: config.Endpoints{InterfaceEndpoints: []string{config.PresetCoiled}}}},
		{"`-c endpointServices=com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0`", config.Network{
			Endpoints: config.Endpoints{EndpointServices: []config.EndpointService{{ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"}}}}},
	}
}
