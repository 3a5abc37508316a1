package config

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// readCdkJSON returns the context of ../cdk.json, decoded as the CDK app
// sees it, and its keys in file order.
func readCdkJSON(t *testing.T) (map[string]any, []string) {
	t.Helper()
	b, err := os.ReadFile("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Context json.RawMessage `json:"context"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	var ctx map[string]any
	if err := json.Unmarshal(file.Context, &ctx); err != nil {
		t.Fatal(err)
	}
	// Key order, which a map loses: walk the object's tokens.
	dec := json.NewDecoder(bytes.NewReader(file.Context))
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		// CDK's own keys (feature flags, "@aws-cdk/…") are not ours.
		if k := tok.(string); !strings.HasPrefix(k, "@") {
			keys = append(keys, k)
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return ctx, keys
}

func TestCdkJSONDocumentsTheDefaults(t *testing.T) {
	ctx, keys := readCdkJSON(t)
	if !slices.Equal(keys, Keys) {
		t.Errorf("cdk.json context keys are\n  %v\nwant config.Keys\n  %v", keys, Keys)
	}
	fromFile, err := FromContext(ctx)
	if err != nil {
		t.Fatalf("cdk.json's context does not parse: %v", err)
	}
	defaults, err := FromContext(map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromFile, defaults) {
		t.Errorf("cdk.json's context gives\n  %+v\nbut the code defaults are\n  %+v", fromFile, defaults)
	}
	if goDefaults := (App{}).WithDefaults(); !reflect.DeepEqual(goDefaults, defaults) {
		t.Errorf("App{}.WithDefaults() = %+v, want %+v", goDefaults, defaults)
	}
}

func TestCdkJSONWithCommandLineOverrides(t *testing.T) {
	// `cdk -c key=value` replaces the cdk.json value by a string.
	ctx, _ := readCdkJSON(t)
	ctx["topology"] = "private"
	ctx["schedulerPorts"] = "443"
	ctx["zone"] = "0"
	app, err := FromContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if app.Network.Topology != TopologyPrivate || app.Network.NatProvider != NatGateway || !slices.Equal(app.Network.SchedulerPorts, []uint16{443}) {
		t.Errorf("got %+v", app.Network)
	}
}
