package hook

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coilednet/coilednet/coiled/coiledtest"
)

func TestHappyPathPayloadFieldByField(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		outputs    map[string]string
		vpc        string
		worker     string
		public     bool
		summaryPub string
	}{
		{"public topology", publicOutputs(), "vpc-0pub1234", "subnet-0a1", true, "worker public IPs  yes"},
		{"private topology", privateOutputs(), "vpc-0priv5678", "subnet-0a2", false, "worker public IPs  no"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, coiledtest.Options{})
			res := h.run(h.outputsFlag(tc.outputs)...)
			expect(t, res, ExitOK,
				"workspace acme", "Validating AWS credentials", "Checking network settings",
				"Done: Coiled workspace acme", tc.vpc, tc.summaryPub, "zone               us-east-2a")
			for _, hidden := range []string{coiledtest.IgnoredFrameMessage, "CONFIGURING_BACKEND", "FINISHED"} {
				if strings.Contains(res.stdout, hidden) {
					t.Errorf("stdout shows %q, which the client must not show:\n%s", hidden, res.stdout)
				}
			}
			up := onlyUpdate(t, h.srv)
			if up.Workspace != "acme" {
				t.Errorf("update sent to workspace %q", up.Workspace)
			}
			if up.ClientCloseCode != 1000 {
				t.Errorf("client closed with %d after FINISHED, want 1000", up.ClientCloseCode)
			}
			// The frame is exactly {"type", "logging_context", "data"}.
			var frame map[string]json.RawMessage
			if err := json.Unmarshal(up.Raw, &frame); err != nil {
				t.Fatal(err)
			}
			if len(frame) != 3 || string(frame["type"]) != `"update_options"` || string(frame["logging_context"]) != `{}` {
				t.Errorf("frame = %s", up.Raw)
			}
			d := up.Data
			checks := map[string]any{
				"backend":                                    "vm",
				"options.aws_region_name":                    "us-east-2",
				"options.account_role":                       "",
				"options.credentials.aws_access_key":         awsKeyID,
				"options.credentials.aws_secret_key":         awsSecret,
				"options.network.network_id":                 tc.vpc,
				"options.network.scheduler_subnet_id":        "subnet-0a1",
				"options.network.worker_subnet_id":           tc.worker,
				"options.network.scheduler_firewall_id":      "sg-0sched",
				"options.network.firewall_id":                "sg-0cluster",
				"options.network.give_workers_public_ip":     tc.public, // a JSON boolean
				"options.zone":                               "us-east-2a",
				"options.provider_name":                      "aws",
				"options.type":                               "aws_cloudbridge_backend_options",
				"registry.type":                              "ecr",
				"registry.public_ecr":                        false,
				"registry.region":                            "us-east-2",
				"registry.credentials.aws_access_key_id":     awsKeyID,
				"registry.credentials.aws_secret_access_key": awsSecret,
			}
			for path, want := range checks {
				if got := dig(d, strings.Split(path, ".")...); !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", path, got, want)
				}
			}
			for _, path := range []string{"options.firewall", "options.firewall_spec"} {
				if got := dig(d, strings.Split(path, ".")...); !reflect.DeepEqual(got, map[string]any{}) {
					t.Errorf("%s = %#v, want {}", path, got)
				}
			}
			if n := len(dig(d, "options", "network").(map[string]any)); n != 6 {
				t.Errorf("network has %d keys, want 6", n)
			}
			// The workspace now holds the network, without credentials.
			stored := h.srv.BackendOptions("acme")
			if got := dig(stored, "options", "network", "network_id"); got != tc.vpc {
				t.Errorf("stored network_id = %v", got)
			}
			if dig(stored, "options", "credentials") != nil {
				t.Error("fake stored credentials")
			}
		})
	}
}

func TestAuthorizationHeaderForms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ token, want string }{
		{tokenDash, "ApiToken " + tokenDash},
		{tokenNoDash, "Token " + tokenNoDash},
	} {
		t.Run(tc.want[:strings.IndexByte(tc.want, ' ')], func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, coiledtest.Options{Token: tc.token})
			expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitOK)
			reqs := h.srv.Requests()
			if len(reqs) < 4 {
				t.Fatalf("only %d requests", len(reqs))
			}
			for _, r := range reqs {
				if r.Authorization != tc.want {
					t.Errorf("%s %s sent Authorization %q…", r.Method, r.Path, r.Authorization[:min(len(r.Authorization), 9)])
				}
			}
			if up := onlyUpdate(t, h.srv); up.Authorization != tc.want {
				t.Error("websocket handshake used another Authorization header")
			}
		})
	}
}

func TestSettingsCarriedOver(t *testing.T) {
	t.Parallel()
	ingress := []any{
		map[string]any{"ports": []any{443.0}, "cidr": "10.0.0.0/8"},
		map[string]any{"ports": []any{8786.0, 8787.0}, "cidr": "192.168.0.0/16"},
	}
	current := func(zone any, registry map[string]any) map[string]any {
		return map[string]any{
			"backend": "vm",
			"options": map[string]any{
				"aws_region_name": "us-east-2",
				"account_role":    "",
				"firewall":        map[string]any{},
				"firewall_spec":   map[string]any{"ingress": ingress},
				"network":         map[string]any{"network_id": "vpc-0old", "scheduler_subnet_id": "subnet-0old", "worker_subnet_id": "subnet-0old", "scheduler_firewall_id": "sg-0old", "firewall_id": "sg-0old", "give_workers_public_ip": true},
				"zone":            zone,
				"provider_name":   "aws",
				"type":            "aws_cloudbridge_backend_options",
				"custom_setting":  "keep me",
			},
			"registry":  registry,
			"top_extra": map[string]any{"x": 1.0},
		}
	}
	ecr := map[string]any{"type": "ecr", "namespace": "team-images", "public_ecr": true, "region": "us-east-2"}
	cases := []struct {
		name     string
		current  map[string]any
		outputs  map[string]string
		zone     any
		warnings []string
		args     []string // extra flags
		noAWS    bool     // the EC2 factory fails (no AWS credentials)
	}{
		{"zone of the subnets replaces another zone", current("us-east-2c", ecr), publicOutputs(), "us-east-2a",
			[]string{"had zone us-east-2c; replaced by us-east-2a"}, nil, false},
		{"same zone kept silently", current("us-east-2a", ecr), publicOutputs(), "us-east-2a", nil, nil, false},
		// Without ZoneN outputs the zone comes from EC2 (the fake puts the
		// subnets in us-east-2a), never from the workspace's stored zone.
		{name: "no ZoneN: the subnets' AZ from EC2 replaces a stored zone", current: current("us-east-2c", ecr), outputs: withoutZones(publicOutputs()), zone: "us-east-2a",
			warnings: []string{"had zone us-east-2c; replaced by us-east-2a"}},
		{name: "no ZoneN, --no-check: the AZ still comes from EC2", current: current("us-west-1a", ecr), outputs: withoutZones(publicOutputs()), zone: "us-east-2a",
			warnings: []string{"--no-check", "had zone us-west-1a; replaced by us-east-2a"}, args: []string{"--no-check"}},
		{name: "no ZoneN, --no-check, no AWS access: null, the stored zone is not kept", current: current("us-east-2c", ecr), outputs: withoutZones(publicOutputs()), zone: nil,
			warnings: []string{"cannot be read from EC2: no credentials", "zone us-east-2c is not kept", "sending no zone (null)"}, args: []string{"--no-check"}, noAWS: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme", Default: true, BackendOptions: tc.current}}})
			if tc.noAWS {
				h.ec2Err = errors.New("no credentials")
			}
			res := h.run(append(h.outputsFlag(tc.outputs), tc.args...)...)
			expect(t, res, ExitOK, tc.warnings...)
			if tc.warnings == nil && strings.Contains(res.stderr, "warning") {
				t.Errorf("unexpected warning:\n%s", res.stderr)
			}
			d := onlyUpdate(t, h.srv).Data
			if got := dig(d, "options", "firewall_spec", "ingress"); !reflect.DeepEqual(got, ingress) {
				t.Errorf("ingress = %#v, want %#v", got, ingress)
			}
			if got := dig(d, "options", "zone"); !reflect.DeepEqual(got, tc.zone) {
				t.Errorf("zone = %#v, want %#v", got, tc.zone)
			}
			for path, want := range map[string]any{
				"options.custom_setting":     "keep me",
				"registry.type":              "ecr",
				"registry.namespace":         "team-images",
				"registry.public_ecr":        true,
				"top_extra.x":                1.0,
				"options.network.network_id": "vpc-0pub1234",
			} {
				if got := dig(d, strings.Split(path, ".")...); !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", path, got, want)
				}
			}
		})
	}

	t.Run("docker hub registry kept without credentials", func(t *testing.T) {
		t.Parallel()
		hub := map[string]any{"type": "docker_hub", "account": "acme-images", "uri": "docker.io", "username": "acmebot"}
		h := newHarness(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme", Default: true, BackendOptions: current(nil, hub)}}})
		res := h.run(h.outputsFlag(publicOutputs())...)
		expect(t, res, ExitOK, "keeping the workspace's docker_hub registry settings")
		d := onlyUpdate(t, h.srv).Data
		if got := dig(d, "registry"); !reflect.DeepEqual(got, hub) {
			t.Errorf("registry = %#v, want %#v", got, hub)
		}
	})
}

func TestWorkspaceResolution(t *testing.T) {
	t.Parallel()
	two := []coiledtest.Workspace{{Slug: "acme"}, {Slug: "beta"}}
	cases := []struct {
		name       string
		workspaces []coiledtest.Workspace
		username   string
		env        map[string]string
		config     string
		args       []string
		want       string
		wantReason string
	}{
		{name: "flag", workspaces: two, args: []string{"--workspace", "beta"}, env: map[string]string{"DASK_COILED__WORKSPACE": "acme"}, want: "beta", wantReason: "from --workspace"},
		{name: "env", workspaces: two, env: map[string]string{"DASK_COILED__WORKSPACE": "beta"}, config: "coiled:\n  workspace: acme\n", want: "beta", wantReason: "from DASK_COILED__WORKSPACE"},
		{name: "config workspace", workspaces: two, config: "coiled:\n  workspace: beta\n", want: "beta", wantReason: "coiled.workspace in the dask config"},
		{name: "config account (older configs)", workspaces: two, config: "coiled:\n  account: beta\n", want: "beta", wantReason: "coiled.account in the dask config"},
		{name: "default membership", workspaces: []coiledtest.Workspace{{Slug: "acme"}, {Slug: "beta", Default: true}}, want: "beta", wantReason: "the default workspace"},
		{name: "sole membership", workspaces: []coiledtest.Workspace{{Slug: "beta"}}, want: "beta", wantReason: "the only workspace"},
		{name: "username slug", workspaces: []coiledtest.Workspace{{Slug: "acme"}, {Slug: "bob"}}, username: "bob", want: "bob", wantReason: "named after user bob"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, coiledtest.Options{Workspaces: tc.workspaces, Username: tc.username})
			for k, v := range tc.env {
				h.env[k] = v
			}
			if tc.config != "" {
				h.writeFile("dask/coiled.yaml", []byte(tc.config))
			}
			res := h.run(append(h.outputsFlag(publicOutputs()), tc.args...)...)
			expect(t, res, ExitOK, "workspace "+tc.want+" (", tc.wantReason)
			if up := onlyUpdate(t, h.srv); up.Workspace != tc.want {
				t.Errorf("update went to %q, want %q", up.Workspace, tc.want)
			}
		})
	}

	t.Run("none -> error listing the workspaces", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{Workspaces: two})
		res := h.run(h.outputsFlag(publicOutputs())...)
		expect(t, res, ExitUsage, "cannot choose a Coiled workspace", "acme, beta", "--workspace")
		if h.srv.WebsocketConnections() != 0 {
			t.Error("something was sent")
		}
	})
	t.Run("no membership at all", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{}})
		expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitUsage, "not a member of any workspace")
	})
	t.Run("server and token from the config file only", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{Token: tokenNoDash})
		delete(h.env, "DASK_COILED__SERVER")
		delete(h.env, "DASK_COILED__TOKEN")
		h.writeFile("dask/a.yaml", []byte("coiled:\n  server: http://example.invalid\n  token: wrong\n"))
		h.writeFile("dask/coiled.yml", []byte("coiled:\n  server: "+h.srv.URL()+"/\n  token: "+tokenNoDash+"\n"))
		h.writeFile("dask/ignored.txt", []byte("coiled: [not, yaml, config"))
		expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitOK, "workspace acme")
	})
	t.Run("config in ~/.config/dask when DASK_CONFIG is unset", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		delete(h.env, "DASK_CONFIG")
		delete(h.env, "DASK_COILED__TOKEN")
		if err := os.MkdirAll(h.dir+"/.config/dask", 0o755); err != nil {
			t.Fatal(err)
		}
		h.writeFile(".config/dask/coiled.yaml", []byte("coiled:\n  token: "+tokenDash+"\n"))
		expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitOK)
	})
}

func TestDryRunSendsNothing(t *testing.T) {
	t.Parallel()
	initial := coiledtest.DefaultBackendOptions()
	h := newHarness(t, coiledtest.Options{})
	res := h.run(append(h.outputsFlag(privateOutputs()), "--dry-run")...)
	expect(t, res, ExitOK,
		"Dry run: nothing was sent to Coiled",
		`"give_workers_public_ip": false`,
		`"worker_subnet_id": "subnet-0a2"`,
		`"aws_secret_key": "<redacted>"`,
		`"aws_secret_access_key": "<redacted>"`,
		`"aws_access_key": "****************MPLE"`,
		"coiled.set_backend_options(",
		`workspace="acme"`,
		`aws_region="us-east-2"`,
		`aws_access_key_id=os.environ["COILED_AWS_ACCESS_KEY_ID"]`,
		`aws_secret_access_key=os.environ["COILED_AWS_SECRET_ACCESS_KEY"]`,
		`"give_workers_public_ip": False`,
		`zone="us-east-2a"`,
	)
	if strings.Contains(res.all(), awsKeyID) {
		t.Error("dry run printed the full access key ID")
	}
	if n := h.srv.WebsocketConnections(); n != 0 {
		t.Errorf("dry run opened %d websocket connections", n)
	}
	if len(h.srv.Updates()) != 0 {
		t.Error("dry run sent an update")
	}
	if got := h.srv.BackendOptions("acme"); !reflect.DeepEqual(got, normalizeJSON(t, initial)) {
		t.Errorf("dry run changed the workspace: %v", got)
	}
	// Steps 1-3 did happen.
	var routes []string
	for _, r := range h.srv.Requests() {
		routes = append(routes, string(r.Route))
	}
	if got := strings.Join(routes, ","); got != "me,memberships,backend_options" {
		t.Errorf("dry run requests: %s", got)
	}
}

func TestSecondRunLeavesWorkspaceUnchanged(t *testing.T) {
	t.Parallel()
	bo := coiledtest.DefaultBackendOptions()
	dig(bo, "options").(map[string]any)["firewall_spec"] = map[string]any{"ingress": []any{map[string]any{"ports": []any{443}, "cidr": "0.0.0.0/0"}}}
	h := newHarness(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme", Default: true, BackendOptions: bo}}})
	args := h.outputsFlag(privateOutputs())
	expect(t, h.run(args...), ExitOK)
	first := h.srv.BackendOptions("acme")
	res := h.run(args...)
	expect(t, res, ExitOK)
	if strings.Contains(res.stderr, "warning") {
		t.Errorf("second run warned:\n%s", res.stderr)
	}
	if second := h.srv.BackendOptions("acme"); !reflect.DeepEqual(first, second) {
		t.Errorf("second run changed the stored options:\nfirst:  %v\nsecond: %v", first, second)
	}
	ups := h.srv.Updates()
	if len(ups) != 2 || !reflect.DeepEqual(ups[0].Data, ups[1].Data) {
		t.Errorf("the two runs sent different payloads")
	}
}

func TestZoneSelection(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, zone           string
		outputs              map[string]string
		scheduler, worker, z string
	}{
		{"by name", "us-east-2b", privateOutputs(), "subnet-0b1", "subnet-0b2", "us-east-2b"},
		{"by index", "1", privateOutputs(), "subnet-0b1", "subnet-0b2", "us-east-2b"},
		{"index 0 is the default pair", "0", publicOutputs(), "subnet-0a1", "subnet-0a1", "us-east-2a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, coiledtest.Options{})
			res := h.run(append(h.outputsFlag(tc.outputs), "--zone", tc.zone)...)
			expect(t, res, ExitOK, "zone "+tc.z)
			d := onlyUpdate(t, h.srv).Data
			if got := dig(d, "options", "network", "scheduler_subnet_id"); got != tc.scheduler {
				t.Errorf("scheduler subnet %v, want %s", got, tc.scheduler)
			}
			if got := dig(d, "options", "network", "worker_subnet_id"); got != tc.worker {
				t.Errorf("worker subnet %v, want %s", got, tc.worker)
			}
			if got := dig(d, "options", "zone"); got != tc.z {
				t.Errorf("zone %v, want %s", got, tc.z)
			}
		})
	}
	for _, tc := range []struct {
		name, zone string
		outputs    map[string]string
		want       []string
	}{
		{"unknown name", "us-east-2z", privateOutputs(), []string{`zone "us-east-2z" not found`, "0=us-east-2a, 1=us-east-2b"}},
		{"index out of range", "2", privateOutputs(), []string{`zone "2" not found`, "0=us-east-2a, 1=us-east-2b"}},
		{"stack without ZoneN outputs", "0", withoutZones(privateOutputs()), []string{"no ZoneN outputs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, coiledtest.Options{})
			expect(t, h.run(append(h.outputsFlag(tc.outputs), "--zone", tc.zone)...), ExitUsage, tc.want...)
			if len(h.srv.Requests()) != 0 {
				t.Error("requests were sent despite bad --zone")
			}
		})
	}
}

func TestOutputsFileParsing(t *testing.T) {
	t.Parallel()
	other := publicOutputs()
	other["NetworkId"] = "vpc-0other"
	badPrefix := publicOutputs()
	badPrefix["FirewallId"] = "arn:aws:ec2:us-east-2:123456789012:security-group/sg-0cluster"
	missing := publicOutputs()
	delete(missing, "SchedulerFirewallId")
	delete(missing, "Region")
	badBool := publicOutputs()
	badBool["GiveWorkersPublicIp"] = "yes"

	cases := []struct {
		name string
		file []byte
		args []string
		code int
		want []string
		vpc  string
	}{
		{name: "one stack", file: stacksJSON(t, map[string]map[string]string{"Net": publicOutputs()}), code: ExitOK, vpc: "vpc-0pub1234"},
		{name: "several stacks without --stack", file: stacksJSON(t, map[string]map[string]string{"NetA": publicOutputs(), "NetB": other}), code: ExitUsage, want: []string{"several stacks (NetA, NetB)", "--stack"}},
		{name: "several stacks with --stack", file: stacksJSON(t, map[string]map[string]string{"NetA": publicOutputs(), "NetB": other}), args: []string{"--stack", "NetB"}, code: ExitOK, vpc: "vpc-0other"},
		{name: "--stack not in the file", file: stacksJSON(t, map[string]map[string]string{"NetA": publicOutputs()}), args: []string{"--stack", "Nope"}, code: ExitUsage, want: []string{`stack "Nope" is not in`, "stacks found: NetA"}},
		{name: "missing keys", file: stacksJSON(t, map[string]map[string]string{"Net": missing}), code: ExitUsage, want: []string{"missing output(s) SchedulerFirewallId, Region"}},
		{name: "ARN instead of a bare ID", file: stacksJSON(t, map[string]map[string]string{"Net": badPrefix}), code: ExitUsage, want: []string{"FirewallId", "is an ARN"}},
		{name: "bad boolean", file: stacksJSON(t, map[string]map[string]string{"Net": badBool}), code: ExitUsage, want: []string{`GiveWorkersPublicIp: "yes" must be exactly true or false`}},
		{name: "bad JSON", file: []byte(`{"Net": {"NetworkId": "vpc-1",}`), code: ExitUsage, want: []string{"is not a cdk outputs file"}},
		{name: "empty file", file: []byte(``), code: ExitUsage, want: []string{"is not a cdk outputs file"}},
		{name: "no stacks", file: []byte(`{}`), code: ExitUsage, want: []string{"holds no stacks"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, coiledtest.Options{})
			path := h.writeFile("out.json", tc.file)
			res := h.run(append([]string{"--outputs-file", path}, tc.args...)...)
			expect(t, res, tc.code, tc.want...)
			if tc.code != ExitOK {
				if n := len(h.srv.Requests()); n != 0 {
					t.Errorf("%d requests sent despite bad outputs", n)
				}
				return
			}
			if got := dig(onlyUpdate(t, h.srv).Data, "options", "network", "network_id"); got != tc.vpc {
				t.Errorf("sent network %v, want %s", got, tc.vpc)
			}
		})
	}
	t.Run("file does not exist", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		expect(t, h.run("--outputs-file", h.dir+"/nope.json"), ExitUsage, "does not exist", "cdk deploy --outputs-file")
	})
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no source of outputs", nil, ExitUsage, "--outputs-file FILE"},
		{"unknown flag", []string{"--outputs-file", "x", "--bogus"}, ExitUsage, "unknown flag --bogus (coiled-hook -h lists every flag)"},
		{"typo of a flag", []string{"--outputs-fil", "x"}, ExitUsage, "unknown flag --outputs-fil; did you mean --outputs-file?"},
		{"typo of a boolean flag", []string{"--outputs-file", "x", "--dryrun"}, ExitUsage, "did you mean --dry-run?"},
		{"single dash and case", []string{"-Zone", "1"}, ExitUsage, "did you mean --zone?"},
		{"positional argument", []string{"--outputs-file", "x", "extra"}, ExitUsage, `unexpected argument "extra"`},
		{"bad timeout", []string{"--outputs-file", "x", "--timeout", "0s"}, ExitUsage, "--timeout must be positive"},
		{"dry run of the role setup", []string{"--start-role-setup", "--dry-run"}, ExitUsage, "--dry-run does not apply to --start-role-setup"},
		{"help", []string{"-h"}, ExitOK, "Usage: coiled-hook"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, coiledtest.Options{})
			res := h.run(tc.args...)
			expect(t, res, tc.code, tc.want)
			// A usage error is one line, not the whole usage (issue 19).
			if lines := strings.Count(res.all(), "\n"); tc.code == ExitUsage && lines > 2 {
				t.Errorf("%d lines for a usage error:\n%s", lines, res.all())
			}
			if len(h.srv.Requests()) != 0 {
				t.Error("requests sent")
			}
		})
	}
}

func TestLocalInputErrorsSendNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		edit  func(h *harness)
		wants []string
	}{
		{"missing AWS secret", func(h *harness) { delete(h.env, "COILED_AWS_SECRET_ACCESS_KEY") },
			[]string{"COILED_AWS_SECRET_ACCESS_KEY not set", "IAM identity Coiled will act as", "not the credentials you deploy with"}},
		{"missing the AWS key ID", func(h *harness) { delete(h.env, "COILED_AWS_ACCESS_KEY_ID") },
			[]string{"COILED_AWS_ACCESS_KEY_ID not set"}},
		{"missing token", func(h *harness) { delete(h.env, "DASK_COILED__TOKEN") }, []string{"no Coiled API token", "coiled login"}},
		{"http to a remote host", func(h *harness) { h.env["DASK_COILED__SERVER"] = "http://coiled.example.com" },
			[]string{"refusing to send the Coiled token in clear text to http://coiled.example.com"}},
		{"server without a scheme becomes http", func(h *harness) { h.env["DASK_COILED__SERVER"] = "coiled.example.com/" },
			[]string{"clear text to http://coiled.example.com"}},
		{"ws to a remote host", func(h *harness) { h.env["DASK_COILED__SERVER"] = "ws://10.1.2.3:8000" },
			[]string{"clear text"}},
		{"malformed dask config", func(h *harness) { h.writeFile("dask/broken.yaml", []byte("coiled: [unclosed\n")) },
			[]string{"dask config", "broken.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, coiledtest.Options{})
			tc.edit(h)
			expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitUsage, tc.wants...)
			if n := len(h.srv.Requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

func TestCoiledFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		setup  func(h *harness)
		args   []string
		code   int
		wants  []string
		stored bool // whether the workspace must hold the new network afterwards
	}{
		{name: "wrong token (401)", setup: func(h *harness) { h.env["DASK_COILED__TOKEN"] = tokenNoDash },
			code: ExitFailed, wants: []string{"token rejected by Coiled", "HTTP 401", "coiled login", "DASK_COILED__TOKEN"}},
		{name: "token forbidden (403)", setup: func(h *harness) { h.srv.RejectToken(403) },
			code: ExitFailed, wants: []string{"token rejected by Coiled", "HTTP 403"}},
		{name: "websocket close 4403", setup: func(h *harness) { h.srv.SetWebsocketFault(coiledtest.WSFault{Kind: coiledtest.WSUnauthorized}) },
			code: ExitFailed, wants: []string{"token rejected by Coiled", "4403", "edit workspace acme"}},
		{name: "unknown workspace (404)", args: []string{"--workspace", "nope"},
			code: ExitFailed, wants: []string{`workspace "nope" not found`, "acme, beta", "--workspace"}},
		{name: "is_error frame", setup: func(h *harness) {
			h.srv.SetWebsocketFault(coiledtest.WSFault{Kind: coiledtest.WSErrorFrame, Message: "The AWS credentials are not valid"})
		}, code: ExitFailed, wants: []string{"Coiled refused the settings for workspace acme: The AWS credentials are not valid"}},
		{name: "raise frame", setup: func(h *harness) {
			h.srv.SetWebsocketFault(coiledtest.WSFault{Kind: coiledtest.WSRaiseFrame, Message: "subnet-0a1 is not in vpc-0pub1234"})
		}, code: ExitFailed, wants: []string{"subnet-0a1 is not in vpc-0pub1234"}},
		{name: "error frame echoing secrets is redacted", setup: func(h *harness) {
			h.srv.SetWebsocketFault(coiledtest.WSFault{Kind: coiledtest.WSErrorFrame, Message: "bad key " + awsSecret + " with token " + tokenDash})
		}, code: ExitFailed, wants: []string{"bad key **** with token ****"}},
		{name: "closed 1011 without FINISHED", setup: func(h *harness) { h.srv.SetWebsocketFault(coiledtest.WSFault{Kind: coiledtest.WSClose}) },
			code: ExitFailed, wants: []string{"ended before Coiled confirmed", "code 1011"}},
		{name: "closed normally without FINISHED", setup: func(h *harness) {
			h.srv.SetWebsocketFault(coiledtest.WSFault{Kind: coiledtest.WSClose, CloseCode: 1000})
		}, code: ExitFailed, wants: []string{"ended before Coiled confirmed", "code 1000"}},
		{name: "connection dropped", setup: func(h *harness) { h.srv.SetWebsocketFault(coiledtest.WSFault{Kind: coiledtest.WSDrop}) },
			code: ExitFailed, wants: []string{"ended before Coiled confirmed", "broke"}},
		{name: "no FINISHED within --timeout", setup: func(h *harness) { h.srv.SetWebsocketFault(coiledtest.WSFault{Kind: coiledtest.WSHang}) },
			args: []string{"--timeout", "400ms"}, code: ExitFailed, wants: []string{"timed out after 400ms (--timeout) while waiting for Coiled to apply"}},
		{name: "HTTP hang within --timeout", setup: func(h *harness) { h.srv.FailNext(coiledtest.RouteMe, 1, coiledtest.FailHang) },
			args: []string{"--timeout", "300ms"}, code: ExitFailed, wants: []string{"timed out after 300ms (--timeout) while checking the Coiled token"}},
		{name: "read-back does not show the network", setup: func(h *harness) { h.srv.SetWebsocketFault(coiledtest.WSFault{Kind: coiledtest.WSNotStored}) },
			code: ExitFailed, wants: []string{"Coiled said FINISHED, but", "options.network.network_id is missing, sent vpc-0pub1234"}},
		{name: "persistent 5xx", setup: func(h *harness) { h.srv.FailNext(coiledtest.RouteMe, 10, coiledtest.Fail500) },
			code: ExitFailed, wants: []string{"HTTP 500", "injected server error"}},
		{name: "transient 5xx then success", setup: func(h *harness) { h.srv.FailNext(coiledtest.RouteMe, 2, coiledtest.Fail500) },
			code: ExitOK, stored: true},
		{name: "409 retry then success", setup: func(h *harness) { h.srv.FailNext(coiledtest.RouteBackendOptions, 1, coiledtest.Fail409Retry) },
			code: ExitOK, stored: true},
		{name: "connection reset then success", setup: func(h *harness) { h.srv.FailNext(coiledtest.RouteMemberships, 1, coiledtest.FailReset) },
			code: ExitOK, stored: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme", Default: true}, {Slug: "beta"}}})
			if tc.setup != nil {
				tc.setup(h)
			}
			res := h.run(append(h.outputsFlag(publicOutputs()), tc.args...)...)
			expect(t, res, tc.code, tc.wants...)
			got := dig(h.srv.BackendOptions("acme"), "options", "network", "network_id")
			if tc.stored != (got == "vpc-0pub1234") {
				t.Errorf("stored network_id = %v; want stored=%v", got, tc.stored)
			}
		})
	}
}

func TestRetryBackoff(t *testing.T) {
	t.Parallel()
	t.Run("5xx backs off 1s then 2s", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		h.srv.FailNext(coiledtest.RouteMe, 2, coiledtest.Fail500)
		expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitOK)
		if got, want := h.sleepLog(), []time.Duration{time.Second, 2 * time.Second}; !reflect.DeepEqual(got, want) {
			t.Errorf("sleeps %v, want %v", got, want)
		}
	})
	t.Run("409 retry waits 3s", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		h.srv.FailNext(coiledtest.RouteBackendOptions, 1, coiledtest.Fail409Retry)
		expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitOK)
		if got, want := h.sleepLog(), []time.Duration{3 * time.Second}; !reflect.DeepEqual(got, want) {
			t.Errorf("sleeps %v, want %v", got, want)
		}
	})
	t.Run("connection reset is retried", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		h.srv.FailNext(coiledtest.RouteMe, 1, coiledtest.FailReset)
		expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitOK)
		if got, want := h.sleepLog(), []time.Duration{time.Second}; !reflect.DeepEqual(got, want) {
			t.Errorf("sleeps %v, want %v", got, want)
		}
	})
	t.Run("gives up after Attempts attempts", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		h.srv.FailNext(coiledtest.RouteMe, Attempts+5, coiledtest.Fail500)
		expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitFailed)
		if n := len(h.srv.Requests()); n != Attempts {
			t.Errorf("%d attempts, want %d", n, Attempts)
		}
	})
	t.Run("connection refused is retried, then reported", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		h.env["DASK_COILED__SERVER"] = "http://" + addr
		expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitFailed, "cannot reach Coiled at http://"+addr, "connection refused")
		if n := len(h.sleepLog()); n != Attempts-1 {
			t.Errorf("%d retries, want %d", n, Attempts-1)
		}
	})
	t.Run("401 is not retried", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		h.srv.RejectToken(401)
		expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitFailed, "token rejected")
		if n := len(h.sleepLog()); n != 0 {
			t.Errorf("%d retries of a 401", n)
		}
	})
}

func TestVerboseNeverLeaksSecrets(t *testing.T) {
	t.Parallel()
	h := newHarness(t, coiledtest.Options{})
	h.writeFile("dask/coiled.yaml", []byte("coiled:\n  token: "+tokenDash+"\n"))
	res := h.run(append(h.outputsFlag(publicOutputs()), "--verbose")...)
	expect(t, res, ExitOK, "GET "+h.srv.URL()+"/api/v2/user/me -> 200", "Coiled token from DASK_COILED__TOKEN", "sent update_options")
	if strings.Contains(res.all(), awsKeyID) {
		t.Error("verbose output shows the full access key ID")
	}
}

func stacksJSON(t *testing.T, stacks map[string]map[string]string) []byte {
	t.Helper()
	b, err := json.Marshal(stacks)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func normalizeJSON(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
