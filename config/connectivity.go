package config

// Private connectivity (issue 10): the internal topology's egress, Transit
// Gateway routes, VPC peerings and the existing-VPC mode. Keys, parsing,
// defaults, validation and warnings of this concern live in this file.

// Connectivity are the options that connect the network privately. It is
// embedded in Network, so its fields read as Network's own.
type Connectivity struct{}

// connectivityKeys are this concern's context keys, in cdk.json order.
var connectivityKeys = []string{}

// connectivity reads this concern's keys into c.
func (p *parser) connectivity(c *Connectivity) {}

// connectivityDefaults fills in this concern's defaults.
func (n Network) connectivityDefaults() Network { return n }

// connectivityProblems reports what is wrong with this concern's options.
func (n Network) connectivityProblems(add addFunc) {}

// connectivityWarnings returns what the user should know about them.
func (n Network) connectivityWarnings() []Warning { return nil }
