package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestList(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "n.yaml")
	os.WriteFile(file, []byte("networks:\n  prod: {region: us-east-1, account: '123456789012', workspace: acme-prod, options: {availabilityZones: us-east-1a}}\n  dev: {options: {stackName: DevNet}}\n"), 0o644)
	var out, errb bytes.Buffer
	if code := run([]string{"list", "-c", "networksFile=" + file}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want := "prod\tCoiledNetwork-prod\taws://123456789012/us-east-1\tacme-prod\ndev\tDevNet\taws://unknown-account/unknown-region\t-\n"
	if out.String() != want {
		t.Errorf("list:\n%q\nwant\n%q", out.String(), want)
	}
	out.Reset()
	if code := run([]string{"list", "-only", "dev", "-c", "networksFile=" + file}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "dev\t") || strings.Count(out.String(), "\n") != 1 {
		t.Errorf("-only dev: exit %d %q", code, out.String())
	}
	errb.Reset()
	if code := run([]string{"list", "-only", "prd", "-c", "networksFile=" + file}, &out, &errb); code != 1 || !strings.Contains(errb.String(), `has no network "prd" (did you mean "prod"?)`) {
		t.Errorf("-only prd: exit %d %s", code, errb.String())
	}
	// No file: nothing listed, and -only is an error.
	t.Chdir(dir)
	out.Reset()
	if code := run([]string{"list"}, &out, &errb); code != 0 || out.Len() != 0 {
		t.Errorf("no file: exit %d %q", code, out.String())
	}
	if code := run([]string{"list", "-only", "dev"}, &out, &errb); code != 1 {
		t.Errorf("-only without a file: exit %d", code)
	}
}

func TestMergeOutputs(t *testing.T) {
	dir := t.TempDir()
	cur, old := filepath.Join(dir, "cur.json"), filepath.Join(dir, "old.json")
	os.WriteFile(cur, []byte(`{"B": {"NetworkId": "vpc-new"}}`), 0o644)
	os.WriteFile(old, []byte(`{"A": {"NetworkId": "vpc-a"}, "B": {"NetworkId": "vpc-old"}, "Gone": {"NetworkId": "vpc-g"}}`), 0o644)
	var errb bytes.Buffer
	if code := run([]string{"merge-outputs", "-file", cur, "-previous", old, "-stacks", "A,B"}, &errb, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	raw, _ := os.ReadFile(cur)
	var got map[string]map[string]string
	json.Unmarshal(raw, &got)
	if got["A"]["NetworkId"] != "vpc-a" || got["B"]["NetworkId"] != "vpc-new" || got["Gone"] != nil {
		t.Errorf("merged %v: want A kept, B from this deploy, Gone (not in the file) dropped", got)
	}
}
