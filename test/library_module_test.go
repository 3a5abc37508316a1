package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestLibraryModule builds and runs docs/library.md's go.mod and program as
// a module of its own, with the replace directive pointing at this
// checkout (as the page tells a user to do while the module is not
// published): it synthesizes a stack with every output the hook reads.
func TestLibraryModule(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("..", "docs", "library.md"))
	if err != nil {
		t.Fatal(err)
	}
	block := func(lang string) string {
		m := regexp.MustCompile("(?s)```" + regexp.QuoteMeta(lang) + "\n(.*?)```").FindSubmatch(page)
		if m == nil {
			t.Fatalf("docs/library.md has no %s block", lang)
		}
		return string(m[1])
	}
	gomod, program := block("go.mod"), block("go")
	if !strings.Contains(gomod, "replace github.com/coilednet/coilednet => ../coilednet") || !strings.HasPrefix(program, "package main") {
		t.Fatalf("docs/library.md: the go.mod block lacks the replace directive, or the first go block is not a program:\n%s\n%s", gomod, program)
	}
	root, _ := filepath.Abs("..")
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", strings.Replace(gomod, "=> ../coilednet", "=> "+root, 1))
	write("main.go", program)
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write("go.sum", string(sum)) // offline: the checkout's sums cover the app's

	build := exec.Command("go", "build", "-o", "app", ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build of docs/library.md's app: %v\n%s", err, out)
	}
	outdir := t.TempDir()
	run := exec.Command(filepath.Join(dir, "app"))
	run.Env = append(os.Environ(), "CDK_OUTDIR="+outdir, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20")
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("docs/library.md's app: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(outdir, "DataPlatform.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct{ Outputs map[string]any }
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"NetworkId", "SchedulerSubnetId", "WorkerSubnetId", "SchedulerFirewallId", "FirewallId",
		"GiveWorkersPublicIp", "Region", "Zone0", "CoiledAccessKeySecretArn", "InstanceRoleArn", "InstanceProfileArn", "LogGroupName"} {
		if _, ok := tpl.Outputs[k]; !ok {
			t.Errorf("the app's stack lacks output %s (has %d outputs)", k, len(tpl.Outputs))
		}
	}
}
