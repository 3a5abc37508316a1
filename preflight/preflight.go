// Package preflight finds, with read-only AWS calls (EC2 and Route 53
// only), what would make a CloudFormation deploy of a coilednet network fail
// midway or break other workloads, before CloudFormation runs (scripts/deploy
// with AWS credentials, through internal/cmd/preflight) and on a live network
// (coiled-hook --check):
//
//   - security groups whose inbound rules exceed the quota once the managed
//     prefix lists they reference are counted by their maximum number of
//     entries (DescribeManagedPrefixLists), with config's accounting;
//   - in an existing VPC, interface endpoints (DescribeVpcEndpoints) and
//     private hosted zones (ListHostedZonesByVPC) that conflict with the
//     private DNS of the endpoints asked for ("conflicting DNS domain").
//
// It never changes anything.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/coilednet/coilednet/config"
)

// EC2 is the part of the EC2 API preflight calls (all read-only).
type EC2 interface {
	DescribeManagedPrefixLists(context.Context, *ec2.DescribeManagedPrefixListsInput, ...func(*ec2.Options)) (*ec2.DescribeManagedPrefixListsOutput, error)
	DescribeVpcEndpoints(context.Context, *ec2.DescribeVpcEndpointsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error)
	DescribeVpcEndpointServices(context.Context, *ec2.DescribeVpcEndpointServicesInput, ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServicesOutput, error)
	DescribeSecurityGroupRules(context.Context, *ec2.DescribeSecurityGroupRulesInput, ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupRulesOutput, error)
}

// Route53 is the part of the Route 53 API preflight calls (read-only).
type Route53 interface {
	ListHostedZonesByVPC(context.Context, *route53.ListHostedZonesByVPCInput, ...func(*route53.Options)) (*route53.ListHostedZonesByVPCOutput, error)
}

var (
	_ EC2     = (*ec2.Client)(nil)
	_ Route53 = (*route53.Client)(nil)
)

// Status is the outcome of one finding.
type Status string

// The statuses, as netcheck spells them.
const (
	Pass Status = "pass"
	Warn Status = "warn"
	Fail Status = "fail"
)

// Finding is one result of a preflight check.
type Finding struct {
	Check    string
	Status   Status
	Resource string
	Message  string
	Fix      string
}

// Failed reports whether any finding failed.
func Failed(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Status == Fail })
}

// The check names.
const (
	CheckRuleQuota         = "security group rule quota"
	CheckEndpointConflicts = "endpoint DNS conflicts"
)

// PrefixListSizes reads the maximum number of entries and the address
// family of each prefix list (DescribeManagedPrefixLists). A list EC2 does
// not return is an error naming it.
func PrefixListSizes(ctx context.Context, c EC2, ids []string) (map[string]config.PrefixListSize, error) {
	sizes := map[string]config.PrefixListSize{}
	if len(ids) == 0 {
		return sizes, nil
	}
	in := &ec2.DescribeManagedPrefixListsInput{PrefixListIds: ids}
	for {
		out, err := c.DescribeManagedPrefixLists(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("DescribeManagedPrefixLists %s: %w", strings.Join(ids, ","), err)
		}
		for _, pl := range out.PrefixLists {
			sizes[aws.ToString(pl.PrefixListId)] = config.PrefixListSize{
				MaxEntries: int(aws.ToInt32(pl.MaxEntries)), AddressFamily: aws.ToString(pl.AddressFamily)}
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	var missing []string
	for _, id := range ids {
		if _, ok := sizes[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("prefix list(s) %s not found in this account and region", strings.Join(missing, ", "))
	}
	return sizes, nil
}

// RuleQuota checks every group n builds against the quota, prefix lists
// counted by the sizes EC2 reports.
func RuleQuota(ctx context.Context, c EC2, n config.Network) []Finding {
	n = n.WithDefaults()
	var ids []string
	for _, g := range n.SecurityGroupRules() {
		ids = append(ids, g.PrefixLists...)
	}
	sizes, err := PrefixListSizes(ctx, c, ids)
	if err != nil {
		return []Finding{{Check: CheckRuleQuota, Status: Fail, Resource: strings.Join(ids, ","),
			Message: "cannot count the rules of the scheduler group: " + err.Error(),
			Fix:     "check clientPrefixListIds (the lists must exist in the stack's account and region, or be shared with it)"}}
	}
	var out []Finding
	for _, g := range n.SecurityGroupRules() {
		cnt := g.Count(sizes)
		f := Finding{Check: CheckRuleQuota, Status: Pass, Resource: g.Group,
			Message: fmt.Sprintf("%s, within the %d per address family", g.Explain(cnt, sizes), config.SecurityGroupRuleQuota)}
		if cnt.Over() {
			f.Status = Fail
			f.Message = fmt.Sprintf("%s: more than the %d inbound rules per address family a security group holds (EC2's default quota); "+
				"CloudFormation would fail midway", g.Explain(cnt, sizes), config.SecurityGroupRuleQuota)
			f.Fix = g.Options
		}
		out = append(out, f)
	}
	return out
}

// GroupQuota counts the inbound rules of existing security groups as AWS
// does (DescribeSecurityGroupRules, prefix lists by their max entries):
// the live check's view of the same quota.
func GroupQuota(ctx context.Context, c EC2, groups map[string]string) []Finding {
	ids := make([]string, 0, len(groups))
	for id := range groups {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []Finding
	for _, id := range ids {
		var rules []ec2types.SecurityGroupRule
		in := &ec2.DescribeSecurityGroupRulesInput{Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{id}}}}
		var err error
		for {
			var page *ec2.DescribeSecurityGroupRulesOutput
			page, err = c.DescribeSecurityGroupRules(ctx, in)
			if err != nil {
				break
			}
			rules = append(rules, page.SecurityGroupRules...)
			if aws.ToString(page.NextToken) == "" {
				break
			}
			in.NextToken = page.NextToken
		}
		if err != nil {
			out = append(out, Finding{Check: CheckRuleQuota, Status: Warn, Resource: id,
				Message: fmt.Sprintf("cannot read the rules of %s: %v", groups[id], err),
				Fix:     "allow ec2:DescribeSecurityGroupRules and ec2:DescribeManagedPrefixLists to count them"})
			continue
		}
		var v4, v6 int
		var pls []string
		for _, r := range rules {
			if aws.ToString(r.GroupId) != id || aws.ToBool(r.IsEgress) {
				continue
			}
			switch {
			case aws.ToString(r.CidrIpv4) != "":
				v4++
			case aws.ToString(r.CidrIpv6) != "":
				v6++
			case aws.ToString(r.PrefixListId) != "":
				pls = append(pls, aws.ToString(r.PrefixListId))
			default: // a referenced security group
				v4++
				v6++
			}
		}
		var uniq []string
		for _, p := range pls {
			if !slices.Contains(uniq, p) {
				uniq = append(uniq, p)
			}
		}
		sizes, err := PrefixListSizes(ctx, c, uniq)
		if err != nil {
			out = append(out, Finding{Check: CheckRuleQuota, Status: Warn, Resource: id,
				Message: fmt.Sprintf("%s: cannot read the size of its prefix lists: %v", groups[id], err)})
			continue
		}
		for _, p := range pls {
			s := sizes[p]
			n := max(s.MaxEntries, 1)
			switch s.AddressFamily {
			case "IPv4":
				v4 += n
			case "IPv6":
				v6 += n
			default:
				v4 += n
				v6 += n
			}
		}
		f := Finding{Check: CheckRuleQuota, Status: Pass, Resource: id,
			Message: fmt.Sprintf("%s holds %d IPv4 and %d IPv6 inbound rules (prefix lists counted by their max entries) of the %d per address family",
				groups[id], v4, v6, config.SecurityGroupRuleQuota)}
		if v4 > config.SecurityGroupRuleQuota || v6 > config.SecurityGroupRuleQuota {
			f.Status = Warn
			f.Message = fmt.Sprintf("%s holds %d IPv4 and %d IPv6 inbound rules (prefix lists counted by their max entries), more than EC2's default quota of %d: "+
				"this account's quota must have been raised; adding a client range or growing a prefix list may fail", groups[id], v4, v6, config.SecurityGroupRuleQuota)
		} else if len(pls) > 0 {
			f.Message += fmt.Sprintf("; %d IPv4 and %d IPv6 rules left before a deploy that adds rules or grows a prefix list fails",
				config.SecurityGroupRuleQuota-v4, config.SecurityGroupRuleQuota-v6)
		}
		out = append(out, f)
	}
	return out
}

// Endpoint is an interface endpoint asked for (or deployed).
type Endpoint struct {
	// ServiceName is the full service name (com.amazonaws.<region>.sts,
	// com.amazonaws.vpce.<region>.vpce-svc-…).
	ServiceName string
	// PrivateDns says whether its private DNS is (to be) on.
	PrivateDns bool
}

// WantedEndpoints returns the interface endpoints n asks for in region.
func WantedEndpoints(n config.Network, region string) []Endpoint {
	var out []Endpoint
	for _, s := range n.InterfaceServices() {
		out = append(out, Endpoint{ServiceName: "com.amazonaws." + region + "." + s, PrivateDns: true})
	}
	for _, s := range n.EndpointServices {
		out = append(out, Endpoint{ServiceName: s.ServiceName, PrivateDns: s.PrivateDns})
	}
	return out
}

// Ours says which existing endpoints belong to this stack (and so conflict
// with nothing): by ID, or by CloudFormation's stack-name tag.
type Ours struct {
	IDs       []string
	StackName string
}

func (o Ours) has(ep ec2types.VpcEndpoint) bool {
	if slices.Contains(o.IDs, aws.ToString(ep.VpcEndpointId)) {
		return true
	}
	for _, t := range ep.Tags {
		if aws.ToString(t.Key) == "aws:cloudformation:stack-name" && o.StackName != "" && aws.ToString(t.Value) == o.StackName {
			return true
		}
	}
	return false
}

// EndpointConflicts finds, in vpc, interface endpoints of other owners for
// the services of want and private hosted zones for their private DNS
// names: with private DNS on both sides, CloudFormation fails ("conflicting
// DNS domain").
func EndpointConflicts(ctx context.Context, c EC2, r Route53, region, vpc string, want []Endpoint, ours Ours) []Finding {
	if len(want) == 0 {
		return nil
	}
	var out []Finding
	existing, err := vpcEndpoints(ctx, c, vpc)
	if err != nil {
		return []Finding{{Check: CheckEndpointConflicts, Status: Fail, Resource: vpc,
			Message: "cannot list the VPC's endpoints: " + err.Error(), Fix: "allow ec2:DescribeVpcEndpoints"}}
	}
	conflicts := 0
	for _, w := range want {
		for _, ep := range existing {
			if aws.ToString(ep.ServiceName) != w.ServiceName || ours.has(ep) {
				continue
			}
			id := aws.ToString(ep.VpcEndpointId)
			switch {
			case w.PrivateDns && aws.ToBool(ep.PrivateDnsEnabled):
				conflicts++
				out = append(out, Finding{Check: CheckEndpointConflicts, Status: Fail, Resource: id,
					Message: fmt.Sprintf("%s already serves %s in %s with private DNS: a second endpoint with private DNS fails the deploy (\"conflicting DNS domain\")",
						id, w.ServiceName, vpc),
					Fix: fmt.Sprintf("use the existing endpoint (drop %s from interfaceEndpoints and admit the cluster group in %s's security group), or turn its private DNS off",
						shortName(w.ServiceName, region), id)})
			default:
				out = append(out, Finding{Check: CheckEndpointConflicts, Status: Warn, Resource: id,
					Message: fmt.Sprintf("%s already connects %s in %s (private DNS %v): a second endpoint costs $7.30/month per AZ more",
						id, w.ServiceName, vpc, aws.ToBool(ep.PrivateDnsEnabled))})
			}
		}
	}
	names := privateDNSNames(ctx, c, region, want)
	zones, err := hostedZones(ctx, r, region, vpc)
	zonesRead := err == nil
	if err != nil {
		out = append(out, Finding{Check: CheckEndpointConflicts, Status: Warn, Resource: vpc,
			Message: "cannot list the private hosted zones of the VPC: " + err.Error(),
			Fix:     "allow route53:ListHostedZonesByVPC; a zone named like an endpoint's private DNS name fails the deploy"})
	} else {
		for _, w := range want {
			if !w.PrivateDns {
				continue
			}
			for _, name := range names[w.ServiceName] {
				for _, z := range zones {
					zname := strings.ToLower(strings.TrimSuffix(aws.ToString(z.Name), "."))
					// A zone an AWS service owns (an endpoint's own private
					// DNS, should EC2 list it) is no user's zone: another
					// owner's endpoint is found above.
					if zname != name || z.Owner != nil && aws.ToString(z.Owner.OwningService) != "" {
						continue
					}
					conflicts++
					out = append(out, Finding{Check: CheckEndpointConflicts, Status: Fail, Resource: aws.ToString(z.HostedZoneId),
						Message: fmt.Sprintf("private hosted zone %s is associated with %s: private DNS for %s (%s) fails the deploy (\"conflicting DNS domain\")",
							name, vpc, w.ServiceName, name),
						Fix: fmt.Sprintf("keep the zone and drop %s from the endpoints asked for, or disassociate the zone from %s (other workloads may rely on it)",
							shortName(w.ServiceName, region), vpc)})
				}
			}
		}
	}
	if conflicts == 0 {
		var services []string
		for _, w := range want {
			services = append(services, shortName(w.ServiceName, region))
		}
		claim := "no other endpoint or private hosted zone"
		if !zonesRead {
			claim = "no other endpoint (its private hosted zones could not be read: see the warning)"
		}
		out = append(out, Finding{Check: CheckEndpointConflicts, Status: Pass, Resource: vpc,
			Message: fmt.Sprintf("%s in %s claims the DNS names of %s", claim, vpc, strings.Join(services, ", "))})
	}
	return out
}

func shortName(service, region string) string {
	if s, ok := strings.CutPrefix(service, "com.amazonaws."+region+"."); ok {
		return s
	}
	return service
}

func vpcEndpoints(ctx context.Context, c EC2, vpc string) ([]ec2types.VpcEndpoint, error) {
	var all []ec2types.VpcEndpoint
	in := &ec2.DescribeVpcEndpointsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpc}}}}
	for {
		out, err := c.DescribeVpcEndpoints(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, ep := range out.VpcEndpoints {
			if aws.ToString(ep.VpcId) != "" && aws.ToString(ep.VpcId) != vpc {
				continue
			}
			switch strings.ToLower(string(ep.State)) {
			case "deleted", "deleting", "failed", "rejected", "expired":
				continue
			}
			if ep.VpcEndpointType != "" && ep.VpcEndpointType != ec2types.VpcEndpointTypeInterface {
				continue
			}
			all = append(all, ep)
		}
		if aws.ToString(out.NextToken) == "" {
			return all, nil
		}
		in.NextToken = out.NextToken
	}
}

// privateDNSNames returns the private DNS names of the services (from
// DescribeVpcEndpointServices; for an AWS service EC2 does not describe,
// <name>.<region>.amazonaws.com), lowercased, without a leading "*.".
func privateDNSNames(ctx context.Context, c EC2, region string, want []Endpoint) map[string][]string {
	names := map[string][]string{}
	for _, w := range want {
		if !w.PrivateDns {
			continue
		}
		out, err := c.DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{ServiceNames: []string{w.ServiceName}})
		if err == nil {
			for _, d := range out.ServiceDetails {
				if aws.ToString(d.ServiceName) != w.ServiceName {
					continue
				}
				add := func(n string) {
					n = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(n, "*."), "."))
					if n != "" && !slices.Contains(names[w.ServiceName], n) {
						names[w.ServiceName] = append(names[w.ServiceName], n)
					}
				}
				add(aws.ToString(d.PrivateDnsName))
				for _, p := range d.PrivateDnsNames {
					add(aws.ToString(p.PrivateDnsName))
				}
			}
		}
		if len(names[w.ServiceName]) == 0 {
			if s, ok := strings.CutPrefix(w.ServiceName, "com.amazonaws."+region+"."); ok && !strings.HasPrefix(w.ServiceName, "com.amazonaws.vpce.") {
				names[w.ServiceName] = []string{s + "." + region + ".amazonaws.com"}
			}
		}
	}
	return names
}

func hostedZones(ctx context.Context, r Route53, region, vpc string) ([]r53types.HostedZoneSummary, error) {
	if r == nil {
		return nil, errors.New("no Route 53 client")
	}
	var all []r53types.HostedZoneSummary
	in := &route53.ListHostedZonesByVPCInput{VPCId: aws.String(vpc), VPCRegion: r53types.VPCRegion(region)}
	for {
		out, err := r.ListHostedZonesByVPC(ctx, in)
		if err != nil {
			return nil, err
		}
		all = append(all, out.HostedZoneSummaries...)
		if aws.ToString(out.NextToken) == "" {
			return all, nil
		}
		in.NextToken = out.NextToken
	}
}

// BeforeDeploy runs every preflight check of a validated configuration
// about to be deployed in region: the rule quota with the real prefix-list
// sizes and, with an existing VPC, the endpoint conflicts. ownIDs are the
// endpoints the stack already has (its outputs, on a redeploy): with its
// CloudFormation stack-name tag, they are never conflicts.
func BeforeDeploy(ctx context.Context, c EC2, r Route53, region string, a config.App, ownIDs []string) []Finding {
	n := a.Network.WithDefaults()
	out := RuleQuota(ctx, c, n)
	if n.ExistingVpcId != "" {
		out = append(out, EndpointConflicts(ctx, c, r, region, n.ExistingVpcId, WantedEndpoints(n, region),
			Ours{IDs: ownIDs, StackName: a.WithDefaults().StackName})...)
	}
	return out
}

// DeployedEndpoints describes the interface endpoints ids (a stack's
// outputs): their service names and whether their private DNS is on.
func DeployedEndpoints(ctx context.Context, c EC2, ids []string) ([]Endpoint, error) {
	out, err := c.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: ids})
	if err != nil {
		return nil, err
	}
	var eps []Endpoint
	for _, ep := range out.VpcEndpoints {
		eps = append(eps, Endpoint{ServiceName: aws.ToString(ep.ServiceName), PrivateDns: aws.ToBool(ep.PrivateDnsEnabled)})
	}
	return eps, nil
}
