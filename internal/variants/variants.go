// Package variants lists the option sets the tests build: each has a golden
// template under test/testdata/, is synthesized through the real CDK CLI in
// CI, and is deployed to the CloudFormation emulator by the end-to-end suite.
package variants

import (
	"slices"
	"sort"
)

// Variant is one named set of CDK context overrides, as a user would pass
// them with `cdk -c key=value`.
type Variant struct {
	// Name names the golden file: test/testdata/<Name>.template.json.
	Name string
	// Context holds the -c overrides on top of cdk.json's defaults.
	Context map[string]string
	// Topology is the topology the variant builds (for checks).
	Topology string
	// NoDeploy, when set, says why the end-to-end suite cannot deploy the
	// variant to the emulator (e.g. a resource type moto lacks); the suite
	// then checks what it can from the synthesized template instead.
	NoDeploy string
}

// All is every variant: the reference networks', then each concern's
// (connectivity.go, endpoints.go, firewall.go, access.go).
var All = slices.Concat(base, connectivityVariants, endpointVariants, firewallVariants, accessVariants, regionalVariants)

// base are the variants of the reference networks.
var base = []Variant{
	{Name: "public-default", Topology: "public", Context: map[string]string{}},
	{Name: "private-default", Topology: "private", Context: map[string]string{"topology": "private"}},
	{Name: "private-custom", Topology: "private", Context: map[string]string{
		"topology":       "private",
		"vpcCidr":        "172.20.0.0/20",
		"clientCidrs":    "203.0.113.0/24,2001:db8:1234::/48",
		"schedulerPorts": "443,8443",
	}},
	{Name: "private-instance-2az", Topology: "private", Context: map[string]string{
		"topology":    "private",
		"natProvider": "instance",
		"azs":         "2",
		"zone":        "1",
	}},
	{Name: "private-3az-shared-nat", Topology: "private", Context: map[string]string{
		"topology":            "private",
		"availabilityZones":   "us-east-1a,us-east-1b,us-east-1c",
		"azs":                 "3",
		"natGateways":         "1",
		"zone":                "us-east-1b",
		"clientCidrs":         "198.51.100.0/24",
		"clientPrefixListIds": "pl-0123456789abcdef0",
	}},
	{Name: "public-flowlogs-cloudwatch", Topology: "public", Context: map[string]string{
		"flowLogs":                     "cloudwatch",
		"restrictDefaultSecurityGroup": "false",
		"s3Endpoint":                   "false",
		"clientCidrs":                  "198.51.100.7/32",
	}},
	{Name: "private-flowlogs-s3", Topology: "private", Context: map[string]string{
		"topology": "private",
		"flowLogs": "s3",
	}},
}

// Args returns v's context as CDK CLI arguments (-c key=value ...), sorted.
func (v Variant) Args() []string {
	keys := make([]string, 0, len(v.Context))
	for k := range v.Context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var args []string
	for _, k := range keys {
		args = append(args, "-c", k+"="+v.Context[k])
	}
	return args
}

// ContextAny returns v's context in the form the CDK app receives it.
func (v Variant) ContextAny() map[string]any {
	m := make(map[string]any, len(v.Context))
	for k, val := range v.Context {
		m[k] = val
	}
	return m
}
