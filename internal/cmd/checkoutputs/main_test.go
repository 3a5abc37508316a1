package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const manifest = `{"version":"48.0.0","artifacts":{
 "Tree":{"type":"cdk:tree"},
 "CoiledNetwork":{"type":"aws:cloudformation:stack","properties":{"templateFile":"CoiledNetwork.template.json","stackName":"CoiledNetwork"}}}}`

const good = `{"CoiledNetwork":{"NetworkId":"vpc-0abc","SchedulerSubnetId":"subnet-01","WorkerSubnetId":"subnet-01",
 "SchedulerFirewallId":"sg-01","FirewallId":"sg-02","GiveWorkersPublicIp":"true","Region":"us-east-1",
 "Zone0":"us-east-1a,subnet-01,subnet-01"}}`

func TestCheckOutputs(t *testing.T) {
	tests := []struct {
		name, outputs string // outputs "" means no file
		noManifest    bool
		code          int
		want          []string
	}{
		{"complete", good, false, 0, []string{"stack CoiledNetwork: network vpc-0abc in us-east-1"}},
		{"complete, no assembly", good, true, 0, []string{"stack CoiledNetwork"}},
		// What a change-set deploy on the emulator left behind (issue 14).
		{"empty object", `{}`, false, 1, []string{"holds no stacks"}},
		{"no file", "", false, 1, []string{"does not exist"}},
		{"another stack", `{"Other":{"NetworkId":"vpc-1"}}`, false, 1, []string{`stack "CoiledNetwork" is not in`, "Other"}},
		{"missing keys", `{"CoiledNetwork":{"NetworkId":"vpc-0abc","Region":"us-east-1"}}`, false, 1,
			[]string{"missing output(s) SchedulerSubnetId, WorkerSubnetId, SchedulerFirewallId, FirewallId, GiveWorkersPublicIp"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			asm := filepath.Join(dir, "cdk.out")
			if !tc.noManifest {
				if err := os.MkdirAll(asm, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(asm, "manifest.json"), []byte(manifest), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			file := filepath.Join(dir, "cdk-outputs.json")
			if tc.outputs != "" {
				if err := os.WriteFile(file, []byte(tc.outputs), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var out, errOut bytes.Buffer
			code := run([]string{"-assembly", asm, file}, &out, &errOut)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stdout %q stderr %q", code, tc.code, out.String(), errOut.String())
			}
			text := out.String() + errOut.String()
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("output %q does not contain %q", text, w)
				}
			}
			if tc.code != 0 && out.Len() != 0 {
				t.Errorf("a failed check printed to stdout: %q", out.String())
			}
		})
	}
	if code := run(nil, &bytes.Buffer{}, &bytes.Buffer{}); code != 2 {
		t.Errorf("no arguments: exit %d, want 2", code)
	}
}
