package motoserver

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// RepairStack makes the EC2 resources of stack, deployed by CloudFormation
// into the moto at endpoint, what its template declares where moto leaves
// it out, so that a live network check (coiled-hook --check) reads what AWS
// would show. It changes only these, through the EC2 API:
//   - moto does not link an AWS::EC2::SubnetRouteTableAssociation to its
//     route table (DescribeRouteTables shows no association, so every subnet
//     falls back to the main table): it calls AssociateRouteTable;
//   - moto ignores EnableDnsHostnames: true on an AWS::EC2::VPC: it calls
//     ModifyVpcAttribute;
//   - moto ignores SourceDestCheck: false on an AWS::EC2::Instance (CDK's NAT
//     instance): it calls ModifyInstanceAttribute;
//   - moto's CloudFormation skips AWS::EC2::TransitGatewayVpcAttachment: it
//     calls CreateTransitGatewayVpcAttachment (once per VPC and gateway).
//
// It is idempotent: an association already in place is left alone.
func RepairStack(ctx context.Context, endpoint, stack string) error {
	return RepairStackIn(ctx, endpoint, Region, stack)
}

// RepairStackIn is RepairStack for a stack in region (a networks file's
// network in another region than Region).
func RepairStackIn(ctx context.Context, endpoint, region, stack string) error {
	cfg := aws.Config{Region: region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(Env["AWS_ACCESS_KEY_ID"], Env["AWS_SECRET_ACCESS_KEY"], Env["AWS_SESSION_TOKEN"])}
	cf, ec := cloudformation.NewFromConfig(cfg), ec2.NewFromConfig(cfg)
	tpl, err := cf.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: aws.String(stack)})
	if err != nil {
		return fmt.Errorf("motoserver: template of %s: %w", stack, err)
	}
	var template struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal([]byte(aws.ToString(tpl.TemplateBody)), &template); err != nil {
		return fmt.Errorf("motoserver: template of %s is not JSON: %w", stack, err)
	}
	res, err := cf.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String(stack)})
	if err != nil {
		return fmt.Errorf("motoserver: resources of %s: %w", stack, err)
	}
	physical := map[string]string{}
	for _, r := range res.StackResources {
		physical[aws.ToString(r.LogicalResourceId)] = aws.ToString(r.PhysicalResourceId)
	}
	ref := func(v any) string {
		m, _ := v.(map[string]any)
		s, _ := m["Ref"].(string)
		return physical[s]
	}
	for logical, r := range template.Resources {
		p := r.Properties
		switch r.Type {
		case "AWS::EC2::SubnetRouteTableAssociation":
			subnet, rt := ref(p["SubnetId"]), ref(p["RouteTableId"])
			if subnet == "" || rt == "" {
				return fmt.Errorf("motoserver: association %s: subnet %q or route table %q not in the stack", logical, subnet, rt)
			}
			out, err := ec.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{rt}})
			if err != nil {
				return fmt.Errorf("motoserver: route table %s: %w", rt, err)
			}
			linked := false
			for _, t := range out.RouteTables {
				for _, a := range t.Associations {
					linked = linked || aws.ToString(a.SubnetId) == subnet
				}
			}
			if !linked {
				if _, err := ec.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{SubnetId: aws.String(subnet), RouteTableId: aws.String(rt)}); err != nil {
					return fmt.Errorf("motoserver: associating %s with %s: %w", subnet, rt, err)
				}
			}
		case "AWS::EC2::VPC":
			if on, _ := p["EnableDnsHostnames"].(bool); on {
				if _, err := ec.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(physical[logical]),
					EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
					return fmt.Errorf("motoserver: DNS hostnames of %s: %w", physical[logical], err)
				}
			}
		case "AWS::EC2::Instance":
			if check, ok := p["SourceDestCheck"].(bool); ok && !check {
				if _, err := ec.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(physical[logical]),
					SourceDestCheck: &ec2types.AttributeBooleanValue{Value: aws.Bool(false)}}); err != nil {
					return fmt.Errorf("motoserver: source/dest check of %s: %w", physical[logical], err)
				}
			}
		case "AWS::EC2::TransitGatewayVpcAttachment":
			if err := repairAttachment(ctx, ec, p, ref); err != nil {
				return fmt.Errorf("motoserver: attachment %s: %w", logical, err)
			}
		}
	}
	return nil
}

// repairAttachment creates the Transit Gateway VPC attachment p declares,
// unless the VPC already has one to that gateway.
func repairAttachment(ctx context.Context, ec *ec2.Client, p map[string]any, ref func(any) string) error {
	tgw, _ := p["TransitGatewayId"].(string)
	if tgw == "" {
		tgw = ref(p["TransitGatewayId"])
	}
	vpc := ref(p["VpcId"])
	var subnets []string
	list, _ := p["SubnetIds"].([]any)
	for _, s := range list {
		if id := ref(s); id != "" {
			subnets = append(subnets, id)
		}
	}
	if tgw == "" || vpc == "" || len(subnets) == 0 {
		return fmt.Errorf("gateway %q, VPC %q or subnets %v not resolved", tgw, vpc, subnets)
	}
	out, err := ec.DescribeTransitGatewayVpcAttachments(ctx, &ec2.DescribeTransitGatewayVpcAttachmentsInput{})
	if err != nil {
		return err
	}
	for _, a := range out.TransitGatewayVpcAttachments {
		if aws.ToString(a.VpcId) == vpc && aws.ToString(a.TransitGatewayId) == tgw && a.State != ec2types.TransitGatewayAttachmentStateDeleted {
			return nil
		}
	}
	_, err = ec.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{
		TransitGatewayId: aws.String(tgw), VpcId: aws.String(vpc), SubnetIds: subnets})
	return err
}
