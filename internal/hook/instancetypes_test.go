package hook

import (
	"strings"
	"testing"

	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/netcheck/netchecktest"
)

// Issue 18, item 6: --instance-types and --zone auto.

// offeringEC2 is the healthy private network with instance type offerings:
// us-east-2a offers m5.xlarge only, us-east-2b also trn1.32xlarge, and
// us-east-2c (no zone of the stack) also g5.48xlarge.
func offeringEC2(t *testing.T, outputs map[string]string) *netchecktest.Fake {
	f := healthyEC2(parsed(t, outputs))
	f.Offerings = map[string][]string{"us-east-2a": {"m5.xlarge"}, "us-east-2b": {"m5.xlarge", "trn1.32xlarge"},
		"us-east-2c": {"m5.xlarge", "trn1.32xlarge", "g5.48xlarge"}}
	return f
}

func TestInstanceTypes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		outputs map[string]string
		args    []string
		code    int
		want    []string
		never   []string
		zone    string // the zone sent, "" when nothing is sent
		sched   string // the scheduler subnet sent
	}{
		{"--check warns about a type the zone lacks", privateOutputs(), []string{"--check", "--instance-types", "m5.xlarge,trn1.32xlarge"}, ExitOK,
			[]string{"warning: instance type trn1.32xlarge is not offered in us-east-2a, the Availability Zone being sent", "this network's zones that offer it: us-east-2b"},
			[]string{"instance type m5.xlarge is not offered"}, "", ""},
		{"a send warns and sends the zone asked for", privateOutputs(), []string{"--instance-types", "trn1.32xlarge"}, ExitOK,
			[]string{"instance type trn1.32xlarge is not offered in us-east-2a", "us-east-2b (send one with --zone, or --zone auto)"}, nil, "us-east-2a", "subnet-0a1"},
		{"--no-check send warns too", privateOutputs(), []string{"--no-check", "--instance-types", "trn1.32xlarge"}, ExitOK,
			[]string{"instance type trn1.32xlarge is not offered in us-east-2a"}, nil, "us-east-2a", "subnet-0a1"},
		{"a type no zone of the network offers", privateOutputs(), []string{"--check", "--instance-types", "g5.48xlarge"}, ExitOK,
			[]string{"instance type g5.48xlarge is not offered in us-east-2a", "no zone of this network offers it; zones of us-east-2 that do: us-east-2c"}, nil, "", ""},
		{"zone learnt from EC2", withoutZones(privateOutputs()), []string{"--check", "--instance-types", "g5.48xlarge"}, ExitOK,
			[]string{"instance type g5.48xlarge is not offered in us-east-2a"}, nil, "", ""},
		{"every type offered: no warning", privateOutputs(), []string{"--check", "--instance-types", "m5.xlarge"}, ExitOK, nil, []string{"coiled-hook: warning"}, "", ""},
		{"--zone auto picks the first zone offering them all", privateOutputs(), []string{"--zone", "auto", "--instance-types", "m5.xlarge,trn1.32xlarge"}, ExitOK,
			[]string{"Zone us-east-2b: the first of the stack's zones (0=us-east-2a, 1=us-east-2b) that offers m5.xlarge, trn1.32xlarge (--zone auto)"},
			[]string{"warning: instance type"}, "us-east-2b", "subnet-0b1"},
		{"--zone auto with --check", privateOutputs(), []string{"--check", "--zone", "auto", "--instance-types", "trn1.32xlarge"}, ExitOK,
			[]string{"Zone us-east-2b: the first", "Network check of vpc-0priv5678"}, []string{"coiled-hook: warning"}, "", ""},
		{"--zone auto: no zone offers them all", privateOutputs(), []string{"--zone", "auto", "--instance-types", "trn1.32xlarge,g5.48xlarge"}, ExitUsage,
			[]string{"--zone auto: no zone of this stack (0=us-east-2a, 1=us-east-2b) offers every type of trn1.32xlarge, g5.48xlarge",
				"trn1.32xlarge in us-east-2b; g5.48xlarge in none of them"}, nil, "", ""},
		{"--zone auto without ZoneN outputs", withoutZones(privateOutputs()), []string{"--zone", "auto", "--instance-types", "m5.xlarge"}, ExitUsage,
			[]string{"--zone auto: the stack has no ZoneN outputs"}, nil, "", ""},
		{"unknown type", privateOutputs(), []string{"--instance-types", "m5.xlarge,m5.nope"}, ExitUsage,
			[]string{"--instance-types: instance type(s) m5.nope: no Availability Zone of us-east-2 offers them"}, nil, "", ""},
		{"unknown type with --check", privateOutputs(), []string{"--check", "--instance-types", "m5.nope"}, ExitUsage,
			[]string{"instance type(s) m5.nope"}, nil, "", ""},
		{"unknown type with --zone auto", privateOutputs(), []string{"--zone", "auto", "--instance-types", "m5.nope"}, ExitUsage,
			[]string{"instance type(s) m5.nope"}, nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, coiledtest.Options{})
			h.ec2 = offeringEC2(t, tc.outputs)
			res := h.run(append(h.outputsFlag(tc.outputs), tc.args...)...)
			expect(t, res, tc.code, tc.want...)
			for _, n := range tc.never {
				if strings.Contains(res.all(), n) {
					t.Errorf("output has %q:\n%s", n, res.all())
				}
			}
			if tc.zone == "" {
				if n := len(h.srv.Updates()); n != 0 {
					t.Errorf("%d updates sent", n)
				}
				return
			}
			d := onlyUpdate(t, h.srv).Data
			if z := dig(d, "options", "zone"); z != tc.zone {
				t.Errorf("zone sent %v, want %s", z, tc.zone)
			}
			if s := dig(d, "options", "network", "scheduler_subnet_id"); s != tc.sched {
				t.Errorf("scheduler subnet sent %v, want %s", s, tc.sched)
			}
		})
	}
}

func TestInstanceTypesFlagErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"malformed name", []string{"--check", "--instance-types", "m5xlarge"}, `--instance-types: "m5xlarge": not an instance type name`},
		{"empty list", []string{"--check", "--instance-types", ","}, "--instance-types: no instance type given"},
		{"--zone auto without types", []string{"--zone", "auto"}, "--zone auto picks the first zone that offers the --instance-types"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, coiledtest.Options{})
			h.ec2 = offeringEC2(t, privateOutputs())
			expect(t, h.run(append(h.outputsFlag(privateOutputs()), tc.args...)...), ExitUsage, tc.want)
			if len(h.ec2.Calls) != 0 || len(h.srv.Requests()) != 0 {
				t.Errorf("bad flags reached EC2 (%v) or Coiled", h.ec2.Calls)
			}
		})
	}
}

// The stack's WorkerEgress and SchedulerPublicIp outputs reach the check:
// the scheduler is labelled by topology and the advice fits the egress.
func TestCheckKnowsTheDesign(t *testing.T) {
	t.Parallel()
	t.Run("internal", func(t *testing.T) {
		t.Parallel()
		o := privateOutputs()
		o["WorkerSubnetId"], o["Zone0"], o["Zone1"] = "subnet-0a1", "us-east-2a,subnet-0a1,subnet-0a1", "us-east-2b,subnet-0b1,subnet-0b1"
		o["SchedulerPublicIp"] = "false"
		h := newHarness(t, coiledtest.Options{})
		h.ec2 = healthyEC2(parsed(t, o))
		expect(t, h.run(append(h.outputsFlag(o), "--check")...), ExitOK, "(a private scheduler, topology internal")
	})
	t.Run("transit gateway", func(t *testing.T) {
		t.Parallel()
		o := privateOutputs()
		o["WorkerEgress"] = "transitGateway"
		h := newHarness(t, coiledtest.Options{})
		h.ec2 = healthyEC2(parsed(t, o))
		rt := h.ec2.RouteTable(netchecktest.TableOf("subnet-0a2"))
		rt.Routes = rt.Routes[:1]
		res := h.run(append(h.outputsFlag(o), "--check")...)
		expect(t, res, ExitCheckFailed, "--transit-gateway-id <the Transit Gateway tgw-…> (egress=transitGateway")
		if strings.Contains(res.all(), "--nat-gateway-id") {
			t.Errorf("NAT advice for a Transit Gateway design:\n%s", res.all())
		}
	})
}
