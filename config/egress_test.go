package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// fw is a context with the firewall on in a valid private network.
func fw(extra map[string]any) map[string]any {
	ctx := map[string]any{KeyTopology: "private", KeyEgressFirewall: "network-firewall"}
	for k, v := range extra {
		ctx[k] = v
	}
	return ctx
}

func TestEgressRejects(t *testing.T) {
	tests := []struct {
		name        string
		ctx         map[string]any
		key, value  string
		want, other string // other: a second key the message must name, if any
	}{
		{"unknown firewall", map[string]any{KeyEgressFirewall: "nfw"}, KeyEgressFirewall, "nfw", "accepted are off, network-firewall", ""},
		{"firewall wrong case", map[string]any{KeyEgressFirewall: "Network-Firewall"}, KeyEgressFirewall, "Network-Firewall", `did you mean "network-firewall"?`, ""},
		{"firewall in public", map[string]any{KeyEgressFirewall: "network-firewall"}, KeyEgressFirewall, "network-firewall", "needs NAT egress", "topology"},
		{"firewall 2 AZs without names", fw(map[string]any{KeyAzs: "2"}), KeyEgressFirewall, "network-firewall", "needs availabilityZones", "azs=2"},
		{"firewall subnets do not fit", fw(map[string]any{KeyVpcCidr: "10.0.0.0/24", KeyAvailabilityZones: "us-east-1a,us-east-1b,us-east-1c,us-east-1d,us-east-1e"}),
			KeyEgressFirewall, "network-firewall", "holds only 4", "vpcCidr"},
		{"unknown preset", fw(map[string]any{KeyEgressAllowedDomains: "coiled,pypi"}), KeyEgressAllowedDomains, "pypi", "neither a preset nor a domain name", ""},
		{"preset wrong case", fw(map[string]any{KeyEgressAllowedDomains: "Coiled"}), KeyEgressAllowedDomains, "Coiled", `did you mean "coiled"?`, ""},
		{"glob", fw(map[string]any{KeyEgressAllowedDomains: "*.example.com"}), KeyEgressAllowedDomains, "*.example.com", `did you mean ".example.com"?`, ""},
		{"url", fw(map[string]any{KeyEgressAllowedDomains: "https://pypi.org/simple"}), KeyEgressAllowedDomains, "https://pypi.org/simple", `did you mean "pypi.org"?`, ""},
		{"port", fw(map[string]any{KeyEgressAllowedDomains: "example.com:443"}), KeyEgressAllowedDomains, "example.com:443", "no ports", ""},
		{"empty label", fw(map[string]any{KeyEgressAllowedDomains: "a..example.com"}), KeyEgressAllowedDomains, "a..example.com", `label ""`, ""},
		{"trailing dot", fw(map[string]any{KeyEgressAllowedDomains: "example.com."}), KeyEgressAllowedDomains, "example.com.", `label ""`, ""},
		{"hyphen at label start", fw(map[string]any{KeyEgressAllowedDomains: ".-x.example.com"}), KeyEgressAllowedDomains, ".-x.example.com", `label "-x"`, ""},
		{"underscore", fw(map[string]any{KeyEgressAllowedDomains: "a_b.example.com"}), KeyEgressAllowedDomains, "a_b.example.com", `label "a_b"`, ""},
		{"label too long", fw(map[string]any{KeyEgressAllowedDomains: strings.Repeat("a", 64) + ".com"}), KeyEgressAllowedDomains, strings.Repeat("a", 64) + ".com", "1 to 63 characters", ""},
		{"listed twice", fw(map[string]any{KeyEgressAllowedDomains: "pypi.org,PyPI.org"}), KeyEgressAllowedDomains, "PyPI.org", "is listed twice", ""},
		{"empty allowlist", fw(map[string]any{KeyEgressAllowedDomains: ""}), KeyEgressAllowedDomains, "", "would drop all egress", ""},
		{"empty item", fw(map[string]any{KeyEgressAllowedDomains: "coiled,,pypi.org"}), KeyEgressAllowedDomains, "", "empty item", ""},
		{"allowlist not a string", fw(map[string]any{KeyEgressAllowedDomains: 1.0}), KeyEgressAllowedDomains, "1", "is a JSON number", ""},
		{"unknown log destination", fw(map[string]any{KeyFirewallLogs: "kinesis"}), KeyFirewallLogs, "kinesis", "accepted are cloudwatch, s3", ""},
		{"log destination wrong case", fw(map[string]any{KeyFirewallLogs: "S3"}), KeyFirewallLogs, "S3", `did you mean "s3"?`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromContext(tc.ctx)
			if err == nil {
				t.Fatal("accepted")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			for _, one := range unjoin(err) {
				var oe *Error
				if errors.As(one, &oe) && oe.Key != tc.key {
					t.Errorf("error names key %q, want only %q: %v", oe.Key, tc.key, one)
				}
			}
			msg := err.Error()
			for _, want := range []string{`context key "` + tc.key + `"`, `"` + tc.value + `"`, tc.want, tc.other} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
		})
	}
}

// unjoin splits an errors.Join error into its parts.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestEgressAccepts(t *testing.T) {
	// The defaults: firewall off, the coiled preset, CloudWatch Logs.
	app, err := FromContext(map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if n := app.Network; n.EgressFirewall != EgressFirewallOff || !slices.Equal(n.EgressAllowedDomains, []string{"coiled"}) ||
		n.FirewallLogs != FirewallLogsCloudWatch || n.FirewallOn() {
		t.Errorf("defaults %+v", n.EgressControl)
	}
	// Off with topology=public: the other keys are checked but harmless.
	if _, err := FromContext(map[string]any{KeyEgressAllowedDomains: "dockerhub", KeyFirewallLogs: "s3"}); err != nil {
		t.Errorf("off in public: %v", err)
	}
	for _, ctx := range []map[string]any{
		fw(nil),
		fw(map[string]any{KeyNatProvider: "instance"}),
		fw(map[string]any{KeyAvailabilityZones: "us-east-1a,us-east-1b,us-east-1c", KeyNatGateways: "1"}),
		fw(map[string]any{KeyEgressAllowedDomains: []any{"coiled", "dockerhub", ".internal.example.com", "Git.Example.org"}, KeyFirewallLogs: "s3"}),
		fw(map[string]any{KeyVpcCidr: "10.0.0.0/24", KeyAvailabilityZones: "us-east-1a,us-east-1b,us-east-1c,us-east-1d"}),
	} {
		if _, err := FromContext(ctx); err != nil {
			t.Errorf("%v rejected: %v", ctx, err)
		}
	}
}

func TestAllowedDomains(t *testing.T) {
	n := Network{EgressControl: EgressControl{EgressAllowedDomains: []string{"dockerhub", "pypi.org", ".Example.com", "coiled", "dockerhub"}}}
	got := n.AllowedDomains()
	want := []string{
		"registry-1.docker.io", "auth.docker.io", "production.cloudflare.docker.com", "production.cloudfront.docker.com",
		"docker-images-prod.6aa30f8b08e16409b46e0173d6de2f56.r2.cloudflarestorage.com",
		"pypi.org", ".example.com",
		"cloud.coiled.io", "logs.{region}.amazonaws.com", "api.ecr.{region}.amazonaws.com", ".dkr.ecr.{region}.amazonaws.com",
		".s3.{region}.amazonaws.com", "sts.{region}.amazonaws.com", "files.pythonhosted.org", "conda.anaconda.org", "repo.anaconda.com",
	}
	if !slices.Equal(got, want) {
		t.Errorf("AllowedDomains =\n  %v\nwant\n  %v", got, want)
	}
	if d := (Network{}).AllowedDomains(); len(d) != 10 || d[0] != "cloud.coiled.io" {
		t.Errorf("default allowlist %v, want the coiled preset", d)
	}
}

func TestEgressWarnings(t *testing.T) {
	warned := func(ctx map[string]any) bool {
		app, err := FromContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range app.Network.Warnings() {
			if w.ID == "firewallNatInstanceRepos" {
				return true
			}
		}
		return false
	}
	if !warned(fw(map[string]any{KeyNatProvider: "instance", KeyS3Endpoint: "false"})) {
		t.Error("no warning: NAT instances behind the firewall without the S3 endpoint cannot install iptables")
	}
	for _, ctx := range []map[string]any{
		fw(map[string]any{KeyNatProvider: "instance"}),
		fw(map[string]any{KeyS3Endpoint: "false"}),
		fw(map[string]any{KeyNatProvider: "instance", KeyS3Endpoint: "false", KeyEgressAllowedDomains: "coiled,.s3.dualstack.us-east-1.amazonaws.com"}),
		{KeyTopology: "private", KeyNatProvider: "instance", KeyS3Endpoint: "false"},
	} {
		if warned(ctx) {
			t.Errorf("%v: warned, but nothing is dropped", ctx)
		}
	}
}
