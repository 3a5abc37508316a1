package preflight

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/coilednet/coilednet/config"
)

// fakeEC2 answers from fixed data; each Describe call filters as EC2 does.
type fakeEC2 struct {
	prefixLists []ec2types.ManagedPrefixList
	endpoints   []ec2types.VpcEndpoint
	services    []ec2types.ServiceDetail
	rules       []ec2types.SecurityGroupRule
	fail        error
	// rulesFail fails DescribeSecurityGroupRules only; unfiltered returns
	// every endpoint whatever the vpc-id filter (as an emulator may).
	rulesFail  error
	unfiltered bool
	// serviceCalls counts DescribeVpcEndpointServices calls; with
	// allServices it answers every service whatever was asked.
	serviceCalls int
	allServices  bool
}

func (f *fakeEC2) DescribeManagedPrefixLists(_ context.Context, in *ec2.DescribeManagedPrefixListsInput, _ ...func(*ec2.Options)) (*ec2.DescribeManagedPrefixListsOutput, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	out := &ec2.DescribeManagedPrefixListsOutput{}
	for _, pl := range f.prefixLists {
		for _, id := range in.PrefixListIds {
			if aws.ToString(pl.PrefixListId) == id {
				out.PrefixLists = append(out.PrefixLists, pl)
			}
		}
	}
	return out, nil
}

func (f *fakeEC2) DescribeVpcEndpoints(_ context.Context, in *ec2.DescribeVpcEndpointsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	out := &ec2.DescribeVpcEndpointsOutput{}
	if len(in.VpcEndpointIds) > 0 {
		for _, ep := range f.endpoints {
			if slices.Contains(in.VpcEndpointIds, aws.ToString(ep.VpcEndpointId)) {
				out.VpcEndpoints = append(out.VpcEndpoints, ep)
			}
		}
		return out, nil
	}
	vpc := in.Filters[0].Values[0]
	for _, ep := range f.endpoints {
		if f.unfiltered || aws.ToString(ep.VpcId) == vpc {
			out.VpcEndpoints = append(out.VpcEndpoints, ep)
		}
	}
	return out, nil
}

func (f *fakeEC2) DescribeVpcEndpointServices(_ context.Context, in *ec2.DescribeVpcEndpointServicesInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServicesOutput, error) {
	f.serviceCalls++
	out := &ec2.DescribeVpcEndpointServicesOutput{}
	for _, s := range f.services {
		for _, n := range in.ServiceNames {
			if f.allServices || aws.ToString(s.ServiceName) == n {
				out.ServiceDetails = append(out.ServiceDetails, s)
			}
		}
	}
	if len(out.ServiceDetails) == 0 {
		return nil, errors.New("InvalidServiceName")
	}
	return out, nil
}

func (f *fakeEC2) DescribeSecurityGroupRules(_ context.Context, in *ec2.DescribeSecurityGroupRulesInput, _ ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupRulesOutput, error) {
	if f.rulesFail != nil {
		return nil, f.rulesFail
	}
	out := &ec2.DescribeSecurityGroupRulesOutput{}
	for _, r := range f.rules {
		if aws.ToString(r.GroupId) == in.Filters[0].Values[0] {
			out.SecurityGroupRules = append(out.SecurityGroupRules, r)
		}
	}
	return out, nil
}

type fakeRoute53 struct {
	zones map[string][]r53types.HostedZoneSummary // vpc → zones
	fail  error
}

func (f *fakeRoute53) ListHostedZonesByVPC(_ context.Context, in *route53.ListHostedZonesByVPCInput, _ ...func(*route53.Options)) (*route53.ListHostedZonesByVPCOutput, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	return &route53.ListHostedZonesByVPCOutput{HostedZoneSummaries: f.zones[aws.ToString(in.VPCId)]}, nil
}

func pl(id string, max int32, family string) ec2types.ManagedPrefixList {
	return ec2types.ManagedPrefixList{PrefixListId: aws.String(id), MaxEntries: aws.Int32(max), AddressFamily: aws.String(family)}
}

func only(fs []Finding, s Status) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Status == s {
			out = append(out, f)
		}
	}
	return out
}

// TestRuleQuotaCountsPrefixListsByMaxEntries: the example, one
// 20-entry prefix list on the three default ports, is exactly 60 and
// passes; 21 entries fail, naming the count, the quota and the options.
func TestRuleQuotaCountsPrefixListsByMaxEntries(t *testing.T) {
	n := config.Network{ClientCidrs: []netip.Prefix{}, ClientPrefixListIds: []string{"pl-00000001"}}
	ctx := context.Background()
	got := RuleQuota(ctx, &fakeEC2{prefixLists: []ec2types.ManagedPrefixList{pl("pl-00000001", 20, "IPv4")}}, n)
	if Failed(got) || len(got) != 2 || !strings.Contains(got[0].Message, "= 60 IPv4 and 0 IPv6 inbound rules") {
		t.Errorf("20 entries: %+v", got)
	}
	got = RuleQuota(ctx, &fakeEC2{prefixLists: []ec2types.ManagedPrefixList{pl("pl-00000001", 21, "IPv4")}}, n)
	fails := only(got, Fail)
	if len(fails) != 1 || fails[0].Resource != "the scheduler security group" ||
		!strings.Contains(fails[0].Message, "prefix list pl-00000001 (max entries 21, IPv4)] = 63 IPv4") ||
		!strings.Contains(fails[0].Message, "more than the 60") || !strings.Contains(fails[0].Fix, "schedulerPorts=443") {
		t.Errorf("21 entries: %+v", got)
	}
	// An IPv6 list counts against IPv6 only: with 20 IPv4 CIDRs it fits.
	n.ClientCidrs = []netip.Prefix{}
	for i := range 20 {
		n.ClientCidrs = append(n.ClientCidrs, netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 51, byte(i), 0}), 24))
	}
	got = RuleQuota(ctx, &fakeEC2{prefixLists: []ec2types.ManagedPrefixList{pl("pl-00000001", 20, "IPv6")}}, n)
	if Failed(got) {
		t.Errorf("20 IPv4 CIDRs + 20-entry IPv6 list: %+v", got)
	}
	// A list that does not exist, or an API error: a failure that says so.
	got = RuleQuota(ctx, &fakeEC2{}, n)
	if !Failed(got) || !strings.Contains(got[0].Message, "pl-00000001 not found") {
		t.Errorf("missing list: %+v", got)
	}
	got = RuleQuota(ctx, &fakeEC2{fail: errors.New("UnauthorizedOperation")}, n)
	if !Failed(got) || !strings.Contains(got[0].Message, "UnauthorizedOperation") {
		t.Errorf("API error: %+v", got)
	}
	// No prefix list: no call, every group passes.
	got = RuleQuota(ctx, &fakeEC2{fail: errors.New("must not be called")}, config.Network{})
	if Failed(got) || len(only(got, Pass)) != 2 {
		t.Errorf("no prefix list: %+v", got)
	}
}

func TestGroupQuotaOnLiveGroups(t *testing.T) {
	rule := func(group string, egress bool, set func(*ec2types.SecurityGroupRule)) ec2types.SecurityGroupRule {
		r := ec2types.SecurityGroupRule{GroupId: aws.String(group), IsEgress: aws.Bool(egress)}
		set(&r)
		return r
	}
	f := &fakeEC2{prefixLists: []ec2types.ManagedPrefixList{pl("pl-00000001", 19, "IPv4"), pl("pl-00000002", 70, "IPv4")}}
	for range 3 {
		f.rules = append(f.rules,
			rule("sg-sched", false, func(r *ec2types.SecurityGroupRule) { r.PrefixListId = aws.String("pl-00000001") }),
			rule("sg-sched", false, func(r *ec2types.SecurityGroupRule) { r.CidrIpv4 = aws.String("203.0.113.0/24") }),
			rule("sg-sched", false, func(r *ec2types.SecurityGroupRule) { r.CidrIpv6 = aws.String("2001:db8::/32") }))
	}
	f.rules = append(f.rules,
		rule("sg-sched", true, func(r *ec2types.SecurityGroupRule) { r.CidrIpv4 = aws.String("0.0.0.0/0") }), // egress: not counted
		rule("sg-cluster", false, func(r *ec2types.SecurityGroupRule) {
			r.ReferencedGroupInfo = &ec2types.ReferencedSecurityGroup{GroupId: aws.String("sg-cluster")}
		}),
		rule("sg-raised", false, func(r *ec2types.SecurityGroupRule) { r.PrefixListId = aws.String("pl-00000002") }))
	got := GroupQuota(context.Background(), f, map[string]string{"sg-sched": "the scheduler group", "sg-cluster": "the cluster group", "sg-raised": "a group"})
	want := map[string]string{
		"sg-sched":   "the scheduler group holds 60 IPv4 and 3 IPv6 inbound rules",
		"sg-cluster": "the cluster group holds 1 IPv4 and 1 IPv6 inbound rules",
		"sg-raised":  "a group holds 70 IPv4 and 0 IPv6 inbound rules (prefix lists counted by their max entries), more than EC2's default quota of 60",
	}
	if len(got) != 3 {
		t.Fatalf("%+v", got)
	}
	for _, f := range got {
		if !strings.Contains(f.Message, want[f.Resource]) {
			t.Errorf("%s: %q, want %q", f.Resource, f.Message, want[f.Resource])
		}
		if (f.Resource == "sg-raised") != (f.Status == Warn) {
			t.Errorf("%s: status %s", f.Resource, f.Status)
		}
	}
	if !strings.Contains(got[2].Message, "0 IPv4 and 57 IPv6 rules left") {
		t.Errorf("sched: %q", got[2].Message)
	}
}

const vpc = "vpc-0123456789abcdef0"

func TestEndpointConflicts(t *testing.T) {
	ep := func(id, service string, privateDNS bool, state string, tags ...ec2types.Tag) ec2types.VpcEndpoint {
		return ec2types.VpcEndpoint{VpcEndpointId: aws.String(id), VpcId: aws.String(vpc), ServiceName: aws.String(service),
			PrivateDnsEnabled: aws.Bool(privateDNS), State: ec2types.State(state), VpcEndpointType: ec2types.VpcEndpointTypeInterface, Tags: tags}
	}
	f := &fakeEC2{
		endpoints: []ec2types.VpcEndpoint{
			ep("vpce-sts", "com.amazonaws.us-east-1.sts", true, "available"),
			ep("vpce-logs-nodns", "com.amazonaws.us-east-1.logs", false, "available"),
			ep("vpce-ecr-gone", "com.amazonaws.us-east-1.ecr.api", true, "deleted"),
			ep("vpce-ours", "com.amazonaws.us-east-1.ecr.dkr", true, "available",
				ec2types.Tag{Key: aws.String("aws:cloudformation:stack-name"), Value: aws.String("CoiledNetwork")}),
			{VpcEndpointId: aws.String("vpce-elsewhere"), VpcId: aws.String("vpc-other"), ServiceName: aws.String("com.amazonaws.us-east-1.kms"), PrivateDnsEnabled: aws.Bool(true)},
		},
		services: []ec2types.ServiceDetail{
			{ServiceName: aws.String("com.amazonaws.us-east-1.ecr.api"), PrivateDnsName: aws.String("api.ecr.us-east-1.amazonaws.com")},
			{ServiceName: aws.String("com.amazonaws.us-east-1.ecr.dkr"), PrivateDnsName: aws.String("*.dkr.ecr.us-east-1.amazonaws.com")},
		},
	}
	r := &fakeRoute53{zones: map[string][]r53types.HostedZoneSummary{vpc: {
		{HostedZoneId: aws.String("Z1ECR"), Name: aws.String("api.ecr.us-east-1.amazonaws.com.")},
		{HostedZoneId: aws.String("Z2KMS"), Name: aws.String("kms.us-east-1.amazonaws.com.")},
		{HostedZoneId: aws.String("Z3PARENT"), Name: aws.String("amazonaws.com.")},
		{HostedZoneId: aws.String("Z4SERVICE"), Name: aws.String("sts.us-east-1.amazonaws.com."), Owner: &r53types.HostedZoneOwner{OwningService: aws.String("vpce.amazonaws.com")}},
	}}}
	n := config.Network{Connectivity: config.Connectivity{ExistingVpcId: vpc},
		Endpoints: config.Endpoints{InterfaceEndpoints: []string{"coiled", "kms"}}}
	got := EndpointConflicts(context.Background(), f, r, "us-east-1", vpc, WantedEndpoints(n, "us-east-1"), Ours{StackName: "CoiledNetwork"})
	fails := only(got, Fail)
	byRes := map[string]Finding{}
	for _, x := range got {
		byRes[x.Resource] = x
	}
	if len(fails) != 3 {
		t.Errorf("want 3 conflicts (sts endpoint, ecr.api zone, kms zone by its guessed name), got %+v", got)
	}
	if m := byRes["vpce-sts"].Message; byRes["vpce-sts"].Status != Fail || !strings.Contains(m, "conflicting DNS domain") || !strings.Contains(byRes["vpce-sts"].Fix, "drop sts from interfaceEndpoints") {
		t.Errorf("sts: %+v", byRes["vpce-sts"])
	}
	if x := byRes["Z1ECR"]; x.Status != Fail || !strings.Contains(x.Message, "private hosted zone api.ecr.us-east-1.amazonaws.com") {
		t.Errorf("ecr zone: %+v", x)
	}
	if x := byRes["Z2KMS"]; x.Status != Fail || !strings.Contains(x.Message, "com.amazonaws.us-east-1.kms") {
		t.Errorf("kms zone: %+v", x)
	}
	if x := byRes["vpce-logs-nodns"]; x.Status != Warn {
		t.Errorf("logs without private DNS: %+v", x)
	}
	for _, id := range []string{"vpce-ecr-gone", "vpce-ours", "vpce-elsewhere", "Z3PARENT", "Z4SERVICE"} {
		if _, ok := byRes[id]; ok {
			t.Errorf("%s reported: %+v", id, byRes[id])
		}
	}
	// Ours by ID (the hook knows its outputs), and a clean VPC passes.
	got = EndpointConflicts(context.Background(), f, &fakeRoute53{}, "us-east-1", vpc,
		[]Endpoint{{ServiceName: "com.amazonaws.us-east-1.sts", PrivateDns: true}}, Ours{IDs: []string{"vpce-sts"}})
	if len(got) != 1 || got[0].Status != Pass {
		t.Errorf("ours by ID: %+v", got)
	}
}

func TestBeforeDeploy(t *testing.T) {
	a, err := config.FromContext(map[string]any{"existingVpcId": vpc, "existingVpcCidr": "10.9.0.0/16",
		"schedulerSubnetId": "subnet-0123456789abcdef0", "workerSubnetId": "subnet-0123456789abcdef0", "workerPublicIp": "false",
		"interfaceEndpoints": "sts", "clientPrefixListIds": "pl-00000001"})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeEC2{prefixLists: []ec2types.ManagedPrefixList{pl("pl-00000001", 30, "IPv4")},
		endpoints: []ec2types.VpcEndpoint{{VpcEndpointId: aws.String("vpce-sts"), VpcId: aws.String(vpc),
			ServiceName: aws.String("com.amazonaws.eu-west-1.sts"), PrivateDnsEnabled: aws.Bool(true)}}}
	got := BeforeDeploy(context.Background(), f, &fakeRoute53{}, "eu-west-1", a, nil)
	var msgs []string
	for _, x := range only(got, Fail) {
		msgs = append(msgs, x.Resource)
	}
	// 3 ports × (10.9.0.0/16 + 30 entries) = 93 rules, and the sts endpoint.
	if strings.Join(msgs, ",") != "the scheduler security group,vpce-sts" {
		t.Errorf("failures %v in %+v", msgs, got)
	}
	// A redeploy: the stack's own endpoint (its outputs) is no conflict.
	if got := BeforeDeploy(context.Background(), f, &fakeRoute53{}, "eu-west-1", a, []string{"vpce-sts"}); len(only(got, Fail)) != 1 {
		t.Errorf("own endpoint reported: %+v", got)
	}
}
