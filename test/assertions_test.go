package test

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/constructs/network"
	"github.com/coilednet/coilednet/internal/variants"
	"github.com/coilednet/coilednet/outputkeys"
	"github.com/coilednet/coilednet/stacks"
)

// expectation is what a variant must contain, written out by hand so that the
// assertions do not depend on the code under test.
type expectation struct {
	private      bool
	azs          int
	zone         int // index of the AZ handed to Coiled
	natGateways  int
	natInstances int
	ports        []float64
	cidrs        []string
	prefixLists  []string
	subnetMask   int // prefix length of every subnet
	openWarning  bool
	s3Endpoint   bool
	restrictSG   bool
	flowLogs     string
	azNames      []string // explicit AZ names, if any
	firewall     bool     // egress firewall: public subnets route to it (firewall_test.go)
	// own, when set, names the test file that checks the variant's
	// subnets, layout, outputs and endpoints, which the checks here
	// (written for public/private VPCs we build) do not cover; the
	// security-group, warning and cdk-nag checks still run.
	own string
}

var expectations = map[string]expectation{
	"public-default": {azs: 1, ports: []float64{443, 8786, 8787}, cidrs: []string{"0.0.0.0/0"},
		subnetMask: 19, openWarning: true, s3Endpoint: true, restrictSG: true, flowLogs: "off"},
	"private-default": {private: true, azs: 1, natGateways: 1, ports: []float64{443, 8786, 8787}, cidrs: []string{"0.0.0.0/0"},
		subnetMask: 20, openWarning: true, s3Endpoint: true, restrictSG: true, flowLogs: "off"},
	"private-custom": {private: true, azs: 1, natGateways: 1, ports: []float64{443, 8443},
		cidrs: []string{"203.0.113.0/24", "2001:db8:1234::/48"}, subnetMask: 24, s3Endpoint: true, restrictSG: true, flowLogs: "off"},
	"private-instance-2az": {private: true, azs: 2, zone: 1, natInstances: 2, ports: []float64{443, 8786, 8787},
		cidrs: []string{"0.0.0.0/0"}, subnetMask: 20, openWarning: true, s3Endpoint: true, restrictSG: true, flowLogs: "off"},
	"private-3az-shared-nat": {private: true, azs: 3, zone: 1, natGateways: 1, ports: []float64{443, 8786, 8787},
		cidrs: []string{"198.51.100.0/24"}, prefixLists: []string{"pl-0123456789abcdef0"}, subnetMask: 20, s3Endpoint: true, restrictSG: true, flowLogs: "off",
		azNames: []string{"us-east-1a", "us-east-1b", "us-east-1c"}},
	"public-flowlogs-cloudwatch": {azs: 1, ports: []float64{443, 8786, 8787}, cidrs: []string{"198.51.100.7/32"},
		subnetMask: 19, flowLogs: "cloudwatch"},
	"private-flowlogs-s3": {private: true, azs: 1, natGateways: 1, ports: []float64{443, 8786, 8787}, cidrs: []string{"0.0.0.0/0"},
		subnetMask: 20, openWarning: true, s3Endpoint: true, restrictSG: true, flowLogs: "s3"},
}

func forEachVariant(t *testing.T, f func(t *testing.T, s *synthesized, e expectation)) {
	t.Helper()
	for _, v := range variants.All {
		e, ok := expectations[v.Name]
		if !ok {
			t.Errorf("variant %s has no expectation in assertions_test.go", v.Name)
			continue
		}
		t.Run(v.Name, func(t *testing.T) { f(t, synth(t, v.Name), e) })
	}
}

func TestSubnetsAndRoutes(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *synthesized, e expectation) {
		if e.own != "" {
			t.Skip("checked in " + e.own)
		}
		public := s.subnetsWithPrefix("CoiledNetworkVpcPublicSubnet")
		private := s.subnetsWithPrefix("CoiledNetworkVpcPrivateSubnet")
		if len(public) != e.azs {
			t.Fatalf("%d public subnets, want %d (one per AZ)", len(public), e.azs)
		}
		wantPrivate := 0
		if e.private {
			wantPrivate = e.azs
		}
		if len(private) != wantPrivate {
			t.Fatalf("%d private subnets, want %d", len(private), wantPrivate)
		}
		igws := s.resources("AWS::EC2::InternetGateway")
		if len(igws) != 1 {
			t.Fatalf("%d internet gateways, want 1", len(igws))
		}
		for _, sn := range public {
			if sn.Props["MapPublicIpOnLaunch"] != true {
				t.Errorf("public subnet %s: MapPublicIpOnLaunch = %v, want true", sn.ID, sn.Props["MapPublicIpOnLaunch"])
			}
			route, ok := s.defaultRoute(s.routeTableOf(sn.ID))
			if !ok {
				t.Errorf("public subnet %s has no 0.0.0.0/0 route", sn.ID)
				continue
			}
			if e.firewall {
				if route.Props["VpcEndpointId"] == nil || route.Props["GatewayId"] != nil {
					t.Errorf("public subnet %s: 0.0.0.0/0 goes to %v, want the firewall endpoint", sn.ID, route.Props)
				}
			} else if refOf(route.Props["GatewayId"]) != igws[0].ID {
				t.Errorf("public subnet %s: 0.0.0.0/0 goes to %v, want the internet gateway %s", sn.ID, route.Props, igws[0].ID)
			}
		}
		natTargets := map[string]bool{}
		for _, sn := range private {
			if sn.Props["MapPublicIpOnLaunch"] != false {
				t.Errorf("private subnet %s: MapPublicIpOnLaunch = %v, want false", sn.ID, sn.Props["MapPublicIpOnLaunch"])
			}
			route, ok := s.defaultRoute(s.routeTableOf(sn.ID))
			if !ok {
				t.Errorf("private subnet %s has no 0.0.0.0/0 route", sn.ID)
				continue
			}
			target := refOf(route.Props["NatGatewayId"]) + refOf(route.Props["InstanceId"])
			if target == "" || route.Props["GatewayId"] != nil {
				t.Errorf("private subnet %s: 0.0.0.0/0 goes to %v, want a NAT", sn.ID, route.Props)
			}
			natTargets[target] = true
		}
		nats := s.resources("AWS::EC2::NatGateway")
		instances := s.resources("AWS::EC2::Instance")
		if len(nats) != e.natGateways || len(instances) != e.natInstances {
			t.Errorf("%d NAT gateways and %d instances, want %d and %d", len(nats), len(instances), e.natGateways, e.natInstances)
		}
		for _, n := range append(nats, instances...) {
			if !natTargets[n.ID] {
				t.Errorf("NAT %s is not the default route of any worker subnet (targets %v)", n.ID, natTargets)
			}
		}
		for _, n := range nats {
			eip := refOf(n.Props["AllocationId"])
			if r, ok := s.resource(eip); !ok || r.Type != "AWS::EC2::EIP" {
				t.Errorf("NAT gateway %s: AllocationId %v is not an Elastic IP", n.ID, n.Props["AllocationId"])
			}
			if sn := refOf(n.Props["SubnetId"]); !strings.HasPrefix(sn, "CoiledNetworkVpcPublicSubnet") {
				t.Errorf("NAT gateway %s sits in %s, want a public subnet", n.ID, sn)
			}
		}
		for _, in := range instances {
			if in.Props["SourceDestCheck"] != false {
				t.Errorf("NAT instance %s: SourceDestCheck %v, want false", in.ID, in.Props["SourceDestCheck"])
			}
			if in.Props["InstanceType"] != "t4g.nano" {
				t.Errorf("NAT instance %s: type %v, want t4g.nano", in.ID, in.Props["InstanceType"])
			}
		}
	})
}

func TestSubnetLayout(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *synthesized, e expectation) {
		if e.own != "" {
			t.Skip("checked in " + e.own)
		}
		vpcs := s.resources("AWS::EC2::VPC")
		if len(vpcs) != 1 {
			t.Fatalf("%d VPCs", len(vpcs))
		}
		vpc := netip.MustParsePrefix(vpcs[0].Props["CidrBlock"].(string))
		if vpcs[0].Props["EnableDnsSupport"] != true || vpcs[0].Props["EnableDnsHostnames"] != true {
			t.Errorf("VPC DNS support/hostnames: %v/%v, want true/true", vpcs[0].Props["EnableDnsSupport"], vpcs[0].Props["EnableDnsHostnames"])
		}
		slot := 1 << (e.subnetMask - vpc.Bits()) // subnets per slot group
		groups := 1
		if e.private {
			groups = 2
		}
		if slot < 6*groups {
			t.Fatalf("layout /%d in /%d leaves %d slots for %d groups x 6 AZs", e.subnetMask, vpc.Bits(), slot, groups)
		}
		size := uint32(1) << (32 - e.subnetMask)
		base := vpc.Addr().As4()
		start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
		for g, prefix := range []string{"CoiledNetworkVpcPublicSubnet", "CoiledNetworkVpcPrivateSubnet"}[:groups] {
			for i := 0; i < e.azs; i++ {
				id := fmt.Sprintf("%s%d", prefix, i+1)
				var sn resource
				for _, r := range s.subnetsWithPrefix(id + "Subnet") {
					sn = r
				}
				if sn.ID == "" {
					t.Errorf("no subnet %s*", id)
					continue
				}
				// Group g, AZ i sits in slot g*6+i: adding an AZ fills a
				// reserved slot and moves nothing.
				a := start + uint32(g*6+i)*size
				want := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), e.subnetMask)
				if sn.Props["CidrBlock"] != want.String() {
					t.Errorf("subnet %s: CIDR %v, want %v", sn.ID, sn.Props["CidrBlock"], want)
				}
				if e.azNames != nil {
					if sn.Props["AvailabilityZone"] != e.azNames[i] {
						t.Errorf("subnet %s: AZ %v, want %s", sn.ID, sn.Props["AvailabilityZone"], e.azNames[i])
					}
				}
			}
		}
	})
}

func TestSecurityGroups(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *synthesized, e expectation) {
		var sched, cluster resource
		for _, sg := range s.resources("AWS::EC2::SecurityGroup") {
			switch {
			case strings.HasPrefix(sg.ID, "CoiledNetworkSchedulerSecurityGroup"):
				sched = sg
			case strings.HasPrefix(sg.ID, "CoiledNetworkClusterSecurityGroup"):
				cluster = sg
			}
			if d, _ := sg.Props["GroupDescription"].(string); len(d) < 10 {
				t.Errorf("security group %s has no real description: %q", sg.ID, d)
			}
		}
		if sched.ID == "" || cluster.ID == "" {
			t.Fatalf("scheduler group %q, cluster group %q: both must exist", sched.ID, cluster.ID)
		}
		// Scheduler: exactly port x source, each with a description.
		got := map[string]bool{}
		rules, _ := sched.Props["SecurityGroupIngress"].([]any)
		// CDK writes prefix-list rules as separate ingress resources.
		for _, in := range s.resources("AWS::EC2::SecurityGroupIngress") {
			if refOf(in.Props["GroupId"]) == sched.ID {
				rules = append(rules, in.Props)
			}
		}
		for _, r := range rules {
			r := r.(map[string]any)
			if d, _ := r["Description"].(string); d == "" {
				t.Errorf("scheduler rule %v has no description", r)
			}
			if r["IpProtocol"] != "tcp" || r["FromPort"] != r["ToPort"] {
				t.Errorf("scheduler rule %v: want one TCP port", r)
			}
			src := show(r["CidrIp"]) + show(r["CidrIpv6"]) + show(r["SourcePrefixListId"])
			src = strings.ReplaceAll(src, "<nil>", "")
			got[fmt.Sprintf("%v/%s", r["FromPort"], src)] = true
		}
		want := map[string]bool{}
		for _, p := range e.ports {
			for _, c := range append(append([]string{}, e.cidrs...), e.prefixLists...) {
				want[fmt.Sprintf("%v/%s", p, c)] = true
			}
		}
		if !equalJSON(got, want) {
			t.Errorf("scheduler ingress %v, want %v", keys(got), keys(want))
		}
		// Cluster: all traffic from itself, nothing else.
		if rules, ok := cluster.Props["SecurityGroupIngress"]; ok {
			t.Errorf("cluster group has inline ingress %v; want only the self rule", rules)
		}
		self := 0
		for _, in := range s.resources("AWS::EC2::SecurityGroupIngress") {
			if refOf(in.Props["GroupId"]) != cluster.ID {
				continue
			}
			self++
			if refOf(in.Props["SourceSecurityGroupId"]) != cluster.ID || in.Props["IpProtocol"] != "-1" {
				t.Errorf("cluster ingress %v: want all traffic from the cluster group itself", in.Props)
			}
			if d, _ := in.Props["Description"].(string); d == "" {
				t.Errorf("cluster ingress %s has no description", in.ID)
			}
		}
		if self != 1 {
			t.Errorf("%d ingress rules on the cluster group, want 1 (self)", self)
		}
		// Both allow all egress.
		for _, sg := range []resource{sched, cluster} {
			eg, _ := sg.Props["SecurityGroupEgress"].([]any)
			if len(eg) != 1 || eg[0].(map[string]any)["CidrIp"] != "0.0.0.0/0" || eg[0].(map[string]any)["IpProtocol"] != "-1" {
				t.Errorf("%s egress %v, want all traffic to 0.0.0.0/0", sg.ID, eg)
			}
		}
	})
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestOutputs(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *synthesized, e expectation) {
		if e.own != "" {
			t.Skip("checked in " + e.own)
		}
		out := s.outputs()
		vpc := s.resources("AWS::EC2::VPC")[0].ID
		sched := s.subnetsWithPrefix(fmt.Sprintf("CoiledNetworkVpcPublicSubnet%dSubnet", e.zone+1))
		worker := sched
		if e.private {
			worker = s.subnetsWithPrefix(fmt.Sprintf("CoiledNetworkVpcPrivateSubnet%dSubnet", e.zone+1))
		}
		if len(sched) != 1 || len(worker) != 1 {
			t.Fatalf("chosen zone %d: scheduler subnets %v, worker subnets %v", e.zone, sched, worker)
		}
		checkRef := func(key, wantID string) {
			if got := refOf(out[key]); got != wantID {
				t.Errorf("output %s = %v, want a reference to %s", key, out[key], wantID)
			}
		}
		checkRef("NetworkId", vpc)
		checkRef("SchedulerSubnetId", sched[0].ID)
		checkRef("WorkerSubnetId", worker[0].ID)
		for _, sg := range s.resources("AWS::EC2::SecurityGroup") {
			if strings.HasPrefix(sg.ID, "CoiledNetworkSchedulerSecurityGroup") {
				checkRef("SchedulerFirewallId", sg.ID)
			}
			if strings.HasPrefix(sg.ID, "CoiledNetworkClusterSecurityGroup") {
				checkRef("FirewallId", sg.ID)
			}
		}
		wantPublic := fmt.Sprint(!e.private)
		if out["GiveWorkersPublicIp"] != wantPublic {
			t.Errorf("GiveWorkersPublicIp = %v, want %q", out["GiveWorkersPublicIp"], wantPublic)
		}
		if !equalJSON(out["Region"], ref("AWS::Region")) {
			t.Errorf("Region = %v, want the stack's region", out["Region"])
		}
		for i := 0; i < e.azs; i++ {
			z, ok := out[fmt.Sprintf("Zone%d", i)]
			if !ok {
				t.Errorf("no output Zone%d", i)
				continue
			}
			// {"Fn::Join": ["", [az, ",", {Ref: sched}, ",", {Ref: worker}]]},
			// with a literal AZ merged into the "," after it.
			parts := z.(map[string]any)["Fn::Join"].([]any)[1].([]any)
			var refs []string
			var text strings.Builder
			for _, p := range parts {
				if r := refOf(p); r != "" {
					refs = append(refs, r)
					text.WriteString("<ref>")
				} else if str, ok := p.(string); ok {
					text.WriteString(str)
				} else {
					text.WriteString("<az>") // {"Fn::Select": [i, {"Fn::GetAZs": ""}]}
				}
			}
			schedID := fmt.Sprintf("CoiledNetworkVpcPublicSubnet%dSubnet", i+1)
			workerID := schedID
			if e.private {
				workerID = fmt.Sprintf("CoiledNetworkVpcPrivateSubnet%dSubnet", i+1)
			}
			wantText := "<az>,<ref>,<ref>"
			if e.azNames != nil {
				wantText = e.azNames[i] + ",<ref>,<ref>"
			}
			if text.String() != wantText || len(refs) != 2 || !strings.HasPrefix(refs[0], schedID) || !strings.HasPrefix(refs[1], workerID) {
				t.Errorf("Zone%d = %v, want az,%s*,%s*", i, z, schedID, workerID)
			}
		}
		if _, ok := out[fmt.Sprintf("Zone%d", e.azs)]; ok {
			t.Errorf("output Zone%d exists for %d AZs", e.azs, e.azs)
		}
		for _, k := range []string{"NetworkId", "SchedulerSubnetId", "WorkerSubnetId", "SchedulerFirewallId", "FirewallId", "GiveWorkersPublicIp", "Region"} {
			if _, ok := out[k]; !ok {
				t.Errorf("output %s missing", k)
			}
		}
	})
}

func TestEndpointsDefaultGroupAndFlowLogs(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *synthesized, e expectation) {
		if e.own != "" {
			t.Skip("checked in " + e.own)
		}
		// The S3 gateway endpoint (other endpoints: endpoints_test.go).
		var eps []resource
		for _, ep := range s.resources("AWS::EC2::VPCEndpoint") {
			if strings.HasPrefix(ep.ID, "CoiledNetworkVpcS3") {
				eps = append(eps, ep)
			}
		}
		if e.s3Endpoint {
			if len(eps) != 1 {
				t.Fatalf("%d VPC endpoints, want the S3 gateway endpoint", len(eps))
			}
			if eps[0].Props["VpcEndpointType"] != "Gateway" {
				t.Errorf("endpoint type %v, want Gateway", eps[0].Props["VpcEndpointType"])
			}
			tables := map[string]bool{}
			for _, rt := range eps[0].Props["RouteTableIds"].([]any) {
				tables[refOf(rt)] = true
			}
			for _, sn := range s.subnetsWithPrefix("CoiledNetworkVpc") { // the VPC's own subnets
				if !tables[s.routeTableOf(sn.ID)] {
					t.Errorf("subnet %s's route table is not attached to the S3 endpoint", sn.ID)
				}
			}
		} else if len(eps) != 0 {
			t.Errorf("%d VPC endpoints with s3Endpoint=false", len(eps))
		}
		restrict := len(s.resources("Custom::VpcRestrictDefaultSG"))
		if (restrict == 1) != e.restrictSG {
			t.Errorf("%d default-SG restrictions, want restricted=%v", restrict, e.restrictSG)
		}
		flows := s.resources("AWS::EC2::FlowLog")
		switch e.flowLogs {
		case "off":
			if len(flows) != 0 {
				t.Errorf("%d flow logs with flowLogs=off", len(flows))
			}
		case "cloudwatch", "s3":
			if len(flows) != 1 {
				t.Fatalf("%d flow logs, want 1", len(flows))
			}
			wantType := map[string]string{"cloudwatch": "cloud-watch-logs", "s3": "s3"}[e.flowLogs]
			if flows[0].Props["LogDestinationType"] != wantType || flows[0].Props["TrafficType"] != "ALL" {
				t.Errorf("flow log %v, want %s of ALL traffic", flows[0].Props, wantType)
			}
			if e.flowLogs == "cloudwatch" {
				lg := s.resources("AWS::Logs::LogGroup")
				if len(lg) != 1 || lg[0].Props["RetentionInDays"] != float64(30) {
					t.Errorf("log groups %v, want one kept 30 days", lg)
				}
			} else {
				b := s.resources("AWS::S3::Bucket")
				if len(b) != 1 || !strings.Contains(show(b[0].Props["LifecycleConfiguration"]), "ExpirationInDays:30") {
					t.Errorf("buckets %v, want one whose objects expire after 30 days", b)
				}
			}
		}
	})
}

func TestNatInstanceHardening(t *testing.T) {
	s := synth(t, "private-instance-2az")
	if lts := s.resources("AWS::EC2::LaunchTemplate"); len(lts) != 0 {
		t.Errorf("%d launch templates: NAT instances must not share a launch template name", len(lts))
	}
	for _, in := range s.resources("AWS::EC2::Instance") {
		if !strings.Contains(show(in.Props["MetadataOptions"]), "HttpTokens:required") {
			t.Errorf("NAT instance %s does not require IMDSv2: %v", in.ID, in.Props["MetadataOptions"])
		}
		if !strings.Contains(show(in.Props["BlockDeviceMappings"]), "Encrypted:true") {
			t.Errorf("NAT instance %s root volume not encrypted: %v", in.ID, in.Props["BlockDeviceMappings"])
		}
		// Issue 18 (aws/aws-cdk#36717): the install is retried and
		// forwarding proved, by a script that runs at every boot.
		ud, _ := in.Props["UserData"].(map[string]any)["Fn::Base64"].(string)
		for _, want := range []string{"/var/lib/cloud/scripts/per-boot/coilednet-nat.sh", "for attempt in 1 2 3 4 5 6 7 8",
			`giveup "IPv4 forwarding is off"`, "systemctl poweroff", "exec /var/lib/cloud/scripts/per-boot/coilednet-nat.sh"} {
			if !strings.Contains(ud, want) {
				t.Errorf("NAT instance %s user data lacks %q", in.ID, want)
			}
		}
	}
	var natSG resource
	for _, sg := range s.resources("AWS::EC2::SecurityGroup") {
		if strings.Contains(sg.ID, "NatSecurityGroup") {
			natSG = sg
		}
	}
	rules, _ := natSG.Props["SecurityGroupIngress"].([]any)
	for _, in := range s.resources("AWS::EC2::SecurityGroupIngress") {
		if refOf(in.Props["GroupId"]) == natSG.ID {
			rules = append(rules, in.Props)
		}
	}
	if len(rules) != 1 {
		t.Fatalf("NAT security group %s ingress %v, want one rule from the VPC", natSG.ID, rules)
	}
	r := rules[0].(map[string]any)
	if r["CidrIp"] != "10.0.0.0/16" || r["IpProtocol"] != "-1" || r["Description"] == nil {
		t.Errorf("NAT ingress %v, want all traffic from the VPC's CIDR 10.0.0.0/16 only", r)
	}
}

func TestWarnings(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *synthesized, e expectation) {
		found := annotations(s).FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("whole internet")))
		if got := len(*found) > 0; got != e.openWarning {
			t.Errorf("open-to-the-internet warning present = %v, want %v", got, e.openWarning)
		}
	})
}

// TestCdkNag requires zero unsuppressed AwsSolutions errors in every variant.
func TestCdkNag(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *synthesized, e expectation) {
		errs := annotations(s).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
		for _, m := range *errs {
			//lint:ignore SA1019 the Go bindings offer no other way to read a synthesis message's ID and data
			t.Errorf("cdk-nag: %s: %v", *m.Id, m.Entry.Data)
		}
		// Every suppression carries a reason a reviewer can read.
		for _, r := range s.template["Resources"].(map[string]any) {
			meta, _ := r.(map[string]any)["Metadata"].(map[string]any)
			nag, _ := meta["cdk_nag"].(map[string]any)
			rules, _ := nag["rules_to_suppress"].([]any)
			for _, rule := range rules {
				rule := rule.(map[string]any)
				if reason, _ := rule["reason"].(string); len(reason) < 40 {
					t.Errorf("suppression of %v has too thin a reason: %q", rule["id"], reason)
				}
			}
		}
	})
}

// TestBadOptionsFailBeforeBuilding checks that the app path rejects a bad
// option with an error naming the key, before any stack exists.
func TestBadOptionsFailBeforeBuilding(t *testing.T) {
	ctx := map[string]any{"topology": "hybrid", "schedulerPorts": "0"}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(mustTempDir())})
	_, err := stacks.FromApp(app)
	if err == nil {
		t.Fatal("bad options accepted")
	}
	for _, want := range []string{"topology", "hybrid", "schedulerPorts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if n := len(*app.Node().Children()); n != 0 {
		t.Errorf("%d constructs built despite bad options", n)
	}
}

// TestCdkNagIsApplied proves the AwsSolutions checks run on the stack: an
// unencrypted, unlogged bucket added to it must be reported.
func TestCdkNagIsApplied(t *testing.T) {
	ctx := map[string]any{}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(mustTempDir())})
	stack, err := stacks.FromApp(app)
	if err != nil {
		t.Fatal(err)
	}
	awss3.NewBucket(stack.Stack, jsii.String("Careless"), nil)
	app.Synth(nil)
	errs := assertions.Annotations_FromStack(stack.Stack).FindError(jsii.String("/CoiledNetwork/Careless/Resource"),
		assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-S1")))
	if len(*errs) == 0 {
		t.Error("cdk-nag did not report a bucket without access logs: the AwsSolutions checks are not applied")
	}
}

// TestConstructInAnotherApp uses CoiledNetwork as another CDK app would:
// nil props mean every default, and bad props are an error naming the
// option, with nothing built.
func TestConstructInAnotherApp(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(mustTempDir()), BuiltinCloudFormationValidation: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Other"), nil)
	n, err := network.NewCoiledNetwork(stack, "Coiled", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !n.GiveWorkersPublicIp || n.SchedulerSubnet == nil || n.WorkerSubnet == nil || len(n.Zones) != 1 ||
		n.Props.Topology != config.TopologyPublic || n.Props.VpcCidr.String() != "10.0.0.0/16" {
		t.Errorf("defaults not applied: %+v", n.Props)
	}
	noPanic(t, "template", func() {
		tpl := assertions.Template_FromStack(stack, nil)
		tpl.ResourceCountIs(jsii.String("AWS::EC2::VPC"), jsii.Number(1))
		tpl.ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(0))
		tpl.ResourceCountIs(jsii.String("AWS::EC2::SecurityGroup"), jsii.Number(2))
	})

	_, err = network.NewCoiledNetwork(stack, "Bad", &config.Network{NatGateways: 3, SchedulerPorts: []uint16{0}})
	if err == nil {
		t.Fatal("bad props accepted")
	}
	for _, want := range []string{`"Bad"`, "natGateways", "schedulerPorts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if stack.Node().TryFindChild(jsii.String("Bad")) != nil {
		t.Error("a construct was built despite bad props")
	}
}

// TestAddingAnAzKeepsSubnets: going from one AZ to two must leave the first
// AZ's subnets exactly as they were (same logical IDs, same properties), so
// CloudFormation replaces nothing.
func TestAddingAnAzKeepsSubnets(t *testing.T) {
	one, two := synth(t, "private-default"), synth(t, "private-instance-2az")
	before := one.resources("AWS::EC2::Subnet")
	if len(before) != 2 {
		t.Fatalf("%d subnets in private-default", len(before))
	}
	for _, sn := range before {
		after, ok := two.resource(sn.ID)
		if !ok {
			t.Errorf("subnet %s is gone with a second AZ", sn.ID)
			continue
		}
		if !equalJSON(sn.Props, after.Props) {
			t.Errorf("subnet %s changes with a second AZ:\n before %v\n after  %v", sn.ID, sn.Props, after.Props)
		}
	}
	if n := len(two.resources("AWS::EC2::Subnet")); n != 4 {
		t.Errorf("%d subnets with two AZs, want 4", n)
	}
}

// TestOutputKeysMatchTheHook: every variant's template has every output
// the hook requires (outputkeys.Required, the one set of names shared by
// stack and hook) and one ZoneN output per AZ, numbered from 0.
func TestOutputKeysMatchTheHook(t *testing.T) {
	for _, v := range variants.All {
		s := synth(t, v.Name)
		outputs, _ := s.template["Outputs"].(map[string]any)
		for _, k := range outputkeys.Required {
			if _, ok := outputs[k]; !ok {
				t.Errorf("%s: no output %s, which the hook requires", v.Name, k)
			}
		}
		for i := range s.stack.Network.Zones {
			if _, ok := outputs[fmt.Sprintf("%s%d", outputkeys.ZonePrefix, i)]; !ok {
				t.Errorf("%s: no output %s%d for AZ %d", v.Name, outputkeys.ZonePrefix, i, i)
			}
		}
	}
}
