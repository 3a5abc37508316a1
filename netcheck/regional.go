package netcheck

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// A regional NAT gateway (AvailabilityMode regional) lives in no subnet: it
// serves every AZ where it is active, AWS routes it to the VPC's internet
// gateway through a route table of its own, and in automatic mode
// (AutoProvisionZones enabled) AWS expands it into an AZ when network
// interfaces appear there. Amazon VPC User Guide, "Regional NAT gateways for
// automatic multi-AZ expansion".

// isRegional reports whether n is a regional NAT gateway.
func isRegional(n types.NatGateway) bool { return n.AvailabilityMode == types.AvailabilityModeRegional }

// regionalNatGateway checks a regional NAT gateway for the workers' AZ:
// available, public, the VPC's internet gateway attached, and active in the
// workers' AZ or able to expand into it. Its results have natGateway's
// shape.
func (c *checker) regionalNatGateway(n types.NatGateway, f from) (verdict, error) {
	id := aws.ToString(n.NatGatewayId)
	pass := func(msg string) (verdict, error) {
		return verdict{status: Pass, msg: msg, res: id, hops: []hop{{kind: hopNAT, id: id}}}, nil
	}
	fail := func(msg, fix, res string) (verdict, error) { return failed(msg, fix, res), nil }
	name := "regional NAT gateway " + id
	if n.State != types.NatGatewayStateAvailable {
		fix := "create a regional NAT gateway (aws ec2 create-nat-gateway --availability-mode regional --vpc-id " + c.n.VpcID +
			") and point the route at it, or redeploy the stack"
		if n.State == types.NatGatewayStatePending {
			fix = "wait until the regional NAT gateway is available, then run the check again"
		}
		why := ""
		if m := aws.ToString(n.FailureMessage); m != "" {
			why = " (" + m + ")"
		}
		return fail(fmt.Sprintf("%s, which is %s, not available%s", name, n.State, why), fix, id)
	}
	if n.ConnectivityType == types.ConnectivityTypePrivate {
		return fail(name+" (available), which is private: it has no public address and cannot reach the internet",
			"use a public regional NAT gateway for internet egress", id)
	}
	igw, err := c.vpcInternetGateway()
	if err != nil {
		return verdict{}, err
	}
	if igw == "" {
		return fail(fmt.Sprintf("%s (available), but %s has no internet gateway attached: the regional NAT gateway's own route table leads nowhere", name, c.n.VpcID),
			"aws ec2 attach-internet-gateway --internet-gateway-id <an igw-…> --vpc-id "+c.n.VpcID, c.n.VpcID)
	}
	sender := f.subnet
	if sender == "" {
		sender = c.n.WorkerSubnetID
	}
	az := aws.ToString(c.subnets[sender].AvailabilityZone)
	active := regionalAzs(n)
	desc := fmt.Sprintf("%s (available, internet gateway %s attached", name, igw)
	if len(active) > 0 {
		desc += ", active in " + strings.Join(active, ", ")
	}
	desc += ")"
	switch {
	case az == "" || slices.Contains(active, az):
		return pass(desc)
	case n.AutoProvisionZones == types.AutoProvisionZonesStateEnabled:
		return pass(fmt.Sprintf("%s: not yet active in the workers' AZ %s; in automatic mode AWS expands it there when workers start "+
			"(until then their traffic goes through an active AZ, with cross-AZ transfer)", desc, az))
	}
	return fail(fmt.Sprintf("%s: not active in the workers' AZ %s, and in manual mode (automatic AZ provisioning off) it does not expand there itself", desc, az),
		fmt.Sprintf("aws ec2 associate-nat-gateway-address --nat-gateway-id %s --availability-zone %s --allocation-ids <an eipalloc-… of yours>", id, az), id)
}

// regionalAzs are the AZs where regional NAT gateway n has an address in
// use (or being set up), sorted.
func regionalAzs(n types.NatGateway) []string {
	var out []string
	for _, a := range n.NatGatewayAddresses {
		z := aws.ToString(a.AvailabilityZone)
		switch a.Status {
		case types.NatGatewayAddressStatusFailed, types.NatGatewayAddressStatusDisassociating, types.NatGatewayAddressStatusUnassigning:
			continue
		}
		if z != "" && !slices.Contains(out, z) {
			out = append(out, z)
		}
	}
	slices.Sort(out)
	return out
}

// vpcInternetGateway returns the internet gateway attached to the VPC, or "".
func (c *checker) vpcInternetGateway() (string, error) {
	out, err := c.ec2.DescribeInternetGateways(c.ctx, &ec2.DescribeInternetGatewaysInput{
		Filters: []types.Filter{{Name: aws.String("attachment.vpc-id"), Values: []string{c.n.VpcID}}}})
	if err != nil {
		return "", &APIError{"DescribeInternetGateways", err}
	}
	for i, g := range out.InternetGateways {
		id := aws.ToString(g.InternetGatewayId)
		c.igws[id] = &out.InternetGateways[i]
		if ok, _ := c.igwAttached(id); ok {
			return id, nil
		}
	}
	return "", nil
}
