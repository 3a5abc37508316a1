package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// parseLeaves parses file and returns each problem's message (nil when the
// file is accepted).
func parseLeaves(t *testing.T, file string) []string {
	t.Helper()
	_, err := ParseNetworksFile("n.yaml", []byte(file))
	return netLeaves(t, err)
}

func netLeaves(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var out []string
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []string{err.Error()}
	}
	for _, e := range j.Unwrap() {
		var ne *NetworkError
		if !errors.As(e, &ne) {
			t.Errorf("problem %q is not a *NetworkError", e)
		}
		out = append(out, e.Error())
	}
	return out
}

// TestNetworksFileParseProblems: each malformed file gives exactly its
// problems (the message names file, network, line and key: it is the
// contract of the networks file), no more.
func TestNetworksFileParseProblems(t *testing.T) {
	long := strings.Repeat("a", maxNetworkName)
	for _, tc := range []struct {
		name, file string
		want       []string
	}{
		{"not a mapping", "- a\n- b\n", []string{`n.yaml: line 1: the file must be a mapping with the key networks, not a list`}},
		{"no networks key", "{}\n", []string{`n.yaml: has no networks: mapping (networks: {NAME: {region: …, options: {…}}})`}},
		{"only an unknown key", "other: 1\n", []string{`n.yaml: line 1: unknown key "other"; accepted keys are networks`}},
		{"networks twice", "networks: {a: {}}\nnetworks: {b: {}}\n", []string{`n.yaml: line 2: networks is given twice`}},
		{"networks empty", "networks:\n", []string{`n.yaml: line 1: networks must be a mapping of at least one network name to its settings, not empty`}},
		{"networks empty mapping", "networks: {}\n", []string{`n.yaml: line 1: networks must be a mapping of at least one network name to its settings, not a mapping`}},
		{"networks a list", "networks: [a, b]\n", []string{`n.yaml: line 1: networks must be a mapping of at least one network name to its settings, not a list`}},
		{"name too long", "networks:\n  " + long + "x: {}\n", []string{`n.yaml: network "` + long + `x": line 2: the name is 115 characters long, more than 114 (the stack name CoiledNetwork-` + long + `x is limited to 128)`}},
		{"list as name", "networks:\n  ? [a]\n  : {}\n", []string{`n.yaml: line 2: is not a network name: accepted are letters, digits and '-', starting with a letter or digit`}},
		{"duplicate with its own problem", "networks:\n  prod: {}\n  PROD: {regoin: x}\n", []string{`n.yaml: network "PROD": line 3: is defined twice (first on line 2; names are compared ignoring case)`}},
		{"network a scalar", "networks:\n  dev: x\n", []string{`n.yaml: network "dev": line 2: a network is a mapping (region, account, workspace, options), not the value "x"`}},
		{"network a list", "networks:\n  dev: [a, b]\n", []string{`n.yaml: network "dev": line 2: a network is a mapping (region, account, workspace, options), not a list`}},
		{"key twice", "networks:\n  dev:\n    region: mars\n    region: mars\n", []string{
			`n.yaml: network "dev": line 3: region "mars" is not an AWS region (e.g. us-east-1)`,
			`n.yaml: network "dev": line 4: region is given twice`}},
		{"empty region", "networks:\n  dev:\n    region:\n", []string{`n.yaml: network "dev": line 3: region (empty) is not an AWS region (e.g. us-east-1)`}},
		{"null workspace", "networks:\n  dev:\n    workspace: null\n", []string{`n.yaml: network "dev": line 3: workspace (empty) is not a Coiled workspace slug (lowercase letters, digits, '-' and '_')`}},
		{"list workspace", "networks:\n  dev:\n    workspace: [abc]\n", []string{`n.yaml: network "dev": line 3: workspace (a list) is not a Coiled workspace slug (lowercase letters, digits, '-' and '_')`}},
		{"options a scalar", "networks:\n  dev:\n    options: x\n", []string{`n.yaml: network "dev": line 3: options must be a mapping of option keys (as after -c) to values, not the value "x"`}},
		{"options a list", "networks:\n  dev:\n    options: [a, b]\n", []string{`n.yaml: network "dev": line 3: options must be a mapping of option keys (as after -c) to values, not a list`}},
		{"option part of one key", "networks:\n  dev:\n    options: {ports: 1}\n", []string{`n.yaml: network "dev": line 3: unknown option "ports"; did you mean "schedulerPorts"? (the options are those of docs/options.md)`}},
		{"option twice", "networks:\n  dev:\n    options:\n      azs: 2\n      azs: 3\n", []string{`n.yaml: network "dev": line 5: option azs is given twice`}},
		{"option without hint", "networks:\n  dev:\n    options: {qqqqqqqq: 1}\n", []string{`n.yaml: network "dev": line 3: unknown option "qqqqqqqq" (the options are those of docs/options.md)`}},
		{"option part of keys", "networks:\n  dev:\n    options: {cidr: 1}\n", []string{`n.yaml: network "dev": line 3: unknown option "cidr"; did you mean "vpcCidr" or "clientCidrs" or "existingVpcCidr"? (the options are those of docs/options.md)`}},
		{"alias in options", "networks:\n  dev:\n    workspace: &w acme\n    options: {schedulerPorts: [*w]}\n", []string{`n.yaml: network "dev": line 4: option schedulerPorts: aliases (*w) are not accepted in options: write the value`}},
		{"network key two edits off", "networks:\n  dev: {optins: {}, regi: us-east-1, workspac: x, acct: x}\n", []string{
			`n.yaml: network "dev": line 2: unknown key "optins"; did you mean "options"?; accepted keys of a network are region, account, workspace, options`,
			`n.yaml: network "dev": line 2: unknown key "regi"; did you mean "region"?; accepted keys of a network are region, account, workspace, options`,
			`n.yaml: network "dev": line 2: unknown key "workspac"; did you mean "workspace"?; accepted keys of a network are region, account, workspace, options`,
			`n.yaml: network "dev": line 2: unknown key "acct"; accepted keys of a network are region, account, workspace, options`}},
		{"top key two edits off", "networ: {}\n", []string{`n.yaml: line 1: unknown key "networ"; did you mean "networks"?; accepted keys are networks`}},
		{"top key three edits off", "netwo: {}\n", []string{`n.yaml: line 1: unknown key "netwo"; accepted keys are networks`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseLeaves(t, tc.file)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems of\n%s\n= %q\nwant %q", tc.file, got, tc.want)
			}
		})
	}
}

func TestNetworksFileInvalidYAMLIsOneProblem(t *testing.T) {
	got := parseLeaves(t, "networks: [\n")
	if len(got) != 1 || !strings.HasPrefix(got[0], "n.yaml: is not valid YAML: ") {
		t.Errorf("problems = %q, want one: not valid YAML", got)
	}
	if got := parseLeaves(t, ""); !reflect.DeepEqual(got, []string{"n.yaml: is empty: it needs a networks: mapping with at least one network"}) {
		t.Errorf("problems of an empty file = %q", got)
	}
}

func TestNetworksFileAccepts(t *testing.T) {
	long := strings.Repeat("a", maxNetworkName)
	f, err := ParseNetworksFile("n.yaml", []byte("networks:\n  dev:\n  "+long+": {}\n  w:\n    options:\n    workspace: acme\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Networks) != 3 || f.Networks[0].Name != "dev" || f.Networks[1].Name != long || f.Networks[2].Workspace != "acme" {
		t.Fatalf("networks = %+v", f.Networks)
	}
	for _, n := range f.Networks {
		if len(n.Options) != 0 {
			t.Errorf("network %s options = %v, want none", n.Name, n.Options)
		}
	}
}

func yamlNode(t *testing.T, s string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

func TestNodeValue(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want any
	}{
		{"~", nil},
		{"true", true},
		{"2", 2.0},
		{"2.5", 2.5},
		{"abc", "abc"},
		{"!!int abc", "abc"},
		{".inf", ".inf"},
		{"-.inf", "-.inf"},
		{".nan", ".nan"},
		{"[1, a, [true]]", []any{1.0, "a", []any{true}}},
		{"{a: 1, b: {c: x}}", map[string]any{"a": 1.0, "b": map[string]any{"c": "x"}}},
	} {
		got, err := nodeValue(yamlNode(t, tc.yaml))
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("nodeValue(%s) = %#v, %v; want %#v", tc.yaml, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ yaml, want string }{
		{"[&a x, *a]", "aliases (*a) are not accepted in options: write the value"},
		{"{a: &a x, b: *a, c: 1}", "aliases (*a) are not accepted in options: write the value"},
		{"{? [k] : 1, c: 1}", "line 1: mapping keys must be plain strings"},
		{"!!bool maybe", ""},
	} {
		got, err := nodeValue(yamlNode(t, tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("nodeValue(%s) = %#v, %v; want error %q", tc.yaml, got, err, tc.want)
		}
	}
}

func TestContextOverridesGuards(t *testing.T) {
	ctx := map[string]any{KeyAzs: "2", KeyTopology: "public", KeyNetworksFile: "x.yaml"}
	// Without cdk.json only the given keys count, and only our keys.
	if got := ContextOverrides(ctx, nil, []string{KeyAzs, KeyNetworksFile, KeyVpcCidr}); !reflect.DeepEqual(got, map[string]bool{KeyAzs: true}) {
		t.Errorf("without cdk.json: %v", got)
	}
	// A key of cdk.json missing from the context is not an override.
	cdk := map[string]any{KeyAzs: "2", KeyTopology: "public", KeyVpcCidr: "10.0.0.0/16"}
	if got := ContextOverrides(ctx, cdk, nil); len(got) != 0 {
		t.Errorf("context equal to cdk.json: overrides %v", got)
	}
}

func TestResolveOverridesInKeyOrder(t *testing.T) {
	ctx, _ := readCdkJSON(t)
	ctx[KeyTopology], ctx[KeyAzs] = "public", "1"
	file := "networks:\n  dev:\n    options:\n      azs: 2\n      topology: private\n"
	nets, err := resolve(t, file, ctx, map[string]bool{KeyTopology: true, KeyAzs: true})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range nets[0].Overrides {
		keys = append(keys, o.Key)
	}
	want := []string{KeyTopology, KeyAzs}
	if keyIndex(KeyAzs) < keyIndex(KeyTopology) {
		want = []string{KeyAzs, KeyTopology}
	}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("overrides %v, want %v (the order of Keys)", keys, want)
	}
	// A -c value that differs only by spaces overrides nothing.
	ctx[KeyTopology] = " private "
	nets, err = resolve(t, "networks:\n  dev:\n    options: {topology: private}\n", ctx, map[string]bool{KeyTopology: true})
	if err != nil || len(nets[0].Overrides) != 0 {
		t.Errorf("overrides %+v, %v; want none", nets, err)
	}
}

func TestCrossNetworkChecksDetail(t *testing.T) {
	ctx, _ := readCdkJSON(t)
	_, err := resolve(t, "networks:\n  a: {options: {stackName: N}}\n  b: {options: {stackName: N}}\n  c: {options: {stackName: N}}\n", ctx, nil)
	want := []string{
		`coilednet.yaml: network "b": stack name "N" is also the stack name of network "a": set a different stackName under one network's options`,
		`coilednet.yaml: network "c": stack name "N" is also the stack name of network "a": set a different stackName under one network's options`,
	}
	if got := netLeaves(t, err); !reflect.DeepEqual(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
	_, err = resolve(t, "networks:\n  a:\n    region: us-east-1\n    options: {availabilityZones: [us-west-2a, us-west-2b], azs: 2}\n", ctx, nil)
	want = []string{`coilednet.yaml: network "a": option availabilityZones: "us-west-2a" is not in the network's region us-east-1`}
	if got := netLeaves(t, err); !reflect.DeepEqual(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
	// Without a region, any zones are accepted.
	if _, err := resolve(t, "networks:\n  a:\n    options: {availabilityZones: [us-west-2a, us-west-2b], azs: 2}\n", ctx, nil); err != nil {
		t.Errorf("zones without a region: %v", err)
	}
}

func TestSelectAllAndFirst(t *testing.T) {
	ctx, _ := readCdkJSON(t)
	nets, err := resolve(t, issueFile, ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Select("f", nets, nil); err != nil || len(got) != 2 {
		t.Errorf("Select(none) = %d networks, %v; want all", len(got), err)
	}
	if got, err := Select("f", nets, []string{"prod"}); err != nil || len(got) != 1 || got[0].Name != "prod" {
		t.Errorf("Select(prod) = %+v, %v", got, err)
	}
}

func TestNetworksFilePath(t *testing.T) {
	dir := t.TempDir()
	if p, err := NetworksFilePath(map[string]any{}, dir); p != "" || err != nil {
		t.Errorf("no file: %q, %v", p, err)
	}
	if p, err := NetworksFilePath(map[string]any{KeyNetworksFile: nil}, dir); p != "" || err != nil {
		t.Errorf("networksFile null, no file: %q, %v", p, err)
	}
	def := filepath.Join(dir, DefaultNetworksFile)
	if err := os.WriteFile(def, []byte("networks: {a: {}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if p, err := NetworksFilePath(map[string]any{}, dir); p != def || err != nil {
		t.Errorf("default file: %q, %v; want %q", p, err, def)
	}
	if p, err := NetworksFilePath(map[string]any{KeyNetworksFile: def}, ""); p != def || err != nil {
		t.Errorf("-c networksFile=%s: %q, %v", def, p, err)
	}
	for _, v := range []any{" ", 3.0, true} {
		if p, err := NetworksFilePath(map[string]any{KeyNetworksFile: v}, dir); p != "" || err == nil || !strings.Contains(err.Error(), `context key "networksFile": `) || !strings.Contains(err.Error(), "is not a file path") {
			t.Errorf("-c networksFile=%v: %q, %v", v, p, err)
		}
	}
	missing := filepath.Join(dir, "none.yaml")
	if p, err := NetworksFilePath(map[string]any{KeyNetworksFile: missing}, dir); p != "" || err == nil || !strings.Contains(err.Error(), `"`+missing+`" cannot be read`) {
		t.Errorf("missing file: %q, %v", p, err)
	}
}

func TestLoadAndReadNetworks(t *testing.T) {
	dir := t.TempDir()
	ctx, _ := readCdkJSON(t)
	if _, err := LoadNetworks(filepath.Join(dir, "none.yaml"), ctx, nil); err == nil {
		t.Error("a missing file loads")
	} else if ne := (*NetworkError)(nil); !errors.As(err, &ne) || ne.File != filepath.Join(dir, "none.yaml") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("networks: {a: {regoin: x}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if nets, err := LoadNetworks(bad, ctx, nil); err == nil || nets != nil || !strings.Contains(err.Error(), `unknown key "regoin"`) {
		t.Errorf("bad file: %v, %v", nets, err)
	}
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte("networks:\n  a: {options: {topology: private}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cdk := filepath.Join(dir, "cdk.json")
	if err := os.WriteFile(cdk, []byte(`{"context": {"topology": "public", "azs": 2}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// -c topology=public equals cdk.json but was given: it overrides the file.
	path, nets, err := ReadNetworks(cdk, map[string]string{KeyNetworksFile: good, KeyTopology: "public"})
	if err != nil || path != good || len(nets) != 1 || nets[0].App.Network.Topology != TopologyPublic || len(nets[0].Overrides) != 1 {
		t.Errorf("ReadNetworks = %q, %+v, %v", path, nets, err)
	}
	path, nets, err = ReadNetworks(cdk, map[string]string{KeyNetworksFile: good})
	if err != nil || path != good || len(nets) != 1 || nets[0].App.Network.Topology != TopologyPrivate || nets[0].App.Network.Azs != 2 {
		t.Errorf("ReadNetworks = %q, %+v, %v", path, nets, err)
	}
	// No cdk.json: the defaults of Keys.
	path, nets, err = ReadNetworks(filepath.Join(dir, "none.json"), map[string]string{KeyNetworksFile: good})
	if err != nil || path != good || len(nets) != 1 {
		t.Errorf("ReadNetworks without cdk.json = %q, %+v, %v", path, nets, err)
	}
	// No networks file: nothing, no error.
	if path, nets, err := ReadNetworks(cdk, nil); path != "" || nets != nil || err != nil {
		t.Errorf("ReadNetworks without a file = %q, %+v, %v", path, nets, err)
	}
	if path, nets, err := ReadNetworks(cdk, map[string]string{KeyNetworksFile: filepath.Join(dir, "none.yaml")}); path != "" || nets != nil || err == nil {
		t.Errorf("ReadNetworks of a missing file = %q, %+v, %v", path, nets, err)
	}
	if _, nets, err := ReadNetworks(cdk, map[string]string{KeyNetworksFile: bad}); nets != nil || err == nil {
		t.Errorf("ReadNetworks of a bad file = %+v, %v", nets, err)
	}
	broken := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(broken, []byte(`{"context": `), 0o644); err != nil {
		t.Fatal(err)
	}
	if path, nets, err := ReadNetworks(broken, map[string]string{KeyNetworksFile: good}); path != "" || nets != nil || err == nil || !strings.HasPrefix(err.Error(), broken+": ") {
		t.Errorf("ReadNetworks with a broken cdk.json = %q, %+v, %v", path, nets, err)
	}
}
