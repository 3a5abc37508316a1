package clustervms

import (
	"context"
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
