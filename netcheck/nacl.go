package netcheck

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

var internet = netip.MustParsePrefix("0.0.0.0/0")

// aclOf returns the network ACL of subnet: its association, else the VPC's
// default ACL (which AWS associates with every subnet not otherwise
// associated).
func (c *checker) aclOf(subnet string) *types.NetworkAcl {
	var def *types.NetworkAcl
	for i := range c.acls {
		a := &c.acls[i]
		for _, as := range a.Associations {
			if aws.ToString(as.SubnetId) == subnet {
				return a
			}
		}
		if aws.ToBool(a.IsDefault) {
			def = a
		}
	}
	return def
}

// aclEntry is an IPv4 entry of one direction, parsed.
type aclEntry struct {
	number   int32
	allow    bool
	proto    string // "-1" all, "6" TCP, "17" UDP, …
	from, to int32  // ports; all when proto is -1 or the entry has no range
	cidr     netip.Prefix
}

func entries(acl *types.NetworkAcl, egress bool) []aclEntry {
	var out []aclEntry
	for _, e := range acl.Entries {
		if aws.ToBool(e.Egress) != egress || e.CidrBlock == nil {
			continue // the other direction, or an IPv6 entry
		}
		p, err := netip.ParsePrefix(aws.ToString(e.CidrBlock))
		if err != nil {
			continue
		}
		x := aclEntry{number: aws.ToInt32(e.RuleNumber), allow: e.RuleAction == types.RuleActionAllow,
			proto: aws.ToString(e.Protocol), from: 0, to: 65535, cidr: p.Masked()}
		if x.proto == "all" {
			x.proto = "-1"
		}
		if x.proto != "-1" && e.PortRange != nil {
			x.from, x.to = aws.ToInt32(e.PortRange.From), aws.ToInt32(e.PortRange.To)
		}
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].number < out[j].number })
	return out
}

func (e aclEntry) matches(proto string, port int32) bool {
	if e.proto != "-1" && e.proto != proto {
		return false
	}
	return e.proto == "-1" || (port >= e.from && port <= e.to)
}

// decide evaluates the entries in rule-number order for one packet kind
// from or to the whole range remote: the first entry whose range contains
// remote decides; no such entry denies (as AWS's final * rule does). It
// also returns an earlier deny entry that covers part of remote only.
func decide(es []aclEntry, proto string, port int32, remote netip.Prefix) (allow bool, rule int32, partial *aclEntry) {
	for i, e := range es {
		if !e.matches(proto, port) {
			continue
		}
		if e.cidr.Bits() <= remote.Bits() && e.cidr.Contains(remote.Addr()) {
			return e.allow, e.number, partial
		}
		if !e.allow && partial == nil && e.cidr.Overlaps(remote) {
			partial = &es[i]
		}
	}
	return false, -1, partial
}

// denied returns the ports of lo..hi that the entries deny, as ranges, with
// the rule that denies the first of them (-1: no rule allows it).
func denied(es []aclEntry, proto string, lo, hi int32, remote netip.Prefix) (ranges []string, rule int32, partial *aclEntry) {
	start := int32(-1)
	rule = 0
	flush := func(end int32) {
		if start < 0 {
			return
		}
		if start == end {
			ranges = append(ranges, fmt.Sprint(start))
		} else {
			ranges = append(ranges, fmt.Sprintf("%d-%d", start, end))
		}
		start = -1
	}
	for p := lo; p <= hi; p++ {
		ok, r, part := decide(es, proto, p, remote)
		if part != nil && partial == nil && ok {
			partial = part
		}
		if ok {
			flush(p - 1)
			continue
		}
		if start < 0 {
			start = p
			if len(ranges) == 0 {
				rule = r
			}
		}
	}
	flush(hi)
	return ranges, rule, partial
}

func protoName(p string) string {
	switch p {
	case "6":
		return "TCP"
	case "17":
		return "UDP"
	}
	return "protocol " + p
}

func ruleName(r int32) string {
	if r < 0 {
		return "no rule allows it (the final * rule denies)"
	}
	return fmt.Sprintf("rule %d denies it", r)
}

// checkNACLs is check 5, for each of the two subnets.
func (c *checker) checkNACLs() {
	var peers []netip.Prefix
	seen := map[string]bool{}
	subnets := []string{c.n.SchedulerSubnetID}
	if c.n.WorkerSubnetID != c.n.SchedulerSubnetID {
		subnets = append(subnets, c.n.WorkerSubnetID)
	}
	for _, s := range subnets {
		if p, ok := c.subnetCidr(s); ok && !seen[p.String()] {
			seen[p.String()] = true
			peers = append(peers, p)
		}
	}
	var order []*types.NetworkAcl
	members := map[string][]string{}
	for _, s := range subnets {
		if _, ok := c.subnets[s]; !ok {
			continue
		}
		acl := c.aclOf(s)
		if acl == nil {
			c.add(CheckNACL, Fail, s, "associate the subnet with a network ACL", "subnet %s has no network ACL", s)
			continue
		}
		id := aws.ToString(acl.NetworkAclId)
		if members[id] == nil {
			order = append(order, acl)
		}
		members[id] = append(members[id], s)
	}
	for _, acl := range order {
		id := aws.ToString(acl.NetworkAclId)
		s := strings.Join(members[id], " and ")
		if len(members[id]) > 1 {
			s = "s " + s
		} else {
			s = " " + s
		}
		in, out := entries(acl, false), entries(acl, true)
		var problems []string
		firstRule := int32(0)
		note := func(msg string, r int32) {
			problems = append(problems, msg)
			if firstRule == 0 && r > 0 {
				firstRule = r
			}
		}
		var partials []string
		addPartial := func(p *aclEntry, what string) {
			if p != nil {
				partials = append(partials, fmt.Sprintf("rule %d denies %s to/from %s", p.number, what, p.cidr))
			}
		}
		if ok, r, part := decide(out, "6", 443, internet); !ok {
			note(fmt.Sprintf("outbound TCP 443 to 0.0.0.0/0: %s", ruleName(r)), r)
		} else {
			addPartial(part, "TCP 443")
		}
		if rs, r, part := denied(in, "6", 1024, 65535, internet); len(rs) > 0 {
			note(fmt.Sprintf("inbound return traffic TCP %s from 0.0.0.0/0: %s", strings.Join(rs, ","), ruleName(r)), r)
		} else {
			addPartial(part, "inbound ephemeral TCP")
		}
		for _, peer := range peers {
			for _, proto := range []string{"6", "17"} {
				for _, dir := range []struct {
					name string
					es   []aclEntry
				}{{"inbound", in}, {"outbound", out}} {
					if rs, r, _ := denied(dir.es, proto, 0, 65535, peer); len(rs) > 0 {
						note(fmt.Sprintf("%s %s %s %s (inside the subnets): %s", dir.name, protoName(proto), compact(rs), fromTo(dir.name, peer), ruleName(r)), r)
					}
				}
			}
		}
		if len(problems) > 0 {
			fix := fmt.Sprintf("add allow entries to %s numbered below the denying rule", id)
			if firstRule > 0 {
				fix = fmt.Sprintf("add allow entries to %s numbered below %d, or delete the denying entry (aws ec2 create-network-acl-entry --network-acl-id %s …)", id, firstRule, id)
			}
			c.add(CheckNACL, Fail, id, fix, "network ACL %s of subnet%s blocks %s", id, s, strings.Join(problems, "; "))
			continue
		}
		if len(partials) > 0 {
			c.add(CheckNACL, Warn, id, "check that Coiled's and your registries' addresses are not in those ranges",
				"network ACL %s of subnet%s allows Coiled's traffic, but %s", id, s, strings.Join(partials, "; "))
			continue
		}
		c.add(CheckNACL, Pass, id, "", "network ACL %s of subnet%s allows outbound TCP 443, inbound TCP 1024-65535 from the internet, and TCP/UDP inside the subnets", id, s)
	}
}

func compact(rs []string) string {
	if len(rs) == 1 && rs[0] == "0-65535" {
		return "(all ports)"
	}
	if len(rs) > 3 {
		return strings.Join(rs[:3], ",") + ",…"
	}
	return strings.Join(rs, ",")
}

func fromTo(dir string, p netip.Prefix) string {
	if dir == "inbound" {
		return "from " + p.String()
	}
	return "to " + p.String()
}
