package coiled

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
)

var testNet = Network{
	NetworkID: "vpc-0a", SchedulerSubnetID: "subnet-0s", WorkerSubnetID: "subnet-0w",
	SchedulerFirewallID: "sg-0s", FirewallID: "sg-0c", GiveWorkersPublicIP: false,
}

var testCreds = AWSCredentials{AccessKeyID: "AKIAEXAMPLE12345", SecretAccessKey: "secret/KEY+value"}

func TestZoneInRegion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		zone, region string
		want         bool
	}{
		{"us-east-2a", "us-east-2", true},
		{"us-east-2f", "us-east-2", true},
		{"us-east-1a", "us-east-2", false},
		{"us-east-2", "us-east-2", false},
		{"us-east-2ab", "us-east-2", false},
		{"us-east-2A", "us-east-2", false},
		{"us-east-2-bos-1a", "us-east-2", false},
		{"", "us-east-2", false},
		{"a", "", false},
	} {
		if got := ZoneInRegion(tc.zone, tc.region); got != tc.want {
			t.Errorf("ZoneInRegion(%q, %q) = %v", tc.zone, tc.region, got)
		}
	}
}

func TestChooseZone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, subnetZone string
		current          any
		zone, warn       string
	}{
		{"known, none set", "us-east-2a", nil, "us-east-2a", ""},
		{"known, same set", "us-east-2a", "us-east-2a", "us-east-2a", ""},
		{"known, other set", "us-east-2a", "us-east-2c", "us-east-2a", "had zone us-east-2c; replaced by us-east-2a"},
		{"known, other region set", "us-east-2a", "eu-west-1a", "us-east-2a", "replaced by us-east-2a"},
		{"unknown, none set", "", nil, "", "unknown; sending no zone (null)"},
		{"unknown, stored zone of the region not kept", "", "us-east-2c", "", "the workspace's zone us-east-2c is not kept"},
		{"unknown, other region dropped", "", "us-west-1b", "", "zone us-west-1b is not kept"},
		{"unknown, non-string ignored", "", 5.0, "", "unknown; sending no zone (null)"},
	} {
		zone, warn := ChooseZone("us-east-2", tc.subnetZone, tc.current)
		if zone != tc.zone || (tc.warn == "") != (warn == "") || !strings.Contains(warn, tc.warn) {
			t.Errorf("%s: got (%q, %q), want (%q, …%q…)", tc.name, zone, warn, tc.zone, tc.warn)
		}
	}
}

func TestPlanAWSNetwork(t *testing.T) {
	t.Parallel()
	t.Run("empty current settings", func(t *testing.T) {
		p, err := PlanAWSNetwork(nil, AWSNetworkUpdate{Region: "us-east-2", Network: testNet, Credentials: testCreds})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{
			"backend": "vm",
			"options": map[string]any{
				"aws_region_name": "us-east-2", "account_role": "",
				"credentials":   map[string]any{"aws_access_key": testCreds.AccessKeyID, "aws_secret_key": testCreds.SecretAccessKey},
				"firewall":      map[string]any{},
				"firewall_spec": map[string]any{},
				"network":       testNet.Map(),
				"zone":          nil,
				"provider_name": "aws",
				"type":          "aws_cloudbridge_backend_options",
			},
			"registry": map[string]any{
				"type": "ecr", "public_ecr": false, "region": "us-east-2",
				"credentials": map[string]any{"aws_access_key_id": testCreds.AccessKeyID, "aws_secret_access_key": testCreds.SecretAccessKey},
			},
		}
		if !reflect.DeepEqual(p.BackendOptions, want) {
			t.Errorf("got  %#v\nwant %#v", p.BackendOptions, want)
		}
		// The subnets' zone is unknown here: null, and the user is told.
		if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "unknown; sending no zone (null)") {
			t.Errorf("warnings %v", p.Warnings)
		}
	})
	t.Run("switching from GCP keeps only the ingress", func(t *testing.T) {
		cur := map[string]any{"backend": "vm", "options": map[string]any{
			"provider_name": "gcp", "gcp_project_name": "p", "firewall_spec": map[string]any{"ingress": []any{"x"}}, "zone": "us-central1-a",
		}}
		p, err := PlanAWSNetwork(cur, AWSNetworkUpdate{Region: "us-east-2", Network: testNet, Credentials: testCreds})
		if err != nil {
			t.Fatal(err)
		}
		opts := p.BackendOptions["options"].(map[string]any)
		if _, ok := opts["gcp_project_name"]; ok {
			t.Error("GCP setting carried into AWS options")
		}
		if !reflect.DeepEqual(opts["firewall_spec"], map[string]any{"ingress": []any{"x"}}) || opts["zone"] != nil {
			t.Errorf("options %v", opts)
		}
		joined := strings.Join(p.Warnings, "\n")
		if !strings.Contains(joined, "gcp backend") || !strings.Contains(joined, "us-central1-a") {
			t.Errorf("warnings %v", p.Warnings)
		}
	})
	t.Run("extra network keys are reported", func(t *testing.T) {
		cur := map[string]any{"backend": "vm", "options": map[string]any{
			"provider_name": "aws",
			"network":       map[string]any{"network_id": "vpc-old", "use_scheduler_public_ip": false},
		}}
		p, err := PlanAWSNetwork(cur, AWSNetworkUpdate{Region: "us-east-2", Network: testNet, Credentials: testCreds})
		if err != nil {
			t.Fatal(err)
		}
		if joined := strings.Join(p.Warnings, "\n"); !strings.Contains(joined, "use_scheduler_public_ip") {
			t.Errorf("warnings %v", p.Warnings)
		}
	})
	t.Run("does not modify the current settings", func(t *testing.T) {
		cur := map[string]any{"options": map[string]any{"firewall_spec": map[string]any{"ingress": []any{map[string]any{"cidr": "1.2.3.4/32"}}}}}
		p, _ := PlanAWSNetwork(cur, AWSNetworkUpdate{Region: "us-east-2", Network: testNet, Credentials: testCreds})
		p.BackendOptions["options"].(map[string]any)["firewall_spec"].(map[string]any)["ingress"] = nil
		if cur["options"].(map[string]any)["firewall_spec"].(map[string]any)["ingress"] == nil {
			t.Error("plan aliases the current settings")
		}
	})
	t.Run("invalid inputs", func(t *testing.T) {
		bad := testNet
		bad.FirewallID = "arn:aws:ec2:us-east-2:1:security-group/sg-0c"
		if _, err := PlanAWSNetwork(nil, AWSNetworkUpdate{Region: "us-east-2", Network: bad, Credentials: testCreds}); err == nil {
			t.Error("ARN accepted")
		}
		if _, err := PlanAWSNetwork(nil, AWSNetworkUpdate{Network: testNet, Credentials: testCreds}); err == nil {
			t.Error("empty region accepted")
		}
		var mc *MissingCredentialsError
		if _, err := PlanAWSNetwork(nil, AWSNetworkUpdate{Region: "us-east-2", Network: testNet}); !errors.As(err, &mc) {
			t.Errorf("no credentials: %v", err)
		}
	})
}

func TestRedact(t *testing.T) {
	t.Parallel()
	p, _ := PlanAWSNetwork(map[string]any{"registry": map[string]any{"type": "ecr"}},
		AWSNetworkUpdate{Region: "us-east-2", Network: testNet, Credentials: testCreds})
	r := Redact(p.BackendOptions)
	s := pyLiteral(r)
	if strings.Contains(s, testCreds.SecretAccessKey) || strings.Contains(s, testCreds.AccessKeyID) {
		t.Errorf("secret left in %s", s)
	}
	if !strings.Contains(s, `"aws_access_key": "************2345"`) || !strings.Contains(s, `"aws_secret_access_key": "<redacted>"`) {
		t.Errorf("redacted form: %s", s)
	}
	// The original is untouched.
	if p.BackendOptions["options"].(map[string]any)["credentials"].(map[string]any)["aws_secret_key"] != testCreds.SecretAccessKey {
		t.Error("Redact modified its input")
	}
	if got := Redact(map[string]any{"registry": map[string]any{"password": "pw", "gcp_service_creds_dict": map[string]any{"private_key": "k"}}}); pyLiteral(got) != `{"registry": {"gcp_service_creds_dict": "<redacted>", "password": "<redacted>"}}` {
		t.Errorf("got %s", pyLiteral(got))
	}
}

func TestPythonCall(t *testing.T) {
	t.Parallel()
	cur := map[string]any{
		"options":  map[string]any{"firewall_spec": map[string]any{"ingress": []any{map[string]any{"ports": []any{443.0}, "cidr": "10.0.0.0/8"}}}},
		"registry": map[string]any{"type": "docker_hub", "account": "acme", "uri": "docker.io", "username": "bot"},
	}
	p, err := PlanAWSNetwork(cur, AWSNetworkUpdate{Region: "us-east-2", Network: testNet, Credentials: testCreds, SubnetZone: "us-east-2a"})
	if err != nil {
		t.Fatal(err)
	}
	got := PythonCall("acme", p.BackendOptions)
	for _, want := range []string{
		"import coiled\n",
		"coiled.set_backend_options(\n",
		`    workspace="acme",`,
		`    backend="aws",`,
		`    aws_region="us-east-2",`,
		`    aws_access_key_id=os.environ["COILED_AWS_ACCESS_KEY_ID"],`,
		`    aws_secret_access_key=os.environ["COILED_AWS_SECRET_ACCESS_KEY"],`,
		`        "give_workers_public_ip": False,`,
		`        "worker_subnet_id": "subnet-0w",`,
		`    ingress=[{"cidr": "10.0.0.0/8", "ports": [443]}],`,
		`    zone="us-east-2a",`,
		`    registry_type="docker_hub",`,
		`    registry_namespace="acme",`,
		`    registry_access_token=os.environ["REGISTRY_ACCESS_TOKEN"],`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("python call lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, testCreds.SecretAccessKey) || strings.Contains(got, testCreds.AccessKeyID) {
		t.Error("python call contains a credential")
	}
}

func TestNetworkMismatches(t *testing.T) {
	t.Parallel()
	stored := map[string]any{"options": map[string]any{"aws_region_name": "us-east-2", "network": testNet.Map()}}
	if d := NetworkMismatches(stored, "us-east-2", testNet); len(d) != 0 {
		t.Errorf("equal settings differ: %v", d)
	}
	other := testNet
	other.GiveWorkersPublicIP = true
	other.WorkerSubnetID = "subnet-0x"
	d := NetworkMismatches(stored, "us-west-2", other)
	if len(d) != 3 {
		t.Errorf("want 3 differences, got %v", d)
	}
	if d := NetworkMismatches(map[string]any{}, "us-east-2", testNet); len(d) != 7 {
		t.Errorf("empty stored settings: %v", d)
	}
}

const workspaceRole = "arn:aws:iam::111122223333:role/coiled-acme"
const stackRole = "arn:aws:iam::111122223333:role/CoilednetStack-CoiledRole-ABC"

func roleWorkspace(role string) map[string]any {
	return map[string]any{"backend": "vm",
		"options":  map[string]any{"provider_name": "aws", "account_role": role, "aws_region_name": "us-east-2"},
		"registry": map[string]any{"type": "ecr", "public_ecr": false, "region": "us-east-2"}}
}

func TestPlanAccess(t *testing.T) {
	t.Parallel()
	hasCreds := func(p *Plan) (opts, reg bool) {
		_, opts = p.BackendOptions["options"].(map[string]any)["credentials"]
		_, reg = p.BackendOptions["registry"].(map[string]any)["credentials"]
		return
	}
	t.Run("no keys keeps the workspace's role, silently", func(t *testing.T) {
		p, err := PlanAWSNetwork(roleWorkspace(workspaceRole), AWSNetworkUpdate{Region: "us-east-2", Network: testNet, SubnetZone: "us-east-2a"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Access != AccessRole || p.AccountRole != workspaceRole || !p.RoleKept {
			t.Errorf("access %q role %q kept %v", p.Access, p.AccountRole, p.RoleKept)
		}
		if got := p.BackendOptions["options"].(map[string]any)["account_role"]; got != workspaceRole {
			t.Errorf("account_role sent %v", got)
		}
		if o, r := hasCreds(p); o || r {
			t.Errorf("credentials sent with a role: options %v registry %v", o, r)
		}
		if len(p.Warnings) != 0 {
			t.Errorf("warnings %v", p.Warnings)
		}
		if got := p.BackendOptions["registry"].(map[string]any)["type"]; got != "ecr" {
			t.Errorf("registry type %v", got)
		}
	})
	t.Run("keys while the workspace uses a role are refused", func(t *testing.T) {
		_, err := PlanAWSNetwork(roleWorkspace(workspaceRole), AWSNetworkUpdate{Region: "us-east-2", Network: testNet, Credentials: testCreds})
		var ri *RoleInUseError
		if !errors.As(err, &ri) || ri.Role != workspaceRole {
			t.Fatalf("err %v, want RoleInUseError", err)
		}
		if strings.Contains(err.Error(), testCreds.SecretAccessKey) {
			t.Error("error shows the secret")
		}
	})
	t.Run("keys replace the role only when asked, with a warning", func(t *testing.T) {
		p, err := PlanAWSNetwork(roleWorkspace(workspaceRole), AWSNetworkUpdate{Region: "us-east-2", Network: testNet, Credentials: testCreds, ReplaceRole: true})
		if err != nil {
			t.Fatal(err)
		}
		if p.Access != AccessKeys || p.BackendOptions["options"].(map[string]any)["account_role"] != "" {
			t.Errorf("access %q", p.Access)
		}
		if o, r := hasCreds(p); !o || !r {
			t.Error("keys not sent")
		}
		if j := strings.Join(p.Warnings, "\n"); !strings.Contains(j, "used role "+workspaceRole+"; replaced by the access keys") {
			t.Errorf("warnings %v", p.Warnings)
		}
	})
	t.Run("a role of another provider is not a role to keep", func(t *testing.T) {
		cur := map[string]any{"backend": "vm", "options": map[string]any{"provider_name": "gcp", "account_role": "x"}}
		p, err := PlanAWSNetwork(cur, AWSNetworkUpdate{Region: "us-east-2", Network: testNet, Credentials: testCreds})
		if err != nil || p.Access != AccessKeys {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("the stack's role, no keys", func(t *testing.T) {
		p, err := PlanAWSNetwork(nil, AWSNetworkUpdate{Region: "us-east-2", Network: testNet, AccountRole: stackRole, SubnetZone: "us-east-2a"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Access != AccessRole || p.RoleKept || p.BackendOptions["options"].(map[string]any)["account_role"] != stackRole {
			t.Errorf("plan %+v", p)
		}
		if o, r := hasCreds(p); o || r {
			t.Error("credentials sent with a role")
		}
		if len(p.Warnings) != 0 {
			t.Errorf("warnings %v", p.Warnings)
		}
	})
	t.Run("the stack's role replaces another role with a warning", func(t *testing.T) {
		p, err := PlanAWSNetwork(roleWorkspace(workspaceRole), AWSNetworkUpdate{Region: "us-east-2", Network: testNet, AccountRole: stackRole})
		if err != nil {
			t.Fatal(err)
		}
		if j := strings.Join(p.Warnings, "\n"); !strings.Contains(j, "used role "+workspaceRole+"; replaced by the stack's role "+stackRole) {
			t.Errorf("warnings %v", p.Warnings)
		}
	})
	t.Run("role and keys together are refused", func(t *testing.T) {
		var rk *RoleAndKeysError
		if _, err := PlanAWSNetwork(nil, AWSNetworkUpdate{Region: "us-east-2", Network: testNet, AccountRole: stackRole, Credentials: testCreds}); !errors.As(err, &rk) {
			t.Errorf("err %v", err)
		}
	})
	t.Run("a malformed role ARN is refused", func(t *testing.T) {
		if _, err := PlanAWSNetwork(nil, AWSNetworkUpdate{Region: "us-east-2", Network: testNet, AccountRole: "arn:aws:iam::1:user/x"}); err == nil || !strings.Contains(err.Error(), "not an IAM role ARN") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("half a key pair names the missing variable", func(t *testing.T) {
		var mc *MissingCredentialsError
		_, err := PlanAWSNetwork(nil, AWSNetworkUpdate{Region: "us-east-2", Network: testNet, Credentials: AWSCredentials{AccessKeyID: "AKIA1"}})
		if !errors.As(err, &mc) || !reflect.DeepEqual(mc.Missing, []string{EnvAWSSecretAccessKey}) {
			t.Errorf("err %v", err)
		}
	})
	t.Run("python call has no equivalent for a role", func(t *testing.T) {
		p, _ := PlanAWSNetwork(roleWorkspace(workspaceRole), AWSNetworkUpdate{Region: "us-east-2", Network: testNet, SubnetZone: "us-east-2a"})
		got := PythonCall("acme", p.BackendOptions)
		if strings.Contains(got, "set_backend_options(") || !strings.Contains(got, "No equivalent") || !strings.Contains(got, workspaceRole) {
			t.Errorf("python call for a role: %s", got)
		}
	})
}

func TestOptionalAWSCredentialsFromEnv(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if c, set, err := OptionalAWSCredentialsFromEnv(env(nil)); set || err != nil || c != (AWSCredentials{}) {
		t.Errorf("none: %v %v %v", c, set, err)
	}
	if _, set, err := OptionalAWSCredentialsFromEnv(env(map[string]string{EnvAWSAccessKeyID: "AKIA1"})); set || err == nil || !strings.Contains(err.Error(), EnvAWSSecretAccessKey) {
		t.Errorf("half: %v %v", set, err)
	}
	if c, set, err := OptionalAWSCredentialsFromEnv(env(map[string]string{EnvAWSAccessKeyID: "AKIA1", EnvAWSSecretAccessKey: "s"})); !set || err != nil || c.SecretAccessKey != "s" {
		t.Errorf("both: %v %v %v", c, set, err)
	}
}

func TestAccountRoleMismatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		stored map[string]any
		sent   string
		want   string
	}{
		{roleWorkspace(workspaceRole), workspaceRole, ""},
		{roleWorkspace(""), workspaceRole, `options.account_role is "", sent "` + workspaceRole + `"`},
		{map[string]any{}, workspaceRole, "options.account_role is missing"},
		{map[string]any{}, "", ""},
		{roleWorkspace(workspaceRole), "", `options.account_role is "` + workspaceRole + `", sent ""`},
	} {
		if got := AccountRoleMismatch(tc.stored, tc.sent); (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("AccountRoleMismatch(%v, %q) = %q, want %q", tc.stored, tc.sent, got, tc.want)
		}
	}
}

func TestValidRoleARN(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		workspaceRole: true, stackRole: true, "arn:aws-us-gov:iam::111122223333:role/path/x": true,
		"arn:aws:iam::1:role/x": false, "arn:aws:iam::111122223333:user/x": false, "": false,
		"arn:aws:iam::111122223333:role/": false, "arn:aws:iam::111122223333:role/a b": false,
	} {
		if got := ValidRoleARN(s); got != want {
			t.Errorf("ValidRoleARN(%q) = %v", s, got)
		}
	}
}

// Gap 8: a true boolean is printed True, and every network line is there.
func TestPythonCallTrueAndNetwork(t *testing.T) {
	t.Parallel()
	n := testNet
	n.GiveWorkersPublicIP = true
	p, err := PlanAWSNetwork(nil, AWSNetworkUpdate{Region: "us-east-2", Network: n, Credentials: testCreds})
	if err != nil {
		t.Fatal(err)
	}
	got := PythonCall("acme", p.BackendOptions)
	want := "    network={\n" +
		`        "network_id": "` + n.NetworkID + "\",\n" +
		`        "scheduler_subnet_id": "` + n.SchedulerSubnetID + "\",\n" +
		`        "worker_subnet_id": "` + n.WorkerSubnetID + "\",\n" +
		`        "scheduler_firewall_id": "` + n.SchedulerFirewallID + "\",\n" +
		`        "firewall_id": "` + n.FirewallID + "\",\n" +
		`        "give_workers_public_ip": True,` + "\n    },\n"
	if !strings.Contains(got, want) {
		t.Errorf("python call lacks\n%s\nin\n%s", want, got)
	}
	if pyLiteral(true) != "True" || pyLiteral(false) != "False" || pyLiteral(nil) != "None" {
		t.Error("pyLiteral booleans")
	}
}

// Gap 10: each ID check of Network.Validate is needed.
func TestNetworkValidateEachID(t *testing.T) {
	t.Parallel()
	good := Network{NetworkID: "vpc-1", SchedulerSubnetID: "subnet-1", WorkerSubnetID: "subnet-2", SchedulerFirewallID: "sg-1", FirewallID: "sg-2"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key string
		set func(n *Network, v string)
	}{
		{"network_id", func(n *Network, v string) { n.NetworkID = v }},
		{"scheduler_subnet_id", func(n *Network, v string) { n.SchedulerSubnetID = v }},
		{"worker_subnet_id", func(n *Network, v string) { n.WorkerSubnetID = v }},
		{"scheduler_firewall_id", func(n *Network, v string) { n.SchedulerFirewallID = v }},
		{"firewall_id", func(n *Network, v string) { n.FirewallID = v }},
	} {
		for _, bad := range []string{"", "x-1", "arn:aws:ec2:us-east-2:123456789012:vpc/vpc-1", "vpc-", "subnet-", "sg-", "sg-1 2", "sg-1/2", "sg-1\t"} {
			n := good
			tc.set(&n, bad)
			err := n.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.key+" ") {
				t.Errorf("%s=%q: err = %v", tc.key, bad, err)
			}
		}
	}
}

func TestCredentialsZonesAndURLs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env     map[string]string
		missing string
	}{
		{map[string]string{}, EnvAWSAccessKeyID + "," + EnvAWSSecretAccessKey},
		{map[string]string{EnvAWSSecretAccessKey: "s"}, EnvAWSAccessKeyID},
		{map[string]string{EnvAWSAccessKeyID: "AKIA1"}, EnvAWSSecretAccessKey},
	} {
		_, err := AWSCredentialsFromEnv(func(k string) string { return tc.env[k] })
		var me *MissingCredentialsError
		if !errors.As(err, &me) || strings.Join(me.Missing, ",") != tc.missing {
			t.Errorf("%v: %v", tc.env, err)
		}
	}
	for zone, ok := range map[string]bool{"us-east-2a": true, "us-east-2z": true, "us-east-2{": false, "us-east-2`": false, "us-east-2": false, "us-east-2ab": false, "eu-west-1a": false} {
		if ZoneInRegion(zone, "us-east-2") != ok {
			t.Errorf("ZoneInRegion(%q) = %v", zone, !ok)
		}
	}
	if ZoneInRegion("a", "") {
		t.Error("a zone in no region")
	}
	if err := CheckServerURL("http://[::1"); err == nil || !strings.Contains(err.Error(), "invalid Coiled server URL") {
		t.Errorf("unparsable URL: %v", err)
	}
}

// What is carried over, exactly: unknown top-level keys and options the
// update does not own; never the owned ones.
func TestPlanCarriesExactly(t *testing.T) {
	t.Parallel()
	cur := map[string]any{
		"backend": "vm", "registry": map[string]any{"type": "ecr"}, "extra": map[string]any{"a": 1.0},
		"options": map[string]any{
			"aws_region_name": "us-east-1", "account_role": "", "credentials": map[string]any{}, "network": map[string]any{},
			"zone": nil, "provider_name": "aws", "type": "aws_cloudbridge_backend_options",
			"firewall_spec": nil, "spot": true,
		},
	}
	p, err := PlanAWSNetwork(cur, AWSNetworkUpdate{Region: "us-east-2", Network: testNet, Credentials: testCreds})
	if err != nil {
		t.Fatal(err)
	}
	carried := append([]string(nil), p.Carried...)
	sort.Strings(carried)
	if want := []string{"extra", "options.firewall_spec", "options.spot", "registry.type"}; !reflect.DeepEqual(carried, want) {
		t.Errorf("carried %q, want %q", carried, want)
	}
	opts := p.BackendOptions["options"].(map[string]any)
	if fs, ok := opts["firewall_spec"].(map[string]any); !ok || len(fs) != 0 {
		t.Errorf("firewall_spec %#v, want {}", opts["firewall_spec"])
	}
	if fw, ok := opts["firewall"].(map[string]any); !ok || len(fw) != 0 {
		t.Errorf("firewall %#v, want {}", opts["firewall"])
	}
	if p.BackendOptions["extra"] == nil || opts["spot"] != true || opts["aws_region_name"] != "us-east-2" {
		t.Errorf("payload %v", p.BackendOptions)
	}
	_, err = PlanAWSNetwork(nil, AWSNetworkUpdate{Region: "us-east-2", Network: testNet, Credentials: AWSCredentials{SecretAccessKey: "s"}})
	var me *MissingCredentialsError
	if !errors.As(err, &me) || strings.Join(me.Missing, ",") != EnvAWSAccessKeyID {
		t.Errorf("secret only: %v", err)
	}
	_, err = PlanAWSNetwork(nil, AWSNetworkUpdate{Region: "us-east-2", Network: testNet, Credentials: AWSCredentials{AccessKeyID: "AKIA1"}})
	if !errors.As(err, &me) || strings.Join(me.Missing, ",") != EnvAWSSecretAccessKey {
		t.Errorf("key ID only: %v", err)
	}
}

func TestPlanNetworkRegistryAndMasks(t *testing.T) {
	t.Parallel()
	// An old network with a key the contract does not know: dropped, said so.
	cur := map[string]any{
		"options": map[string]any{"provider_name": "aws", "firewall": nil,
			"network": map[string]any{"network_id": "vpc-old", "legacy_key": 1.0, "firewall_id": "sg-old"}},
		"registry": map[string]any{"type": "docker_hub", "account": "acme", "password": "pw", "credentials": map[string]any{}},
	}
	p, err := PlanAWSNetwork(cur, AWSNetworkUpdate{Region: "us-east-2", Network: testNet, Credentials: testCreds})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(p.Warnings, "\n")
	if !strings.Contains(joined, "network: dropping legacy_key from") || strings.Contains(joined, "dropping firewall_id") ||
		!strings.Contains(joined, "registry: keeping the workspace's docker_hub registry settings") {
		t.Errorf("warnings:\n%s", joined)
	}
	if want := []string{"options.firewall", "registry.account", "registry.type"}; !reflect.DeepEqual(p.Carried, want) {
		t.Errorf("carried %q, want %q", p.Carried, want)
	}
	opts := p.BackendOptions["options"].(map[string]any)
	if fw, ok := opts["firewall"].(map[string]any); !ok || len(fw) != 0 {
		t.Errorf("firewall %#v", opts["firewall"])
	}
	reg := p.BackendOptions["registry"].(map[string]any)
	if _, has := reg["password"]; has || reg["account"] != "acme" || reg["type"] != "docker_hub" {
		t.Errorf("registry %v", reg)
	}
	// An ECR registry: its own keys carried, the rest set.
	cur = map[string]any{"registry": map[string]any{"type": "ecr", "region": "us-east-1", "namespace": "team", "credentials": map[string]any{"x": "y"}}}
	p, err = PlanAWSNetwork(cur, AWSNetworkUpdate{Region: "us-east-2", Network: testNet, Credentials: testCreds})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"registry.namespace", "registry.type"}; !reflect.DeepEqual(p.Carried, want) {
		t.Errorf("carried %q, want %q", p.Carried, want)
	}
	for id, want := range map[string]string{"": "", "ABCD": "****", "ABCDE": "*BCDE", "AKIAIOSFODNN7EXAMPLE": "****************MPLE"} {
		if got := MaskKeyID(id); got != want {
			t.Errorf("MaskKeyID(%q) = %q, want %q", id, got, want)
		}
	}
	if !contains([]string{"a", "b"}, "b") || contains([]string{"a"}, "b") {
		t.Error("contains")
	}
	for s, ok := range map[string]bool{"a": false, "ab": true, strings.Repeat("x", 1224): true, strings.Repeat("x", 1225): false} {
		if ValidExternalID(s) != ok {
			t.Errorf("ValidExternalID(len %d) = %v", len(s), !ok)
		}
	}
}

func TestPythonCallFirewallSpec(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		spec    map[string]any
		ingress bool
		lost    string
	}{
		{map[string]any{"ingress": []any{}}, false, ""},
		{map[string]any{"ingress": []any{map[string]any{"ports": []any{443.0}, "cidr": "10.0.0.0/8"}}, "egress": []any{}}, true, "egress"},
		{map[string]any{}, false, ""},
	} {
		p, err := PlanAWSNetwork(map[string]any{"options": map[string]any{"firewall_spec": tc.spec}}, AWSNetworkUpdate{Region: "us-east-2", Network: testNet, Credentials: testCreds})
		if err != nil {
			t.Fatal(err)
		}
		got := PythonCall("acme", p.BackendOptions)
		if strings.Contains(got, "ingress=") != tc.ingress {
			t.Errorf("%v: ingress line present = %v:\n%s", tc.spec, !tc.ingress, got)
		}
		if (tc.lost != "") != strings.Contains(got, "cannot be passed") || (tc.lost != "" && !strings.Contains(got, "firewall_spec."+tc.lost)) {
			t.Errorf("%v: lost keys:\n%s", tc.spec, got)
		}
	}
}
