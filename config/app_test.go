package config

import (
	"errors"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestAcknowledgeWarnings(t *testing.T) {
	accepts := []struct {
		name string
		v    any
		want []string
	}{
		{"one", "schedulerOpenToInternet", []string{"schedulerOpenToInternet"}},
		{"comma list", "sharedNat, natInstance", []string{"sharedNat", "natInstance"}},
		{"JSON array", []any{"natInstance"}, []string{"natInstance"}},
		{"empty", "", nil},
		{"as the CDK CLI prints it", "Annotation::coilednet:sharedNat,natInstance", []string{"sharedNat", "natInstance"}},
	}
	for _, tc := range accepts {
		t.Run(tc.name, func(t *testing.T) {
			a, err := FromContext(map[string]any{KeyAcknowledgeWarnings: tc.v})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a.AcknowledgeWarnings, tc.want) {
				t.Errorf("AcknowledgeWarnings = %q, want %q", a.AcknowledgeWarnings, tc.want)
			}
			for _, id := range tc.want {
				if !a.Acknowledged(id) {
					t.Errorf("Acknowledged(%q) = false", id)
				}
			}
		})
	}
	rejects := []struct {
		name    string
		v       any
		value   string
		want    string
		wantToo string
	}{
		{"unknown ID lists the IDs", "openInternet", "openInternet", "is not a coilednet warning ID", "accepted are coilednet warning IDs (" + strings.Join(WarningIDs, ", ") + ")"},
		{"annotation ID", "coilednet:sharedNat", "coilednet:sharedNat", `did you mean "sharedNat"?`, "natInstance"},
		{"wrong case", "natinstance", "natinstance", `did you mean "natInstance"?`, "sharedNat"},
		{"twice", "sharedNat,sharedNat", "sharedNat", "is listed twice", "schedulerOpenToInternet"},
		{"number", 1.0, "1", "is a JSON number", "warning IDs"},
		{"empty item", "sharedNat,,natInstance", "", "empty item", "warning IDs"},
	}
	for _, tc := range rejects {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromContext(map[string]any{KeyAcknowledgeWarnings: tc.v})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("accepted (err %v)", err)
			}
			msg := err.Error()
			if e.Key != KeyAcknowledgeWarnings || e.Value != tc.value || !strings.Contains(msg, tc.want) || !strings.Contains(msg, tc.wantToo) {
				t.Errorf("error %q: want key %s, value %q, %q and %q", msg, KeyAcknowledgeWarnings, tc.value, tc.want, tc.wantToo)
			}
		})
	}
	// Go callers get the same checks.
	if err := (App{AcknowledgeWarnings: []string{"nope"}}).Validate(); err == nil || !strings.Contains(err.Error(), "sharedNat") {
		t.Errorf("App.Validate with an unknown ID: %v", err)
	}
}

// optionRE finds the -c key=value options a message tells the user to pass.
var optionRE = regexp.MustCompile(`-c ([A-Za-z]+)=([^\s),]*)`)

// TestWarningsSayHowToAcceptAndRestrict runs, through FromContext, what each
// warning tells the user to run: the option that accepts it is valid and
// acknowledges it; the open-scheduler warning's two ways to restrict the
// ports make it go away.
func TestWarningsSayHowToAcceptAndRestrict(t *testing.T) {
	nets := []Network{
		{},
		{Topology: TopologyPrivate, Azs: 2, NatGateways: 1},
		{Topology: TopologyPrivate, NatProvider: NatInstance},
		{Topology: TopologyInternal},
		{Topology: TopologyPrivate, Connectivity: Connectivity{PeerVpcs: []PeerVpc{{VpcId: "vpc-0123456789abcdef0", Cidr: netip.MustParsePrefix("10.1.0.0/16")}}}},
		{Endpoints: Endpoints{InterfaceEndpoints: []string{"madeup.service"}}},
		{Endpoints: Endpoints{EndpointServices: []EndpointService{{ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0", Ports: []uint16{443}}}}},
		{Topology: TopologyPrivate, NatProvider: NatInstance, S3Endpoint: Bool(false),
			EgressControl: EgressControl{EgressFirewall: EgressFirewallNetworkFirewall}},
		{ClientPrefixListIds: []string{"pl-0123456789abcdef0"}},
		{Connectivity: Connectivity{ExistingVpcId: "vpc-0123456789abcdef0", ExistingVpcCidr: netip.MustParsePrefix("10.9.0.0/16"),
			SchedulerSubnetId: "subnet-0123456789abcdef0", WorkerSubnetId: "subnet-0123456789abcdef0", WorkerPublicIp: Bool(true)},
			Endpoints: Endpoints{InterfaceEndpoints: []string{"sts"}}},
	}
	seen := map[string]bool{}
	for _, n := range nets {
		for _, w := range n.Warnings() {
			seen[w.ID] = true
			if !slices.Contains(WarningIDs, w.ID) {
				t.Errorf("warning ID %q is not in WarningIDs", w.ID)
			}
			suffix := " (to accept this warning and stop seeing it: -c acknowledgeWarnings=" + w.ID + ")"
			if !strings.HasSuffix(w.Message, suffix) {
				t.Errorf("warning %s does not end with %q: %q", w.ID, suffix, w.Message)
				continue
			}
			m := optionRE.FindStringSubmatch(suffix)
			a, err := FromContext(map[string]any{m[1]: m[2]})
			if err != nil || !a.Acknowledged(w.ID) {
				t.Errorf("-c %s=%s: %v, acknowledged %v", m[1], m[2], err, a.Acknowledged(w.ID))
			}
			if strings.Contains(w.Message, "cdk acknowledge") {
				t.Errorf("warning %s points at cdk acknowledge, which takes only numeric notice IDs", w.ID)
			}
		}
	}
	for _, id := range WarningIDs {
		if !seen[id] {
			t.Errorf("warning %s not produced by any test network", id)
		}
	}

	// "e.g. -c clientCidrs=203.0.113.0/24, or ... -c clientCidrs= -c clientPrefixListIds=pl-…"
	msg := Network{}.Warnings()[0].Message
	body, _, _ := strings.Cut(msg, " (to accept")
	first, second, ok := strings.Cut(body, ", or a managed prefix list")
	if !ok {
		t.Fatalf("open-scheduler warning has not two ways to restrict: %q", msg)
	}
	for _, part := range []string{first, second} {
		ctx := map[string]any{}
		for _, m := range optionRE.FindAllStringSubmatch(part, -1) {
			if m[1] == KeyClientCidrs || m[1] == KeyClientPrefixListIds {
				ctx[m[1]] = strings.TrimSuffix(m[2], ",")
			}
		}
		if len(ctx) == 0 {
			t.Errorf("no option in %q", part)
			continue
		}
		a, err := FromContext(ctx)
		if err != nil {
			t.Errorf("the warning's suggestion %v is rejected: %v", ctx, err)
			continue
		}
		// A prefix list brings its own warning (how it counts against the
		// rule quota), not about the scheduler being open.
		var others []Warning
		for _, w := range a.Network.Warnings() {
			if w.ID != "prefixListRules" {
				others = append(others, w)
			}
		}
		if a.Network.OpenToInternet() || len(others) != 0 {
			t.Errorf("after %v the scheduler is still open: %v", ctx, a.Network.Warnings())
		}
	}
}

func TestContextWarnings(t *testing.T) {
	ctx := map[string]any{
		"region":                                "us-west-2",
		"account":                               "123456789012",
		"Profile":                               "dev",
		"ports":                                 "443",
		"nat":                                   "instance",
		"environment":                           "prod",
		"topolgy":                               "private", // a typo: FromContext's error, not a warning
		"topology":                              "private",
		"acknowledged-issue-numbers":            []any{1.0},
		"aws:cdk:enable-path-metadata":          true,
		"@aws-cdk/core:newStyleStackSynthesis":  true,
		"availability-zones:account=1:region=x": []any{"x"},
		"$dontSaveContext":                      true,
	}
	got := ContextWarnings(ctx)
	want := []struct{ key, says string }{
		{"Profile", "AWS_PROFILE"},
		{"account", "AWS_PROFILE or the AWS_ACCESS_KEY_ID"},
		{"environment", "coilednet's keys are stackName, topology"},
		{"nat", `did you mean "natProvider" or "natGateways"?`},
		{"ports", `did you mean "schedulerPorts"?`},
		{"region", "set AWS_REGION (e.g. AWS_REGION=us-west-2 scripts/deploy)"},
	}
	if len(got) != len(want) {
		t.Fatalf("ContextWarnings = %q, want %d warnings", got, len(want))
	}
	for i, w := range want {
		if got[i].ID != "unknownContextKey" || !strings.Contains(got[i].Message, `context key "`+w.key+`" is not a coilednet option and is ignored`) ||
			!strings.Contains(got[i].Message, w.says) {
			t.Errorf("warning %d = %+v, want key %q and %q", i, got[i], w.key, w.says)
		}
	}
	// The keys the CDK CLI passes to every app draw no warning.
	cli := map[string]any{"aws:cdk:enable-path-metadata": true, "aws:cdk:enable-asset-metadata": true,
		"aws:cdk:version-reporting": true, "aws:cdk:bundling-stacks": []any{"**"},
		"@aws-cdk/core:failSynthOnValidationErrors": false, "aws:cdk:disable-stack-trace": true}
	for _, k := range Keys {
		cli[k] = nil
	}
	if w := ContextWarnings(cli); len(w) != 0 {
		t.Errorf("warnings for the CLI's own keys: %q", w)
	}
}

// TestEveryKeyNamesAGoField keeps the key → Go field map (fields.go) total:
// every context key names a field of App, found by reflection. A new key
// whose field name differs needs a `key:"…"` tag on its field.
func TestEveryKeyNamesAGoField(t *testing.T) {
	want := map[string]string{
		KeyStackName: "StackName", KeyClientCidrs: "Network.ClientCidrs", KeyS3Endpoint: "Network.S3Endpoint",
		KeyRestrictDefaultSecurityGroup: "Network.RestrictDefaultSecurityGroup", KeyAcknowledgeWarnings: "AcknowledgeWarnings",
	}
	for _, k := range Keys {
		f := keyField(k)
		if f == "" {
			t.Errorf("context key %q names no Go field of App (add a `key:%q` tag to its field)", k, k)
		}
		if w, ok := want[k]; ok && f != w {
			t.Errorf("context key %q names field %q, want %q", k, f, w)
		}
	}
}

// TestErrorsNameGoFieldsOnlyForGoInput: the same bad value is reported by
// its context key from FromContext and by its Go field from Validate.
func TestErrorsNameGoFieldsOnlyForGoInput(t *testing.T) {
	_, err := FromContext(map[string]any{KeyNatGateways: "-1", KeyTopology: "private"})
	if err == nil || !strings.HasPrefix(err.Error(), `context key "natGateways": "-1"`) || strings.Contains(err.Error(), "Network.") {
		t.Errorf("FromContext: %v", err)
	}
	err = Network{Topology: TopologyPrivate, NatGateways: -1}.Validate()
	var e *Error
	if !errors.As(err, &e) || e.Field != "Network.NatGateways" || !strings.HasPrefix(err.Error(), `Network.NatGateways (context key "natGateways"): "-1" is negative`) {
		t.Errorf("Network.Validate: %v", err)
	}
	err = App{AcknowledgeWarnings: []string{"x"}, Network: Network{Topology: TopologyPrivate, NatGateways: -1}}.Validate()
	if err == nil || !strings.Contains(err.Error(), `App.Network.NatGateways (context key "natGateways")`) ||
		!strings.Contains(err.Error(), `App.AcknowledgeWarnings (context key "acknowledgeWarnings"): "x"`) {
		t.Errorf("App.Validate: %v", err)
	}
}
