package assembly

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func write(t *testing.T, manifest string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestStacks(t *testing.T) {
	dir := write(t, `{"artifacts": {
  "Tree": {"type": "cdk:tree"},
  "b": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region",
        "properties": {"templateFile": "b.template.json"}},
  "Prod": {"type": "aws:cloudformation:stack", "environment": "aws://123456789012/us-east-1",
        "properties": {"stackName": "CoiledNetwork-prod", "templateFile": "Prod.template.json",
                       "assumeRoleArn": "arn:aws:iam::123456789012:role/deploy"}},
  "Dev": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/us-west-2",
        "properties": {"stackName": "CoiledNetwork-dev", "templateFile": "Dev.template.json"}}}}`)
	got, err := Stacks(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Stack{
		{Name: "CoiledNetwork-dev", TemplateFile: filepath.Join(dir, "Dev.template.json"), Region: "us-west-2"},
		{Name: "CoiledNetwork-prod", TemplateFile: filepath.Join(dir, "Prod.template.json"), Account: "123456789012", Region: "us-east-1",
			AssumeRoleArn: "arn:aws:iam::123456789012:role/deploy"},
		{Name: "b", TemplateFile: filepath.Join(dir, "b.template.json")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Stacks =\n  %+v\nwant\n  %+v", got, want)
	}
}

func TestStacksErrors(t *testing.T) {
	for name, c := range map[string]struct{ manifest, want string }{
		"no stack":    {`{"artifacts": {"Tree": {"type": "cdk:tree"}}}`, "holds no stack"},
		"not JSON":    {`{`, "manifest.json"},
		"no manifest": {"", "no cloud assembly"},
	} {
		dir := t.TempDir()
		if c.manifest != "" {
			dir = write(t, c.manifest)
		}
		if _, err := Stacks(dir); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, c.want)
		}
	}
}
