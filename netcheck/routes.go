package netcheck

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Kinds of egress hop. A new kind of route target is a constant here, a
// case in routeTarget, one in createRouteFlag and one in (*checker).hop.
const (
	hopNone     = ""
	hopIGW      = "internet gateway"
	hopNAT      = "NAT gateway"
	hopInstance = "NAT instance"
	hopTGW      = "Transit Gateway"
	hopEndpoint = "endpoint" // vpce-: a Gateway Load Balancer or Network Firewall endpoint
	hopOpaque   = "opaque"   // peering, ENI, VGW…: not verifiable here
)

// hop is one step of a way out: where a 0.0.0.0/0 route leads.
type hop struct {
	kind, id string
	// subnet is the subnet of this VPC the hop's interface is in, when it
	// has one (NAT gateway, NAT instance, firewall endpoint): traffic
	// crosses that subnet's network ACL.
	subnet string
}

// path is a subnet's evaluated way out to the internet.
type path struct {
	subnet string
	hops   []hop
	ok     bool // no failure found on the way
}

// has reports whether the path goes through a hop of kind.
func (p path) has(kind string) bool {
	return slices.ContainsFunc(p.hops, func(h hop) bool { return h.kind == kind })
}

// routeTarget names a route's target and its kind: the one place that
// maps a route to a hop.
func routeTarget(r *types.Route) (id, kind string) {
	gw := aws.ToString(r.GatewayId)
	switch {
	case aws.ToString(r.NatGatewayId) != "":
		return aws.ToString(r.NatGatewayId), hopNAT
	case aws.ToString(r.InstanceId) != "":
		return aws.ToString(r.InstanceId), hopInstance
	case aws.ToString(r.TransitGatewayId) != "":
		return aws.ToString(r.TransitGatewayId), hopTGW
	case strings.HasPrefix(gw, "igw-"):
		return gw, hopIGW
	case strings.HasPrefix(gw, "vpce-"):
		return gw, hopEndpoint
	}
	for _, id := range []*string{r.GatewayId, r.VpcPeeringConnectionId, r.NetworkInterfaceId,
		r.LocalGatewayId, r.CarrierGatewayId, r.CoreNetworkArn, r.OdbNetworkArn} {
		if v := aws.ToString(id); v != "" {
			return v, hopOpaque
		}
	}
	return "", hopNone
}

// createRouteFlag is the aws ec2 create-route flag that targets kind, one
// of the kinds a private subnet's advice names (NAT gateway, NAT instance,
// Transit Gateway, firewall endpoint).
func createRouteFlag(kind string) string {
	switch kind {
	case hopNAT:
		return "--nat-gateway-id"
	case hopInstance:
		return "--instance-id"
	case hopTGW:
		return "--transit-gateway-id"
	}
	return "--vpc-endpoint-id"
}

// routeTableOf returns the route table that applies to subnet: its explicit
// association, else the VPC's main table (main is then true); nil when
// neither exists.
func (c *checker) routeTableOf(subnet string) (rt *types.RouteTable, main bool) {
	var mainRT *types.RouteTable
	for i := range c.tables {
		t := &c.tables[i]
		for _, a := range t.Associations {
			if a.AssociationState != nil && a.AssociationState.State != types.RouteTableAssociationStateCodeAssociated {
				continue
			}
			if aws.ToString(a.SubnetId) == subnet {
				return t, false
			}
			if aws.ToBool(a.Main) {
				mainRT = t
			}
		}
	}
	return mainRT, mainRT != nil
}

// defaultRoute returns rt's IPv4 default route, or nil.
func defaultRoute(rt *types.RouteTable) *types.Route {
	for i := range rt.Routes {
		if aws.ToString(rt.Routes[i].DestinationCidrBlock) == "0.0.0.0/0" {
			return &rt.Routes[i]
		}
	}
	return nil
}

// tableName describes rt for messages, saying when it is the main table.
func tableName(rt *types.RouteTable, main bool) string {
	if main {
		return aws.ToString(rt.RouteTableId) + " (the VPC's main route table: the subnet has no explicit association)"
	}
	return aws.ToString(rt.RouteTableId)
}

const opaqueNote = "not verifiable from this VPC (check the route and the appliance beyond it yourself)"

// seen returns a target of kind that a route table of the VPC sends
// 0.0.0.0/0 to (not blackholed), or "". It is asked only for tables that
// lack a working default route, so it finds the VPC's other tables' ways.
func (c *checker) seen(kind string) string {
	for i := range c.tables {
		t := &c.tables[i]
		if r := defaultRoute(t); r != nil && r.State != types.RouteStateBlackhole {
			if id, k := routeTarget(r); k == kind {
				return id
			}
		}
	}
	return ""
}

// routeFix is the create-route line for a route table that lacks a way
// out, fitted to the design: public (an internet gateway, through the
// egress firewall's endpoint when the VPC has one) or the workers' egress
// (the stack's WorkerEgress, else what the VPC's other tables use).
func (c *checker) routeFix(rtID string, public bool) string {
	base := "aws ec2 create-route --route-table-id " + rtID + " --destination-cidr-block 0.0.0.0/0 "
	if public {
		if id := c.seen(hopEndpoint); id != "" {
			return base + "--vpc-endpoint-id " + id + " (the firewall endpoint the VPC's other public subnets use)"
		}
		id := c.seen(hopIGW)
		if id == "" {
			id = "<the VPC's igw-…>"
		}
		return base + "--gateway-id " + id + " (the VPC's internet gateway)"
	}
	if c.n.Egress == EgressTransitGateway {
		id := c.seen(hopTGW)
		if id == "" {
			id = "<the Transit Gateway tgw-…>"
		}
		return base + "--transit-gateway-id " + id + " (egress=transitGateway: workers leave through the Transit Gateway)"
	}
	for _, k := range []string{hopNAT, hopTGW, hopInstance, hopEndpoint} {
		if id := c.seen(k); id != "" {
			return base + createRouteFlag(k) + " " + id + " (the " + kindName(k) + " the VPC's other private subnets use)"
		}
	}
	if c.n.Egress == EgressExisting {
		return "give the subnet the way out this VPC's design uses (its NAT gateway, Transit Gateway or firewall): " + base + "--nat-gateway-id|--transit-gateway-id …"
	}
	return base + "--nat-gateway-id <a NAT gateway in a public subnet of this AZ>"
}

func kindName(k string) string {
	if k == hopEndpoint {
		return "firewall endpoint"
	}
	return k
}

// from says how a hop is reached: whether an internet gateway works from
// there (the sender has a public address), and why not.
type from struct {
	role    string
	subnet  string
	igwOK   bool
	noIGW   string // why an internet gateway does not work (message)
	noIGWFx string // and what to do
	depth   int
}

// verdict is a hop and what lies beyond it, evaluated.
type verdict struct {
	status        Status
	msg, fix, res string
	hops          []hop
}

func failed(msg, fix, res string) verdict { return verdict{status: Fail, msg: msg, fix: fix, res: res} }

// egress evaluates subnet's way out to the internet and adds one result to
// check. It returns the route table found and the path.
func (c *checker) egress(check, role, subnet string, f from) (*types.RouteTable, path, error) {
	p := path{subnet: subnet}
	rt, main := c.routeTableOf(subnet)
	if rt == nil {
		c.add(check, Fail, subnet, "associate the subnet with a route table that has a 0.0.0.0/0 route",
			"%s subnet %s has no route table (no explicit association and no main route table)", role, subnet)
		return nil, p, nil
	}
	rtID := aws.ToString(rt.RouteTableId)
	r := defaultRoute(rt)
	if r == nil {
		c.add(check, Fail, rtID, c.routeFix(rtID, f.igwOK),
			"%s subnet %s: route table %s has no 0.0.0.0/0 route: the %s cannot reach Coiled, package or image registries", role, subnet, tableName(rt, main), role)
		return rt, p, nil
	}
	id, kind := routeTarget(r)
	if r.State == types.RouteStateBlackhole {
		c.add(check, Fail, rtID, "replace the route: "+strings.Replace(c.routeFix(rtID, f.igwOK), "create-route", "replace-route", 1),
			"%s subnet %s: 0.0.0.0/0 in %s goes to %s, which no longer exists (blackhole)", role, subnet, tableName(rt, main), orUnknown(id))
		return rt, p, nil
	}
	v, err := c.hop(kind, id, rtID, f)
	if err != nil {
		return rt, p, err
	}
	p.hops, p.ok = v.hops, v.status != Fail
	res := v.res
	if v.status == Pass && kind != hopIGW {
		res = id
	}
	c.add(check, v.status, res, v.fix, "%s subnet %s: 0.0.0.0/0 in %s goes to %s", role, subnet, tableName(rt, main), v.msg)
	return rt, p, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "a deleted target"
	}
	return s
}

// hop evaluates the target (kind, id) of route table rtID's default route,
// and what lies beyond it.
func (c *checker) hop(kind, id, rtID string, f from) (verdict, error) {
	h := hop{kind: kind, id: id}
	switch kind {
	case hopNone:
		return failed("no target", c.routeFix(rtID, f.igwOK), rtID), nil
	case hopOpaque:
		return verdict{status: Pass, msg: id + ": egress leaves the VPC there: " + opaqueNote, res: id, hops: []hop{h}}, nil
	case hopTGW:
		return verdict{status: Pass, msg: fmt.Sprintf("Transit Gateway %s: egress leaves the VPC there: %s", id, opaqueNote), res: id, hops: []hop{h}}, nil
	case hopIGW:
		if !f.igwOK {
			return failed(fmt.Sprintf("internet gateway %s, %s", id, f.noIGW), f.noIGWFx, rtID), nil
		}
		attached, err := c.igwAttached(id)
		if err != nil {
			return verdict{}, err
		}
		if !attached {
			return failed(fmt.Sprintf("internet gateway %s, which is not attached to %s", id, c.n.VpcID),
				"aws ec2 attach-internet-gateway --internet-gateway-id "+id+" --vpc-id "+c.n.VpcID, id), nil
		}
		return verdict{status: Pass, msg: fmt.Sprintf("internet gateway %s (attached)", id), res: rtID, hops: []hop{h}}, nil
	case hopNAT:
		return c.natGateway(id, f)
	case hopInstance:
		return c.natInstance(id, f)
	}
	return c.endpoint(id, f) // hopEndpoint
}

// onward follows the default route of subnet, which a hop (desc) sits in,
// from f; the hops returned start with here.
func (c *checker) onward(here hop, desc string, f from) (verdict, error) {
	if f.depth > 4 {
		return failed(desc+", whose routes loop", "route 0.0.0.0/0 of "+here.subnet+" to the internet gateway", here.subnet), nil
	}
	rt, main := c.routeTableOf(here.subnet)
	if rt == nil {
		return failed(fmt.Sprintf("%s, which has no route table", desc),
			"associate subnet "+here.subnet+" with a route table whose 0.0.0.0/0 goes to the internet gateway", here.subnet), nil
	}
	rtID := aws.ToString(rt.RouteTableId)
	r := defaultRoute(rt)
	desc = fmt.Sprintf("%s, whose route table %s", desc, tableName(rt, main))
	if r == nil {
		return failed(desc+" has no 0.0.0.0/0 route", c.routeFix(rtID, true), rtID), nil
	}
	tid, kind := routeTarget(r)
	if r.State == types.RouteStateBlackhole {
		return failed(fmt.Sprintf("%s sends 0.0.0.0/0 to %s, which no longer exists (blackhole)", desc, orUnknown(tid)),
			strings.Replace(c.routeFix(rtID, true), "create-route", "replace-route", 1), rtID), nil
	}
	next := f
	next.depth++
	next.subnet = here.subnet
	v, err := c.hop(kind, tid, rtID, next)
	if err != nil {
		return verdict{}, err
	}
	v.msg = desc + " sends 0.0.0.0/0 to " + v.msg
	v.hops = append([]hop{here}, v.hops...)
	return v, nil
}

func (c *checker) igwAttached(id string) (bool, error) {
	igw, ok := c.igws[id]
	if !ok {
		out, err := c.ec2.DescribeInternetGateways(c.ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{id}})
		if err != nil && !isNotFound(err) {
			return false, &APIError{"DescribeInternetGateways", err}
		}
		if err == nil && len(out.InternetGateways) > 0 {
			igw = &out.InternetGateways[0]
		}
		c.igws[id] = igw
	}
	if igw == nil {
		return false, nil
	}
	for _, a := range igw.Attachments {
		st := string(a.State)
		if aws.ToString(a.VpcId) == c.n.VpcID && (st == "available" || st == "attached") {
			return true, nil
		}
	}
	return false, nil
}

// natGateway checks a NAT gateway: available, in a subnet whose own default
// route leads out (to an internet gateway for a public NAT gateway).
func (c *checker) natGateway(id string, f from) (verdict, error) {
	out, err := c.ec2.DescribeNatGateways(c.ctx, &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{id}})
	if err != nil && !isNotFound(err) {
		return verdict{}, &APIError{"DescribeNatGateways", err}
	}
	if err != nil || len(out.NatGateways) == 0 {
		return failed(fmt.Sprintf("NAT gateway %s, which does not exist", id), "create a NAT gateway in a public subnet and point the route at it", id), nil
	}
	n := out.NatGateways[0]
	if isRegional(n) {
		return c.regionalNatGateway(n, f) // regional.go
	}
	if n.State != types.NatGatewayStateAvailable {
		fix := "create a new NAT gateway in a public subnet and point the route at it"
		if n.State == types.NatGatewayStatePending {
			fix = "wait until the NAT gateway is available, then run the check again"
		}
		return failed(fmt.Sprintf("NAT gateway %s, which is %s, not available", id, n.State), fix, id), nil
	}
	here := hop{kind: hopNAT, id: id, subnet: aws.ToString(n.SubnetId)}
	if here.subnet == "" {
		// A NAT gateway without a subnet of its own (regional): its way out
		// is not in a route table of this VPC's subnets.
		return verdict{status: Pass, msg: fmt.Sprintf("NAT gateway %s (available, no subnet of its own): its way out is %s", id, opaqueNote), res: id, hops: []hop{here}}, nil
	}
	next := from{role: f.role, depth: f.depth, igwOK: true}
	if n.ConnectivityType == types.ConnectivityTypePrivate {
		next.igwOK, next.noIGW, next.noIGWFx = false, "but a private NAT gateway has no public address", "use a public NAT gateway for internet egress"
	}
	return c.onward(here, fmt.Sprintf("NAT gateway %s (available) in subnet %s", id, here.subnet), next)
}

// natInstance checks a NAT instance: running, source/destination check
// off, EC2 status checks ok, in a subnet whose own default route leads
// out. It cannot see inside the instance (forwarding, iptables).
func (c *checker) natInstance(id string, f from) (verdict, error) {
	out, err := c.ec2.DescribeInstances(c.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil && !isNotFound(err) {
		return verdict{}, &APIError{"DescribeInstances", err}
	}
	var in *types.Instance
	if err == nil {
		for _, r := range out.Reservations {
			for i := range r.Instances {
				in = &r.Instances[i]
			}
		}
	}
	if in == nil {
		return failed(fmt.Sprintf("NAT instance %s, which does not exist", id), "point the route at a running NAT instance or a NAT gateway", id), nil
	}
	state := types.InstanceStateName("unknown")
	if in.State != nil {
		state = in.State.Name
	}
	if state != types.InstanceStateNameRunning {
		return failed(fmt.Sprintf("NAT instance %s, which is %s, not running", id, state), "aws ec2 start-instances --instance-ids "+id, id), nil
	}
	if in.SourceDestCheck == nil || aws.ToBool(in.SourceDestCheck) {
		return failed(fmt.Sprintf("NAT instance %s (running) with source/destination check on: it drops the traffic it should forward", id),
			"aws ec2 modify-instance-attribute --instance-id "+id+" --no-source-dest-check", id), nil
	}
	status, note, err := c.instanceStatus(id)
	if err != nil {
		return verdict{}, err
	}
	desc := fmt.Sprintf("NAT instance %s (running, source/destination check off, %s) in subnet %s", id, note, aws.ToString(in.SubnetId))
	if status == Fail {
		return failed(desc, "aws ec2 reboot-instances --instance-ids "+id+" (or replace the instance); see aws ec2 describe-instance-status --instance-ids "+id, id), nil
	}
	v, err := c.onward(hop{kind: hopInstance, id: id, subnet: aws.ToString(in.SubnetId)}, desc, from{role: f.role, depth: f.depth, igwOK: true})
	if err == nil && v.status == Pass && status == Warn {
		v.status, v.res = Warn, id
		v.fix = "wait until the status checks are ok (aws ec2 describe-instance-status --instance-ids " + id + "), then run the check again"
	}
	return v, err
}

// instanceStatus reads a running instance's EC2 status checks: Pass when
// both are ok, Warn while initializing or without data, Fail when impaired.
func (c *checker) instanceStatus(id string) (Status, string, error) {
	out, err := c.ec2.DescribeInstanceStatus(c.ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: []string{id}})
	if err != nil && !isNotFound(err) {
		return "", "", &APIError{"DescribeInstanceStatus", err}
	}
	if err != nil || len(out.InstanceStatuses) == 0 {
		return Warn, "no EC2 status checks yet", nil
	}
	s := out.InstanceStatuses[0]
	var sys, inst types.SummaryStatus
	if s.SystemStatus != nil {
		sys = s.SystemStatus.Status
	}
	if s.InstanceStatus != nil {
		inst = s.InstanceStatus.Status
	}
	note := fmt.Sprintf("status checks: system %s, instance %s", orNone(string(sys)), orNone(string(inst)))
	switch {
	case sys == types.SummaryStatusOk && inst == types.SummaryStatusOk:
		return Pass, "status checks ok; the check cannot see inside the instance (its forwarding and NAT rules)", nil
	case sys == types.SummaryStatusImpaired || inst == types.SummaryStatusImpaired:
		return Fail, note + ": it may forward nothing", nil
	}
	return Warn, note + ": not ok yet", nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// endpoint follows a route to a vpce- endpoint: a Gateway Load Balancer or
// firewall endpoint EC2 lists is followed into its subnet, whose own
// default route must lead out; one it does not list is not verifiable.
func (c *checker) endpoint(id string, f from) (verdict, error) {
	var e *types.VpcEndpoint
	for i := range c.vpces {
		if aws.ToString(c.vpces[i].VpcEndpointId) == id {
			e = &c.vpces[i]
		}
	}
	h := hop{kind: hopEndpoint, id: id}
	if e == nil || len(e.SubnetIds) == 0 {
		return verdict{status: Pass, msg: id + " (an endpoint EC2 does not list): egress leaves the VPC there: " + opaqueNote, res: id, hops: []hop{h}}, nil
	}
	if e.VpcEndpointType != types.VpcEndpointTypeGatewayLoadBalancer {
		return failed(fmt.Sprintf("endpoint %s, a %s endpoint, which does not forward to the internet", id, e.VpcEndpointType),
			"route 0.0.0.0/0 to a NAT gateway, a firewall endpoint or the internet gateway", id), nil
	}
	if st := strings.ToLower(string(e.State)); st != "available" {
		return failed(fmt.Sprintf("firewall endpoint %s, which is %s, not available", id, orNone(st)), "wait until the endpoint is available, or recreate it", id), nil
	}
	// The endpoint of the sender's AZ: the one subnet of its subnets there.
	h.subnet = e.SubnetIds[0]
	if src, err := c.subnet(f.subnet); err == nil && src != nil {
		for _, sid := range e.SubnetIds {
			if s, err := c.subnet(sid); err == nil && s != nil && aws.ToString(s.AvailabilityZone) == aws.ToString(src.AvailabilityZone) {
				h.subnet = sid
			}
		}
	}
	next := f
	next.igwOK = true
	return c.onward(h, fmt.Sprintf("firewall endpoint %s in subnet %s", id, h.subnet), next)
}

// checkWorkerEgress is check 3.
func (c *checker) checkWorkerEgress() (*types.RouteTable, error) {
	if _, ok := c.subnets[c.n.WorkerSubnetID]; !ok {
		return nil, nil
	}
	f := from{role: "worker", subnet: c.n.WorkerSubnetID, igwOK: c.n.WorkersPublicIP,
		noIGW:   "but workers get no public IP (give_workers_public_ip=false): they cannot reach the internet",
		noIGWFx: c.routeFixFor(c.n.WorkerSubnetID) + ", or give workers public IPs (give_workers_public_ip=true)"}
	rt, p, err := c.egress(CheckEgress, "worker", c.n.WorkerSubnetID, f)
	if rt != nil {
		c.paths["worker"] = p
	}
	return rt, err
}

// routeFixFor is routeFix for the workers' egress of subnet's table.
func (c *checker) routeFixFor(subnet string) string {
	rt, _ := c.routeTableOf(subnet)
	id := "<its route table>"
	if rt != nil {
		id = aws.ToString(rt.RouteTableId)
	}
	return strings.Replace(c.routeFix(id, false), "create-route", "replace-route", 1)
}

// checkScheduler is check 4: a public scheduler routes to an internet
// gateway (directly or through the egress firewall's endpoint); a private
// one (topology internal, or no such route) needs egress as the workers do.
func (c *checker) checkScheduler() error {
	s := c.n.SchedulerSubnetID
	if _, ok := c.subnets[s]; !ok {
		return nil
	}
	f := from{role: "scheduler", subnet: s, igwOK: !c.n.SchedulerPrivate,
		noIGW:   "but the scheduler has no public IP (topology internal): it cannot reach the internet that way",
		noIGWFx: c.routeFixFor(s)}
	rt, p, err := c.egress(CheckScheduler, "scheduler", s, f)
	if rt != nil {
		c.paths["scheduler"] = p
	}
	if err != nil || !p.ok {
		return err
	}
	last := &c.rep.Results[len(c.rep.Results)-1]
	switch {
	case c.n.SchedulerPrivate:
		last.Message += " (a private scheduler, topology internal: clients reach its private IP from inside or through the VPC's own connectivity)"
	case len(p.hops) > 0 && p.hops[len(p.hops)-1].kind == hopIGW && !p.has(hopNAT) && !p.has(hopInstance):
		last.Message += " (a public scheduler: clients reach its public IP)"
	default:
		last.Message += " (a private scheduler: clients reach it only from inside or through the VPC's own connectivity)"
	}
	return nil
}

// checkAttachments checks, for each way out through a Transit Gateway,
// that the VPC's attachment to it has a subnet in the sender's AZ: traffic
// from an AZ without one cannot use the attachment.
func (c *checker) checkAttachments() error {
	done := map[string]bool{}
	for _, role := range []string{"worker", "scheduler"} {
		p, ok := c.paths[role]
		if !ok {
			continue
		}
		for _, h := range p.hops {
			if h.kind != hopTGW {
				continue
			}
			src, err := c.subnet(p.subnet)
			if err != nil || src == nil {
				return err
			}
			az := aws.ToString(src.AvailabilityZone)
			if done[h.id+az] {
				continue
			}
			done[h.id+az] = true
			if err := c.checkAttachment(role, h.id, az); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *checker) checkAttachment(role, tgw, az string) error {
	check := CheckEgress
	if role == "scheduler" {
		check = CheckScheduler
	}
	out, err := c.ec2.DescribeTransitGatewayVpcAttachments(c.ctx, &ec2.DescribeTransitGatewayVpcAttachmentsInput{
		Filters: []types.Filter{{Name: aws.String("vpc-id"), Values: []string{c.n.VpcID}}, {Name: aws.String("transit-gateway-id"), Values: []string{tgw}}}})
	if err != nil {
		return &APIError{"DescribeTransitGatewayVpcAttachments", err}
	}
	var zones []string
	var attachment string
	for _, a := range out.TransitGatewayVpcAttachments {
		if a.State != types.TransitGatewayAttachmentStateAvailable {
			continue
		}
		attachment = aws.ToString(a.TransitGatewayAttachmentId)
		for _, sid := range a.SubnetIds {
			s, err := c.subnet(sid)
			if err != nil {
				return err
			}
			if s == nil {
				continue
			}
			z := aws.ToString(s.AvailabilityZone)
			if z == az {
				c.add(check, Pass, attachment, "", "Transit Gateway attachment %s has subnet %s in the %s's %s", attachment, sid, role, az)
				return nil
			}
			zones = append(zones, z)
		}
	}
	if attachment == "" {
		c.add(check, Fail, tgw, "aws ec2 create-transit-gateway-vpc-attachment --transit-gateway-id "+tgw+" --vpc-id "+c.n.VpcID+" --subnet-ids <a subnet of "+az+">",
			"%s traffic goes to Transit Gateway %s, but %s has no available attachment to it", role, tgw, c.n.VpcID)
		return nil
	}
	c.add(check, Fail, attachment, "aws ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id "+attachment+" --add-subnet-ids <a subnet of "+az+">",
		"Transit Gateway attachment %s has subnets in %s only, none in the %s's %s: traffic from that AZ cannot use it", attachment, orNone(strings.Join(zones, ", ")), role, az)
	return nil
}

// checkS3 is check 7: NAT egress without an S3 gateway endpoint on the
// worker route table sends S3 traffic through the NAT (billed per GB).
func (c *checker) checkS3(workerRT *types.RouteTable, p path) {
	if workerRT == nil || len(p.hops) == 0 || (p.hops[0].kind != hopNAT && p.hops[0].kind != hopInstance) {
		return
	}
	rtID := aws.ToString(workerRT.RouteTableId)
	for _, e := range c.vpces {
		if e.VpcEndpointType != types.VpcEndpointTypeGateway || !strings.HasSuffix(aws.ToString(e.ServiceName), ".s3") {
			continue
		}
		if slices.Contains(e.RouteTableIds, rtID) {
			c.add(CheckS3, Pass, aws.ToString(e.VpcEndpointId), "", "S3 gateway endpoint %s on the worker route table %s: S3 traffic skips the NAT", aws.ToString(e.VpcEndpointId), rtID)
			return
		}
	}
	c.add(CheckS3, Warn, rtID, fmt.Sprintf("aws ec2 create-vpc-endpoint --vpc-id %s --service-name com.amazonaws.%s.s3 --route-table-ids %s (free)", c.n.VpcID, c.n.Region, rtID),
		"no S3 gateway endpoint on the worker route table %s: S3 traffic goes through the %s (a NAT gateway bills $0.045/GB)", rtID, p.hops[0].kind)
}
