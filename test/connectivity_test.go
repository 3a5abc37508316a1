package test

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/constructs/network"
	"github.com/coilednet/coilednet/internal/variants"
)

// Assertions on the connectivity variants (internal/variants/connectivity.go),
// written out by hand.

const tgwID = variants.FakeTransitGatewayID

func init() {
	def := []float64{443, 8786, 8787}
	own := "test/connectivity_test.go"
	for name, cidrs := range map[string][]string{
		"internal-nat":               {"10.0.0.0/16"},
		"internal-tgw":               {"10.0.0.0/16", "10.100.0.0/16", "192.168.0.0/16"},
		"private-tgw-egress":         {"203.0.113.0/24"},
		"private-tgw-routes-peering": {"198.51.100.0/24"},
		"existing-vpc":               {"10.20.0.0/16"},
	} {
		expectations[name] = expectation{private: true, azs: 1, ports: def, cidrs: cidrs, s3Endpoint: true, restrictSG: true, flowLogs: "off", own: own}
	}
}

// connExpectation is what a connectivity variant with a VPC we build must
// contain.
type connExpectation struct {
	internal   bool              // scheduler in the private subnet
	tgwEgress  bool              // 0.0.0.0/0 of private subnets to the TGW (else a NAT)
	azs        int               // AZs
	tgwRoutes  []string          // ranges routed to the TGW
	peers      map[string]string // peer CIDR → peer VPC id
	tgwSubnets []string          // the attachment subnets' CIDRs, by AZ
	subnets    []string          // CIDRs of the VPC's own subnets: public ones by AZ, then private ones
	firewall   bool              // public subnets route 0.0.0.0/0 to the egress firewall
}

var connExpectations = map[string]connExpectation{
	"internal-nat": {internal: true, azs: 1, subnets: []string{"10.0.0.0/20", "10.0.96.0/20"}},
	// internal behind the egress firewall (firewall_test.go checks its routes).
	"internal-firewall": {internal: true, firewall: true, azs: 1, subnets: []string{"10.0.0.0/20", "10.0.96.0/20"}},
	"internal-tgw": {internal: true, tgwEgress: true, azs: 2, tgwRoutes: []string{"10.100.0.0/16", "192.168.0.0/16"},
		tgwSubnets: []string{"10.0.192.0/28", "10.0.192.16/28"}, subnets: []string{"10.0.0.0/19", "10.0.32.0/19"}},
	"private-tgw-egress": {tgwEgress: true, azs: 1, tgwSubnets: []string{"10.0.192.0/28"}, subnets: []string{"10.0.0.0/20", "10.0.96.0/20"}},
	"private-tgw-routes-peering": {azs: 1, tgwRoutes: []string{"172.16.0.0/12"},
		peers:      map[string]string{"10.1.0.0/16": "vpc-0123456789abcdef1", "10.2.0.0/16": "vpc-0123456789abcdef2"},
		tgwSubnets: []string{"10.0.192.0/28"}, subnets: []string{"10.0.0.0/20", "10.0.96.0/20"}},
}

func forEachConnVariant(t *testing.T, f func(t *testing.T, s *synthesized, e connExpectation)) {
	t.Helper()
	for _, v := range variants.All {
		e, ok := connExpectations[v.Name]
		if !ok {
			continue
		}
		t.Run(v.Name, func(t *testing.T) { f(t, synth(t, v.Name), e) })
	}
	for name := range connExpectations {
		if !slices.ContainsFunc(variants.All, func(v variants.Variant) bool { return v.Name == name }) {
			t.Errorf("connectivity expectation %s names no variant", name)
		}
	}
}

// dependsOn returns the DependsOn of resource id.
func (s *synthesized) dependsOn(id string) []string {
	r := s.template["Resources"].(map[string]any)[id].(map[string]any)
	var out []string
	switch d := r["DependsOn"].(type) {
	case string:
		out = append(out, d)
	case []any:
		for _, x := range d {
			out = append(out, x.(string))
		}
	}
	return out
}

func TestConnectivityRoutes(t *testing.T) {
	forEachConnVariant(t, func(t *testing.T, s *synthesized, e connExpectation) {
		public := s.subnetsWithPrefix("CoiledNetworkVpcPublicSubnet")
		private := s.subnetsWithPrefix("CoiledNetworkVpcPrivateSubnet")
		hasIGW := !(e.internal && e.tgwEgress)
		wantPublic := e.azs
		if !hasIGW {
			wantPublic = 0
		}
		if len(public) != wantPublic || len(private) != e.azs {
			t.Fatalf("%d public and %d private subnets, want %d and %d", len(public), len(private), wantPublic, e.azs)
		}
		igws := s.resources("AWS::EC2::InternetGateway")
		if hasIGW != (len(igws) == 1) || len(igws) > 1 {
			t.Fatalf("%d internet gateways, want internet gateway = %v", len(igws), hasIGW)
		}
		if !hasIGW {
			for _, sn := range s.resources("AWS::EC2::Subnet") {
				if sn.Props["MapPublicIpOnLaunch"] == true {
					t.Errorf("subnet %s maps public IPs in a network without internet gateway", sn.ID)
				}
			}
			for _, typ := range []string{"AWS::EC2::VPCGatewayAttachment", "AWS::EC2::EIP"} {
				if n := len(s.resources(typ)); n != 0 {
					t.Errorf("%d %s in a network without internet gateway", n, typ)
				}
			}
		}
		nats := s.resources("AWS::EC2::NatGateway")
		if e.tgwEgress && len(nats) != 0 || !e.tgwEgress && len(nats) != e.azs {
			t.Errorf("%d NAT gateways with tgwEgress=%v and %d AZs", len(nats), e.tgwEgress, e.azs)
		}
		attachments := s.resources("AWS::EC2::TransitGatewayVpcAttachment")
		attachment := ""
		if len(attachments) == 1 {
			attachment = attachments[0].ID
		}
		if (len(e.tgwSubnets) > 0) != (attachment != "") || len(attachments) > 1 {
			t.Fatalf("%d Transit Gateway attachments, want %d attachment subnets", len(attachments), len(e.tgwSubnets))
		}
		peerings := map[string]string{} // logical ID → peer VPC
		for _, pcx := range s.resources("AWS::EC2::VPCPeeringConnection") {
			peerings[pcx.ID] = show(pcx.Props["PeerVpcId"])
		}
		if len(peerings) != len(e.peers) {
			t.Errorf("%d peerings, want %d", len(peerings), len(e.peers))
		}

		routes := s.resources("AWS::EC2::Route")
		check := func(sn resource, isPublic bool) {
			rt := s.routeTableOf(sn.ID)
			if rt == "" {
				t.Errorf("subnet %s has no route table", sn.ID)
				return
			}
			byDest := map[string][]resource{}
			for _, r := range routes {
				if refOf(r.Props["RouteTableId"]) == rt {
					d := show(r.Props["DestinationCidrBlock"])
					byDest[d] = append(byDest[d], r)
				}
			}
			for d, rs := range byDest {
				if len(rs) != 1 {
					t.Errorf("subnet %s: %d routes to %s, want one", sn.ID, len(rs), d)
				}
			}
			toTgw := func(r resource, what string) {
				if r.Props["TransitGatewayId"] != tgwID {
					t.Errorf("subnet %s: %s goes to %v, want the Transit Gateway %s", sn.ID, what, r.Props, tgwID)
				}
				if !slices.Contains(s.dependsOn(r.ID), attachment) {
					t.Errorf("route %s to the Transit Gateway does not depend on the attachment %s (DependsOn %v)", r.ID, attachment, s.dependsOn(r.ID))
				}
			}
			def := byDest["0.0.0.0/0"]
			switch {
			case len(def) != 1:
				t.Errorf("subnet %s has %d 0.0.0.0/0 routes, want exactly one", sn.ID, len(def))
			case isPublic && e.firewall:
				if def[0].Props["VpcEndpointId"] == nil {
					t.Errorf("public subnet %s: 0.0.0.0/0 goes to %v, want the firewall endpoint (firewall_test.go checks which)", sn.ID, def[0].Props)
				}
			case isPublic:
				if refOf(def[0].Props["GatewayId"]) != igws[0].ID {
					t.Errorf("public subnet %s: 0.0.0.0/0 goes to %v, want the internet gateway", sn.ID, def[0].Props)
				}
			case e.tgwEgress:
				toTgw(def[0], "0.0.0.0/0")
			default:
				if r, ok := s.resource(refOf(def[0].Props["NatGatewayId"])); !ok || r.Type != "AWS::EC2::NatGateway" {
					t.Errorf("private subnet %s: 0.0.0.0/0 goes to %v, want a NAT gateway", sn.ID, def[0].Props)
				}
			}
			for _, d := range e.tgwRoutes {
				if rs := byDest[d]; len(rs) != 1 {
					t.Errorf("subnet %s has no route to %s", sn.ID, d)
				} else {
					toTgw(rs[0], d)
				}
			}
			for d, vpc := range e.peers {
				rs := byDest[d]
				if len(rs) != 1 {
					t.Errorf("subnet %s has no route to peer %s", sn.ID, d)
					continue
				}
				if pcx := refOf(rs[0].Props["VpcPeeringConnectionId"]); peerings[pcx] != vpc {
					t.Errorf("subnet %s: route to %s goes to %v, want the peering with %s", sn.ID, d, rs[0].Props, vpc)
				}
			}
			// Nothing else: the local route is implicit, S3 is an endpoint.
			if want := 1 + len(e.tgwRoutes) + len(e.peers); len(byDest) != want {
				t.Errorf("subnet %s has routes to %v, want %d destinations", sn.ID, keysOf(byDest), want)
			}
		}
		for _, sn := range public {
			check(sn, true)
		}
		for _, sn := range private {
			check(sn, false)
			if sn.Props["MapPublicIpOnLaunch"] != false {
				t.Errorf("private subnet %s maps public IPs", sn.ID)
			}
		}
	})
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestConnectivityLayout(t *testing.T) {
	forEachConnVariant(t, func(t *testing.T, s *synthesized, e connExpectation) {
		own := append(s.subnetsWithPrefix("CoiledNetworkVpcPublicSubnet"), s.subnetsWithPrefix("CoiledNetworkVpcPrivateSubnet")...)
		var got []string
		for _, sn := range own {
			got = append(got, show(sn.Props["CidrBlock"]))
		}
		if !slices.Equal(got, e.subnets) {
			t.Errorf("VPC subnets %v, want %v", got, e.subnets)
		}
		// The attachment subnets: /28s of the free quarter, one per AZ, in
		// the AZs of the VPC's own subnets, holding no Coiled resource.
		tgw := s.subnetsWithPrefix("CoiledNetworkConnectivityTransitGatewaySubnet")
		got = nil
		for i, sn := range tgw {
			got = append(got, show(sn.Props["CidrBlock"]))
			if sn.Props["MapPublicIpOnLaunch"] != false {
				t.Errorf("attachment subnet %s maps public IPs", sn.ID)
			}
			if i < len(own) && !equalJSON(sn.Props["AvailabilityZone"], s.subnetsWithPrefix("CoiledNetworkVpcPrivateSubnet")[i].Props["AvailabilityZone"]) {
				t.Errorf("attachment subnet %s in AZ %v, want that of private subnet %d", sn.ID, sn.Props["AvailabilityZone"], i+1)
			}
			for _, r := range s.resources("AWS::EC2::Route") {
				if refOf(r.Props["RouteTableId"]) == s.routeTableOf(sn.ID) {
					t.Errorf("attachment subnet %s's route table has route %v; want only the local route", sn.ID, r.Props)
				}
			}
			for k, o := range s.outputs() {
				if strings.Contains(show(o), sn.ID) {
					t.Errorf("output %s hands attachment subnet %s to Coiled", k, sn.ID)
				}
			}
			for _, typ := range []string{"AWS::EC2::NatGateway", "AWS::EC2::Instance", "AWS::EC2::VPCEndpoint"} {
				for _, r := range s.resources(typ) {
					if strings.Contains(show(r.Props), sn.ID) {
						t.Errorf("%s %s sits in attachment subnet %s", typ, r.ID, sn.ID)
					}
				}
			}
			for _, o := range own {
				if netip.MustParsePrefix(show(o.Props["CidrBlock"])).Overlaps(netip.MustParsePrefix(show(sn.Props["CidrBlock"]))) {
					t.Errorf("attachment subnet %s overlaps %s", sn.ID, o.ID)
				}
			}
		}
		if !slices.Equal(got, e.tgwSubnets) {
			t.Errorf("attachment subnets %v, want %v", got, e.tgwSubnets)
		}
		if len(tgw) > 0 {
			a := s.resources("AWS::EC2::TransitGatewayVpcAttachment")[0]
			var ids []string
			for _, x := range a.Props["SubnetIds"].([]any) {
				ids = append(ids, refOf(x))
			}
			var want []string
			for _, sn := range tgw {
				want = append(want, sn.ID)
			}
			if !slices.Equal(ids, want) || a.Props["TransitGatewayId"] != tgwID || refOf(a.Props["VpcId"]) != s.resources("AWS::EC2::VPC")[0].ID {
				t.Errorf("attachment %v, want the VPC, %s and subnets %v", a.Props, tgwID, want)
			}
		}
	})
}

// TestConnectivityKeepsSubnets: adding Transit Gateway routes, peerings or
// switching to the internal topology (with NAT) moves no subnet of the
// private topology: same logical IDs, same properties.
func TestConnectivityKeepsSubnets(t *testing.T) {
	base := synth(t, "private-default")
	for _, name := range []string{"internal-nat", "private-tgw-routes-peering"} {
		s := synth(t, name)
		for _, sn := range base.resources("AWS::EC2::Subnet") {
			after, ok := s.resource(sn.ID)
			if !ok || !equalJSON(sn.Props, after.Props) {
				t.Errorf("%s: subnet %s differs from private-default's:\n before %v\n after  %v", name, sn.ID, sn.Props, after.Props)
			}
		}
	}
	// With Transit Gateway egress the private subnets keep their IDs and
	// ranges (only CDK's subnet-type tag says Isolated).
	s := synth(t, "private-tgw-egress")
	for _, sn := range base.resources("AWS::EC2::Subnet") {
		after, ok := s.resource(sn.ID)
		if !ok || after.Props["CidrBlock"] != sn.Props["CidrBlock"] || !equalJSON(after.Props["AvailabilityZone"], sn.Props["AvailabilityZone"]) {
			t.Errorf("private-tgw-egress: subnet %s moved: %v", sn.ID, after.Props)
		}
	}
}

func TestConnectivityOutputs(t *testing.T) {
	forEachConnVariant(t, func(t *testing.T, s *synthesized, e connExpectation) {
		out := s.outputs()
		for i := 0; i < e.azs; i++ {
			worker := s.subnetsWithPrefix(fmt.Sprintf("CoiledNetworkVpcPrivateSubnet%dSubnet", i+1))
			sched := worker
			if !e.internal {
				sched = s.subnetsWithPrefix(fmt.Sprintf("CoiledNetworkVpcPublicSubnet%dSubnet", i+1))
			}
			if len(worker) != 1 || len(sched) != 1 {
				t.Fatalf("AZ %d: scheduler %v, worker %v", i, sched, worker)
			}
			if i == 0 {
				if refOf(out["SchedulerSubnetId"]) != sched[0].ID || refOf(out["WorkerSubnetId"]) != worker[0].ID {
					t.Errorf("scheduler/worker outputs %v/%v, want %s/%s", out["SchedulerSubnetId"], out["WorkerSubnetId"], sched[0].ID, worker[0].ID)
				}
			}
			z := show(out[fmt.Sprintf("Zone%d", i)])
			if !strings.Contains(z, "Ref:"+sched[0].ID+"] , map[Ref:"+worker[0].ID) {
				t.Errorf("Zone%d = %s, want %s then %s", i, z, sched[0].ID, worker[0].ID)
			}
		}
		if out["GiveWorkersPublicIp"] != "false" {
			t.Errorf("GiveWorkersPublicIp = %v", out["GiveWorkersPublicIp"])
		}
		if sp, ok := out["SchedulerPublicIp"]; e.internal != ok || ok && sp != "false" {
			t.Errorf("SchedulerPublicIp = %v (present %v), want \"false\" exactly when internal", sp, ok)
		}
		if we, ok := out["WorkerEgress"]; e.tgwEgress != ok || ok && we != "transitGateway" {
			t.Errorf("WorkerEgress = %v (present %v), want \"transitGateway\" exactly with Transit Gateway egress", we, ok)
		}
		if a := s.resources("AWS::EC2::TransitGatewayVpcAttachment"); len(a) == 1 {
			if refOf(out["TransitGatewayAttachmentId"]) != a[0].ID {
				t.Errorf("TransitGatewayAttachmentId = %v, want %s", out["TransitGatewayAttachmentId"], a[0].ID)
			}
		} else if _, ok := out["TransitGatewayAttachmentId"]; ok {
			t.Error("TransitGatewayAttachmentId without an attachment")
		}
		pcx := s.resources("AWS::EC2::VPCPeeringConnection")
		if len(pcx) > 0 {
			j := show(out["PeeringConnectionIds"])
			for _, p := range pcx {
				if !strings.Contains(j, p.ID) {
					t.Errorf("PeeringConnectionIds = %s lacks %s", j, p.ID)
				}
			}
		} else if _, ok := out["PeeringConnectionIds"]; ok {
			t.Error("PeeringConnectionIds without peerings")
		}
	})
}

func TestPeeringConnections(t *testing.T) {
	s := synth(t, "private-tgw-routes-peering")
	pcx := s.resources("AWS::EC2::VPCPeeringConnection")
	if len(pcx) != 2 {
		t.Fatalf("%d peerings", len(pcx))
	}
	vpc := s.resources("AWS::EC2::VPC")[0].ID
	same, cross := pcx[0].Props, pcx[1].Props
	if same["PeerVpcId"] != "vpc-0123456789abcdef1" || refOf(same["VpcId"]) != vpc || same["PeerOwnerId"] != nil || same["PeerRoleArn"] != nil || same["PeerRegion"] != nil {
		t.Errorf("same-account peering %v", same)
	}
	if cross["PeerVpcId"] != "vpc-0123456789abcdef2" || cross["PeerOwnerId"] != "210987654321" || cross["PeerRegion"] != "eu-west-1" ||
		cross["PeerRoleArn"] != "arn:aws:iam::210987654321:role/coilednet-peering-accepter" {
		t.Errorf("cross-account peering %v", cross)
	}
}

func TestExistingVpc(t *testing.T) {
	s := synth(t, "existing-vpc")
	for _, typ := range []string{"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::Route", "AWS::EC2::RouteTable", "AWS::EC2::InternetGateway",
		"AWS::EC2::NatGateway", "AWS::EC2::VPCEndpoint", "AWS::Lambda::Function", "Custom::VpcRestrictDefaultSG"} {
		if n := len(s.resources(typ)); n != 0 {
			t.Errorf("%d %s: an existing VPC gets only the security groups", n, typ)
		}
	}
	if d, _ := s.template["Description"].(string); !strings.Contains(d, "existing VPC "+variants.FakeExistingVpcID) {
		t.Errorf("stack description %q does not name the existing VPC", d)
	}
	sgs := s.resources("AWS::EC2::SecurityGroup")
	if len(sgs) != 2 {
		t.Fatalf("%d security groups, want 2", len(sgs))
	}
	for _, sg := range sgs {
		if sg.Props["VpcId"] != variants.FakeExistingVpcID {
			t.Errorf("%s in VPC %v, want %s", sg.ID, sg.Props["VpcId"], variants.FakeExistingVpcID)
		}
	}
	if n := len(s.template["Resources"].(map[string]any)); n != 3 {
		t.Errorf("%d resources, want the two groups and the cluster self rule", n)
	}
	out := s.outputs()
	want := map[string]any{"NetworkId": variants.FakeExistingVpcID, "SchedulerSubnetId": "subnet-0123456789abcdef0",
		"WorkerSubnetId": "subnet-0123456789abcdef1", "GiveWorkersPublicIp": "false", "WorkerEgress": "existing"}
	for k, v := range want {
		if out[k] != v {
			t.Errorf("output %s = %v, want %v", k, out[k], v)
		}
	}
	for k := range out {
		if strings.HasPrefix(k, "Zone") || k == "SchedulerPublicIp" {
			t.Errorf("output %s with an existing VPC (its subnets' AZs are unknown at synth)", k)
		}
	}
}

// TestConnectivityConstructErrors: a bad combination given in Go is an error
// naming both keys, before anything is built.
func TestConnectivityConstructErrors(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(mustTempDir()), BuiltinCloudFormationValidation: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Other"), nil)
	_, err := network.NewCoiledNetwork(stack, "Bad", &config.Network{Topology: config.TopologyPublic,
		Connectivity: config.Connectivity{Egress: config.EgressTransitGateway, TransitGatewayId: tgwID}})
	if err == nil || !strings.Contains(err.Error(), `"egress"`) || !strings.Contains(err.Error(), "topology=private or internal") {
		t.Errorf("public + Transit Gateway egress: %v", err)
	}
	if stack.Node().TryFindChild(jsii.String("Bad")) != nil {
		t.Error("a construct was built despite bad props")
	}
	n, err := network.NewCoiledNetwork(stack, "Internal", &config.Network{Topology: config.TopologyInternal,
		Connectivity: config.Connectivity{Egress: config.EgressTransitGateway, TransitGatewayId: tgwID}})
	if err != nil {
		t.Fatal(err)
	}
	if n.GiveWorkersPublicIp || n.SchedulerPublicIp || n.Connectivity == nil || n.Connectivity.TransitGatewayAttachment == nil ||
		len(n.Connectivity.TransitGatewaySubnets) != 1 || *n.SchedulerSubnet.SubnetId() != *n.WorkerSubnet.SubnetId() {
		t.Errorf("internal TGW network %+v", n)
	}
	// public + Transit Gateway routes: the public subnet routes them, its
	// 0.0.0.0/0 stays with the internet gateway.
	n, err = network.NewCoiledNetwork(stack, "PublicRoutes", &config.Network{
		Connectivity: config.Connectivity{TransitGatewayId: tgwID, TransitGatewayRoutes: []netip.Prefix{netip.MustParsePrefix("10.100.0.0/16")}}})
	if err != nil {
		t.Fatal(err)
	}
	if !n.GiveWorkersPublicIp || !n.SchedulerPublicIp || n.Connectivity == nil || len(n.Connectivity.Routes) != 1 ||
		*n.Connectivity.Routes[0].DestinationCidrBlock() != "10.100.0.0/16" || *n.Connectivity.Routes[0].TransitGatewayId() != tgwID {
		t.Errorf("public network with Transit Gateway routes %+v", n.Connectivity)
	}
}
