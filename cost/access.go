package cost

import "github.com/coilednet/coilednet/config"

// accessCosts returns the fixed costs and the usage notes of the IAM access
// (issue 9): a Secrets Manager secret in user mode.
func accessCosts(a config.App) ([]Line, []string) { return nil, nil }
