package motoserver_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/internal/motoserver"
)

// TestCreateStandIns: what the options reference is created in the
// emulator and the options come back naming it, valid as a whole; options
// without references come back unchanged.
func TestCreateStandIns(t *testing.T) {
	endpoint := motoserver.Start(t)
	ctx := context.Background()
	given := map[string]string{
		"topology":             "internal",
		"egress":               "transitGateway",
		"transitGatewayId":     "tgw-0123456789abcdef0",
		"transitGatewayRoutes": "10.100.0.0/16",
		"peerVpcs": `[{"vpcId":"vpc-0123456789abcdef1","cidr":"10.1.0.0/16"},` +
			`{"vpcId":"vpc-0123456789abcdef2","cidr":"10.2.0.0/16","ownerId":"210987654321","roleArn":"arn:aws:iam::210987654321:role/peering-accepter"}]`,
		"endpointServices": "com.amazonaws.vpce.us-west-2.vpce-svc-0123456789abcdef0=443+80",
		"azs":              "2",
	}
	opts, made, err := motoserver.CreateStandIns(ctx, endpoint, given)
	if err != nil {
		t.Fatal(err)
	}
	if len(made) != 4 {
		t.Errorf("%d stand-ins, want 4 (a TGW, two VPCs, a service): %v", len(made), made)
	}
	for _, m := range made {
		if !strings.Contains(m.String(), " stands in for ") || m.Created == m.Given {
			t.Errorf("stand-in %q", m)
		}
	}
	raw := map[string]any{}
	for k, v := range opts {
		raw[k] = v
	}
	cfg, err := config.FromContext(raw)
	if err != nil {
		t.Fatalf("options with stand-ins do not parse: %v\n%v", err, opts)
	}
	n := cfg.Network
	c := ec2.NewFromConfig(aws.Config{Region: motoserver.Region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "testing")})
	if out, err := c.DescribeTransitGateways(ctx, &ec2.DescribeTransitGatewaysInput{TransitGatewayIds: []string{n.TransitGatewayId}}); err != nil || len(out.TransitGateways) != 1 {
		t.Errorf("Transit Gateway %s: %v", n.TransitGatewayId, err)
	}
	for _, p := range n.PeerVpcs {
		out, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{p.VpcId}})
		if err != nil || len(out.Vpcs) != 1 || aws.ToString(out.Vpcs[0].CidrBlock) != p.Cidr.String() || p.OwnerId != "" || p.RoleArn != "" {
			t.Errorf("peer %+v: %v", p, err)
		}
	}
	if len(n.EndpointServices) != 1 || !strings.HasPrefix(n.EndpointServices[0].ServiceName, "com.amazonaws.vpce.us-east-1.vpce-svc-") ||
		len(n.EndpointServices[0].Ports) != 2 {
		t.Errorf("endpoint services %+v", n.EndpointServices)
	}

	plain := map[string]string{"topology": "private", "azs": "2"}
	opts, made, err = motoserver.CreateStandIns(ctx, endpoint, plain)
	if err != nil || len(made) != 0 || len(opts) != 2 || opts["topology"] != "private" {
		t.Errorf("no references: %v %v %v", opts, made, err)
	}
}

// TestCreateStandInsExistingVpc: the existing VPC and its two subnets are
// created with the given range.
func TestCreateStandInsExistingVpc(t *testing.T) {
	endpoint := motoserver.Start(t)
	opts, made, err := motoserver.CreateStandIns(context.Background(), endpoint, map[string]string{
		"existingVpcId": "vpc-0a1b2c3d4e5f60718", "existingVpcCidr": "10.20.0.0/16",
		"schedulerSubnetId": "subnet-0123456789abcdef0", "workerSubnetId": "subnet-0123456789abcdef1", "workerPublicIp": "false"})
	if err != nil {
		t.Fatal(err)
	}
	if len(made) != 3 || !strings.HasPrefix(opts["existingVpcId"], "vpc-") || opts["existingVpcId"] == "vpc-0a1b2c3d4e5f60718" ||
		opts["schedulerSubnetId"] == opts["workerSubnetId"] || opts["workerPublicIp"] != "false" {
		t.Errorf("stand-ins %v, options %v", made, opts)
	}
}
