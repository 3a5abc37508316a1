// Package summary describes in a few lines what a coilednet app will build
// (VPC range, subnets per role and AZ, NATs, who may reach the scheduler,
// and each concern's resources), for synth's output. It is plain Go and
// reads only a config.App.
package summary

import (
	"strings"

	"github.com/coilednet/coilednet/config"
)

// Of returns the summary of a (defaults are filled in here), one line each,
// ending in a newline; a should have passed Validate.
func Of(a config.App) string {
	a = a.WithDefaults()
	var lines []string
	lines = append(lines, networkLines(a.Network)...)
	lines = append(lines, connectivityLines(a.Network)...)
	lines = append(lines, endpointLines(a.Network)...)
	lines = append(lines, firewallLines(a.Network)...)
	lines = append(lines, accessLines(a)...)
	if len(lines) == 0 {
		return ""
	}
	return "will build:\n  " + strings.Join(lines, "\n  ") + "\n"
}

// networkLines describes the reference network (issue 14).
func networkLines(n config.Network) []string { return nil }
