package hook

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/netcheck/netchecktest"
	"github.com/coilednet/coilednet/stackoutputs"
)

func parsed(t *testing.T, raw map[string]string) *stackoutputs.Outputs {
	t.Helper()
	o, err := stackoutputs.Parse("CoilednetStack", raw)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// brokenEC2 is the private network with the cluster group's self rule gone.
func brokenEC2(t *testing.T) *netchecktest.Fake {
	f := healthyEC2(parsed(t, privateOutputs()))
	f.Group("sg-0cluster").IpPermissions = nil
	return f
}

func TestCheckOnly(t *testing.T) {
	t.Parallel()
	t.Run("healthy network, no Coiled token or keys needed", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		for _, k := range []string{"DASK_COILED__TOKEN", "COILED_AWS_ACCESS_KEY_ID", "COILED_AWS_SECRET_ACCESS_KEY"} {
			delete(h.env, k)
		}
		res := h.run(append(h.outputsFlag(privateOutputs()), "--check")...)
		expect(t, res, ExitOK, "Network check of vpc-0priv5678 in us-east-2", "pass  worker egress", "nat-0a1", "Network check: ", "0 failed")
		if n := len(h.srv.Requests()); n != 0 {
			t.Errorf("--check sent %d requests to Coiled", n)
		}
		if !reflect.DeepEqual(h.ec2Regions, []string{"us-east-2"}) {
			t.Errorf("EC2 asked for regions %v, want the stack's", h.ec2Regions)
		}
	})
	t.Run("failed check exits 3", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		h.ec2 = brokenEC2(t)
		res := h.run(append(h.outputsFlag(privateOutputs()), "--check")...)
		expect(t, res, ExitCheckFailed, "fail  security groups", "does not admit all traffic from itself",
			"fix: aws ec2 authorize-security-group-ingress --group-id sg-0cluster", "the network check failed (1 failed")
	})
	t.Run("--json", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		h.ec2 = brokenEC2(t)
		res := h.run(append(h.outputsFlag(privateOutputs()), "--check", "--json")...)
		expect(t, res, ExitCheckFailed)
		var j struct {
			OK      bool
			Counts  map[string]int
			Network map[string]any
			Results []struct{ Check, Status, Resource, Message, Fix string }
		}
		if err := json.Unmarshal([]byte(res.stdout), &j); err != nil {
			t.Fatalf("stdout is not one JSON object: %v\n%s", err, res.stdout)
		}
		if j.OK || j.Counts["fail"] != 1 || j.Network["network_id"] != "vpc-0priv5678" {
			t.Errorf("JSON: %s", res.stdout)
		}
		if !strings.Contains(res.stderr, "Stack CoilednetStack: network vpc-0priv5678") {
			t.Errorf("the stack line belongs on stderr with --json:\n%s", res.stderr)
		}
	})
	t.Run("no AWS access is a bad input", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		h.ec2Err = errors.New("no AWS region: set AWS_REGION")
		expect(t, h.run(append(h.outputsFlag(privateOutputs()), "--check")...), ExitUsage,
			"cannot check the network: no AWS region", "ec2:Describe*", "--no-check")
	})
	t.Run("access denied is a bad input, not a failed check", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		h.ec2 = healthyEC2(parsed(t, privateOutputs()))
		h.ec2.Errs = map[string]error{"DescribeSecurityGroups": &smithy.GenericAPIError{Code: "UnauthorizedOperation", Message: "not authorized"}}
		expect(t, h.run(append(h.outputsFlag(privateOutputs()), "--check")...), ExitUsage,
			"cannot check the network in us-east-2: EC2 DescribeSecurityGroups", "UnauthorizedOperation")
	})
	t.Run("subnets outside the zone the outputs name", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		h.ec2 = healthyEC2(parsed(t, privateOutputs()))
		h.ec2.Subnet("subnet-0a2").AvailabilityZone = aws.String("us-east-2c")
		expect(t, h.run(append(h.outputsFlag(privateOutputs()), "--check")...), ExitCheckFailed,
			"subnet subnet-0a2 is in us-east-2c, but its zone is given as us-east-2a")
	})
}

func TestPreSendCheck(t *testing.T) {
	t.Parallel()
	t.Run("a failed check sends nothing", func(t *testing.T) {
		t.Parallel()
		for _, extra := range [][]string{nil, {"--dry-run"}} {
			h := newHarness(t, coiledtest.Options{})
			h.ec2 = brokenEC2(t)
			res := h.run(append(h.outputsFlag(privateOutputs()), extra...)...)
			expect(t, res, ExitCheckFailed, "fail  security groups", "nothing was sent to Coiled", "--no-check")
			if n := len(h.srv.Requests()); n != 0 {
				t.Errorf("%v: %d requests reached Coiled after a failed check", extra, n)
			}
			if n := len(h.srv.Updates()); n != 0 {
				t.Errorf("%v: Coiled recorded %d updates", extra, n)
			}
		}
	})
	t.Run("--no-check sends anyway, with a warning", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		h.ec2 = brokenEC2(t)
		res := h.run(append(h.outputsFlag(privateOutputs()), "--no-check")...)
		expect(t, res, ExitOK, "warning: --no-check: the network was not checked")
		if strings.Contains(res.stdout, "Network check of") {
			t.Errorf("--no-check ran the check:\n%s", res.stdout)
		}
		onlyUpdate(t, h.srv)
	})
	t.Run("warnings do not stop the send", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		h.ec2 = healthyEC2(parsed(t, privateOutputs()))
		h.ec2.VpcEndpoints = nil
		res := h.run(h.outputsFlag(privateOutputs())...)
		expect(t, res, ExitOK, "warn  S3 endpoint", "Done: Coiled workspace acme")
		onlyUpdate(t, h.srv)
	})
	t.Run("subnets in two AZs: no zone sent", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		h.ec2 = healthyEC2(parsed(t, withoutZones(privateOutputs())))
		h.ec2.Subnet("subnet-0a2").AvailabilityZone = aws.String("us-east-2b")
		res := h.run(h.outputsFlag(withoutZones(privateOutputs()))...)
		expect(t, res, ExitOK, "warn  subnets", "scheduler subnet is in us-east-2a and the worker subnet in us-east-2b", "sending no zone (null)")
		if z := dig(onlyUpdate(t, h.srv).Data, "options", "zone"); z != nil {
			t.Errorf("zone %v sent for subnets in two AZs", z)
		}
	})
}

func TestNetworkFlag(t *testing.T) {
	t.Parallel()
	const ids = "vpc-0ext,subnet-0es,subnet-0ew,sg-0es,sg-0ec"
	extEC2 := func() *netchecktest.Fake {
		return netchecktest.New("eu-west-1", "vpc-0ext").PublicSubnet("subnet-0es", "eu-west-1b").
			PrivateSubnet("subnet-0ew", "eu-west-1b", "subnet-0es").Groups("sg-0es", "sg-0ec")
	}
	t.Run("checks and sends a network built elsewhere", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		h.ec2 = extEC2()
		res := h.run("--network", ids, "--workers-public-ip", "false", "--region", "eu-west-1")
		expect(t, res, ExitOK, "Network vpc-0ext (from --network) in eu-west-1", "0 failed", "Zone eu-west-1b: the subnets' Availability Zone, from EC2", "Done")
		d := onlyUpdate(t, h.srv).Data
		for path, want := range map[string]any{
			"options.network.network_id": "vpc-0ext", "options.network.scheduler_subnet_id": "subnet-0es",
			"options.network.worker_subnet_id": "subnet-0ew", "options.network.scheduler_firewall_id": "sg-0es",
			"options.network.firewall_id": "sg-0ec", "options.network.give_workers_public_ip": false,
			"options.aws_region_name": "eu-west-1", "options.zone": "eu-west-1b",
		} {
			if got := dig(d, strings.Split(path, ".")...); got != want {
				t.Errorf("%s = %#v, want %#v", path, got, want)
			}
		}
	})
	t.Run("region from AWS_REGION, --check", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		h.env["AWS_REGION"] = "eu-west-1"
		h.ec2 = extEC2()
		expect(t, h.run("--check", "--network", ids, "--workers-public-ip", "false"), ExitOK, "Network check of vpc-0ext in eu-west-1")
		if !reflect.DeepEqual(h.ec2Regions, []string{"eu-west-1"}) {
			t.Errorf("EC2 regions %v", h.ec2Regions)
		}
	})
	t.Run("a private network given as public fails nothing but is checked as such", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{})
		h.ec2 = extEC2()
		*h.ec2.DefaultRoute(netchecktest.TableOf("subnet-0ew")) = *h.ec2.DefaultRoute(netchecktest.TableOf("subnet-0es"))
		expect(t, h.run("--check", "--network", ids, "--workers-public-ip", "false", "--region", "eu-west-1"), ExitCheckFailed,
			"goes to internet gateway igw-0ext, but workers get no public IP")
	})
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"too few IDs", []string{"--network", "vpc-0a,subnet-0a", "--workers-public-ip", "true", "--region", "us-east-2"}, "--network: 2 IDs given, want 5"},
		{"IDs out of order", []string{"--network", "vpc-0a,sg-0a,subnet-0w,sg-0s,sg-0c", "--workers-public-ip", "true", "--region", "us-east-2"}, `item 2 (the scheduler subnet) is "sg-0a": want a bare subnet-… ID`},
		{"an ARN", []string{"--network", "vpc-0a,subnet-0s,subnet-0w,arn:aws:ec2:us-east-2:1:security-group/sg-0s,sg-0c", "--workers-public-ip", "true", "--region", "us-east-2"}, "item 4 (the scheduler security group)"},
		{"no --workers-public-ip", []string{"--network", ids, "--region", "us-east-2"}, "--network needs --workers-public-ip true"},
		{"bad --workers-public-ip", []string{"--network", ids, "--workers-public-ip", "yes", "--region", "us-east-2"}, `got "yes"`},
		{"no region", []string{"--network", ids, "--workers-public-ip", "true"}, "--network needs the network's region: --region REGION (or AWS_REGION)"},
		{"bad region", []string{"--network", ids, "--workers-public-ip", "true", "--region", "Mars"}, `"Mars" is not an AWS region name`},
		{"with --outputs-file", []string{"--network", ids, "--workers-public-ip", "true", "--outputs-file", "x.json"}, "--network replaces --outputs-file and --stack"},
		{"with --zone", []string{"--network", ids, "--workers-public-ip", "true", "--zone", "1"}, "with --network, name the subnets of the zone you want"},
		{"--region without --network", []string{"--outputs-file", "x.json", "--region", "us-east-2"}, "--workers-public-ip and --region go with --network"},
		{"--json without --check", []string{"--outputs-file", "x.json", "--json"}, "--json goes with --check"},
		{"--check with --no-check", []string{"--outputs-file", "x.json", "--check", "--no-check"}, "--check and --no-check exclude each other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, coiledtest.Options{})
			h.ec2 = extEC2()
			expect(t, h.run(tc.args...), ExitUsage, tc.want)
			if len(h.srv.Requests()) != 0 || len(h.ec2.Calls) != 0 {
				t.Errorf("bad input reached Coiled (%d requests) or EC2 (%v)", len(h.srv.Requests()), h.ec2.Calls)
			}
		})
	}
}
