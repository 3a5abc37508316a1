package cost

import (
	"fmt"

	"github.com/coilednet/coilednet/config"
)

// Prices of the egress firewall (issue 13), us-east-1 list prices.
const (
	// FirewallEndpointHour is one AWS Network Firewall endpoint (one per
	// AZ) for one hour.
	FirewallEndpointHour = 0.395
	// FirewallGB is Network Firewall's charge per GB it processes.
	FirewallGB = 0.065
	// NatGatewayHourWaived is what AWS waives of a NAT gateway's hourly
	// charge for each firewall endpoint-hour in the same VPC ("standard NAT
	// gateway processing and per-hour usage charges are waived on a
	// one-to-one basis with the processing per GB and usage hours charged
	// for your firewall"): the whole NatGatewayHour, for at most one NAT
	// gateway per endpoint.
	NatGatewayHourWaived = NatGatewayHour
)

// firewallCosts returns the fixed costs and the usage notes of the egress
// firewall (issue 13). The NAT gateway waiver is counted: a negative line
// for the NAT gateway-hours AWS does not bill (one per endpoint, so at
// most the number of NAT gateways), so that the total is what AWS bills.
// The NAT gateways' Elastic IPs are not waived.
func firewallCosts(n config.Network) ([]Line, []string) {
	if !n.FirewallOn() {
		return nil, nil
	}
	n = n.WithDefaults()
	lines := []Line{{Item: "Network Firewall endpoint (one per AZ)", Count: n.Azs, HourlyUSD: FirewallEndpointHour}}
	notes := []string{fmt.Sprintf("the firewall charges $%.3f/GB it processes: all internet traffic of workers and scheduler, both ways "+
		"(S3 through the gateway endpoint bypasses it)", FirewallGB)}
	if n.NatProvider == config.NatGateway {
		lines = append(lines, Line{Item: "NAT gateway-hours AWS waives with the firewall", Count: min(Nats(n), n.Azs), HourlyUSD: -NatGatewayHourWaived})
		notes = append(notes, fmt.Sprintf("AWS waives the NAT gateways' hourly charge (counted above) and their $%.3f/GB for traffic the firewall also processes", NatGatewayGB))
	}
	logs := fmt.Sprintf("firewall alert and flow logs to CloudWatch Logs: $%.2f/GB ingested, plus storage for %d days", FlowLogsCloudWatchGB, config.FlowLogsRetentionDays)
	if n.FirewallLogs == config.FirewallLogsS3 {
		logs = fmt.Sprintf("firewall alert and flow logs to S3: $%.2f/GB delivered, plus storage for %d days", FlowLogsS3GB, config.FlowLogsRetentionDays)
	}
	return lines, append(notes, logs)
}
