package clustervms

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

type fakeEC2 struct {
	instances []types.Instance
	filters   []types.Filter
}

func (f *fakeEC2) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	f.filters = in.Filters
	return &ec2.DescribeInstancesOutput{Reservations: []types.Reservation{{Instances: f.instances}}}, nil
}

func inst(id, ip, vpc, subnet string, groups ...string) types.Instance {
	i := types.Instance{InstanceId: aws.String(id), PrivateIpAddress: aws.String(ip), VpcId: aws.String(vpc), SubnetId: aws.String(subnet),
		Placement: &types.Placement{AvailabilityZone: aws.String("us-east-1a")}, State: &types.InstanceState{Name: types.InstanceStateNameRunning},
		Tags: []types.Tag{{Key: aws.String("owner"), Value: aws.String("coiled")}}}
	for _, g := range groups {
		i.SecurityGroups = append(i.SecurityGroups, types.GroupIdentifier{GroupId: aws.String(g)})
	}
	return i
}

func TestByPrivateIPAndPlacement(t *testing.T) {
	f := &fakeEC2{instances: []types.Instance{
		inst("i-1", "10.0.0.5", "vpc-a", "subnet-s", "sg-sched", "sg-cluster"),
		inst("i-2", "10.0.0.5", "vpc-b", "subnet-x", "sg-x"), // the same IP in another VPC
		inst("i-3", "10.0.1.9", "vpc-a", "subnet-w", "sg-other"),
		inst("i-4", "10.9.9.9", "vpc-a", "subnet-w"), // not asked for
	}}
	found, err := ByPrivateIP(context.Background(), f, "10.0.0.5", "10.0.1.9", "10.0.0.5", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.filters) != 2 || !slices.Equal(f.filters[0].Values, []string{"10.0.0.5", "10.0.1.9"}) || aws.ToString(f.filters[0].Name) != "private-ip-address" {
		t.Errorf("filters %+v", f.filters)
	}
	if len(found) != 2 || len(found["10.0.0.5"]) != 2 {
		t.Fatalf("found %+v", found)
	}
	s, ok := Pick(found["10.0.0.5"], "vpc-a")
	if !ok || s.ID != "i-1" || s.Owner != "coiled" || s.Zone != "us-east-1a" {
		t.Errorf("Pick = %+v %v", s, ok)
	}
	if _, ok := Pick(found["10.0.0.5"], "vpc-z"); ok {
		t.Error("two candidates outside the VPC: Pick must not choose")
	}
	if p := Placement(s, "subnet-s", "sg-sched", "sg-cluster"); len(p) != 0 {
		t.Errorf("in place, problems %v", p)
	}
	w, _ := Pick(found["10.0.1.9"], "vpc-a")
	p := Placement(w, "subnet-w2", "sg-cluster")
	if len(p) != 2 || !strings.Contains(p[0], "in subnet subnet-w, not subnet-w2") || !strings.Contains(p[1], "without security group sg-cluster (has sg-other)") {
		t.Errorf("problems %v", p)
	}
	if m, err := ByPrivateIP(context.Background(), f); err != nil || len(m) != 0 {
		t.Errorf("no IPs: %v %v", m, err)
	}
}

func TestCheapTypesSorted(t *testing.T) {
	for i := 1; i < len(CheapTypes); i++ {
		if CheapTypes[i-1].Price > CheapTypes[i].Price {
			t.Errorf("CheapTypes not in price order at %s", CheapTypes[i].Type)
		}
	}
	if HourlyPrice("t3a.medium") == 0 || HourlyPrice("x9.huge") != 0 {
		t.Error("HourlyPrice")
	}
}

// pagedEC2 answers DescribeInstances page by page (NextToken "1", "2", …),
// counts the calls and fails with err when set.
type pagedEC2 struct {
	pages [][]types.Instance
	err   error
	calls int
}

func (f *pagedEC2) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	n := 0
	if in.NextToken != nil {
		n = int(aws.ToString(in.NextToken)[0] - '0')
	}
	out := &ec2.DescribeInstancesOutput{Reservations: []types.Reservation{{Instances: f.pages[n]}}}
	if n+1 < len(f.pages) {
		out.NextToken = aws.String(string(rune('0' + n + 1)))
	}
	return out, nil
}

// TestByPrivateIPCallsAndErrors: no IP asks EC2 nothing; one IP is asked
// (and found on a later page); an EC2 error is returned, naming the call.
func TestByPrivateIPCallsAndErrors(t *testing.T) {
	ctx := context.Background()
	f := &pagedEC2{err: errors.New("must not be called")}
	if m, err := ByPrivateIP(ctx, f, "", ""); err != nil || len(m) != 0 || f.calls != 0 {
		t.Errorf("no IP: %v %v, %d calls", m, err, f.calls)
	}
	f = &pagedEC2{pages: [][]types.Instance{
		{inst("i-1", "10.0.0.1", "vpc-a", "subnet-s")},
		{inst("i-2", "10.0.0.2", "vpc-a", "subnet-s", "sg-b", "sg-a")},
	}}
	m, err := ByPrivateIP(ctx, f, "10.0.0.2")
	if err != nil || f.calls != 2 || len(m) != 1 || len(m["10.0.0.2"]) != 1 {
		t.Fatalf("one IP: %+v %v, %d calls", m, err, f.calls)
	}
	if got := m["10.0.0.2"][0]; got.ID != "i-2" || got.State != "running" || !slices.Equal(got.SecurityGroupIDs, []string{"sg-a", "sg-b"}) {
		t.Errorf("instance %+v", got)
	}
	denied := errors.New("UnauthorizedOperation")
	f = &pagedEC2{err: denied}
	if m, err := ByPrivateIP(ctx, f, "10.0.0.2"); err == nil || !errors.Is(err, denied) || !strings.HasPrefix(err.Error(), "DescribeInstances: ") || m != nil {
		t.Errorf("EC2 error: %v %v", m, err)
	}
}

// TestConvertWithoutOptionalFields: an instance EC2 describes without
// placement, state, groups or tags converts to empty fields, no panic.
func TestConvertWithoutOptionalFields(t *testing.T) {
	got := convert(types.Instance{InstanceId: aws.String("i-1"), PrivateIpAddress: aws.String("10.0.0.1"),
		Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("x")}}})
	if got.ID != "i-1" || got.Zone != "" || got.State != "" || got.Owner != "" || len(got.SecurityGroupIDs) != 0 {
		t.Errorf("%+v", got)
	}
	got = convert(types.Instance{State: &types.InstanceState{Name: types.InstanceStateNamePending}})
	if got.State != "pending" {
		t.Errorf("state %q", got.State)
	}
}

// TestPick: the instance in the VPC wins; else the only one found (in
// another VPC: Placement then reports it); none or several is no choice.
func TestPick(t *testing.T) {
	a := Instance{ID: "i-a", VpcID: "vpc-a"}
	b := Instance{ID: "i-b", VpcID: "vpc-b"}
	for _, c := range []struct {
		found []Instance
		vpc   string
		id    string
		ok    bool
	}{
		{[]Instance{b}, "vpc-a", "i-b", true},
		{[]Instance{b, a}, "vpc-a", "i-a", true},
		{[]Instance{a, b}, "vpc-z", "", false},
		{nil, "vpc-a", "", false},
	} {
		got, ok := Pick(c.found, c.vpc)
		if got.ID != c.id || ok != c.ok {
			t.Errorf("Pick(%v, %s) = %+v %v, want %s %v", c.found, c.vpc, got, ok, c.id, c.ok)
		}
	}
}

// TestPlacementNames: a missing subnet or no group at all reads "none"; an
// empty group asked for is no problem.
func TestPlacementNames(t *testing.T) {
	got := Placement(Instance{}, "subnet-s", "", "sg-a")
	want := []string{"in subnet none, not subnet-s", "without security group sg-a (has none)"}
	if !slices.Equal(got, want) {
		t.Errorf("%q, want %q", got, want)
	}
}

// TestCheapTypesOrder: cheapest first, equal prices in the declared order
// (m6i.large before m5.large), so Coiled tries the same type each time.
func TestCheapTypesOrder(t *testing.T) {
	var got []string
	for _, c := range CheapTypes {
		got = append(got, c.Type)
	}
	want := []string{"t3a.medium", "t3.medium", "m6a.large", "m6i.large", "m5.large", "m7a.large"}
	if !slices.Equal(got, want) {
		t.Errorf("%v, want %v", got, want)
	}
	if HourlyPrice("m5.large") != 0.096 {
		t.Errorf("m5.large: %v", HourlyPrice("m5.large"))
	}
}

// pagedOfferings answers DescribeInstanceTypeOfferings page by page.
type pagedOfferings struct {
	pages [][]types.InstanceTypeOffering
	err   error
	in    []*ec2.DescribeInstanceTypeOfferingsInput
}

func (f *pagedOfferings) DescribeInstanceTypeOfferings(_ context.Context, in *ec2.DescribeInstanceTypeOfferingsInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstanceTypeOfferingsOutput, error) {
	f.in = append(f.in, in)
	if f.err != nil {
		return nil, f.err
	}
	n := 0
	if in.NextToken != nil {
		n = int(aws.ToString(in.NextToken)[0] - '0')
	}
	out := &ec2.DescribeInstanceTypeOfferingsOutput{InstanceTypeOfferings: f.pages[n]}
	if n+1 < len(f.pages) {
		out.NextToken = aws.String(string(rune('0' + n + 1)))
	}
	return out, nil
}

func offering(t, zone string) types.InstanceTypeOffering {
	return types.InstanceTypeOffering{InstanceType: types.InstanceType(t), Location: aws.String(zone), LocationType: types.LocationTypeAvailabilityZone}
}

// TestOfferedTypes: the types the zone offers, on every page, in want's
// order; an offering in another zone does not count; an error names the call.
func TestOfferedTypes(t *testing.T) {
	ctx := context.Background()
	f := &pagedOfferings{pages: [][]types.InstanceTypeOffering{
		{offering("m5.large", "us-east-1a"), offering("t3.medium", "us-east-1b")},
		{offering("t3a.medium", "us-east-1a")},
	}}
	want := []string{"t3a.medium", "t3.medium", "m5.large"}
	got, err := OfferedTypes(ctx, f, "us-east-1a", want)
	if err != nil || !slices.Equal(got, []string{"t3a.medium", "m5.large"}) {
		t.Errorf("offered %v %v", got, err)
	}
	if len(f.in) != 2 || f.in[0].LocationType != types.LocationTypeAvailabilityZone ||
		!slices.Equal(f.in[0].Filters[0].Values, []string{"us-east-1a"}) || !slices.Equal(f.in[0].Filters[1].Values, want) {
		t.Errorf("requests %+v", f.in)
	}
	f = &pagedOfferings{pages: [][]types.InstanceTypeOffering{{}}}
	if got, err := OfferedTypes(ctx, f, "us-east-1f", want); err != nil || len(got) != 0 {
		t.Errorf("nothing offered: %v %v", got, err)
	}
	denied := errors.New("UnauthorizedOperation")
	got, err = OfferedTypes(ctx, &pagedOfferings{err: denied}, "us-east-1a", want)
	if !errors.Is(err, denied) || !strings.HasPrefix(err.Error(), "DescribeInstanceTypeOfferings: ") || got != nil {
		t.Errorf("EC2 error: %v %v", got, err)
	}
}
