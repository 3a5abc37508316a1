package config

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// cidrs returns n distinct IPv4 (/24) or IPv6 (/48) client ranges.
func cidrs(n int, v6 bool) string {
	var parts []string
	for i := range n {
		if v6 {
			parts = append(parts, fmt.Sprintf("2001:db8:%x::/48", i))
		} else {
			parts = append(parts, fmt.Sprintf("198.%d.%d.0/24", 18+i/256, i%256))
		}
	}
	return strings.Join(parts, ",")
}

func portList(n int) string {
	var parts []string
	for i := range n {
		parts = append(parts, fmt.Sprint(9000+i))
	}
	return strings.Join(parts, ",")
}

func plList(n int) string {
	var parts []string
	for i := range n {
		parts = append(parts, fmt.Sprintf("pl-%08x", i+1))
	}
	return strings.Join(parts, ",")
}

// TestRuleQuotaAtSynth: exactly 60 inbound rules per address family pass,
// 61 fail, counted as AWS counts them (port × source; IPv4 and IPv6 apart;
// a group reference in both; an unknown prefix list as 1 per port).
func TestRuleQuotaAtSynth(t *testing.T) {
	tests := []struct {
		name    string
		ctx     map[string]any
		key     string // "" = accepted
		value   string
		explain string
	}{
		{"60 = 3 ports × 20 CIDRs", map[string]any{"clientCidrs": cidrs(20, false)}, "", "", ""},
		{"63 = 3 ports × 21 CIDRs", map[string]any{"clientCidrs": cidrs(21, false)}, KeyClientCidrs, "63 IPv4 and 0 IPv6 rules",
			"3 ports × [21 IPv4 CIDRs] = 63 IPv4 and 0 IPv6 inbound rules, more than the 60"},
		{"60 = 1 port × 60 CIDRs", map[string]any{"clientCidrs": cidrs(60, false), "schedulerPorts": "443"}, "", "", ""},
		{"61 = 1 port × 61 CIDRs", map[string]any{"clientCidrs": cidrs(61, false), "schedulerPorts": "443"}, KeyClientCidrs, "61 IPv4 and 0 IPv6 rules",
			"1 port × [61 IPv4 CIDRs] = 61 IPv4"},
		{"61 = 61 ports × 1 CIDR", map[string]any{"clientCidrs": "203.0.113.0/24", "schedulerPorts": portList(61)}, KeyClientCidrs, "61 IPv4 and 0 IPv6 rules",
			"61 ports × [1 IPv4 CIDR]"},
		{"60 IPv4 and 60 IPv6 fit (counted apart)", map[string]any{"clientCidrs": cidrs(20, false) + "," + cidrs(20, true)}, "", "", ""},
		{"63 IPv6", map[string]any{"clientCidrs": cidrs(21, true)}, KeyClientCidrs, "0 IPv4 and 63 IPv6 rules", "21 IPv6 CIDRs"},
		{"60 = 3 × (19 CIDRs + 1 prefix list at least)", map[string]any{"clientCidrs": cidrs(19, false), "clientPrefixListIds": plList(1)}, "", "", ""},
		{"63 = 3 × (19 CIDRs + 2 prefix lists at least)", map[string]any{"clientCidrs": cidrs(19, false), "clientPrefixListIds": plList(2)}, KeyClientCidrs,
			"63 IPv4 and 6 IPv6 rules", "prefix list pl-00000002 (max entries unknown, counted as 1)"},
		// The endpoint group: ports × sources (cluster and sg- count in
		// both families, vpc in IPv4).
		{"endpoints: 60 = 20 ports × 3 sources", map[string]any{"endpointServices": svcA + "=" + strings.ReplaceAll(portList(20), ",", "+"),
			"endpointSources": "cluster,vpc,sg-0123456789abcdef0"}, "", "", ""},
		{"endpoints: 63 = 21 ports × 3 sources", map[string]any{"endpointServices": svcA + "=" + strings.ReplaceAll(portList(21), ",", "+"),
			"endpointSources": "cluster,vpc,sg-0123456789abcdef0"}, KeyEndpointServices, "63 IPv4 and 42 IPv6 rules",
			"the endpoint security group: 21 ports × [1 IPv4 CIDR + 2 security groups (1 IPv4 + 1 IPv6 rule each)]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromContext(tc.ctx)
			if tc.key == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("accepted, want an error on %s", tc.key)
			}
			msg := err.Error()
			if e.Key != tc.key || e.Value != tc.value || !strings.Contains(msg, tc.explain) ||
				!strings.Contains(msg, "EC2's default quota") || !strings.Contains(msg, "accepted are") {
				t.Errorf("error %q: want key %s, value %q, %q", msg, tc.key, tc.value, tc.explain)
			}
			if tc.key == KeyClientCidrs && !strings.Contains(msg, "-c schedulerPorts=443") {
				t.Errorf("error %q names no option to change", msg)
			}
		})
	}
}

// TestRuleQuotaWithPrefixListSizes: with the sizes EC2 reports, a prefix
// list counts its max entries per port, in its own address family.
func TestRuleQuotaWithPrefixListSizes(t *testing.T) {
	n := Network{ClientCidrs: []netip.Prefix{}, ClientPrefixListIds: []string{"pl-00000001"}}
	for _, tc := range []struct {
		size PrefixListSize
		over bool
		want string
	}{
		{PrefixListSize{20, "IPv4"}, false, ""},
		{PrefixListSize{21, "IPv4"}, true, "3 ports × [prefix list pl-00000001 (max entries 21, IPv4)] = 63 IPv4 and 0 IPv6 inbound rules"},
		{PrefixListSize{21, "IPv6"}, true, "= 0 IPv4 and 63 IPv6 inbound rules"},
		{PrefixListSize{20, "IPv6"}, false, ""},
	} {
		got := n.RuleQuotaProblems(map[string]PrefixListSize{"pl-00000001": tc.size})
		if (len(got) > 0) != tc.over || tc.over && (len(got) != 1 || !strings.Contains(got[0], tc.want) || !strings.HasPrefix(got[0], "the scheduler security group: ")) {
			t.Errorf("%+v: got %q, want over=%v with %q", tc.size, got, tc.over, tc.want)
		}
	}
	// Without sizes, synth warns how they count and does not reject.
	if err := n.Validate(); err != nil {
		t.Fatal(err)
	}
	w := n.Warnings()
	if len(w) != 1 || w[0].ID != "prefixListRules" || !strings.Contains(w[0].Message, "maximum number of entries") ||
		!strings.Contains(w[0].Message, "3 IPv4 and 3 IPv6 inbound rules counting each list as 1") {
		t.Errorf("warnings %v", w)
	}
}

// TestSecurityGroupRulesListsEveryGroup: the accounting covers every group
// the stack builds.
func TestSecurityGroupRulesListsEveryGroup(t *testing.T) {
	groups := func(n Network) []string {
		var out []string
		for _, g := range n.SecurityGroupRules() {
			c := g.Count(nil)
			out = append(out, fmt.Sprintf("%s %d/%d", g.Group, c.IPv4, c.IPv6))
		}
		return out
	}
	got := strings.Join(groups(Network{}), "; ")
	if want := "the scheduler security group 3/0; the cluster security group 1/1"; got != want {
		t.Errorf("public: %s, want %s", got, want)
	}
	got = strings.Join(groups(Network{Topology: TopologyPrivate, NatProvider: NatInstance,
		Endpoints: Endpoints{InterfaceEndpoints: []string{"coiled"}, EndpointSources: []string{"cluster", "vpc"}}}), "; ")
	if want := "the scheduler security group 3/0; the cluster security group 1/1; the endpoint security group 2/1; the NAT instances' security group 1/0"; got != want {
		t.Errorf("private: %s, want %s", got, want)
	}
}

func TestEndpointSources(t *testing.T) {
	existing := map[string]any{"existingVpcId": "vpc-0123456789abcdef0", "existingVpcCidr": "10.9.0.0/16",
		"schedulerSubnetId": "subnet-0123456789abcdef0", "workerSubnetId": "subnet-0123456789abcdef0", "workerPublicIp": "false",
		"interfaceEndpoints": "sts,logs"}
	with := func(kv ...string) map[string]any {
		m := map[string]any{}
		for k, v := range existing {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name  string
		ctx   map[string]any
		value string
		want  string
	}{
		{"unknown", with("endpointSources", "everyone"), "everyone", "is not an endpoint source"},
		{"case", with("endpointSources", "VPC"), "VPC", `did you mean "vpc"?`},
		{"twice", with("endpointSources", "cluster,cluster"), "cluster", "is listed twice"},
		{"bad sg", with("endpointSources", "sg-12"), "sg-12", "is not an endpoint source"},
		{"without endpoints", map[string]any{"endpointSources": "vpc"}, "vpc", "no interface endpoint is asked for"},
	} {
		_, err := FromContext(tc.ctx)
		var e *Error
		if !errors.As(err, &e) || e.Key != KeyEndpointSources || e.Value != tc.value || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q on %s", tc.name, err, tc.want, tc.value)
		}
	}

	warning := func(ctx map[string]any) string {
		a, err := FromContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range a.Network.Warnings() {
			if w.ID == "endpointPrivateDns" {
				return w.Message
			}
		}
		return ""
	}
	// The default: the cut-off is stated, with the way to admit the others.
	w := warning(with())
	if !strings.Contains(w, "every other workload of vpc-0123456789abcdef0 loses these services") || !strings.Contains(w, "-c endpointSources=cluster,vpc") ||
		!strings.Contains(w, "sts, logs") {
		t.Errorf("default sources: %q", w)
	}
	// Its suggestion is valid and states the other consequence.
	w = warning(with("endpointSources", "cluster,vpc"))
	if !strings.Contains(w, "admits the whole VPC range (10.9.0.0/16)") {
		t.Errorf("vpc source: %q", w)
	}
	w = warning(with("endpointSources", "cluster,sg-0123456789abcdef0"))
	if !strings.Contains(w, "admits only the Coiled cluster group and security group sg-0123456789abcdef0") {
		t.Errorf("listed group: %q", w)
	}
	// Acknowledged like the others; none in a VPC the stack builds, or
	// without private DNS.
	a, err := FromContext(with("acknowledgeWarnings", "endpointPrivateDns"))
	if err != nil || !a.Acknowledged("endpointPrivateDns") {
		t.Errorf("acknowledge: %v", err)
	}
	if w := warning(map[string]any{"interfaceEndpoints": "sts"}); w != "" {
		t.Errorf("built VPC: %q", w)
	}
	if w := warning(with("interfaceEndpoints", "", "endpointServices", svcA)); w != "" {
		t.Errorf("endpoint service without private DNS: %q", w)
	}
}
