package test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/coilednet/coilednet/summary"
)

// Assertions on the natProvider=regional variants
// (internal/variants/regional.go), written out by hand.

func init() {
	own := "test/regional_test.go"
	expectations["private-regional-nat"] = expectation{private: true, azs: 2, ports: []float64{443, 8786, 8787},
		cidrs: []string{"0.0.0.0/0"}, openWarning: true, s3Endpoint: true, restrictSG: true, flowLogs: "off", own: own}
	expectations["internal-regional-nat-3az"] = expectation{private: true, azs: 3, zone: 1, ports: []float64{443, 8786, 8787},
		cidrs: []string{"10.0.0.0/16"}, s3Endpoint: true, restrictSG: true, flowLogs: "off", own: own,
		azNames: []string{"us-east-1a", "us-east-1b", "us-east-1c"}}
}

// regionalWant is what a regional variant must build.
type regionalWant struct {
	internal bool
	public   []string // public subnets' CIDRs, by AZ (none in internal)
	private  []string // private subnets' CIDRs, by AZ
}

var regionalWants = map[string]regionalWant{
	"private-regional-nat": {public: []string{"10.0.0.0/20", "10.0.16.0/20"}, private: []string{"10.0.96.0/20", "10.0.112.0/20"}},
	// The private subnets sit where internal with zonal NATs has them
	// (internal-nat): switching natProvider keeps them.
	"internal-regional-nat-3az": {internal: true, private: []string{"10.0.96.0/20", "10.0.112.0/20", "10.0.128.0/20"}},
}

func forEachRegional(t *testing.T, f func(t *testing.T, s *synthesized, w regionalWant)) {
	for name, w := range regionalWants {
		t.Run(name, func(t *testing.T) { f(t, synth(t, name), w) })
	}
}

// TestRegionalNatGateway: one NAT gateway, regional, public, at the VPC
// level (no subnet, no Elastic IP of ours: automatic mode), created after
// the internet gateway is attached.
func TestRegionalNatGateway(t *testing.T) {
	forEachRegional(t, func(t *testing.T, s *synthesized, w regionalWant) {
		nats := s.resources("AWS::EC2::NatGateway")
		if len(nats) != 1 {
			t.Fatalf("%d NAT gateways, want 1", len(nats))
		}
		nat := nats[0]
		if nat.Props["AvailabilityMode"] != "regional" || nat.Props["ConnectivityType"] != "public" {
			t.Errorf("NAT gateway %v, want AvailabilityMode regional, ConnectivityType public", nat.Props)
		}
		vpc := s.resources("AWS::EC2::VPC")
		if len(vpc) != 1 || refOf(nat.Props["VpcId"]) != vpc[0].ID {
			t.Errorf("NAT gateway VpcId %v, want the VPC", nat.Props["VpcId"])
		}
		for _, k := range []string{"SubnetId", "AllocationId", "AvailabilityZoneAddresses", "SecondaryAllocationIds"} {
			if _, ok := nat.Props[k]; ok {
				t.Errorf("NAT gateway has %s (%v): a regional gateway in automatic mode has none", k, nat.Props[k])
			}
		}
		if eips := s.resources("AWS::EC2::EIP"); len(eips) != 0 {
			t.Errorf("%d Elastic IPs: AWS allocates the regional gateway's addresses itself", len(eips))
		}
		att := s.resources("AWS::EC2::VPCGatewayAttachment")
		if len(att) != 1 || !slices.Contains(s.dependsOn(nat.ID), att[0].ID) {
			t.Errorf("NAT gateway DependsOn %v, want the internet gateway attachment %v", s.dependsOn(nat.ID), att)
		}
		if len(s.resources("AWS::EC2::InternetGateway")) != 1 {
			t.Error("no internet gateway: a public regional NAT gateway needs one attached to the VPC")
		}
	})
}

// TestRegionalRoutes: every private subnet (workers; in internal also the
// scheduler) routes 0.0.0.0/0 to the regional NAT gateway; no NAT subnet;
// in internal no public subnet and no subnet routes to the internet
// gateway; in private the public (scheduler) subnets do.
func TestRegionalRoutes(t *testing.T) {
	forEachRegional(t, func(t *testing.T, s *synthesized, w regionalWant) {
		nat := s.resources("AWS::EC2::NatGateway")[0]
		igw := s.resources("AWS::EC2::InternetGateway")[0]
		private := s.subnetsWithPrefix("CoiledNetworkVpcPrivateSubnet")
		public := s.subnetsWithPrefix("CoiledNetworkVpcPublicSubnet")
		if got := cidrsOf(private); !slices.Equal(got, w.private) {
			t.Errorf("private subnets %v, want %v", got, w.private)
		}
		if got := cidrsOf(public); !slices.Equal(got, w.public) {
			t.Errorf("public subnets %v, want %v", got, w.public)
		}
		if all := s.resources("AWS::EC2::Subnet"); len(all) != len(private)+len(public) {
			t.Errorf("%d subnets, want only the public and private ones (no NAT subnet)", len(all))
		}
		for _, sn := range private {
			if sn.Props["MapPublicIpOnLaunch"] != false {
				t.Errorf("private subnet %s MapPublicIpOnLaunch = %v", sn.ID, sn.Props["MapPublicIpOnLaunch"])
			}
			r, ok := s.defaultRoute(s.routeTableOf(sn.ID))
			if !ok || refOf(r.Props["NatGatewayId"]) != nat.ID {
				t.Errorf("subnet %s: 0.0.0.0/0 = %v, want the regional NAT gateway %s", sn.ID, r.Props, nat.ID)
			}
		}
		for _, sn := range public {
			r, ok := s.defaultRoute(s.routeTableOf(sn.ID))
			if !ok || refOf(r.Props["GatewayId"]) != igw.ID {
				t.Errorf("public subnet %s: 0.0.0.0/0 = %v, want the internet gateway", sn.ID, r.Props)
			}
		}
		if w.internal {
			for _, r := range s.resources("AWS::EC2::Route") {
				if refOf(r.Props["GatewayId"]) == igw.ID {
					t.Errorf("route %s goes to the internet gateway: internal with a regional NAT gateway has no public subnet", r.ID)
				}
			}
		}
	})
}

// TestRegionalOutputs: Coiled gets the subnets of the zone asked for: the
// private one for both roles in internal, the public one for the scheduler
// in private.
func TestRegionalOutputs(t *testing.T) {
	forEachRegional(t, func(t *testing.T, s *synthesized, w regionalWant) {
		e := expectations[s.variant.Name]
		out := s.outputs()
		worker := s.subnetsWithPrefix(fmt.Sprintf("CoiledNetworkVpcPrivateSubnet%dSubnet", e.zone+1))
		sched := worker
		if !w.internal {
			sched = s.subnetsWithPrefix(fmt.Sprintf("CoiledNetworkVpcPublicSubnet%dSubnet", e.zone+1))
		}
		if len(worker) != 1 || len(sched) != 1 {
			t.Fatalf("zone %d: scheduler %v, worker %v", e.zone, sched, worker)
		}
		if refOf(out["SchedulerSubnetId"]) != sched[0].ID || refOf(out["WorkerSubnetId"]) != worker[0].ID {
			t.Errorf("scheduler/worker outputs %v/%v, want %s/%s", out["SchedulerSubnetId"], out["WorkerSubnetId"], sched[0].ID, worker[0].ID)
		}
		if out["GiveWorkersPublicIp"] != "false" {
			t.Errorf("GiveWorkersPublicIp = %v", out["GiveWorkersPublicIp"])
		}
		if out["WorkerEgress"] != "regionalNat" {
			t.Errorf("WorkerEgress = %v, want regionalNat (the hook's worker line names the regional NAT gateway)", out["WorkerEgress"])
		}
		if sp, ok := out["SchedulerPublicIp"]; w.internal != ok || ok && sp != "false" {
			t.Errorf("SchedulerPublicIp = %v (present %v), want \"false\" exactly when internal", sp, ok)
		}
	})
}

// TestRegionalSummary: the summary names the regional gateway and, in
// internal, says there is no public subnet.
func TestRegionalSummary(t *testing.T) {
	forEachRegional(t, func(t *testing.T, s *synthesized, w regionalWant) {
		text := summary.Of(s.stack.Config)
		if !strings.Contains(text, "1 NAT gateway, regional") || !strings.Contains(text, "route to the regional NAT gateway") {
			t.Errorf("summary does not name the regional NAT gateway:\n%s", text)
		}
		if got := strings.Contains(text, "no public subnet"); got != w.internal {
			t.Errorf("summary says \"no public subnet\" = %v, want %v:\n%s", got, w.internal, text)
		}
		if strings.Contains(text, "NAT subnets") {
			t.Errorf("summary names NAT subnets:\n%s", text)
		}
	})
}

func cidrsOf(subnets []resource) []string {
	var out []string
	for _, sn := range subnets {
		out = append(out, fmt.Sprint(sn.Props["CidrBlock"]))
	}
	return out
}
