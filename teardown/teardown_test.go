package teardown

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

type fakeCFN struct {
	template  string
	resources []cfntypes.StackResource
}

func (f fakeCFN) GetTemplate(ctx context.Context, in *cloudformation.GetTemplateInput, _ ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error) {
	return &cloudformation.GetTemplateOutput{TemplateBody: aws.String(f.template)}, nil
}

func (f fakeCFN) DescribeStackResources(ctx context.Context, in *cloudformation.DescribeStackResourcesInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStackResourcesOutput, error) {
	return &cloudformation.DescribeStackResourcesOutput{StackResources: f.resources}, nil
}

func res(id, typ, phys string) cfntypes.StackResource {
	return cfntypes.StackResource{LogicalResourceId: aws.String(id), ResourceType: aws.String(typ), PhysicalResourceId: aws.String(phys)}
}

func TestReadStackListsWhatIsKept(t *testing.T) {
	f := fakeCFN{
		template: `{"Resources": {
			"Logs": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"},
			"Group": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain"},
			"Vpc": {"Type": "AWS::EC2::VPC"},
			"Nat": {"Type": "AWS::EC2::Instance"}}}`,
		resources: []cfntypes.StackResource{
			res("Logs", "AWS::S3::Bucket", "coilednet-flowlogs-abc"), res("Group", "AWS::Logs::LogGroup", "/coilednet/flow"),
			res("Vpc", "AWS::EC2::VPC", "vpc-1"), res("Nat", "AWS::EC2::Instance", "i-nat"),
		},
	}
	s, err := ReadStack(context.Background(), f, "S", "us-east-2")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Instances) != 1 || s.Instances[0] != "i-nat" {
		t.Errorf("instances %v", s.Instances)
	}
	if len(s.Kept) != 2 || s.Kept[0].Delete != "aws logs delete-log-group --log-group-name /coilednet/flow --region us-east-2" ||
		s.Kept[1].Delete != "aws s3 rb s3://coilednet-flowlogs-abc --force --region us-east-2" {
		t.Errorf("kept %+v", s.Kept)
	}
}

type fakeEC2 struct{ reservations []ec2types.Reservation }

func (f fakeEC2) DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	return &ec2.DescribeInstancesOutput{Reservations: f.reservations}, nil
}

func TestInstancesSkipsTheStacksOwn(t *testing.T) {
	inst := func(id, state string) ec2types.Instance {
		return ec2types.Instance{InstanceId: aws.String(id), InstanceType: "t3.micro", SubnetId: aws.String("subnet-1"),
			State: &ec2types.InstanceState{Name: ec2types.InstanceStateName(state)},
			Tags:  []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("w-" + id)}}}
	}
	f := fakeEC2{reservations: []ec2types.Reservation{{Instances: []ec2types.Instance{inst("i-nat", "running"), inst("i-2", "running"), inst("i-3", "terminated")}}}}
	got, err := Instances(context.Background(), f, []string{"subnet-1"}, []string{"i-nat"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.Contains(got[0].String(), `i-2 "w-i-2" (t3.micro, running, subnet subnet-1)`) {
		t.Errorf("got %v", got)
	}
	if got, _ := Instances(context.Background(), f, nil, nil); got != nil {
		t.Errorf("no subnets: %v", got)
	}
}
