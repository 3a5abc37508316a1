// Package assembly reads the CloudFormation stacks of a CDK cloud assembly
// (cdk.out/manifest.json): their names, template files and environments.
// The deploy-time commands (checkoutputs, safechange, instancepolicy) share
// it.
package assembly

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Stack is one CloudFormation stack of an assembly.
type Stack struct {
	// Name is the stack's name (the artifact ID when the manifest names none).
	Name string
	// TemplateFile is the path of its template (dir joined).
	TemplateFile string
	// Account and Region are its environment; "" where the stack is
	// environment-agnostic.
	Account, Region string
	// AssumeRoleArn is the CDK deploy role of its environment, "" if none.
	AssumeRoleArn string
}

// Stacks returns the stacks of the cloud assembly at dir, sorted by name.
// An assembly without a stack is an error.
func Stacks(dir string) ([]Stack, error) {
	file := filepath.Join(dir, "manifest.json")
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("no cloud assembly: %v", err)
	}
	var m struct {
		Artifacts map[string]struct {
			Type        string `json:"type"`
			Environment string `json:"environment"`
			Properties  struct {
				StackName     string `json:"stackName"`
				TemplateFile  string `json:"templateFile"`
				AssumeRoleArn string `json:"assumeRoleArn"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	var out []Stack
	for id, a := range m.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		s := Stack{Name: a.Properties.StackName, TemplateFile: filepath.Join(dir, a.Properties.TemplateFile), AssumeRoleArn: a.Properties.AssumeRoleArn}
		if s.Name == "" {
			s.Name = id
		}
		if acct, region, ok := strings.Cut(strings.TrimPrefix(a.Environment, "aws://"), "/"); ok {
			if region != "unknown-region" {
				s.Region = region
			}
			if acct != "unknown-account" {
				s.Account = acct
			}
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no stack", dir)
	}
	slices.SortFunc(out, func(a, b Stack) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
