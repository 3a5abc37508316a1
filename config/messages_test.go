package config

import (
	"flag"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// manyDomains is n distinct domains (none a preset).
func manyDomains(n int) string {
	var ds []string
	for i := 0; i < n; i++ {
		ds = append(ds, fmt.Sprintf("d%d.example.com", i))
	}
	return strings.Join(ds, ",")
}

// plusPorts is "1+2+…+n".
func plusPorts(n int) string {
	var ps []string
	for i := 1; i <= n; i++ {
		ps = append(ps, fmt.Sprint(i))
	}
	return strings.Join(ps, "+")
}

var updateMessages = flag.Bool("update-messages", false, "rewrite testdata/messages.golden")

// The exact errors of malformed list items, item numbers and the absence of
// follow-up errors included (mutation testing found neither pinned). The
// errors are what a user reads: a change shows up as a diff of
// testdata/messages.golden (regenerate with -update-messages).
func TestListItemMessages(t *testing.T) {
	const (
		peer0 = `{"vpcId":"vpc-0123456789abcdef0","cidr":"10.1.0.0/16"}`
		peer1 = `"vpcId":"vpc-0123456789abcdef1"`
	)
	svc := func(items ...string) string { return `["` + svcA + `",` + strings.Join(items, ",") + `]` }
	fwd := func(domains string) map[string]any { return fw(map[string]any{KeyEgressAllowedDomains: domains}) }
	cases := []struct {
		name string
		ctx  map[string]any
	}{
		{"peer not vpc=cidr", map[string]any{"peerVpcs": "vpc-0123456789abcdef0=10.1.0.0/16,garbage"}},
		{"peer without id", map[string]any{"peerVpcs": "vpc-0123456789abcdef0=10.1.0.0/16, =10.2.0.0/16"}},
		{"peer bad cidr", map[string]any{"peerVpcs": "vpc-0123456789abcdef0=10.1.0.0/16,vpc-0123456789abcdef1=10.2.0.0"}},
		{"peer JSON number cidr", map[string]any{"peerVpcs": `[` + peer0 + `,{` + peer1 + `,"cidr":5}]`}},
		{"peer JSON bad cidr", map[string]any{"peerVpcs": `[` + peer0 + `,{` + peer1 + `,"cidr":"10.2.0.0/33"}]`}},
		{"peer JSON unknown field", map[string]any{"peerVpcs": `[` + peer0 + `,{` + peer1 + `,"cidr":"10.2.0.0/16","color":"red"}]`}},
		{"peer JSON no id", map[string]any{"peerVpcs": `[` + peer0 + `,{"cidr":"10.2.0.0/16"}]`}},
		{"peer JSON no cidr", map[string]any{"peerVpcs": `[` + peer0 + `,{` + peer1 + `}]`}},
		{"peer JSON number item", map[string]any{"peerVpcs": `[` + peer0 + `,7]`}},
		{"peer JSON number region", map[string]any{"peerVpcs": `[` + peer0 + `,{` + peer1 + `,"cidr":"10.2.0.0/16","region":5}]`}},
		{"peer JSON bad cidr and unknown field", map[string]any{"peerVpcs": `[` + peer0 + `,{` + peer1 + `,"cidr":"x","zz":"y"}]`}},
		{"service empty item", map[string]any{"endpointServices": svc(`""`)}},
		{"service bad ports", map[string]any{"endpointServices": svc(`{"serviceName":"` + svcB + `","ports":[443,"x",0,65536,1.5," ",true]}`)}},
		{"service typo field", map[string]any{"endpointServices": svc(`{"serviceName":"` + svcB + `","prots":[443]}`)}},
		{"service field case", map[string]any{"endpointServices": svc(`{"serviceName":"` + svcB + `","PrivateDNS":true}`)}},
		{"service unknown field", map[string]any{"endpointServices": svc(`{"serviceName":"` + svcB + `","owner":"me"}`)}},
		{"service empty name", map[string]any{"endpointServices": svc(`{"serviceName":" "}`)}},
		{"service no name", map[string]any{"endpointServices": svc(`{"ports":[443]}`)}},
		{"service number name", map[string]any{"endpointServices": svc(`{"serviceName":5}`)}},
		{"service ports object", map[string]any{"endpointServices": svc(`{"serviceName":"` + svcB + `","ports":{"a":1}}`)}},
		{"service ports boolean", map[string]any{"endpointServices": svc(`{"serviceName":"` + svcB + `","ports":true}`)}},
		{"service privateDns word", map[string]any{"endpointServices": svc(`{"serviceName":"` + svcB + `","privateDns":"maybe"}`)}},
		{"service privateDns number", map[string]any{"endpointServices": svc(`{"serviceName":"` + svcB + `","privateDns":1}`)}},
		{"service number item", map[string]any{"endpointServices": svc(`5`)}},
		{"service string ports", map[string]any{"endpointServices": svcA + "," + svcB + "=443+x+0+"}},
		{"service string empty port", map[string]any{"endpointServices": svcA + "," + svcB + "="}},
		{"domains", fwd(".coiled.io,https://pypi.org/simple,*.conda.io,a b,a:1," + strings.Repeat("a", 250) + ".com," + strings.Repeat("b", 249) + ".co,.COILED.IO")},
		{"domains 253 accepted", fwd(".coiled.io," + strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 57) + ".com")},
		{"domains 254 refused", fwd(".coiled.io," + strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 58) + ".com")},
		{"domains label 64", fwd(".coiled.io," + strings.Repeat("a", 64) + ".com," + strings.Repeat("a", 63) + ".com")},
		{"domains empty label", fwd(".coiled.io,a..com,-a.com,a-.com,.,com")},
		{"external ID 1 character", role(KeyCoiledExternalID, "a")},
		{"external ID 2 characters", role(KeyCoiledExternalID, "ab")},
		{"external ID 1224 characters", role(KeyCoiledExternalID, strings.Repeat("a", 1224))},
		{"external ID 1225 characters", role(KeyCoiledExternalID, strings.Repeat("a", 1225))},
		{"external ID without role", map[string]any{KeyCoiledExternalID: "ab"}},
		{"buckets 3 and 63 characters", role(KeyDataBuckets, "abc,"+strings.Repeat("b", 63))},
		{"buckets 2 and 64 characters", role(KeyDataBuckets, "ab,"+strings.Repeat("b", 64))},
		{"buckets IP and reserved", role(KeyDataBuckets, "10.0.0.1,xn--abc,abc-s3alias,a..b,ABC,a_b,ok-bucket,ok-bucket")},
		{"buckets without access", map[string]any{KeyDataBuckets: "abc"}},
		{"workspace 57 characters", role(KeyCoiledWorkspace, strings.Repeat("w", 57))},
		{"workspace 58 characters", role(KeyCoiledWorkspace, strings.Repeat("w", 58))},
		{"workspace upper case", role(KeyCoiledWorkspace, "Acme")},
		{"workspace not a slug", role(KeyCoiledWorkspace, "ac me")},
		{"peer twice, same range", map[string]any{"peerVpcs": "vpc-0123456789abcdef0=10.1.0.0/16,vpc-0123456789abcdef0=10.1.0.0/16"}},
		{"peer bad id, same range", map[string]any{"peerVpcs": "vpc-12=10.1.0.0/16,vpc-0123456789abcdef0=10.1.0.0/16"}},
		{"peer malformed owner without role", map[string]any{"peerVpcs": `[{"vpcId":"vpc-0123456789abcdef0","cidr":"10.1.0.0/16","ownerId":"1234"}]`}},
		{"tgw route overlapping two", map[string]any{"transitGatewayId": "tgw-0123456789abcdef0", "transitGatewayRoutes": "10.100.0.0/24,10.100.1.0/24,10.100.0.0/23"}},
		{"existing with egressFirewall off", map[string]any{"existingVpcId": "vpc-0123456789abcdef0", "existingVpcCidr": "10.9.0.0/16",
			"schedulerSubnetId": "subnet-01234567", "workerSubnetId": "subnet-01234568", "workerPublicIp": "true", "egressFirewall": "off"}},
		{"domains bad twice", fwd(".coiled.io,a b,a b")},
		{"domains 500", fwd(manyDomains(500))},
		{"domains 501", fwd(manyDomains(501))},
		{"interface preset twice", map[string]any{"topology": "private", "interfaceEndpoints": PresetCoiled + "," + PresetCoiled}},
		{"ports item 2 empty", map[string]any{"schedulerPorts": `["443", ""]`}},
		{"ports item 2 boolean", map[string]any{"schedulerPorts": `[443, true]`}},
		{"ports boundaries", map[string]any{"schedulerPorts": "0,1,65535,65536,x"}},
		{"ports fraction", map[string]any{"schedulerPorts": []any{443.0, 1.5, 0.0}}},
		{"integer words", map[string]any{"azs": "1e3"}},
		{"integer negative word", map[string]any{"topology": "private", "natGateways": "-x"}},
		{"integer infinite", map[string]any{"azs": strings.Repeat("9", 400)}},
		{"integer 1000000", map[string]any{"topology": "private", "natGateways": "1000000"}},
		{"integer 1000001", map[string]any{"topology": "private", "natGateways": "1000001"}},
		{"integer negative zero", map[string]any{"topology": "private", "natGateways": math.Copysign(0, -1)}},
		{"integer object", map[string]any{"azs": map[string]any{}}},
		{"service ports 1 and 65535", map[string]any{"endpointServices": svcA + "=1+65535"}},
		{"service field 2 edits away", map[string]any{"endpointServices": svc(`{"serviceName":"` + svcB + `","portsxx":[443]}`)}},
		{"service field 3 edits away", map[string]any{"endpointServices": svc(`{"serviceName":"` + svcB + `","portsxxx":[443]}`)}},
		{"60 endpoint ports", map[string]any{"topology": "private", "interfaceEndpoints": "logs", "endpointServices": svcA + "=" + plusPorts(59)}},
		{"61 endpoint ports", map[string]any{"topology": "private", "interfaceEndpoints": "logs", "endpointServices": svcA + "=" + plusPorts(60)}},
		{"60 endpoint ports without interface endpoints", map[string]any{"topology": "private", "endpointServices": svcA + "=" + plusPorts(60)}},
		{"domains URLs", fwd(".coiled.io,https://pypi.org,https:///x,https://:443")},
		{"interface bad name twice", map[string]any{"topology": "private", "interfaceEndpoints": "lo gs,lo gs"}},
	}
	var got strings.Builder
	for _, tc := range cases {
		_, err := FromContext(withCdkJSON(t, tc.ctx))
		got.WriteString("## " + tc.name + "\n")
		if err != nil {
			got.WriteString(err.Error())
		} else {
			got.WriteString("(accepted)")
		}
		got.WriteString("\n\n")
	}
	path := filepath.Join("testdata", "messages.golden")
	if *updateMessages {
		if err := os.WriteFile(path, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("messages differ from %s (rerun with -update-messages and review the diff):\n%s", path, got.String())
	}
}

func TestNetworkHelpers(t *testing.T) {
	p := netip.MustParsePrefix
	tgw := "tgw-0123456789abcdef0"
	net := func(f func(n *Network)) Network {
		var n Network
		f(&n)
		return n
	}
	for i, tc := range []struct {
		n    Network
		want bool
	}{
		{net(func(n *Network) { n.TransitGatewayId, n.Egress = tgw, EgressTransitGateway }), true},
		{net(func(n *Network) { n.TransitGatewayId, n.TransitGatewayRoutes = tgw, []netip.Prefix{p("10.1.0.0/16")} }), true},
		{net(func(n *Network) { n.TransitGatewayId, n.Egress = tgw, EgressNat }), false},
		{net(func(n *Network) { n.Egress = EgressTransitGateway }), false},
		{net(func(n *Network) { n.ExistingVpcId, n.TransitGatewayId, n.Egress = "vpc-1", tgw, EgressTransitGateway }), false},
	} {
		if got := tc.n.UsesTransitGateway(); got != tc.want {
			t.Errorf("UsesTransitGateway case %d = %v", i, got)
		}
	}
	for i, tc := range []struct {
		n    Network
		want []netip.Prefix
	}{
		{net(func(n *Network) { n.ExistingVpcId, n.ExistingVpcCidr = "vpc-1", p("10.9.0.0/16") }), []netip.Prefix{p("10.9.0.0/16")}},
		{net(func(n *Network) { n.ExistingVpcId, n.ExistingVpcCidr = "vpc-1", p("10.9.0.1/16") }), []netip.Prefix{}},
		{net(func(n *Network) { n.ExistingVpcId, n.ExistingVpcCidr = "vpc-1", p("fd00::/16") }), []netip.Prefix{}},
		{net(func(n *Network) { n.ExistingVpcId = "vpc-1" }), []netip.Prefix{}},
		{net(func(n *Network) {
			n.Topology, n.VpcCidr, n.TransitGatewayRoutes = TopologyInternal, p("10.0.0.0/16"), []netip.Prefix{p("10.1.0.0/16")}
			n.PeerVpcs = []PeerVpc{{Cidr: p("10.1.0.0/16")}, {}, {Cidr: p("10.2.0.0/16")}}
		}), []netip.Prefix{p("10.0.0.0/16"), p("10.1.0.0/16"), p("10.2.0.0/16")}},
	} {
		if got := tc.n.AutoClientCidrs(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("AutoClientCidrs case %d = %v, want %v", i, got, tc.want)
		}
	}
	if got := endpointWord("A-z.0_9 Ü"); got != "az09" {
		t.Errorf("endpointWord = %q", got)
	}
	if (Endpoints{}).HasEndpoints() || !(Endpoints{InterfaceEndpoints: []string{"logs"}}).HasEndpoints() ||
		!(Endpoints{EndpointServices: []EndpointService{{ServiceName: svcA}}}).HasEndpoints() {
		t.Error("HasEndpoints")
	}
}
