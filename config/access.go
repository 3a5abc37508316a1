package config

// Least privilege for Coiled (issue 9): the IAM identity Coiled acts as, the
// instance role of cluster VMs, data buckets. Keys, parsing, defaults and
// validation of this concern live in this file.

// Access are the IAM options. It is a field of App (the stack composes the
// IAM constructs next to the network).
type Access struct{}

// accessKeys are this concern's context keys, in cdk.json order.
var accessKeys = []string{}

// access reads this concern's keys into a.
func (p *parser) access(a *Access) {}

// withDefaults fills in this concern's defaults.
func (a Access) withDefaults() Access { return a }

// accessProblems reports what is wrong with this concern's options; n is
// the app's network, defaults filled in.
func (a Access) problems(n Network, add addFunc) {}
