// Package netcheck checks a live AWS network against what Coiled needs, with
// read-only EC2 Describe calls: the VPC and its DNS settings, the subnets,
// the workers' and the scheduler's way out to the internet through their
// effective route tables (NAT gateway, NAT instance, internet gateway, or a
// hop this VPC cannot see beyond: Transit Gateway, firewall endpoint,
// peering, network interface), the network ACLs of both subnets, and the two
// security groups. Each check gives pass, warn or fail with the resource
// concerned and a one-line fix.
//
// It is plain Go on the AWS SDK (no CDK): it works for any network, not only
// coilednet's. The EC2 calls go through the EC2 interface, which
// *ec2.Client satisfies and netchecktest.Fake fakes.
package netcheck

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// EC2 is the part of the EC2 API the check uses (read-only calls only).
type EC2 interface {
	DescribeVpcs(context.Context, *ec2.DescribeVpcsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error)
	DescribeVpcAttribute(context.Context, *ec2.DescribeVpcAttributeInput, ...func(*ec2.Options)) (*ec2.DescribeVpcAttributeOutput, error)
	DescribeSubnets(context.Context, *ec2.DescribeSubnetsInput, ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error)
	DescribeRouteTables(context.Context, *ec2.DescribeRouteTablesInput, ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error)
	DescribeNatGateways(context.Context, *ec2.DescribeNatGatewaysInput, ...func(*ec2.Options)) (*ec2.DescribeNatGatewaysOutput, error)
	DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	DescribeInternetGateways(context.Context, *ec2.DescribeInternetGatewaysInput, ...func(*ec2.Options)) (*ec2.DescribeInternetGatewaysOutput, error)
	DescribeNetworkAcls(context.Context, *ec2.DescribeNetworkAclsInput, ...func(*ec2.Options)) (*ec2.DescribeNetworkAclsOutput, error)
	DescribeSecurityGroups(context.Context, *ec2.DescribeSecurityGroupsInput, ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
	DescribeVpcEndpoints(context.Context, *ec2.DescribeVpcEndpointsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error)
	DescribeDhcpOptions(context.Context, *ec2.DescribeDhcpOptionsInput, ...func(*ec2.Options)) (*ec2.DescribeDhcpOptionsOutput, error)
	DescribeInstanceStatus(context.Context, *ec2.DescribeInstanceStatusInput, ...func(*ec2.Options)) (*ec2.DescribeInstanceStatusOutput, error)
	DescribeTransitGatewayVpcAttachments(context.Context, *ec2.DescribeTransitGatewayVpcAttachmentsInput, ...func(*ec2.Options)) (*ec2.DescribeTransitGatewayVpcAttachmentsOutput, error)
	DescribeInstanceTypeOfferings(context.Context, *ec2.DescribeInstanceTypeOfferingsInput, ...func(*ec2.Options)) (*ec2.DescribeInstanceTypeOfferingsOutput, error)
}

var _ EC2 = (*ec2.Client)(nil)

// Network is what is checked: the IDs Coiled is (or will be) given.
type Network struct {
	Region            string `json:"region"`
	VpcID             string `json:"network_id"`
	SchedulerSubnetID string `json:"scheduler_subnet_id"`
	WorkerSubnetID    string `json:"worker_subnet_id"`
	SchedulerGroupID  string `json:"scheduler_firewall_id"`
	ClusterGroupID    string `json:"firewall_id"`
	WorkersPublicIP   bool   `json:"give_workers_public_ip"`
	// Zone, when set, is the Availability Zone the subnets are said to be
	// in (a stack's ZoneN output); a subnet elsewhere fails the check.
	Zone string `json:"zone,omitempty"`
	// Egress, when known (a stack's WorkerEgress output), is how workers
	// without public IP leave: EgressNAT (or ""), EgressTransitGateway or
	// EgressExisting. It only shapes the advice; the routes decide.
	Egress string `json:"egress,omitempty"`
	// SchedulerPrivate says the scheduler gets no public IP (topology
	// internal): it needs egress as the workers do, never an internet
	// gateway route, and its clients come from inside the VPC.
	SchedulerPrivate bool `json:"scheduler_private,omitempty"`
}

// The values of Network.Egress (those of the WorkerEgress stack output).
const (
	EgressNAT            = ""
	EgressTransitGateway = "transitGateway"
	EgressExisting       = "existing"
)

// Status is the verdict of one check.
type Status string

// The verdicts, from best to worst.
const (
	Pass Status = "pass"
	Warn Status = "warn"
	Fail Status = "fail"
)

// Check names, in the order they run.
const (
	CheckVPC       = "vpc"
	CheckSubnets   = "subnets"
	CheckEgress    = "worker egress"
	CheckScheduler = "scheduler reachability"
	CheckNACL      = "network ACLs"
	CheckGroups    = "security groups"
	CheckS3        = "S3 endpoint"
)

// Result is one finding.
type Result struct {
	Check    string `json:"check"`
	Status   Status `json:"status"`
	Resource string `json:"resource"`
	Message  string `json:"message"`
	// Fix says what to do, for warnings and failures.
	Fix string `json:"fix,omitempty"`
}

// Report is the outcome of Check.
type Report struct {
	Network Network  `json:"network"`
	Results []Result `json:"results"`
	// Zones maps each subnet found to its Availability Zone.
	Zones map[string]string `json:"zones"`
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool { return r.Count(Fail) > 0 }

// Count counts the results with status s.
func (r *Report) Count(s Status) int {
	n := 0
	for _, x := range r.Results {
		if x.Status == s {
			n++
		}
	}
	return n
}

// Zone returns the one Availability Zone both subnets are in, or "" when
// they are unknown or in different zones.
func (r *Report) Zone() string {
	s, w := r.Zones[r.Network.SchedulerSubnetID], r.Zones[r.Network.WorkerSubnetID]
	if s == "" || s != w {
		return ""
	}
	return s
}

// APIError is an EC2 call that failed for another reason than a missing
// resource (credentials, permissions, throttling, network): the check could
// not be made.
type APIError struct {
	Op  string
	Err error
}

func (e *APIError) Error() string {
	return fmt.Sprintf("EC2 %s: %v", e.Op, e.Err)
}

func (e *APIError) Unwrap() error { return e.Err }

// isNotFound reports whether err says the resources asked for do not exist.
func isNotFound(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		c := ae.ErrorCode()
		return strings.HasSuffix(c, "NotFound") || strings.HasSuffix(c, ".Malformed")
	}
	return false
}

// checker holds one run's state.
type checker struct {
	ctx     context.Context
	ec2     EC2
	n       Network
	rep     *Report
	vpc     *types.Vpc
	subnets map[string]types.Subnet
	tables  []types.RouteTable  // every route table of the VPC
	acls    []types.NetworkAcl  // every network ACL of the VPC
	vpces   []types.VpcEndpoint // every VPC endpoint of the VPC
	igws    map[string]*types.InternetGateway
	// others are subnets read on the way (NAT, firewall, attachment
	// subnets); nil when not found.
	others map[string]*types.Subnet
	// paths are the evaluated ways out, by role ("worker", "scheduler").
	paths map[string]path
	// clients are the IPv4 sources the scheduler group admits, with
	// the scheduler ports admitted from each.
	clients   []client
	hostnames bool // enableDnsHostnames
}

func (c *checker) add(check string, s Status, resource, fix, format string, args ...any) {
	r := Result{Check: check, Status: s, Resource: resource, Message: fmt.Sprintf(format, args...)}
	if s != Pass {
		r.Fix = fix
	}
	c.rep.Results = append(c.rep.Results, r)
}

// Check checks n with client. A check that finds a problem is a Result; an
// EC2 call that fails for another reason (no credentials, access denied) is
// an *APIError, with the results so far.
func Check(ctx context.Context, client EC2, n Network) (*Report, error) {
	c := &checker{ctx: ctx, ec2: client, n: n, rep: &Report{Network: n, Zones: map[string]string{}},
		subnets: map[string]types.Subnet{}, igws: map[string]*types.InternetGateway{},
		others: map[string]*types.Subnet{}, paths: map[string]path{}}
	err := c.run()
	return c.rep, err
}

func (c *checker) run() error {
	ok, err := c.checkVPC()
	if err != nil || !ok {
		return err
	}
	if err := c.load(); err != nil {
		return err
	}
	c.checkDNSHostnames()
	if err := c.checkDHCP(); err != nil {
		return err
	}
	if err := c.checkSubnets(); err != nil {
		return err
	}
	workerRT, err := c.checkWorkerEgress()
	if err != nil {
		return err
	}
	if err := c.checkScheduler(); err != nil {
		return err
	}
	if err := c.checkAttachments(); err != nil {
		return err
	}
	if err := c.checkGroups(); err != nil {
		return err
	}
	if err := c.checkNACLs(); err != nil {
		return err
	}
	c.checkS3(workerRT, c.paths["worker"])
	return nil
}

func (c *checker) checkVPC() (bool, error) {
	id := c.n.VpcID
	out, err := c.ec2.DescribeVpcs(c.ctx, &ec2.DescribeVpcsInput{VpcIds: []string{id}})
	if err != nil && !isNotFound(err) {
		return false, &APIError{"DescribeVpcs", err}
	}
	if err != nil || len(out.Vpcs) == 0 {
		c.add(CheckVPC, Fail, id, "check the VPC ID and the region (AWS_REGION, --region)",
			"VPC %s not found in region %s", id, c.n.Region)
		return false, nil
	}
	c.vpc = &out.Vpcs[0]
	for _, attr := range []types.VpcAttributeName{types.VpcAttributeNameEnableDnsSupport, types.VpcAttributeNameEnableDnsHostnames} {
		a, err := c.ec2.DescribeVpcAttribute(c.ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String(id), Attribute: attr})
		if err != nil {
			return false, &APIError{"DescribeVpcAttribute", err}
		}
		if attr == types.VpcAttributeNameEnableDnsHostnames {
			c.hostnames = a.EnableDnsHostnames != nil && aws.ToBool(a.EnableDnsHostnames.Value)
			continue
		}
		if a.EnableDnsSupport == nil || !aws.ToBool(a.EnableDnsSupport.Value) {
			c.add(CheckVPC, Fail, id, fmt.Sprintf("aws ec2 modify-vpc-attribute --vpc-id %s --enable-dns-support", id),
				"enableDnsSupport off: instances cannot resolve Coiled's and AWS's endpoints by name")
		} else {
			c.add(CheckVPC, Pass, id, "", "exists in %s (%s); DNS support on", c.n.Region, aws.ToString(c.vpc.CidrBlock))
		}
	}
	return true, nil
}

// checkDNSHostnames: DNS hostnames are needed only where an interface
// endpoint has private DNS (AWS resolves its private names only then).
func (c *checker) checkDNSHostnames() {
	var private []string
	for _, e := range c.vpces {
		if e.VpcEndpointType == types.VpcEndpointTypeInterface && aws.ToBool(e.PrivateDnsEnabled) {
			private = append(private, aws.ToString(e.VpcEndpointId))
		}
	}
	id := c.n.VpcID
	switch {
	case c.hostnames:
		c.add(CheckVPC, Pass, id, "", "DNS hostnames on")
	case len(private) > 0:
		c.add(CheckVPC, Fail, id, fmt.Sprintf("aws ec2 modify-vpc-attribute --vpc-id %s --enable-dns-hostnames", id),
			"enableDnsHostnames off, but interface endpoint(s) %s have private DNS: their service names do not resolve to them", strings.Join(private, ", "))
	default:
		c.add(CheckVPC, Pass, id, "", "DNS hostnames off: not needed (no interface endpoint with private DNS)")
	}
}

// checkDHCP warns about custom DNS servers in the VPC's DHCP option set:
// the VMs use them to resolve Coiled's and AWS's names.
func (c *checker) checkDHCP() error {
	id := aws.ToString(c.vpc.DhcpOptionsId)
	if id == "" || id == "default" {
		return nil
	}
	out, err := c.ec2.DescribeDhcpOptions(c.ctx, &ec2.DescribeDhcpOptionsInput{DhcpOptionsIds: []string{id}})
	if err != nil {
		if isNotFound(err) {
			return nil
		}
		return &APIError{"DescribeDhcpOptions", err}
	}
	var custom []string
	for _, o := range out.DhcpOptions {
		for _, cf := range o.DhcpConfigurations {
			if aws.ToString(cf.Key) != "domain-name-servers" {
				continue
			}
			for _, v := range cf.Values {
				if s := aws.ToString(v.Value); s != "AmazonProvidedDNS" {
					custom = append(custom, s)
				}
			}
		}
	}
	if len(custom) > 0 {
		c.add(CheckVPC, Warn, id, "make sure these servers resolve public names (Coiled, package and image registries) and forward AWS's names to the VPC resolver, or associate a DHCP option set with AmazonProvidedDNS",
			"DHCP option set %s gives the VMs the DNS servers %s: the check cannot see what they resolve", id, strings.Join(custom, ", "))
	}
	return nil
}

func (c *checker) checkSubnets() error {
	ids := []string{c.n.SchedulerSubnetID}
	if c.n.WorkerSubnetID != c.n.SchedulerSubnetID {
		ids = append(ids, c.n.WorkerSubnetID)
	}
	for _, id := range ids {
		out, err := c.ec2.DescribeSubnets(c.ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})
		if err != nil && !isNotFound(err) {
			return &APIError{"DescribeSubnets", err}
		}
		if err != nil || len(out.Subnets) == 0 {
			c.add(CheckSubnets, Fail, id, "check the subnet ID", "subnet %s not found in region %s", id, c.n.Region)
			continue
		}
		s := out.Subnets[0]
		if v := aws.ToString(s.VpcId); v != c.n.VpcID {
			c.add(CheckSubnets, Fail, id, "give Coiled subnets of "+c.n.VpcID, "subnet %s is in VPC %s, not in %s", id, v, c.n.VpcID)
			continue
		}
		c.subnets[id] = s
		c.rep.Zones[id] = aws.ToString(s.AvailabilityZone)
	}
	sched, sok := c.subnets[c.n.SchedulerSubnetID]
	worker, wok := c.subnets[c.n.WorkerSubnetID]
	if !sok || !wok {
		return nil
	}
	sz, wz := aws.ToString(sched.AvailabilityZone), aws.ToString(worker.AvailabilityZone)
	bad := false
	if c.n.Zone != "" {
		for _, s := range []types.Subnet{sched, worker} {
			if z := aws.ToString(s.AvailabilityZone); z != c.n.Zone {
				c.add(CheckSubnets, Fail, aws.ToString(s.SubnetId), "send the subnets of "+c.n.Zone+", or fix the stack's ZoneN outputs",
					"subnet %s is in %s, but its zone is given as %s", aws.ToString(s.SubnetId), z, c.n.Zone)
				bad = true
			}
		}
	}
	if bad {
		return nil
	}
	if sz != wz {
		c.add(CheckSubnets, Warn, c.n.WorkerSubnetID, "use a scheduler and a worker subnet of the same AZ",
			"scheduler subnet %s is in %s, worker subnet %s in %s: traffic between them crosses zones ($0.01/GB each way) and no single zone can be given to Coiled",
			c.n.SchedulerSubnetID, sz, c.n.WorkerSubnetID, wz)
	} else {
		c.add(CheckSubnets, Pass, c.n.WorkerSubnetID, "", "both subnets in %s and in %s", c.n.VpcID, sz)
	}
	free := aws.ToInt32(worker.AvailableIpAddressCount)
	switch {
	case free == 0:
		c.add(CheckSubnets, Fail, c.n.WorkerSubnetID, "free addresses (stop unused instances, delete unused network interfaces) or use a larger subnet",
			"worker subnet %s has no free IP addresses: no worker can start", c.n.WorkerSubnetID)
	case free < 32:
		c.add(CheckSubnets, Warn, c.n.WorkerSubnetID, "use a larger worker subnet for larger clusters",
			"worker subnet %s has only %d free IP addresses: at most %d VMs", c.n.WorkerSubnetID, free, free)
	default:
		c.add(CheckSubnets, Pass, c.n.WorkerSubnetID, "", "worker subnet %s has %d free IP addresses", c.n.WorkerSubnetID, free)
	}
	return nil
}

// load reads the VPC's route tables and network ACLs.
func (c *checker) load() error {
	vpcFilter := []types.Filter{{Name: aws.String("vpc-id"), Values: []string{c.n.VpcID}}}
	rt := ec2.NewDescribeRouteTablesPaginator(c.ec2, &ec2.DescribeRouteTablesInput{Filters: vpcFilter})
	for rt.HasMorePages() {
		p, err := rt.NextPage(c.ctx)
		if err != nil {
			return &APIError{"DescribeRouteTables", err}
		}
		c.tables = append(c.tables, p.RouteTables...)
	}
	acl := ec2.NewDescribeNetworkAclsPaginator(c.ec2, &ec2.DescribeNetworkAclsInput{Filters: vpcFilter})
	for acl.HasMorePages() {
		p, err := acl.NextPage(c.ctx)
		if err != nil {
			return &APIError{"DescribeNetworkAcls", err}
		}
		c.acls = append(c.acls, p.NetworkAcls...)
	}
	ep := ec2.NewDescribeVpcEndpointsPaginator(c.ec2, &ec2.DescribeVpcEndpointsInput{Filters: vpcFilter})
	for ep.HasMorePages() {
		p, err := ep.NextPage(c.ctx)
		if err != nil {
			return &APIError{"DescribeVpcEndpoints", err}
		}
		for _, e := range p.VpcEndpoints {
			if aws.ToString(e.VpcId) == c.n.VpcID {
				c.vpces = append(c.vpces, e)
			}
		}
	}
	return nil
}

// subnet returns subnet id, from the two checked or read on demand; nil
// when it does not exist.
func (c *checker) subnet(id string) (*types.Subnet, error) {
	if s, ok := c.subnets[id]; ok {
		return &s, nil
	}
	if s, ok := c.others[id]; ok {
		return s, nil
	}
	out, err := c.ec2.DescribeSubnets(c.ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})
	if err != nil && !isNotFound(err) {
		return nil, &APIError{"DescribeSubnets", err}
	}
	var s *types.Subnet
	if err == nil && len(out.Subnets) > 0 {
		s = &out.Subnets[0]
	}
	c.others[id] = s
	return s, nil
}

// subnetCidr returns a subnet's IPv4 range, if known (the two checked
// subnets, or one read on the way).
func (c *checker) subnetCidr(id string) (netip.Prefix, bool) {
	var cidr string
	if s, ok := c.subnets[id]; ok {
		cidr = aws.ToString(s.CidrBlock)
	} else if s := c.others[id]; s != nil {
		cidr = aws.ToString(s.CidrBlock)
	}
	p, err := netip.ParsePrefix(cidr)
	return p.Masked(), err == nil
}

// SubnetZones returns the Availability Zone of each subnet (subnet ID → AZ)
// with DescribeSubnets; a subnet that does not exist is missing
// from the map.
func SubnetZones(ctx context.Context, client EC2, ids ...string) (map[string]string, error) {
	zones := map[string]string{}
	for _, id := range ids {
		if _, done := zones[id]; done {
			continue
		}
		out, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})
		if err != nil {
			if isNotFound(err) {
				continue
			}
			return nil, &APIError{"DescribeSubnets", err}
		}
		for _, s := range out.Subnets {
			zones[aws.ToString(s.SubnetId)] = aws.ToString(s.AvailabilityZone)
		}
	}
	return zones, nil
}
