package hook

import (
	"testing"

	"github.com/coilednet/coilednet/outputkeys"
	"github.com/coilednet/coilednet/stackoutputs"
)

// TestWorkerEgressRegional: the summary's worker line names the regional
// NAT gateway of natProvider=regional.
func TestWorkerEgressRegional(t *testing.T) {
	o := &stackoutputs.Outputs{All: map[string]string{outputkeys.WorkerEgress: outputkeys.WorkerEgressRegionalNat}}
	if got := workerEgress(o); got != "through the regional NAT gateway" {
		t.Errorf("workerEgress = %q", got)
	}
}
