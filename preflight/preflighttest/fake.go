// Package preflighttest holds fakes of the AWS calls of package preflight,
// for the tests of its callers (the preflight command, the hook).
package preflighttest

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// EC2 answers preflight's EC2 calls from its fields, filtering as EC2 does.
type EC2 struct {
	PrefixLists []ec2types.ManagedPrefixList
	Endpoints   []ec2types.VpcEndpoint
	Rules       []ec2types.SecurityGroupRule
}

// DescribeManagedPrefixLists returns the lists of in.PrefixListIds it has.
func (f *EC2) DescribeManagedPrefixLists(_ context.Context, in *ec2.DescribeManagedPrefixListsInput, _ ...func(*ec2.Options)) (*ec2.DescribeManagedPrefixListsOutput, error) {
	out := &ec2.DescribeManagedPrefixListsOutput{}
	for _, pl := range f.PrefixLists {
		for _, id := range in.PrefixListIds {
			if aws.ToString(pl.PrefixListId) == id {
				out.PrefixLists = append(out.PrefixLists, pl)
			}
		}
	}
	return out, nil
}

// DescribeVpcEndpoints filters by vpc-id or by VpcEndpointIds.
func (f *EC2) DescribeVpcEndpoints(_ context.Context, in *ec2.DescribeVpcEndpointsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error) {
	out := &ec2.DescribeVpcEndpointsOutput{}
	for _, ep := range f.Endpoints {
		keep := true
		for _, flt := range in.Filters {
			if aws.ToString(flt.Name) == "vpc-id" && aws.ToString(ep.VpcId) != flt.Values[0] {
				keep = false
			}
		}
		if len(in.VpcEndpointIds) > 0 {
			keep = false
			for _, id := range in.VpcEndpointIds {
				keep = keep || id == aws.ToString(ep.VpcEndpointId)
			}
		}
		if keep {
			out.VpcEndpoints = append(out.VpcEndpoints, ep)
		}
	}
	return out, nil
}

// DescribeVpcEndpointServices knows no service (preflight then guesses
// an AWS service's DNS name).
func (f *EC2) DescribeVpcEndpointServices(context.Context, *ec2.DescribeVpcEndpointServicesInput, ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServicesOutput, error) {
	return nil, errors.New("InvalidServiceName")
}

// DescribeSecurityGroupRules filters by group-id.
func (f *EC2) DescribeSecurityGroupRules(_ context.Context, in *ec2.DescribeSecurityGroupRulesInput, _ ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupRulesOutput, error) {
	out := &ec2.DescribeSecurityGroupRulesOutput{}
	for _, r := range f.Rules {
		if aws.ToString(r.GroupId) == in.Filters[0].Values[0] {
			out.SecurityGroupRules = append(out.SecurityGroupRules, r)
		}
	}
	return out, nil
}

// Route53 answers ListHostedZonesByVPC from Zones (VPC id → zones).
type Route53 struct {
	Zones map[string][]r53types.HostedZoneSummary
}

// ListHostedZonesByVPC returns the zones of in.VPCId.
func (f *Route53) ListHostedZonesByVPC(_ context.Context, in *route53.ListHostedZonesByVPCInput, _ ...func(*route53.Options)) (*route53.ListHostedZonesByVPCOutput, error) {
	return &route53.ListHostedZonesByVPCOutput{HostedZoneSummaries: f.Zones[aws.ToString(in.VPCId)]}, nil
}
