package summary

import "github.com/coilednet/coilednet/config"

// accessLines describes the IAM access (issue 9), one line each; none when
// coiledAccess is none.
func accessLines(a config.App) []string { return nil }
