package hook

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/coilednet/coilednet/netcheck"
	"github.com/coilednet/coilednet/netcheck/netchecktest"
	"github.com/coilednet/coilednet/preflight"
	"github.com/coilednet/coilednet/preflight/preflighttest"
)

// preflightEC2 is the network check's fake with preflight's calls added.
type preflightEC2 struct {
	*netchecktest.Fake
	pf *preflighttest.EC2
}

func (f preflightEC2) DescribeVpcEndpoints(ctx context.Context, in *ec2.DescribeVpcEndpointsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error) {
	return f.pf.DescribeVpcEndpoints(ctx, in, o...)
}
func (f preflightEC2) DescribeManagedPrefixLists(ctx context.Context, in *ec2.DescribeManagedPrefixListsInput, o ...func(*ec2.Options)) (*ec2.DescribeManagedPrefixListsOutput, error) {
	return f.pf.DescribeManagedPrefixLists(ctx, in, o...)
}
func (f preflightEC2) DescribeVpcEndpointServices(ctx context.Context, in *ec2.DescribeVpcEndpointServicesInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServicesOutput, error) {
	return f.pf.DescribeVpcEndpointServices(ctx, in, o...)
}
func (f preflightEC2) DescribeSecurityGroupRules(ctx context.Context, in *ec2.DescribeSecurityGroupRulesInput, o ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupRulesOutput, error) {
	return f.pf.DescribeSecurityGroupRules(ctx, in, o...)
}

// TestCheckAddsPreflight: --check's report holds the rule counts of the
// stack's groups (prefix lists by max entries) and the endpoint conflicts
// of its VPC, in the table and in the exit status.
func TestCheckAddsPreflight(t *testing.T) {
	raw := privateOutputs()
	raw["EndpointStsId"] = "vpce-0ours"
	raw["EndpointSecurityGroupId"] = "sg-0endp"
	o := parsed(t, raw)
	rule := func(group string, set func(*ec2types.SecurityGroupRule)) ec2types.SecurityGroupRule {
		r := ec2types.SecurityGroupRule{GroupId: aws.String(group), IsEgress: aws.Bool(false)}
		set(&r)
		return r
	}
	pf := &preflighttest.EC2{
		PrefixLists: []ec2types.ManagedPrefixList{{PrefixListId: aws.String("pl-0corp"), MaxEntries: aws.Int32(15), AddressFamily: aws.String("IPv4")}},
		Endpoints: []ec2types.VpcEndpoint{
			{VpcEndpointId: aws.String("vpce-0ours"), VpcId: aws.String("vpc-0priv5678"), ServiceName: aws.String("com.amazonaws.us-east-2.sts"), PrivateDnsEnabled: aws.Bool(true)},
		},
	}
	for range 3 {
		pf.Rules = append(pf.Rules, rule("sg-0sched", func(r *ec2types.SecurityGroupRule) { r.PrefixListId = aws.String("pl-0corp") }))
	}
	pf.Rules = append(pf.Rules, rule("sg-0cluster", func(r *ec2types.SecurityGroupRule) {
		r.ReferencedGroupInfo = &ec2types.ReferencedSecurityGroup{GroupId: aws.String("sg-0cluster")}
	}))
	saved := newRoute53
	defer func() { newRoute53 = saved }()
	zones := &preflighttest.Route53{Zones: map[string][]r53types.HostedZoneSummary{}}
	newRoute53 = func(context.Context, string, func(string) string) (preflight.Route53, error) { return zones, nil }

	check := func() (*netcheck.Report, string) {
		var out bytes.Buffer
		r := &run{Runner: &Runner{}, env: func(string) string { return "" }, out: &out}
		rep := &netcheck.Report{}
		r.addPreflight(context.Background(), preflightEC2{healthyEC2(o), pf}, o, rep)
		_ = rep.WriteTable(&out)
		return rep, out.String()
	}
	rep, table := check()
	for _, want := range []string{
		"pass  security group rule quota  sg-0sched",
		"the scheduler security group sg-0sched holds 45 IPv4 and 0 IPv6 inbound rules (prefix lists counted by their max entries) of the 60",
		"15 IPv4 and 60 IPv6 rules left",
		"the cluster security group sg-0cluster holds 1 IPv4 and 1 IPv6",
		"the endpoint security group sg-0endp holds 0 IPv4 and 0 IPv6",
		"pass  endpoint DNS conflicts",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("report lacks %q:\n%s", want, table)
		}
	}
	if rep.Failed() {
		t.Errorf("healthy network failed:\n%s", table)
	}
	// Someone associates a private hosted zone for sts with the VPC.
	zones.Zones["vpc-0priv5678"] = []r53types.HostedZoneSummary{{HostedZoneId: aws.String("Z0STS"), Name: aws.String("sts.us-east-2.amazonaws.com.")}}
	rep, table = check()
	if !rep.Failed() || !strings.Contains(table, "fail  endpoint DNS conflicts") || !strings.Contains(table, "private hosted zone sts.us-east-2.amazonaws.com") {
		t.Errorf("zone conflict not reported:\n%s", table)
	}
	// A fake without preflight's calls adds nothing (the other hook tests).
	rep = &netcheck.Report{}
	(&run{Runner: &Runner{}}).addPreflight(context.Background(), healthyEC2(o), o, rep)
	if len(rep.Results) != 0 {
		t.Errorf("results from a plain fake: %+v", rep.Results)
	}
}
