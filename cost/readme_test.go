package cost

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeCostTable keeps the README's cost table equal to Table().
func TestReadmeCostTable(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), Table()) {
		t.Errorf("README.md does not contain the cost table; paste this under 'What it costs':\n%s", Table())
	}
}
