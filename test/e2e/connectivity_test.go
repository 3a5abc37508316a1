//go:build e2e

package e2e

// End-to-end tests of private connectivity (issue 10) on the emulator.
//
// The emulator's EC2 API has transit gateways and VPC peering, but its
// CloudFormation has no AWS::EC2::TransitGatewayVpcAttachment: it skips that
// resource (with a warning) and creates the rest. So this suite creates a
// Transit Gateway and a peer VPC through the EC2 API first, deploys an
// internal network routed through them, checks every route with the EC2 API,
// and checks the attachment itself in the deployed template. The
// existing-VPC mode deploys into a VPC and subnets created through the EC2
// API. The hook runs in both modes (outputs file and --stack) for each.

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/coilednet/coilednet/internal/motoserver"
	"github.com/coilednet/coilednet/internal/variants"
)

// autoClientCidrs is what clientCidrs=auto gives v, written out by hand:
// nil for public and private (0.0.0.0/0, the suite's default), the VPC range
// and the routed ranges for internal, the existing VPC's range for an
// existing VPC.
func autoClientCidrs(v variants.Variant) []string {
	switch v.Topology {
	case "internal":
		out := []string{"10.0.0.0/16"}
		if c, ok := v.Context["vpcCidr"]; ok {
			out = []string{c}
		}
		out = append(out, splitList(v.Context["transitGatewayRoutes"])...)
		for _, p := range splitList(v.Context["peerVpcs"]) { // vpc-…=CIDR items only
			_, cidr, _ := strings.Cut(p, "=")
			out = append(out, cidr)
		}
		return out
	case "existing":
		return []string{v.Context["existingVpcCidr"]}
	}
	return nil
}

func ec2Client(endpoint string) *ec2.Client {
	return ec2.NewFromConfig(aws.Config{
		Region:       motoserver.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", "testing"),
		BaseEndpoint: aws.String(endpoint),
	})
}

func createVpc(t *testing.T, c *ec2.Client, cidr string) string {
	t.Helper()
	out, err := c.CreateVpc(context.Background(), &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
	if err != nil {
		t.Fatalf("create VPC %s: %v", cidr, err)
	}
	return aws.ToString(out.Vpc.VpcId)
}

// routesOf returns the routes of a route table, by destination.
func routesOf(t *testing.T, d *deployment, rt string) map[string]ec2types.Route {
	t.Helper()
	out, err := d.ec2.DescribeRouteTables(context.Background(), &ec2.DescribeRouteTablesInput{RouteTableIds: []string{rt}})
	if err != nil || len(out.RouteTables) != 1 {
		t.Fatalf("route table %s: %v", rt, err)
	}
	m := map[string]ec2types.Route{}
	for _, r := range out.RouteTables[0].Routes {
		m[aws.ToString(r.DestinationCidrBlock)] = r
	}
	return m
}

// checkConnectivityHook runs the hook from the outputs file and from
// CloudFormation: Coiled gets the deployed IDs, and for a scheduler
// without public IP the hook says how clients must connect.
func checkConnectivityHook(t *testing.T, d *deployment, wantPublicIP bool) {
	srv := fakeCoiled(t)
	o := d.outputs
	want := wantNetwork(o, o.SchedulerSubnetID, o.WorkerSubnetID)
	if o.GiveWorkersPublicIP != wantPublicIP {
		t.Errorf("GiveWorkersPublicIp output %v, want %v", o.GiveWorkersPublicIP, wantPublicIP)
	}
	for _, args := range [][]string{{"--outputs-file", d.outFile}, {"--stack", stackName}} {
		out := runHook(t, d, srv, args...)
		got, _ := sentNetwork(t, srv)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("hook %v: Coiled received\n %v\nwant\n %v", args, got, want)
		}
		egress := map[string]string{"transitGateway": "no (outbound through the Transit Gateway)", "existing": "no (outbound as the existing VPC routes it)",
			"": "no (outbound through the NAT)"}[o.All["WorkerEgress"]]
		if !wantPublicIP && !strings.Contains(out, "worker public IPs  "+egress) {
			t.Errorf("hook %v summary does not say %q:\n%s", args, egress, out)
		}
		if d.v.Topology == "internal" && !strings.Contains(out, "use_scheduler_public_ip") {
			t.Errorf("hook %v does not tell internal clients to set coiled.use_scheduler_public_ip:\n%s", args, out)
		}
	}
}

func TestConnectivityOnEmulator(t *testing.T) {
	requireTools(t)

	t.Run("internal, Transit Gateway egress and routes, a peering", func(t *testing.T) {
		endpoint := motoserver.Start(t)
		c := ec2Client(endpoint)
		tgw, err := c.CreateTransitGateway(context.Background(), &ec2.CreateTransitGatewayInput{Description: aws.String("coilednet e2e")})
		if err != nil {
			t.Fatal(err)
		}
		tgwID := aws.ToString(tgw.TransitGateway.TransitGatewayId)
		peer := createVpc(t, c, "10.1.0.0/16")
		v := variants.Variant{Name: "e2e-internal-tgw-peering", Topology: "internal", Context: map[string]string{
			"topology":             "internal",
			"egress":               "transitGateway",
			"transitGatewayId":     tgwID,
			"transitGatewayRoutes": "10.100.0.0/16",
			"peerVpcs":             peer + "=10.1.0.0/16",
			"azs":                  "2",
		}}
		d := deployTo(t, v, endpoint)
		repairEmulator(t, d) // check_test.go: what moto leaves out of the template
		o := d.outputs
		ctx := context.Background()

		igws, err := d.ec2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{
			Filters: []ec2types.Filter{{Name: aws.String("attachment.vpc-id"), Values: []string{o.NetworkID}}}})
		if err != nil || len(igws.InternetGateways) != 0 {
			t.Errorf("internet gateways attached to %s: %v %+v, want none", o.NetworkID, err, igws)
		}
		if len(d.resourcesOfType("AWS::EC2::NatGateway"))+len(d.resourcesOfType("AWS::EC2::EIP")) != 0 {
			t.Error("NAT gateways or Elastic IPs with Transit Gateway egress")
		}

		pcxs, err := d.ec2.DescribeVpcPeeringConnections(ctx, &ec2.DescribeVpcPeeringConnectionsInput{
			Filters: []ec2types.Filter{{Name: aws.String("requester-vpc-info.vpc-id"), Values: []string{o.NetworkID}}}})
		if err != nil || len(pcxs.VpcPeeringConnections) != 1 || aws.ToString(pcxs.VpcPeeringConnections[0].AccepterVpcInfo.VpcId) != peer {
			t.Fatalf("peerings of %s: %v %+v, want one with %s", o.NetworkID, err, pcxs, peer)
		}
		pcx := aws.ToString(pcxs.VpcPeeringConnections[0].VpcPeeringConnectionId)
		if got := o.All["PeeringConnectionIds"]; got != pcx {
			t.Errorf("PeeringConnectionIds output %q, want %s", got, pcx)
		}
		if o.All["WorkerEgress"] != "transitGateway" {
			t.Errorf("WorkerEgress output %q, want transitGateway", o.All["WorkerEgress"])
		}
		if o.All["SchedulerPublicIp"] != "false" {
			t.Errorf("SchedulerPublicIp output %q, want false", o.All["SchedulerPublicIp"])
		}

		// Every zone: scheduler = worker = the private subnet, whose routes
		// go where the options say.
		if len(o.Zones) != 2 {
			t.Fatalf("%d zones, want 2", len(o.Zones))
		}
		for _, z := range o.Zones {
			if z.SchedulerSubnetID != z.WorkerSubnetID || !strings.HasPrefix(d.logicalOf(z.WorkerSubnetID), "CoiledNetworkVpcPrivateSubnet") {
				t.Errorf("zone %s: scheduler %s, worker %s; want the same private subnet", z.Name, z.SchedulerSubnetID, z.WorkerSubnetID)
			}
			routes := routesOf(t, d, d.routeTableOf(z.WorkerSubnetID))
			for _, dest := range []string{"0.0.0.0/0", "10.100.0.0/16"} {
				if r := routes[dest]; aws.ToString(r.TransitGatewayId) != tgwID {
					t.Errorf("zone %s: %s goes to %+v, want the Transit Gateway %s", z.Name, dest, r, tgwID)
				}
			}
			if r := routes["10.1.0.0/16"]; aws.ToString(r.VpcPeeringConnectionId) != pcx {
				t.Errorf("zone %s: 10.1.0.0/16 goes to %+v, want the peering %s", z.Name, r, pcx)
			}
		}

		// The attachment: the emulator's CloudFormation skips it, so check
		// it in the deployed template, and its subnets through EC2.
		att := d.resourcesOfType("AWS::EC2::TransitGatewayVpcAttachment")
		if len(att) != 1 {
			t.Fatalf("%d attachments in the deployed template", len(att))
		}
		p := d.props(att[0])
		if p["TransitGatewayId"] != tgwID || refOf(p["VpcId"]) != d.resourcesOfType("AWS::EC2::VPC")[0] {
			t.Errorf("attachment %v, want %s and the VPC", p, tgwID)
		}
		// The emulator cannot resolve the attachment, so its output is
		// checked in the template too.
		if out, _ := d.template["Outputs"].(map[string]any)["TransitGatewayAttachmentId"].(map[string]any); refOf(out["Value"]) != att[0] {
			t.Errorf("output TransitGatewayAttachmentId %v, want the attachment %s", out, att[0])
		}
		var subnetIDs []string
		for _, s := range p["SubnetIds"].([]any) {
			subnetIDs = append(subnetIDs, d.physical[refOf(s)])
		}
		sns, err := d.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: subnetIDs})
		if err != nil || len(sns.Subnets) != 2 {
			t.Fatalf("attachment subnets %v: %v", subnetIDs, err)
		}
		var cidrs []string
		for _, sn := range sns.Subnets {
			cidrs = append(cidrs, aws.ToString(sn.CidrBlock))
			if aws.ToString(sn.VpcId) != o.NetworkID {
				t.Errorf("attachment subnet %s in %s", aws.ToString(sn.SubnetId), aws.ToString(sn.VpcId))
			}
		}
		slices.Sort(cidrs)
		if !slices.Equal(cidrs, []string{"10.0.192.0/28", "10.0.192.16/28"}) {
			t.Errorf("attachment subnets %v, want 10.0.192.0/28 and 10.0.192.16/28", cidrs)
		}
		for _, id := range d.resourcesOfType("AWS::EC2::Route") {
			if p := d.props(id); p["TransitGatewayId"] != nil {
				var deps []string
				switch x := d.template["Resources"].(map[string]any)[id].(map[string]any)["DependsOn"].(type) {
				case []any:
					for _, y := range x {
						deps = append(deps, y.(string))
					}
				case string:
					deps = []string{x}
				}
				if !slices.Contains(deps, att[0]) {
					t.Errorf("route %s to the Transit Gateway does not depend on the attachment", id)
				}
			}
		}

		checkSecurityGroups(t, d)
		checkConnectivityHook(t, d, false)
	})

	t.Run("private, Transit Gateway routes, two peerings", func(t *testing.T) {
		endpoint := motoserver.Start(t)
		c := ec2Client(endpoint)
		tgw, err := c.CreateTransitGateway(context.Background(), &ec2.CreateTransitGatewayInput{Description: aws.String("coilednet e2e")})
		if err != nil {
			t.Fatal(err)
		}
		tgwID := aws.ToString(tgw.TransitGateway.TransitGatewayId)
		peers := []string{createVpc(t, c, "10.1.0.0/16"), createVpc(t, c, "10.2.0.0/16")}
		v := variants.Variant{Name: "e2e-private-tgw-peering", Topology: "private", Context: map[string]string{
			"topology":             "private",
			"transitGatewayId":     tgwID,
			"transitGatewayRoutes": "172.16.0.0/12",
			"peerVpcs":             peers[0] + "=10.1.0.0/16," + peers[1] + "=10.2.0.0/16",
			"clientCidrs":          "198.51.100.0/24",
		}}
		d := deployTo(t, v, endpoint)
		repairEmulator(t, d)
		o := d.outputs
		pcx := strings.Split(o.All["PeeringConnectionIds"], ",")
		if len(pcx) != 2 {
			t.Fatalf("PeeringConnectionIds %q, want two", o.All["PeeringConnectionIds"])
		}
		for i, id := range pcx {
			out, err := d.ec2.DescribeVpcPeeringConnections(context.Background(), &ec2.DescribeVpcPeeringConnectionsInput{VpcPeeringConnectionIds: []string{id}})
			if err != nil || len(out.VpcPeeringConnections) != 1 ||
				aws.ToString(out.VpcPeeringConnections[0].RequesterVpcInfo.VpcId) != o.NetworkID ||
				aws.ToString(out.VpcPeeringConnections[0].AccepterVpcInfo.VpcId) != peers[i] {
				t.Errorf("peering %s: %v %+v, want %s to %s", id, err, out, o.NetworkID, peers[i])
			}
		}
		// Both the scheduler's public subnet and the workers' private one:
		// their own default route, plus the routed ranges.
		for _, sn := range []string{o.SchedulerSubnetID, o.WorkerSubnetID} {
			routes := routesOf(t, d, d.routeTableOf(sn))
			if r := routes["172.16.0.0/12"]; aws.ToString(r.TransitGatewayId) != tgwID {
				t.Errorf("subnet %s: 172.16.0.0/12 goes to %+v, want %s", sn, r, tgwID)
			}
			for i, cidr := range []string{"10.1.0.0/16", "10.2.0.0/16"} {
				if r := routes[cidr]; aws.ToString(r.VpcPeeringConnectionId) != pcx[i] {
					t.Errorf("subnet %s: %s goes to %+v, want %s", sn, cidr, r, pcx[i])
				}
			}
			def := routes["0.0.0.0/0"]
			if sn == o.SchedulerSubnetID && !strings.HasPrefix(aws.ToString(def.GatewayId), "igw-") ||
				sn == o.WorkerSubnetID && !strings.HasPrefix(aws.ToString(def.NatGatewayId), "nat-") {
				t.Errorf("subnet %s: 0.0.0.0/0 goes to %+v", sn, def)
			}
		}
		if _, ok := o.All["SchedulerPublicIp"]; ok {
			t.Error("SchedulerPublicIp output in the private topology")
		}
		checkSecurityGroups(t, d)
		checkConnectivityHook(t, d, false)
	})

	t.Run("existing VPC", func(t *testing.T) {
		endpoint := motoserver.Start(t)
		c := ec2Client(endpoint)
		ctx := context.Background()
		vpc := createVpc(t, c, "10.20.0.0/16")
		var subnets []string
		for _, cidr := range []string{"10.20.0.0/24", "10.20.1.0/24"} {
			sn, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr),
				AvailabilityZone: aws.String(motoserver.Region + "a")})
			if err != nil {
				t.Fatal(err)
			}
			subnets = append(subnets, aws.ToString(sn.Subnet.SubnetId))
		}
		healthyExistingNetwork(t, c, vpc, subnets[0], subnets[1])
		v := variants.Variant{Name: "e2e-existing-vpc", Topology: "existing", Context: map[string]string{
			"existingVpcId":     vpc,
			"existingVpcCidr":   "10.20.0.0/16",
			"schedulerSubnetId": subnets[0],
			"workerSubnetId":    subnets[1],
			"workerPublicIp":    "false",
		}}
		d := deployTo(t, v, endpoint)
		o := d.outputs
		if o.NetworkID != vpc || o.SchedulerSubnetID != subnets[0] || o.WorkerSubnetID != subnets[1] || len(o.Zones) != 0 || o.All["WorkerEgress"] != "existing" {
			t.Errorf("outputs %+v, want VPC %s, subnets %v and no zones", o, vpc, subnets)
		}
		for _, typ := range []string{"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::Route", "AWS::EC2::InternetGateway"} {
			if ids := d.resourcesOfType(typ); len(ids) != 0 {
				t.Errorf("the stack holds %v (%s) in existing-VPC mode", ids, typ)
			}
		}
		vpcs, err := d.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
		if err != nil || len(vpcs.Vpcs) != 2 { // the default VPC and ours
			raw, _ := json.Marshal(vpcs)
			t.Errorf("VPCs after deploy: %v %s; want the default one and %s only", err, raw, vpc)
		}
		checkSecurityGroups(t, d)
		checkConnectivityHook(t, d, false)
		checkRedeploy(t, d)
	})
}

// healthyExistingNetwork makes the hand-built VPC what the network check
// requires, as a network team would have it: DNS hostnames on, the
// scheduler's subnet routed to an attached internet gateway, the workers'
// through a NAT gateway in the scheduler's subnet.
func healthyExistingNetwork(t *testing.T, c *ec2.Client, vpc, public, private string) {
	t.Helper()
	ctx := context.Background()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, err := c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpc), EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}})
	must("DNS hostnames", err)
	igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	must("create IGW", err)
	_, err = c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: aws.String(vpc)})
	must("attach IGW", err)
	table := func(subnet string, route ec2.CreateRouteInput) {
		rt, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpc)})
		must("create route table", err)
		route.RouteTableId, route.DestinationCidrBlock = rt.RouteTable.RouteTableId, aws.String("0.0.0.0/0")
		_, err = c.CreateRoute(ctx, &route)
		must("create route", err)
		_, err = c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId, SubnetId: aws.String(subnet)})
		must("associate", err)
	}
	table(public, ec2.CreateRouteInput{GatewayId: igw.InternetGateway.InternetGatewayId})
	eip, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	must("EIP", err)
	nat, err := c.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(public), AllocationId: eip.AllocationId})
	must("NAT gateway", err)
	table(private, ec2.CreateRouteInput{NatGatewayId: nat.NatGateway.NatGatewayId})
}
