package netcheck

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Kinds of egress hop.
const (
	hopNone     = ""
	hopIGW      = "internet gateway"
	hopNAT      = "NAT gateway"
	hopInstance = "NAT instance"
	hopOpaque   = "opaque" // TGW, vpce, peering, ENI, VGW…: not verifiable here
)

// hop is where a subnet's 0.0.0.0/0 route leads, once evaluated.
type hop struct {
	kind string
	id   string
	ok   bool
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

// routeTarget names a route's target and says whether this VPC can see
// beyond it.
func routeTarget(r *types.Route) (id, kind string) {
	switch {
	case aws.ToString(r.NatGatewayId) != "":
		return aws.ToString(r.NatGatewayId), hopNAT
	case aws.ToString(r.InstanceId) != "":
		return aws.ToString(r.InstanceId), hopInstance
	case strings.HasPrefix(aws.ToString(r.GatewayId), "igw-"):
		return aws.ToString(r.GatewayId), hopIGW
	}
	for _, id := range []*string{r.TransitGatewayId, r.GatewayId, r.VpcPeeringConnectionId, r.NetworkInterfaceId,
		r.LocalGatewayId, r.CarrierGatewayId, r.CoreNetworkArn, r.OdbNetworkArn} {
		if v := aws.ToString(id); v != "" {
			return v, hopOpaque
		}
	}
	return "", hopNone
}

// tableName describes rt for messages, saying when it is the main table.
func tableName(rt *types.RouteTable, main bool) string {
	if main {
		return aws.ToString(rt.RouteTableId) + " (the VPC's main route table: the subnet has no explicit association)"
	}
	return aws.ToString(rt.RouteTableId)
}

const opaqueNote = "not verifiable from this VPC (check the route and the appliance beyond it yourself)"

// egress evaluates subnet's way out to the internet and adds one result to
// check. allowIGW says whether a route to an internet gateway works (the VMs
// get public IPs). It returns the route table found and the hop.
func (c *checker) egress(check, role, subnet string, allowIGW bool) (*types.RouteTable, hop, error) {
	rt, main := c.routeTableOf(subnet)
	if rt == nil {
		c.add(check, Fail, subnet, "associate the subnet with a route table that has a 0.0.0.0/0 route",
			"%s subnet %s has no route table (no explicit association and no main route table)", role, subnet)
		return nil, hop{}, nil
	}
	rtID := aws.ToString(rt.RouteTableId)
	r := defaultRoute(rt)
	noRouteFix := "add a route 0.0.0.0/0 to a NAT gateway in a public subnet"
	if allowIGW {
		noRouteFix = "add a route 0.0.0.0/0 to the VPC's internet gateway"
	}
	if r == nil {
		c.add(check, Fail, rtID, fmt.Sprintf("aws ec2 create-route --route-table-id %s --destination-cidr-block 0.0.0.0/0 …: %s", rtID, noRouteFix),
			"%s subnet %s: route table %s has no 0.0.0.0/0 route: the %s cannot reach Coiled, package or image registries", role, subnet, tableName(rt, main), role)
		return rt, hop{}, nil
	}
	id, kind := routeTarget(r)
	if r.State == types.RouteStateBlackhole {
		c.add(check, Fail, rtID, "replace the route: aws ec2 replace-route --route-table-id "+rtID+" --destination-cidr-block 0.0.0.0/0 … (a working target)",
			"%s subnet %s: 0.0.0.0/0 in %s goes to %s, which no longer exists (blackhole)", role, subnet, tableName(rt, main), orUnknown(id))
		return rt, hop{kind: kind, id: id}, nil
	}
	h := hop{kind: kind, id: id}
	prefix := fmt.Sprintf("%s subnet %s: 0.0.0.0/0 in %s", role, subnet, tableName(rt, main))
	switch kind {
	case hopNone:
		c.add(check, Fail, rtID, noRouteFix, "%s has no target", prefix)
	case hopOpaque:
		h.ok = true
		c.add(check, Pass, id, "", "%s: egress leaves through %s: %s", prefix, id, opaqueNote)
	case hopIGW:
		if !allowIGW {
			c.add(check, Fail, rtID, "route 0.0.0.0/0 to a NAT gateway in a public subnet, or give workers public IPs (give_workers_public_ip=true)",
				"%s goes to internet gateway %s, but workers get no public IP (give_workers_public_ip=false): they cannot reach the internet", prefix, id)
			return rt, h, nil
		}
		attached, err := c.igwAttached(id)
		if err != nil {
			return rt, h, err
		}
		if !attached {
			c.add(check, Fail, id, "aws ec2 attach-internet-gateway --internet-gateway-id "+id+" --vpc-id "+c.n.VpcID,
				"%s goes to internet gateway %s, which is not attached to %s", prefix, id, c.n.VpcID)
			return rt, h, nil
		}
		h.ok = true
		c.add(check, Pass, rtID, "", "%s goes to internet gateway %s (attached)", prefix, id)
	case hopNAT:
		ok, msg, fix, res, err := c.natGateway(id)
		if err != nil {
			return rt, h, err
		}
		h.ok = ok
		if ok {
			c.add(check, Pass, id, "", "%s goes to %s", prefix, msg)
		} else {
			c.add(check, Fail, res, fix, "%s goes to %s", prefix, msg)
		}
	case hopInstance:
		ok, msg, fix, err := c.natInstance(id)
		if err != nil {
			return rt, h, err
		}
		h.ok = ok
		if ok {
			c.add(check, Pass, id, "", "%s goes to %s", prefix, msg)
		} else {
			c.add(check, Fail, id, fix, "%s goes to %s", prefix, msg)
		}
	}
	return rt, h, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "a deleted target"
	}
	return s
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
// route leads out. It returns the verdict, a description, a fix and the
// resource at fault.
func (c *checker) natGateway(id string) (ok bool, msg, fix, resource string, err error) {
	out, err := c.ec2.DescribeNatGateways(c.ctx, &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{id}})
	if err != nil && !isNotFound(err) {
		return false, "", "", "", &APIError{"DescribeNatGateways", err}
	}
	if err != nil || len(out.NatGateways) == 0 {
		return false, fmt.Sprintf("NAT gateway %s, which does not exist", id), "create a NAT gateway in a public subnet and point the route at it", id, nil
	}
	n := out.NatGateways[0]
	if isRegional(n) {
		return c.regionalNatGateway(n) // regional.go
	}
	if n.State != types.NatGatewayStateAvailable {
		fix := "create a new NAT gateway in a public subnet and point the route at it"
		if n.State == types.NatGatewayStatePending {
			fix = "wait until the NAT gateway is available, then run the check again"
		}
		return false, fmt.Sprintf("NAT gateway %s, which is %s, not available", id, n.State), fix, id, nil
	}
	natSubnet := aws.ToString(n.SubnetId)
	rt, main := c.routeTableOf(natSubnet)
	if rt == nil {
		return false, fmt.Sprintf("NAT gateway %s (available) in subnet %s, which has no route table", id, natSubnet),
			"associate the NAT's subnet with a route table whose 0.0.0.0/0 goes to the internet gateway", natSubnet, nil
	}
	rtID := aws.ToString(rt.RouteTableId)
	r := defaultRoute(rt)
	desc := fmt.Sprintf("NAT gateway %s (available) in subnet %s, whose route table %s", id, natSubnet, tableName(rt, main))
	igwFix := "aws ec2 create-route --route-table-id " + rtID + " --destination-cidr-block 0.0.0.0/0 --gateway-id <the VPC's igw-…>"
	if r == nil {
		return false, desc + " has no 0.0.0.0/0 route", igwFix, rtID, nil
	}
	tid, kind := routeTarget(r)
	if r.State == types.RouteStateBlackhole {
		return false, fmt.Sprintf("%s sends 0.0.0.0/0 to %s, which no longer exists (blackhole)", desc, orUnknown(tid)), igwFix, rtID, nil
	}
	switch kind {
	case hopOpaque:
		return true, fmt.Sprintf("%s sends 0.0.0.0/0 on: egress leaves through %s: %s", desc, tid, opaqueNote), "", "", nil
	case hopIGW:
		if n.ConnectivityType == types.ConnectivityTypePrivate {
			return false, desc + " goes to internet gateway " + tid + ", but a private NAT gateway has no public address",
				"use a public NAT gateway for internet egress", id, nil
		}
		attached, err := c.igwAttached(tid)
		if err != nil {
			return false, "", "", "", err
		}
		if !attached {
			return false, fmt.Sprintf("%s sends 0.0.0.0/0 to internet gateway %s, which is not attached to %s", desc, tid, c.n.VpcID),
				"aws ec2 attach-internet-gateway --internet-gateway-id " + tid + " --vpc-id " + c.n.VpcID, tid, nil
		}
		return true, fmt.Sprintf("%s sends 0.0.0.0/0 to internet gateway %s (attached)", desc, tid), "", "", nil
	}
	return false, fmt.Sprintf("%s sends 0.0.0.0/0 to %s, not to an internet gateway", desc, orUnknown(tid)), igwFix, rtID, nil
}

// natInstance checks a NAT instance: running, source/destination check off.
func (c *checker) natInstance(id string) (ok bool, msg, fix string, err error) {
	out, err := c.ec2.DescribeInstances(c.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil && !isNotFound(err) {
		return false, "", "", &APIError{"DescribeInstances", err}
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
		return false, fmt.Sprintf("NAT instance %s, which does not exist", id), "point the route at a running NAT instance or a NAT gateway", nil
	}
	state := types.InstanceStateName("unknown")
	if in.State != nil {
		state = in.State.Name
	}
	if state != types.InstanceStateNameRunning {
		return false, fmt.Sprintf("NAT instance %s, which is %s, not running", id, state), "aws ec2 start-instances --instance-ids " + id, nil
	}
	if in.SourceDestCheck == nil || aws.ToBool(in.SourceDestCheck) {
		return false, fmt.Sprintf("NAT instance %s (running) with source/destination check on: it drops the traffic it should forward", id),
			"aws ec2 modify-instance-attribute --instance-id " + id + " --no-source-dest-check", nil
	}
	return true, fmt.Sprintf("NAT instance %s (running, source/destination check off)", id), "", nil
}

// checkWorkerEgress is check 3.
func (c *checker) checkWorkerEgress() (*types.RouteTable, hop, error) {
	if _, ok := c.subnets[c.n.WorkerSubnetID]; !ok {
		return nil, hop{}, nil
	}
	return c.egress(CheckEgress, "worker", c.n.WorkerSubnetID, c.n.WorkersPublicIP)
}

// checkScheduler is check 4: a public scheduler routes to an internet
// gateway; a private one (no such route) needs egress as the workers do.
func (c *checker) checkScheduler() (hop, error) {
	if _, ok := c.subnets[c.n.SchedulerSubnetID]; !ok {
		return hop{}, nil
	}
	_, h, err := c.egress(CheckScheduler, "scheduler", c.n.SchedulerSubnetID, true)
	if err == nil && h.ok && h.kind != hopIGW {
		last := &c.rep.Results[len(c.rep.Results)-1]
		last.Message += " (a private scheduler: clients reach it only from inside or through the VPC's own connectivity)"
	}
	return h, err
}

// checkS3 is check 7: NAT egress without an S3 gateway endpoint on the
// worker route table sends S3 traffic through the NAT (billed per GB).
func (c *checker) checkS3(workerRT *types.RouteTable, h hop) error {
	if workerRT == nil || (h.kind != hopNAT && h.kind != hopInstance) {
		return nil
	}
	rtID := aws.ToString(workerRT.RouteTableId)
	p := ec2.NewDescribeVpcEndpointsPaginator(c.ec2, &ec2.DescribeVpcEndpointsInput{
		Filters: []types.Filter{{Name: aws.String("vpc-id"), Values: []string{c.n.VpcID}}}})
	for p.HasMorePages() {
		out, err := p.NextPage(c.ctx)
		if err != nil {
			return &APIError{"DescribeVpcEndpoints", err}
		}
		for _, e := range out.VpcEndpoints {
			if e.VpcEndpointType != types.VpcEndpointTypeGateway || !strings.HasSuffix(aws.ToString(e.ServiceName), ".s3") {
				continue
			}
			for _, id := range e.RouteTableIds {
				if id == rtID {
					c.add(CheckS3, Pass, aws.ToString(e.VpcEndpointId), "", "S3 gateway endpoint %s on the worker route table %s: S3 traffic skips the NAT", aws.ToString(e.VpcEndpointId), rtID)
					return nil
				}
			}
		}
	}
	c.add(CheckS3, Warn, rtID, fmt.Sprintf("aws ec2 create-vpc-endpoint --vpc-id %s --service-name com.amazonaws.%s.s3 --route-table-ids %s (free)", c.n.VpcID, c.n.Region, rtID),
		"no S3 gateway endpoint on the worker route table %s: S3 traffic goes through the %s (a NAT gateway bills $0.045/GB)", rtID, h.kind)
	return nil
}
