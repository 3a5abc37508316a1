package test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coilednet/coilednet/internal/variants"
)

// TestGoldenTemplates compares every variant's template with its golden
// file. `go test ./test -update` rewrites the goldens; review their diff as
// the review of the template change.
func TestGoldenTemplates(t *testing.T) {
	for _, v := range variants.All {
		t.Run(v.Name, func(t *testing.T) {
			s := synth(t, v.Name)
			path := filepath.Join("testdata", v.Name+".template.json")
			if *update {
				if err := os.WriteFile(path, s.json, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run `go test ./test -update` to create it)", err)
			}
			if !bytes.Equal(want, s.json) {
				t.Errorf("template of %s differs from %s (-golden +got); if the change is intended, run `go test ./test -update` and review the diff:\n%s",
					v.Name, path, lineDiff(string(want), string(s.json)))
			}
		})
	}
}

// TestNoStrayGoldens fails on a golden file whose variant no longer exists.
func TestNoStrayGoldens(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, v := range variants.All {
		known[v.Name] = true
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".template.json")
		if !known[name] {
			t.Errorf("%s has no variant in internal/variants; delete it or add the variant", f)
		}
	}
	if len(files) != len(variants.All) {
		t.Errorf("%d golden files for %d variants", len(files), len(variants.All))
	}
}

// lineDiff is a small unified-style diff of two texts: the changed region
// with three lines of context. Enough to read a template change.
func lineDiff(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	pre := 0
	for pre < len(x) && pre < len(y) && x[pre] == y[pre] {
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && x[len(x)-1-suf] == y[len(y)-1-suf] {
		suf++
	}
	var out strings.Builder
	from := max(0, pre-3)
	for _, l := range x[from:pre] {
		out.WriteString("  " + l + "\n")
	}
	for _, l := range x[pre : len(x)-suf] {
		out.WriteString("- " + l + "\n")
	}
	for _, l := range y[pre : len(y)-suf] {
		out.WriteString("+ " + l + "\n")
	}
	to := min(len(x), len(x)-suf+3)
	for _, l := range x[len(x)-suf : to] {
		out.WriteString("  " + l + "\n")
	}
	return out.String()
}
