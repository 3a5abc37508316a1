package config

import (
	"fmt"
	"slices"
	"strings"
)

// Security-group rule quota (issue 18): one accounting of the inbound rules
// of every security group the stack builds, as AWS counts them, so that a
// group that would exceed the quota is rejected at synth instead of failing
// the CloudFormation deploy midway. Package preflight and the hook's live
// check reuse it with the prefix lists' real sizes.
//
// How AWS counts (Amazon VPC quotas, "Inbound or outbound rules per security
// group"): a group holds SecurityGroupRuleQuota inbound rules for IPv4 and as
// many for IPv6, counted separately; each port (or port range) and source is
// one rule; a rule that references a security group counts as one IPv4 and
// one IPv6 rule; a rule that references a managed prefix list counts as the
// list's maximum number of entries (AWS-managed lists: their weight, which
// DescribeManagedPrefixLists reports as MaxEntries).

// SecurityGroupRuleQuota is EC2's default quota of inbound rules per
// security group, for IPv4 and for IPv6 each.
const SecurityGroupRuleQuota = 60

// PrefixListSize is what counts of a managed prefix list: its maximum
// number of entries and its address family ("IPv4", "IPv6"; "" when not
// known: then it counts in both).
type PrefixListSize struct {
	MaxEntries    int
	AddressFamily string
}

// GroupRules are the inbound rules of one security group the stack builds:
// every source is admitted on each of Ports (one rule per port and source).
type GroupRules struct {
	// Group names the group, e.g. "the scheduler security group".
	Group string
	// Keys are the context keys whose values make its rules, the first
	// the one an error is reported on.
	Keys []string
	// Ports is how many port rules each source gets.
	Ports int
	// IPv4Cidrs and IPv6Cidrs are its CIDR sources.
	IPv4Cidrs, IPv6Cidrs int
	// GroupRefs is how many security groups it admits by reference.
	GroupRefs int
	// PrefixLists are the managed prefix lists it admits.
	PrefixLists []string
	// Options says what to change to need fewer rules.
	Options string
	// accepted is what Keys[0] accepts, for the error.
	accepted string
}

// RuleCount is a group's inbound rules by address family.
type RuleCount struct {
	IPv4, IPv6 int
	// Unknown are the prefix lists whose size was not known: each was
	// counted as one rule per port in both families, the least it can be.
	Unknown []string
}

// Over reports whether c exceeds the quota in either family.
func (c RuleCount) Over() bool {
	return c.IPv4 > SecurityGroupRuleQuota || c.IPv6 > SecurityGroupRuleQuota
}

// Count counts g's rules as AWS does, with the prefix lists' sizes (nil or
// missing: unknown).
func (g GroupRules) Count(sizes map[string]PrefixListSize) RuleCount {
	c := RuleCount{
		IPv4: g.Ports * (g.IPv4Cidrs + g.GroupRefs),
		IPv6: g.Ports * (g.IPv6Cidrs + g.GroupRefs),
	}
	for _, id := range g.PrefixLists {
		s, ok := sizes[id]
		if !ok {
			c.Unknown = append(c.Unknown, id)
			c.IPv4 += g.Ports
			c.IPv6 += g.Ports
			continue
		}
		n := g.Ports * max(s.MaxEntries, 1)
		switch s.AddressFamily {
		case "IPv4":
			c.IPv4 += n
		case "IPv6":
			c.IPv6 += n
		default:
			c.IPv4 += n
			c.IPv6 += n
		}
	}
	return c
}

// Explain says how c was counted, e.g. "3 ports × (21 IPv4 CIDRs) = 63
// IPv4 rules".
func (g GroupRules) Explain(c RuleCount, sizes map[string]PrefixListSize) string {
	var parts []string
	if g.IPv4Cidrs > 0 {
		parts = append(parts, plural(g.IPv4Cidrs, "IPv4 CIDR"))
	}
	if g.IPv6Cidrs > 0 {
		parts = append(parts, plural(g.IPv6Cidrs, "IPv6 CIDR"))
	}
	if g.GroupRefs > 0 {
		parts = append(parts, plural(g.GroupRefs, "security group")+" (1 IPv4 + 1 IPv6 rule each)")
	}
	for _, id := range g.PrefixLists {
		if s, ok := sizes[id]; ok {
			fam := s.AddressFamily
			if fam == "" {
				fam = "IPv4 and IPv6"
			}
			parts = append(parts, fmt.Sprintf("prefix list %s (max entries %d, %s)", id, s.MaxEntries, fam))
		} else {
			parts = append(parts, fmt.Sprintf("prefix list %s (max entries unknown, counted as 1)", id))
		}
	}
	return fmt.Sprintf("%s × [%s] = %d IPv4 and %d IPv6 inbound rules",
		plural(g.Ports, "port"), strings.Join(parts, " + "), c.IPv4, c.IPv6)
}

func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// SecurityGroupRules lists the inbound rules of every security group n
// (after defaults) builds: the scheduler group, the cluster group, the
// interface endpoints' group (if any) and the NAT instances' group (if
// any).
func (n Network) SecurityGroupRules() []GroupRules {
	n = n.WithDefaults()
	sched := GroupRules{
		Group:    "the scheduler security group",
		Keys:     []string{KeyClientCidrs, KeyClientPrefixListIds, KeySchedulerPorts},
		Ports:    distinctPorts(n.SchedulerPorts),
		accepted: acceptClientCidrs,
		Options: "use fewer, wider clientCidrs (aggregate neighbouring ranges), fewer schedulerPorts " +
			"(current Coiled clusters need only 443: -c schedulerPorts=443), or a prefix list with fewer max entries " +
			"(unless your account's quota of rules per security group was raised)",
	}
	for _, p := range n.ClientCidrs {
		if p.IsValid() && p.Addr().Is6() && !p.Addr().Is4In6() {
			sched.IPv6Cidrs++
		} else {
			sched.IPv4Cidrs++
		}
	}
	sched.PrefixLists = uniqueStrings(n.ClientPrefixListIds)
	groups := []GroupRules{sched, {
		Group: "the cluster security group", Keys: []string{KeyTopology}, Ports: 1, GroupRefs: 1,
	}}
	if n.HasEndpoints() {
		e := GroupRules{
			Group:    "the endpoint security group",
			Keys:     []string{KeyEndpointServices, KeyInterfaceEndpoints, KeyEndpointSources},
			Ports:    len(n.EndpointPorts()),
			Options:  "connect fewer endpoint services, on fewer distinct ports, or admit fewer endpointSources",
			accepted: acceptEndpointServices,
		}
		for _, s := range n.EndpointSourceList() {
			switch {
			case s == EndpointSourceVpc:
				e.IPv4Cidrs++
			default: // cluster, sg-…
				e.GroupRefs++
			}
		}
		groups = append(groups, e)
	}
	if n.NatProvider == NatInstance && n.HasPrivateSubnets() && n.Egress != EgressTransitGateway && n.ExistingVpcId == "" {
		groups = append(groups, GroupRules{Group: "the NAT instances' security group", Keys: []string{KeyNatProvider}, Ports: 1, IPv4Cidrs: 1})
	}
	return groups
}

// EndpointPorts are the distinct TCP ports of the interface endpoints
// (443 for AWS services, each endpoint service's own), sorted.
func (n Network) EndpointPorts() []uint16 {
	var ports []uint16
	if len(n.InterfaceEndpoints) > 0 {
		ports = append(ports, 443)
	}
	for _, s := range n.EndpointServices {
		ports = append(ports, s.Ports...)
		if s.Ports == nil {
			ports = append(ports, DefaultEndpointServicePort)
		}
	}
	slices.Sort(ports)
	return slices.Compact(ports)
}

func distinctPorts(ports []uint16) int {
	p := slices.Clone(ports)
	slices.Sort(p)
	return len(slices.Compact(p))
}

func uniqueStrings(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// RuleQuotaProblems returns, for every group of n whose inbound rules
// (prefix lists by sizes; unknown ones by their least) exceed the quota, a
// sentence naming the group, the count, the quota and the options to
// change. Synth (with sizes nil) and package preflight (with the sizes EC2
// reports) use it.
func (n Network) RuleQuotaProblems(sizes map[string]PrefixListSize) []string {
	var out []string
	for _, g := range n.SecurityGroupRules() {
		if c := g.Count(sizes); c.Over() {
			out = append(out, g.problem(c, sizes))
		}
	}
	return out
}

func (g GroupRules) problem(c RuleCount, sizes map[string]PrefixListSize) string {
	return fmt.Sprintf("%s: %s, more than the %d inbound rules per address family a security group holds (EC2's default quota), "+
		"so CloudFormation would fail midway; %s", g.Group, g.Explain(c, sizes), SecurityGroupRuleQuota, g.Options)
}

// ruleQuotaProblems rejects, at synth, a group whose rules exceed the
// quota even with every prefix list at its least (one entry).
func (n Network) ruleQuotaProblems(add addFunc) {
	for _, g := range n.SecurityGroupRules() {
		c := g.Count(nil)
		if !c.Over() {
			continue
		}
		value := fmt.Sprintf("%d IPv4 and %d IPv6 rules", c.IPv4, c.IPv6)
		deps := []string{}
		for _, k := range g.Keys[1:] {
			deps = append(deps, valid(k))
		}
		add(g.Keys[0], value, "are too many for "+g.problem(c, nil), g.accepted, deps...)
	}
}

// prefixListWarnings says how the prefix lists count, which synth cannot
// read.
func (n Network) prefixListWarnings() []Warning {
	var w []Warning
	for _, g := range n.SecurityGroupRules() {
		if len(g.PrefixLists) == 0 {
			continue
		}
		c := g.Count(nil)
		w = append(w, Warning{"prefixListRules", fmt.Sprintf("clientPrefixListIds (%s): AWS counts a referenced prefix list as its maximum number of entries, "+
			"once per port: %s has %d IPv4 and %d IPv6 inbound rules counting each list as 1, and %d more per list for each max entry above 1, "+
			"of the %d a group holds per address family. Synth cannot read max entries; with AWS credentials scripts/deploy reads them "+
			"(DescribeManagedPrefixLists) and stops before CloudFormation if the quota is exceeded, and coiled-hook --check counts them on the live network",
			strings.Join(g.PrefixLists, ", "), g.Group, c.IPv4, c.IPv6, g.Ports, SecurityGroupRuleQuota)})
	}
	return w
}
