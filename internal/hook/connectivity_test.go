package hook

import (
	"strings"
	"testing"

	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/stackoutputs"
)

func TestConnectivityNotes(t *testing.T) {
	if n := connectivityNotes(&stackoutputs.Outputs{All: map[string]string{}}); n != nil {
		t.Errorf("notes without SchedulerPublicIp: %v", n)
	}
	if n := connectivityNotes(&stackoutputs.Outputs{All: map[string]string{"SchedulerPublicIp": "true"}}); n != nil {
		t.Errorf("notes with a public scheduler: %v", n)
	}
	n := connectivityNotes(&stackoutputs.Outputs{All: map[string]string{"SchedulerPublicIp": "false"}})
	if len(n) != 1 || !strings.Contains(n[0], "coiled.use_scheduler_public_ip: False") {
		t.Errorf("internal notes %v", n)
	}
}

// TestInternalStackNote runs the hook on the outputs of an internal stack
// (scheduler and workers in one private subnet, SchedulerPublicIp=false):
// Coiled gets that subnet for both, and the hook ends with how clients must
// connect; a private stack gets no such note.
func TestInternalStackNote(t *testing.T) {
	internal := privateOutputs()
	internal["SchedulerSubnetId"] = "subnet-0a2"
	internal["Zone0"] = "us-east-2a,subnet-0a2,subnet-0a2"
	internal["Zone1"] = "us-east-2b,subnet-0b2,subnet-0b2"
	internal["SchedulerPublicIp"] = "false"
	internal["WorkerEgress"] = "transitGateway"
	h := newHarness(t, coiledtest.Options{})
	res := h.run(h.outputsFlag(internal)...)
	expect(t, res, ExitOK, "Done: Coiled workspace acme", "scheduler subnet   subnet-0a2", "worker public IPs  no (outbound through the Transit Gateway)")
	if !strings.HasSuffix(strings.TrimSpace(res.stdout), "e.g. `coiled config set coiled.use_scheduler_public_ip False`.") {
		t.Errorf("the hook does not end with the use_scheduler_public_ip note:\n%s", res.stdout)
	}
	up := onlyUpdate(t, h.srv)
	if dig(up.Data, "options", "network", "scheduler_subnet_id") != "subnet-0a2" || dig(up.Data, "options", "network", "worker_subnet_id") != "subnet-0a2" {
		t.Errorf("network sent %v", dig(up.Data, "options", "network"))
	}

	h = newHarness(t, coiledtest.Options{})
	if res := h.run(h.outputsFlag(privateOutputs())...); strings.Contains(res.all(), "use_scheduler_public_ip") {
		t.Errorf("a private stack got the internal note:\n%s", res.all())
	}
}

func TestWorkerEgress(t *testing.T) {
	for v, want := range map[string]string{"": "through the NAT", "transitGateway": "through the Transit Gateway", "existing": "as the existing VPC routes it"} {
		o := &stackoutputs.Outputs{All: map[string]string{}}
		if v != "" {
			o.All["WorkerEgress"] = v
		}
		if got := workerEgress(o); got != want {
			t.Errorf("WorkerEgress %q: %q, want %q", v, got, want)
		}
	}
}
