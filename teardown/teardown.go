// Package teardown holds the plain-Go AWS checks of scripts/destroy (issue
// 20): the instances still running in a network's subnets (which would keep
// their network interfaces there and fail the stack's deletion), and the
// resources the stack keeps when it is deleted (DeletionPolicy Retain:
// flow-log and firewall-log buckets and log groups), with the commands that
// delete them. It uses the AWS SDK only.
package teardown

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Instance is an instance in one of the network's subnets.
type Instance struct {
	ID, Type, State, Subnet, Name string
}

func (i Instance) String() string {
	s := fmt.Sprintf("%s (%s, %s, subnet %s)", i.ID, i.Type, i.State, i.Subnet)
	if i.Name != "" {
		s = fmt.Sprintf("%s %q (%s, %s, subnet %s)", i.ID, i.Name, i.Type, i.State, i.Subnet)
	}
	return s
}

// EC2 is what Instances calls.
type EC2 interface {
	DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, opts ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
}

// Instances returns the instances not terminated in subnets, except those
// in exclude (the stack's own, e.g. its NAT instances), by ID.
func Instances(ctx context.Context, client EC2, subnets, exclude []string) ([]Instance, error) {
	if len(subnets) == 0 {
		return nil, nil
	}
	in := &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("subnet-id"), Values: subnets},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped", "shutting-down"}},
	}}
	var out []Instance
	for {
		page, err := client.DescribeInstances(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Reservations {
			for _, i := range r.Instances {
				id := aws.ToString(i.InstanceId)
				if slices.Contains(exclude, id) {
					continue
				}
				x := Instance{ID: id, Type: string(i.InstanceType), Subnet: aws.ToString(i.SubnetId)}
				if i.State != nil {
					x.State = string(i.State.Name)
				}
				// moto ignores the state filter on some versions: keep it honest.
				if x.State == "terminated" {
					continue
				}
				for _, t := range i.Tags {
					if aws.ToString(t.Key) == "Name" {
						x.Name = aws.ToString(t.Value)
					}
				}
				out = append(out, x)
			}
		}
		if aws.ToString(page.NextToken) == "" {
			break
		}
		in.NextToken = page.NextToken
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out, nil
}

// Kept is a resource the stack keeps when deleted.
type Kept struct {
	LogicalID, Type, PhysicalID string
	// Delete is the AWS CLI command that deletes it.
	Delete string
}

// CloudFormation is what Stack calls.
type CloudFormation interface {
	GetTemplate(ctx context.Context, in *cloudformation.GetTemplateInput, opts ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error)
	DescribeStackResources(ctx context.Context, in *cloudformation.DescribeStackResourcesInput, opts ...func(*cloudformation.Options)) (*cloudformation.DescribeStackResourcesOutput, error)
}

// Stack is what teardown needs of a deployed stack.
type Stack struct {
	// Instances are the physical IDs of the stack's own instances.
	Instances []string
	// Kept are its resources with DeletionPolicy Retain.
	Kept []Kept
}

// ReadStack reads stack's template and resources in region.
func ReadStack(ctx context.Context, client CloudFormation, stack, region string) (*Stack, error) {
	tpl, err := client.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: aws.String(stack)})
	if err != nil {
		return nil, err
	}
	var t struct {
		Resources map[string]struct {
			Type           string `json:"Type"`
			DeletionPolicy string `json:"DeletionPolicy"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(tpl.TemplateBody)), &t); err != nil {
		return nil, fmt.Errorf("the template of %s is not JSON: %v", stack, err)
	}
	res, err := client.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String(stack)})
	if err != nil {
		return nil, err
	}
	s := &Stack{}
	for _, r := range res.StackResources {
		id, phys, typ := aws.ToString(r.LogicalResourceId), aws.ToString(r.PhysicalResourceId), aws.ToString(r.ResourceType)
		if typ == "AWS::EC2::Instance" {
			s.Instances = append(s.Instances, phys)
		}
		if t.Resources[id].DeletionPolicy != "Retain" || phys == "" {
			continue
		}
		k := Kept{LogicalID: id, Type: typ, PhysicalID: phys}
		switch typ {
		case "AWS::S3::Bucket":
			k.Delete = fmt.Sprintf("aws s3 rb s3://%s --force --region %s", phys, region)
		case "AWS::Logs::LogGroup":
			k.Delete = fmt.Sprintf("aws logs delete-log-group --log-group-name %s --region %s", phys, region)
		case "AWS::KMS::Key":
			k.Delete = fmt.Sprintf("aws kms schedule-key-deletion --key-id %s --pending-window-in-days 30 --region %s", phys, region)
		default:
			k.Delete = fmt.Sprintf("delete %s %s in the console or with the AWS CLI", strings.TrimPrefix(typ, "AWS::"), phys)
		}
		s.Kept = append(s.Kept, k)
	}
	sort.Slice(s.Kept, func(a, b int) bool { return s.Kept[a].LogicalID < s.Kept[b].LogicalID })
	return s, nil
}
