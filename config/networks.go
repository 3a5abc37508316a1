package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The networks file (issue 20): every network of a platform team in one
// reviewed file, coilednet.yaml at the project root (or -c
// networksFile=PATH):
//
//	networks:
//	  prod:                        # name: letters, digits and '-'
//	    region: us-east-1          # optional: the stack's region
//	    account: "123456789012"    # optional: the stack's account
//	    workspace: acme-prod       # optional: the Coiled workspace of the hook
//	    options:                   # the same keys as cdk.json's context and -c
//	      topology: private
//
// Each network's options are validated by FromContext over cdk.json's
// context (the defaults), with the -c keys of the run overriding the file.
// Parsing, resolution and the checks over all networks live in this file.

// KeyNetworksFile is the context key naming the networks file. It is not
// one of Keys (it chooses where the options come from, it is not one), so
// it has no cdk.json entry; the app removes it before FromContext.
const KeyNetworksFile = "networksFile"

// DefaultNetworksFile is the networks file read when -c networksFile is not
// given and the file exists (relative to the project root).
const DefaultNetworksFile = "coilednet.yaml"

// DefaultStackPrefix is the stack name of a network named NAME in a
// networks file, DefaultStackPrefix+NAME, unless its options set stackName.
const DefaultStackPrefix = DefaultStackName + "-"

// networksFileKeys are the top-level keys of a networks file;
// networkEntryKeys the keys of one network.
var (
	networksFileKeys = []string{"networks"}
	networkEntryKeys = []string{"region", "account", "workspace", "options"}
)

var (
	networkNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)
)

// maxNetworkName keeps DefaultStackPrefix+name within a stack name's 128.
const maxNetworkName = maxStackName - len(DefaultStackPrefix)

// NetworkSpec is one network of a networks file, as written.
type NetworkSpec struct {
	// Name is the network's name in the file (letters, digits and '-').
	Name string
	// Region and Account are the stack's environment; empty means
	// environment-agnostic (the credentials' account and region).
	Region, Account string
	// Workspace is the Coiled workspace the hook configures for this
	// network; empty means the hook's own default.
	Workspace string
	// Options are the network's context values (keys of Keys), decoded as
	// cdk.json's are (string, float64, bool, []any, map[string]any, nil).
	Options map[string]any
	// optionOrder is the order of Options' keys in the file.
	optionOrder []string
}

// NetworksFile is a parsed networks file: its networks in file order.
type NetworksFile struct {
	// Path is the file as named (in every error).
	Path string
	// Networks are the networks, in the order of the file.
	Networks []NetworkSpec
}

// NetworkError is a problem of one network of a networks file (or of the
// file itself when Network is empty). Its message names both.
type NetworkError struct {
	File, Network string
	Err           error
}

func (e *NetworkError) Error() string {
	if e.Network == "" {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s: network %q: %v", e.File, e.Network, e.Err)
}

func (e *NetworkError) Unwrap() error { return e.Err }

// ParseNetworksFile parses and checks the shape of a networks file: known
// keys (with "did you mean"), network names, region, account, workspace,
// and option keys (their values are checked by Resolve). It returns every
// problem found, each a *NetworkError.
func ParseNetworksFile(path string, data []byte) (*NetworksFile, error) {
	f := &NetworksFile{Path: path}
	var errs []error
	fail := func(network, format string, args ...any) {
		errs = append(errs, &NetworkError{File: path, Network: network, Err: fmt.Errorf(format, args...)})
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		fail("", "is not valid YAML: %v", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil, errors.Join(errs...)
	}
	if len(doc.Content) == 0 {
		fail("", "is empty: it needs a networks: mapping with at least one network")
		return nil, errors.Join(errs...)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		fail("", "line %d: the file must be a mapping with the key networks, not %s", root.Line, nodeKind(root))
		return nil, errors.Join(errs...)
	}
	var networks *yaml.Node
	eachPair(root, func(k, v *yaml.Node) {
		switch {
		case k.Value == "networks":
			if networks != nil {
				fail("", "line %d: networks is given twice", k.Line)
			}
			networks = v
		default:
			fail("", "line %d: unknown key %q%s; accepted keys are %s", k.Line, k.Value, suggestFrom(k.Value, networksFileKeys), strings.Join(networksFileKeys, ", "))
		}
	})
	if networks == nil {
		if len(errs) == 0 {
			fail("", "has no networks: mapping (networks: {NAME: {region: …, options: {…}}})")
		}
		return nil, errors.Join(errs...)
	}
	if networks.Kind != yaml.MappingNode || len(networks.Content) == 0 {
		fail("", "line %d: networks must be a mapping of at least one network name to its settings, not %s", networks.Line, nodeKind(networks))
		return nil, errors.Join(errs...)
	}
	seen := map[string]int{}
	eachPair(networks, func(k, v *yaml.Node) {
		name := k.Value
		switch {
		case k.Kind != yaml.ScalarNode || !networkNameRe.MatchString(name):
			fail(name, "line %d: is not a network name: accepted are letters, digits and '-', starting with a letter or digit", k.Line)
			return
		case len(name) > maxNetworkName:
			fail(name, "line %d: the name is %d characters long, more than %d (the stack name %s%s is limited to %d)", k.Line, len(name), maxNetworkName, DefaultStackPrefix, name, maxStackName)
			return
		}
		if line, dup := seen[strings.ToLower(name)]; dup {
			fail(name, "line %d: is defined twice (first on line %d; names are compared ignoring case)", k.Line, line)
			return
		}
		seen[strings.ToLower(name)] = k.Line
		spec, problems := parseNetwork(name, v)
		for _, p := range problems {
			errs = append(errs, &NetworkError{File: path, Network: name, Err: p})
		}
		if len(problems) == 0 {
			f.Networks = append(f.Networks, spec)
		}
	})
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return f, nil
}

// parseNetwork reads one network's mapping.
func parseNetwork(name string, v *yaml.Node) (NetworkSpec, []error) {
	spec := NetworkSpec{Name: name, Options: map[string]any{}}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return spec, nil // "dev:" alone: every option at its default
	}
	if v.Kind != yaml.MappingNode {
		fail("line %d: a network is a mapping (region, account, workspace, options), not %s", v.Line, nodeKind(v))
		return spec, errs
	}
	given := map[string]bool{}
	eachPair(v, func(k, val *yaml.Node) {
		if given[k.Value] {
			fail("line %d: %s is given twice", k.Line, k.Value)
			return
		}
		given[k.Value] = true
		scalar := func(what string, re *regexp.Regexp, accepted string) string {
			if val.Kind != yaml.ScalarNode || val.Tag == "!!null" || !re.MatchString(val.Value) {
				fail("line %d: %s %s is not %s", val.Line, what, showNode(val), accepted)
				return ""
			}
			return val.Value
		}
		switch k.Value {
		case "region":
			spec.Region = scalar("region", regionRe, "an AWS region (e.g. us-east-1)")
		case "account":
			spec.Account = scalar("account", accountRe, `an AWS account ID of 12 digits (quote it: account: "012345678901")`)
		case "workspace":
			spec.Workspace = scalar("workspace", workspaceRe, "a Coiled workspace slug (lowercase letters, digits, '-' and '_')")
		case "options":
			if val.Kind == yaml.ScalarNode && val.Tag == "!!null" {
				return
			}
			if val.Kind != yaml.MappingNode {
				fail("line %d: options must be a mapping of option keys (as after -c) to values, not %s", val.Line, nodeKind(val))
				return
			}
			eachPair(val, func(ok, ov *yaml.Node) {
				key := ok.Value
				switch {
				case key == KeyNetworksFile:
					fail("line %d: option %s cannot be set inside a networks file", ok.Line, key)
				case keyIndex(key) == len(Keys):
					hint := ""
					if s := suggestKey(key); s != "" {
						hint = fmt.Sprintf("; did you mean %q?", s)
					} else if like := keysContaining(key); len(like) > 0 {
						hint = fmt.Sprintf("; did you mean %s?", strings.Join(like, " or "))
					}
					if slices.Contains(networkEntryKeys, strings.ToLower(key)) {
						hint = fmt.Sprintf("; %s is a setting of the network, beside options:, not inside it", strings.ToLower(key))
					}
					fail("line %d: unknown option %q%s (the options are those of docs/options.md)", ok.Line, key, hint)
				case slices.Contains(spec.optionOrder, key):
					fail("line %d: option %s is given twice", ok.Line, key)
				default:
					value, err := nodeValue(ov)
					if err != nil {
						fail("line %d: option %s: %v", ov.Line, key, err)
						return
					}
					spec.Options[key] = value
					spec.optionOrder = append(spec.optionOrder, key)
				}
			})
		default:
			fail("line %d: unknown key %q%s; accepted keys of a network are %s", k.Line, k.Value, suggestFrom(k.Value, networkEntryKeys), strings.Join(networkEntryKeys, ", "))
		}
	})
	return spec, errs
}

// eachPair calls fn for each key and value of mapping m.
func eachPair(m *yaml.Node, fn func(k, v *yaml.Node)) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		fn(m.Content[i], m.Content[i+1])
	}
}

// nodeValue decodes n as encoding/json decodes cdk.json: numbers become
// float64, sequences []any, mappings map[string]any.
func nodeValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, fmt.Errorf("unresolved alias")
		}
		return nil, fmt.Errorf("aliases (*%s) are not accepted in options: write the value", n.Value)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValue(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := map[string]any{}
		var err error
		eachPair(n, func(k, v *yaml.Node) {
			if err != nil {
				return
			}
			if k.Kind != yaml.ScalarNode {
				err = fmt.Errorf("line %d: mapping keys must be plain strings", k.Line)
				return
			}
			var val any
			if val, err = nodeValue(v); err == nil {
				out[k.Value] = val
			}
		})
		return out, err
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, err
			}
			return b, nil
		case "!!int", "!!float":
			var f float64
			if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return n.Value, nil // kept as written: FromContext says what is wrong
			}
			return f, nil
		default:
			return n.Value, nil
		}
	}
	return nil, fmt.Errorf("unsupported YAML %s", nodeKind(n))
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "empty"
}

func showNode(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return fmt.Sprintf("%q", n.Value)
	}
	return "(" + nodeKind(n) + ")"
}

// suggestFrom returns `; did you mean "X"?` for the word of words within
// two edits of s (ignoring case), or "".
func suggestFrom(s string, words []string) string {
	for _, w := range words {
		if d := editDistance(strings.ToLower(s), w, 2); d <= 2 {
			return fmt.Sprintf("; did you mean %q?", w)
		}
	}
	return ""
}

// Override is a file value that a -c key of this run replaced.
type Override struct {
	// Key is the option; File its value in the file, Context the -c value.
	Key           string
	File, Context any
}

// ResolvedNetwork is one network of a networks file with its options
// resolved and validated.
type ResolvedNetwork struct {
	NetworkSpec
	// App is the validated configuration of the network's stack.
	App App
	// Overrides are the file values replaced by -c for this run, in key
	// order.
	Overrides []Override
}

// Env returns the stack's environment as CDK writes it (aws://ACCOUNT/REGION
// with unknown-account/unknown-region for what the file leaves out).
func (n NetworkSpec) Env() string {
	a, r := n.Account, n.Region
	if a == "" {
		a = "unknown-account"
	}
	if r == "" {
		r = "unknown-region"
	}
	return "aws://" + a + "/" + r
}

// ContextOverrides returns the keys of ours that this run sets on the
// command line: those whose value in ctx (the complete CDK context) differs
// from cdkJSON (cdk.json's context), plus those named in given (the -c keys
// scripts/deploy saw, which catch a -c value equal to cdk.json's). With no
// cdkJSON (none could be read), only the keys in given count.
func ContextOverrides(ctx, cdkJSON map[string]any, given []string) map[string]bool {
	out := map[string]bool{}
	for _, k := range Keys {
		if cdkJSON == nil {
			break
		}
		v, ok := ctx[k]
		if !ok {
			continue
		}
		if d, inJSON := cdkJSON[k]; !inJSON || !reflect.DeepEqual(normalize(v), normalize(d)) {
			out[k] = true
		}
	}
	for _, k := range given {
		if keyIndex(k) < len(Keys) {
			if _, ok := ctx[k]; ok {
				out[k] = true
			}
		}
	}
	return out
}

// Resolve validates every network of f: each network's options over ctx
// (the complete CDK context: cdk.json's defaults and this run's -c values),
// the file's values replacing cdk.json's, and the keys in overrides (see
// ContextOverrides) keeping their -c value. A network's stack is named
// DefaultStackPrefix+name unless its options say stackName. Then the checks
// over all networks run (CheckNetworks). Every error is a *NetworkError.
func (f *NetworksFile) Resolve(ctx map[string]any, overrides map[string]bool) ([]ResolvedNetwork, error) {
	var errs []error
	var out []ResolvedNetwork
	if overrides[KeyStackName] && len(f.Networks) > 1 {
		errs = append(errs, &NetworkError{File: f.Path, Err: fmt.Errorf(
			"-c %s=%v would give all %d networks one stack name: set stackName under each network's options instead", KeyStackName, ctx[KeyStackName], len(f.Networks))})
	}
	for _, spec := range f.Networks {
		merged := make(map[string]any, len(ctx)+len(spec.Options))
		maps.Copy(merged, ctx)
		delete(merged, KeyNetworksFile)
		var ovr []Override
		for _, k := range spec.optionOrder {
			v := spec.Options[k]
			if overrides[k] {
				if valueText(v) != valueText(ctx[k]) {
					ovr = append(ovr, Override{Key: k, File: v, Context: ctx[k]})
				}
				continue
			}
			merged[k] = v
		}
		if _, set := spec.Options[KeyStackName]; !set && !overrides[KeyStackName] {
			merged[KeyStackName] = DefaultStackPrefix + spec.Name
		}
		// The workspace of the hook is the workspace of Coiled's role or
		// user (coiledAccess) unless the options name another.
		if spec.Workspace != "" {
			mode, _ := merged[KeyCoiledAccess].(string)
			ws, _ := merged[KeyCoiledWorkspace].(string)
			if m := strings.ToLower(strings.TrimSpace(mode)); m != "" && m != "none" && strings.TrimSpace(ws) == "" {
				merged[KeyCoiledWorkspace] = spec.Workspace
			}
		}
		sort.SliceStable(ovr, func(i, j int) bool { return keyIndex(ovr[i].Key) < keyIndex(ovr[j].Key) })
		app, err := FromContext(merged)
		if err != nil {
			errs = append(errs, networkErrors(f.Path, spec.Name, err)...)
			continue
		}
		out = append(out, ResolvedNetwork{NetworkSpec: spec, App: app, Overrides: ovr})
	}
	if len(errs) == 0 {
		errs = append(errs, CheckNetworks(f.Path, out)...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// networkErrors wraps each leaf of err (FromContext's joined errors) in a
// *NetworkError.
func networkErrors(file, network string, err error) []error {
	var leaves []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		leaves = j.Unwrap()
	} else {
		leaves = []error{err}
	}
	out := make([]error, 0, len(leaves))
	for _, e := range leaves {
		out = append(out, &NetworkError{File: file, Network: network, Err: e})
	}
	return out
}

// NetworksCheck is a check over all networks of a file together (what no
// single network's options can show), returning its problems.
type NetworksCheck func(file string, nets []ResolvedNetwork) []error

// NetworksChecks are the checks CheckNetworks runs, in order. A concern
// whose resources must be unique per account or region (an IAM name, a
// stack name) adds its check here, e.g. from an init function in its own
// file.
var NetworksChecks = []NetworksCheck{uniqueStackNames, zonesInRegion}

// CheckNetworks runs every NetworksChecks over nets, the resolved networks
// of file, and returns their problems.
func CheckNetworks(file string, nets []ResolvedNetwork) []error {
	var errs []error
	for _, check := range NetworksChecks {
		errs = append(errs, check(file, nets)...)
	}
	return errs
}

// uniqueStackNames rejects two networks with one stack name: the CDK app
// holds one stack per name.
func uniqueStackNames(file string, nets []ResolvedNetwork) []error {
	var errs []error
	first := map[string]string{}
	for _, n := range nets {
		name := strings.ToLower(n.App.StackName)
		if other, dup := first[name]; dup {
			errs = append(errs, &NetworkError{File: file, Network: n.Name, Err: fmt.Errorf(
				"stack name %q is also the stack name of network %q: set a different stackName under one network's options", n.App.StackName, other)})
			continue
		}
		first[name] = n.Name
	}
	return errs
}

// zonesInRegion rejects availabilityZones outside the network's region.
func zonesInRegion(file string, nets []ResolvedNetwork) []error {
	var errs []error
	for _, n := range nets {
		if n.Region == "" {
			continue
		}
		for _, az := range n.App.Network.AvailabilityZones {
			if regionOf(az) != n.Region {
				errs = append(errs, &NetworkError{File: file, Network: n.Name, Err: fmt.Errorf(
					"option %s: %q is not in the network's region %s", KeyAvailabilityZones, az, n.Region)})
				break
			}
		}
	}
	return errs
}

// Select returns the networks of nets named in only (all when only is
// empty), or an error naming the unknown names and the file's networks.
func Select(file string, nets []ResolvedNetwork, only []string) ([]ResolvedNetwork, error) {
	if len(only) == 0 {
		return nets, nil
	}
	var names []string
	for _, n := range nets {
		names = append(names, n.Name)
	}
	var out []ResolvedNetwork
	for _, want := range only {
		i := slices.IndexFunc(nets, func(n ResolvedNetwork) bool { return n.Name == want })
		if i < 0 {
			hint := ""
			if h := suggestFrom(want, names); h != "" {
				hint = " (" + strings.TrimPrefix(h, "; ") + ")"
			}
			return nil, &NetworkError{File: file, Err: fmt.Errorf("has no network %q%s; its networks are %s", want, hint, strings.Join(names, ", "))}
		}
		out = append(out, nets[i])
	}
	return out, nil
}

// NetworksFilePath returns the networks file of this run: -c networksFile
// (which must exist) or DefaultNetworksFile in dir when it exists, and ""
// when there is none (the app then builds today's single stack).
func NetworksFilePath(ctx map[string]any, dir string) (string, error) {
	if v, ok := ctx[KeyNetworksFile]; ok && v != nil {
		s, isStr := v.(string)
		if !isStr || strings.TrimSpace(s) == "" {
			return "", fmt.Errorf("context key %q: %s is not a file path", KeyNetworksFile, jsonText(v))
		}
		if _, err := os.Stat(s); err != nil {
			return "", fmt.Errorf("context key %q: %q cannot be read: %v", KeyNetworksFile, s, errors.Unwrap(err))
		}
		return s, nil
	}
	p := DefaultNetworksFile
	if dir != "" {
		p = dir + string(os.PathSeparator) + DefaultNetworksFile
	}
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	return "", nil
}

// LoadNetworks reads the networks file at path and resolves it (see
// ParseNetworksFile and Resolve).
func LoadNetworks(path string, ctx map[string]any, overrides map[string]bool) ([]ResolvedNetwork, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &NetworkError{File: path, Err: err}
	}
	f, err := ParseNetworksFile(path, data)
	if err != nil {
		return nil, err
	}
	return f.Resolve(ctx, overrides)
}

// valueText is v as a user reads it: a string trimmed, anything else as
// JSON (so the file's azs: 2 equals -c azs=2).
func valueText(v any) string {
	if s, ok := v.(string); ok {
		return strings.TrimSpace(s)
	}
	return jsonText(normalize(v))
}

// ReadNetworks resolves this run's networks file outside the CDK app (for
// scripts/deploy, the hook, scripts/destroy): cdk.json's context at cdkJSON
// (none when it does not exist) with cflags as -c key=value values on top,
// and the file they name (-c networksFile) or DefaultNetworksFile. It
// returns the file's path and its networks, or "" and none without a file.
func ReadNetworks(cdkJSON string, cflags map[string]string) (string, []ResolvedNetwork, error) {
	defaults := map[string]any{}
	if raw, err := os.ReadFile(cdkJSON); err == nil {
		var f struct {
			Context map[string]any `json:"context"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			return "", nil, fmt.Errorf("%s: %v", cdkJSON, err)
		}
		if f.Context != nil {
			defaults = f.Context
		}
	}
	ctx := maps.Clone(defaults)
	var given []string
	for k, v := range cflags {
		ctx[k] = v
		given = append(given, k)
	}
	path, err := NetworksFilePath(ctx, "")
	if err != nil || path == "" {
		return "", nil, err
	}
	nets, err := LoadNetworks(path, ctx, ContextOverrides(ctx, defaults, given))
	return path, nets, err
}
