package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Egress control (issue 13): AWS Network Firewall with a domain allowlist
// between the workers and the internet. Keys, parsing, defaults, validation
// and warnings of this concern live in this file.

// EgressFirewall chooses what inspects the network's internet egress.
type EgressFirewall string

const (
	// EgressFirewallOff inspects nothing: the NAT subnets route straight to
	// the internet gateway.
	EgressFirewallOff EgressFirewall = "off"
	// EgressFirewallNetworkFirewall puts an AWS Network Firewall endpoint
	// per AZ between the NAT subnets and the internet gateway, which lets
	// through only TLS and HTTP to EgressAllowedDomains.
	EgressFirewallNetworkFirewall EgressFirewall = "network-firewall"
)

// FirewallLogs chooses where the firewall's alert and flow logs go.
type FirewallLogs string

const (
	// FirewallLogsCloudWatch sends them to two CloudWatch Logs groups
	// (alert, flow) kept FlowLogsRetentionDays days.
	FirewallLogsCloudWatch FirewallLogs = "cloudwatch"
	// FirewallLogsS3 sends them to an encrypted S3 bucket whose objects
	// expire after FlowLogsRetentionDays days.
	FirewallLogsS3 FirewallLogs = "s3"
)

// EgressControl are the egress firewall options. It is embedded in Network,
// so its fields read as Network's own.
type EgressControl struct {
	// EgressFirewall chooses the egress firewall. Network Firewall needs
	// TopologyPrivate (NAT egress).
	//
	// Default: EgressFirewallOff.
	EgressFirewall EgressFirewall

	// EgressAllowedDomains are what the firewall lets workers reach: preset
	// names (see DomainPresets), domain names (pypi.org) and ".suffix"
	// wildcards (.example.com: example.com and every name under it), as
	// AWS Network Firewall domain lists take them. Used only with
	// EgressFirewallNetworkFirewall; AllowedDomains resolves the presets.
	//
	// Default: coiled.
	EgressAllowedDomains []string

	// FirewallLogs is where the firewall's alert and flow logs go, kept
	// FlowLogsRetentionDays days.
	//
	// Default: FirewallLogsCloudWatch.
	FirewallLogs FirewallLogs
}

// The keys of this concern.
const (
	KeyEgressFirewall       = "egressFirewall"
	KeyEgressAllowedDomains = "egressAllowedDomains"
	KeyFirewallLogs         = "firewallLogs"
)

// egressKeys are this concern's context keys, in cdk.json order.
var egressKeys = []string{KeyEgressFirewall, KeyEgressAllowedDomains, KeyFirewallLogs}

// Defaults of this concern.
const (
	DefaultEgressFirewall = EgressFirewallOff
	DefaultAllowedDomains = "coiled"
	DefaultFirewallLogs   = FirewallLogsCloudWatch
)

const (
	acceptEgressFirewall = "off, network-firewall (with NAT egress: topology=private, or internal with egress=nat)"
	acceptDomains        = "the presets coiled and dockerhub, domain names (pypi.org) and .suffix wildcards (.example.com), comma-separated or a JSON array"
	acceptFirewallLogs   = "cloudwatch, s3"
)

// RegionPlaceholder stands for the stack's region in the domains of the
// presets; the firewall construct replaces it with the region at deploy
// time (the stack is environment-agnostic).
const RegionPlaceholder = "{region}"

// MaxAllowedDomains bounds the resolved allowlist, so that it fits the
// capacity the firewall's rule group reserves (fixed when it is created).
const MaxAllowedDomains = 500

// DomainPresets are the named domain sets of EgressAllowedDomains.
var DomainPresets = map[string][]string{
	// coiled: what a Coiled cluster's VMs reach: Coiled's control plane;
	// the regional AWS endpoints the nodes use (CloudWatch Logs, the ECR
	// API and registries, S3 with its bucket hosts, which also serve ECR's
	// image layers, and STS); PyPI and conda for software environments.
	"coiled": {
		"cloud.coiled.io",
		"logs." + RegionPlaceholder + ".amazonaws.com",
		"api.ecr." + RegionPlaceholder + ".amazonaws.com",
		".dkr.ecr." + RegionPlaceholder + ".amazonaws.com",
		".s3." + RegionPlaceholder + ".amazonaws.com",
		"sts." + RegionPlaceholder + ".amazonaws.com",
		"pypi.org",
		"files.pythonhosted.org",
		"conda.anaconda.org",
		"repo.anaconda.com",
	},
	// dockerhub: Docker Hub's registry, authentication and CDN hosts
	// (Docker's published allowlist).
	"dockerhub": {
		"registry-1.docker.io",
		"auth.docker.io",
		"production.cloudflare.docker.com",
		"production.cloudfront.docker.com",
		"docker-images-prod.6aa30f8b08e16409b46e0173d6de2f56.r2.cloudflarestorage.com",
	},
}

// domainLabelRe is one DNS label: letters, digits and inner hyphens.
var domainLabelRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// egressControl reads this concern's keys into e.
func (p *parser) egressControl(e *EgressControl) {
	if s, ok := p.str(KeyEgressFirewall, acceptEgressFirewall); ok {
		e.EgressFirewall = EgressFirewall(s)
	}
	if items, ok := p.list(KeyEgressAllowedDomains, acceptDomains); ok {
		e.EgressAllowedDomains = p.strItems(KeyEgressAllowedDomains, items, acceptDomains)
	}
	if s, ok := p.str(KeyFirewallLogs, acceptFirewallLogs); ok {
		e.FirewallLogs = FirewallLogs(s)
	}
}

// egressDefaults fills in this concern's defaults.
func (n Network) egressDefaults() Network {
	if n.EgressFirewall == "" {
		n.EgressFirewall = DefaultEgressFirewall
	}
	if n.EgressAllowedDomains == nil {
		n.EgressAllowedDomains = []string{DefaultAllowedDomains}
	} else {
		n.EgressAllowedDomains = slices.Clone(n.EgressAllowedDomains)
	}
	if n.FirewallLogs == "" {
		n.FirewallLogs = DefaultFirewallLogs
	}
	return n
}

// FirewallOn reports whether n (after defaults) has an egress firewall.
func (n Network) FirewallOn() bool {
	return n.WithDefaults().EgressFirewall == EgressFirewallNetworkFirewall
}

// AllowedDomains returns the domains the firewall allows: the presets of
// EgressAllowedDomains expanded, in the order given, without duplicates.
// Preset domains may hold RegionPlaceholder.
func (n Network) AllowedDomains() []string {
	var out []string
	seen := map[string]bool{}
	for _, item := range n.WithDefaults().EgressAllowedDomains {
		names, ok := DomainPresets[item]
		if !ok {
			names = []string{strings.ToLower(item)}
		}
		for _, d := range names {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	return out
}

// domainProblem says why d is not a domain AWS Network Firewall's domain
// lists accept (a name, or a .suffix wildcard), or returns "".
func domainProblem(d string) string {
	switch {
	case strings.Contains(d, "://"):
		host := d[strings.Index(d, "://")+3:]
		if i := strings.IndexAny(host, "/:"); i >= 0 {
			host = host[:i]
		}
		return fmt.Sprintf("is a URL, not a domain; did you mean %q?", host)
	case strings.HasPrefix(d, "*."):
		return fmt.Sprintf("is a glob; Network Firewall writes wildcards with a leading dot: did you mean %q?", d[1:])
	case strings.ContainsAny(d, "*/: "):
		return "is not a domain name (no wildcards but a leading dot, no ports, paths or blanks)"
	}
	name := strings.TrimPrefix(strings.ToLower(d), ".")
	if len(name) > 253 {
		return "is longer than 253 characters"
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		if _, isPreset := DomainPresets[strings.ToLower(d)]; isPreset {
			return fmt.Sprintf("is not a preset (presets are lower case); did you mean %q?", strings.ToLower(d))
		}
		return "is neither a preset nor a domain name with at least two labels"
	}
	for _, l := range labels {
		if !domainLabelRe.MatchString(l) {
			return fmt.Sprintf("is not a domain name (label %q: letters, digits and inner hyphens, 1 to 63 characters)", l)
		}
	}
	return ""
}

// egressProblems reports what is wrong with this concern's options.
func (n Network) egressProblems(add addFunc) {
	switch n.EgressFirewall {
	case EgressFirewallOff:
	case EgressFirewallNetworkFirewall:
		switch {
		case n.Topology != TopologyPrivate && n.Topology != TopologyInternal:
			add(KeyEgressFirewall, string(n.EgressFirewall),
				fmt.Sprintf("needs NAT egress, which only topology=private and internal have (topology is %q): use -c topology=private", n.Topology),
				acceptEgressFirewall, valid(KeyTopology))
		case n.Egress == EgressTransitGateway:
			add(KeyEgressFirewall, string(n.EgressFirewall),
				"needs NAT egress, but egress=transitGateway sends the workers' traffic to the Transit Gateway: inspect it where the Transit Gateway leads, or use egress=nat",
				acceptEgressFirewall, valid(KeyTopology), valid(KeyEgress))
		}
		if n.Azs > 1 && len(n.AvailabilityZones) == 0 {
			add(KeyEgressFirewall, string(n.EgressFirewall),
				fmt.Sprintf("with azs=%d needs availabilityZones: each AZ's route is pointed at that AZ's firewall endpoint by AZ name, "+
					"which CloudFormation can only match against a name written in the template, e.g. -c availabilityZones=%s -c azs=%d", n.Azs, exampleAzs(n.Azs), n.Azs),
				acceptEgressFirewall, valid(KeyAzs), KeyAvailabilityZones)
		}
		// With a Transit Gateway attachment too, both groups share the free
		// quarter; when the attachment subnets alone do not fit,
		// transitGatewayId's error says so.
		groups := []ExtraSubnetGroup{FirewallSubnets}
		if n.UsesTransitGateway() && n.ExtraSubnetProblem(TransitGatewaySubnets) == "" {
			groups = append(groups, TransitGatewaySubnets)
		}
		if problem := n.ExtraSubnetProblem(groups...); problem != "" && n.Azs >= 1 && n.Azs <= ReservedAzs {
			add(KeyEgressFirewall, string(n.EgressFirewall), "(one firewall subnet per AZ) "+problem,
				acceptEgressFirewall, valid(KeyVpcCidr), valid(KeyAzs))
		}
	default:
		add(KeyEgressFirewall, string(n.EgressFirewall), "is not an egress firewall"+didYouMean(string(n.EgressFirewall), "off, network-firewall"), acceptEgressFirewall)
	}

	on := n.EgressFirewall == EgressFirewallNetworkFirewall
	if len(n.EgressAllowedDomains) == 0 && on {
		add(KeyEgressAllowedDomains, "", "is an empty list: the firewall would drop all egress, Coiled's control plane included", acceptDomains, KeyEgressAllowedDomains)
	}
	seen := map[string]bool{}
	for _, d := range n.EgressAllowedDomains {
		if _, isPreset := DomainPresets[d]; !isPreset {
			if problem := domainProblem(d); problem != "" {
				add(KeyEgressAllowedDomains, d, problem, acceptDomains)
				continue
			}
		}
		key := strings.ToLower(d)
		if seen[key] {
			add(KeyEgressAllowedDomains, d, "is listed twice", acceptDomains)
		}
		seen[key] = true
	}
	if c := len(n.AllowedDomains()); c > MaxAllowedDomains {
		add(KeyEgressAllowedDomains, fmt.Sprintf("%d domains", c), fmt.Sprintf("are more than %d after the presets are expanded", MaxAllowedDomains), acceptDomains)
	}

	switch n.FirewallLogs {
	case FirewallLogsCloudWatch, FirewallLogsS3:
	default:
		add(KeyFirewallLogs, string(n.FirewallLogs), "is not a log destination"+didYouMean(string(n.FirewallLogs), acceptFirewallLogs), acceptFirewallLogs)
	}
}

// egressWarnings returns what the user should know about them.
func (n Network) egressWarnings() []Warning {
	if !n.FirewallOn() || n.NatProvider != NatInstance || *n.S3Endpoint {
		return nil
	}
	for _, d := range n.AllowedDomains() {
		if strings.Contains(d, "s3.dualstack.") {
			return nil
		}
	}
	return []Warning{{"firewallNatInstanceRepos", "egressFirewall=network-firewall with natProvider=instance and s3Endpoint=false: " +
		"the NAT instances install iptables from the Amazon Linux repositories (S3 hosts ending in .s3.dualstack.<region>.amazonaws.com) " +
		"at first boot, which the firewall drops: turn s3Endpoint on (the default) or add e.g. .s3.dualstack.us-east-1.amazonaws.com to egressAllowedDomains"}}
}
