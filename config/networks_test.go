package config

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

const issueFile = `networks:
  prod:                        # name: letters, digits and '-'
    region: us-east-1
    account: "123456789012"
    workspace: acme-prod
    options:
      topology: private
      clientCidrs: 10.8.0.0/16
  dev:
    region: us-west-2
    workspace: acme-dev
    options: {topology: public, schedulerPorts: [443, 8786], azs: 2}
`

func resolve(t *testing.T, file string, ctx map[string]any, overrides map[string]bool) ([]ResolvedNetwork, error) {
	t.Helper()
	f, err := ParseNetworksFile("coilednet.yaml", []byte(file))
	if err != nil {
		return nil, err
	}
	return f.Resolve(ctx, overrides)
}

func TestNetworksFileResolves(t *testing.T) {
	ctx, _ := readCdkJSON(t)
	nets, err := resolve(t, issueFile, ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(nets) != 2 || nets[0].Name != "prod" || nets[1].Name != "dev" {
		t.Fatalf("networks = %+v, want prod then dev", nets)
	}
	prod, dev := nets[0], nets[1]
	if prod.Region != "us-east-1" || prod.Account != "123456789012" || prod.Workspace != "acme-prod" || prod.Env() != "aws://123456789012/us-east-1" {
		t.Errorf("prod settings = %+v (env %s)", prod.NetworkSpec, prod.Env())
	}
	if dev.Env() != "aws://unknown-account/us-west-2" {
		t.Errorf("dev env = %s", dev.Env())
	}
	if prod.App.StackName != "CoiledNetwork-prod" || dev.App.StackName != "CoiledNetwork-dev" {
		t.Errorf("stack names %q, %q", prod.App.StackName, dev.App.StackName)
	}
	if prod.App.Network.Topology != TopologyPrivate || !reflect.DeepEqual(prod.App.Network.ClientCidrs, []netip.Prefix{netip.MustParsePrefix("10.8.0.0/16")}) {
		t.Errorf("prod network = %+v", prod.App.Network)
	}
	if prod.App.Network.NatProvider != NatGateway {
		t.Errorf("prod did not get cdk.json's defaults: natProvider %q", prod.App.Network.NatProvider)
	}
	if dev.App.Network.Topology != TopologyPublic || dev.App.Network.Azs != 2 || !reflect.DeepEqual(dev.App.Network.SchedulerPorts, []uint16{443, 8786}) {
		t.Errorf("dev network = %+v", dev.App.Network)
	}
	// Equal to FromContext over the same keys: the file is just another
	// source of context values.
	want := map[string]any{}
	for k, v := range ctx {
		want[k] = v
	}
	want[KeyTopology], want[KeyClientCidrs], want[KeyStackName] = "private", "10.8.0.0/16", "CoiledNetwork-prod"
	app, err := FromContext(want)
	if err != nil || !reflect.DeepEqual(app, prod.App) {
		t.Errorf("prod = %+v, FromContext of the same values = %+v (%v)", prod.App, app, err)
	}
}

func TestNetworksFileOverrides(t *testing.T) {
	ctx, _ := readCdkJSON(t)
	ctx[KeyTopology] = "public" // -c topology=public: equal to cdk.json's value
	ctx[KeyAzs] = "2"           // -c azs=2: differs from cdk.json
	overrides := ContextOverrides(ctx, mustCdkJSON(t), []string{KeyTopology})
	if !overrides[KeyTopology] || !overrides[KeyAzs] || overrides[KeyVpcCidr] {
		t.Fatalf("overrides = %v, want topology and azs only", overrides)
	}
	nets, err := resolve(t, issueFile, ctx, overrides)
	if err != nil {
		t.Fatal(err)
	}
	prod := nets[0]
	if prod.App.Network.Topology != TopologyPublic || prod.App.Network.Azs != 2 {
		t.Errorf("-c did not override the file: %+v", prod.App.Network)
	}
	if len(prod.Overrides) != 1 || prod.Overrides[0] != (Override{Key: KeyTopology, File: "private", Context: "public"}) {
		t.Errorf("prod overrides = %+v, want topology private→public", prod.Overrides)
	}
	// dev's azs: 2 in the file equals the -c value: nothing overridden.
	if len(nets[1].Overrides) != 0 {
		t.Errorf("dev overrides = %+v, want none", nets[1].Overrides)
	}
	// Without -c keys, nothing counts as overridden.
	if o := ContextOverrides(mustCdkJSON(t), mustCdkJSON(t), nil); len(o) != 0 {
		t.Errorf("cdk.json alone gives overrides %v", o)
	}
}

func mustCdkJSON(t *testing.T) map[string]any {
	ctx, _ := readCdkJSON(t)
	return ctx
}

func TestNetworksFileErrors(t *testing.T) {
	ctx, _ := readCdkJSON(t)
	for _, tc := range []struct {
		name, file string
		want       []string // each must appear in the error
	}{
		{"empty", "", []string{"coilednet.yaml: is empty"}},
		{"not yaml", "networks: [", []string{"coilednet.yaml: is not valid YAML"}},
		{"top-level typo", "network:\n  a: {}\n", []string{`coilednet.yaml: line 1: unknown key "network"; did you mean "networks"?`}},
		{"list of networks", "networks: [a, b]\n", []string{"networks must be a mapping"}},
		{"network key typo", "networks:\n  prod:\n    regoin: us-east-1\n", []string{`coilednet.yaml: network "prod": line 3: unknown key "regoin"; did you mean "region"?`}},
		{"option typo", "networks:\n  prod:\n    options:\n      topolgy: private\n", []string{`coilednet.yaml: network "prod": line 4: unknown option "topolgy"; did you mean "topology"?`}},
		{"region inside options", "networks:\n  prod:\n    options:\n      region: us-east-1\n", []string{`network "prod": line 4: unknown option "region"; region is a setting of the network, beside options:`}},
		{"bad name", "networks:\n  prod_1: {}\n", []string{`network "prod_1": line 2: is not a network name`}},
		{"duplicate name", "networks:\n  prod: {}\n  Prod: {}\n", []string{`network "Prod": line 3: is defined twice (first on line 2`}},
		{"bad region", "networks:\n  prod:\n    region: mars-1\n", []string{`network "prod": line 3: region "mars-1" is not an AWS region`}},
		{"unquoted short account", "networks:\n  prod:\n    account: 1234\n", []string{`account "1234" is not an AWS account ID of 12 digits`}},
		{"bad workspace", "networks:\n  prod:\n    workspace: Acme Prod\n", []string{`workspace "Acme Prod" is not a Coiled workspace slug`}},
		{"bad option value", "networks:\n  prod:\n    options: {topology: hybrid}\n  dev:\n    options: {azs: 9}\n",
			[]string{`coilednet.yaml: network "prod": context key "topology": "hybrid"`, `coilednet.yaml: network "dev": context key "azs": "9"`}},
		{"networksFile inside", "networks:\n  prod:\n    options: {networksFile: x.yaml}\n", []string{"option networksFile cannot be set inside a networks file"}},
		{"same stack name", "networks:\n  a: {options: {stackName: Net}}\n  b: {options: {stackName: net}}\n", []string{`network "b": stack name "net" is also the stack name of network "a"`}},
		{"zones of another region", "networks:\n  a:\n    region: us-east-1\n    options: {availabilityZones: [us-west-2a], azs: 1}\n",
			[]string{`network "a": option availabilityZones: "us-west-2a" is not in the network's region us-east-1`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := resolve(t, tc.file, ctx, nil)
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.file)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain %q", err, w)
				}
			}
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var ne *NetworkError
				if !errors.As(e, &ne) || !strings.HasPrefix(e.Error(), "coilednet.yaml: ") {
					t.Errorf("error %q does not name the file", e)
				}
			}
		})
	}
}

func TestNetworksFileStackNameOverride(t *testing.T) {
	ctx, _ := readCdkJSON(t)
	ctx[KeyStackName] = "Mine"
	_, err := resolve(t, issueFile, ctx, map[string]bool{KeyStackName: true})
	if err == nil || !strings.Contains(err.Error(), "-c stackName=Mine would give all 2 networks one stack name") {
		t.Errorf("err = %v", err)
	}
	one := "networks:\n  only: {}\n"
	nets, err := resolve(t, one, ctx, map[string]bool{KeyStackName: true})
	if err != nil || nets[0].App.StackName != "Mine" {
		t.Errorf("one network with -c stackName: %+v, %v", nets, err)
	}
}

func TestNetworksFileWorkspaceNamesTheRole(t *testing.T) {
	ctx, _ := readCdkJSON(t)
	file := "networks:\n  prod:\n    workspace: acme-prod\n    options: {coiledAccess: role, coiledPrincipal: 'arn:aws:iam::077742499581:root', coiledExternalId: x-1}\n"
	nets, err := resolve(t, file, ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if nets[0].App.Access.Workspace != "acme-prod" {
		t.Errorf("coiledWorkspace = %q, want the network's workspace", nets[0].App.Access.Workspace)
	}
}

func TestSelectNetworks(t *testing.T) {
	ctx, _ := readCdkJSON(t)
	nets, err := resolve(t, issueFile, ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Select("coilednet.yaml", nets, []string{"dev"})
	if err != nil || len(got) != 1 || got[0].Name != "dev" {
		t.Errorf("Select(dev) = %+v, %v", got, err)
	}
	if _, err := Select("coilednet.yaml", nets, []string{"prd"}); err == nil || !strings.Contains(err.Error(), `has no network "prd" (did you mean "prod"?); its networks are prod, dev`) {
		t.Errorf("Select(prd) error = %v", err)
	}
}

func TestCrossNetworkChecksRun(t *testing.T) {
	ctx, _ := readCdkJSON(t)
	saved := NetworksChecks
	defer func() { NetworksChecks = saved }()
	var seen int
	NetworksChecks = append(NetworksChecks, func(file string, nets []ResolvedNetwork) []error {
		seen = len(nets)
		return []error{&NetworkError{File: file, Network: nets[1].Name, Err: errors.New("shared IAM name")}}
	})
	_, err := resolve(t, issueFile, ctx, nil)
	if seen != 2 || err == nil || !strings.Contains(err.Error(), `coilednet.yaml: network "dev": shared IAM name`) {
		t.Errorf("check saw %d networks; error %v", seen, err)
	}
}
