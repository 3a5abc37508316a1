package hook

import (
	"testing"

	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/internal/motoserver"
	"github.com/coilednet/coilednet/stackoutputs"
)

// TestStackModeAgainstMoto reads the outputs from CloudFormation (moto) with
// --stack and sends them to the fake Coiled.
func TestStackModeAgainstMoto(t *testing.T) {
	t.Parallel()
	endpoint := motoserver.Start(t)
	outputs := privateOutputs()
	outputs["Region"] = "us-east-1"
	outputs["Zone0"] = "us-east-1a,subnet-0a1,subnet-0a2"
	outputs["Zone1"] = "us-east-1b,subnet-0b1,subnet-0b2"
	motoserver.CreateStack(t, endpoint, "CoilednetStack", outputs)
	motoserver.CreateStack(t, endpoint, "OtherStack", map[string]string{"Unrelated": "x"})

	// The stack's outputs come from CloudFormation (moto); the network they
	// name exists only in a fake EC2 (moto's would not hold these IDs).
	parsed, err := stackoutputs.Parse("CoilednetStack", outputs)
	if err != nil {
		t.Fatal(err)
	}
	newMotoHarness := func(t *testing.T) *harness {
		h := newHarness(t, coiledtest.Options{})
		h.ec2 = healthyEC2(parsed)
		for k, v := range motoserver.Environ(endpoint) {
			h.env[k] = v
		}
		return h
	}

	t.Run("whole hook in --stack mode", func(t *testing.T) {
		t.Parallel()
		h := newMotoHarness(t)
		res := h.run("--stack", "CoilednetStack")
		expect(t, res, ExitOK, "Stack CoilednetStack: network vpc-0priv5678 in us-east-1, zone us-east-1a", "Done: Coiled workspace acme")
		d := onlyUpdate(t, h.srv).Data
		for path, want := range map[string]any{
			"network_id": "vpc-0priv5678", "scheduler_subnet_id": "subnet-0a1", "worker_subnet_id": "subnet-0a2",
			"scheduler_firewall_id": "sg-0sched", "firewall_id": "sg-0cluster", "give_workers_public_ip": false,
		} {
			if got := dig(d, "options", "network", path); got != want {
				t.Errorf("network.%s = %#v, want %#v", path, got, want)
			}
		}
		if got := dig(d, "options", "aws_region_name"); got != "us-east-1" {
			t.Errorf("region %v", got)
		}
	})
	t.Run("--stack with --zone", func(t *testing.T) {
		t.Parallel()
		h := newMotoHarness(t)
		expect(t, h.run("--stack", "CoilednetStack", "--zone", "us-east-1b"), ExitOK)
		d := onlyUpdate(t, h.srv).Data
		if dig(d, "options", "network", "worker_subnet_id") != "subnet-0b2" || dig(d, "options", "zone") != "us-east-1b" {
			t.Errorf("zone switch not applied: %v", dig(d, "options"))
		}
	})
	t.Run("unknown stack is a bad input", func(t *testing.T) {
		t.Parallel()
		h := newMotoHarness(t)
		expect(t, h.run("--stack", "Nope"), ExitUsage, "stack Nope does not exist in region us-east-1")
		if len(h.srv.Requests()) != 0 {
			t.Error("requests sent to Coiled")
		}
	})
	t.Run("stack without the outputs is a bad input", func(t *testing.T) {
		t.Parallel()
		h := newMotoHarness(t)
		expect(t, h.run("--stack", "OtherStack"), ExitUsage, "missing output(s) NetworkId")
		if len(h.srv.Requests()) != 0 {
			t.Error("requests sent to Coiled")
		}
	})
}
