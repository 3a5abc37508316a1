package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type fakeAPI struct {
	arn    string
	owners map[string]bool // stacks owning arn
	owner  string          // what a look-up by physical ID answers
}

func (f fakeAPI) ownerOf(context.Context, string) string { return f.owner }

func (f fakeAPI) policyArn(context.Context, string) (string, error) { return f.arn, nil }
func (f fakeAPI) owns(_ context.Context, stack, arn string) (bool, error) {
	return arn == f.arn && f.owners[stack], nil
}

const policyArn = "arn:aws:iam::123456789012:policy/CoiledInstancePolicy"

func TestDecide(t *testing.T) {
	acme := stackUse{Stack: "Acme", Creates: true}
	beta := stackUse{Stack: "Beta", Attaches: true}
	for _, tc := range []struct {
		name  string
		uses  []stackUse
		api   fakeAPI
		wants []string // substrings of the error; none: allowed
	}{
		{"first workspace, nothing in the account", []stackUse{acme}, fakeAPI{}, nil},
		{"redeploy of the stack that created it", []stackUse{acme}, fakeAPI{policyArn, map[string]bool{"Acme": true}, ""}, nil},
		{"a second stack creating it", []stackUse{{Stack: "Beta", Creates: true}}, fakeAPI{policyArn, map[string]bool{"Acme": true}, ""},
			[]string{"stack Beta would create the IAM policy CoiledInstancePolicy", policyArn, "-c coiledInstancePolicy=existing"}},
		{"Coiled's own policy in the account", []stackUse{acme}, fakeAPI{policyArn, nil, ""},
			[]string{"not by this stack", "-c coiledInstancePolicy=existing"}},
		{"another workspace's stack made it (found by physical ID)", []stackUse{{Stack: "Beta", Creates: true}}, fakeAPI{policyArn, nil, "Acme"},
			[]string{"made by stack Acme", "-c coiledInstancePolicy=existing"}},
		{"redeploy, found by physical ID", []stackUse{acme}, fakeAPI{policyArn, nil, "Acme"}, nil},
		{"second workspace attaching the first one's", []stackUse{beta}, fakeAPI{policyArn, nil, ""}, nil},
		{"attaching when nobody created it", []stackUse{beta}, fakeAPI{},
			[]string{"stack Beta attaches", "has none", "-c coiledInstancePolicy=create"}},
		{"one app: creator and attacher together", []stackUse{acme, beta}, fakeAPI{}, nil},
		{"one app: two creators", []stackUse{acme, {Stack: "Beta", Creates: true}}, fakeAPI{},
			[]string{"stacks Acme, Beta would each create", "set -c coiledInstancePolicy=existing on Beta"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			existing, owner, err := lookUp(context.Background(), tc.api, tc.uses)
			if err != nil {
				t.Fatal(err)
			}
			err = decide(tc.uses, existing, owner)
			if len(tc.wants) == 0 {
				if err != nil {
					t.Errorf("stopped: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("not stopped")
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestReadAssembly(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("manifest.json", `{"artifacts": {
		"A": {"type": "aws:cloudformation:stack", "properties": {"stackName": "Acme", "templateFile": "A.template.json"}},
		"B": {"type": "aws:cloudformation:stack", "properties": {"stackName": "Beta", "templateFile": "B.template.json"}},
		"N": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "N.template.json"}},
		"T": {"type": "cdk:tree"}}}`)
	write("A.template.json", `{"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "CoiledInstancePolicy"}},
		"W": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "CoiledInstancePolicy-acme"}}}}`)
	write("B.template.json", `{"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": [
		{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":policy/CoiledInstancePolicy"]]}]}}}}`)
	write("N.template.json", `{"Resources": {"W": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "CoiledInstancePolicy-x"}}}}`)
	uses, err := readAssembly(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(uses) != 2 || uses[0] != (stackUse{"Acme", true, false}) || uses[1] != (stackUse{"Beta", false, true}) {
		t.Errorf("uses = %+v", uses)
	}
	if _, err := readAssembly(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing assembly is not an error")
	}
}
