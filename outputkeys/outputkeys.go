// Package outputkeys names the CloudFormation outputs of a coilednet stack:
// the contract between the stack that produces them (package stacks, the
// CDK side) and the post-deploy hook that reads them (package stackoutputs).
// It imports neither CDK nor the AWS SDK, so both sides and users' own tools
// can share one set of names. Never rename a key: users' scripts read them.
package outputkeys

// The outputs every coilednet stack has; the hook requires all of them.
const (
	// NetworkID is Coiled's network_id: the VPC (vpc-…).
	NetworkID = "NetworkId"
	// SchedulerSubnetID is Coiled's scheduler_subnet_id (subnet-…).
	SchedulerSubnetID = "SchedulerSubnetId"
	// WorkerSubnetID is Coiled's worker_subnet_id (subnet-…; may equal
	// SchedulerSubnetID).
	WorkerSubnetID = "WorkerSubnetId"
	// SchedulerFirewallID is Coiled's scheduler_firewall_id: the scheduler
	// security group (sg-…).
	SchedulerFirewallID = "SchedulerFirewallId"
	// FirewallID is Coiled's firewall_id: the cluster security group (sg-…).
	FirewallID = "FirewallId"
	// GiveWorkersPublicIP is Coiled's give_workers_public_ip: "true" or
	// "false".
	GiveWorkersPublicIP = "GiveWorkersPublicIp"
	// Region is the stack's region, Coiled's aws_region_name.
	Region = "Region"
)

// ZonePrefix + index (Zone0, Zone1, …) is one output per AZ, valued
// "<az>,<scheduler subnet id>,<worker subnet id>", for coiled-hook --zone.
const ZonePrefix = "Zone"

// Required are the outputs every stack must have, in this order.
var Required = []string{NetworkID, SchedulerSubnetID, WorkerSubnetID, SchedulerFirewallID, FirewallID, GiveWorkersPublicIP, Region}

// Outputs of the IAM access (issue 9), present only when coiledAccess is not
// none. None of them is a secret.
const (
	// CoiledRoleArn is the role Coiled assumes (coiledAccess=role).
	CoiledRoleArn = "CoiledRoleArn"
	// CoiledExternalID is the external ID of that role's trust policy
	// (coiledAccess=role); an external ID is not a secret.
	CoiledExternalID = "CoiledExternalId"
	// CoiledAccessKeySecretArn is the Secrets Manager secret holding the
	// access key of the IAM user Coiled acts as (coiledAccess=user).
	CoiledAccessKeySecretArn = "CoiledAccessKeySecretArn"
	// InstanceRoleArn is the role cluster VMs run with.
	InstanceRoleArn = "InstanceRoleArn"
	// InstanceProfileArn is that role's instance profile.
	InstanceProfileArn = "InstanceProfileArn"
	// LogGroupName is the workspace's CloudWatch log group.
	LogGroupName = "LogGroupName"
)

// Outputs of the PrivateLink endpoints (issue 11), present only when
// interfaceEndpoints, endpointServices or dynamoDbEndpoint ask for them.
const (
	// EndpointSecurityGroupID is the security group of the interface
	// endpoints (sg-…): it admits only the cluster security group.
	EndpointSecurityGroupID = "EndpointSecurityGroupId"
	// DynamoDbEndpointID is the DynamoDB gateway endpoint (vpce-…).
	DynamoDbEndpointID = "DynamoDbEndpointId"
	// EndpointPrefix starts the outputs of one interface endpoint:
	// EndpointID and EndpointDNSEntries name them.
	EndpointPrefix = "Endpoint"
)

// The JSON shape of the CoiledAccessKeySecretArn secret's SecretString (issue
// 9, user stacks): {"accessKeyId": "AKIA…", "secretAccessKey": "…"}, the
// access key of the IAM user Coiled acts as. The stack writes it (through
// CloudFormation, never into the template); coiled-hook reads it. Other
// fields are ignored.
const (
	SecretFieldAccessKeyID     = "accessKeyId"
	SecretFieldSecretAccessKey = "secretAccessKey"
)

// Outputs of the egress firewall (issue 13), present only when
// egressFirewall is network-firewall. The hook does not read them.
const (
	// EgressFirewallArn is the AWS Network Firewall's ARN.
	EgressFirewallArn = "EgressFirewallArn"
	// EgressFirewallAlertLogs is where dropped connections are logged: the
	// alert log group's name (firewallLogs=cloudwatch) or s3://bucket/alert/
	// (firewallLogs=s3).
	EgressFirewallAlertLogs = "EgressFirewallAlertLogs"
)

// Outputs of private connectivity (issue 10), present only when used.
const (
	// SchedulerPublicIP is "false" when the scheduler runs in a private
	// subnet (topology internal): Dask clients must reach its private IP
	// and set coiled.use_scheduler_public_ip to False. Absent means "true".
	SchedulerPublicIP = "SchedulerPublicIp"
	// TransitGatewayAttachmentID is the VPC's Transit Gateway attachment
	// (tgw-attach-…).
	TransitGatewayAttachmentID = "TransitGatewayAttachmentId"
	// WorkerEgress says how workers without public IP reach the internet
	// when it is not a NAT: "transitGateway" (egress=transitGateway) or
	// "existing" (an existing VPC's own routes), or through the VPC's one
	// regional NAT gateway: WorkerEgressRegionalNat (natProvider=regional).
	// Absent means a zonal NAT.
	WorkerEgress = "WorkerEgress"
	// WorkerEgressRegionalNat is WorkerEgress's value for natProvider=regional.
	WorkerEgressRegionalNat = "regionalNat"
	// PeeringConnectionIDs are the VPC peering connections (pcx-…),
	// comma-separated, in the order of peerVpcs.
	PeeringConnectionIDs = "PeeringConnectionIds"
)
