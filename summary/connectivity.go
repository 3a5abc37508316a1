package summary

import "github.com/coilednet/coilednet/config"

// connectivityLines describes the private connectivity (issue 10), one line each; none when unused.
func connectivityLines(n config.Network) []string { return nil }
