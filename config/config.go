// Package config holds coilednet's options: their types, their defaults and
// their validation. It is plain Go (no CDK, no jsii), so the app can parse and
// check every option before a single construct is built, and so that other
// tools can reuse the same rules.
//
// There are two entry points:
//
//   - FromContext turns the CDK context (cdk.json defaults, `-c key=value`
//     overrides) into an App, rejecting malformed values with an error that
//     names the key, the bad value and what is accepted.
//   - Network.Validate checks a Network built in Go (the construct calls it),
//     so that a caller who skips the context path gets the same checks.
package config

import "net/netip"

// Topology selects one of the Coiled reference networks.
type Topology string

const (
	// TopologyPublic is one public subnet per AZ shared by scheduler and
	// workers; every VM gets a public IPv4 address.
	TopologyPublic Topology = "public"
	// TopologyPrivate puts the scheduler in a public subnet and the workers
	// in a private subnet whose default route goes to a NAT; workers get no
	// public IP.
	TopologyPrivate Topology = "private"
	// TopologyInternal puts the scheduler and the workers in private
	// subnets: no Coiled VM has a public IP, clients reach the scheduler's
	// private IP (VPN, Direct Connect, Transit Gateway, peering). Egress
	// chooses how the subnets reach the internet.
	TopologyInternal Topology = "internal"
)

// NatProvider chooses what gives the private workers their way out.
type NatProvider string

const (
	// NatGateway is the managed AWS NAT gateway: scales to 100 Gbps and
	// fails over inside its AZ, $0.045/h plus $0.045/GB processed.
	NatGateway NatProvider = "gateway"
	// NatInstance is a small EC2 instance (t4g.nano, ARM) doing NAT: about
	// $30/month cheaper per NAT, but its throughput is that of the instance
	// and nothing replaces it if it fails.
	NatInstance NatProvider = "instance"
	// NatRegional is one regional NAT gateway for the whole VPC
	// (AvailabilityMode regional, automatic mode): it needs no public
	// subnet and follows the workloads into the AZs where they run; AWS
	// bills it per AZ where it is active ($0.045/h each) plus $0.045/GB.
	NatRegional NatProvider = "regional"
)

// FlowLogs chooses where VPC flow logs go.
type FlowLogs string

const (
	// FlowLogsOff records no flow logs (no cost).
	FlowLogsOff FlowLogs = "off"
	// FlowLogsCloudWatch sends flow logs to a CloudWatch Logs group kept
	// FlowLogsRetentionDays days.
	FlowLogsCloudWatch FlowLogs = "cloudwatch"
	// FlowLogsS3 sends flow logs to an encrypted S3 bucket whose objects
	// expire after FlowLogsRetentionDays days.
	FlowLogsS3 FlowLogs = "s3"
)

// NatInstanceType is the instance type of NAT instances: the smallest ARM
// (Graviton) type, enough for a few hundred Mbit/s.
const NatInstanceType = "t4g.nano"

// NatInstanceVolumeGiB is the size of a NAT instance's encrypted gp3 root
// volume (the size of the Amazon Linux 2023 AMI's snapshot).
const NatInstanceVolumeGiB = 8

// FlowLogsRetentionDays is how long flow logs are kept, in CloudWatch and S3
// alike.
const FlowLogsRetentionDays = 30

// Limits of the options.
const (
	// MinVpcPrefix and MaxVpcPrefix bound the VPC CIDR's prefix length.
	MinVpcPrefix = 16
	MaxVpcPrefix = 24
	// ReservedAzs is how many AZ slots the subnet layout reserves, so that
	// adding an AZ later never moves an existing subnet. With the default
	// /16 every subnet is a /20.
	ReservedAzs = 6
	// MaxAzsWithoutNames is how many AZs an environment-agnostic stack can
	// see (CloudFormation's Fn::GetAZs is resolved for two).
	MaxAzsWithoutNames = 2
)

// Network is the validated description of a Coiled network: the props of
// the CoiledNetwork construct. The zero value of every field means its
// default; call WithDefaults to fill them in.
type Network struct {
	// Topology selects the reference network.
	//
	// Default: TopologyPublic.
	Topology Topology

	// VpcCidr is the VPC's IPv4 range, a prefix from /16 to /24 without host
	// bits. It is split into ReservedAzs slots per subnet group: with /16,
	// each subnet is a /20 (4,091 usable addresses) in `private` and a /19
	// in `public`.
	//
	// Default: 10.0.0.0/16.
	VpcCidr netip.Prefix

	// ClientCidrs are the IPv4 or IPv6 ranges allowed to reach the
	// scheduler ports. The default opens the scheduler to the whole
	// internet (Coiled's own default; the scheduler still requires TLS and
	// a token): the app prints a warning that says how to restrict it.
	//
	// Default: AutoClientCidrs (0.0.0.0/0 for the public and private
	// topologies; the VPC's own range and the routed ranges for internal).
	ClientCidrs []netip.Prefix

	// ClientPrefixListIds are managed prefix lists (pl-…) allowed to reach
	// the scheduler ports, in addition to ClientCidrs.
	//
	// Default: none.
	ClientPrefixListIds []string

	// SchedulerPorts are the TCP ports the scheduler accepts clients on.
	// Current Coiled clusters serve scheduler and dashboard on 443; older
	// ones use 8786 (scheduler) and 8787 (dashboard).
	//
	// Default: 443, 8786, 8787.
	SchedulerPorts []uint16

	// RestrictDefaultSecurityGroup removes all rules from the VPC's default
	// security group (CDK's custom resource, a small Lambda).
	//
	// Default: true.
	RestrictDefaultSecurityGroup *bool

	// S3Endpoint adds a free S3 gateway endpoint to every route table, so
	// S3 traffic bypasses the NAT ($0.045/GB saved in `private`).
	//
	// Default: true.
	S3Endpoint *bool

	// NatProvider chooses the NAT of the `private` topology. Only valid with
	// TopologyPrivate.
	//
	// Default: NatGateway.
	NatProvider NatProvider

	// NatGateways is how many NATs the `private` topology creates, 1 to
	// Azs. Fewer NATs than AZs send the other AZs' traffic across zones
	// ($0.01/GB each way). 0 means one per AZ. Only valid with
	// TopologyPrivate.
	//
	// Default: 0 (one per AZ).
	NatGateways int

	// Azs is how many Availability Zones get a scheduler and a worker
	// subnet, 1 to ReservedAzs. More than MaxAzsWithoutNames needs
	// AvailabilityZones, because an environment-agnostic stack sees only
	// two AZs.
	//
	// Default: len(AvailabilityZones) if set, else 1.
	Azs int

	// AvailabilityZones names the AZs to use (e.g. us-east-2a), all in one
	// region. When empty the stack uses the first Azs zones of its region.
	//
	// Default: none (Fn::GetAZs).
	AvailabilityZones []string

	// Zone picks the AZ whose subnets are handed to Coiled: an index into
	// the AZ list ("0" is the first) or, when AvailabilityZones is set, an
	// AZ name.
	//
	// Default: "0".
	Zone string

	// FlowLogs chooses where VPC flow logs go.
	//
	// Default: FlowLogsOff.
	FlowLogs FlowLogs

	// Connectivity connects the network privately (connectivity.go).
	Connectivity
	// Endpoints are its VPC endpoints (endpoints.go).
	Endpoints
	// EgressControl is its egress firewall (egress.go).
	EgressControl
}

// App is the whole configuration of the coilednet CDK app.
type App struct {
	// StackName is the CloudFormation stack name.
	//
	// Default: CoiledNetwork.
	StackName string

	// Network describes the network the stack builds.
	Network Network

	// Access is the IAM identity Coiled acts as (access.go).
	Access Access

	// AcknowledgeWarnings are IDs of warnings (Warning.ID, one of
	// WarningIDs) the user accepts: the stack acknowledges them with CDK's
	// Annotations.acknowledgeWarning, so synth no longer prints them
	// (context key acknowledgeWarnings, app.go).
	//
	// Default: none.
	AcknowledgeWarnings []string
}

// Default values, in one place; cdk.json and the README repeat them and a
// test keeps them equal.
const (
	DefaultStackName   = "CoiledNetwork"
	DefaultTopology    = TopologyPublic
	DefaultVpcCidr     = "10.0.0.0/16"
	DefaultClientCidr  = "0.0.0.0/0"
	DefaultNatProvider = NatGateway
	DefaultFlowLogs    = FlowLogsOff
	DefaultZone        = "0"
)

// DefaultSchedulerPorts are the scheduler ports used when none are given.
func DefaultSchedulerPorts() []uint16 { return []uint16{443, 8786, 8787} }

// Bool returns a pointer to b, for the *bool fields of Network.
func Bool(b bool) *bool { return &b }
