package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Which sources the interface endpoints' security group admits (issue 18,
// part of the endpoints concern). An interface endpoint with private DNS
// takes over its service's name for the whole VPC: in a VPC this stack
// builds only Coiled runs, but in an existing VPC (existingVpcId) every other
// workload then resolves the service to the endpoint, and reaches it only if
// the endpoint group admits it. The default admits the cluster group alone,
// the secure choice; synth states its consequence in existing-VPC mode.

// KeyEndpointSources is the context key of Endpoints.EndpointSources.
const KeyEndpointSources = "endpointSources"

// The named endpoint sources.
const (
	// EndpointSourceCluster admits the cluster security group (every
	// Coiled VM).
	EndpointSourceCluster = "cluster"
	// EndpointSourceVpc admits the VPC's IPv4 range (vpcCidr, or
	// existingVpcCidr): every workload of the VPC.
	EndpointSourceVpc = "vpc"
)

const acceptEndpointSources = "\"\" (the default: cluster), cluster (the Coiled cluster group), vpc (the VPC's IPv4 range: every workload of the VPC) " +
	"and security group ids (sg- and 8 or 17 hex digits), comma-separated or a JSON array"

var sgIDRe = regexp.MustCompile(`^sg-[0-9a-f]{8}([0-9a-f]{9})?$`)

// DefaultEndpointSources is the default of EndpointSources.
func DefaultEndpointSources() []string { return []string{EndpointSourceCluster} }

// EndpointSourceList returns EndpointSources, or its default when empty.
func (e Endpoints) EndpointSourceList() []string {
	if len(e.EndpointSources) == 0 {
		return DefaultEndpointSources()
	}
	return e.EndpointSources
}

// EndpointSourcesDefault reports whether e admits the cluster group alone
// (the default).
func (e Endpoints) EndpointSourcesDefault() bool {
	return slices.Equal(e.EndpointSourceList(), DefaultEndpointSources())
}

// endpointSources reads the key into e.
func (p *parser) endpointSources(e *Endpoints) {
	if items, ok := p.list(KeyEndpointSources, acceptEndpointSources); ok {
		e.EndpointSources = nilIfEmpty(p.strItems(KeyEndpointSources, items, acceptEndpointSources))
	}
}

// endpointSourceProblems checks EndpointSources.
func (n Network) endpointSourceProblems(add addFunc) {
	const key = KeyEndpointSources
	seen := map[string]bool{}
	for _, s := range n.EndpointSources {
		switch {
		case seen[s]:
			add(key, s, "is listed twice", acceptEndpointSources)
		case s == EndpointSourceCluster, s == EndpointSourceVpc, sgIDRe.MatchString(s):
		case strings.EqualFold(s, EndpointSourceCluster), strings.EqualFold(s, EndpointSourceVpc), sgIDRe.MatchString(strings.ToLower(s)):
			add(key, s, fmt.Sprintf("is not an endpoint source; did you mean %q?", strings.ToLower(s)), acceptEndpointSources)
		default:
			add(key, s, "is not an endpoint source", acceptEndpointSources)
		}
		seen[s] = true
	}
	if !n.HasEndpoints() && !n.EndpointSourcesDefault() {
		add(key, strings.Join(n.EndpointSources, ","), "is set, but no interface endpoint is asked for (interfaceEndpoints, endpointServices)",
			acceptEndpointSources, KeyInterfaceEndpoints, KeyEndpointServices)
	}
}

// privateDnsServices are the interface endpoints of e with private DNS: AWS
// services by short name, endpoint services by full name.
func (e Endpoints) privateDnsServices() []string {
	out := e.InterfaceServices()
	for _, s := range e.EndpointServices {
		if s.PrivateDns {
			out = append(out, s.ServiceName)
		}
	}
	return out
}

// endpointSourceWarnings states the VPC-wide effect of private DNS in an
// existing VPC, for the sources chosen.
func (n Network) endpointSourceWarnings() []Warning {
	services := n.privateDnsServices()
	if n.ExistingVpcId == "" || len(services) == 0 {
		return nil
	}
	names := strings.Join(services, ", ")
	sources := n.EndpointSourceList()
	head := fmt.Sprintf("existingVpcId %s with private DNS on the interface endpoints of %s: private DNS makes every workload of the VPC "+
		"resolve these services to the endpoints, not only Coiled's; ", n.ExistingVpcId, names)
	var msg string
	if slices.Contains(sources, EndpointSourceVpc) {
		msg = head + fmt.Sprintf("endpointSources includes vpc, so the endpoint group admits the whole VPC range (%s) on the endpoints' ports: "+
			"every workload of the VPC reaches these services through the endpoints (their traffic is billed at $0.01/GB) and may call them as before", n.ExistingVpcCidr)
	} else {
		msg = head + fmt.Sprintf("the endpoint group admits only %s, so every other workload of %s loses these services (its connections time out) "+
			"once the stack is deployed. To keep them working, admit them: -c %s=cluster,vpc (the VPC range) or -c %s=cluster,sg-… (their security groups)",
			sourcesText(sources), n.ExistingVpcId, KeyEndpointSources, KeyEndpointSources)
	}
	return []Warning{{"endpointPrivateDns", msg}}
}

func sourcesText(sources []string) string {
	var parts []string
	for _, s := range sources {
		switch s {
		case EndpointSourceCluster:
			parts = append(parts, "the Coiled cluster group")
		case EndpointSourceVpc:
			parts = append(parts, "the VPC range")
		default:
			parts = append(parts, "security group "+s)
		}
	}
	return strings.Join(parts, " and ")
}
