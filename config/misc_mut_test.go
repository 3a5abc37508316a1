package config

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestEcrRepositoryNameLength(t *testing.T) {
	for _, tc := range []struct{ repo, want string }{
		{"a", "is 1 characters long, not 2 to 256"},
		{"ab", ""},
		{"ab/*", ""},
		{strings.Repeat("a", 256), ""},
		{strings.Repeat("a", 257), "is 257 characters long, not 2 to 256"},
		{"*", "would name every repository: leave ecrRepositories empty for every repository of this account and region"},
		{"/*", "would name every repository: leave ecrRepositories empty for every repository of this account and region"},
	} {
		if got := ecrRepositoryProblem(tc.repo); got != tc.want {
			t.Errorf("ecrRepositoryProblem(%.20q…) = %q, want %q", tc.repo, got, tc.want)
		}
	}
}

func TestExampleAzsAndQuoteList(t *testing.T) {
	if got := exampleAzs(2); got != "us-east-2a,us-east-2b" {
		t.Errorf("exampleAzs(2) = %q", got)
	}
	if got := exampleAzs(30); !strings.HasSuffix(got, ",us-east-2y,us-east-2z") || strings.Count(got, ",") != 25 {
		t.Errorf("exampleAzs(30) = %q, want the 26 letters a to z", got)
	}
	if got := quoteList([]string{"a"}, " is", " are"); got != `"a" is` {
		t.Errorf("quoteList(a) = %q", got)
	}
	if got := quoteList([]string{"a", "b", "c"}, " is", " are"); got != `"a", "b" and "c" are` {
		t.Errorf("quoteList(a, b, c) = %q", got)
	}
}

func TestClientCidrIPv4Mapped(t *testing.T) {
	for _, tc := range []struct{ cidr, want string }{
		{"::ffff:10.0.0.0/104", `is an IPv4-mapped IPv6 range, which matches no traffic; did you mean "10.0.0.0/8"?`},
		{"::ffff:0.0.0.0/96", `is an IPv4-mapped IPv6 range, which matches no traffic; did you mean "0.0.0.0/0"?`},
	} {
		ctx, _ := readCdkJSON(t)
		ctx[KeyClientCidrs] = tc.cidr
		_, err := FromContext(ctx)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("clientCidrs=%s: %v, want %q", tc.cidr, err, tc.want)
		}
	}
}

// A network without Coiled access neither creates the account's instance
// policy nor attaches it, whatever its coiledInstancePolicy says.
func TestInstancePolicyCreatorIgnoresNetworksWithoutAccess(t *testing.T) {
	net := func(name string, mode CoiledAccess, policy InstancePolicyMode) ResolvedNetwork {
		var n ResolvedNetwork
		n.Name, n.Account = name, "123456789012"
		n.App.Access.CoiledAccess, n.App.Access.CoiledInstancePolicy = mode, policy
		return n
	}
	nets := []ResolvedNetwork{
		net("off", AccessNone, InstancePolicyCreate),
		net("uses", AccessRole, InstancePolicyExisting),
		net("maker", AccessRole, InstancePolicyCreate),
		net("offuses", AccessNone, InstancePolicyExisting),
	}
	if got, want := InstancePolicyCreator(nets), []int{-1, 2, -1, -1}; !reflect.DeepEqual(got, want) {
		t.Errorf("InstancePolicyCreator = %v, want %v", got, want)
	}
}

// Each of these contexts has exactly one problem: the message is the
// contract (it names the key, the value and what is accepted).
func TestNetworkSingleProblems(t *testing.T) {
	for _, tc := range []struct {
		set  map[string]any
		want []string
	}{
		{map[string]any{KeyAzs: "0"}, []string{`context key "azs": "0" is out of range: accepted are whole numbers from 1 to 6 (more than 2 need availabilityZones)`}},
		{map[string]any{KeyAzs: "0", KeyAvailabilityZones: "us-east-1a,us-east-1b,us-east-1c,us-east-1d,us-east-1e,us-east-1f,us-east-1g"}, []string{
			`context key "azs": "0" is out of range: accepted are whole numbers from 1 to 6 (more than 2 need availabilityZones)`,
			`context key "availabilityZones": "us-east-1a,us-east-1b,us-east-1c,us-east-1d,us-east-1e,us-east-1f,us-east-1g" names 7 zones, more than the 6 AZ slots of the subnet layout: accepted are AZ names of one region (e.g. us-east-2a, us-east-2b), comma-separated or a JSON array`}},
		// azs out of range: natGateways is not compared with it.
		{map[string]any{KeyAzs: "0", KeyNatGateways: "1", KeyTopology: "private"}, []string{`context key "azs": "0" is out of range: accepted are whole numbers from 1 to 6 (more than 2 need availabilityZones)`}},
		// An IPv6 VPC range is reported once, not also for its host bits.
		{map[string]any{KeyVpcCidr: "fd00::1/8"}, []string{`context key "vpcCidr": "fd00::1/8" is an IPv6 range (the VPC's main range must be IPv4): accepted are IPv4 CIDRs from /16 to /24 without host bits, e.g. 10.0.0.0/16`}},
		// An IPv4-mapped range shorter than /96 has no IPv4 equivalent.
		{map[string]any{KeyClientCidrs: "::ffff:0.0.0.0/95"}, []string{`context key "clientCidrs": "::ffff:0.0.0.0/95" is an IPv4-mapped IPv6 range, which matches no traffic: accepted are IPv4 or IPv6 CIDRs without host bits (e.g. 203.0.113.0/24, 2001:db8::/32), comma-separated or a JSON array`}},
	} {
		ctx, _ := readCdkJSON(t)
		for k, v := range tc.set {
			ctx[k] = v
		}
		_, err := FromContext(ctx)
		var got []string
		if err != nil {
			got = strings.Split(err.Error(), "\n")
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v:\n got %q\nwant %q", tc.set, got, tc.want)
		}
	}
}

func TestWithDefaultsPrefixListsOnly(t *testing.T) {
	n := Network{ClientCidrs: []netip.Prefix{}, ClientPrefixListIds: []string{"pl-0123456789abcdef0"}}.WithDefaults()
	if n.ClientCidrs != nil {
		t.Errorf("clientCidrs = %#v, want nil (no CIDR rule beside the prefix list)", n.ClientCidrs)
	}
}

func TestAwsServiceProblemPresetHints(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"Coiled", `is not a preset; did you mean "coiled"?`}, // a preset in other case
		{"coil", `is not a preset; did you mean "coiled"?`},   // two edits
		{"coi", ""}, // three: a service name of its own
		{"sts", ""},
		{"ecr.api", ""},
	} {
		if got := awsServiceProblem(tc.name); got != tc.want {
			t.Errorf("awsServiceProblem(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// A malformed endpointServices item is one problem: the item is dropped,
// not checked again as a service.
func TestEndpointServiceItemIsOneProblem(t *testing.T) {
	svc := `"serviceName": "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"`
	for _, tc := range []struct{ item, want string }{
		{`{"serviceName": ""}`, `(item 1) has an empty serviceName: `},
		{`{"serviceName": 3}`, `(item 1) has a serviceName that is a JSON number, not a string: `},
		{`{"ports": [443]}`, `(item 1) has no serviceName: `},
		{`{` + svc + `, "ports": "x"}`, ` has "x", which is not a TCP port: `},
		{`{` + svc + `, "ports": ["x", 443]}`, ` has "x", which is not a TCP port: `},
		{`{` + svc + `, "ports": [443, 0]}`, ` has 0, which is not a TCP port: `},
		{`{` + svc + `, "ports": 0}`, ` has 0, which is not a TCP port: `},
		{`{` + svc + `, "ports": [true]}`, ` has a port that is a JSON boolean, not a number: `},
		{`{` + svc + `, "ports": {}}`, `(item 1) has ports that are a JSON object, not a JSON array of ports: `},
		{`{` + svc + `, "privateDns": "maybe"}`, `(item 1) has a privateDns that is not a boolean: `},
		{`{` + svc + `, "privateDns": 1}`, `(item 1) has a privateDns that is a JSON number, not a boolean: `},
	} {
		ctx, _ := readCdkJSON(t)
		ctx[KeyEndpointServices] = "[" + tc.item + "]"
		_, err := FromContext(ctx)
		if err == nil {
			t.Errorf("%s: accepted", tc.item)
			continue
		}
		lines := strings.Split(err.Error(), "\n")
		if len(lines) != 1 || !strings.HasPrefix(lines[0], `context key "endpointServices": `) || !strings.Contains(lines[0], tc.want) {
			t.Errorf("%s:\n got %q\nwant one problem with %q", tc.item, lines, tc.want)
		}
	}
}

func TestEndpointServiceNames(t *testing.T) {
	const svc = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
	for _, tc := range []struct {
		set     map[string]any
		want    string
		notWant string
	}{
		{map[string]any{KeyEndpointServices: "FOO"}, `"FOO" is not an endpoint service name: `, "did you mean"},
		{map[string]any{KeyEndpointServices: "com.amazonaws.us-east-1.vpce-svc-0123456789abcdef0"}, `"com.amazonaws.us-east-1.vpce-svc-0123456789abcdef0" is not an endpoint service name: `, "is an AWS service"},
		{map[string]any{KeyEndpointServices: "com.amazonaws.us-east-1.s3"}, `is an AWS service: list "s3" in interfaceEndpoints`, ""},
		{map[string]any{KeyEndpointServices: svc, KeyAvailabilityZones: "us-west-2a", KeyAzs: "1"}, `is in region us-east-1, but availabilityZones (us-west-2a) are in us-west-2`, ""},
	} {
		ctx, _ := readCdkJSON(t)
		for k, v := range tc.set {
			ctx[k] = v
		}
		_, err := FromContext(ctx)
		if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.notWant != "" && strings.Contains(err.Error(), tc.notWant)) {
			t.Errorf("%v: %v\nwant %q, not %q", tc.set, err, tc.want, tc.notWant)
		}
	}
	ctx, _ := readCdkJSON(t)
	ctx[KeyEndpointServices] = `[{"serviceName": "` + svc + `", "privateDns": "True"}]`
	app, err := FromContext(ctx)
	if err != nil || len(app.Network.EndpointServices) != 1 || !app.Network.EndpointServices[0].PrivateDns {
		t.Errorf(`privateDns "True": %+v, %v; want private DNS on`, app.Network.EndpointServices, err)
	}
}

// A string option given another JSON type is one problem (not also "is
// empty").
func TestStringOptionOfAnotherTypeIsOneProblem(t *testing.T) {
	ctx, _ := readCdkJSON(t)
	ctx[KeyFlowLogs] = 3.0
	_, err := FromContext(ctx)
	if err == nil || strings.Count(err.Error(), "\n") != 0 || !strings.Contains(err.Error(), `context key "flowLogs": "3" is a JSON number, not a string`) {
		t.Errorf("flowLogs=3: %v", err)
	}
}
