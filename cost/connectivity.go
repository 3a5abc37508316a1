package cost

import (
	"fmt"

	"github.com/coilednet/coilednet/config"
)

// Prices of private connectivity, in USD (us-east-1 list prices, like
// those in cost.go).
const (
	// TransitGatewayAttachmentHour is one Transit Gateway VPC attachment
	// for one hour ($36.50/month), billed to the account that owns it.
	TransitGatewayAttachmentHour = 0.05
	// TransitGatewayGB is the Transit Gateway's data processing charge per
	// GB sent to it from the attachment.
	TransitGatewayGB = 0.02
	// PeeringCrossAzGB is VPC peering data transfer across AZs, per GB,
	// charged in each direction; within an AZ it is free, and a peering
	// has no hourly cost.
	PeeringCrossAzGB = 0.01
)

// connectivityCosts returns the fixed costs and the usage notes of Transit
// Gateway attachments and peering (issue 10).
func connectivityCosts(n config.Network) ([]Line, []string) {
	var lines []Line
	var notes []string
	if n.ExistingVpcId != "" {
		notes = append(notes, "existing VPC: the stack creates only security groups (free); the VPC's NATs, gateways and endpoints are billed to its owner")
		return nil, notes
	}
	if n.UsesTransitGateway() {
		lines = append(lines, Line{Item: "Transit Gateway VPC attachment", Count: 1, HourlyUSD: TransitGatewayAttachmentHour})
		what := "traffic to transitGatewayRoutes"
		if n.Egress == config.EgressTransitGateway {
			what = "all internet-bound traffic of the private subnets"
			if len(n.TransitGatewayRoutes) > 0 {
				what += " and traffic to transitGatewayRoutes"
			}
		}
		notes = append(notes, fmt.Sprintf("the Transit Gateway charges $%.2f/GB sent to it: %s", TransitGatewayGB, what))
		if n.Egress == config.EgressTransitGateway {
			notes = append(notes, "egress=transitGateway: no NAT in this VPC; the central egress (NAT, firewall) is billed where it runs")
			if *n.S3Endpoint {
				notes = append(notes, "S3 in the stack's region goes through the free S3 gateway endpoint, not the Transit Gateway")
			}
		}
	}
	if len(n.PeerVpcs) > 0 {
		notes = append(notes, fmt.Sprintf("VPC peering has no hourly cost; data is free within an AZ and $%.2f/GB each way across AZs (inter-region rates for a peer in another region)", PeeringCrossAzGB))
	}
	return lines, notes
}
