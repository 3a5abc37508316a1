package preflight

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/coilednet/coilednet/config"
)

// TestGroupQuotaCannotRead: a group whose rules or prefix lists cannot be
// read is one warning (not a failure, and no count) naming the group.
func TestGroupQuotaCannotRead(t *testing.T) {
	ctx := context.Background()
	groups := map[string]string{"sg-a": "the scheduler group", "sg-b": "the cluster group"}
	got := GroupQuota(ctx, &fakeEC2{rulesFail: errors.New("UnauthorizedOperation")}, groups)
	if len(got) != 2 {
		t.Fatalf("want one finding per group, got %+v", got)
	}
	for i, id := range []string{"sg-a", "sg-b"} {
		f := got[i]
		if f.Resource != id || f.Status != Warn || !strings.Contains(f.Message, "cannot read the rules of "+groups[id]+": UnauthorizedOperation") ||
			!strings.Contains(f.Fix, "ec2:DescribeSecurityGroupRules") {
			t.Errorf("%s: %+v", id, f)
		}
	}
	// A prefix list the account cannot see.
	f := &fakeEC2{rules: []ec2types.SecurityGroupRule{
		{GroupId: aws.String("sg-a"), IsEgress: aws.Bool(false), PrefixListId: aws.String("pl-gone")}}}
	got = GroupQuota(ctx, f, map[string]string{"sg-a": "the scheduler group"})
	if len(got) != 1 || got[0].Status != Warn || got[0].Resource != "sg-a" ||
		!strings.Contains(got[0].Message, "the scheduler group: cannot read the size of its prefix lists: prefix list(s) pl-gone not found") {
		t.Errorf("missing prefix list: %+v", got)
	}
}

// TestGroupQuotaEdges: exactly the quota of IPv6 rules passes; one prefix
// list within the quota says what is left, a group without prefix lists
// does not; a list without max entries or family counts once in each family.
func TestGroupQuotaEdges(t *testing.T) {
	f := &fakeEC2{
		prefixLists: []ec2types.ManagedPrefixList{pl("pl-v6", 60, "IPv6"), pl("pl-v6big", 61, "IPv6"),
			{PrefixListId: aws.String("pl-bare")}},
		rules: []ec2types.SecurityGroupRule{
			{GroupId: aws.String("sg-v6"), IsEgress: aws.Bool(false), PrefixListId: aws.String("pl-v6")},
			{GroupId: aws.String("sg-v6big"), IsEgress: aws.Bool(false), PrefixListId: aws.String("pl-v6big")},
			{GroupId: aws.String("sg-bare"), IsEgress: aws.Bool(false), PrefixListId: aws.String("pl-bare")},
			{GroupId: aws.String("sg-cidr"), IsEgress: aws.Bool(false), CidrIpv4: aws.String("10.0.0.0/8")},
		}}
	got := GroupQuota(context.Background(), f, map[string]string{"sg-v6": "v6", "sg-v6big": "v6big", "sg-bare": "bare", "sg-cidr": "cidr"})
	want := map[string]struct {
		status   Status
		has, not string
	}{
		"sg-bare":  {Pass, "bare holds 1 IPv4 and 1 IPv6 inbound rules", ""},
		"sg-cidr":  {Pass, "cidr holds 1 IPv4 and 0 IPv6 inbound rules", "left"},
		"sg-v6":    {Pass, "; 60 IPv4 and 0 IPv6 rules left", ""},
		"sg-v6big": {Warn, "v6big holds 0 IPv4 and 61 IPv6 inbound rules (prefix lists counted by their max entries), more than", "left"},
	}
	if len(got) != len(want) {
		t.Fatalf("%+v", got)
	}
	for _, x := range got {
		w := want[x.Resource]
		if x.Status != w.status || !strings.Contains(x.Message, w.has) || w.not != "" && strings.Contains(x.Message, w.not) {
			t.Errorf("%s: %+v, want %s with %q", x.Resource, x, w.status, w.has)
		}
	}
}

// TestWantedEndpoints: AWS services in the region with private DNS, then
// the endpoint services as configured.
func TestWantedEndpoints(t *testing.T) {
	n := config.Network{Endpoints: config.Endpoints{InterfaceEndpoints: []string{"sts"}, EndpointServices: []config.EndpointService{
		{ServiceName: "com.amazonaws.vpce.eu-west-1.vpce-svc-1"},
		{ServiceName: "com.amazonaws.vpce.eu-west-1.vpce-svc-2", PrivateDns: true}}}}
	got := WantedEndpoints(n, "eu-west-1")
	want := []Endpoint{{"com.amazonaws.eu-west-1.sts", true}, {"com.amazonaws.vpce.eu-west-1.vpce-svc-1", false}, {"com.amazonaws.vpce.eu-west-1.vpce-svc-2", true}}
	if !slices.Equal(got, want) {
		t.Errorf("%+v, want %+v", got, want)
	}
}

const stsService = "com.amazonaws.us-east-1.sts"

var wantSTS = []Endpoint{{ServiceName: stsService, PrivateDns: true}}

func stsEndpoint(id string, tags ...ec2types.Tag) ec2types.VpcEndpoint {
	return ec2types.VpcEndpoint{VpcEndpointId: aws.String(id), VpcId: aws.String(vpc), ServiceName: aws.String(stsService),
		PrivateDnsEnabled: aws.Bool(true), State: "available", VpcEndpointType: ec2types.VpcEndpointTypeInterface, Tags: tags}
}

// TestOursOnlyByStackNameTag: only the stack-name tag with this stack's
// name makes an endpoint ours; another tag with the name, another stack's
// tag, or an empty stack name on both sides do not.
func TestOursOnlyByStackNameTag(t *testing.T) {
	tag := func(k, v string) ec2types.Tag { return ec2types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	for _, c := range []struct {
		name  string
		tag   ec2types.Tag
		stack string
		ours  bool
	}{
		{"stack-name tag", tag("aws:cloudformation:stack-name", "CoiledNetwork"), "CoiledNetwork", true},
		{"Name tag with the stack's name", tag("Name", "CoiledNetwork"), "CoiledNetwork", false},
		{"another stack", tag("aws:cloudformation:stack-name", "Other"), "CoiledNetwork", false},
		{"no stack name", tag("aws:cloudformation:stack-name", ""), "", false},
	} {
		f := &fakeEC2{endpoints: []ec2types.VpcEndpoint{stsEndpoint("vpce-x", c.tag)}}
		got := EndpointConflicts(context.Background(), f, &fakeRoute53{}, "us-east-1", vpc, wantSTS, Ours{StackName: c.stack})
		if Failed(got) == c.ours {
			t.Errorf("%s: ours %v, got %+v", c.name, c.ours, got)
		}
	}
}

// TestEndpointConflictsErrors: nothing asked for, nothing called; the
// endpoints unreadable is a failure; the zones unreadable (or no Route 53
// client) a warning.
func TestEndpointConflictsErrors(t *testing.T) {
	ctx := context.Background()
	if got := EndpointConflicts(ctx, &fakeEC2{fail: errors.New("must not be called")}, nil, "us-east-1", vpc, nil, Ours{}); got != nil {
		t.Errorf("nothing wanted: %+v", got)
	}
	got := EndpointConflicts(ctx, &fakeEC2{fail: errors.New("UnauthorizedOperation")}, &fakeRoute53{}, "us-east-1", vpc, wantSTS, Ours{})
	if len(got) != 1 || got[0].Status != Fail || got[0].Resource != vpc ||
		got[0].Message != "cannot list the VPC's endpoints: UnauthorizedOperation" || got[0].Fix != "allow ec2:DescribeVpcEndpoints" {
		t.Errorf("endpoints unreadable: %+v", got)
	}
	for _, c := range []struct {
		r    Route53
		want string
	}{
		{nil, "no Route 53 client"},
		{&fakeRoute53{fail: errors.New("AccessDenied")}, "AccessDenied"},
	} {
		got := EndpointConflicts(ctx, &fakeEC2{}, c.r, "us-east-1", vpc, wantSTS, Ours{})
		warns := only(got, Warn)
		if Failed(got) || len(warns) != 1 || warns[0].Resource != vpc ||
			warns[0].Message != "cannot list the private hosted zones of the VPC: "+c.want || !strings.Contains(warns[0].Fix, "route53:ListHostedZonesByVPC") {
			t.Errorf("zones unreadable (%s): %+v", c.want, got)
		}
		// The pass claims only what was read: the endpoints, not the zones.
		for _, p := range only(got, Pass) {
			if strings.Contains(p.Message, "private hosted zone in") || !strings.Contains(p.Message, "could not be read") {
				t.Errorf("zones unreadable (%s): the pass claims the zones were checked: %q", c.want, p.Message)
			}
		}
	}
}

// TestEndpointConflictsWhichEndpoints: only interface endpoints of this VPC
// count, even when EC2 answers more than the filter asked (an endpoint
// without VPC ID is taken as this VPC's).
func TestEndpointConflictsWhichEndpoints(t *testing.T) {
	other := stsEndpoint("vpce-other")
	other.VpcId = aws.String("vpc-other")
	gateway := stsEndpoint("vpce-gateway")
	gateway.VpcEndpointType = ec2types.VpcEndpointTypeGateway
	noVpc := stsEndpoint("vpce-novpc")
	noVpc.VpcId = nil
	f := &fakeEC2{unfiltered: true, endpoints: []ec2types.VpcEndpoint{other, gateway, noVpc}}
	got := EndpointConflicts(context.Background(), f, &fakeRoute53{}, "us-east-1", vpc, wantSTS, Ours{})
	if len(got) != 1 || got[0].Resource != "vpce-novpc" || got[0].Status != Fail {
		t.Errorf("want only vpce-novpc, got %+v", got)
	}
}

// TestEndpointConflictsZones: a zone conflicts once with the endpoint that
// turns private DNS on, never with one that does not; a clean VPC passes,
// naming every service asked for.
func TestEndpointConflictsZones(t *testing.T) {
	ctx := context.Background()
	r := &fakeRoute53{zones: map[string][]r53types.HostedZoneSummary{vpc: {
		{HostedZoneId: aws.String("Z1STS"), Name: aws.String("sts.us-east-1.amazonaws.com.")}}}}
	want := []Endpoint{{ServiceName: stsService, PrivateDns: false}, {ServiceName: stsService, PrivateDns: true}}
	got := EndpointConflicts(ctx, &fakeEC2{}, r, "us-east-1", vpc, want, Ours{})
	if len(got) != 1 || got[0].Resource != "Z1STS" || got[0].Status != Fail {
		t.Errorf("want one conflict with Z1STS, got %+v", got)
	}
	if got := EndpointConflicts(ctx, &fakeEC2{}, r, "us-east-1", vpc, want[:1], Ours{}); Failed(got) {
		t.Errorf("no private DNS, no conflict: %+v", got)
	}
	got = EndpointConflicts(ctx, &fakeEC2{}, &fakeRoute53{}, "us-east-1", vpc,
		[]Endpoint{{ServiceName: stsService, PrivateDns: true}, {ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-1"}}, Ours{})
	if len(got) != 1 || got[0].Status != Pass || !strings.HasSuffix(got[0].Message, "claims the DNS names of sts, com.amazonaws.vpce.us-east-1.vpce-svc-1") {
		t.Errorf("clean VPC: %+v", got)
	}
}

// TestPrivateDNSNames: only endpoints with private DNS are asked about;
// only the service asked for counts; names are lowercased, without "*."
// and the final dot, each once; an AWS service of this region without a
// described name gets its guessed one, any other service none.
func TestPrivateDNSNames(t *testing.T) {
	f := &fakeEC2{allServices: true, services: []ec2types.ServiceDetail{
		{ServiceName: aws.String("com.amazonaws.us-east-1.ecr.dkr"), PrivateDnsName: aws.String("*.DKR.ecr.us-east-1.amazonaws.com."),
			PrivateDnsNames: []ec2types.PrivateDnsDetails{{PrivateDnsName: aws.String("*.dkr.ecr.us-east-1.amazonaws.com")}, {}}},
		{ServiceName: aws.String("com.amazonaws.us-east-1.kms")},
	}}
	got := privateDNSNames(context.Background(), f, "us-east-1", []Endpoint{
		{ServiceName: "com.amazonaws.us-east-1.ecr.dkr", PrivateDns: true},
		{ServiceName: "com.amazonaws.us-east-1.kms", PrivateDns: true},
		{ServiceName: "com.amazonaws.us-east-1.logs", PrivateDns: false},
		{ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-1", PrivateDns: true},
		{ServiceName: "com.amazonaws.eu-west-1.sts", PrivateDns: true},
	})
	want := map[string][]string{
		"com.amazonaws.us-east-1.ecr.dkr": {"dkr.ecr.us-east-1.amazonaws.com"},
		"com.amazonaws.us-east-1.kms":     {"kms.us-east-1.amazonaws.com"},
	}
	if len(got) != len(want) || !slices.Equal(got["com.amazonaws.us-east-1.ecr.dkr"], want["com.amazonaws.us-east-1.ecr.dkr"]) ||
		!slices.Equal(got["com.amazonaws.us-east-1.kms"], want["com.amazonaws.us-east-1.kms"]) {
		t.Errorf("names %q, want %q", got, want)
	}
	if f.serviceCalls != 4 {
		t.Errorf("%d DescribeVpcEndpointServices calls, want 4 (none for logs, without private DNS)", f.serviceCalls)
	}
}

// TestDeployedEndpoints: the endpoints of the IDs asked for, with service
// and private DNS; an EC2 error is returned.
func TestDeployedEndpoints(t *testing.T) {
	ctx := context.Background()
	logs := stsEndpoint("vpce-logs")
	logs.ServiceName, logs.PrivateDnsEnabled = aws.String("com.amazonaws.us-east-1.logs"), aws.Bool(false)
	f := &fakeEC2{endpoints: []ec2types.VpcEndpoint{stsEndpoint("vpce-sts"), logs, stsEndpoint("vpce-not-asked")}}
	got, err := DeployedEndpoints(ctx, f, []string{"vpce-sts", "vpce-logs"})
	want := []Endpoint{{stsService, true}, {"com.amazonaws.us-east-1.logs", false}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("%+v %v, want %+v", got, err, want)
	}
	denied := errors.New("UnauthorizedOperation")
	if got, err := DeployedEndpoints(ctx, &fakeEC2{fail: denied}, []string{"vpce-sts"}); !errors.Is(err, denied) || got != nil {
		t.Errorf("EC2 error: %+v %v", got, err)
	}
}
