package config

import (
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// Private connectivity (issue 10): the internal topology's egress, Transit
// Gateway routes, VPC peerings and the existing-VPC mode. Keys, parsing,
// defaults, validation and warnings of this concern live in this file.

// Egress chooses how the private subnets of the private and internal
// topologies reach the internet.
type Egress string

const (
	// EgressNat sends 0.0.0.0/0 of every private subnet to a NAT
	// (NatProvider, NatGateways).
	EgressNat Egress = "nat"
	// EgressTransitGateway sends 0.0.0.0/0 of every private subnet to the
	// Transit Gateway TransitGatewayId (the organisation's central egress);
	// no NAT is built. With TopologyInternal the VPC has no internet
	// gateway and no public subnet at all.
	EgressTransitGateway Egress = "transitGateway"
)

// PeerVpc is one VPC peering the stack requests.
type PeerVpc struct {
	// VpcId is the peer VPC (vpc-…).
	VpcId string `json:"vpcId"`
	// Cidr is the peer VPC's IPv4 range (or the part of it to route to).
	Cidr netip.Prefix `json:"cidr"`
	// OwnerId is the peer's AWS account (12 digits); empty: this account.
	OwnerId string `json:"ownerId,omitempty"`
	// Region is the peer's region; empty: the stack's region.
	Region string `json:"region,omitempty"`
	// RoleArn is the role in the peer account that accepts the peering
	// (required with OwnerId: CloudFormation assumes it to accept).
	RoleArn string `json:"roleArn,omitempty"`
}

// Connectivity are the options that connect the network privately. It is
// embedded in Network, so its fields read as Network's own.
type Connectivity struct {
	// Egress is how the private subnets reach the internet: EgressNat or
	// EgressTransitGateway. Only valid with TopologyPrivate and
	// TopologyInternal.
	//
	// Default: EgressNat (private, internal); none (public).
	Egress Egress

	// TransitGatewayId is the Transit Gateway (tgw-…) the VPC attaches to,
	// through one /28 subnet per AZ carved from the free quarter of the
	// VPC range (see ExtraSubnetCidr). Required by EgressTransitGateway and
	// by TransitGatewayRoutes.
	//
	// Default: none.
	TransitGatewayId string

	// TransitGatewayRoutes are IPv4 ranges (on-premises, other VPCs) routed
	// to the Transit Gateway from every subnet of the VPC.
	//
	// Default: none.
	TransitGatewayRoutes []netip.Prefix

	// PeerVpcs are VPC peerings the stack requests; every subnet of the VPC
	// gets a route to each peer's Cidr.
	//
	// Default: none.
	PeerVpcs []PeerVpc

	// ExistingVpcId, when set, builds no VPC: the stack creates Coiled's
	// security groups in this VPC and hands SchedulerSubnetId and
	// WorkerSubnetId to Coiled. ExistingVpcCidr, both subnets and
	// WorkerPublicIp are then required.
	//
	// Default: none (the stack builds the VPC).
	ExistingVpcId string

	// ExistingVpcCidr is the existing VPC's IPv4 range (synth does no
	// lookups); clientCidrs=auto resolves to it.
	ExistingVpcCidr netip.Prefix

	// SchedulerSubnetId and WorkerSubnetId are the existing subnets (subnet-…)
	// of the scheduler and of the workers; they may be equal.
	SchedulerSubnetId string
	WorkerSubnetId    string

	// WorkerPublicIp is what Coiled is told (give_workers_public_ip) for an
	// existing VPC: synth cannot see its routes.
	WorkerPublicIp *bool
}

// The context keys of private connectivity.
const (
	KeyEgress               = "egress"
	KeyTransitGatewayId     = "transitGatewayId"
	KeyTransitGatewayRoutes = "transitGatewayRoutes"
	KeyPeerVpcs             = "peerVpcs"
	KeyExistingVpcId        = "existingVpcId"
	KeyExistingVpcCidr      = "existingVpcCidr"
	KeySchedulerSubnetId    = "schedulerSubnetId"
	KeyWorkerSubnetId       = "workerSubnetId"
	KeyWorkerPublicIp       = "workerPublicIp"
)

// connectivityKeys are this concern's context keys, in cdk.json order.
var connectivityKeys = []string{
	KeyEgress,
	KeyTransitGatewayId,
	KeyTransitGatewayRoutes,
	KeyPeerVpcs,
	KeyExistingVpcId,
	KeyExistingVpcCidr,
	KeySchedulerSubnetId,
	KeyWorkerSubnetId,
	KeyWorkerPublicIp,
}

// What each key accepts.
const (
	acceptEgress          = "nat, transitGateway (with topology=private or internal only)"
	acceptTgwId           = "a Transit Gateway id (tgw- and 8 or 17 hex digits, e.g. tgw-0123456789abcdef0), or \"\""
	acceptTgwRoutes       = "IPv4 CIDRs without host bits that overlap neither vpcCidr nor each other nor peerVpcs (e.g. 10.100.0.0/16), comma-separated or a JSON array"
	acceptPeerVpcs        = `vpc-…=CIDR items (e.g. vpc-0123456789abcdef0=10.1.0.0/16), comma-separated, or a JSON array of {"vpcId", "cidr", "ownerId"?, "region"?, "roleArn"?}; CIDRs must overlap neither vpcCidr nor each other nor transitGatewayRoutes`
	acceptExistingVpcId   = "a VPC id (vpc- and 8 or 17 hex digits), or \"\" to build the VPC"
	acceptExistingVpcCidr = "the existing VPC's IPv4 CIDR without host bits (with existingVpcId only)"
	acceptSubnetId        = "a subnet id (subnet- and 8 or 17 hex digits) of the existing VPC (with existingVpcId only)"
	acceptWorkerPublicIp  = "true, false (with existingVpcId only; required with it)"
)

var (
	tgwIDRe    = regexp.MustCompile(`^tgw-[0-9a-f]{8}([0-9a-f]{9})?$`)
	vpcIDRe    = regexp.MustCompile(`^vpc-[0-9a-f]{8}([0-9a-f]{9})?$`)
	subnetIDRe = regexp.MustCompile(`^subnet-[0-9a-f]{8}([0-9a-f]{9})?$`)
	accountRe  = regexp.MustCompile(`^[0-9]{12}$`)
	regionRe   = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)
	roleArnRe  = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::([0-9]{12}):role/[\w+=,.@/-]{1,512}$`)
)

// connectivity reads this concern's keys into c.
func (p *parser) connectivity(c *Connectivity) {
	if s, ok := p.str(KeyEgress, acceptEgress); ok {
		c.Egress = Egress(s)
	}
	if s, ok := p.optStr(KeyTransitGatewayId, acceptTgwId); ok {
		c.TransitGatewayId = s
	}
	if items, ok := p.list(KeyTransitGatewayRoutes, acceptTgwRoutes); ok {
		for _, s := range p.strItems(KeyTransitGatewayRoutes, items, acceptTgwRoutes) {
			if pre, ok := p.prefix(KeyTransitGatewayRoutes, s, acceptTgwRoutes); ok {
				c.TransitGatewayRoutes = append(c.TransitGatewayRoutes, pre)
			}
		}
	}
	c.PeerVpcs = p.peerVpcs(KeyPeerVpcs)
	if s, ok := p.optStr(KeyExistingVpcId, acceptExistingVpcId); ok {
		c.ExistingVpcId = s
	}
	if s, ok := p.optStr(KeyExistingVpcCidr, acceptExistingVpcCidr); ok {
		if pre, ok := p.prefix(KeyExistingVpcCidr, s, acceptExistingVpcCidr); ok {
			c.ExistingVpcCidr = pre
		}
	}
	if s, ok := p.optStr(KeySchedulerSubnetId, acceptSubnetId); ok {
		c.SchedulerSubnetId = s
	}
	if s, ok := p.optStr(KeyWorkerSubnetId, acceptSubnetId); ok {
		c.WorkerSubnetId = s
	}
	if v, ok := p.get(KeyWorkerPublicIp); ok {
		if s, isStr := v.(string); !isStr || strings.TrimSpace(s) != "" {
			c.WorkerPublicIp = p.boolean(KeyWorkerPublicIp)
		}
	}
}

// peerVpcs reads peerVpcs: vpc-…=CIDR items, or a JSON array of objects
// (given as a JSON array or a string holding one).
func (p *parser) peerVpcs(key string) []PeerVpc {
	items, ok := p.list(key, acceptPeerVpcs)
	if !ok || len(items) == 0 {
		return nil
	}
	var out []PeerVpc
	for i, item := range items {
		switch v := item.(type) {
		case string:
			id, cidr, found := strings.Cut(strings.TrimSpace(v), "=")
			if !found || strings.TrimSpace(id) == "" {
				p.fail(key, v, fmt.Sprintf("(item %d) is not vpc-…=CIDR", i+1), acceptPeerVpcs)
				continue
			}
			pre, ok := p.prefix(key, strings.TrimSpace(cidr), acceptPeerVpcs)
			if !ok {
				continue
			}
			out = append(out, PeerVpc{VpcId: strings.TrimSpace(id), Cidr: pre})
		case map[string]any:
			var pv PeerVpc
			good := true
			// In key order: the errors must not depend on map iteration.
			for _, k := range slices.Sorted(maps.Keys(v)) {
				f := v[k]
				s, isStr := f.(string)
				if !isStr {
					p.fail(key, jsonText(v), fmt.Sprintf("(item %d) has %q as %s, not a string", i+1, k, typeName(f)), acceptPeerVpcs)
					good = false
					continue
				}
				s = strings.TrimSpace(s)
				switch k {
				case "vpcId":
					pv.VpcId = s
				case "cidr":
					pre, ok := p.prefix(key, s, acceptPeerVpcs)
					good = good && ok
					pv.Cidr = pre
				case "ownerId":
					pv.OwnerId = s
				case "region":
					pv.Region = s
				case "roleArn":
					pv.RoleArn = s
				default:
					p.fail(key, jsonText(v), fmt.Sprintf("(item %d) has an unknown field %q", i+1, k), acceptPeerVpcs)
					good = false
				}
			}
			if good && (pv.VpcId == "" || !pv.Cidr.IsValid()) {
				p.fail(key, jsonText(v), fmt.Sprintf("(item %d) needs both \"vpcId\" and \"cidr\"", i+1), acceptPeerVpcs)
				good = false
			}
			if good {
				out = append(out, pv)
			}
		default:
			p.fail(key, jsonText(item), fmt.Sprintf("(item %d) is %s, not a string or an object", i+1, typeName(item)), acceptPeerVpcs)
		}
	}
	return out
}

// ClientCidrsAuto is the clientCidrs value (cdk.json's default) that
// stands for Network.AutoClientCidrs.
const ClientCidrsAuto = "auto"

// AutoClientCidrs is what clientCidrs=auto (cdk.json's value) and a nil
// ClientCidrs without prefix lists resolve to, for n after the defaults of
// Topology and VpcCidr: 0.0.0.0/0 for the public and private topologies
// (the scheduler has a public IP), and for the internal topology the
// VPC's own range plus every TransitGatewayRoutes and PeerVpcs range,
// never 0.0.0.0/0; with ExistingVpcId, ExistingVpcCidr.
func (n Network) AutoClientCidrs() []netip.Prefix {
	switch {
	case n.ExistingVpcId != "":
		if c := n.ExistingVpcCidr; c.IsValid() && c.Addr().Is4() && c == c.Masked() {
			return []netip.Prefix{c}
		}
		return []netip.Prefix{}
	case n.Topology == TopologyInternal:
		out := []netip.Prefix{n.VpcCidr}
		out = append(out, n.TransitGatewayRoutes...)
		for _, pv := range n.PeerVpcs {
			out = append(out, pv.Cidr)
		}
		// Duplicates are reported on their own keys; keep the list valid.
		var uniq []netip.Prefix
		for _, p := range out {
			if p.IsValid() && !slices.Contains(uniq, p) {
				uniq = append(uniq, p)
			}
		}
		return uniq
	default:
		return []netip.Prefix{netip.MustParsePrefix(DefaultClientCidr)}
	}
}

// UsesTransitGateway reports whether n attaches the VPC to a Transit
// Gateway (after defaults).
func (n Network) UsesTransitGateway() bool {
	return n.ExistingVpcId == "" && n.TransitGatewayId != "" &&
		(n.Egress == EgressTransitGateway || len(n.TransitGatewayRoutes) > 0)
}

// HasPrivateSubnets reports whether n's topology has private subnets.
func (n Network) HasPrivateSubnets() bool {
	return n.Topology == TopologyPrivate || n.Topology == TopologyInternal
}

// HasInternetGateway reports whether the VPC n builds has an internet
// gateway and public subnets: every topology but internal with Transit
// Gateway egress (and none with an existing VPC).
func (n Network) HasInternetGateway() bool {
	n = n.WithDefaults()
	return n.ExistingVpcId == "" && !(n.Topology == TopologyInternal && n.Egress == EgressTransitGateway)
}

// connectivityDefaults fills in this concern's defaults.
func (n Network) connectivityDefaults() Network {
	if n.Egress == "" && n.HasPrivateSubnets() {
		n.Egress = EgressNat
	}
	n.TransitGatewayRoutes = slices.Clone(n.TransitGatewayRoutes)
	n.PeerVpcs = slices.Clone(n.PeerVpcs)
	if n.WorkerPublicIp != nil {
		n.WorkerPublicIp = Bool(*n.WorkerPublicIp)
	}
	return n
}

// connectivityProblems reports what is wrong with this concern's options.
func (n Network) connectivityProblems(add addFunc) {
	// egress
	switch n.Egress {
	case "", EgressNat:
	case EgressTransitGateway:
		if !n.HasPrivateSubnets() {
			add(KeyEgress, string(n.Egress),
				fmt.Sprintf("is set, but egress applies only to topology=private or internal (topology is %q: its subnets route to the internet gateway)", n.Topology),
				acceptEgress, valid(KeyTopology))
		}
		if n.TransitGatewayId == "" && n.ExistingVpcId == "" {
			add(KeyTransitGatewayId, "", "is empty, but egress=transitGateway needs the Transit Gateway to send 0.0.0.0/0 to", acceptTgwId)
		}
		if n.NatProvider == NatInstance {
			add(KeyNatProvider, string(n.NatProvider), "is set, but egress=transitGateway builds no NAT (use egress=nat)", acceptNatProvider, valid(KeyEgress))
		}
		if n.NatGateways > 0 {
			add(KeyNatGateways, fmt.Sprint(n.NatGateways), "is set, but egress=transitGateway builds no NAT (use egress=nat)", acceptNatGateways, valid(KeyEgress))
		}
	default:
		add(KeyEgress, string(n.Egress), "is not an egress"+didYouMean(string(n.Egress), "nat, transitGateway"), acceptEgress)
	}

	// transitGatewayId and its routes
	if n.TransitGatewayId != "" {
		switch {
		case !tgwIDRe.MatchString(n.TransitGatewayId):
			add(KeyTransitGatewayId, n.TransitGatewayId, "is not a Transit Gateway id", acceptTgwId)
		case n.Egress != EgressTransitGateway && len(n.TransitGatewayRoutes) == 0 && n.ExistingVpcId == "":
			add(KeyTransitGatewayId, n.TransitGatewayId,
				"is set, but nothing routes to it: set egress=transitGateway or transitGatewayRoutes (an attachment without routes costs $36.50/month for nothing)",
				acceptTgwId, KeyEgress, KeyTransitGatewayRoutes)
		}
	}
	if len(n.TransitGatewayRoutes) > 0 && n.TransitGatewayId == "" && n.ExistingVpcId == "" {
		add(KeyTransitGatewayRoutes, prefixesText(n.TransitGatewayRoutes), "is set, but transitGatewayId is empty: name the Transit Gateway to route them to", acceptTgwRoutes, KeyTransitGatewayId)
	}
	if n.UsesTransitGateway() {
		if problem := n.ExtraSubnetProblem(TransitGatewaySubnets); problem != "" {
			add(KeyTransitGatewayId, n.TransitGatewayId, "(its attachment subnets) "+problem, acceptTgwId, valid(KeyVpcCidr), valid(KeyAzs))
		}
	}

	// Ranges routed out of the VPC: no overlap with the VPC or each other.
	type routed struct {
		key, label string
		p          netip.Prefix
	}
	var seen []routed
	check := func(key, label string, p netip.Prefix, accepted string) {
		v := p.String()
		switch {
		case !p.IsValid():
			add(key, v, "is not a CIDR", accepted)
			return
		case !p.Addr().Is4():
			add(key, v, "is not an IPv4 range (the VPC routes IPv4 only)", accepted)
			return
		case p != p.Masked():
			add(key, v, fmt.Sprintf("has host bits set; did you mean %q?", p.Masked().String()), accepted)
			return
		case p.Bits() == 0:
			add(key, v, "is the whole internet: route 0.0.0.0/0 with egress=transitGateway instead", accepted)
			return
		case n.ExistingVpcId == "" && p.Overlaps(n.VpcCidr):
			add(key, v, fmt.Sprintf("overlaps vpcCidr %s: traffic to it would stay in the VPC", n.VpcCidr), accepted, valid(KeyVpcCidr))
			return
		}
		for _, o := range seen {
			if o.p.Overlaps(p) {
				other := o.key
				if o.key == key {
					other = "another item of " + key
				}
				add(key, label+v, fmt.Sprintf("overlaps %s (%s%s): each range can have only one route", other, o.label, o.p), accepted)
				return
			}
		}
		seen = append(seen, routed{key, label, p})
	}
	for _, p := range n.TransitGatewayRoutes {
		check(KeyTransitGatewayRoutes, "", p, acceptTgwRoutes)
	}

	// peerVpcs
	seenVpc := map[string]bool{}
	for _, pv := range n.PeerVpcs {
		switch {
		case !vpcIDRe.MatchString(pv.VpcId):
			add(KeyPeerVpcs, pv.VpcId, "is not a VPC id", acceptPeerVpcs)
			continue
		case seenVpc[pv.VpcId]:
			add(KeyPeerVpcs, pv.VpcId, "is listed twice", acceptPeerVpcs)
			continue
		case pv.VpcId == n.ExistingVpcId:
			add(KeyPeerVpcs, pv.VpcId, "is existingVpcId itself", acceptPeerVpcs, KeyExistingVpcId)
			continue
		}
		seenVpc[pv.VpcId] = true
		check(KeyPeerVpcs, pv.VpcId+"=", pv.Cidr, acceptPeerVpcs)
		if pv.OwnerId != "" && !accountRe.MatchString(pv.OwnerId) {
			add(KeyPeerVpcs, pv.VpcId+" ownerId "+pv.OwnerId, "is not an AWS account id (12 digits)", acceptPeerVpcs)
		}
		if pv.Region != "" && !regionRe.MatchString(pv.Region) {
			add(KeyPeerVpcs, pv.VpcId+" region "+pv.Region, "is not an AWS region name (e.g. eu-west-1)", acceptPeerVpcs)
		}
		if pv.RoleArn != "" {
			m := roleArnRe.FindStringSubmatch(pv.RoleArn)
			switch {
			case m == nil:
				add(KeyPeerVpcs, pv.VpcId+" roleArn "+pv.RoleArn, "is not an IAM role ARN (arn:aws:iam::123456789012:role/name)", acceptPeerVpcs)
			case pv.OwnerId == "":
				add(KeyPeerVpcs, pv.VpcId+" roleArn "+pv.RoleArn, "is set without ownerId: a role accepts a peering across accounts; name the peer's account", acceptPeerVpcs)
			case m[2] != pv.OwnerId:
				add(KeyPeerVpcs, pv.VpcId+" roleArn "+pv.RoleArn, fmt.Sprintf("is in account %s, not in the peer's ownerId %s", m[2], pv.OwnerId), acceptPeerVpcs)
			}
		} else if pv.OwnerId != "" && accountRe.MatchString(pv.OwnerId) {
			add(KeyPeerVpcs, pv.VpcId+" ownerId "+pv.OwnerId,
				"needs roleArn: CloudFormation accepts a cross-account peering by assuming a role of the peer account that may ec2:AcceptVpcPeeringConnection", acceptPeerVpcs)
		}
	}

	n.existingVpcProblems(add)
}

// existingVpcProblems checks the existing-VPC keys, and the keys that make
// no sense with an existing VPC.
func (n Network) existingVpcProblems(add addFunc) {
	if n.ExistingVpcId == "" {
		without := func(key, value string) {
			add(key, value, "is set, but existingVpcId is empty: it applies only to an existing VPC", acceptForKey(key), KeyExistingVpcId)
		}
		if n.ExistingVpcCidr.IsValid() {
			without(KeyExistingVpcCidr, n.ExistingVpcCidr.String())
		}
		if n.SchedulerSubnetId != "" {
			without(KeySchedulerSubnetId, n.SchedulerSubnetId)
		}
		if n.WorkerSubnetId != "" {
			without(KeyWorkerSubnetId, n.WorkerSubnetId)
		}
		if n.WorkerPublicIp != nil {
			without(KeyWorkerPublicIp, fmt.Sprint(*n.WorkerPublicIp))
		}
		return
	}
	if !vpcIDRe.MatchString(n.ExistingVpcId) {
		add(KeyExistingVpcId, n.ExistingVpcId, "is not a VPC id", acceptExistingVpcId)
	}
	c := n.ExistingVpcCidr
	switch {
	case !c.IsValid():
		add(KeyExistingVpcCidr, "", "is empty, but existingVpcId needs it (synth does no lookups; the range scopes clientCidrs=auto)", acceptExistingVpcCidr, KeyExistingVpcId)
	case !c.Addr().Is4():
		add(KeyExistingVpcCidr, c.String(), "is not an IPv4 range", acceptExistingVpcCidr)
	case c != c.Masked():
		add(KeyExistingVpcCidr, c.String(), fmt.Sprintf("has host bits set; did you mean %q?", c.Masked().String()), acceptExistingVpcCidr)
	}
	for _, s := range []struct{ key, v string }{{KeySchedulerSubnetId, n.SchedulerSubnetId}, {KeyWorkerSubnetId, n.WorkerSubnetId}} {
		switch {
		case s.v == "":
			add(s.key, "", "is empty, but existingVpcId needs it: the subnet to hand to Coiled", acceptSubnetId, KeyExistingVpcId)
		case !subnetIDRe.MatchString(s.v):
			add(s.key, s.v, "is not a subnet id", acceptSubnetId)
		}
	}
	if n.WorkerPublicIp == nil {
		add(KeyWorkerPublicIp, "", "is empty, but existingVpcId needs it: synth cannot see whether the worker subnet routes to an internet gateway (true) or not (false)",
			acceptWorkerPublicIp, KeyExistingVpcId, KeyWorkerPublicIp)
	}
	// Options of a VPC this stack builds.
	conflict := func(key, value string) {
		add(key, value, fmt.Sprintf("is set, but existingVpcId is %s: the stack builds no VPC, so %s does not apply", n.ExistingVpcId, key),
			acceptForKey(key), KeyExistingVpcId)
	}
	if n.Topology != TopologyPublic {
		add(KeyTopology, string(n.Topology), fmt.Sprintf("is set, but existingVpcId is %s: the stack builds no VPC; say what Coiled is told with workerPublicIp", n.ExistingVpcId),
			acceptTopology, KeyExistingVpcId)
	}
	if n.VpcCidr.String() != DefaultVpcCidr {
		conflict(KeyVpcCidr, n.VpcCidr.String())
	}
	if n.NatProvider == NatInstance {
		conflict(KeyNatProvider, string(n.NatProvider))
	}
	if n.NatGateways != 0 {
		conflict(KeyNatGateways, fmt.Sprint(n.NatGateways))
	}
	if n.Azs != 1 {
		conflict(KeyAzs, fmt.Sprint(n.Azs))
	}
	if len(n.AvailabilityZones) > 0 {
		conflict(KeyAvailabilityZones, strings.Join(n.AvailabilityZones, ","))
	}
	if n.Zone != DefaultZone {
		conflict(KeyZone, n.Zone)
	}
	if n.FlowLogs != FlowLogsOff {
		conflict(KeyFlowLogs, string(n.FlowLogs))
	}
	if n.Egress != "" && n.Egress != EgressNat {
		conflict(KeyEgress, string(n.Egress))
	}
	if n.TransitGatewayId != "" {
		conflict(KeyTransitGatewayId, n.TransitGatewayId)
	}
	if len(n.TransitGatewayRoutes) > 0 {
		conflict(KeyTransitGatewayRoutes, prefixesText(n.TransitGatewayRoutes))
	}
	if len(n.PeerVpcs) > 0 {
		conflict(KeyPeerVpcs, n.PeerVpcs[0].VpcId)
	}
	// A gateway endpoint needs the route tables of the VPC, which synth
	// does not know; interface endpoints go into workerSubnetId.
	if n.DynamoDbEndpoint != nil && *n.DynamoDbEndpoint {
		conflict(KeyDynamoDbEndpoint, "true")
	}
	if n.EgressFirewall != "" && n.EgressFirewall != EgressFirewallOff {
		conflict(KeyEgressFirewall, string(n.EgressFirewall))
	}
}

// acceptForKey returns what key accepts, for the cross-key errors above.
func acceptForKey(key string) string {
	switch key {
	case KeyExistingVpcCidr:
		return acceptExistingVpcCidr
	case KeySchedulerSubnetId, KeyWorkerSubnetId:
		return acceptSubnetId
	case KeyWorkerPublicIp:
		return acceptWorkerPublicIp
	case KeyVpcCidr:
		return acceptVpcCidr
	case KeyNatProvider:
		return acceptNatProvider
	case KeyNatGateways:
		return acceptNatGateways
	case KeyAzs:
		return acceptAzs
	case KeyAvailabilityZones:
		return acceptAzNames
	case KeyZone:
		return acceptZone
	case KeyFlowLogs:
		return acceptFlowLogs
	case KeyEgress:
		return acceptEgress
	case KeyTransitGatewayId:
		return acceptTgwId
	case KeyTransitGatewayRoutes:
		return acceptTgwRoutes
	case KeyPeerVpcs:
		return acceptPeerVpcs
	case KeyDynamoDbEndpoint:
		return acceptBool
	case KeyEgressFirewall:
		return acceptEgressFirewall
	}
	return ""
}

func prefixesText(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// connectivityWarnings returns what the user should know about them.
func (n Network) connectivityWarnings() []Warning {
	var w []Warning
	if n.Topology == TopologyInternal && n.ExistingVpcId == "" {
		w = append(w, Warning{"internalScheduler", fmt.Sprintf("topology=internal: the scheduler has no public IP; Dask clients must reach its private IP "+
			"(over a VPN, Direct Connect, the Transit Gateway or a peering) from clientCidrs (%s), and must set coiled.use_scheduler_public_ip: False "+
			"(dask config, or `coiled config set coiled.use_scheduler_public_ip False`)", prefixesText(n.ClientCidrs))})
	}
	for _, pv := range n.PeerVpcs {
		accept := "CloudFormation accepts this same-account, same-region peering itself"
		switch {
		case pv.OwnerId != "":
			accept = fmt.Sprintf("account %s accepts it through roleArn", pv.OwnerId)
		case pv.Region != "":
			accept = fmt.Sprintf("it must be accepted in %s (aws ec2 accept-vpc-peering-connection --region %s)", pv.Region, pv.Region)
		}
		w = append(w, Warning{"peeringReturnRoute", fmt.Sprintf("peerVpcs %s: %s; the peer VPC's route tables need a route to %s through the peering "+
			"(this stack cannot add it), and its security groups must admit the traffic", pv.VpcId, accept, n.VpcCidr)})
	}
	return w
}
