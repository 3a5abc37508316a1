package cost

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeCostTable keeps the cost table of docs/cost.md equal to Table().
func TestReadmeCostTable(t *testing.T) {
	raw, err := os.ReadFile("../docs/cost.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), Table()) {
		t.Errorf("docs/cost.md does not contain the cost table; paste this under '# What it costs':\n%s", Table())
	}
}
