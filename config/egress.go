package config

// Egress control (issue 13): AWS Network Firewall with a domain allowlist
// between the workers and the internet. Keys, parsing, defaults, validation
// and warnings of this concern live in this file.

// EgressControl are the egress firewall options. It is embedded in Network,
// so its fields read as Network's own.
type EgressControl struct{}

// egressKeys are this concern's context keys, in cdk.json order.
var egressKeys = []string{}

// egressControl reads this concern's keys into e.
func (p *parser) egressControl(e *EgressControl) {}

// egressDefaults fills in this concern's defaults.
func (n Network) egressDefaults() Network { return n }

// egressProblems reports what is wrong with this concern's options.
func (n Network) egressProblems(add addFunc) {}

// egressWarnings returns what the user should know about them.
func (n Network) egressWarnings() []Warning { return nil }
