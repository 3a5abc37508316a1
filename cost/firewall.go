package cost

import "github.com/coilednet/coilednet/config"

// firewallCosts returns the fixed costs and the usage notes of the egress firewall (issue 13).
func firewallCosts(n config.Network) ([]Line, []string) { return nil, nil }
