package stackoutputs

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func valid() map[string]string {
	return map[string]string{
		"NetworkId":           "vpc-0abc",
		"SchedulerSubnetId":   "subnet-0a1",
		"WorkerSubnetId":      "subnet-0a2",
		"SchedulerFirewallId": "sg-0s",
		"FirewallId":          "sg-0c",
		"GiveWorkersPublicIp": "false",
		"Region":              "us-east-2",
		"Zone0":               "us-east-2a,subnet-0a1,subnet-0a2",
		"Zone1":               "us-east-2b,subnet-0b1,subnet-0b2",
		"Unrelated":           "whatever",
	}
}

func TestParseValid(t *testing.T) {
	t.Parallel()
	o, err := Parse("Net", valid())
	if err != nil {
		t.Fatal(err)
	}
	want := &Outputs{
		StackName: "Net", NetworkID: "vpc-0abc", SchedulerSubnetID: "subnet-0a1", WorkerSubnetID: "subnet-0a2",
		SchedulerFirewallID: "sg-0s", FirewallID: "sg-0c", GiveWorkersPublicIP: false, Region: "us-east-2",
		Zones: []Zone{{0, "us-east-2a", "subnet-0a1", "subnet-0a2"}, {1, "us-east-2b", "subnet-0b1", "subnet-0b2"}},
		All:   valid(),
	}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("got %+v\nwant %+v", o, want)
	}
	if z, ok := o.CurrentZone(); !ok || z.Name != "us-east-2a" {
		t.Errorf("CurrentZone = %v, %v", z, ok)
	}

	pub := valid()
	pub["GiveWorkersPublicIp"] = "true"
	pub["WorkerSubnetId"] = "subnet-0a1"
	pub["Zone0"] = "us-east-2a,subnet-0a1,subnet-0a1"
	o, err = Parse("Net", pub)
	if err != nil || !o.GiveWorkersPublicIP || o.WorkerSubnetID != o.SchedulerSubnetID {
		t.Errorf("public topology: %+v, %v", o, err)
	}

	noZones := valid()
	delete(noZones, "Zone0")
	delete(noZones, "Zone1")
	o, err = Parse("Net", noZones)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := o.CurrentZone(); ok || len(o.Zones) != 0 {
		t.Errorf("stack without ZoneN: zone known? %+v", o)
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		edit  func(m map[string]string)
		wants []string
	}{
		{"missing keys named", func(m map[string]string) { delete(m, "FirewallId"); delete(m, "Region") },
			[]string{"missing output(s) FirewallId, Region", "outputs present:"}},
		{"no outputs at all", func(m map[string]string) {
			for k := range m {
				delete(m, k)
			}
		}, []string{"missing output(s) NetworkId, SchedulerSubnetId", "has no outputs"}},
		{"vpc prefix", func(m map[string]string) { m["NetworkId"] = "subnet-0abc" }, []string{`NetworkId: "subnet-0abc" does not start with vpc-`}},
		{"subnet prefix", func(m map[string]string) { m["WorkerSubnetId"] = "sg-0" }, []string{"WorkerSubnetId", "does not start with subnet-"}},
		{"sg prefix", func(m map[string]string) { m["SchedulerFirewallId"] = "vpc-0" }, []string{"SchedulerFirewallId", "does not start with sg-"}},
		{"ARN", func(m map[string]string) { m["FirewallId"] = "arn:aws:ec2:us-east-2:1:security-group/sg-0c" }, []string{"FirewallId", "is an ARN"}},
		{"prefix only", func(m map[string]string) { m["FirewallId"] = "sg-" }, []string{"FirewallId"}},
		{"boolean", func(m map[string]string) { m["GiveWorkersPublicIp"] = "True" }, []string{`GiveWorkersPublicIp: "True" must be exactly true or false`}},
		{"empty region", func(m map[string]string) { m["Region"] = "" }, []string{"Region: empty"}},
		{"bad region", func(m map[string]string) { m["Region"] = "Ohio" }, []string{"is not an AWS region name"}},
		{"zone with two fields", func(m map[string]string) { m["Zone1"] = "us-east-2b,subnet-0b1" }, []string{"Zone1", "<az-name>,<scheduler-subnet-id>,<worker-subnet-id>"}},
		{"zone in another region", func(m map[string]string) { m["Zone1"] = "eu-west-1a,subnet-0b1,subnet-0b2" }, []string{"Zone1: zone eu-west-1a is not in region us-east-2"}},
		{"zone bad subnet", func(m map[string]string) { m["Zone1"] = "us-east-2b,sg-0b1,subnet-0b2" }, []string{"Zone1", "does not start with subnet-"}},
		{"zone gap", func(m map[string]string) { m["Zone3"] = "us-east-2c,subnet-0c1,subnet-0c2" }, []string{"Zone2 is missing"}},
		{"duplicate zone", func(m map[string]string) { m["Zone1"] = "us-east-2a,subnet-0b1,subnet-0b2" }, []string{"Zone0 and Zone1 both name zone us-east-2a"}},
		{"scheduler subnet in no zone", func(m map[string]string) { m["SchedulerSubnetId"] = "subnet-0zz" }, []string{"SchedulerSubnetId subnet-0zz is the scheduler subnet of no ZoneN output"}},
		{"worker subnet disagrees", func(m map[string]string) { m["WorkerSubnetId"] = "subnet-0b2" }, []string{"WorkerSubnetId subnet-0b2 does not match Zone0's worker subnet subnet-0a2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := valid()
			tc.edit(m)
			_, err := Parse("Net", m)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestParseReportsAllProblems(t *testing.T) {
	t.Parallel()
	m := valid()
	m["NetworkId"] = "vpc"
	m["GiveWorkersPublicIp"] = "1"
	_, err := Parse("Net", m)
	var e *Error
	if !errors.As(err, &e) || len(e.Problems) != 2 {
		t.Fatalf("want 2 problems, got %v", err)
	}
}

func TestWithZone(t *testing.T) {
	t.Parallel()
	o, err := Parse("Net", valid())
	if err != nil {
		t.Fatal(err)
	}
	for _, sel := range []string{"us-east-2b", "1", " 1 "} {
		z, err := o.WithZone(sel)
		if err != nil {
			t.Fatalf("%q: %v", sel, err)
		}
		if z.SchedulerSubnetID != "subnet-0b1" || z.WorkerSubnetID != "subnet-0b2" {
			t.Errorf("%q: subnets %s/%s", sel, z.SchedulerSubnetID, z.WorkerSubnetID)
		}
		if cz, ok := z.CurrentZone(); !ok || cz.Name != "us-east-2b" {
			t.Errorf("%q: CurrentZone %v %v", sel, cz, ok)
		}
	}
	if o.SchedulerSubnetID != "subnet-0a1" {
		t.Error("WithZone changed the original")
	}
	for _, sel := range []string{"us-east-2c", "2", "-1", ""} {
		if _, err := o.WithZone(sel); err == nil || !strings.Contains(err.Error(), "0=us-east-2a, 1=us-east-2b") {
			t.Errorf("%q: err = %v", sel, err)
		}
	}
	noZones := valid()
	delete(noZones, "Zone0")
	delete(noZones, "Zone1")
	o, _ = Parse("Net", noZones)
	if _, err := o.WithZone("0"); err == nil || !strings.Contains(err.Error(), "no ZoneN outputs") {
		t.Errorf("no zones: err = %v", err)
	}
}

func TestParseOutputsFile(t *testing.T) {
	t.Parallel()
	other := valid()
	other["NetworkId"] = "vpc-0other"
	file := func(stacks map[string]map[string]string) []byte {
		b, _ := json.Marshal(stacks)
		return b
	}
	one := file(map[string]map[string]string{"NetA": valid()})
	two := file(map[string]map[string]string{"NetB": other, "NetA": valid()})
	cases := []struct {
		name, stack string
		data        []byte
		vpc         string
		wantErr     string
	}{
		{name: "one stack", data: one, vpc: "vpc-0abc"},
		{name: "one stack named", data: one, stack: "NetA", vpc: "vpc-0abc"},
		{name: "several, --stack", data: two, stack: "NetB", vpc: "vpc-0other"},
		{name: "several, no --stack", data: two, wantErr: "several stacks (NetA, NetB): choose one with --stack"},
		{name: "unknown stack", data: two, stack: "NetC", wantErr: `stack "NetC" is not in f.json; stacks found: NetA, NetB`},
		{name: "bad JSON", data: []byte(`{"NetA": `), wantErr: "f.json is not a cdk outputs file"},
		{name: "array", data: []byte(`[1]`), wantErr: "is not a cdk outputs file"},
		{name: "null", data: []byte(`null`), wantErr: "is not a cdk outputs file"},
		{name: "trailing", data: []byte(`{} {}`), wantErr: "trailing data"},
		{name: "empty", data: []byte(`{}`), wantErr: "holds no stacks"},
		{name: "stack not object", data: []byte(`{"NetA": "x"}`), wantErr: "not an object of outputs"},
		{name: "non-string value", data: []byte(`{"NetA": {"GiveWorkersPublicIp": true}}`), wantErr: "GiveWorkersPublicIp: must be a string, got a boolean"},
		{name: "missing key", data: file(map[string]map[string]string{"NetA": {"NetworkId": "vpc-1"}}), wantErr: "missing output(s) SchedulerSubnetId"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, err := ParseOutputsFile("f.json", tc.data, tc.stack)
			if tc.wantErr != "" {
				var e *Error
				if !errors.As(err, &e) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want *Error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.NetworkID != tc.vpc {
				t.Errorf("NetworkID %s, want %s", o.NetworkID, tc.vpc)
			}
		})
	}
}

func TestReadOutputsFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := ReadOutputsFile(filepath.Join(dir, "nope.json"), ""); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing file: %v", err)
	}
	b, _ := json.Marshal(map[string]map[string]string{"Net": valid()})
	p := filepath.Join(dir, "cdk-outputs.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := ReadOutputsFile(p, "")
	if err != nil || o.StackName != "Net" {
		t.Errorf("%+v %v", o, err)
	}
}
