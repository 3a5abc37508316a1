package teardown

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

var errDenied = errors.New("AccessDenied")

// pagedEC2 answers DescribeInstances page by page, or fails.
type pagedEC2 struct {
	pages []ec2.DescribeInstancesOutput
	err   error
	calls *[]string // NextToken of each call
}

func (f pagedEC2) DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	*f.calls = append(*f.calls, aws.ToString(in.NextToken))
	if f.err != nil {
		return &ec2.DescribeInstancesOutput{}, f.err
	}
	i := len(*f.calls) - 1
	return &f.pages[i], nil
}

func instance(id, subnet string) ec2types.Instance {
	return ec2types.Instance{InstanceId: aws.String(id), InstanceType: "m6i.large", SubnetId: aws.String(subnet),
		State: &ec2types.InstanceState{Name: ec2types.InstanceStateNameRunning}}
}

func TestInstancesError(t *testing.T) {
	var calls []string
	got, err := Instances(context.Background(), pagedEC2{err: errDenied, calls: &calls}, []string{"subnet-1"}, nil)
	if !errors.Is(err, errDenied) || got != nil {
		t.Errorf("got %v, %v; want nil, %v", got, err, errDenied)
	}
}

// Every page is read, instances come back by ID, and an instance without a
// Name tag or a state prints without them.
func TestInstancesPagesAndOrder(t *testing.T) {
	var calls []string
	f := pagedEC2{calls: &calls, pages: []ec2.DescribeInstancesOutput{
		{Reservations: []ec2types.Reservation{{Instances: []ec2types.Instance{instance("i-c", "subnet-2"), instance("i-a", "subnet-1")}}}, NextToken: aws.String("p2")},
		{Reservations: []ec2types.Reservation{{Instances: []ec2types.Instance{
			{InstanceId: aws.String("i-b"), InstanceType: "t3.micro", SubnetId: aws.String("subnet-1"),
				Tags: []ec2types.Tag{{Key: aws.String("Owner"), Value: aws.String("x")}}},
		}}}},
	}}
	got, err := Instances(context.Background(), f, []string{"subnet-1", "subnet-2"}, []string{"i-nat"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(calls, []string{"", "p2"}) {
		t.Errorf("calls with tokens %q, want \"\" then p2", calls)
	}
	var s []string
	for _, i := range got {
		s = append(s, i.String())
	}
	want := []string{
		"i-a (m6i.large, running, subnet subnet-1)",
		"i-b (t3.micro, , subnet subnet-1)",
		"i-c (m6i.large, running, subnet subnet-2)",
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(s, "\n"), strings.Join(want, "\n"))
	}
}

// The request asks only for the given subnets and the states that keep a
// network interface.
func TestInstancesFilters(t *testing.T) {
	var in *ec2.DescribeInstancesInput
	f := recordEC2{in: &in}
	if _, err := Instances(context.Background(), f, []string{"subnet-9"}, nil); err != nil {
		t.Fatal(err)
	}
	if in == nil || len(in.Filters) != 2 || aws.ToString(in.Filters[0].Name) != "subnet-id" || !reflect.DeepEqual(in.Filters[0].Values, []string{"subnet-9"}) ||
		aws.ToString(in.Filters[1].Name) != "instance-state-name" || !reflect.DeepEqual(in.Filters[1].Values, []string{"pending", "running", "stopping", "stopped", "shutting-down"}) {
		t.Errorf("filters %+v", in)
	}
}

type recordEC2 struct{ in **ec2.DescribeInstancesInput }

func (f recordEC2) DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	*f.in = in
	return &ec2.DescribeInstancesOutput{}, nil
}

// failingCFN fails the call named in fail.
type failingCFN struct {
	fakeCFN
	fail string
}

func (f failingCFN) GetTemplate(ctx context.Context, in *cloudformation.GetTemplateInput, o ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error) {
	if aws.ToString(in.StackName) != "S" {
		return nil, errors.New("wrong stack " + aws.ToString(in.StackName))
	}
	if f.fail == "GetTemplate" {
		return &cloudformation.GetTemplateOutput{TemplateBody: aws.String("{}")}, errDenied
	}
	return f.fakeCFN.GetTemplate(ctx, in, o...)
}

func (f failingCFN) DescribeStackResources(ctx context.Context, in *cloudformation.DescribeStackResourcesInput, o ...func(*cloudformation.Options)) (*cloudformation.DescribeStackResourcesOutput, error) {
	if aws.ToString(in.StackName) != "S" {
		return nil, errors.New("wrong stack " + aws.ToString(in.StackName))
	}
	if f.fail == "DescribeStackResources" {
		return &cloudformation.DescribeStackResourcesOutput{}, errDenied
	}
	return f.fakeCFN.DescribeStackResources(ctx, in, o...)
}

func TestReadStackErrors(t *testing.T) {
	ok := fakeCFN{template: `{"Resources": {}}`}
	for _, fail := range []string{"GetTemplate", "DescribeStackResources"} {
		s, err := ReadStack(context.Background(), failingCFN{ok, fail}, "S", "us-east-1")
		if !errors.Is(err, errDenied) || s != nil {
			t.Errorf("%s fails: got %+v, %v", fail, s, err)
		}
	}
	s, err := ReadStack(context.Background(), failingCFN{fakeCFN{template: "not json"}, ""}, "S", "us-east-1")
	if err == nil || !strings.Contains(err.Error(), "the template of S is not JSON") || s != nil {
		t.Errorf("bad template: got %+v, %v", s, err)
	}
}

// Every kept type gets its command; kept resources come back by logical ID;
// a Retain resource without a physical ID (never created) is not kept.
func TestReadStackKeptKinds(t *testing.T) {
	f := failingCFN{fakeCFN: fakeCFN{
		template: `{"Resources": {
			"D": {"Type": "AWS::KMS::Key", "DeletionPolicy": "Retain"},
			"C": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain"},
			"B": {"Type": "AWS::SecretsManager::Secret", "DeletionPolicy": "Retain"},
			"A": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"},
			"E": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"},
			"F": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Delete"},
			"N2": {"Type": "AWS::EC2::Instance", "DeletionPolicy": "Retain"}}}`,
		resources: []cfntypes.StackResource{
			res("D", "AWS::KMS::Key", "key-1"), res("C", "AWS::Logs::LogGroup", "/g"), res("B", "AWS::SecretsManager::Secret", "arn:s"),
			res("A", "AWS::S3::Bucket", "b-1"), res("E", "AWS::S3::Bucket", ""), res("F", "AWS::S3::Bucket", "b-2"),
			res("N1", "AWS::EC2::Instance", "i-1"), res("N2", "AWS::EC2::Instance", "i-2"),
		},
	}}
	s, err := ReadStack(context.Background(), f, "S", "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Instances, []string{"i-1", "i-2"}) {
		t.Errorf("instances %v", s.Instances)
	}
	want := []Kept{
		{"A", "AWS::S3::Bucket", "b-1", "aws s3 rb s3://b-1 --force --region eu-west-1"},
		{"B", "AWS::SecretsManager::Secret", "arn:s", "delete SecretsManager::Secret arn:s in the console or with the AWS CLI"},
		{"C", "AWS::Logs::LogGroup", "/g", "aws logs delete-log-group --log-group-name /g --region eu-west-1"},
		{"D", "AWS::KMS::Key", "key-1", "aws kms schedule-key-deletion --key-id key-1 --pending-window-in-days 30 --region eu-west-1"},
		{"N2", "AWS::EC2::Instance", "i-2", "delete EC2::Instance i-2 in the console or with the AWS CLI"},
	}
	if !reflect.DeepEqual(s.Kept, want) {
		t.Errorf("kept\n%+v\nwant\n%+v", s.Kept, want)
	}
}
