// Package firewall holds EgressFirewall, a CDK construct that puts an AWS
// Network Firewall between a VPC's NAT subnets and its internet gateway, in
// AWS's "NAT gateway + Network Firewall" architecture, per AZ:
//
//   - a /28 firewall subnet (config.FirewallSubnets), whose 0.0.0.0/0 goes
//     to the internet gateway;
//   - the NAT subnet's 0.0.0.0/0 goes to that AZ's firewall endpoint
//     (instead of the internet gateway);
//   - an internet-gateway edge route table sends the NAT subnet's range
//     back through the same endpoint, so both directions of every flow are
//     inspected by one endpoint.
//
// The policy evaluates stateful rules in strict order: Dask clients may
// reach the scheduler ports, UDP and ICMP egress is dropped, TLS (by SNI)
// and HTTP (by Host) to the allowed domains pass, and every other packet of
// an established connection is dropped and logged (aws:drop_established,
// aws:alert_established). Alert and flow logs go to CloudWatch Logs or S3.
//
// The construct knows nothing of Coiled's topologies: it takes the subnets
// whose egress it inspects (those holding the NATs) as props.
package firewall

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsnetworkfirewall"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/coilednet/coilednet/config"
)

// Props are what EgressFirewall needs.
type Props struct {
	// Vpc is the VPC; it must have an internet gateway.
	Vpc awsec2.Vpc
	// NatSubnets are the subnets whose internet traffic the firewall
	// inspects, one per AZ, in the VPC's AZ order: the public subnets that
	// hold the NATs (and, in the private topology, the scheduler).
	NatSubnets []awsec2.ISubnet
	// Network are the validated options (defaults filled in): the VPC
	// range, the AZ names, the firewall subnets' layout, the allowlist and
	// the log destination.
	Network config.Network
	// SchedulerPorts are TCP ports that clients on the internet may reach
	// in the NAT subnets (the scheduler's); none when no scheduler lives
	// there.
	SchedulerPorts []uint16
	// Name prefixes the firewall's, policy's and rule groups' names, which
	// must be unique in the account and region (e.g. the stack name).
	Name string
}

// EgressFirewall is the firewall and what routes through it.
type EgressFirewall struct {
	constructs.Construct

	// Firewall is the AWS Network Firewall.
	Firewall awsnetworkfirewall.CfnFirewall
	// Policy is its firewall policy.
	Policy awsnetworkfirewall.CfnFirewallPolicy
	// AllowList is the domain-list rule group (TLS SNI and HTTP Host).
	AllowList awsnetworkfirewall.CfnRuleGroup
	// BaseRules is the Suricata rule group evaluated first: client access
	// to the scheduler ports, no UDP or ICMP egress.
	BaseRules awsnetworkfirewall.CfnRuleGroup
	// Subnets are the firewall subnets, one per AZ, in NatSubnets' order.
	Subnets []awsec2.CfnSubnet
	// EndpointIds are the firewall endpoints (vpce-…), one per AZ, in
	// NatSubnets' order: tokens resolved at deploy time.
	EndpointIds []*string
	// EdgeRouteTable is the internet gateway's route table.
	EdgeRouteTable awsec2.CfnRouteTable
	// Logging is the firewall's logging configuration.
	Logging awsnetworkfirewall.CfnLoggingConfiguration
	// LogGroups are the alert and flow log groups (FirewallLogsCloudWatch).
	LogGroups []awslogs.LogGroup
	// LogBucket is the log bucket (FirewallLogsS3).
	LogBucket awss3.Bucket
}

// Stateful default actions: drop, and log, every packet of an established
// connection that no rule passed. Packets that set up a connection (the
// TCP handshake) pass, so that the TLS ClientHello or HTTP request that
// names the domain reaches the rules at all.
var StatefulDefaultActions = []string{"aws:drop_established", "aws:alert_established"}

// Rule group capacities; fixed when a group is created, so they leave room.
const (
	allowListCapacity = 4 * config.MaxAllowedDomains // 2 target types, with headroom
	baseRulesCapacity = 10
)

// New builds the firewall. props.Network must have passed Validate with the
// firewall on; props.NatSubnets must be one per AZ.
func New(scope constructs.Construct, id string, props Props) *EgressFirewall {
	self := constructs.NewConstruct(scope, jsii.String(id))
	f := &EgressFirewall{Construct: self}
	n := props.Network
	vpc := props.Vpc
	home := n.VpcCidr.String()

	// Firewall subnets and their routes to the internet gateway.
	for i, nat := range props.NatSubnets {
		cidr := n.ExtraSubnetCidr(config.FirewallSubnets, i)
		sn := awsec2.NewCfnSubnet(self, jsii.String(fmt.Sprintf("Subnet%d", i+1)), &awsec2.CfnSubnetProps{
			VpcId:               vpc.VpcId(),
			CidrBlock:           jsii.String(cidr.String()),
			AvailabilityZone:    nat.AvailabilityZone(),
			MapPublicIpOnLaunch: jsii.Bool(false),
			Tags:                &[]*awscdk.CfnTag{{Key: jsii.String("Name"), Value: jsii.String(fmt.Sprintf("%s/Subnet%d", *self.Node().Path(), i+1))}},
		})
		if len(n.AvailabilityZones) > 0 {
			// W3010: the user named the AZs (availabilityZones) on purpose.
			ignoreLint(sn, "W3010")
		}
		rt := awsec2.NewCfnRouteTable(self, jsii.String(fmt.Sprintf("Subnet%dRouteTable", i+1)), &awsec2.CfnRouteTableProps{
			VpcId: vpc.VpcId(),
			Tags:  &[]*awscdk.CfnTag{{Key: jsii.String("Name"), Value: jsii.String(fmt.Sprintf("%s/Subnet%d", *self.Node().Path(), i+1))}},
		})
		awsec2.NewCfnSubnetRouteTableAssociation(self, jsii.String(fmt.Sprintf("Subnet%dRouteTableAssociation", i+1)), &awsec2.CfnSubnetRouteTableAssociationProps{
			SubnetId:     sn.Ref(),
			RouteTableId: rt.Ref(),
		})
		route := awsec2.NewCfnRoute(self, jsii.String(fmt.Sprintf("Subnet%dDefaultRoute", i+1)), &awsec2.CfnRouteProps{
			RouteTableId:         rt.Ref(),
			DestinationCidrBlock: jsii.String("0.0.0.0/0"),
			GatewayId:            vpc.InternetGatewayId(),
		})
		route.Node().AddDependency(attachment(vpc))
		f.Subnets = append(f.Subnets, sn)
	}

	f.BaseRules = newBaseRules(self, props, home)
	f.AllowList = newAllowList(self, props, home)
	f.Policy = awsnetworkfirewall.NewCfnFirewallPolicy(self, jsii.String("Policy"), &awsnetworkfirewall.CfnFirewallPolicyProps{
		FirewallPolicyName: jsii.String(name(props.Name, "-egress")),
		Description:        jsii.String("coilednet egress: scheduler ports in, allowed domains out, everything else dropped and logged"),
		FirewallPolicy: &awsnetworkfirewall.CfnFirewallPolicy_FirewallPolicyProperty{
			StatelessDefaultActions:         jsii.Strings("aws:forward_to_sfe"),
			StatelessFragmentDefaultActions: jsii.Strings("aws:forward_to_sfe"),
			StatefulEngineOptions: &awsnetworkfirewall.CfnFirewallPolicy_StatefulEngineOptionsProperty{
				RuleOrder: jsii.String("STRICT_ORDER"),
			},
			StatefulDefaultActions: jsii.Strings(StatefulDefaultActions...),
			StatefulRuleGroupReferences: &[]any{
				&awsnetworkfirewall.CfnFirewallPolicy_StatefulRuleGroupReferenceProperty{ResourceArn: f.BaseRules.AttrRuleGroupArn(), Priority: jsii.Number(10)},
				&awsnetworkfirewall.CfnFirewallPolicy_StatefulRuleGroupReferenceProperty{ResourceArn: f.AllowList.AttrRuleGroupArn(), Priority: jsii.Number(20)},
			},
			PolicyVariables: &awsnetworkfirewall.CfnFirewallPolicy_PolicyVariablesProperty{
				RuleVariables: map[string]any{"HOME_NET": &awsnetworkfirewall.CfnFirewallPolicy_IPSetProperty{Definition: jsii.Strings(home)}},
			},
		},
	})

	mappings := make([]any, len(f.Subnets))
	for i, sn := range f.Subnets {
		mappings[i] = &awsnetworkfirewall.CfnFirewall_SubnetMappingProperty{SubnetId: sn.Ref()}
	}
	f.Firewall = awsnetworkfirewall.NewCfnFirewall(self, jsii.String("Firewall"), &awsnetworkfirewall.CfnFirewallProps{
		FirewallName:      jsii.String(name(props.Name, "-egress")),
		Description:       jsii.String("coilednet egress firewall between the NAT subnets and the internet gateway"),
		FirewallPolicyArn: f.Policy.AttrFirewallPolicyArn(),
		VpcId:             vpc.VpcId(),
		SubnetMappings:    &mappings,
	})

	// Routes through the endpoints, per AZ.
	f.EdgeRouteTable = awsec2.NewCfnRouteTable(self, jsii.String("EdgeRouteTable"), &awsec2.CfnRouteTableProps{
		VpcId: vpc.VpcId(),
		Tags:  &[]*awscdk.CfnTag{{Key: jsii.String("Name"), Value: jsii.String(*self.Node().Path() + "/EdgeRouteTable")}},
	})
	edge := awsec2.NewCfnGatewayRouteTableAssociation(self, jsii.String("EdgeRouteTableAssociation"), &awsec2.CfnGatewayRouteTableAssociationProps{
		GatewayId:    vpc.InternetGatewayId(),
		RouteTableId: f.EdgeRouteTable.Ref(),
	})
	edge.Node().AddDependency(attachment(vpc))
	for i, nat := range props.NatSubnets {
		var az string
		if len(n.AvailabilityZones) > 0 {
			az = n.AvailabilityZones[i]
		}
		endpoint := EndpointFor(f.Firewall.AttrEndpointIds(), az, len(props.NatSubnets))
		f.EndpointIds = append(f.EndpointIds, endpoint)
		routeNatSubnet(self, nat, i, endpoint)
		awsec2.NewCfnRoute(self, jsii.String(fmt.Sprintf("EdgeRouteToNatSubnet%d", i+1)), &awsec2.CfnRouteProps{
			RouteTableId:         f.EdgeRouteTable.Ref(),
			DestinationCidrBlock: nat.Ipv4CidrBlock(),
			VpcEndpointId:        endpoint,
		})
	}

	f.addLogging(self, props)
	return f
}

// attachment returns the VPC's internet gateway attachment, which a route
// to the gateway (or the gateway's route table association) must wait for.
func attachment(vpc awsec2.Vpc) awscdk.CfnResource {
	return vpc.Node().FindChild(jsii.String("VPCGW")).(awscdk.CfnResource)
}

// EndpointFor returns the ID of the firewall endpoint in AZ az out of
// endpointIds, the firewall's EndpointIds attribute: a list of
// "az:vpce-…" strings in no guaranteed order. It joins the list into
// ",az1:vpce-1,az2:vpce-2", splits it after ",<az>:" and keeps what comes
// before the next comma, so the pick depends on the AZ's name only, never
// on the order. Fn::Split takes only a literal delimiter, so az must be a
// literal name; it may be "" only when the firewall has a single AZ
// (azs == 1), whose endpoint is then the list's only item.
func EndpointFor(endpointIds *[]*string, az string, azs int) *string {
	if az == "" {
		if azs != 1 {
			panic("firewall.EndpointFor: an AZ name is needed with more than one AZ")
		}
		return awscdk.Fn_Select(jsii.Number(1), awscdk.Fn_Split(jsii.String(":"), awscdk.Fn_Select(jsii.Number(0), endpointIds), nil))
	}
	joined := awscdk.Fn_Join(jsii.String(","), &[]*string{jsii.String(""), awscdk.Fn_Join(jsii.String(","), endpointIds)})
	after := awscdk.Fn_Select(jsii.Number(1), awscdk.Fn_Split(jsii.String(","+az+":"), joined, nil))
	return awscdk.Fn_Select(jsii.Number(0), awscdk.Fn_Split(jsii.String(","), after, nil))
}

// routeNatSubnet points the NAT subnet's 0.0.0.0/0 at endpoint: CDK's
// public subnets have a DefaultRoute to the internet gateway, which is
// redirected (same logical ID, so an update replaces only the route's
// target); another subnet gets a new route.
func routeNatSubnet(scope constructs.Construct, nat awsec2.ISubnet, i int, endpoint *string) {
	if route, ok := nat.Node().TryFindChild(jsii.String("DefaultRoute")).(awsec2.CfnRoute); ok {
		route.SetGatewayId(nil)
		route.SetVpcEndpointId(endpoint)
		return
	}
	awsec2.NewCfnRoute(scope, jsii.String(fmt.Sprintf("NatSubnet%dDefaultRoute", i+1)), &awsec2.CfnRouteProps{
		RouteTableId:         nat.RouteTable().RouteTableId(),
		DestinationCidrBlock: jsii.String("0.0.0.0/0"),
		VpcEndpointId:        endpoint,
	})
}

// newBaseRules is the rule group evaluated first.
func newBaseRules(scope constructs.Construct, props Props, home string) awsnetworkfirewall.CfnRuleGroup {
	ipSets := map[string]any{"HOME_NET": &awsnetworkfirewall.CfnRuleGroup_IPSetProperty{Definition: jsii.Strings(home)}}
	portSets := map[string]any{}
	rules := BaseRules(len(props.SchedulerPorts) > 0)
	if len(props.SchedulerPorts) > 0 {
		nets := make([]string, len(props.NatSubnets))
		for i, s := range props.NatSubnets {
			nets[i] = *s.Ipv4CidrBlock()
		}
		ports := make([]string, len(props.SchedulerPorts))
		for i, p := range props.SchedulerPorts {
			ports[i] = strconv.Itoa(int(p))
		}
		ipSets["SCHEDULER_NET"] = &awsnetworkfirewall.CfnRuleGroup_IPSetProperty{Definition: jsii.Strings(nets...)}
		portSets["SCHEDULER_PORTS"] = &awsnetworkfirewall.CfnRuleGroup_PortSetProperty{Definition: jsii.Strings(ports...)}
	}
	vars := &awsnetworkfirewall.CfnRuleGroup_RuleVariablesProperty{IpSets: ipSets}
	if len(portSets) > 0 {
		vars.PortSets = portSets
	}
	return awsnetworkfirewall.NewCfnRuleGroup(scope, jsii.String("BaseRules"), &awsnetworkfirewall.CfnRuleGroupProps{
		RuleGroupName: jsii.String(name(props.Name, "-egress-base")),
		Description:   jsii.String("coilednet egress: clients to the scheduler ports; no UDP or ICMP to the internet"),
		Type:          jsii.String("STATEFUL"),
		Capacity:      jsii.Number(baseRulesCapacity),
		RuleGroup: &awsnetworkfirewall.CfnRuleGroup_RuleGroupProperty{
			RuleVariables:       vars,
			RulesSource:         &awsnetworkfirewall.CfnRuleGroup_RulesSourceProperty{RulesString: jsii.String(rules)},
			StatefulRuleOptions: &awsnetworkfirewall.CfnRuleGroup_StatefulRuleOptionsProperty{RuleOrder: jsii.String("STRICT_ORDER")},
		},
	})
}

// BaseRules returns the Suricata rules of the first rule group: with a
// scheduler, clients' connections to its ports pass (its security group
// limits who may connect); UDP and ICMP from the VPC to the internet are
// dropped (the VPC's DNS resolver and time service are not on the
// internet, and drop_established alone would let a connection's first
// datagram out).
func BaseRules(scheduler bool) string {
	var rules []string
	if scheduler {
		rules = append(rules, `pass tcp any any -> $SCHEDULER_NET $SCHEDULER_PORTS (msg:"clients to the scheduler ports (its security group limits the sources)"; flow:to_server; sid:1300001; rev:1;)`)
	}
	rules = append(rules,
		`drop udp $HOME_NET any -> !$HOME_NET any (msg:"UDP egress is not allowed"; sid:1300002; rev:1;)`,
		`drop icmp $HOME_NET any -> !$HOME_NET any (msg:"ICMP egress is not allowed"; sid:1300003; rev:1;)`)
	return strings.Join(rules, "\n")
}

// newAllowList is the domain-list rule group of the allowed domains.
func newAllowList(scope constructs.Construct, props Props, home string) awsnetworkfirewall.CfnRuleGroup {
	domains := props.Network.AllowedDomains()
	targets := make([]*string, len(domains))
	for i, d := range domains {
		targets[i] = Resolve(d)
	}
	return awsnetworkfirewall.NewCfnRuleGroup(scope, jsii.String("AllowList"), &awsnetworkfirewall.CfnRuleGroupProps{
		RuleGroupName: jsii.String(name(props.Name, "-egress-allowlist")),
		Description:   jsii.String("coilednet egress: the domains of egressAllowedDomains, by TLS SNI and HTTP Host"),
		Type:          jsii.String("STATEFUL"),
		Capacity:      jsii.Number(allowListCapacity),
		RuleGroup: &awsnetworkfirewall.CfnRuleGroup_RuleGroupProperty{
			RuleVariables: &awsnetworkfirewall.CfnRuleGroup_RuleVariablesProperty{
				IpSets: map[string]any{"HOME_NET": &awsnetworkfirewall.CfnRuleGroup_IPSetProperty{Definition: jsii.Strings(home)}},
			},
			RulesSource: &awsnetworkfirewall.CfnRuleGroup_RulesSourceProperty{
				RulesSourceList: &awsnetworkfirewall.CfnRuleGroup_RulesSourceListProperty{
					GeneratedRulesType: jsii.String("ALLOWLIST"),
					TargetTypes:        jsii.Strings("TLS_SNI", "HTTP_HOST"),
					Targets:            &targets,
				},
			},
			StatefulRuleOptions: &awsnetworkfirewall.CfnRuleGroup_StatefulRuleOptionsProperty{RuleOrder: jsii.String("STRICT_ORDER")},
		},
	})
}

// Resolve returns domain d with config.RegionPlaceholder replaced by the
// stack's region (a token when the stack is environment-agnostic).
func Resolve(d string) *string {
	before, after, ok := strings.Cut(d, config.RegionPlaceholder)
	if !ok {
		return jsii.String(d)
	}
	return jsii.String(before + *awscdk.Aws_REGION() + after)
}

// name is prefix+suffix, with prefix cut so that the whole fits the
// 128-character limit of Network Firewall names.
func name(prefix, suffix string) string {
	if prefix == "" {
		prefix = "coilednet"
	}
	if max := 128 - len(suffix); len(prefix) > max {
		prefix = prefix[:max]
	}
	return prefix + suffix
}

// addLogging sends alert and flow logs where props.Network.FirewallLogs
// says, kept config.FlowLogsRetentionDays days.
func (f *EgressFirewall) addLogging(scope constructs.Construct, props Props) {
	var configs []any
	switch props.Network.FirewallLogs {
	case config.FirewallLogsS3:
		f.LogBucket = awss3.NewBucket(scope, jsii.String("LogBucket"), &awss3.BucketProps{
			Encryption:        awss3.BucketEncryption_S3_MANAGED,
			BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
			EnforceSSL:        jsii.Bool(true),
			RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
			LifecycleRules: &[]*awss3.LifecycleRule{{
				Id:         jsii.String("ExpireFirewallLogs"),
				Expiration: awscdk.Duration_Days(jsii.Number(config.FlowLogsRetentionDays)),
			}},
		})
		// The log delivery service's access, in the stack's own policy (the
		// service would otherwise add it to the bucket policy itself, and the
		// next stack update would remove it).
		delivery := awsiam.NewServicePrincipal(jsii.String("delivery.logs.amazonaws.com"), nil)
		account := map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}
		f.LogBucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AWSLogDeliveryWrite"),
			Principals: &[]awsiam.IPrincipal{delivery},
			Actions:    jsii.Strings("s3:PutObject"),
			Resources:  jsii.Strings(*f.LogBucket.ArnForObjects(jsii.String("*/AWSLogs/" + *awscdk.Aws_ACCOUNT_ID() + "/*"))),
			Conditions: &map[string]any{
				"StringEquals": map[string]any{"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()},
			},
		}))
		f.LogBucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AWSLogDeliveryAclCheck"),
			Principals: &[]awsiam.IPrincipal{delivery},
			Actions:    jsii.Strings("s3:GetBucketAcl"),
			Resources:  jsii.Strings(*f.LogBucket.BucketArn()),
			Conditions: &map[string]any{"StringEquals": account},
		}))
		suppress(f.LogBucket, "AwsSolutions-S1",
			"This bucket only receives the egress firewall's alert and flow logs, which are themselves an access record; its own "+
				"access logs would need another bucket. Public access is blocked, TLS is enforced, objects are encrypted and expire after 30 days.")
		for _, t := range []string{"ALERT", "FLOW"} {
			configs = append(configs, &awsnetworkfirewall.CfnLoggingConfiguration_LogDestinationConfigProperty{
				LogType:            jsii.String(t),
				LogDestinationType: jsii.String("S3"),
				LogDestination:     map[string]any{"bucketName": f.LogBucket.BucketName(), "prefix": strings.ToLower(t)},
			})
		}
	default:
		for _, l := range [][2]string{{"ALERT", "AlertLogs"}, {"FLOW", "FlowLogs"}} {
			t, id := l[0], l[1]
			group := awslogs.NewLogGroup(scope, jsii.String(id), &awslogs.LogGroupProps{
				Retention:     retention(),
				RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
			})
			f.LogGroups = append(f.LogGroups, group)
			configs = append(configs, &awsnetworkfirewall.CfnLoggingConfiguration_LogDestinationConfigProperty{
				LogType:            jsii.String(t),
				LogDestinationType: jsii.String("CloudWatchLogs"),
				LogDestination:     map[string]any{"logGroup": group.LogGroupName()},
			})
		}
	}
	f.Logging = awsnetworkfirewall.NewCfnLoggingConfiguration(scope, jsii.String("Logging"), &awsnetworkfirewall.CfnLoggingConfigurationProps{
		FirewallArn:          f.Firewall.AttrFirewallArn(),
		LoggingConfiguration: &awsnetworkfirewall.CfnLoggingConfiguration_LoggingConfigurationProperty{LogDestinationConfigs: &configs},
	})
}

// retention is config.FlowLogsRetentionDays as CloudWatch Logs takes it.
func retention() awslogs.RetentionDays {
	if config.FlowLogsRetentionDays != 30 {
		panic("firewall: FlowLogsRetentionDays is no longer 30: map it to a RetentionDays here")
	}
	return awslogs.RetentionDays_ONE_MONTH
}

// suppress records, for cdk-nag, why a finding on c's CloudFormation
// resource is acceptable.
func suppress(c constructs.IConstruct, id, reason string) {
	cdknag.NagSuppressions_AddResourceSuppressions(c.Node().DefaultChild(), &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String(id),
		Reason: jsii.String(reason),
	}}, jsii.Bool(false))
}

// ignoreLint tells cfn-lint to skip checks on resource r.
func ignoreLint(r awscdk.CfnResource, checks ...string) {
	r.AddMetadata(jsii.String("cfn-lint"), map[string]any{"config": map[string]any{"ignore_checks": checks}})
}
