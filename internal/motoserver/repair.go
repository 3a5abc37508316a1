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
//   - moto's CloudFormation ignores the SubnetId of an AWS::EC2::Instance's
//     NetworkInterfaces (CDK's NAT instance lands in a default subnet of
//     another VPC): it launches the same instance in the template's subnet
//     (RunInstances, tagged coilednet:replaces=OLD), points the routes to
//     the old one at it and terminates the old one;
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
			id, err := placeInstance(ctx, ec, physical[logical], p, physical)
			if err != nil {
				return fmt.Errorf("motoserver: instance %s: %w", logical, err)
			}
			if check, ok := p["SourceDestCheck"].(bool); ok && !check {
				if _, err := ec.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
					SourceDestCheck: &ec2types.AttributeBooleanValue{Value: aws.Bool(false)}}); err != nil {
					return fmt.Errorf("motoserver: source/dest check of %s: %w", id, err)
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

// replacesTag marks an instance placeInstance launched in place of one
// that moto put in the wrong subnet.
const replacesTag = "coilednet:replaces"

// placeInstance returns the instance that stands for the template's
// instance id: id itself when it is in the subnet of its first network
// interface, else a copy of it launched there (once: a second call finds
// the copy), with the stack's routes to id pointed at the copy.
func placeInstance(ctx context.Context, ec *ec2.Client, id string, p map[string]any, physical map[string]string) (string, error) {
	nics, _ := p["NetworkInterfaces"].([]any)
	if id == "" || len(nics) == 0 {
		return id, nil
	}
	nic, _ := nics[0].(map[string]any)
	want := physicalOf(nic["SubnetId"], physical)
	if want == "" {
		return id, nil
	}
	var groups []string
	list, _ := nic["GroupSet"].([]any)
	for _, g := range list {
		if gid := physicalOf(g, physical); gid != "" {
			groups = append(groups, gid)
		}
	}
	out, err := ec.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		return "", err
	}
	var old *ec2types.Instance
	for _, r := range out.Reservations {
		for i := range r.Instances {
			old = &r.Instances[i]
		}
	}
	if old == nil {
		return "", fmt.Errorf("%s not found", id)
	}
	if aws.ToString(old.SubnetId) == want {
		return id, nil
	}
	copyID := ""
	found, err := ec.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:" + replacesTag), Values: []string{id}},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running"}}}})
	if err != nil {
		return "", err
	}
	for _, r := range found.Reservations {
		for _, in := range r.Instances {
			copyID = aws.ToString(in.InstanceId)
		}
	}
	if copyID == "" {
		tags := append([]ec2types.Tag{{Key: aws.String(replacesTag), Value: aws.String(id)}}, old.Tags...)
		run, err := ec.RunInstances(ctx, &ec2.RunInstancesInput{
			ImageId: old.ImageId, InstanceType: old.InstanceType, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			NetworkInterfaces: []ec2types.InstanceNetworkInterfaceSpecification{{
				DeviceIndex: aws.Int32(0), SubnetId: aws.String(want), Groups: groups, AssociatePublicIpAddress: aws.Bool(true)}},
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: tags}}})
		if err != nil {
			return "", fmt.Errorf("launching it in %s: %w", want, err)
		}
		copyID = aws.ToString(run.Instances[0].InstanceId)
	}
	// The routes of the subnet's VPC that lead to the misplaced instance
	// lead to its copy.
	sn, err := ec.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{want}})
	if err != nil || len(sn.Subnets) == 0 {
		return "", fmt.Errorf("subnet %s: %v", want, err)
	}
	rts, err := ec.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{aws.ToString(sn.Subnets[0].VpcId)}}}})
	if err != nil {
		return "", err
	}
	for _, rt := range rts.RouteTables {
		for _, r := range rt.Routes {
			if aws.ToString(r.InstanceId) != id {
				continue
			}
			if _, err := ec.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: rt.RouteTableId,
				DestinationCidrBlock: r.DestinationCidrBlock, InstanceId: aws.String(copyID)}); err != nil {
				return "", fmt.Errorf("route %s in %s: %w", aws.ToString(r.DestinationCidrBlock), aws.ToString(rt.RouteTableId), err)
			}
		}
	}
	if old.State != nil && old.State.Name != ec2types.InstanceStateNameTerminated {
		if _, err := ec.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
			return "", err
		}
	}
	return copyID, nil
}

// physicalOf resolves {"Ref": X} and {"Fn::GetAtt": [X, ...]} to X's
// physical ID ("" otherwise).
func physicalOf(v any, physical map[string]string) string {
	m, _ := v.(map[string]any)
	if s, ok := m["Ref"].(string); ok {
		return physical[s]
	}
	if l, ok := m["Fn::GetAtt"].([]any); ok && len(l) > 0 {
		if s, ok := l[0].(string); ok {
			return physical[s]
		}
	}
	return ""
}
