package config

// PrivateLink (issue 11): interface endpoints for AWS services, endpoint
// services of partners, the DynamoDB gateway endpoint. Keys, parsing,
// defaults, validation and warnings of this concern live in this file.

// Endpoints are the VPC endpoint options. It is embedded in Network, so its
// fields read as Network's own.
type Endpoints struct{}

// endpointKeys are this concern's context keys, in cdk.json order.
var endpointKeys = []string{}

// endpoints reads this concern's keys into e.
func (p *parser) endpoints(e *Endpoints) {}

// endpointDefaults fills in this concern's defaults.
func (n Network) endpointDefaults() Network { return n }

// endpointProblems reports what is wrong with this concern's options.
func (n Network) endpointProblems(add addFunc) {}

// endpointWarnings returns what the user should know about them.
func (n Network) endpointWarnings() []Warning { return nil }
