// Command templatediff exits 0 when two CloudFormation JSON templates are
// equal as JSON (key order and layout aside), else prints where they differ
// and exits 1. CI uses it to prove that the CDK CLI, reading cdk.json,
// synthesizes exactly the golden templates the tests check.
//
// What only the CLI adds is left out of the comparison: the construct-path
// and asset metadata (aws:cdk:*, aws:asset:*) and CDK's version-reporting
// resource CDKMetadata with its condition.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: templatediff GOT.json WANT.json")
		os.Exit(2)
	}
	got, want := normalize(load(os.Args[1])), normalize(load(os.Args[2]))
	if reflect.DeepEqual(got, want) {
		fmt.Printf("%s equals %s\n", os.Args[1], os.Args[2])
		return
	}
	fmt.Fprintf(os.Stderr, "%s differs from %s:\n", os.Args[1], os.Args[2])
	diff("", got, want)
	os.Exit(1)
}

func load(path string) any {
	raw, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
		os.Exit(2)
	}
	return v
}

// diff prints the paths at which a and b differ.
func diff(path string, a, b any) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		for k, av := range am {
			if bv, ok := bm[k]; !ok {
				fmt.Fprintf(os.Stderr, "  %s/%s: only in the first\n", path, k)
			} else {
				diff(path+"/"+k, av, bv)
			}
		}
		for k := range bm {
			if _, ok := am[k]; !ok {
				fmt.Fprintf(os.Stderr, "  %s/%s: only in the second\n", path, k)
			}
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		fmt.Fprintf(os.Stderr, "  %s: %v != %v\n", path, a, b)
	}
}

// normalize drops what the CDK CLI adds to a template and the tests' synth
// does not.
func normalize(v any) any {
	tpl, ok := v.(map[string]any)
	if !ok {
		return v
	}
	resources, _ := tpl["Resources"].(map[string]any)
	delete(resources, "CDKMetadata")
	for _, r := range resources {
		r, _ := r.(map[string]any)
		meta, ok := r["Metadata"].(map[string]any)
		if !ok {
			continue
		}
		for k := range meta {
			if strings.HasPrefix(k, "aws:cdk:") || strings.HasPrefix(k, "aws:asset:") {
				delete(meta, k)
			}
		}
		if len(meta) == 0 {
			delete(r, "Metadata")
		}
	}
	if conds, ok := tpl["Conditions"].(map[string]any); ok {
		delete(conds, "CDKMetadataAvailable")
		if len(conds) == 0 {
			delete(tpl, "Conditions")
		}
	}
	return tpl
}
