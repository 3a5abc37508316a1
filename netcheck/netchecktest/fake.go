// Package netchecktest is a fake EC2 for tests of netcheck and its callers:
// it answers the Describe calls netcheck.EC2 lists from plain slices of SDK
// types, as AWS does (ID lists, the vpc-id filter, NotFound errors for
// unknown IDs), and builds healthy networks to break in tests.
package netchecktest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// Fake is an in-memory EC2. Fields may be edited between calls; Errs makes
// an operation (by name, e.g. "DescribeVpcs") fail.
type Fake struct {
	mu               sync.Mutex
	Vpcs             []types.Vpc
	DNSSupport       map[string]bool // VPC ID -> enableDnsSupport
	DNSHostnames     map[string]bool // VPC ID -> enableDnsHostnames
	Subnets          []types.Subnet
	RouteTables      []types.RouteTable
	NatGateways      []types.NatGateway
	Instances        []types.Instance
	InternetGateways []types.InternetGateway
	NetworkAcls      []types.NetworkAcl
	SecurityGroups   []types.SecurityGroup
	VpcEndpoints     []types.VpcEndpoint
	DhcpOptions      []types.DhcpOptions
	// InstanceStatuses override the EC2 status checks of instances; a
	// running instance without one has both checks ok, others none.
	InstanceStatuses []types.InstanceStatus
	TGWAttachments   []types.TransitGatewayVpcAttachment
	// Offerings lists the instance types each Availability Zone offers.
	Offerings map[string][]string
	Errs      map[string]error
	// Calls lists the operations called, in order.
	Calls []string
}

func (f *Fake) call(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Calls = append(f.Calls, op)
	return f.Errs[op]
}

func notFound(code, id string) error {
	return &smithy.GenericAPIError{Code: code, Message: fmt.Sprintf("The ID '%s' does not exist", id), Fault: smithy.FaultClient}
}

// vpcFilter returns the vpc-id filter's values, if any.
func vpcFilter(fs []types.Filter) []string {
	for _, f := range fs {
		if aws.ToString(f.Name) == "vpc-id" {
			return f.Values
		}
	}
	return nil
}

// pick returns the items whose ID is in ids (all when ids is empty) and
// whose VPC passes the filter; an ID not found is a NotFound error with code.
func pick[T any](items []T, ids []string, filters []types.Filter, id, vpc func(T) string, code string) ([]T, error) {
	vpcs := vpcFilter(filters)
	var out []T
	for _, want := range ids {
		found := false
		for _, it := range items {
			if id(it) == want {
				found = true
			}
		}
		if !found {
			return nil, notFound(code, want)
		}
	}
	for _, it := range items {
		if len(ids) > 0 && !slices.Contains(ids, id(it)) {
			continue
		}
		if vpcs != nil && (vpc == nil || !slices.Contains(vpcs, vpc(it))) {
			continue
		}
		out = append(out, it)
	}
	return out, nil
}

// DescribeVpcs implements netcheck.EC2.
func (f *Fake) DescribeVpcs(_ context.Context, in *ec2.DescribeVpcsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	if err := f.call("DescribeVpcs"); err != nil {
		return nil, err
	}
	out, err := pick(f.Vpcs, in.VpcIds, in.Filters, func(v types.Vpc) string { return aws.ToString(v.VpcId) },
		func(v types.Vpc) string { return aws.ToString(v.VpcId) }, "InvalidVpcID.NotFound")
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeVpcsOutput{Vpcs: out}, nil
}

// DescribeVpcAttribute implements netcheck.EC2.
func (f *Fake) DescribeVpcAttribute(_ context.Context, in *ec2.DescribeVpcAttributeInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcAttributeOutput, error) {
	if err := f.call("DescribeVpcAttribute"); err != nil {
		return nil, err
	}
	id := aws.ToString(in.VpcId)
	if _, err := pick(f.Vpcs, []string{id}, nil, func(v types.Vpc) string { return aws.ToString(v.VpcId) }, nil, "InvalidVpcID.NotFound"); err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcAttributeOutput{VpcId: in.VpcId}
	switch in.Attribute {
	case types.VpcAttributeNameEnableDnsSupport:
		out.EnableDnsSupport = &types.AttributeBooleanValue{Value: aws.Bool(f.DNSSupport[id])}
	case types.VpcAttributeNameEnableDnsHostnames:
		out.EnableDnsHostnames = &types.AttributeBooleanValue{Value: aws.Bool(f.DNSHostnames[id])}
	}
	return out, nil
}

// DescribeSubnets implements netcheck.EC2.
func (f *Fake) DescribeSubnets(_ context.Context, in *ec2.DescribeSubnetsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	if err := f.call("DescribeSubnets"); err != nil {
		return nil, err
	}
	out, err := pick(f.Subnets, in.SubnetIds, in.Filters, func(v types.Subnet) string { return aws.ToString(v.SubnetId) },
		func(v types.Subnet) string { return aws.ToString(v.VpcId) }, "InvalidSubnetID.NotFound")
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeSubnetsOutput{Subnets: out}, nil
}

// DescribeRouteTables implements netcheck.EC2.
func (f *Fake) DescribeRouteTables(_ context.Context, in *ec2.DescribeRouteTablesInput, _ ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error) {
	if err := f.call("DescribeRouteTables"); err != nil {
		return nil, err
	}
	out, err := pick(f.RouteTables, in.RouteTableIds, in.Filters, func(v types.RouteTable) string { return aws.ToString(v.RouteTableId) },
		func(v types.RouteTable) string { return aws.ToString(v.VpcId) }, "InvalidRouteTableID.NotFound")
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeRouteTablesOutput{RouteTables: out}, nil
}

// DescribeNatGateways implements netcheck.EC2.
func (f *Fake) DescribeNatGateways(_ context.Context, in *ec2.DescribeNatGatewaysInput, _ ...func(*ec2.Options)) (*ec2.DescribeNatGatewaysOutput, error) {
	if err := f.call("DescribeNatGateways"); err != nil {
		return nil, err
	}
	out, err := pick(f.NatGateways, in.NatGatewayIds, in.Filter, func(v types.NatGateway) string { return aws.ToString(v.NatGatewayId) },
		func(v types.NatGateway) string { return aws.ToString(v.VpcId) }, "NatGatewayNotFound")
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeNatGatewaysOutput{NatGateways: out}, nil
}

// DescribeInstances implements netcheck.EC2.
func (f *Fake) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	if err := f.call("DescribeInstances"); err != nil {
		return nil, err
	}
	out, err := pick(f.Instances, in.InstanceIds, in.Filters, func(v types.Instance) string { return aws.ToString(v.InstanceId) },
		func(v types.Instance) string { return aws.ToString(v.VpcId) }, "InvalidInstanceID.NotFound")
	if err != nil {
		return nil, err
	}
	res := &ec2.DescribeInstancesOutput{}
	for _, i := range out {
		res.Reservations = append(res.Reservations, types.Reservation{Instances: []types.Instance{i}})
	}
	return res, nil
}

// DescribeInternetGateways implements netcheck.EC2.
func (f *Fake) DescribeInternetGateways(_ context.Context, in *ec2.DescribeInternetGatewaysInput, _ ...func(*ec2.Options)) (*ec2.DescribeInternetGatewaysOutput, error) {
	if err := f.call("DescribeInternetGateways"); err != nil {
		return nil, err
	}
	out, err := pick(f.InternetGateways, in.InternetGatewayIds, nil, func(v types.InternetGateway) string { return aws.ToString(v.InternetGatewayId) },
		nil, "InvalidInternetGatewayID.NotFound")
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeInternetGatewaysOutput{InternetGateways: out}, nil
}

// DescribeNetworkAcls implements netcheck.EC2.
func (f *Fake) DescribeNetworkAcls(_ context.Context, in *ec2.DescribeNetworkAclsInput, _ ...func(*ec2.Options)) (*ec2.DescribeNetworkAclsOutput, error) {
	if err := f.call("DescribeNetworkAcls"); err != nil {
		return nil, err
	}
	out, err := pick(f.NetworkAcls, in.NetworkAclIds, in.Filters, func(v types.NetworkAcl) string { return aws.ToString(v.NetworkAclId) },
		func(v types.NetworkAcl) string { return aws.ToString(v.VpcId) }, "InvalidNetworkAclID.NotFound")
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeNetworkAclsOutput{NetworkAcls: out}, nil
}

// DescribeSecurityGroups implements netcheck.EC2.
func (f *Fake) DescribeSecurityGroups(_ context.Context, in *ec2.DescribeSecurityGroupsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	if err := f.call("DescribeSecurityGroups"); err != nil {
		return nil, err
	}
	out, err := pick(f.SecurityGroups, in.GroupIds, in.Filters, func(v types.SecurityGroup) string { return aws.ToString(v.GroupId) },
		func(v types.SecurityGroup) string { return aws.ToString(v.VpcId) }, "InvalidGroup.NotFound")
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeSecurityGroupsOutput{SecurityGroups: out}, nil
}

// DescribeVpcEndpoints implements netcheck.EC2.
func (f *Fake) DescribeVpcEndpoints(_ context.Context, in *ec2.DescribeVpcEndpointsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error) {
	if err := f.call("DescribeVpcEndpoints"); err != nil {
		return nil, err
	}
	out, err := pick(f.VpcEndpoints, in.VpcEndpointIds, in.Filters, func(v types.VpcEndpoint) string { return aws.ToString(v.VpcEndpointId) },
		func(v types.VpcEndpoint) string { return aws.ToString(v.VpcId) }, "InvalidVpcEndpointId.NotFound")
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeVpcEndpointsOutput{VpcEndpoints: out}, nil
}

// DescribeDhcpOptions implements netcheck.EC2.
func (f *Fake) DescribeDhcpOptions(_ context.Context, in *ec2.DescribeDhcpOptionsInput, _ ...func(*ec2.Options)) (*ec2.DescribeDhcpOptionsOutput, error) {
	if err := f.call("DescribeDhcpOptions"); err != nil {
		return nil, err
	}
	out, err := pick(f.DhcpOptions, in.DhcpOptionsIds, nil, func(v types.DhcpOptions) string { return aws.ToString(v.DhcpOptionsId) },
		nil, "InvalidDhcpOptionID.NotFound")
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeDhcpOptionsOutput{DhcpOptions: out}, nil
}

// DescribeInstanceStatus implements netcheck.EC2 (running instances only,
// as AWS without IncludeAllInstances).
func (f *Fake) DescribeInstanceStatus(_ context.Context, in *ec2.DescribeInstanceStatusInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstanceStatusOutput, error) {
	if err := f.call("DescribeInstanceStatus"); err != nil {
		return nil, err
	}
	insts, err := pick(f.Instances, in.InstanceIds, nil, func(v types.Instance) string { return aws.ToString(v.InstanceId) }, nil, "InvalidInstanceID.NotFound")
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeInstanceStatusOutput{}
	for _, i := range insts {
		id := aws.ToString(i.InstanceId)
		if i.State == nil || i.State.Name != types.InstanceStateNameRunning {
			continue
		}
		st := types.InstanceStatus{InstanceId: aws.String(id), InstanceState: i.State,
			SystemStatus:   &types.InstanceStatusSummary{Status: types.SummaryStatusOk},
			InstanceStatus: &types.InstanceStatusSummary{Status: types.SummaryStatusOk}}
		for _, o := range f.InstanceStatuses {
			if aws.ToString(o.InstanceId) == id {
				st = o
			}
		}
		out.InstanceStatuses = append(out.InstanceStatuses, st)
	}
	return out, nil
}

// DescribeTransitGatewayVpcAttachments implements netcheck.EC2 (filters
// vpc-id and transit-gateway-id).
func (f *Fake) DescribeTransitGatewayVpcAttachments(_ context.Context, in *ec2.DescribeTransitGatewayVpcAttachmentsInput, _ ...func(*ec2.Options)) (*ec2.DescribeTransitGatewayVpcAttachmentsOutput, error) {
	if err := f.call("DescribeTransitGatewayVpcAttachments"); err != nil {
		return nil, err
	}
	out := &ec2.DescribeTransitGatewayVpcAttachmentsOutput{}
	for _, a := range f.TGWAttachments {
		keep := true
		for _, fl := range in.Filters {
			switch aws.ToString(fl.Name) {
			case "vpc-id":
				keep = keep && slices.Contains(fl.Values, aws.ToString(a.VpcId))
			case "transit-gateway-id":
				keep = keep && slices.Contains(fl.Values, aws.ToString(a.TransitGatewayId))
			}
		}
		if keep {
			out.TransitGatewayVpcAttachments = append(out.TransitGatewayVpcAttachments, a)
		}
	}
	return out, nil
}

// DescribeInstanceTypeOfferings implements netcheck.EC2 for location type
// availability-zone (filters instance-type and location).
func (f *Fake) DescribeInstanceTypeOfferings(_ context.Context, in *ec2.DescribeInstanceTypeOfferingsInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstanceTypeOfferingsOutput, error) {
	if err := f.call("DescribeInstanceTypeOfferings"); err != nil {
		return nil, err
	}
	if in.LocationType != types.LocationTypeAvailabilityZone {
		return nil, &smithy.GenericAPIError{Code: "InvalidParameterValue", Message: "the fake knows only availability-zone offerings"}
	}
	out := &ec2.DescribeInstanceTypeOfferingsOutput{}
	zones := make([]string, 0, len(f.Offerings))
	for z := range f.Offerings {
		zones = append(zones, z)
	}
	slices.Sort(zones)
	for _, z := range zones {
		for _, t := range f.Offerings[z] {
			keep := true
			for _, fl := range in.Filters {
				switch aws.ToString(fl.Name) {
				case "instance-type":
					keep = keep && slices.Contains(fl.Values, t)
				case "location":
					keep = keep && slices.Contains(fl.Values, z)
				}
			}
			if keep {
				out.InstanceTypeOfferings = append(out.InstanceTypeOfferings, types.InstanceTypeOffering{
					InstanceType: types.InstanceType(t), Location: aws.String(z), LocationType: types.LocationTypeAvailabilityZone})
			}
		}
	}
	return out, nil
}

// suffix returns id without its prefix ("vpc-0abc" -> "0abc").
func suffix(id string) string {
	_, s, _ := strings.Cut(id, "-")
	return s
}

// New returns a fake holding one healthy, empty VPC in region: DNS support
// and hostnames on, an attached internet gateway (IGW(vpc)), a main route
// table with only the local route (MainTable(vpc)) and the default network
// ACL allowing all traffic both ways (DefaultACL(vpc)).
func New(region, vpc string) *Fake {
	f := &Fake{DNSSupport: map[string]bool{}, DNSHostnames: map[string]bool{}}
	f.AddVPC(region, vpc)
	return f
}

// AddVPC adds another healthy, empty VPC (see New).
func (f *Fake) AddVPC(region, vpc string) {
	f.Vpcs = append(f.Vpcs, types.Vpc{VpcId: aws.String(vpc), CidrBlock: aws.String("10.0.0.0/16"), State: types.VpcStateAvailable})
	f.DNSSupport[vpc], f.DNSHostnames[vpc] = true, true
	f.InternetGateways = append(f.InternetGateways, types.InternetGateway{InternetGatewayId: aws.String(IGW(vpc)),
		Attachments: []types.InternetGatewayAttachment{{VpcId: aws.String(vpc), State: "available"}}})
	f.RouteTables = append(f.RouteTables, types.RouteTable{RouteTableId: aws.String(MainTable(vpc)), VpcId: aws.String(vpc),
		Routes:       []types.Route{localRoute()},
		Associations: []types.RouteTableAssociation{{Main: aws.Bool(true), RouteTableId: aws.String(MainTable(vpc))}}})
	f.NetworkAcls = append(f.NetworkAcls, types.NetworkAcl{NetworkAclId: aws.String(DefaultACL(vpc)), VpcId: aws.String(vpc), IsDefault: aws.Bool(true),
		Entries: AllowAllEntries()})
	f.VpcEndpoints = append(f.VpcEndpoints, types.VpcEndpoint{VpcEndpointId: aws.String(S3Endpoint(vpc)), VpcId: aws.String(vpc),
		VpcEndpointType: types.VpcEndpointTypeGateway, ServiceName: aws.String("com.amazonaws." + region + ".s3")})
}

// IGW, MainTable, DefaultACL, S3Endpoint and TableOf name what the builders
// create.
func IGW(vpc string) string        { return "igw-" + suffix(vpc) }
func MainTable(vpc string) string  { return "rtb-main" + suffix(vpc) }
func DefaultACL(vpc string) string { return "acl-" + suffix(vpc) }
func S3Endpoint(vpc string) string { return "vpce-s3" + suffix(vpc) }
func TableOf(subnet string) string { return "rtb-" + suffix(subnet) }
func NATOf(subnet string) string   { return "nat-" + suffix(subnet) }

func localRoute() types.Route {
	return types.Route{DestinationCidrBlock: aws.String("10.0.0.0/16"), GatewayId: aws.String("local"), State: types.RouteStateActive}
}

// AllowAllEntries are the entries of a default network ACL: allow all
// (rule 100) and deny all (rule 32767) in each direction.
func AllowAllEntries() []types.NetworkAclEntry {
	var es []types.NetworkAclEntry
	for _, egress := range []bool{false, true} {
		es = append(es,
			types.NetworkAclEntry{RuleNumber: aws.Int32(100), Protocol: aws.String("-1"), RuleAction: types.RuleActionAllow, Egress: aws.Bool(egress), CidrBlock: aws.String("0.0.0.0/0")},
			types.NetworkAclEntry{RuleNumber: aws.Int32(32767), Protocol: aws.String("-1"), RuleAction: types.RuleActionDeny, Egress: aws.Bool(egress), CidrBlock: aws.String("0.0.0.0/0")})
	}
	return es
}

func (f *Fake) lastVPC() string {
	return aws.ToString(f.Vpcs[len(f.Vpcs)-1].VpcId)
}

// addSubnet adds a subnet of the last VPC added, with its own route table
// (TableOf(id)) holding the local route and dflt, on the S3 endpoint.
func (f *Fake) addSubnet(id, az string, dflt types.Route) {
	vpc := f.lastVPC()
	n := len(f.Subnets)
	f.Subnets = append(f.Subnets, types.Subnet{SubnetId: aws.String(id), VpcId: aws.String(vpc), AvailabilityZone: aws.String(az),
		CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/24", n)), AvailableIpAddressCount: aws.Int32(251), State: types.SubnetStateAvailable})
	rt := TableOf(id)
	f.RouteTables = append(f.RouteTables, types.RouteTable{RouteTableId: aws.String(rt), VpcId: aws.String(vpc),
		Routes:       []types.Route{localRoute(), dflt},
		Associations: []types.RouteTableAssociation{{SubnetId: aws.String(id), RouteTableId: aws.String(rt)}}})
	for i := range f.VpcEndpoints {
		if aws.ToString(f.VpcEndpoints[i].VpcId) == vpc {
			f.VpcEndpoints[i].RouteTableIds = append(f.VpcEndpoints[i].RouteTableIds, rt)
		}
	}
}

// PublicSubnet adds a subnet of the last VPC whose 0.0.0.0/0 goes to the
// VPC's internet gateway. It returns f.
func (f *Fake) PublicSubnet(id, az string) *Fake {
	vpc := f.lastVPC()
	f.addSubnet(id, az, types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(IGW(vpc)), State: types.RouteStateActive})
	return f
}

// PrivateSubnet adds a subnet of the last VPC whose 0.0.0.0/0 goes to an
// available NAT gateway (NATOf(natSubnet)) in natSubnet, a public subnet
// added before. It returns f.
func (f *Fake) PrivateSubnet(id, az, natSubnet string) *Fake {
	vpc := f.lastVPC()
	nat := NATOf(natSubnet)
	if !slices.ContainsFunc(f.NatGateways, func(n types.NatGateway) bool { return aws.ToString(n.NatGatewayId) == nat }) {
		f.NatGateways = append(f.NatGateways, types.NatGateway{NatGatewayId: aws.String(nat), SubnetId: aws.String(natSubnet), VpcId: aws.String(vpc),
			State: types.NatGatewayStateAvailable, ConnectivityType: types.ConnectivityTypePublic})
	}
	f.addSubnet(id, az, types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: aws.String(nat), State: types.RouteStateActive})
	return f
}

// Groups adds the two security groups to the last VPC: the scheduler group
// admits TCP 443 from 203.0.113.0/24; the cluster group admits all traffic
// from itself; both allow all egress. It returns f.
func (f *Fake) Groups(scheduler, cluster string) *Fake {
	vpc := f.lastVPC()
	allOut := []types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}
	f.SecurityGroups = append(f.SecurityGroups,
		types.SecurityGroup{GroupId: aws.String(scheduler), VpcId: aws.String(vpc), IpPermissionsEgress: allOut,
			IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443),
				IpRanges: []types.IpRange{{CidrIp: aws.String("203.0.113.0/24")}}}}},
		types.SecurityGroup{GroupId: aws.String(cluster), VpcId: aws.String(vpc), IpPermissionsEgress: allOut,
			IpPermissions: []types.IpPermission{{IpProtocol: aws.String("-1"), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String(cluster)}}}}})
	return f
}

// RouteTable returns the route table id, for editing (nil when absent).
func (f *Fake) RouteTable(id string) *types.RouteTable {
	for i := range f.RouteTables {
		if aws.ToString(f.RouteTables[i].RouteTableId) == id {
			return &f.RouteTables[i]
		}
	}
	return nil
}

// DefaultRoute returns the 0.0.0.0/0 route of route table id, for editing.
func (f *Fake) DefaultRoute(id string) *types.Route {
	rt := f.RouteTable(id)
	if rt == nil {
		return nil
	}
	for i := range rt.Routes {
		if aws.ToString(rt.Routes[i].DestinationCidrBlock) == "0.0.0.0/0" {
			return &rt.Routes[i]
		}
	}
	return nil
}

// Subnet returns subnet id, for editing.
func (f *Fake) Subnet(id string) *types.Subnet {
	for i := range f.Subnets {
		if aws.ToString(f.Subnets[i].SubnetId) == id {
			return &f.Subnets[i]
		}
	}
	return nil
}

// Group returns security group id, for editing.
func (f *Fake) Group(id string) *types.SecurityGroup {
	for i := range f.SecurityGroups {
		if aws.ToString(f.SecurityGroups[i].GroupId) == id {
			return &f.SecurityGroups[i]
		}
	}
	return nil
}

// ACL returns network ACL id, for editing.
func (f *Fake) ACL(id string) *types.NetworkAcl {
	for i := range f.NetworkAcls {
		if aws.ToString(f.NetworkAcls[i].NetworkAclId) == id {
			return &f.NetworkAcls[i]
		}
	}
	return nil
}

// NATInstance makes the worker route of subnet go to NAT instance id
// (running, source/destination check off) in natSubnet, a public subnet
// added before. It returns f.
func (f *Fake) NATInstance(subnet, id, natSubnet string) *Fake {
	f.Instances = append(f.Instances, types.Instance{InstanceId: aws.String(id), VpcId: aws.String(f.lastVPC()), SubnetId: aws.String(natSubnet),
		State: &types.InstanceState{Name: types.InstanceStateNameRunning}, SourceDestCheck: aws.Bool(false)})
	*f.DefaultRoute(TableOf(subnet)) = types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), InstanceId: aws.String(id),
		NetworkInterfaceId: aws.String("eni-" + suffix(id)), State: types.RouteStateActive}
	return f
}

// TransitGateway makes the default route of each subnet go to Transit
// Gateway tgw, attached to the last VPC through attachment subnets. It
// returns f.
func (f *Fake) TransitGateway(tgw string, attachmentSubnets []string, subnets ...string) *Fake {
	vpc := f.lastVPC()
	for _, s := range subnets {
		*f.DefaultRoute(TableOf(s)) = types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), TransitGatewayId: aws.String(tgw), State: types.RouteStateActive}
	}
	f.TGWAttachments = append(f.TGWAttachments, types.TransitGatewayVpcAttachment{TransitGatewayAttachmentId: aws.String("tgw-attach-" + suffix(vpc)),
		TransitGatewayId: aws.String(tgw), VpcId: aws.String(vpc), SubnetIds: attachmentSubnets, State: types.TransitGatewayAttachmentStateAvailable})
	return f
}

// Firewall puts a firewall endpoint (Gateway Load Balancer type, vpce-fw…)
// in firewallSubnet, a public subnet added before, and routes the default
// route of each subnet to it, as the egress firewall does. It returns f.
func (f *Fake) Firewall(firewallSubnet string, subnets ...string) *Fake {
	vpc := f.lastVPC()
	id := "vpce-fw" + suffix(firewallSubnet)
	f.VpcEndpoints = append(f.VpcEndpoints, types.VpcEndpoint{VpcEndpointId: aws.String(id), VpcId: aws.String(vpc),
		VpcEndpointType: types.VpcEndpointTypeGatewayLoadBalancer, State: types.StateAvailable, SubnetIds: []string{firewallSubnet},
		ServiceName: aws.String("com.amazonaws.vpce.us-east-1.vpce-svc-0fw")})
	for _, s := range subnets {
		*f.DefaultRoute(TableOf(s)) = types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(id), State: types.RouteStateActive}
	}
	return f
}

// FirewallEndpoint names the endpoint Firewall creates.
func FirewallEndpoint(firewallSubnet string) string { return "vpce-fw" + suffix(firewallSubnet) }

// NAT returns NAT gateway id, for editing.
func (f *Fake) NAT(id string) *types.NatGateway {
	for i := range f.NatGateways {
		if aws.ToString(f.NatGateways[i].NatGatewayId) == id {
			return &f.NatGateways[i]
		}
	}
	return nil
}
