package config

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestReadmeOptionsTable keeps the options table of docs/options.md true: it lists
// exactly Keys, in order, and each row's default is cdk.json's value.
func TestReadmeOptionsTable(t *testing.T) {
	raw, err := os.ReadFile("../docs/options.md")
	if err != nil {
		t.Fatal(err)
	}
	ctx, _ := readCdkJSON(t)
	_, section, ok := strings.Cut(string(raw), "# Options\n")
	if !ok {
		t.Fatal("docs/options.md has no '# Options' heading")
	}
	var keys []string
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		key := strings.Trim(strings.TrimSpace(cells[1]), "`")
		keys = append(keys, key)
		want := "`" + fmt.Sprint(ctx[key]) + "`"
		if s, ok := ctx[key].(string); ok && s == "" {
			want = "`\"\"`"
		}
		if got := strings.TrimSpace(cells[2]); !strings.HasPrefix(got, want) {
			t.Errorf("docs/options.md options table: %s defaults to %s, cdk.json says %s", key, got, want)
		}
	}
	if !slices.Equal(keys, Keys) {
		t.Errorf("docs/options.md options table lists\n  %v\nwant config.Keys\n  %v", keys, Keys)
	}
}
