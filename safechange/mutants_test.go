package safechange

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// tpl builds a template from resources and the scheduler/cluster outputs.
func tpl(t *testing.T, resources map[string]any, outputs map[string]any) []byte {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"Resources": resources, "Outputs": outputs})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }

func vpc(cidr string) map[string]any {
	return map[string]any{"Type": "AWS::EC2::VPC", "Properties": map[string]any{"CidrBlock": cidr}}
}

func subnet(cidr, az string) map[string]any {
	return map[string]any{"Type": "AWS::EC2::Subnet", "Properties": map[string]any{"CidrBlock": cidr, "AvailabilityZone": az, "VpcId": ref("Vpc")}}
}

func sg(desc string, ingress ...map[string]any) map[string]any {
	list := []any{}
	for _, r := range ingress {
		list = append(list, r)
	}
	return map[string]any{"Type": "AWS::EC2::SecurityGroup", "Properties": map[string]any{"GroupDescription": desc, "VpcId": ref("Vpc"), "SecurityGroupIngress": list}}
}

func tcp(from, to float64, cidr string) map[string]any {
	return map[string]any{"IpProtocol": "tcp", "FromPort": from, "ToPort": to, "CidrIp": cidr}
}

func mustCompare(t *testing.T, a, b []byte) []Finding {
	t.Helper()
	f, err := Compare(a, b)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFindingString(t *testing.T) {
	f := Finding{LogicalID: "Vpc", Type: "AWS::EC2::VPC", Kind: Replaced, Why: "CidrBlock changes"}
	if got, want := f.String(), "Vpc (AWS::EC2::VPC) would be replaced: CidrBlock changes"; got != want {
		t.Errorf("no options: %q, want %q", got, want)
	}
	f.Options = []string{"vpcCidr"}
	if got, want := f.String(), "Vpc (AWS::EC2::VPC) would be replaced: CidrBlock changes (options: vpcCidr)"; got != want {
		t.Errorf("one option: %q, want %q", got, want)
	}
	f.Options = []string{"a", "b"}
	if got := f.String(); !strings.HasSuffix(got, " (options: a, b)") {
		t.Errorf("two options: %q", got)
	}
}

func TestBadSynthesizedTemplate(t *testing.T) {
	f, err := Compare(golden(t, "public-default"), []byte("{"))
	if err == nil || !strings.Contains(err.Error(), "the synthesized template") || f != nil {
		t.Errorf("findings %v, err = %v", f, err)
	}
}

// A guarded resource whose logical ID stays but whose type changes is a
// deleted resource, reported once (not also as replaced).
func TestTypeChangeIsDeletion(t *testing.T) {
	old := tpl(t, map[string]any{"Vpc": vpc("10.0.0.0/16"), "Sub": subnet("10.0.0.0/24", "us-east-1a")}, nil)
	next := tpl(t, map[string]any{"Vpc": vpc("10.0.0.0/16"), "Sub": map[string]any{"Type": "AWS::EC2::SubnetRouteTableAssociation"}}, nil)
	f := mustCompare(t, old, next)
	if len(f) != 1 || f[0].Kind != Deleted || f[0].LogicalID != "Sub" || f[0].Type != "AWS::EC2::Subnet" {
		t.Errorf("got %v, want one deletion of Sub", f)
	}
	// Deleted outright: also one finding, and a deleted VPC replaces its subnets.
	next = tpl(t, map[string]any{"Sub": subnet("10.0.0.0/24", "us-east-1a")}, nil)
	f = mustCompare(t, old, next)
	if len(f) != 2 || f[0].LogicalID != "Sub" || f[0].Kind != Replaced || !strings.Contains(f[0].Why, "VpcId refers to Vpc, which is replaced") ||
		f[1].LogicalID != "Vpc" || f[1].Kind != Deleted {
		t.Errorf("got %v, want Sub replaced through Vpc, Vpc deleted", f)
	}
}

// Two replacement properties changing give one finding per resource.
func TestOneFindingPerReplacedResource(t *testing.T) {
	old := tpl(t, map[string]any{"Vpc": vpc("10.0.0.0/16"), "Sub": subnet("10.0.0.0/24", "us-east-1a")}, nil)
	next := tpl(t, map[string]any{"Vpc": vpc("10.0.0.0/16"), "Sub": subnet("10.0.1.0/24", "us-east-1b")}, nil)
	f := mustCompare(t, old, next)
	if len(f) != 1 || f[0].Kind != Replaced || f[0].LogicalID != "Sub" {
		t.Fatalf("got %v, want one replacement of Sub", f)
	}
	// Properties are looked at in name order: AvailabilityZone first.
	if want := "AvailabilityZone changes from us-east-1a to us-east-1b"; f[0].Why != want {
		t.Errorf("why %q, want %q", f[0].Why, want)
	}
	if !reflect.DeepEqual(f[0].Options, []string{"azs", "availabilityZones"}) {
		t.Errorf("options %v", f[0].Options)
	}
}

// A property that appears shows as (none) before.
func TestAppearingProperty(t *testing.T) {
	old := tpl(t, map[string]any{"Vpc": vpc("10.0.0.0/16")}, nil)
	n := vpc("10.0.0.0/16")
	n["Properties"].(map[string]any)["Ipv4NetmaskLength"] = 16
	f := mustCompare(t, old, tpl(t, map[string]any{"Vpc": n}, nil))
	if len(f) != 1 || f[0].Why != "Ipv4NetmaskLength changes from (none) to 16" {
		t.Errorf("got %v", f)
	}
	if show(nil) != "(none)" || show("x") != "x" || show(map[string]any{"Ref": "A"}) != `{"Ref":"A"}` {
		t.Errorf("show: %q %q %q", show(nil), show("x"), show(map[string]any{"Ref": "A"}))
	}
}

// Replacement propagates to every subnet of a replaced VPC whatever the
// order the resources are looked at (a fixed point, not one pass).
func TestReplacementReachesEverySubnet(t *testing.T) {
	oldR := map[string]any{"Vpc": vpc("10.0.0.0/16")}
	newR := map[string]any{"Vpc": vpc("10.1.0.0/16")}
	for i := range 16 {
		id := "Sub" + string(rune('A'+i))
		oldR[id] = subnet("x", "a")
		newR[id] = subnet("x", "a")
	}
	old, next := tpl(t, oldR, nil), tpl(t, newR, nil)
	for range 5 {
		f := mustCompare(t, old, next)
		if len(f) != 17 {
			t.Fatalf("%d findings, want 17: %v", len(f), f)
		}
		for i, x := range f[:16] {
			if x.Kind != Replaced || x.LogicalID != "Sub"+string(rune('A'+i)) {
				t.Errorf("finding %d: %v", i, x)
			}
		}
	}
}

func schedOutputs(id string) map[string]any {
	return map[string]any{"SchedulerFirewallId": map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{id, "GroupId"}}}}
}

// Findings are in logical ID order, then by kind; widenings of one group
// keep the order of its rules.
func TestFindingOrder(t *testing.T) {
	old := tpl(t, map[string]any{
		"Vpc": vpc("10.0.0.0/16"),
		"A":   sg("sched", tcp(443, 443, "10.0.0.0/8")),
	}, schedOutputs("A"))
	next := tpl(t, map[string]any{
		"Vpc": vpc("10.0.0.0/16"),
		"A":   sg("other", tcp(443, 443, "10.0.0.0/8"), tcp(8786, 8786, "1.0.0.0/8"), tcp(22, 22, "2.0.0.0/8")),
		"Z":   vpc("10.9.0.0/16"),
	}, schedOutputs("A"))
	// Make the VPC sort after A but be replaced: rename it Zz in both.
	oldT, nextT := string(old), string(next)
	oldT = strings.ReplaceAll(oldT, `"Vpc"`, `"Zz"`)
	nextT = strings.ReplaceAll(nextT, `"Vpc"`, `"Zz"`)
	nextT = strings.Replace(nextT, `"10.0.0.0/16"`, `"10.5.0.0/16"`, 1)
	f := mustCompare(t, []byte(oldT), []byte(nextT))
	var got []string
	for _, x := range f {
		got = append(got, x.LogicalID+" "+string(x.Kind)+" "+x.Why)
	}
	want := []string{
		"A replaced GroupDescription changes from sched to other",
		"A widened the scheduler's TCP 8786 would accept 1.0.0.0/8, which it does not today",
		"A widened the scheduler's TCP 22 would accept 2.0.0.0/8, which it does not today",
		"Zz replaced CidrBlock changes from 10.0.0.0/16 to 10.5.0.0/16",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestIngressSources(t *testing.T) {
	tp := template{Resources: map[string]resource{
		"G": {Type: "AWS::EC2::SecurityGroup", Properties: map[string]any{"SecurityGroupIngress": []any{
			map[string]any{"IpProtocol": "TCP", "FromPort": 443.0, "ToPort": 443.0, "CidrIp": "10.0.0.0/8"},
			map[string]any{"IpProtocol": "tcp", "FromPort": 443.0, "ToPort": 443.0, "CidrIpv6": "::/0"},
			map[string]any{"IpProtocol": "tcp", "FromPort": 443.0, "ToPort": 443.0, "SourcePrefixListId": "pl-1"},
			map[string]any{"IpProtocol": "tcp", "FromPort": 443.0, "ToPort": 443.0, "SourceSecurityGroupId": ref("Other")},
			map[string]any{"IpProtocol": "-1"},
			"not a rule",
		}}},
		"Extra":     {Type: "AWS::EC2::SecurityGroupIngress", Properties: map[string]any{"GroupId": map[string]any{"Fn::GetAtt": []any{"G", "GroupId"}}, "IpProtocol": "udp", "FromPort": 53.0, "ToPort": 54.0, "CidrIp": "1.2.3.4/32"}},
		"Elsewhere": {Type: "AWS::EC2::SecurityGroupIngress", Properties: map[string]any{"GroupId": ref("H"), "IpProtocol": "tcp", "FromPort": 1.0, "ToPort": 1.0, "CidrIp": "9.9.9.9/32"}},
		"Egress":    {Type: "AWS::EC2::SecurityGroupEgress", Properties: map[string]any{"GroupId": ref("G"), "IpProtocol": "tcp", "FromPort": 2.0, "ToPort": 2.0, "CidrIp": "8.8.8.8/32"}},
	}}
	got := ingress(tp, "G")
	want := []rule{
		{"tcp", 443, 443, "10.0.0.0/8"},
		{"tcp", 443, 443, "::/0"},
		{"tcp", 443, 443, "prefix list pl-1"},
		{"tcp", 443, 443, `security group {"Ref":"Other"}`},
		{"-1", -1, -1, "unknown source"},
		{"udp", 53, 54, "1.2.3.4/32"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ingress:\n got %v\nwant %v", got, want)
	}
	if got := ingress(tp, "Missing"); got != nil {
		t.Errorf("no such group: %v", got)
	}
}

func TestCovers(t *testing.T) {
	all := rule{"-1", -1, -1, "0.0.0.0/0"}
	r443 := rule{"tcp", 443, 443, "10.0.0.0/24"}
	tcpAll := rule{"tcp", -1, -1, "10.0.0.0/24"}
	for _, c := range []struct {
		name string
		a, b rule
		want bool
	}{
		{"same rule", r443, r443, true},
		{"all traffic covers tcp", all, rule{"tcp", 443, 443, "10.0.0.0/8"}, true},
		{"all traffic covers all ports", all, rule{"-1", -1, -1, "10.0.0.0/8"}, true},
		{"tcp does not cover udp", r443, rule{"udp", 443, 443, "10.0.0.0/24"}, false},
		{"tcp does not cover all traffic", r443, rule{"-1", -1, -1, "10.0.0.0/24"}, false},
		{"port below", r443, rule{"tcp", 442, 443, "10.0.0.0/24"}, false},
		{"port above", r443, rule{"tcp", 443, 444, "10.0.0.0/24"}, false},
		{"inside range", rule{"tcp", 400, 500, "10.0.0.0/24"}, r443, true},
		{"range edges", rule{"tcp", 400, 500, "10.0.0.0/24"}, rule{"tcp", 400, 500, "10.0.0.0/24"}, true},
		{"one port does not cover all tcp", r443, tcpAll, false},
		{"all tcp covers one port", tcpAll, r443, true},
		{"full range covers ports from 0", rule{"tcp", 0, 65535, "10.0.0.0/24"}, rule{"tcp", 0, 100, "10.0.0.0/24"}, true},
		{"wider CIDR", rule{"tcp", 443, 443, "10.0.0.0/16"}, r443, true},
		{"narrower CIDR", r443, rule{"tcp", 443, 443, "10.0.0.0/16"}, false},
		{"same length, same network", r443, rule{"tcp", 443, 443, "10.0.0.7/24"}, true},
		{"disjoint", r443, rule{"tcp", 443, 443, "10.0.1.0/24"}, false},
		{"v4 does not cover v6", rule{"tcp", 443, 443, "0.0.0.0/0"}, rule{"tcp", 443, 443, "::/0"}, false},
		{"v6 does not cover v4", rule{"tcp", 443, 443, "::/0"}, rule{"tcp", 443, 443, "0.0.0.0/0"}, false},
		{"v6 covers v6", rule{"tcp", 443, 443, "::/0"}, rule{"tcp", 443, 443, "2001:db8::/32"}, true},
		{"CIDR does not cover a prefix list", rule{"tcp", 443, 443, "0.0.0.0/0"}, rule{"tcp", 443, 443, "prefix list pl-1"}, false},
		{"a prefix list does not cover a CIDR", rule{"tcp", 443, 443, "prefix list pl-1"}, rule{"tcp", 443, 443, "10.0.0.0/24"}, false},
		{"same prefix list", rule{"tcp", 443, 443, "prefix list pl-1"}, rule{"tcp", 443, 443, "prefix list pl-1"}, true},
		{"other prefix list", rule{"tcp", 443, 443, "prefix list pl-1"}, rule{"tcp", 443, 443, "prefix list pl-2"}, false},
	} {
		if got := c.a.covers(c.b); got != c.want {
			t.Errorf("%s: %v covers %v = %v, want %v", c.name, c.a, c.b, got, c.want)
		}
	}
}

func TestWidenedRuleText(t *testing.T) {
	old := tpl(t, map[string]any{"Vpc": vpc("10.0.0.0/16"), "S": sg("s", tcp(443, 443, "10.0.0.0/8"))}, schedOutputs("S"))
	for _, c := range []struct {
		rule map[string]any
		want string
	}{
		{map[string]any{"IpProtocol": "tcp", "CidrIp": "1.0.0.0/8"}, "the scheduler's all ports would accept 1.0.0.0/8, which it does not today"},
		{map[string]any{"IpProtocol": "-1", "FromPort": 443.0, "ToPort": 443.0, "CidrIp": "1.0.0.0/8"}, "the scheduler's all ports would accept 1.0.0.0/8"},
		{map[string]any{"IpProtocol": "udp", "FromPort": 8786.0, "ToPort": 8787.0, "CidrIp": "10.0.0.0/8"}, "the scheduler's UDP 8786-8787 would accept 10.0.0.0/8"},
	} {
		next := tpl(t, map[string]any{"Vpc": vpc("10.0.0.0/16"), "S": sg("s", tcp(443, 443, "10.0.0.0/8"), c.rule)}, schedOutputs("S"))
		f := mustCompare(t, old, next)
		if len(f) != 1 || f[0].Kind != Widened || f[0].LogicalID != "S" || f[0].Type != "AWS::EC2::SecurityGroup" || !strings.HasPrefix(f[0].Why, c.want) {
			t.Errorf("%v: got %v, want %q", c.rule, f, c.want)
		}
	}
}

// Without a scheduler group on either side, or one that is not a
// reference, there is nothing to compare (and no panic).
func TestWidenedWithoutSchedulerGroup(t *testing.T) {
	res := map[string]any{"Vpc": vpc("10.0.0.0/16"), "S": sg("s", tcp(443, 443, "0.0.0.0/0"))}
	literal := map[string]any{"SchedulerFirewallId": map[string]any{"Value": "sg-123"}}
	for _, c := range []struct {
		name     string
		old, new map[string]any
	}{
		{"no output before", nil, schedOutputs("S")},
		{"no output after", schedOutputs("S"), nil},
		{"literal before", literal, schedOutputs("S")},
		{"literal after", schedOutputs("S"), literal},
	} {
		f := mustCompare(t, tpl(t, res, c.old), tpl(t, res, c.new))
		if len(f) != 0 {
			t.Errorf("%s: %v", c.name, f)
		}
	}
}

func TestRefs(t *testing.T) {
	v := map[string]any{"Fn::Join": []any{"", []any{
		ref("A"), ref("AWS::Region"),
		map[string]any{"Fn::GetAtt": []any{"B", "GroupId"}},
		map[string]any{"Fn::GetAtt": []any{"C"}},
		map[string]any{"Fn::GetAtt": []any{}},
		map[string]any{"Fn::GetAtt": "D.GroupId"},
		map[string]any{"Fn::GetAtt": []any{7.0}},
	}}}
	if got, want := refs(v), []string{"A", "B", "C"}; !reflect.DeepEqual(got, want) {
		t.Errorf("refs = %v, want %v", got, want)
	}
}

// The security groups handed to Coiled are guarded; another one is not.
func TestGuardedGroups(t *testing.T) {
	res := map[string]any{"Vpc": vpc("10.0.0.0/16"), "S": sg("s"), "C": sg("c"), "Other": sg("o"),
		"Vpc2": vpc("10.1.0.0/16")}
	outs := map[string]any{
		"SchedulerFirewallId": map[string]any{"Value": ref("S")},
		"FirewallId":          map[string]any{"Value": ref("C")},
		"Unrelated":           map[string]any{"Value": ref("Other")},
	}
	got := guarded(template{})
	if len(got) != 0 {
		t.Errorf("empty template guards %v", got)
	}
	var tp template
	if err := json.Unmarshal(tpl(t, res, outs), &tp); err != nil {
		t.Fatal(err)
	}
	got = guarded(tp)
	want := map[string]bool{"Vpc": true, "Vpc2": true, "S": true, "C": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("guarded %v, want %v", got, want)
	}
	// Changing the unguarded group's description is safe; the guarded ones' is not.
	next := map[string]any{"Vpc": vpc("10.0.0.0/16"), "S": sg("s2"), "C": sg("c2"), "Other": sg("o2"), "Vpc2": vpc("10.1.0.0/16")}
	f := mustCompare(t, tpl(t, res, outs), tpl(t, next, outs))
	if len(f) != 2 || f[0].LogicalID != "C" || f[1].LogicalID != "S" {
		t.Errorf("got %v, want C and S replaced", f)
	}
}
