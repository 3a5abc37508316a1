package hook

import (
	"context"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/coilednet/coilednet/netcheck"
	"github.com/coilednet/coilednet/outputkeys"
	"github.com/coilednet/coilednet/preflight"
	"github.com/coilednet/coilednet/stackoutputs"
)

// The live check's share of issue 18 (package preflight): the inbound rules
// of the network's security groups counted as AWS counts them (prefix lists
// by their max entries), and the interface endpoints' DNS conflicts in the
// VPC (other endpoints, private hosted zones). Its results join the network
// check's report, so --json, the table and the exit status include them.

// Route53Factory returns the Route 53 client of the live check; env is the
// hook's environment.
type Route53Factory func(ctx context.Context, region string, env func(string) string) (preflight.Route53, error)

// newRoute53 is the production Route53Factory (tests replace it): the AWS
// SDK's default chain, with AWS_ENDPOINT_URL_ROUTE_53 or AWS_ENDPOINT_URL as
// the endpoint when set.
var newRoute53 Route53Factory = func(ctx context.Context, region string, env func(string) string) (preflight.Route53, error) {
	cfg, err := stackoutputs.LoadAWSConfig(ctx, func(k string) string {
		switch k {
		case "AWS_REGION":
			return region
		case "AWS_ENDPOINT_URL_CLOUDFORMATION":
			if v := env("AWS_ENDPOINT_URL_ROUTE_53"); v != "" {
				return v
			}
			return env("AWS_ENDPOINT_URL")
		}
		return env(k)
	})
	if err != nil {
		return nil, err
	}
	return route53.NewFromConfig(cfg), nil
}

// addPreflight appends the preflight results of the network of o to rep.
// An EC2 client without preflight's calls (a test's fake) adds nothing.
func (r *run) addPreflight(ctx context.Context, client netcheck.EC2, o *stackoutputs.Outputs, rep *netcheck.Report) {
	c, ok := client.(preflight.EC2)
	if !ok || rep == nil {
		return
	}
	groups := map[string]string{}
	if o.SchedulerFirewallID != "" {
		groups[o.SchedulerFirewallID] = "the scheduler security group " + o.SchedulerFirewallID
	}
	if o.FirewallID != "" {
		groups[o.FirewallID] = "the cluster security group " + o.FirewallID
	}
	if id := o.All[outputkeys.EndpointSecurityGroupID]; id != "" {
		groups[id] = "the endpoint security group " + id
	}
	findings := preflight.GroupQuota(ctx, c, groups)

	var ids []string
	for k, v := range o.All {
		if strings.HasPrefix(k, outputkeys.EndpointPrefix) && strings.HasSuffix(k, "Id") && k != outputkeys.EndpointSecurityGroupID &&
			strings.HasPrefix(v, "vpce-") {
			ids = append(ids, v)
		}
	}
	sort.Strings(ids)
	if len(ids) > 0 {
		deployed, err := preflight.DeployedEndpoints(ctx, c, ids)
		if err != nil {
			findings = append(findings, preflight.Finding{Check: preflight.CheckEndpointConflicts, Status: preflight.Warn, Resource: o.NetworkID,
				Message: "cannot read the stack's interface endpoints: " + err.Error(), Fix: "allow ec2:DescribeVpcEndpoints"})
		} else {
			r53, err := newRoute53(ctx, o.Region, r.env)
			if err != nil {
				r53 = nil
			}
			findings = append(findings, preflight.EndpointConflicts(ctx, c, r53, o.Region, o.NetworkID, deployed,
				preflight.Ours{IDs: ids, StackName: o.StackName})...)
		}
	}
	for _, f := range findings {
		rep.Results = append(rep.Results, netcheck.Result{Check: f.Check, Status: netcheck.Status(f.Status), Resource: f.Resource,
			Message: f.Message, Fix: f.Fix})
	}
}
