package hook

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// usageError reports a flag parse error in one line, with the flag the
// user most likely meant ("did you mean --zone?") when one is close, and
// where the full list is: no 60 lines of usage for a typo.
func usageError(fs *flag.FlagSet, err error, stderr io.Writer) {
	msg := err.Error()
	hint := ""
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		name = strings.TrimLeft(name, "-")
		if s := closestFlag(fs, name); s != "" {
			hint = fmt.Sprintf("; did you mean --%s?", s)
		}
		msg = fmt.Sprintf("unknown flag --%s", name)
	}
	fmt.Fprintf(stderr, "coiled-hook: error: %s%s (coiled-hook -h lists every flag)\n", msg, hint)
}

// closestFlag returns the flag of fs that name is most likely a typo of:
// equal but for case, a prefix of it, or at most two edits away (one for
// names under five letters); "" if none is close.
func closestFlag(fs *flag.FlagSet, name string) string {
	best, bestDist := "", 1<<30
	ln := strings.ToLower(name)
	fs.VisitAll(func(f *flag.Flag) {
		lf := strings.ToLower(f.Name)
		d := editDistance(ln, lf)
		if ln == lf || (len(ln) >= 3 && strings.HasPrefix(lf, ln)) {
			d = 0
		}
		limit := 2
		if len(f.Name) < 5 {
			limit = 1
		}
		if d <= limit && d < bestDist {
			best, bestDist = f.Name, d
		}
	})
	return best
}

// editDistance is the Levenshtein distance of a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
