package netcheck

import (
	"fmt"
	"net/netip"
	"slices"
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
	if e.proto == "-1" {
		return true
	}
	return e.proto == proto && port >= e.from && port <= e.to
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
// the rule that denies the first of them (-1: no rule allows it), and an
// earlier deny entry that covers part of remote for allowed ports. The
// verdict changes only at entries' port bounds, so only those are tried.
func denied(es []aclEntry, proto string, lo, hi int32, remote netip.Prefix) (ranges []string, rule int32, partial *aclEntry) {
	points := []int32{lo}
	for _, e := range es {
		for _, p := range []int32{e.from, e.to + 1} {
			if p > lo && p <= hi {
				points = append(points, p)
			}
		}
	}
	slices.Sort(points)
	points = slices.Compact(points)
	start := int32(-1)
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
	for _, p := range points {
		ok, r, part := decide(es, proto, p, remote)
		if ok {
			if partial == nil {
				partial = part
			}
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

func ruleName(r int32) string {
	if r < 0 {
		return "no rule allows it (the final * rule denies)"
	}
	return fmt.Sprintf("rule %d denies it", r)
}

// need is one kind of packet a subnet's ACL must let through.
type need struct {
	subnet string
	egress bool
	lo, hi int32 // TCP destination ports
	remote netip.Prefix
	ret    bool   // return traffic
	why    string // what the packets are, "" for the subnet's own way out
}

// describe says what n is, with ports ("" for n's own range).
func (n need) describe(ports string) string {
	dir, ft := "inbound", "from"
	if n.egress {
		dir, ft = "outbound", "to"
	}
	if n.ret {
		dir += " return traffic"
	}
	if ports == "" {
		ports = portsOf(n)
	}
	if ports == "0-65535" {
		ports = "(all ports)"
	}
	s := fmt.Sprintf("%s TCP %s %s %s", dir, ports, ft, n.remote)
	if n.why != "" {
		s += " (" + n.why + ")"
	}
	return s
}

// client is an IPv4 source the scheduler group admits, with its ports.
type client struct {
	cidr  netip.Prefix
	ports []int32
}

// needs lists what each ACL on the ways Coiled uses must let through:
// clients to the scheduler ports and back; scheduler and workers to each
// other (TCP, only when in different subnets: AWS does not filter traffic
// inside a subnet); each subnet's way out to the internet through every
// subnet it crosses (NAT, firewall), and back.
func (c *checker) needs() []need {
	var ns []need
	add := func(n need) {
		if !slices.Contains(ns, n) {
			ns = append(ns, n)
		}
	}
	sched, worker := c.n.SchedulerSubnetID, c.n.WorkerSubnetID
	if _, ok := c.subnets[sched]; ok {
		for _, cl := range c.clients {
			for _, port := range cl.ports {
				add(need{subnet: sched, lo: port, hi: port, remote: cl.cidr, why: "clients to the scheduler"})
			}
			add(need{subnet: sched, egress: true, lo: 1024, hi: 65535, remote: cl.cidr, ret: true, why: "the scheduler to its clients"})
		}
	}
	sp, sok := c.subnetCidr(sched)
	wp, wok := c.subnetCidr(worker)
	if sok && wok && sched != worker {
		for _, x := range []struct {
			subnet string
			peer   netip.Prefix
		}{{sched, wp}, {worker, sp}} {
			add(need{subnet: x.subnet, lo: 0, hi: 65535, remote: x.peer, why: "between the scheduler and workers"})
			add(need{subnet: x.subnet, egress: true, lo: 0, hi: 65535, remote: x.peer, why: "between the scheduler and workers"})
		}
	}
	for _, role := range []string{"worker", "scheduler"} {
		p, ok := c.paths[role]
		if !ok || len(p.hops) == 0 {
			continue
		}
		add(need{subnet: p.subnet, egress: true, lo: 443, hi: 443, remote: internet})
		add(need{subnet: p.subnet, lo: 1024, hi: 65535, remote: internet, ret: true})
		prev := p.subnet
		for _, h := range p.hops {
			if h.subnet == "" || h.subnet == prev {
				continue
			}
			src, ok := c.subnetCidr(prev)
			if _, known := c.subnetCidr(h.subnet); !ok || !known {
				prev = h.subnet
				continue
			}
			why := fmt.Sprintf("%s traffic through %s %s", role, kindName(h.kind), h.id)
			add(need{subnet: h.subnet, lo: 443, hi: 443, remote: src, why: why})
			add(need{subnet: h.subnet, egress: true, lo: 443, hi: 443, remote: internet, why: why})
			add(need{subnet: h.subnet, lo: 1024, hi: 65535, remote: internet, ret: true, why: why})
			add(need{subnet: h.subnet, egress: true, lo: 1024, hi: 65535, remote: src, ret: true, why: why})
			prev = h.subnet
		}
	}
	return ns
}

// checkNACLs is check 5: each ACL on the ways Coiled uses, both
// directions, one result per ACL.
func (c *checker) checkNACLs() error {
	for _, p := range c.paths {
		for _, h := range p.hops {
			if h.subnet != "" {
				if _, err := c.subnet(h.subnet); err != nil {
					return err
				}
			}
		}
	}
	ns := c.needs()
	var order []*types.NetworkAcl
	members := map[string][]string{}
	byACL := map[string][]need{}
	for _, n := range ns {
		if _, err := c.subnet(n.subnet); err != nil {
			return err
		}
		acl := c.aclOf(n.subnet)
		if acl == nil {
			if !slices.Contains(members[""], n.subnet) {
				members[""] = append(members[""], n.subnet)
				c.add(CheckNACL, Fail, n.subnet, "associate the subnet with a network ACL", "subnet %s has no network ACL", n.subnet)
			}
			continue
		}
		id := aws.ToString(acl.NetworkAclId)
		if byACL[id] == nil {
			order = append(order, acl)
		}
		byACL[id] = append(byACL[id], n)
		if !slices.Contains(members[id], n.subnet) {
			members[id] = append(members[id], n.subnet)
		}
	}
	for _, acl := range order {
		id := aws.ToString(acl.NetworkAclId)
		s := " " + strings.Join(members[id], " and ")
		if len(members[id]) > 1 {
			s = "s" + s
		}
		in, out := entries(acl, false), entries(acl, true)
		var problems, partials []string
		firstRule := int32(0)
		for _, n := range byACL[id] {
			es := in
			if n.egress {
				es = out
			}
			rs, r, part := denied(es, "6", n.lo, n.hi, n.remote)
			if len(rs) > 0 {
				msg := n.describe(compact(rs)) + ": " + ruleName(r)
				if !slices.Contains(problems, msg) {
					problems = append(problems, msg)
				}
				if firstRule == 0 && r > 0 {
					firstRule = r
				}
				continue
			}
			if part != nil && n.remote == internet && !c.inVPC(part.cidr) {
				w := fmt.Sprintf("rule %d denies TCP %s to/from %s", part.number, portsOf(n), part.cidr)
				if !slices.Contains(partials, w) {
					partials = append(partials, w)
				}
			}
		}
		if len(problems) > 0 {
			fix := fmt.Sprintf("add allow entries to %s numbered below the final * rule (aws ec2 create-network-acl-entry --network-acl-id %s …)", id, id)
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
		c.add(CheckNACL, Pass, id, "", "network ACL %s of subnet%s allows, both ways, %d kinds of traffic Coiled needs (%s)", id, s, len(byACL[id]), summary(byACL[id]))
	}
	return nil
}

func portsOf(n need) string {
	if n.lo == n.hi {
		return fmt.Sprint(n.lo)
	}
	return fmt.Sprintf("%d-%d", n.lo, n.hi)
}

// summary says briefly what an ACL was checked for.
func summary(ns []need) string {
	var parts []string
	for _, n := range ns {
		if n.ret {
			continue
		}
		w := "outbound"
		if !n.egress {
			w = "inbound"
		}
		p := fmt.Sprintf("%s TCP %s %s", w, portsOf(n), n.remote)
		if !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	return strings.Join(limit(parts, 4), ", ") + " and the return traffic"
}

func compact(rs []string) string {
	if len(rs) > 3 {
		return strings.Join(rs[:3], ",") + ",…"
	}
	return strings.Join(rs, ",")
}

// inVPC reports whether p lies in one of the VPC's IPv4 ranges: a deny
// there does not touch the internet.
func (c *checker) inVPC(p netip.Prefix) bool {
	cidrs := []string{aws.ToString(c.vpc.CidrBlock)}
	for _, a := range c.vpc.CidrBlockAssociationSet {
		cidrs = append(cidrs, aws.ToString(a.CidrBlock))
	}
	for _, s := range cidrs {
		if v, err := netip.ParsePrefix(s); err == nil && v.Bits() <= p.Bits() && v.Contains(p.Addr()) {
			return true
		}
	}
	return false
}
