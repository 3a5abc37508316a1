// Package summary describes in a few lines what a coilednet app will build
// (VPC range, subnets per role and AZ, NATs, who may reach the scheduler,
// and each concern's resources), for synth's output. It is plain Go and
// reads only a config.App.
package summary

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/coilednet/coilednet/config"
)

// Of returns the summary of a (defaults are filled in here), one line each,
// ending in a newline; a should have passed Validate.
func Of(a config.App) string {
	a = a.WithDefaults()
	var lines []string
	lines = append(lines, networkLines(a.Network)...)
	lines = append(lines, connectivityLines(a.Network)...)
	lines = append(lines, endpointLines(a.Network)...)
	lines = append(lines, firewallLines(a.Network)...)
	lines = append(lines, accessLines(a)...)
	if len(lines) == 0 {
		return ""
	}
	return "will build:\n  " + strings.Join(lines, "\n  ") + "\n"
}

// networkLines describes the reference network (issue 14): the VPC range,
// the subnets of each role in each AZ with their sizes, the NATs, and who
// may reach which scheduler ports.
func networkLines(n config.Network) []string {
	if n.ExistingVpcId != "" {
		public := n.WorkerPublicIp != nil && *n.WorkerPublicIp
		ip := "no"
		if public {
			ip = "yes"
		}
		return append([]string{fmt.Sprintf("existing VPC %s (%s): no VPC, subnet or route built, only Coiled's two security groups; "+
			"Coiled gets scheduler subnet %s, worker subnet %s, worker public IPs: %s",
			n.ExistingVpcId, n.ExistingVpcCidr, n.SchedulerSubnetId, n.WorkerSubnetId, ip)}, groupLines(n)...)
	}
	tgwEgress := n.Egress == config.EgressTransitGateway && n.Topology != config.TopologyPublic
	hasNat := n.Topology != config.TopologyPublic && !tgwEgress
	azs := azNames(n)
	lines := []string{fmt.Sprintf("VPC %s, %s topology, in %s: %s", n.VpcCidr, n.Topology, plural(n.Azs, "AZ"), strings.Join(azs, ", "))}

	groups := 2
	if n.Topology == config.TopologyPublic || (n.Topology == config.TopologyInternal && tgwEgress) {
		groups = 1
	}
	bits := n.VpcCidr.Bits() + bitsFor(groups*config.ReservedAzs)
	size := fmt.Sprintf("/%d, %s usable addresses each", bits, thousands((1<<(32-bits))-5))
	role := func(group int, name string) string {
		parts := make([]string, n.Azs)
		for az := range n.Azs {
			parts[az] = fmt.Sprintf("%s in %s", subnetCidr(n.VpcCidr, bits, group*config.ReservedAzs+az), azs[az])
		}
		return fmt.Sprintf("%s (%s): %s", name, size, strings.Join(parts, ", "))
	}
	egressTo := "route to the NAT"
	if tgwEgress {
		egressTo = "route to the Transit Gateway"
	} else if n.Regional() {
		egressTo = "route to the regional NAT gateway"
	}
	switch {
	case n.Topology == config.TopologyPublic:
		lines = append(lines, role(0, "subnets for scheduler and workers (public, public IPs on launch, route to the internet gateway)"))
	case n.Topology == config.TopologyPrivate:
		lines = append(lines,
			role(0, "scheduler subnets (public, route to the internet gateway)"),
			role(1, "worker subnets (private, no public IPs, "+egressTo+")"))
	case tgwEgress: // internal, Transit Gateway egress
		lines = append(lines, role(0, "subnets for scheduler and workers (private, no public IPs, no internet gateway, "+egressTo+")"))
	case n.Regional(): // internal, regional NAT gateway (regional.go)
		lines = append(lines, regionalInternalLines(n, role(1, "subnets for scheduler and workers (private, no public IPs, "+egressTo+")"))...)
	default: // internal, NAT egress
		lines = append(lines,
			role(0, "NAT subnets (public, route to the internet gateway; no Coiled VM)"),
			role(1, "subnets for scheduler and workers (private, no public IPs, "+egressTo+")"))
	}
	if hasNat && n.Regional() {
		lines = append(lines, regionalNatLine(n))
	} else if hasNat {
		nats := n.NatGateways
		if nats == 0 {
			nats = n.Azs
		}
		kind := "NAT gateway"
		if n.NatProvider == config.NatInstance {
			kind = "NAT instance"
			if nats > 1 {
				kind = "NAT instances"
			}
			kind = fmt.Sprintf("%d %s (%s)", nats, kind, config.NatInstanceType)
		} else {
			kind = fmt.Sprintf("%d %s", nats, map[bool]string{true: "NAT gateways", false: "NAT gateway"}[nats > 1])
		}
		where := "one per AZ"
		if nats < n.Azs {
			where = fmt.Sprintf("in %s, shared by the workers of all %d AZs", strings.Join(azs[:nats], ", "), n.Azs)
		}
		each := "each with a public IPv4 address"
		if nats == 1 {
			each = "with a public IPv4 address"
		}
		lines = append(lines, fmt.Sprintf("%s, %s, %s", kind, each, where))
	}
	lines = append(lines, groupLines(n)...)
	var extras []string
	if *n.S3Endpoint {
		extras = append(extras, "S3 gateway endpoint on every route table")
	}
	if *n.RestrictDefaultSecurityGroup {
		extras = append(extras, "default security group emptied")
	}
	if n.FlowLogs != config.FlowLogsOff {
		extras = append(extras, fmt.Sprintf("flow logs to %s (%d days)", n.FlowLogs, config.FlowLogsRetentionDays))
	}
	if len(extras) > 0 {
		lines = append(lines, strings.Join(extras, "; "))
	}
	return lines
}

// groupLines describes the two security groups.
func groupLines(n config.Network) []string {
	ports := make([]string, len(n.SchedulerPorts))
	for i, p := range n.SchedulerPorts {
		ports[i] = strconv.Itoa(int(p))
	}
	var from []string
	for _, c := range n.ClientCidrs {
		s := c.String()
		if c.Bits() == 0 {
			s += " (the whole internet)"
		}
		from = append(from, s)
	}
	for _, pl := range n.ClientPrefixListIds {
		from = append(from, "prefix list "+pl)
	}
	return []string{
		fmt.Sprintf("scheduler security group: TCP %s from %s", strings.Join(ports, ", "), strings.Join(from, ", ")),
		"cluster security group: all traffic between the cluster's VMs; all egress"}
}

// azNames names the AZs: AvailabilityZones, else their place in the
// region's list (resolved at deploy time).
func azNames(n config.Network) []string {
	if len(n.AvailabilityZones) > 0 {
		return n.AvailabilityZones
	}
	out := make([]string, n.Azs)
	for i := range out {
		out[i] = fmt.Sprintf("AZ %d of the region", i+1)
	}
	return out
}

// bitsFor returns how many prefix bits split a range into at least n
// equal blocks (CDK's even split of the VPC range).
func bitsFor(n int) int {
	b := 0
	for 1<<b < n {
		b++
	}
	return b
}

// subnetCidr returns block i of the /bits blocks of vpc: CDK gives each
// subnet group ReservedAzs consecutive blocks, in group order.
func subnetCidr(vpc netip.Prefix, bits, i int) netip.Prefix {
	a := vpc.Masked().Addr().As4()
	x := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	x += uint32(i) << (32 - bits)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)}), bits)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// thousands formats n with commas: 4,091.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
