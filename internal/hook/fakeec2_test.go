package hook

import (
	"github.com/coilednet/coilednet/netcheck/netchecktest"
	"github.com/coilednet/coilednet/stackoutputs"
)

// healthyEC2 returns a fake EC2 holding a healthy network with the IDs of
// outputs: every zone's subnets (or the one pair when the stack has no ZoneN
// outputs, in the region's zone a), a public subnet routed to the internet
// gateway for the scheduler and, when workers get no public IP, a private
// worker subnet behind a NAT gateway in it (internal: one private subnet
// for both, behind a NAT in a public subnet of its own); the two groups.
func healthyEC2(o *stackoutputs.Outputs) *netchecktest.Fake {
	f := netchecktest.New(o.Region, o.NetworkID)
	zones := o.Zones
	if len(zones) == 0 {
		zones = []stackoutputs.Zone{{Name: o.Region + "a", SchedulerSubnetID: o.SchedulerSubnetID, WorkerSubnetID: o.WorkerSubnetID}}
	}
	for _, z := range zones {
		if z.WorkerSubnetID == z.SchedulerSubnetID && !o.GiveWorkersPublicIP {
			// internal: scheduler and workers in one private subnet, behind
			// a NAT in a public subnet of its own.
			nat := "subnet-0nat" + z.Name[len(z.Name)-1:]
			f.PublicSubnet(nat, z.Name)
			f.PrivateSubnet(z.WorkerSubnetID, z.Name, nat)
			continue
		}
		f.PublicSubnet(z.SchedulerSubnetID, z.Name)
		if z.WorkerSubnetID != z.SchedulerSubnetID {
			f.PrivateSubnet(z.WorkerSubnetID, z.Name, z.SchedulerSubnetID)
		}
	}
	return f.Groups(o.SchedulerFirewallID, o.FirewallID)
}

// fakeEC2For returns a healthy fake EC2 for the network the hook's args name
// through --outputs-file (and --stack); an empty one when they name none
// that reads (the hook then fails before it checks).
func fakeEC2For(args []string) *netchecktest.Fake {
	var file, stack string
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--outputs-file":
			file = args[i+1]
		case "--stack":
			stack = args[i+1]
		}
	}
	if file != "" {
		if o, err := stackoutputs.ReadOutputsFile(file, stack); err == nil {
			return healthyEC2(o)
		}
	}
	return &netchecktest.Fake{}
}
