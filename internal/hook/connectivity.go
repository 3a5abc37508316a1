package hook

import (
	"fmt"

	"github.com/coilednet/coilednet/outputkeys"
	"github.com/coilednet/coilednet/stackoutputs"
)

// schedulerPrivateNote is what the hook prints last for a stack whose
// scheduler has no public IP (topology internal, issue 10).
const schedulerPrivateNote = "Note: the scheduler has no public IP (topology internal). Dask clients must reach its private IP " +
	"(VPN, Direct Connect, Transit Gateway or peering) and set coiled.use_scheduler_public_ip: False in their dask config, " +
	"e.g. `coiled config set coiled.use_scheduler_public_ip False`."

// connectivityNotes returns what the user must know about how clients
// reach the cluster, from the stack's optional outputs: nothing for a
// scheduler with a public IP (no SchedulerPublicIp output).
func connectivityNotes(o *stackoutputs.Outputs) []string {
	if o == nil || o.All[outputkeys.SchedulerPublicIP] != "false" {
		return nil
	}
	return []string{schedulerPrivateNote}
}

// printConnectivityNotes prints connectivityNotes, one per line.
func (r *run) printConnectivityNotes(o *stackoutputs.Outputs) {
	for _, n := range connectivityNotes(o) {
		fmt.Fprintln(r.out, n)
	}
}

// workerEgress says how workers without public IP reach the internet, from
// the stack's optional WorkerEgress output: through the NAT unless it says
// otherwise.
func workerEgress(o *stackoutputs.Outputs) string {
	switch o.All[outputkeys.WorkerEgress] {
	case "transitGateway":
		return "through the Transit Gateway"
	case "existing":
		return "as the existing VPC routes it"
	case outputkeys.WorkerEgressRegionalNat:
		return "through the regional NAT gateway"
	}
	return "through the NAT"
}
