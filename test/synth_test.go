// Package test holds coilednet's template tests: golden snapshots of every
// variant (internal/variants) and assertions on what matters in them.
//
// All variants are synthesized once per test binary, in one jsii kernel, and
// shared by every test. jsii is not safe for concurrent use, so nothing here
// calls t.Parallel.
package test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/internal/variants"
	"github.com/coilednet/coilednet/stacks"
)

var update = flag.Bool("update", false, "rewrite the golden templates under testdata/")

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	jsii.Close()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// synthesized is one variant after synth.
type synthesized struct {
	variant  variants.Variant
	stack    *stacks.NetworkStack
	json     []byte         // the template, indented, keys sorted
	template map[string]any // the same, decoded
	err      error
}

var (
	synthOnce sync.Once
	synthAll  map[string]*synthesized
)

// synth returns the synthesized variant name, building every variant on the
// first call (one jsii kernel, one app per variant).
func synth(t *testing.T, name string) *synthesized {
	t.Helper()
	synthOnce.Do(func() {
		synthAll = map[string]*synthesized{}
		for _, v := range variants.All {
			synthAll[v.Name] = synthVariant(v)
		}
	})
	s, ok := synthAll[name]
	if !ok {
		t.Fatalf("no variant %q", name)
	}
	if s.err != nil {
		t.Fatalf("synth %s: %v", name, s.err)
	}
	return s
}

func synthVariant(v variants.Variant) (s *synthesized) {
	s = &synthesized{variant: v}
	defer func() {
		if r := recover(); r != nil {
			s.err = fmt.Errorf("panic: %v", r)
		}
	}()
	ctx := v.ContextAny()
	// CDK's built-in template validation is left to the end-to-end suite
	// (it costs a second per variant here); see stacks.BuiltinValidation.
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(mustTempDir()),
		BuiltinCloudFormationValidation: jsii.Bool(false)})
	s.stack, s.err = stacks.FromApp(app)
	if s.err != nil {
		return s
	}
	tpl := app.Synth(nil).GetStackArtifact(s.stack.ArtifactId()).Template()
	raw, err := json.Marshal(tpl)
	if err != nil {
		s.err = err
		return s
	}
	if err := json.Unmarshal(raw, &s.template); err != nil {
		s.err = err
		return s
	}
	// Re-marshal the decoded map: encoding/json sorts map keys, so the
	// golden does not depend on the order jsii returns them in.
	s.json, s.err = json.MarshalIndent(s.template, "", "  ")
	s.json = append(s.json, '\n')
	return s
}

var tempDirs []string

func mustTempDir() string {
	d, err := os.MkdirTemp("", "coilednet-synth-")
	if err != nil {
		panic(err)
	}
	tempDirs = append(tempDirs, d)
	return d
}

// noPanic runs an assertions call, turning its panic into a test error.
func noPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	f()
}

// annotations returns the assertions view of a variant's stack annotations.
func annotations(s *synthesized) assertions.Annotations {
	return assertions.Annotations_FromStack(s.stack.Stack)
}
