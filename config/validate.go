package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The context keys coilednet reads. They are the names users type after -c
// and the names every error message uses.
const (
	KeyStackName                    = "stackName"
	KeyTopology                     = "topology"
	KeyVpcCidr                      = "vpcCidr"
	KeyClientCidrs                  = "clientCidrs"
	KeyClientPrefixListIds          = "clientPrefixListIds"
	KeySchedulerPorts               = "schedulerPorts"
	KeyRestrictDefaultSecurityGroup = "restrictDefaultSecurityGroup"
	KeyS3Endpoint                   = "s3Endpoint"
	KeyNatProvider                  = "natProvider"
	KeyNatGateways                  = "natGateways"
	KeyAzs                          = "azs"
	KeyAvailabilityZones            = "availabilityZones"
	KeyZone                         = "zone"
	KeyFlowLogs                     = "flowLogs"
)

// Keys are the CDK context keys coilednet reads, in the order of cdk.json:
// the network's, then each concern's (connectivity, endpoints, egress
// control, IAM access), then the app-wide ones.
var Keys = slices.Concat(networkKeys, connectivityKeys, endpointKeys, egressKeys, accessKeys, appKeys)

// networkKeys are the keys of the reference network (this file).
var networkKeys = []string{
	KeyStackName,
	KeyTopology,
	KeyVpcCidr,
	KeyClientCidrs,
	KeyClientPrefixListIds,
	KeySchedulerPorts,
	KeyRestrictDefaultSecurityGroup,
	KeyS3Endpoint,
	KeyNatProvider,
	KeyNatGateways,
	KeyAzs,
	KeyAvailabilityZones,
	KeyZone,
	KeyFlowLogs,
}

// What each key accepts, as the error messages say it (after "accepted are").
const (
	acceptStackName   = "1 to 128 letters, digits and hyphens, starting with a letter (a CloudFormation stack name)"
	acceptTopology    = "public, private, internal"
	acceptVpcCidr     = "IPv4 CIDRs from /16 to /24 without host bits, e.g. 10.0.0.0/16"
	acceptClientCidrs = "IPv4 or IPv6 CIDRs without host bits (e.g. 203.0.113.0/24, 2001:db8::/32), comma-separated or a JSON array"
	acceptPrefixLists = "managed prefix list ids (pl- and 8 or 17 hex digits, e.g. pl-0123456789abcdef0), comma-separated or a JSON array"
	acceptPorts       = "whole numbers from 1 to 65535, comma-separated or a JSON array"
	acceptBool        = "true, false"
	acceptNatProvider = "gateway, instance, regional (with topology=private or internal and egress=nat only)"
	acceptNatGateways = "0 (one NAT per AZ) or a whole number from 1 to azs (with topology=private or internal and egress=nat only)"
	acceptAzs         = "whole numbers from 1 to 6 (more than 2 need availabilityZones)"
	acceptAzNames     = "AZ names of one region (e.g. us-east-2a, us-east-2b), comma-separated or a JSON array"
	acceptZone        = "indexes from 0 to azs-1, or names listed in availabilityZones"
	acceptFlowLogs    = "off, cloudwatch, s3"
)

var (
	stackNameRe  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`)
	prefixListRe = regexp.MustCompile(`^pl-[0-9a-f]{8}([0-9a-f]{9})?$`)
	azNameRe     = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9][a-z]$`)
)

// maxStackName is CloudFormation's limit on a stack name's length.
const maxStackName = 128

// WithDefaults returns a copy of n with every zero field set to its
// default (see each field's doc). ClientCidrs gets 0.0.0.0/0 only when it
// is nil and ClientPrefixListIds is empty: a caller who gives prefix lists
// only gets no CIDR. A non-nil empty ClientCidrs or SchedulerPorts is kept
// (Validate rejects it). NatProvider is filled only for TopologyPrivate.
// The copy shares no slice or pointer with n.
func (n Network) WithDefaults() Network {
	if n.Topology == "" {
		n.Topology = DefaultTopology
	}
	if !n.VpcCidr.IsValid() {
		n.VpcCidr = netip.MustParsePrefix(DefaultVpcCidr)
	}
	switch {
	case n.ClientCidrs == nil && len(n.ClientPrefixListIds) == 0:
		n.ClientCidrs = n.AutoClientCidrs()
	case len(n.ClientCidrs) == 0 && len(n.ClientPrefixListIds) > 0:
		n.ClientCidrs = nil
	default:
		n.ClientCidrs = slices.Clone(n.ClientCidrs)
	}
	n.ClientPrefixListIds = slices.Clone(n.ClientPrefixListIds)
	if n.SchedulerPorts == nil {
		n.SchedulerPorts = DefaultSchedulerPorts()
	} else {
		n.SchedulerPorts = slices.Clone(n.SchedulerPorts)
	}
	n.RestrictDefaultSecurityGroup = boolOr(n.RestrictDefaultSecurityGroup, true)
	n.S3Endpoint = boolOr(n.S3Endpoint, true)
	if n.NatProvider == "" && n.HasPrivateSubnets() && n.Egress != EgressTransitGateway {
		n.NatProvider = DefaultNatProvider
	}
	n.AvailabilityZones = slices.Clone(n.AvailabilityZones)
	if n.Azs == 0 {
		n.Azs = max(len(n.AvailabilityZones), 1)
	}
	if n.Zone == "" {
		n.Zone = DefaultZone
	}
	if n.FlowLogs == "" {
		n.FlowLogs = DefaultFlowLogs
	}
	n = n.connectivityDefaults()
	n = n.endpointDefaults()
	n = n.egressDefaults()
	return n
}

// boolOr returns a new pointer to *p, or to def when p is nil.
func boolOr(p *bool, def bool) *bool {
	if p == nil {
		return Bool(def)
	}
	return Bool(*p)
}

// WithDefaults returns a copy of a with every zero field set to its
// default, the Network's included.
func (a App) WithDefaults() App {
	if a.StackName == "" {
		a.StackName = DefaultStackName
	}
	a.Network = a.Network.WithDefaults()
	a.Access = a.Access.withDefaults()
	return a.appDefaults()
}

// Validate checks a as WithDefaults completes it and returns every problem
// found, joined (nil if none). See Network.Validate.
func (a App) Validate() error {
	return join(nil, withFields(dropFollowUps(a.problems(), nil), "App."))
}

// valid marks a dependency of a check on another key's validity (not
// only on its having parsed): see dropFollowUps.
func valid(key string) string { return "!" + key }

// dropFollowUps removes the errors that follow from another error rather
// than from the user's input: those of checks that relied on a key that
// failed to parse (it then holds its default, or a list without its bad
// items), or that relied on the validity of a key that is invalid (e.g.
// natProvider=instance against topology=Private, a typo of private).
func dropFollowUps(errs []*Error, parseFailed map[string]bool) []*Error {
	invalid := map[string]bool{}
	for _, e := range errs {
		invalid[e.Key] = true
	}
	out := errs[:0:0]
next:
	for _, e := range errs {
		for _, d := range e.deps {
			if k, ok := strings.CutPrefix(d, "!"); ok && (invalid[k] || parseFailed[k]) || parseFailed[d] {
				continue next
			}
		}
		out = append(out, e)
	}
	return out
}

// Validate checks n as WithDefaults completes it (so zero fields are
// fine) and returns every problem found, each an *Error naming the Go field
// (Network.ClientCidrs) and its context key, joined with errors.Join in key
// order; nil if n is valid.
func (n Network) Validate() error {
	return join(nil, withFields(dropFollowUps(n.problems(), nil), "Network."))
}

func (a App) problems() []*Error {
	a = a.WithDefaults()
	var errs []*Error
	if l := utf8.RuneCountInString(a.StackName); l > maxStackName {
		errs = append(errs, &Error{Key: KeyStackName, Value: a.StackName,
			Problem:  fmt.Sprintf("is %d characters long, more than %d", l, maxStackName),
			Accepted: acceptStackName})
	} else if !stackNameRe.MatchString(a.StackName) {
		errs = append(errs, &Error{Key: KeyStackName, Value: a.StackName,
			Problem: "is not a valid CloudFormation stack name", Accepted: acceptStackName})
	}
	errs = append(errs, a.Network.problems()...)
	add := func(key, value, problem, accepted string, deps ...string) {
		errs = append(errs, &Error{Key: key, Value: value, Problem: problem, Accepted: accepted, deps: deps})
	}
	a.Access.problems(a.Network, add)
	a.appProblems(add)
	return errs
}

// problems lists what is wrong with n.WithDefaults(), in key order.
func (n Network) problems() []*Error {
	n = n.WithDefaults()
	var errs []*Error
	add := func(key, value, problem, accepted string, deps ...string) {
		errs = append(errs, &Error{Key: key, Value: value, Problem: problem, Accepted: accepted, deps: deps})
	}

	if n.Topology != TopologyPublic && n.Topology != TopologyPrivate && n.Topology != TopologyInternal {
		add(KeyTopology, string(n.Topology), "is not a topology"+didYouMean(string(n.Topology), acceptTopology), acceptTopology)
	}

	n.vpcCidrProblems(add)
	n.clientProblems(add)

	if len(n.SchedulerPorts) == 0 {
		add(KeySchedulerPorts, "", "is an empty list: at least one port is needed", acceptPorts, KeySchedulerPorts)
	}
	seenPort := map[uint16]bool{}
	for _, p := range n.SchedulerPorts {
		v := strconv.Itoa(int(p))
		switch {
		case p == 0:
			add(KeySchedulerPorts, v, "is not a TCP port", acceptPorts)
		case seenPort[p]:
			add(KeySchedulerPorts, v, "is listed twice", acceptPorts)
		}
		seenPort[p] = true
	}

	n.natProblems(add)
	n.azProblems(add)

	switch n.FlowLogs {
	case FlowLogsOff, FlowLogsCloudWatch, FlowLogsS3:
	default:
		add(KeyFlowLogs, string(n.FlowLogs), "is not a flow log destination"+didYouMean(string(n.FlowLogs), acceptFlowLogs), acceptFlowLogs)
	}
	n.connectivityProblems(add)
	n.endpointProblems(add)
	n.egressProblems(add)
	n.ruleQuotaProblems(add)
	return errs
}

type addFunc func(key, value, problem, accepted string, deps ...string)

func (n Network) vpcCidrProblems(add addFunc) {
	p := n.VpcCidr
	v := p.String()
	if p.Addr().Is6() {
		add(KeyVpcCidr, v, "is an IPv6 range (the VPC's main range must be IPv4)", acceptVpcCidr)
		return
	}
	if p.Bits() < MinVpcPrefix {
		add(KeyVpcCidr, v, fmt.Sprintf("is too large (/%d; AWS allows at most /%d, 65,536 addresses)", p.Bits(), MinVpcPrefix), acceptVpcCidr)
	}
	if p.Bits() > MaxVpcPrefix {
		add(KeyVpcCidr, v, fmt.Sprintf("is too small (/%d; at least a /%d is needed for %d AZ slots of subnets)", p.Bits(), MaxVpcPrefix, ReservedAzs), acceptVpcCidr)
	}
	if p != p.Masked() {
		add(KeyVpcCidr, v, fmt.Sprintf("has host bits set; did you mean %q?", p.Masked().String()), acceptVpcCidr)
	}
}

func (n Network) clientProblems(add addFunc) {
	if len(n.ClientCidrs) == 0 && len(n.ClientPrefixListIds) == 0 && (n.ExistingVpcId == "" || len(n.AutoClientCidrs()) > 0) {
		add(KeyClientCidrs, "", "is an empty list and clientPrefixListIds is empty too: at least one client source is needed",
			acceptClientCidrs, KeyClientCidrs, KeyClientPrefixListIds)
	}
	seen := map[netip.Prefix]bool{}
	for _, p := range n.ClientCidrs {
		v := p.String()
		switch {
		case !p.IsValid():
			add(KeyClientCidrs, v, "is not a CIDR", acceptClientCidrs)
		case p.Addr().Is4In6():
			// A security group never matches IPv4 traffic with an
			// IPv4-mapped IPv6 range.
			problem := "is an IPv4-mapped IPv6 range, which matches no traffic"
			if p.Bits() >= 96 {
				q := netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96).Masked()
				problem += fmt.Sprintf("; did you mean %q?", q.String())
			}
			add(KeyClientCidrs, v, problem, acceptClientCidrs)
		case p != p.Masked():
			add(KeyClientCidrs, v, fmt.Sprintf("has host bits set; did you mean %q?", p.Masked().String()), acceptClientCidrs)
		case seen[p]:
			add(KeyClientCidrs, v, "is listed twice", acceptClientCidrs)
		}
		seen[p] = true
	}
	seenPl := map[string]bool{}
	for _, id := range n.ClientPrefixListIds {
		switch {
		case !prefixListRe.MatchString(id):
			add(KeyClientPrefixListIds, id, "is not a managed prefix list id", acceptPrefixLists)
		case seenPl[id]:
			add(KeyClientPrefixListIds, id, "is listed twice", acceptPrefixLists)
		}
		seenPl[id] = true
	}
}

func (n Network) natProblems(add addFunc) {
	public := !n.HasPrivateSubnets()
	switch n.NatProvider {
	case "", NatGateway:
	case NatInstance, NatRegional:
		if public {
			add(KeyNatProvider, string(n.NatProvider),
				fmt.Sprintf("is set, but natProvider applies only to topology=private (topology is %q)", n.Topology),
				acceptNatProvider, valid(KeyTopology))
		}
	default:
		add(KeyNatProvider, string(n.NatProvider), "is not a NAT provider"+didYouMean(string(n.NatProvider), "gateway, instance, regional"), acceptNatProvider)
	}

	v := strconv.Itoa(n.NatGateways)
	switch {
	case n.NatGateways < 0:
		add(KeyNatGateways, v, "is negative", acceptNatGateways)
	case n.NatGateways > 0 && public:
		add(KeyNatGateways, v,
			fmt.Sprintf("is set, but natGateways applies only to topology=private (topology is %q; use 0)", n.Topology),
			acceptNatGateways, valid(KeyTopology))
	case n.NatGateways > n.Azs && n.Azs >= 1:
		add(KeyNatGateways, v, fmt.Sprintf("is more than azs (%d): there is at most one NAT per AZ", n.Azs),
			acceptNatGateways, valid(KeyAzs), KeyAvailabilityZones)
	}
	n.regionalProblems(add) // regional.go
}

func (n Network) azProblems(add addFunc) {
	names := n.AvailabilityZones
	v := strconv.Itoa(n.Azs)
	switch {
	case n.Azs < 1 || n.Azs > ReservedAzs:
		if len(names) > ReservedAzs && n.Azs == len(names) {
			break // reported on availabilityZones below
		}
		add(KeyAzs, v, fmt.Sprintf("is out of range (the subnet layout reserves %d AZ slots)", ReservedAzs), acceptAzs)
	case len(names) == 0 && n.Azs > MaxAzsWithoutNames:
		add(KeyAzs, v, fmt.Sprintf("is more than %d, and availabilityZones is not set: an environment-agnostic stack sees only "+
			"%d AZs through Fn::GetAZs, so name the zones, e.g. -c availabilityZones=%s (coilednet never caps azs silently)",
			MaxAzsWithoutNames, MaxAzsWithoutNames, exampleAzs(n.Azs)),
			acceptAzs, KeyAvailabilityZones)
	case len(names) > 0 && n.Azs != len(names):
		add(KeyAzs, v, fmt.Sprintf("does not match availabilityZones, which names %d zone(s) (%s): set -c azs=%d or list %d zone(s)",
			len(names), strings.Join(names, ","), len(names), n.Azs),
			acceptAzs, KeyAvailabilityZones)
	}

	if len(names) > ReservedAzs {
		add(KeyAvailabilityZones, strings.Join(names, ","), fmt.Sprintf("names %d zones, more than the %d AZ slots of the subnet layout", len(names), ReservedAzs), acceptAzNames)
	}
	seen := map[string]bool{}
	region := ""
	for _, az := range names {
		switch {
		case !azNameRe.MatchString(az):
			add(KeyAvailabilityZones, az, "is not an Availability Zone name", acceptAzNames)
		case seen[az]:
			add(KeyAvailabilityZones, az, "is listed twice", acceptAzNames)
		case region == "":
			region = regionOf(az)
		case regionOf(az) != region:
			add(KeyAvailabilityZones, az, fmt.Sprintf("is in region %s, but the first zone is in %s: all zones must be in one region", regionOf(az), region), acceptAzNames)
		}
		seen[az] = true
	}

	if isDigits(n.Zone) {
		i, err := strconv.Atoi(n.Zone)
		if err != nil || i >= n.Azs {
			add(KeyZone, n.Zone, fmt.Sprintf("is out of range: there are %d AZ(s), so the index goes from 0 to %d", n.Azs, n.Azs-1),
				acceptZone, valid(KeyAzs), KeyAvailabilityZones)
		}
		return
	}
	switch {
	case len(names) == 0:
		add(KeyZone, n.Zone, "is not an index, and a zone name needs availabilityZones to be set", acceptZone, KeyAvailabilityZones)
	case !slices.Contains(names, n.Zone):
		add(KeyZone, n.Zone, fmt.Sprintf("is not an index nor one of availabilityZones (%s)", strings.Join(names, ",")), acceptZone, KeyAvailabilityZones)
	}
}

// exampleAzs returns n example AZ names for an error message.
func exampleAzs(n int) string {
	names := make([]string, 0, n)
	for i := range min(n, 26) {
		names = append(names, "us-east-2"+string(rune('a'+i)))
	}
	return strings.Join(names, ",")
}

// regionOf returns the region of an AZ name: the name without its letter.
func regionOf(az string) string { return az[:len(az)-1] }

// isDigits reports whether s is a non-empty string of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// didYouMean suggests the accepted value (from a comma-separated list)
// that equals v but for case or surrounding blanks, or returns "".
func didYouMean(v, accepted string) string {
	for _, a := range strings.Split(accepted, ", ") {
		if strings.EqualFold(strings.TrimSpace(v), a) {
			return fmt.Sprintf("; did you mean %q?", a)
		}
	}
	return ""
}

// ZoneIndex returns the index, in the AZ list, of the zone handed to
// Coiled: Zone itself when it is an index, else the position of the name
// Zone in AvailabilityZones. It is meant for a Network that passed
// Validate; otherwise it returns -1 when Zone names neither.
func (n Network) ZoneIndex() int {
	n = n.WithDefaults()
	if isDigits(n.Zone) {
		i, err := strconv.Atoi(n.Zone)
		if err != nil {
			return -1
		}
		return i
	}
	return slices.Index(n.AvailabilityZones, n.Zone)
}

// OpenToInternet reports whether a client CIDR (after defaults) is the
// whole IPv4 or IPv6 internet (prefix length 0).
func (n Network) OpenToInternet() bool {
	for _, p := range n.WithDefaults().ClientCidrs {
		if p.IsValid() && p.Bits() == 0 {
			return true
		}
	}
	return false
}

// Warning is something the user should know about a valid Network.
type Warning struct {
	// ID names the kind of warning, stable across releases (one of
	// WarningIDs), so that a user can accept it: `-c
	// acknowledgeWarnings=<ID>` on scripts/deploy or any cdk command
	// (App.AcknowledgeWarnings), which the stack passes to CDK's
	// Annotations.acknowledgeWarning for the annotation "coilednet:<ID>".
	// (`cdk acknowledge` cannot: it takes only numeric notice IDs.) In your
	// own CDK app, call Annotations.Of(scope).AcknowledgeWarning with
	// "coilednet:<ID>" on the CoiledNetwork or a parent.
	ID string
	// Message says what and how to change it.
	Message string
}

func (w Warning) String() string { return w.Message }

// Warnings returns what the user should know about n (after defaults)
// although it is valid: scheduler ports open to the whole internet, NATs
// shared across AZs, the NAT instance's limits. Synth prints them.
func (n Network) Warnings() []Warning {
	n = n.WithDefaults()
	var w []Warning
	if n.OpenToInternet() {
		var open []string
		for _, p := range n.ClientCidrs {
			if p.IsValid() && p.Bits() == 0 {
				open = append(open, p.String())
			}
		}
		ports := make([]string, len(n.SchedulerPorts))
		for i, p := range n.SchedulerPorts {
			ports[i] = strconv.Itoa(int(p))
		}
		w = append(w, Warning{"schedulerOpenToInternet", fmt.Sprintf("the scheduler ports (TCP %s) are open to the whole internet (clientCidrs includes %s); "+
			"the scheduler still requires TLS and a token. To restrict them, pass your own ranges, "+
			"e.g. -c clientCidrs=203.0.113.0/24, or a managed prefix list, e.g. -c clientCidrs= -c clientPrefixListIds=pl-0123456789abcdef0",
			strings.Join(ports, ", "), strings.Join(open, " and "))})
	}
	if n.Topology == TopologyPrivate && n.NatGateways > 0 && n.NatGateways < n.Azs {
		w = append(w, Warning{"sharedNat", fmt.Sprintf("natGateways=%d with azs=%d: workers in %d AZ(s) reach the internet through a NAT in another AZ, "+
			"which adds cross-AZ data transfer ($0.01/GB each way) and loses that AZ's internet access if the NAT's AZ fails",
			n.NatGateways, n.Azs, n.Azs-n.NatGateways)})
	}
	if n.Topology == TopologyPrivate && n.NatProvider == NatInstance {
		w = append(w, Warning{"natInstance", "natProvider=instance: each NAT is a t4g.nano instance; its bandwidth is that of the instance " +
			"(a burstable baseline far below a NAT gateway's) and nothing replaces it if it fails; use natProvider=gateway for heavy or critical workloads"})
	}
	w = append(w, n.connectivityWarnings()...)
	w = append(w, n.endpointWarnings()...)
	w = append(w, n.egressWarnings()...)
	w = append(w, n.prefixListWarnings()...)
	for i := range w {
		w[i].Message += fmt.Sprintf(" (to accept this warning and stop seeing it: -c %s=%s)", KeyAcknowledgeWarnings, w[i].ID)
	}
	return w
}
