package config

import (
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
