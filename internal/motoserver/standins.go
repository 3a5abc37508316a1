package motoserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/coilednet/coilednet/config"
)

// StandIn is one thing the sandbox created in the emulator in place of what
// an option references (a Transit Gateway, a peer VPC, an endpoint
// service, an existing VPC and its subnets).
type StandIn struct {
	// Key is the context key whose value was replaced.
	Key string
	// Given is what the options named (an ID, a service name).
	Given string
	// Created is what stands in for it in the emulator.
	Created string
	// Note says what differs from the real thing, if anything.
	Note string
}

// String is the line the sandbox prints: "tgw-0123… → tgw-abc (a Transit
// Gateway created in the emulator)".
func (s StandIn) String() string {
	line := fmt.Sprintf("%s %s stands in for %s", s.Key, s.Created, s.Given)
	if s.Note != "" {
		line += " (" + s.Note + ")"
	}
	return line
}

// CreateStandIns creates, in the moto at endpoint, what the context options
// opts (key → value, as given with -c) reference but the emulator cannot
// know: the Transit Gateway of transitGatewayId, the VPCs of peerVpcs, the
// endpoint services of endpointServices, and the VPC and subnets of
// existingVpcId. It returns opts with those references replaced by the
// stand-ins' IDs, and what stands in for what. Options that do not parse
// are returned unchanged (the deploy reports them, before anything is
// built).
func CreateStandIns(ctx context.Context, endpoint string, opts map[string]string) (map[string]string, []StandIn, error) {
	out := map[string]string{}
	for k, v := range opts {
		out[k] = v
	}
	// Each reference is read on its own (with what it needs), so that an
	// option the stand-in makes right (a partner's service in another
	// region) does not keep the others from being read.
	parse := func(keys ...string) config.Network {
		raw := map[string]any{}
		for _, k := range keys {
			if v, ok := opts[k]; ok {
				raw[k] = v
			}
		}
		if len(raw) == 0 {
			return config.Network{}
		}
		cfg, err := config.FromContext(raw)
		if err != nil {
			return config.Network{}
		}
		return cfg.Network
	}
	var n config.Network
	if id := opts[config.KeyTransitGatewayId]; strings.HasPrefix(id, "tgw-") {
		n.TransitGatewayId = id // the option's own checks come with the deploy
	}
	n.PeerVpcs = parse(config.KeyPeerVpcs).PeerVpcs
	n.EndpointServices = parse(config.KeyEndpointServices).EndpointServices
	existing := parse(config.KeyExistingVpcId, config.KeyExistingVpcCidr, config.KeySchedulerSubnetId, config.KeyWorkerSubnetId, config.KeyWorkerPublicIp)
	n.ExistingVpcId, n.ExistingVpcCidr, n.SchedulerSubnetId, n.WorkerSubnetId, n.WorkerPublicIp =
		existing.ExistingVpcId, existing.ExistingVpcCidr, existing.SchedulerSubnetId, existing.WorkerSubnetId, existing.WorkerPublicIp
	c := ec2.NewFromConfig(aws.Config{Region: Region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(Env["AWS_ACCESS_KEY_ID"], Env["AWS_SECRET_ACCESS_KEY"], Env["AWS_SESSION_TOKEN"])})
	var made []StandIn

	if n.TransitGatewayId != "" {
		tgw, err := c.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{Description: aws.String("coilednet sandbox stand-in for " + n.TransitGatewayId)})
		if err != nil {
			return nil, nil, fmt.Errorf("creating a Transit Gateway: %w", err)
		}
		id := aws.ToString(tgw.TransitGateway.TransitGatewayId)
		made = append(made, StandIn{config.KeyTransitGatewayId, n.TransitGatewayId, id, "a Transit Gateway created in the emulator; the stack's attachment is created through the EC2 API after the deploy"})
		out[config.KeyTransitGatewayId] = id
	}

	if len(n.PeerVpcs) > 0 {
		peers := make([]config.PeerVpc, len(n.PeerVpcs))
		for i, p := range n.PeerVpcs {
			id, err := createVpc(ctx, c, vpcRange(p.Cidr))
			if err != nil {
				return nil, nil, err
			}
			note := "a VPC created in the emulator"
			if p.OwnerId != "" || p.Region != "" || p.RoleArn != "" {
				note += " in its one account and region: ownerId, region and roleArn left out"
			}
			made = append(made, StandIn{config.KeyPeerVpcs, p.VpcId, id, note})
			peers[i] = config.PeerVpc{VpcId: id, Cidr: p.Cidr}
		}
		b, _ := json.Marshal(peers)
		out[config.KeyPeerVpcs] = string(b)
	}

	if len(n.EndpointServices) > 0 {
		type item struct {
			ServiceName string   `json:"serviceName"`
			Ports       []uint16 `json:"ports,omitempty"`
			PrivateDns  bool     `json:"privateDns,omitempty"`
		}
		items := make([]item, len(n.EndpointServices))
		nlb, err := partnerLoadBalancer(ctx, c, endpoint)
		if err != nil {
			return nil, nil, err
		}
		for i, s := range n.EndpointServices {
			svc, err := c.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
				AcceptanceRequired:      aws.Bool(false),
				NetworkLoadBalancerArns: []string{nlb},
			})
			if err != nil {
				return nil, nil, fmt.Errorf("creating an endpoint service: %w", err)
			}
			name := aws.ToString(svc.ServiceConfiguration.ServiceName)
			made = append(made, StandIn{config.KeyEndpointServices, s.ServiceName, name, "an endpoint service created in the emulator, in its region " + Region +
				", with privateDns on: the emulator cannot resolve an endpoint's DNS entries (and would then drop every output), so their output exists only in a real deploy"})
			// privateDns on: no DnsEntries output, which moto cannot resolve.
			items[i] = item{name, s.Ports, true}
		}
		b, _ := json.Marshal(items)
		out[config.KeyEndpointServices] = string(b)
	}

	if n.ExistingVpcId != "" {
		if err := existingVpc(ctx, c, n, out, &made); err != nil {
			return nil, nil, err
		}
	}
	sort.SliceStable(made, func(i, j int) bool { return made[i].Key < made[j].Key })
	return out, made, nil
}

// vpcRange is a range CreateVpc accepts (/16 to /28) for a peer's CIDR.
func vpcRange(p netip.Prefix) netip.Prefix {
	if p.Bits() < 16 {
		return netip.PrefixFrom(p.Addr(), 16).Masked()
	}
	if p.Bits() > 28 {
		return netip.PrefixFrom(p.Addr(), 28).Masked()
	}
	return p
}

func createVpc(ctx context.Context, c *ec2.Client, cidr netip.Prefix) (string, error) {
	v, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(cidr.String())})
	if err != nil {
		return "", fmt.Errorf("creating a VPC %s: %w", cidr, err)
	}
	return aws.ToString(v.Vpc.VpcId), nil
}

// existingVpc creates the VPC existingVpcId names (with existingVpcCidr),
// its scheduler and worker subnets, and what the hook's network check
// requires of them: DNS hostnames, an internet gateway route for the
// scheduler's subnet and, for workers without public IP, a NAT route.
func existingVpc(ctx context.Context, c *ec2.Client, n config.Network, out map[string]string, made *[]StandIn) error {
	vpc, err := createVpc(ctx, c, n.ExistingVpcCidr)
	if err != nil {
		return err
	}
	*made = append(*made, StandIn{config.KeyExistingVpcId, n.ExistingVpcId, vpc, "a VPC created in the emulator with existingVpcCidr " + n.ExistingVpcCidr.String()})
	out[config.KeyExistingVpcId] = vpc
	if _, err := c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpc), EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		return fmt.Errorf("DNS hostnames of %s: %w", vpc, err)
	}
	base := n.ExistingVpcCidr.Masked().Addr()
	subnet := func(i int) (string, error) {
		a := base.As4()
		a[2] += byte(i)
		cidr := netip.PrefixFrom(netip.AddrFrom4(a), 24)
		if n.ExistingVpcCidr.Bits() > 24 {
			cidr = n.ExistingVpcCidr
		}
		s, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr.String()), AvailabilityZone: aws.String(Region + "a")})
		if err != nil {
			return "", fmt.Errorf("creating a subnet %s: %w", cidr, err)
		}
		return aws.ToString(s.Subnet.SubnetId), nil
	}
	sched, err := subnet(0)
	if err != nil {
		return err
	}
	*made = append(*made, StandIn{config.KeySchedulerSubnetId, n.SchedulerSubnetId, sched, "a subnet of that VPC with a route to its internet gateway"})
	out[config.KeySchedulerSubnetId] = sched
	worker := sched
	if n.WorkerSubnetId != "" && n.WorkerSubnetId != n.SchedulerSubnetId {
		if worker, err = subnet(1); err != nil {
			return err
		}
		note := "a subnet of that VPC with a route to its internet gateway"
		if n.WorkerPublicIp != nil && !*n.WorkerPublicIp {
			note = "a subnet of that VPC with a route to a NAT gateway"
		}
		*made = append(*made, StandIn{config.KeyWorkerSubnetId, n.WorkerSubnetId, worker, note})
		out[config.KeyWorkerSubnetId] = worker
	}
	igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	if err != nil {
		return fmt.Errorf("creating an internet gateway: %w", err)
	}
	if _, err := c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: aws.String(vpc)}); err != nil {
		return fmt.Errorf("attaching the internet gateway: %w", err)
	}
	table := func(subnet string, route ec2.CreateRouteInput) error {
		rt, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpc)})
		if err != nil {
			return fmt.Errorf("creating a route table: %w", err)
		}
		route.RouteTableId, route.DestinationCidrBlock = rt.RouteTable.RouteTableId, aws.String("0.0.0.0/0")
		if _, err := c.CreateRoute(ctx, &route); err != nil {
			return fmt.Errorf("creating a route: %w", err)
		}
		if _, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId, SubnetId: aws.String(subnet)}); err != nil {
			return fmt.Errorf("associating a route table: %w", err)
		}
		return nil
	}
	if err := table(sched, ec2.CreateRouteInput{GatewayId: igw.InternetGateway.InternetGatewayId}); err != nil {
		return err
	}
	if worker == sched {
		return nil
	}
	if n.WorkerPublicIp != nil && !*n.WorkerPublicIp {
		eip, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
		if err != nil {
			return fmt.Errorf("allocating an Elastic IP: %w", err)
		}
		nat, err := c.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(sched), AllocationId: eip.AllocationId})
		if err != nil {
			return fmt.Errorf("creating a NAT gateway: %w", err)
		}
		return table(worker, ec2.CreateRouteInput{NatGatewayId: nat.NatGateway.NatGatewayId})
	}
	return table(worker, ec2.CreateRouteInput{GatewayId: igw.InternetGateway.InternetGatewayId})
}

// ParseContextArgs turns "key=value" strings into a map (the last value of
// a repeated key wins, as in CDK).
func ParseContextArgs(kvs []string) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// partnerLoadBalancer creates the partner's side of an endpoint service: a
// VPC of its own (10.250.0.0/16) with a Network Load Balancer, which moto
// requires behind a service. Its ARN is returned. (The ELBv2 call is made
// by hand, in the Query protocol moto speaks, to keep the module's
// dependencies as they are.)
func partnerLoadBalancer(ctx context.Context, c *ec2.Client, endpoint string) (string, error) {
	vpc, err := createVpc(ctx, c, netip.MustParsePrefix("10.250.0.0/16"))
	if err != nil {
		return "", err
	}
	sn, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.250.0.0/24"), AvailabilityZone: aws.String(Region + "a")})
	if err != nil {
		return "", fmt.Errorf("creating the partner's subnet: %w", err)
	}
	form := url.Values{"Action": {"CreateLoadBalancer"}, "Version": {"2015-12-01"}, "Name": {"sandbox-partner"},
		"Type": {"network"}, "Scheme": {"internal"}, "Subnets.member.1": {aws.ToString(sn.Subnet.SubnetId)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/"+Region+"/elasticloadbalancing/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("creating the partner's load balancer: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`<LoadBalancerArn>([^<]+)</LoadBalancerArn>`).FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		return "", fmt.Errorf("creating the partner's load balancer: %s: %.300s", resp.Status, body)
	}
	return string(m[1]), nil
}
