// Package endpoints builds a network's VPC endpoints beside the topology:
// interface endpoints (PrivateLink) for AWS services and for endpoint
// services (a partner's such as Snowflake or Databricks, or your own), in
// the worker subnet of every AZ, behind one security group that admits only
// the cluster security group (or the sources endpointSources names); and the DynamoDB gateway endpoint on the
// route table of every subnet.
//
// It takes the VPC as an awsec2.IVpc and subnets as awsec2.ISubnet, so it
// works on a VPC this app creates as well as on an imported one.
package endpoints

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/outputkeys"
)

// Props are what New needs.
type Props struct {
	// Vpc is the network's VPC.
	Vpc awsec2.IVpc
	// WorkerSubnets are the worker subnets, one per AZ: every interface
	// endpoint gets a network interface in each.
	WorkerSubnets []awsec2.ISubnet
	// RouteTableSubnets are the subnets whose route tables get the DynamoDB
	// gateway endpoint: every subnet of the network (duplicates are
	// ignored).
	RouteTableSubnets []awsec2.ISubnet
	// ClusterSecurityGroup is the group of every cluster VM, the source
	// the endpoint security group admits by default (Options.EndpointSources).
	ClusterSecurityGroup awsec2.ISecurityGroup
	// Options are the validated endpoint options (defaults filled in).
	Options config.Endpoints
}

// Endpoint is one interface endpoint.
type Endpoint struct {
	// Service is the AWS service short name (ecr.api) or the endpoint
	// service name (com.amazonaws.vpce.<region>.vpce-svc-…).
	Service string
	// AwsService is true for an AWS service, false for an endpoint service.
	AwsService bool
	// Ports are the TCP ports the cluster may reach it on.
	Ports []uint16
	// PrivateDns says whether the endpoint's private DNS is on.
	PrivateDns bool
	// Endpoint is the CDK construct.
	Endpoint awsec2.InterfaceVpcEndpoint
}

// Endpoints are the VPC endpoints of a network.
type Endpoints struct {
	constructs.Construct
	// Interface are the interface endpoints: AWS services first (presets
	// expanded), then endpoint services, each in the order given.
	Interface []Endpoint
	// SecurityGroup is the interface endpoints' group; nil without any.
	SecurityGroup awsec2.SecurityGroup
	// DynamoDb is the DynamoDB gateway endpoint; nil unless asked for.
	DynamoDb awsec2.GatewayVpcEndpoint
}

// Wanted reports whether o asks for any endpoint, i.e. whether New would
// build anything.
func Wanted(o config.Endpoints) bool {
	return o.HasEndpoints() || (o.DynamoDbEndpoint != nil && *o.DynamoDbEndpoint)
}

// New builds the endpoints p.Options asks for under a construct id of
// scope.
func New(scope constructs.Construct, id string, p Props) *Endpoints {
	self := constructs.NewConstruct(scope, jsii.String(id))
	e := &Endpoints{Construct: self}
	o := p.Options

	for _, s := range o.InterfaceServices() {
		e.Interface = append(e.Interface, Endpoint{Service: s, AwsService: true, Ports: []uint16{443}, PrivateDns: true})
	}
	for _, s := range o.EndpointServices {
		e.Interface = append(e.Interface, Endpoint{Service: s.ServiceName, Ports: slices.Clone(s.Ports), PrivateDns: s.PrivateDns})
	}
	if len(e.Interface) > 0 {
		e.SecurityGroup = newSecurityGroup(self, p, e.Interface)
	}
	for i := range e.Interface {
		ep := &e.Interface[i]
		var service awsec2.IInterfaceVpcEndpointService
		if ep.AwsService {
			service = awsec2.NewInterfaceVpcEndpointAwsService(jsii.String(ep.Service), nil, nil, nil)
		} else {
			service = awsec2.NewInterfaceVpcEndpointService(jsii.String(ep.Service), jsii.Number(float64(ep.Ports[0])))
		}
		ep.Endpoint = awsec2.NewInterfaceVpcEndpoint(self, jsii.String(outputkeys.EndpointName(ep.Service)), &awsec2.InterfaceVpcEndpointProps{
			Vpc:               p.Vpc,
			Service:           service,
			Subnets:           &awsec2.SubnetSelection{Subnets: &p.WorkerSubnets},
			SecurityGroups:    &[]awsec2.ISecurityGroup{e.SecurityGroup},
			PrivateDnsEnabled: jsii.Bool(ep.PrivateDns),
			// Not open to the VPC's range: the security group admits the
			// cluster group alone.
			Open: jsii.Bool(false),
		})
	}

	if o.DynamoDbEndpoint != nil && *o.DynamoDbEndpoint {
		e.DynamoDb = awsec2.NewGatewayVpcEndpoint(self, jsii.String("DynamoDb"), &awsec2.GatewayVpcEndpointProps{
			Vpc:     p.Vpc,
			Service: awsec2.GatewayVpcEndpointAwsService_DYNAMODB(),
			Subnets: &[]*awsec2.SubnetSelection{{Subnets: distinct(p.RouteTableSubnets)}},
		})
	}
	return e
}

// newSecurityGroup is the one group of all interface endpoints: TCP on each
// port any endpoint uses, from the sources Options.EndpointSources names
// (by default the cluster security group only), one described rule per
// port and source; no egress (endpoints only answer).
func newSecurityGroup(scope constructs.Construct, p Props, eps []Endpoint) awsec2.SecurityGroup {
	description := "Coiled VPC endpoints: only the Coiled cluster security group reaches them"
	if !p.Options.EndpointSourcesDefault() {
		description = "Coiled VPC endpoints: reached from " + strings.Join(p.Options.EndpointSourceList(), ", ")
	}
	sg := awsec2.NewSecurityGroup(scope, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String(description),
		AllowAllOutbound: jsii.Bool(false),
	})
	var ports []uint16
	for _, ep := range eps {
		for _, port := range ep.Ports {
			if !slices.Contains(ports, port) {
				ports = append(ports, port)
			}
		}
	}
	slices.Sort(ports)
	type source struct {
		peer awsec2.IPeer
		who  string
	}
	var sources []source
	for _, s := range p.Options.EndpointSourceList() {
		switch s {
		case config.EndpointSourceCluster:
			sources = append(sources, source{p.ClusterSecurityGroup, "Coiled cluster VMs"})
		case config.EndpointSourceVpc:
			sources = append(sources, source{awsec2.Peer_Ipv4(p.Vpc.VpcCidrBlock()), "Hosts of the VPC range"})
		default:
			sources = append(sources, source{awsec2.SecurityGroup_FromSecurityGroupId(scope, jsii.String("Source"+s), jsii.String(s),
				&awsec2.SecurityGroupImportOptions{Mutable: jsii.Bool(false)}), "security group " + s})
		}
	}
	for _, src := range sources {
		for _, port := range ports {
			sg.AddIngressRule(src.peer, awsec2.Port_Tcp(jsii.Number(float64(port))),
				jsii.String(ruleDescription(src.who, port, eps)), jsii.Bool(false))
		}
	}
	return sg
}

// ruleDescription says who may reach port and which endpoints serve it,
// within the 255 characters EC2 allows.
func ruleDescription(who string, port uint16, eps []Endpoint) string {
	var names []string
	for _, ep := range eps {
		if slices.Contains(ep.Ports, port) {
			name := ep.Service
			if !ep.AwsService {
				name = name[strings.LastIndexByte(name, '.')+1:] // vpce-svc-…
			}
			names = append(names, name)
		}
	}
	d := fmt.Sprintf("%s to VPC endpoints on TCP %d: %s", who, port, strings.Join(names, " "))
	if len(d) > 255 {
		d = fmt.Sprintf("%s to %d VPC endpoints on TCP %d", who, len(names), port)
	}
	return d
}

// distinct returns subnets without repeats (the public topology's
// scheduler and worker subnet are one).
func distinct(subnets []awsec2.ISubnet) *[]awsec2.ISubnet {
	var out []awsec2.ISubnet
	seen := map[string]bool{}
	for _, s := range subnets {
		if addr := *s.Node().Addr(); !seen[addr] {
			seen[addr] = true
			out = append(out, s)
		}
	}
	return &out
}
