// Package clustervms finds, with the EC2 API (read-only), the instances a
// Coiled cluster runs on and checks they are in the network Coiled was
// given: the EC2 instance behind each private IP Coiled reports
// (DescribeInstances), its subnet and security groups. It also picks the
// cheapest small instance types a zone offers (DescribeInstanceTypeOfferings)
// for a verification cluster. Plain Go on the AWS SDK; used by
// coiled-hook --verify.
package clustervms

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// EC2 is the call ByPrivateIP makes.
type EC2 interface {
	DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
}

// Offerings is the call OfferedTypes makes.
type Offerings interface {
	DescribeInstanceTypeOfferings(context.Context, *ec2.DescribeInstanceTypeOfferingsInput, ...func(*ec2.Options)) (*ec2.DescribeInstanceTypeOfferingsOutput, error)
}

// Instance is what the verification reports of an EC2 instance.
type Instance struct {
	ID               string   `json:"instance_id"`
	PrivateIP        string   `json:"private_ip"`
	PublicIP         string   `json:"public_ip,omitempty"`
	SubnetID         string   `json:"subnet_id"`
	VpcID            string   `json:"vpc_id"`
	Zone             string   `json:"zone"`
	Type             string   `json:"instance_type"`
	State            string   `json:"state"`
	SecurityGroupIDs []string `json:"security_group_ids"`
	// Owner is the instance's owner tag (Coiled tags its VMs owner: coiled).
	Owner string `json:"owner_tag,omitempty"`
}

// ByPrivateIP returns the pending or running instances with each private IP
// (one DescribeInstances call with the private-ip-address filter). An IP
// without instance is absent from the map; an IP may match several
// instances in different VPCs.
func ByPrivateIP(ctx context.Context, c EC2, ips ...string) (map[string][]Instance, error) {
	var want []string
	for _, ip := range ips {
		if ip != "" && !slices.Contains(want, ip) {
			want = append(want, ip)
		}
	}
	out := map[string][]Instance{}
	if len(want) == 0 {
		return out, nil
	}
	in := &ec2.DescribeInstancesInput{Filters: []types.Filter{
		{Name: aws.String("private-ip-address"), Values: want},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running"}},
	}}
	p := ec2.NewDescribeInstancesPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeInstances: %w", err)
		}
		for _, r := range page.Reservations {
			for _, i := range r.Instances {
				inst := convert(i)
				if slices.Contains(want, inst.PrivateIP) {
					out[inst.PrivateIP] = append(out[inst.PrivateIP], inst)
				}
			}
		}
	}
	return out, nil
}

func convert(i types.Instance) Instance {
	inst := Instance{
		ID: aws.ToString(i.InstanceId), PrivateIP: aws.ToString(i.PrivateIpAddress), PublicIP: aws.ToString(i.PublicIpAddress),
		SubnetID: aws.ToString(i.SubnetId), VpcID: aws.ToString(i.VpcId), Type: string(i.InstanceType),
	}
	if i.Placement != nil {
		inst.Zone = aws.ToString(i.Placement.AvailabilityZone)
	}
	if i.State != nil {
		inst.State = string(i.State.Name)
	}
	for _, g := range i.SecurityGroups {
		inst.SecurityGroupIDs = append(inst.SecurityGroupIDs, aws.ToString(g.GroupId))
	}
	sort.Strings(inst.SecurityGroupIDs)
	for _, t := range i.Tags {
		if aws.ToString(t.Key) == "owner" {
			inst.Owner = aws.ToString(t.Value)
		}
	}
	return inst
}

// Pick chooses among the instances found for one IP: the one in vpc, else
// the only one; ok is false when there is none or the choice is ambiguous.
func Pick(found []Instance, vpc string) (Instance, bool) {
	for _, i := range found {
		if i.VpcID == vpc {
			return i, true
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return Instance{}, false
}

// Placement lists how inst differs from where it should run: subnet and
// every group of groups (empty when it is in place).
func Placement(inst Instance, subnet string, groups ...string) []string {
	var bad []string
	if inst.SubnetID != subnet {
		bad = append(bad, fmt.Sprintf("in subnet %s, not %s", orNone(inst.SubnetID), subnet))
	}
	for _, g := range groups {
		if g != "" && !slices.Contains(inst.SecurityGroupIDs, g) {
			bad = append(bad, fmt.Sprintf("without security group %s (has %s)", g, orNone(strings.Join(inst.SecurityGroupIDs, ", "))))
		}
	}
	return bad
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// CheapTypes are small x86_64 instance types with 2 vCPUs and 4–8 GiB, in
// order of on-demand Linux price in us-east-1 (USD per hour, December 2026;
// other regions cost up to about a third more). Coiled takes the first it
// can launch.
var CheapTypes = []struct {
	Type  string
	Price float64
}{
	{"t3a.medium", 0.0376},
	{"t3.medium", 0.0416},
	{"m7a.large", 0.11592},
	{"m6a.large", 0.0864},
	{"m6i.large", 0.096},
	{"m5.large", 0.096},
}

func init() {
	sort.SliceStable(CheapTypes, func(i, j int) bool { return CheapTypes[i].Price < CheapTypes[j].Price })
}

// HourlyPrice is the us-east-1 on-demand price of t in CheapTypes, or 0
// when unknown.
func HourlyPrice(t string) float64 {
	for _, c := range CheapTypes {
		if c.Type == t {
			return c.Price
		}
	}
	return 0
}

// OfferedTypes returns the types of want (in want's order) that zone
// offers (DescribeInstanceTypeOfferings with location type
// availability-zone).
func OfferedTypes(ctx context.Context, c Offerings, zone string, want []string) ([]string, error) {
	in := &ec2.DescribeInstanceTypeOfferingsInput{
		LocationType: types.LocationTypeAvailabilityZone,
		Filters: []types.Filter{
			{Name: aws.String("location"), Values: []string{zone}},
			{Name: aws.String("instance-type"), Values: want},
		},
	}
	offered := map[string]bool{}
	p := ec2.NewDescribeInstanceTypeOfferingsPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeInstanceTypeOfferings: %w", err)
		}
		for _, o := range page.InstanceTypeOfferings {
			if aws.ToString(o.Location) == zone {
				offered[string(o.InstanceType)] = true
			}
		}
	}
	var out []string
	for _, t := range want {
		if offered[t] {
			out = append(out, t)
		}
	}
	return out, nil
}
