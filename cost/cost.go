// Package cost estimates what a coilednet network costs: the fixed monthly
// cost of what the stack creates (NATs and their public IPv4 addresses) and
// notes on what grows with use (data processed, VMs, flow logs). It is plain
// Go and reads only a config.Network.
package cost

import (
	"fmt"
	"slices"
	"strings"

	"github.com/coilednet/coilednet/config"
)

// Prices, in USD: us-east-1 list prices (on-demand, first tier), the only
// place the code states them. Other regions cost somewhat more.
const (
	// HoursPerMonth is AWS's billing month.
	HoursPerMonth = 730.0
	// NatGatewayHour is one NAT gateway for one hour.
	NatGatewayHour = 0.045
	// NatGatewayGB is the NAT gateway's charge per GB it processes, in
	// either direction.
	NatGatewayGB = 0.045
	// PublicIPv4Hour is one public IPv4 address (an Elastic IP or one
	// assigned at launch) for one hour, in use or not.
	PublicIPv4Hour = 0.005
	// NatInstanceHour is one t4g.nano instance for one hour (the NAT
	// instance; its public IPv4 is PublicIPv4Hour on top).
	NatInstanceHour = 0.0042
	// EbsGp3GBMonth is one GB-month of gp3 storage (the NAT instance's root
	// volume).
	EbsGp3GBMonth = 0.08
	// NatInstanceMonitoringMonth is CloudWatch detailed monitoring of one
	// NAT instance for a month: its 7 EC2 metrics at $0.30 per metric-month
	// (first tier). Detailed monitoring is on because AWS Control Tower's
	// proactive control CT.EC2.PR.13 requires it.
	NatInstanceMonitoringMonth = NatInstanceMetrics * CloudWatchMetricMonth
	// NatInstanceMetrics is how many metrics EC2 detailed monitoring
	// publishes for an instance without EBS-optimized volumes or a GPU.
	NatInstanceMetrics = 7
	// CloudWatchMetricMonth is one custom or detailed CloudWatch metric for
	// a month, first tier.
	CloudWatchMetricMonth = 0.30
	// S3GatewayEndpointHour is the S3 gateway endpoint: free, with no
	// per-GB charge either. (Interface endpoints: endpoints.go.)
	S3GatewayEndpointHour = 0.0
	// CrossAzGB is data transfer between AZs, per GB, charged in each
	// direction.
	CrossAzGB = 0.01
	// FlowLogsCloudWatchGB is CloudWatch Logs ingestion of vended logs
	// (flow logs), per GB, first tier.
	FlowLogsCloudWatchGB = 0.50
	// FlowLogsS3GB is delivery of vended logs to S3, per GB, first tier.
	FlowLogsS3GB = 0.25
)

// Line is one fixed cost of a network: Count items at HourlyUSD each.
type Line struct {
	// Item names what is paid for, e.g. "NAT gateway".
	Item string
	// Count is how many of them the stack creates.
	Count int
	// HourlyUSD is the price of one for one hour.
	HourlyUSD float64
}

// MonthlyUSD is the line's cost over HoursPerMonth.
func (l Line) MonthlyUSD() float64 { return float64(l.Count) * l.HourlyUSD * HoursPerMonth }

// Report is the cost estimate of one network.
type Report struct {
	// Lines are the fixed costs: what the stack creates that is billed by
	// the hour whether or not a cluster runs. Empty for the public topology.
	Lines []Line
	// MonthlyUSD is the sum of the lines' monthly costs.
	MonthlyUSD float64
	// Notes are the costs that depend on use (per GB, per VM), one sentence
	// each, for the options chosen.
	Notes []string
}

// Nats returns how many NATs n creates: 0 for the public topology, with
// Transit Gateway egress and with an existing VPC, else
// NatGateways, or Azs when NatGateways is 0 (one per AZ).
func Nats(n config.Network) int {
	n = n.WithDefaults()
	switch {
	case !n.HasPrivateSubnets() || n.Egress == config.EgressTransitGateway || n.ExistingVpcId != "":
		return 0
	case n.Regional():
		return 1 // one for the VPC (regional.go)
	case n.NatGateways > 0:
		return n.NatGateways
	default:
		return n.Azs
	}
}

// natLines are the fixed costs of nats zonal NATs of n.
func natLines(n config.Network, nats int) []Line {
	if n.NatProvider == config.NatInstance {
		return []Line{
			{Item: "NAT instance, " + config.NatInstanceType, Count: nats, HourlyUSD: NatInstanceHour},
			{Item: "public IPv4 of the NAT instance", Count: nats, HourlyUSD: PublicIPv4Hour},
			{Item: fmt.Sprintf("NAT instance root volume, %d GiB gp3", config.NatInstanceVolumeGiB), Count: nats,
				HourlyUSD: config.NatInstanceVolumeGiB * EbsGp3GBMonth / HoursPerMonth},
			{Item: fmt.Sprintf("detailed monitoring of the NAT instance, %d metrics", NatInstanceMetrics), Count: nats,
				HourlyUSD: NatInstanceMonitoringMonth / HoursPerMonth}}
	}
	return []Line{
		{Item: "NAT gateway", Count: nats, HourlyUSD: NatGatewayHour},
		{Item: "Elastic IP (public IPv4) of the NAT gateway", Count: nats, HourlyUSD: PublicIPv4Hour}}
}

// Estimate returns the cost report of n, which should have passed
// Validate (defaults are filled in here).
func Estimate(n config.Network) Report {
	n = n.WithDefaults()
	var r Report
	nats := Nats(n)
	if n.Regional() {
		r.Lines = append(r.Lines, regionalLines(n)...)
	} else if nats > 0 {
		r.Lines = append(r.Lines, natLines(n, nats)...)
	}
	// Each concern's fixed costs and notes (connectivity.go, endpoints.go,
	// firewall.go); the notes follow the network's own.
	var concernNotes []string
	for _, costs := range []func(config.Network) ([]Line, []string){connectivityCosts, endpointCosts, firewallCosts} {
		lines, notes := costs(n)
		r.Lines = append(r.Lines, lines...)
		concernNotes = append(concernNotes, notes...)
	}
	for _, l := range r.Lines {
		r.MonthlyUSD += l.MonthlyUSD()
	}

	ipv4 := fmt.Sprintf("$%.3f/h ($%.2f/month)", PublicIPv4Hour, PublicIPv4Hour*HoursPerMonth)
	switch {
	case n.ExistingVpcId != "":
		// The VPC is someone else's: connectivityCosts says so.
	case n.HasPrivateSubnets() && nats == 0:
		if n.Topology == config.TopologyPrivate {
			r.Notes = append(r.Notes, "each running scheduler has a public IPv4: "+ipv4+"; workers have none")
		} else {
			r.Notes = append(r.Notes, "no Coiled VM has a public IPv4")
		}
	case n.HasPrivateSubnets():
		if n.Topology == config.TopologyPrivate {
			r.Notes = append(r.Notes, "each running scheduler has a public IPv4: "+ipv4+"; workers have none")
		} else {
			r.Notes = append(r.Notes, "no Coiled VM has a public IPv4; the scheduler's traffic goes through the NAT too")
		}
		if n.NatProvider == config.NatInstance {
			r.Notes = append(r.Notes,
				"NAT instances charge nothing per GB, but carry only what a t4g.nano can (burstable bandwidth) and are not replaced if they fail")
		} else {
			r.Notes = append(r.Notes, fmt.Sprintf("NAT gateways charge $%.3f/GB processed: all worker traffic to and from the internet", NatGatewayGB))
		}
		if nats < n.Azs && !n.Regional() {
			r.Notes = append(r.Notes, fmt.Sprintf("%d of %d AZs have no NAT of their own: their workers' internet traffic also pays cross-AZ transfer, $%.2f/GB each way", n.Azs-nats, n.Azs, CrossAzGB))
		}
		if *n.S3Endpoint {
			r.Notes = append(r.Notes, "S3 in the stack's region goes through the free S3 gateway endpoint, not the NAT")
		} else if n.NatProvider == config.NatInstance {
			r.Notes = append(r.Notes, "s3Endpoint is off: S3 traffic goes through the NAT instance and its limited bandwidth")
		} else {
			r.Notes = append(r.Notes, fmt.Sprintf("s3Endpoint is off: S3 traffic goes through the NAT gateway at $%.3f/GB; turn it on (free)", NatGatewayGB))
		}
	default:
		r.Notes = append(r.Notes, "every running VM (the scheduler and each worker) has a public IPv4: "+ipv4+" each")
		if *n.S3Endpoint {
			r.Notes = append(r.Notes, "S3 in the stack's region goes through the free S3 gateway endpoint")
		}
	}
	switch n.FlowLogs {
	case config.FlowLogsCloudWatch:
		r.Notes = append(r.Notes, fmt.Sprintf("flow logs to CloudWatch Logs: $%.2f/GB ingested, plus storage for %d days", FlowLogsCloudWatchGB, config.FlowLogsRetentionDays))
	case config.FlowLogsS3:
		r.Notes = append(r.Notes, fmt.Sprintf("flow logs to S3: $%.2f/GB delivered, plus storage for %d days", FlowLogsS3GB, config.FlowLogsRetentionDays))
	}
	r.Notes = append(r.Notes, concernNotes...)
	r.Notes = append(r.Notes, standbyNotes(n, r.Lines)...) // regional.go
	return r
}

// EstimateApp returns the cost report of the whole app: its network's
// (Estimate) and what the app adds beside it (the IAM access's secret).
func EstimateApp(a config.App) Report {
	a = a.WithDefaults()
	r := Estimate(a.Network)
	lines, notes := accessCosts(a)
	r.Lines = append(r.Lines, lines...)
	for _, l := range lines {
		r.MonthlyUSD += l.MonthlyUSD()
	}
	r.Notes = append(r.Notes, notes...)
	return r
}

// usd formats an amount of dollars to the cent.
func usd(x float64) string { return fmt.Sprintf("$%.2f", x) }

// String renders r as a short table, for synth's output:
//
//	fixed monthly cost (us-east-1 list prices, 730 h):
//	  1 × NAT gateway                                  $0.0450/h     $32.85
//	  ...
//	  total                                                          $36.50
//	grows with use:
//	  - ...
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fixed monthly cost (us-east-1 list prices, %.0f h):\n", HoursPerMonth)
	if len(r.Lines) == 0 {
		fmt.Fprintf(&b, "  %-50s %12s %10s\n", "nothing billed by the hour", "", usd(0))
	}
	for _, l := range r.Lines {
		fmt.Fprintf(&b, "  %-50s %12s %10s\n", fmt.Sprintf("%d × %s", l.Count, l.Item), fmt.Sprintf("$%.4f/h", l.HourlyUSD), usd(l.MonthlyUSD()))
	}
	fmt.Fprintf(&b, "  %-50s %12s %10s\n", "total", "", usd(r.MonthlyUSD))
	if len(r.Notes) > 0 {
		b.WriteString("grows with use:\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "  - %s\n", n)
		}
	}
	return b.String()
}

// Choice is one option combination of Table.
type Choice struct {
	// Options are the context options, as `-c` flags.
	Options string
	// Network is the network they give.
	Network config.Network
}

// Choices are the option combinations users choose between, in the order
// of Table.
func Choices() []Choice {
	private := func(p config.NatProvider, azs, nats int) config.Network {
		return config.Network{Topology: config.TopologyPrivate, NatProvider: p, Azs: azs, NatGateways: nats}
	}
	base := []Choice{
		{"`-c topology=public` (default)", config.Network{Topology: config.TopologyPublic}},
		{"`-c topology=private`", private(config.NatGateway, 1, 0)},
		{"`-c topology=private -c azs=2`", private(config.NatGateway, 2, 0)},
		{"`-c topology=private -c azs=2 -c natGateways=1`", private(config.NatGateway, 2, 1)},
		{"`-c topology=private -c natProvider=instance`", private(config.NatInstance, 1, 0)},
		{"`-c topology=private -c natProvider=instance -c azs=2`", private(config.NatInstance, 2, 0)},
		{"`-c topology=internal`", config.Network{Topology: config.TopologyInternal}},
		{"`-c topology=internal -c egress=transitGateway -c transitGatewayId=tgw-0123456789abcdef0`", config.Network{Topology: config.TopologyInternal,
			Connectivity: config.Connectivity{Egress: config.EgressTransitGateway, TransitGatewayId: "tgw-0123456789abcdef0"}}},
	}
	firewall := []Choice{
		{"`-c topology=private -c egressFirewall=network-firewall`", withFirewall(private(config.NatGateway, 1, 0))},
		{"`-c topology=private -c egressFirewall=network-firewall -c availabilityZones=us-east-1a,us-east-1b -c azs=2`",
			withFirewall(private(config.NatGateway, 2, 0), "us-east-1a", "us-east-1b")},
		{"`-c topology=private -c egressFirewall=network-firewall -c availabilityZones=us-east-1a,us-east-1b,us-east-1c -c azs=3`",
			withFirewall(private(config.NatGateway, 3, 0), "us-east-1a", "us-east-1b", "us-east-1c")},
	}
	return slices.Concat(base, endpointChoices(), firewall, regionalChoices())
}

// withFirewall returns n with the egress firewall on, in AZs azs.
func withFirewall(n config.Network, azs ...string) config.Network {
	n.EgressFirewall = config.EgressFirewallNetworkFirewall
	n.AvailabilityZones = azs
	return n
}

// Table returns a Markdown table of the fixed monthly cost of each of
// Choices, with what it consists of, for the README.
func Table() string {
	var b strings.Builder
	b.WriteString("| options | fixed cost / month (USD) | what is billed, per month each |\n")
	b.WriteString("|---|---:|---|\n")
	for _, c := range Choices() {
		r := Estimate(c.Network)
		var parts []string
		for _, l := range r.Lines {
			parts = append(parts, fmt.Sprintf("%d × %s ($%.2f)", l.Count, l.Item, l.HourlyUSD*HoursPerMonth))
		}
		what := strings.Join(parts, " + ")
		if what == "" {
			what = fmt.Sprintf("nothing fixed (each VM's public IPv4, $%g/h, is billed while the VM runs)", PublicIPv4Hour)
		}
		fmt.Fprintf(&b, "| %s | %.2f | %s |\n", c.Options, r.MonthlyUSD, what)
	}
	return b.String()
}
