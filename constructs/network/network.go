// Package network holds CoiledNetwork, a CDK construct that builds one of
// Coiled's reference networks (see config.Topology) in an AWS account: the
// VPC, its subnets and routes, the NAT where workers are private, and the two
// security groups Coiled attaches to scheduler and workers; or, with an
// existing VPC, only the security groups.
//
// The construct is independent of the coilednet app: any Go CDK app can build
// one and hand its IDs to Coiled.
package network

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/constructs/connectivity"
	"github.com/coilednet/coilednet/constructs/endpoints"
	"github.com/coilednet/coilednet/constructs/firewall"
)

// ZoneSubnets is the scheduler and worker subnet of one Availability Zone.
// In the public topology both are the same subnet.
type ZoneSubnets struct {
	// AvailabilityZone is the AZ's name; a token resolved at deploy time
	// when the stack does not name its AZs.
	AvailabilityZone *string
	// SchedulerSubnet is the subnet the scheduler runs in: the public one,
	// or the private one in the internal topology.
	SchedulerSubnet awsec2.ISubnet
	// WorkerSubnet is the subnet the workers run in.
	WorkerSubnet awsec2.ISubnet
}

// CoiledNetwork is a Coiled-ready network. Build it with NewCoiledNetwork.
type CoiledNetwork struct {
	constructs.Construct

	// Props are the validated props the network was built from, defaults
	// filled in.
	Props config.Network
	// Vpc is the network's VPC: an awsec2.Vpc when the construct builds
	// it, an imported one with Props.ExistingVpcId.
	Vpc awsec2.IVpc
	// Zones lists the scheduler/worker subnet pair of every AZ, in the
	// order of the VPC's AZs; empty with an existing VPC (whose subnets'
	// AZs synth does not know).
	Zones []ZoneSubnets
	// SchedulerSubnet is the subnet handed to Coiled for the scheduler (the
	// one of the AZ chosen by Props.Zone).
	SchedulerSubnet awsec2.ISubnet
	// WorkerSubnet is the subnet handed to Coiled for the workers (the same
	// as SchedulerSubnet in the public topology).
	WorkerSubnet awsec2.ISubnet
	// SchedulerSecurityGroup lets clients reach the scheduler ports
	// (Coiled's scheduler_firewall_id).
	SchedulerSecurityGroup awsec2.SecurityGroup
	// ClusterSecurityGroup lets every VM of a cluster reach every other
	// (Coiled's firewall_id).
	ClusterSecurityGroup awsec2.SecurityGroup
	// GiveWorkersPublicIp is what Coiled must be told: true in the public
	// topology, false in the private and internal ones, WorkerPublicIp
	// with an existing VPC.
	GiveWorkersPublicIp bool
	// SchedulerPublicIp is false when the scheduler runs in a private
	// subnet (topology internal): clients must then reach its private IP
	// and set coiled.use_scheduler_public_ip to False.
	SchedulerPublicIp bool
	// Connectivity holds the Transit Gateway attachment, its routes and the
	// VPC peerings; nil when the options ask for none.
	Connectivity *connectivity.Connectivity
	// Endpoints are the VPC endpoints beside the S3 gateway endpoint
	// (interface endpoints, DynamoDB gateway); nil when none is asked for.
	Endpoints *endpoints.Endpoints
	// Firewall is the egress firewall (egressFirewall=network-firewall), or nil.
	Firewall *firewall.EgressFirewall
}

// NewCoiledNetwork validates props (nil means all defaults) and builds the
// network under scope. It returns an error, naming the offending option,
// before any construct is created when props are invalid.
func NewCoiledNetwork(scope constructs.Construct, id string, props *config.Network) (*CoiledNetwork, error) {
	var p config.Network
	if props != nil {
		p = *props
	}
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("CoiledNetwork %q: %w", id, err)
	}

	// Children hang off n.Construct itself: jsii must see the proxy it
	// created, not the Go struct that embeds it.
	self := constructs.NewConstruct(scope, jsii.String(id))
	n := &CoiledNetwork{
		Construct:           self,
		Props:               p,
		GiveWorkersPublicIp: p.Topology == config.TopologyPublic,
		SchedulerPublicIp:   p.Topology != config.TopologyInternal,
	}
	var vpc awsec2.Vpc
	if p.ExistingVpcId != "" {
		n.importVpc(self, p)
	} else {
		vpc = newVpc(self, p)
		n.Vpc = vpc
		n.Zones = zones(vpc, p)
		chosen := n.Zones[p.ZoneIndex()]
		n.SchedulerSubnet, n.WorkerSubnet = chosen.SchedulerSubnet, chosen.WorkerSubnet
	}
	n.SchedulerSecurityGroup = newSchedulerSecurityGroup(self, n.Vpc, p)
	n.ClusterSecurityGroup = newClusterSecurityGroup(self, n.Vpc)
	n.composeConnectivity(self)
	n.composeFirewall(self)
	n.composeEndpoints(self)
	if vpc != nil {
		addFlowLogs(self, vpc, p)
	}
	suppressFindings(n, p)
	lintFindings(n, p)
	for _, w := range p.Warnings() {
		awscdk.Annotations_Of(self).AddWarningV2(jsii.String("coilednet:"+w.ID), jsii.String(w.Message), nil)
	}
	return n, nil
}

// Subnet group names; they are part of the resources' logical IDs, so
// changing them replaces the subnets.
const (
	publicGroup  = "Public"
	privateGroup = "Private"
)

func newVpc(scope constructs.Construct, p config.Network) awsec2.Vpc {
	props := &awsec2.VpcProps{
		IpAddresses:                  awsec2.IpAddresses_Cidr(jsii.String(p.VpcCidr.String())),
		EnableDnsSupport:             jsii.Bool(true),
		EnableDnsHostnames:           jsii.Bool(true),
		CreateInternetGateway:        jsii.Bool(p.HasInternetGateway()),
		RestrictDefaultSecurityGroup: p.RestrictDefaultSecurityGroup,
		// Every subnet group reserves config.ReservedAzs slots, so adding
		// an AZ later fills a reserved slot and never moves a subnet.
		ReservedAzs: jsii.Number(float64(config.ReservedAzs - p.Azs)),
	}
	if len(p.AvailabilityZones) > 0 {
		props.AvailabilityZones = jsii.Strings(p.AvailabilityZones...)
	} else {
		props.MaxAzs = jsii.Number(float64(p.Azs))
	}
	// No CidrMask: the VPC range is split evenly between the groups' slots
	// (a /20 per subnet for private, a /19 for public, with a /16).
	public := &awsec2.SubnetConfiguration{
		Name:                jsii.String(publicGroup),
		SubnetType:          awsec2.SubnetType_PUBLIC,
		MapPublicIpOnLaunch: jsii.Bool(true),
	}
	switch {
	case p.Topology == config.TopologyPublic:
		props.SubnetConfiguration = &[]*awsec2.SubnetConfiguration{public}
		props.NatGateways = jsii.Number(0)
	case p.Egress == config.EgressTransitGateway:
		// No NAT: the private subnets' 0.0.0.0/0 goes to the Transit
		// Gateway (constructs/connectivity). CDK calls such subnets
		// isolated; the group keeps its name, and so its logical IDs.
		isolated := &awsec2.SubnetConfiguration{
			Name:       jsii.String(privateGroup),
			SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED,
		}
		props.SubnetConfiguration = &[]*awsec2.SubnetConfiguration{public, isolated}
		if p.Topology == config.TopologyInternal {
			// No public subnet and no internet gateway at all.
			props.SubnetConfiguration = &[]*awsec2.SubnetConfiguration{isolated}
		}
		props.NatGateways = jsii.Number(0)
	default: // private or internal, egress through a NAT
		props.SubnetConfiguration = &[]*awsec2.SubnetConfiguration{public, {
			Name:       jsii.String(privateGroup),
			SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS,
		}}
		if !p.NeedsPublicSubnets() {
			// internal with a regional NAT gateway: no public subnet at all
			// (regional.go). The group stays, reserved, so the private
			// subnets keep the addresses of internal with zonal NATs.
			public.Reserved = jsii.Bool(true)
		}
		if p.NatGateways > 0 {
			props.NatGateways = jsii.Number(float64(p.NatGateways))
		}
		props.NatGatewayProvider = natProvider(p)
	}
	if *p.S3Endpoint {
		// A gateway endpoint is free and keeps S3 traffic off the NAT. With
		// no Subnets given it joins the route table of every subnet.
		props.GatewayEndpoints = &map[string]*awsec2.GatewayVpcEndpointOptions{
			"S3": {Service: awsec2.GatewayVpcEndpointAwsService_S3()},
		}
	}
	vpc := awsec2.NewVpc(scope, jsii.String("Vpc"), props)
	if p.NatProvider == config.NatInstance {
		restrictNatInstances(vpc, props.NatGatewayProvider.(awsec2.NatInstanceProviderV2), p)
	}
	if p.Regional() {
		awaitInternetGateway(vpc)
	}
	return vpc
}

// zones pairs each AZ's scheduler and worker subnet: the public subnet
// for both in public; the public and the private one in private; the
// private one for both in internal.
func zones(vpc awsec2.Vpc, p config.Network) []ZoneSubnets {
	public := *vpc.PublicSubnets()
	if p.Topology == config.TopologyPublic {
		out := make([]ZoneSubnets, len(public))
		for i, s := range public {
			out[i] = ZoneSubnets{AvailabilityZone: s.AvailabilityZone(), SchedulerSubnet: s, WorkerSubnet: s}
		}
		return out
	}
	private := *vpc.PrivateSubnets()
	if p.Egress == config.EgressTransitGateway {
		private = *vpc.IsolatedSubnets()
	}
	out := make([]ZoneSubnets, len(private))
	for i, s := range private {
		out[i] = ZoneSubnets{AvailabilityZone: s.AvailabilityZone(), SchedulerSubnet: s, WorkerSubnet: s}
		if p.Topology == config.TopologyPrivate {
			out[i].SchedulerSubnet = public[i]
		}
	}
	return out
}

// importVpc refers to the existing VPC and subnets of p (no lookup: synth
// stays offline) instead of building them.
func (n *CoiledNetwork) importVpc(scope constructs.Construct, p config.Network) {
	n.Vpc = awsec2.Vpc_FromVpcAttributes(scope, jsii.String("ExistingVpc"), &awsec2.VpcAttributes{
		VpcId:             jsii.String(p.ExistingVpcId),
		VpcCidrBlock:      jsii.String(p.ExistingVpcCidr.String()),
		AvailabilityZones: awscdk.Stack_Of(scope).AvailabilityZones(),
	})
	n.SchedulerSubnet = awsec2.Subnet_FromSubnetAttributes(scope, jsii.String("ExistingSchedulerSubnet"), &awsec2.SubnetAttributes{
		SubnetId: jsii.String(p.SchedulerSubnetId),
	})
	n.WorkerSubnet = n.SchedulerSubnet
	if p.WorkerSubnetId != p.SchedulerSubnetId {
		n.WorkerSubnet = awsec2.Subnet_FromSubnetAttributes(scope, jsii.String("ExistingWorkerSubnet"), &awsec2.SubnetAttributes{
			SubnetId: jsii.String(p.WorkerSubnetId),
		})
	}
	n.GiveWorkersPublicIp = *p.WorkerPublicIp
	// CDK warns that an imported subnet without routeTableId has no route
	// table ID to read; nothing here reads one (the stack builds no route in
	// an existing VPC), so that warning says nothing to the user.
	awscdk.Annotations_Of(scope).AcknowledgeWarning(jsii.String("@aws-cdk/aws-ec2:noSubnetRouteTableId"),
		jsii.String("coilednet builds no route in an existing VPC and reads no route table of its subnets"))
}

func newSchedulerSecurityGroup(scope constructs.Construct, vpc awsec2.IVpc, p config.Network) awsec2.SecurityGroup {
	sg := awsec2.NewSecurityGroup(scope, jsii.String("SchedulerSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("Coiled scheduler: clients reach the scheduler and dashboard ports"),
		AllowAllOutbound: jsii.Bool(true),
	})
	for _, port := range p.SchedulerPorts {
		for _, cidr := range p.ClientCidrs {
			var peer awsec2.IPeer
			if cidr.Addr().Is6() {
				peer = awsec2.Peer_Ipv6(jsii.String(cidr.String()))
			} else {
				peer = awsec2.Peer_Ipv4(jsii.String(cidr.String()))
			}
			sg.AddIngressRule(peer, awsec2.Port_Tcp(jsii.Number(float64(port))),
				jsii.String(fmt.Sprintf("Coiled clients from %s to scheduler port %d", cidr, port)), jsii.Bool(false))
		}
		for _, pl := range p.ClientPrefixListIds {
			sg.AddIngressRule(awsec2.Peer_PrefixList(jsii.String(pl)), awsec2.Port_Tcp(jsii.Number(float64(port))),
				jsii.String(fmt.Sprintf("Coiled clients in prefix list %s to scheduler port %d", pl, port)), jsii.Bool(false))
		}
	}
	return sg
}

func newClusterSecurityGroup(scope constructs.Construct, vpc awsec2.IVpc) awsec2.SecurityGroup {
	sg := awsec2.NewSecurityGroup(scope, jsii.String("ClusterSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("Coiled cluster: scheduler and workers reach each other on any port"),
		AllowAllOutbound: jsii.Bool(true),
	})
	sg.AddIngressRule(sg, awsec2.Port_AllTraffic(),
		jsii.String("Coiled cluster members: workers listen on random ports and the scheduler connects back"), jsii.Bool(false))
	return sg
}
