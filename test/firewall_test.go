package test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/internal/variants"
	"github.com/coilednet/coilednet/outputkeys"
	"github.com/coilednet/coilednet/stacks"
)

// TestNatInstanceDetailedMonitoring: NAT instances pass AWS Control Tower's
// proactive control CT.EC2.PR.13 (detailed monitoring on), and cdk-nag's
// matching rule is satisfied rather than suppressed.
func TestNatInstanceDetailedMonitoring(t *testing.T) {
	s := synth(t, "private-instance-2az")
	instances := s.resources("AWS::EC2::Instance")
	if len(instances) != 2 {
		t.Fatalf("%d NAT instances, want 2", len(instances))
	}
	for _, in := range instances {
		if in.Props["Monitoring"] != true {
			t.Errorf("NAT instance %s: Monitoring = %v, want true (CT.EC2.PR.13)", in.ID, in.Props["Monitoring"])
		}
		meta, _ := s.template["Resources"].(map[string]any)[in.ID].(map[string]any)["Metadata"].(map[string]any)
		if show(meta) != "" && containsRule(meta, "AwsSolutions-EC28") {
			t.Errorf("NAT instance %s still suppresses AwsSolutions-EC28", in.ID)
		}
	}
	found := annotations(s).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-EC28")))
	if len(*found) != 0 {
		t.Errorf("cdk-nag reports EC28 (detailed monitoring) on %d resources", len(*found))
	}
}

// containsRule reports whether a resource's metadata suppresses cdk-nag rule id.
func containsRule(meta map[string]any, id string) bool {
	nag, _ := meta["cdk_nag"].(map[string]any)
	rules, _ := nag["rules_to_suppress"].([]any)
	for _, r := range rules {
		if m, _ := r.(map[string]any); m["id"] == id {
			return true
		}
	}
	return false
}

func init() {
	expectations["internal-firewall"] = expectation{private: true, azs: 1, ports: []float64{443, 8786, 8787}, cidrs: []string{"10.0.0.0/16"},
		s3Endpoint: true, restrictSG: true, flowLogs: "off", firewall: true, own: "test/firewall_test.go and test/connectivity_test.go"}
	expectations["private-firewall"] = expectation{private: true, azs: 1, natGateways: 1, ports: []float64{443, 8786, 8787},
		cidrs: []string{"0.0.0.0/0"}, subnetMask: 20, openWarning: true, s3Endpoint: true, restrictSG: true, flowLogs: "off", firewall: true}
	expectations["private-firewall-3az"] = expectation{private: true, azs: 3, zone: 2, natGateways: 3, ports: []float64{443, 8786, 8787},
		cidrs: []string{"198.51.100.0/24"}, subnetMask: 20, s3Endpoint: true, restrictSG: true, flowLogs: "off", firewall: true,
		azNames: []string{"us-east-1a", "us-east-1b", "us-east-1c"}}
	expectations["private-firewall-2az-domains"] = expectation{private: true, azs: 2, natInstances: 2, ports: []float64{443},
		cidrs: []string{"203.0.113.0/24"}, subnetMask: 20, s3Endpoint: true, restrictSG: true, flowLogs: "off", firewall: true,
		azNames: []string{"eu-west-1b", "eu-west-1a"}}
}

// cfnEnv is what evalCfn resolves: the region, Fn::GetAZs, and the
// firewalls' EndpointIds attribute.
type cfnEnv struct {
	region    string
	azs       []string
	endpoints []string // EndpointIds, in the order "AWS returns" them
}

// evalCfn evaluates the intrinsic functions the templates use for the
// endpoint pick and the domain names, as CloudFormation does.
func evalCfn(t *testing.T, v any, env cfnEnv) any {
	t.Helper()
	switch v := v.(type) {
	case string, float64:
		return v
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = evalCfn(t, x, env)
		}
		return out
	case map[string]any:
		if len(v) != 1 {
			t.Fatalf("not an intrinsic: %v", v)
		}
		for fn, arg := range v {
			args, _ := arg.([]any)
			switch fn {
			case "Ref":
				if arg == "AWS::Region" {
					return env.region
				}
				return "ref:" + arg.(string)
			case "Fn::GetAZs":
				out := make([]any, len(env.azs))
				for i, a := range env.azs {
					out[i] = a
				}
				return out
			case "Fn::GetAtt":
				if args[1] != "EndpointIds" {
					return "att:" + args[0].(string) + "." + args[1].(string)
				}
				out := make([]any, len(env.endpoints))
				for i, e := range env.endpoints {
					out[i] = e
				}
				return out
			case "Fn::Select":
				i := int(evalCfn(t, args[0], env).(float64))
				list := evalCfn(t, args[1], env).([]any)
				if i >= len(list) {
					t.Fatalf("Fn::Select %d of %d items %v: the deploy would fail", i, len(list), list)
				}
				return list[i]
			case "Fn::Split":
				delim, ok := args[0].(string)
				if !ok {
					t.Fatalf("Fn::Split with a non-literal delimiter %v: CloudFormation rejects it", args[0])
				}
				parts := strings.Split(evalCfn(t, args[1], env).(string), delim)
				out := make([]any, len(parts))
				for i, p := range parts {
					out[i] = p
				}
				return out
			case "Fn::Join":
				list := evalCfn(t, args[1], env).([]any)
				parts := make([]string, len(list))
				for i, p := range list {
					parts[i] = p.(string)
				}
				return strings.Join(parts, args[0].(string))
			}
			t.Fatalf("unsupported intrinsic %s", fn)
		}
	}
	t.Fatalf("cannot evaluate %T %v", v, v)
	return nil
}

// permutations returns every order of items.
func permutations(items []string) [][]string {
	if len(items) <= 1 {
		return [][]string{append([]string(nil), items...)}
	}
	var out [][]string
	for i := range items {
		rest := append(append([]string(nil), items[:i]...), items[i+1:]...)
		for _, p := range permutations(rest) {
			out = append(out, append([]string{items[i]}, p...))
		}
	}
	return out
}

// firewallCase is what a firewall variant must contain, by hand.
type firewallCase struct {
	region     string
	azs        []string // the AZs in the VPC's order
	vpcCidr    string
	fwSubnets  []string // firewall subnet CIDRs, per AZ
	natSubnets []string // public (NAT and scheduler) subnet CIDRs, per AZ
	ports      []string
	domains    []string // the allowlist, resolved in region
	logs       string
}

var coiledPreset = func(region string) []string {
	return []string{"cloud.coiled.io", "logs." + region + ".amazonaws.com", "api.ecr." + region + ".amazonaws.com",
		".dkr.ecr." + region + ".amazonaws.com", ".s3." + region + ".amazonaws.com", "sts." + region + ".amazonaws.com",
		"pypi.org", "files.pythonhosted.org", "conda.anaconda.org", "repo.anaconda.com"}
}

var firewallCases = map[string]firewallCase{
	"private-firewall": {region: "us-east-1", azs: []string{"us-east-1a"}, vpcCidr: "10.0.0.0/16",
		fwSubnets: []string{"10.0.255.240/28"}, natSubnets: []string{"10.0.0.0/20"},
		ports: []string{"443", "8786", "8787"}, domains: coiledPreset("us-east-1"), logs: "cloudwatch"},
	// internal with NAT egress: the NATs' subnets (no Coiled VM) route
	// through the firewall like private's.
	"internal-firewall": {region: "us-east-1", azs: []string{"us-east-1a"}, vpcCidr: "10.0.0.0/16",
		fwSubnets: []string{"10.0.255.240/28"}, natSubnets: []string{"10.0.0.0/20"},
		ports: []string{"443", "8786", "8787"}, domains: coiledPreset("us-east-1"), logs: "cloudwatch"},
	"private-firewall-3az": {region: "us-east-1", azs: []string{"us-east-1a", "us-east-1b", "us-east-1c"}, vpcCidr: "10.0.0.0/16",
		fwSubnets: []string{"10.0.255.240/28", "10.0.255.224/28", "10.0.255.208/28"}, natSubnets: []string{"10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"},
		ports: []string{"443", "8786", "8787"}, domains: coiledPreset("us-east-1"), logs: "cloudwatch"},
	"private-firewall-2az-domains": {region: "eu-west-1", azs: []string{"eu-west-1b", "eu-west-1a"}, vpcCidr: "10.0.0.0/16",
		fwSubnets: []string{"10.0.255.240/28", "10.0.255.224/28"}, natSubnets: []string{"10.0.0.0/20", "10.0.16.0/20"},
		ports: []string{"443"}, logs: "s3",
		domains: append(append(coiledPreset("eu-west-1"), "registry-1.docker.io", "auth.docker.io", "production.cloudflare.docker.com",
			"production.cloudfront.docker.com", "docker-images-prod.6aa30f8b08e16409b46e0173d6de2f56.r2.cloudflarestorage.com"),
			".internal.example.com", "github.com")},
}

func TestFirewallVariantsAreListed(t *testing.T) {
	for _, v := range variants.All {
		_, isCase := firewallCases[v.Name]
		if on := v.Context["egressFirewall"] == "network-firewall"; on != isCase {
			t.Errorf("variant %s: firewall %v but firewall case %v", v.Name, on, isCase)
		}
		if isCase && !strings.Contains(v.NoDeploy, "NetworkFirewall") {
			t.Errorf("variant %s: NoDeploy %q should say moto lacks Network Firewall", v.Name, v.NoDeploy)
		}
	}
}

// one returns the only resource of type typ.
func (s *synthesized) one(t *testing.T, typ string) resource {
	t.Helper()
	rs := s.resources(typ)
	if len(rs) != 1 {
		t.Fatalf("%d resources of type %s, want 1", len(rs), typ)
	}
	return rs[0]
}

// TestFirewallRoutesPerAz: for every order in which AWS may list the
// endpoints, every route of every AZ (NAT subnet out, IGW edge back in)
// resolves to that AZ's own endpoint, and the firewall subnets route to the
// internet gateway.
func TestFirewallRoutesPerAz(t *testing.T) {
	for name, c := range firewallCases {
		t.Run(name, func(t *testing.T) {
			s := synth(t, name)
			igw := s.one(t, "AWS::EC2::InternetGateway").ID
			fw := s.one(t, "AWS::NetworkFirewall::Firewall")
			env := cfnEnv{region: c.region, azs: []string{c.region + "a", c.region + "b"}}

			// The firewall's subnets: one per AZ, the /28s at the end of the
			// VPC range, each with a 0.0.0.0/0 to the internet gateway.
			mappings := fw.Props["SubnetMappings"].([]any)
			if len(mappings) != len(c.azs) {
				t.Fatalf("%d firewall subnets, want %d", len(mappings), len(c.azs))
			}
			var fwAzs []string
			for i, m := range mappings {
				id := refOf(m.(map[string]any)["SubnetId"])
				sn, ok := s.resource(id)
				if !ok {
					t.Fatalf("firewall subnet %s missing", id)
				}
				az := evalCfn(t, sn.Props["AvailabilityZone"], env).(string)
				fwAzs = append(fwAzs, az)
				if az != c.azs[i] || sn.Props["CidrBlock"] != c.fwSubnets[i] || sn.Props["MapPublicIpOnLaunch"] != false {
					t.Errorf("firewall subnet %d: %s %v, want %s %s without public IPs", i, az, sn.Props["CidrBlock"], c.azs[i], c.fwSubnets[i])
				}
				route, ok := s.defaultRoute(s.routeTableOf(id))
				if !ok || refOf(route.Props["GatewayId"]) != igw {
					t.Errorf("firewall subnet %s: 0.0.0.0/0 %v, want the internet gateway %s", id, route.Props, igw)
				}
			}

			// The edge route table is the internet gateway's.
			assoc := s.one(t, "AWS::EC2::GatewayRouteTableAssociation")
			edgeTable := refOf(assoc.Props["RouteTableId"])
			if refOf(assoc.Props["GatewayId"]) != igw {
				t.Errorf("edge association %v, want the internet gateway", assoc.Props)
			}

			public := s.subnetsWithPrefix("CoiledNetworkVpcPublicSubnet")
			if len(public) != len(c.azs) {
				t.Fatalf("%d public subnets", len(public))
			}
			endpoints := make([]string, len(fwAzs))
			for i, az := range fwAzs {
				endpoints[i] = az + ":vpce-" + az
			}
			orders := permutations(endpoints)
			if want := map[int]int{1: 1, 2: 2, 3: 6}[len(c.azs)]; len(orders) != want {
				t.Fatalf("%d orders", len(orders))
			}
			for _, order := range orders {
				env.endpoints = order
				for i, sn := range public {
					az := evalCfn(t, sn.Props["AvailabilityZone"], env).(string)
					if az != c.azs[i] || sn.Props["CidrBlock"] != c.natSubnets[i] {
						t.Fatalf("public subnet %s: %s %v, want %s %s", sn.ID, az, sn.Props["CidrBlock"], c.azs[i], c.natSubnets[i])
					}
					want := "vpce-" + az
					out, ok := s.defaultRoute(s.routeTableOf(sn.ID))
					if !ok || out.Props["GatewayId"] != nil {
						t.Fatalf("NAT subnet %s: 0.0.0.0/0 %v, want a firewall endpoint", sn.ID, out.Props)
					}
					if got := evalCfn(t, out.Props["VpcEndpointId"], env); got != want {
						t.Errorf("endpoints listed %v: NAT subnet in %s routes 0.0.0.0/0 to %v, want %s", order, az, got, want)
					}
					var back []resource
					for _, r := range s.resources("AWS::EC2::Route") {
						if refOf(r.Props["RouteTableId"]) == edgeTable && r.Props["DestinationCidrBlock"] == sn.Props["CidrBlock"] {
							back = append(back, r)
						}
					}
					if len(back) != 1 {
						t.Fatalf("%d edge routes to NAT subnet %s, want 1", len(back), sn.ID)
					}
					if got := evalCfn(t, back[0].Props["VpcEndpointId"], env); got != want {
						t.Errorf("endpoints listed %v: the IGW sends %v (AZ %s) to %v, want %s", order, sn.Props["CidrBlock"], az, got, want)
					}
				}
			}
			var edgeRoutes int
			for _, r := range s.resources("AWS::EC2::Route") {
				if refOf(r.Props["RouteTableId"]) == edgeTable {
					edgeRoutes++
				}
			}
			if edgeRoutes != len(c.azs) {
				t.Errorf("%d edge routes, want one per NAT subnet (%d)", edgeRoutes, len(c.azs))
			}
		})
	}
}

// TestNaivePickIsWrong shows that the per-AZ test above can fail: picking
// the i-th endpoint for the i-th AZ (the documented pitfall) is wrong for
// some order of the list.
func TestNaivePickIsWrong(t *testing.T) {
	naive := func(i int) any {
		return map[string]any{"Fn::Select": []any{1.0, map[string]any{"Fn::Split": []any{":",
			map[string]any{"Fn::Select": []any{float64(i), map[string]any{"Fn::GetAtt": []any{"Fw", "EndpointIds"}}}}}}}}
	}
	for _, azs := range [][]string{{"us-east-1a", "us-east-1b"}, {"us-east-1a", "us-east-1b", "us-east-1c"}} {
		var endpoints []string
		for _, az := range azs {
			endpoints = append(endpoints, az+":vpce-"+az)
		}
		wrong := false
		for _, order := range permutations(endpoints) {
			for i, az := range azs {
				if evalCfn(t, naive(i), cfnEnv{endpoints: order}) != "vpce-"+az {
					wrong = true
				}
			}
		}
		if !wrong {
			t.Errorf("%d AZs: the positional pick was right for every order; the per-AZ test proves nothing", len(azs))
		}
	}
}

func TestFirewallPolicyAndRules(t *testing.T) {
	for name, c := range firewallCases {
		t.Run(name, func(t *testing.T) {
			s := synth(t, name)
			env := cfnEnv{region: c.region}
			policy := s.one(t, "AWS::NetworkFirewall::FirewallPolicy")
			fw := s.one(t, "AWS::NetworkFirewall::Firewall")
			if refOf(fw.Props["FirewallPolicyArn"]) != policy.ID {
				t.Errorf("firewall policy %v, want %s", fw.Props["FirewallPolicyArn"], policy.ID)
			}
			if fw.Props["FirewallName"] != "CoiledNetwork-egress" {
				t.Errorf("firewall name %v", fw.Props["FirewallName"])
			}
			p := policy.Props["FirewallPolicy"].(map[string]any)
			if show(p["StatefulDefaultActions"]) != "[aws:drop_established aws:alert_established]" {
				t.Errorf("stateful default actions %v, want drop and alert established", p["StatefulDefaultActions"])
			}
			if show(p["StatefulEngineOptions"]) != "map[RuleOrder:STRICT_ORDER]" {
				t.Errorf("engine options %v, want strict order", p["StatefulEngineOptions"])
			}
			if show(p["StatelessDefaultActions"]) != "[aws:forward_to_sfe]" || show(p["StatelessFragmentDefaultActions"]) != "[aws:forward_to_sfe]" {
				t.Errorf("stateless defaults %v / %v, want everything forwarded to the stateful engine", p["StatelessDefaultActions"], p["StatelessFragmentDefaultActions"])
			}
			if show(p["PolicyVariables"]) != "map[RuleVariables:map[HOME_NET:map[Definition:["+c.vpcCidr+"]]]]" {
				t.Errorf("policy variables %v, want HOME_NET = %s", p["PolicyVariables"], c.vpcCidr)
			}
			refs := p["StatefulRuleGroupReferences"].([]any)
			if len(refs) != 2 {
				t.Fatalf("%d rule groups, want 2", len(refs))
			}
			groups := s.resources("AWS::NetworkFirewall::RuleGroup")
			byID := map[string]resource{}
			for _, g := range groups {
				byID[g.ID] = g
				rg := g.Props["RuleGroup"].(map[string]any)
				if g.Props["Type"] != "STATEFUL" || show(rg["StatefulRuleOptions"]) != "map[RuleOrder:STRICT_ORDER]" {
					t.Errorf("rule group %s: %v %v, want a strict-order stateful group", g.ID, g.Props["Type"], rg["StatefulRuleOptions"])
				}
				ipSets := rg["RuleVariables"].(map[string]any)["IPSets"].(map[string]any)
				if show(ipSets["HOME_NET"]) != "map[Definition:["+c.vpcCidr+"]]" {
					t.Errorf("rule group %s: HOME_NET %v, want %s", g.ID, ipSets["HOME_NET"], c.vpcCidr)
				}
			}
			first := byID[refOf(refs[0].(map[string]any)["ResourceArn"])]
			second := byID[refOf(refs[1].(map[string]any)["ResourceArn"])]
			if refs[0].(map[string]any)["Priority"].(float64) >= refs[1].(map[string]any)["Priority"].(float64) {
				t.Errorf("priorities %v: the base rules must come first", refs)
			}

			// The base rules: clients to the scheduler ports in; no UDP/ICMP out.
			rg := first.Props["RuleGroup"].(map[string]any)
			rules, _ := rg["RulesSource"].(map[string]any)["RulesString"].(string)
			for _, want := range []string{"pass tcp any any -> $SCHEDULER_NET $SCHEDULER_PORTS", "drop udp $HOME_NET any -> !$HOME_NET any", "drop icmp $HOME_NET any -> !$HOME_NET any"} {
				if !strings.Contains(rules, want) {
					t.Errorf("base rules lack %q:\n%s", want, rules)
				}
			}
			vars := rg["RuleVariables"].(map[string]any)
			if got := show(vars["IPSets"].(map[string]any)["SCHEDULER_NET"]); got != show(map[string]any{"Definition": toAny(c.natSubnets)}) {
				t.Errorf("SCHEDULER_NET %s, want the NAT subnets %v", got, c.natSubnets)
			}
			if got := show(vars["PortSets"].(map[string]any)["SCHEDULER_PORTS"]); got != show(map[string]any{"Definition": toAny(c.ports)}) {
				t.Errorf("SCHEDULER_PORTS %s, want %v", got, c.ports)
			}

			// The allowlist holds exactly the resolved domains.
			list := second.Props["RuleGroup"].(map[string]any)["RulesSource"].(map[string]any)["RulesSourceList"].(map[string]any)
			if list["GeneratedRulesType"] != "ALLOWLIST" || show(list["TargetTypes"]) != "[TLS_SNI HTTP_HOST]" {
				t.Errorf("domain list %v, want an allowlist on TLS SNI and HTTP Host", list)
			}
			var got []string
			for _, d := range evalCfn(t, list["Targets"], env).([]any) {
				got = append(got, d.(string))
			}
			if !slices.Equal(got, c.domains) {
				t.Errorf("allowlist\n  %v\nwant\n  %v", got, c.domains)
			}
		})
	}
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

func TestFirewallLogging(t *testing.T) {
	for name, c := range firewallCases {
		t.Run(name, func(t *testing.T) {
			s := synth(t, name)
			logging := s.one(t, "AWS::NetworkFirewall::LoggingConfiguration")
			fw := s.one(t, "AWS::NetworkFirewall::Firewall")
			if refOf(logging.Props["FirewallArn"]) != fw.ID {
				t.Errorf("logging of %v, want the firewall", logging.Props["FirewallArn"])
			}
			dests := logging.Props["LoggingConfiguration"].(map[string]any)["LogDestinationConfigs"].([]any)
			types := map[string]bool{}
			for _, d := range dests {
				d := d.(map[string]any)
				types[d["LogType"].(string)] = true
				dest := d["LogDestination"].(map[string]any)
				switch c.logs {
				case "cloudwatch":
					lg, ok := s.resource(refOf(dest["logGroup"]))
					if d["LogDestinationType"] != "CloudWatchLogs" || !ok || lg.Type != "AWS::Logs::LogGroup" || lg.Props["RetentionInDays"] != float64(30) {
						t.Errorf("%v log to %v (%v), want a log group kept 30 days", d["LogType"], dest, lg.Props)
					}
				case "s3":
					b, ok := s.resource(refOf(dest["bucketName"]))
					if d["LogDestinationType"] != "S3" || !ok || b.Type != "AWS::S3::Bucket" {
						t.Fatalf("%v log to %v, want the log bucket", d["LogType"], dest)
					}
					props := show(b.Props)
					for _, want := range []string{"SSEAlgorithm:AES256", "BlockPublicAcls:true", "RestrictPublicBuckets:true", "ExpirationInDays:30"} {
						if !strings.Contains(props, want) {
							t.Errorf("log bucket lacks %s: %s", want, props)
						}
					}
				}
			}
			if len(dests) != 2 || !types["ALERT"] || !types["FLOW"] {
				t.Errorf("log types %v, want ALERT and FLOW", types)
			}
			if c.logs == "s3" {
				var policy string
				for _, p := range s.resources("AWS::S3::BucketPolicy") {
					policy += show(p.Props)
				}
				for _, want := range []string{"delivery.logs.amazonaws.com", "s3:PutObject", "s3:GetBucketAcl", "aws:SecureTransport"} {
					if !strings.Contains(policy, want) {
						t.Errorf("log bucket policy lacks %s: %s", want, policy)
					}
				}
			}
		})
	}
}

// TestFirewallBadOptions: the app rejects a firewall it cannot build, and
// bad domains, naming the keys, before building anything.
func TestFirewallBadOptions(t *testing.T) {
	for _, tc := range []struct {
		ctx  map[string]any
		want []string
	}{
		{map[string]any{"egressFirewall": "network-firewall"}, []string{`"egressFirewall"`, "topology=private"}},
		{map[string]any{"topology": "private", "egressFirewall": "network-firewall", "egressAllowedDomains": "coiled,*.example.com,dockerhb"},
			[]string{`"egressAllowedDomains"`, `"*.example.com"`, `did you mean ".example.com"?`, `"dockerhb"`, "neither a preset"}},
		{map[string]any{"topology": "private", "egressFirewall": "network-firewall", "firewallLogs": "splunk"}, []string{`"firewallLogs"`, "cloudwatch, s3"}},
	} {
		app := awscdk.NewApp(&awscdk.AppProps{Context: &tc.ctx, Outdir: jsii.String(mustTempDir())})
		_, err := stacks.FromApp(app)
		if err == nil {
			t.Errorf("%v accepted", tc.ctx)
			continue
		}
		for _, want := range tc.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%v: error %q lacks %s", tc.ctx, err, want)
			}
		}
		if n := len(*app.Node().Children()); n != 0 {
			t.Errorf("%d constructs built despite bad options", n)
		}
	}
}

func TestFirewallOutputs(t *testing.T) {
	for name, c := range firewallCases {
		s := synth(t, name)
		out := s.outputs()
		fw := s.one(t, "AWS::NetworkFirewall::Firewall")
		if !equalJSON(out[outputkeys.EgressFirewallArn], map[string]any{"Fn::GetAtt": []any{fw.ID, "FirewallArn"}}) {
			t.Errorf("%s: %s = %v", name, outputkeys.EgressFirewallArn, out[outputkeys.EgressFirewallArn])
		}
		alerts := show(out[outputkeys.EgressFirewallAlertLogs])
		want := "AlertLogs"
		if c.logs == "s3" {
			want = "s3:// LogBucket"
		}
		for _, w := range strings.Fields(want) {
			if !strings.Contains(alerts, w) {
				t.Errorf("%s: %s = %s, want it to name %s", name, outputkeys.EgressFirewallAlertLogs, alerts, w)
			}
		}
	}
	if _, ok := synth(t, "private-default").outputs()[outputkeys.EgressFirewallArn]; ok {
		t.Error("private-default has a firewall output")
	}
}
