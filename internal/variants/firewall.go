package variants

// noFirewallInMoto is why the firewall variants are not deployed to the
// emulator: moto's CloudFormation has no AWS::NetworkFirewall types.
const noFirewallInMoto = "moto's CloudFormation has no AWS::NetworkFirewall::* resource types (Firewall, FirewallPolicy, RuleGroup, LoggingConfiguration); the template is checked instead"

// firewallVariants are the variants of the firewall options.
var firewallVariants = []Variant{
	{Name: "private-firewall", Topology: "private", NoDeploy: noFirewallInMoto, Context: map[string]string{
		"topology":       "private",
		"egressFirewall": "network-firewall",
	}},
	{Name: "private-firewall-3az", Topology: "private", NoDeploy: noFirewallInMoto, Context: map[string]string{
		"topology":          "private",
		"egressFirewall":    "network-firewall",
		"availabilityZones": "us-east-1a,us-east-1b,us-east-1c",
		"azs":               "3",
		"zone":              "2",
		"clientCidrs":       "198.51.100.0/24",
	}},
	{Name: "private-firewall-2az-domains", Topology: "private", NoDeploy: noFirewallInMoto, Context: map[string]string{
		"topology":             "private",
		"egressFirewall":       "network-firewall",
		"availabilityZones":    "eu-west-1b,eu-west-1a",
		"azs":                  "2",
		"natProvider":          "instance",
		"egressAllowedDomains": "coiled,dockerhub,.internal.example.com,GitHub.com",
		"firewallLogs":         "s3",
		"schedulerPorts":       "443",
		"clientCidrs":          "203.0.113.0/24",
	}},
	{Name: "internal-firewall", Topology: "internal", NoDeploy: noFirewallInMoto, Context: map[string]string{
		"topology":       "internal",
		"egressFirewall": "network-firewall",
	}},
}
