package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coilednet/coilednet/internal/motoserver"
)

// TestExamples synthesizes every networks file in examples/ (one per
// scenario of the README) through the app's networks-file path and lints
// each template with cfn-lint, as CI lints the goldens.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "examples", "*.yaml"))
	if err != nil || len(files) < 6 {
		t.Fatalf("examples: %v %v", files, err)
	}
	lintDir := t.TempDir()
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if want := "scripts/deploy -c networksFile=examples/" + name + ".yaml"; !strings.Contains(string(raw), want) {
				t.Errorf("%s does not say how to deploy it (%q)", f, want)
			}
			built, tpls := synthFile(t, string(raw), nil, false)
			if len(built.Stacks) == 0 {
				t.Fatal("no stack")
			}
			for stack, tpl := range tpls {
				b, _ := json.MarshalIndent(tpl, "", "  ")
				if err := os.WriteFile(filepath.Join(lintDir, name+"-"+stack+".template.json"), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		if os.Getenv(motoserver.RequireToolsEnv) == "1" {
			t.Fatal("cfn-lint is not installed")
		}
		t.Skip("cfn-lint is not installed: the examples were synthesized but not linted")
	}
	templates, _ := filepath.Glob(filepath.Join(lintDir, "*.template.json"))
	if out, err := exec.Command(lint, templates...).CombinedOutput(); err != nil {
		t.Errorf("cfn-lint on the examples' templates: %v\n%s", err, out)
	}
}
