package cost

import (
	"fmt"
	"strings"

	"github.com/coilednet/coilednet/config"
)

// Prices of the regional NAT gateway (natProvider=regional), us-east-1 list
// prices from AWS's Amazon VPC pricing page (https://aws.amazon.com/vpc/pricing/,
// "NAT Gateway"): AWS bills a regional NAT gateway for each AZ in which it
// is active, at the zonal NAT gateway's hourly price per AZ, and per GB
// processed at the zonal rate. The public IPv4 addresses AWS allocates to it
// (at least one in each active AZ) are billed as any public IPv4
// (PublicIPv4Hour).
const (
	// RegionalNatGatewayAzHour is one regional NAT gateway active in one AZ
	// for one hour.
	RegionalNatGatewayAzHour = NatGatewayHour
	// RegionalNatGatewayGB is its charge per GB processed, either direction.
	RegionalNatGatewayGB = NatGatewayGB
)

// RegionalActiveAzs is how many AZs the cost report bills n's regional NAT
// gateway for: every AZ of the network. AWS's EC2 API reference says a
// regional NAT gateway in automatic mode covers every AZ in which the VPC
// has subnets (and each of n's AZs has them); the VPC User Guide says it
// follows the workloads (network interfaces). The report takes the higher
// of the two and says what the other would save (StandbyAz).
func RegionalActiveAzs(n config.Network) int { return n.WithDefaults().Azs }

// regionalLines are the fixed costs of natProvider=regional.
func regionalLines(n config.Network) []Line {
	azs := RegionalActiveAzs(n)
	return []Line{
		{Item: "regional NAT gateway, per active AZ", Count: azs, HourlyUSD: RegionalNatGatewayAzHour},
		{Item: "public IPv4 of the regional NAT, per active AZ", Count: azs, HourlyUSD: PublicIPv4Hour},
	}
}

// Standby is what the idle standby AZs of a multi-AZ network cost: the AZs
// whose subnets are ready for `--zone` while no cluster runs there.
type Standby struct {
	// Azs is how many standby AZs there are (all AZs but the one Coiled
	// uses).
	Azs int
	// PerAzUSD is the monthly fixed cost of one standby AZ: every line the
	// network pays once per AZ.
	PerAzUSD float64
	// Parts names what PerAzUSD consists of, with amounts.
	Parts []string
	// NatUSD is the NAT's part of PerAzUSD (zonal NAT gateway or NAT
	// instance and its address, or the regional gateway's AZ).
	NatUSD float64
	// RegionalAvoidsUSD is what a regional NAT gateway avoids of PerAzUSD
	// at most: the NAT part, when AWS contracts it from an AZ where no
	// network interface is left (the VPC User Guide's behaviour).
	RegionalAvoidsUSD float64
}

// StandbyAz returns what each idle standby AZ of n costs (possibly
// nothing), or false when n has one AZ or builds no VPC. lines are n's fixed cost lines (Estimate's);
// a line of Count n.Azs is paid once per AZ.
func StandbyAz(n config.Network, lines []Line) (Standby, bool) {
	n = n.WithDefaults()
	if n.Azs < 2 || n.ExistingVpcId != "" {
		return Standby{}, false
	}
	s := Standby{Azs: n.Azs - 1}
	nat := natItems(n)
	for _, l := range lines {
		if l.Count != n.Azs {
			continue
		}
		m := l.HourlyUSD * HoursPerMonth
		s.PerAzUSD += m
		s.Parts = append(s.Parts, fmt.Sprintf("%s %s", l.Item, usd(m)))
		if nat[l.Item] {
			s.NatUSD += m
		}
	}
	if n.NatProvider != config.NatInstance {
		// A NAT instance costs less in the active AZ than a regional
		// gateway does: no saving is claimed for it.
		s.RegionalAvoidsUSD = s.NatUSD
	}
	return s, true
}

// natItems are the Items of the lines that make up n's NAT.
func natItems(n config.Network) map[string]bool {
	out := map[string]bool{}
	var lines []Line
	switch {
	case n.Regional():
		lines = regionalLines(n)
	case Nats(n) > 0:
		lines = natLines(n, Nats(n))
	}
	for _, l := range lines {
		out[l.Item] = true
	}
	return out
}

// standbyNotes is the cost report's note on the idle standby AZs of a
// multi-AZ network, and on the regional NAT gateway's billing.
func standbyNotes(n config.Network, lines []Line) []string {
	var notes []string
	if n.Regional() {
		notes = append(notes, fmt.Sprintf("the regional NAT gateway is billed per AZ where it is active, $%.3f/h each, plus $%.3f/GB processed; "+
			"this report bills every AZ with a subnet (AWS's EC2 API reference: automatic mode covers them all)", RegionalNatGatewayAzHour, RegionalNatGatewayGB))
	}
	s, ok := StandbyAz(n, lines)
	if !ok {
		return notes
	}
	what := strings.Join(s.Parts, ", ")
	if len(s.Parts) == 0 {
		what = "nothing in it is billed by the hour"
	}
	note := fmt.Sprintf("each of the %d idle standby AZ(s) (subnets ready for --zone, no cluster there) costs %s/month: %s",
		s.Azs, usd(s.PerAzUSD), what)
	switch {
	case n.Regional():
		note += fmt.Sprintf("; if AWS contracts the regional NAT gateway from AZs with no network interface (the VPC User Guide's behaviour), "+
			"the gateway's %s of it is not billed while the AZ is idle", usd(s.RegionalAvoidsUSD))
	case s.RegionalAvoidsUSD > 0:
		note += fmt.Sprintf("; a regional NAT gateway (-c natProvider=regional) avoids up to %s of it per idle AZ "+
			"(when AWS contracts it from AZs with no network interface, as the VPC User Guide says)", usd(s.RegionalAvoidsUSD))
	case n.HasPrivateSubnets() && n.Egress != config.EgressTransitGateway && n.NatProvider != config.NatInstance:
		note += "; a regional NAT gateway would avoid none of it (the standby AZs have no NAT of their own)"
	}
	return append(notes, note)
}

// regionalChoices are the cost table's rows for natProvider=regional.
func regionalChoices() []Choice {
	regional := func(t config.Topology, azs int) config.Network {
		return config.Network{Topology: t, NatProvider: config.NatRegional, Azs: azs}
	}
	return []Choice{
		{"`-c topology=private -c natProvider=regional`", regional(config.TopologyPrivate, 1)},
		{"`-c topology=private -c natProvider=regional -c azs=2`", regional(config.TopologyPrivate, 2)},
		{"`-c topology=internal -c natProvider=regional -c azs=2`", regional(config.TopologyInternal, 2)},
	}
}
