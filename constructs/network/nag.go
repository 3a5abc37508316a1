package network

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/coilednet/coilednet/config"
)

// suppress records, for cdk-nag, why a finding on c's CloudFormation
// resource (its default child) is acceptable. Every reason must convince a
// security reviewer; a finding that can be fixed is fixed instead.
func suppress(c constructs.IConstruct, id, reason string) {
	cdknag.NagSuppressions_AddResourceSuppressions(c.Node().DefaultChild(), &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String(id),
		Reason: jsii.String(reason),
	}}, jsii.Bool(false))
}

// suppressFindings covers the AwsSolutions findings that follow from the
// options the user chose.
func suppressFindings(n *CoiledNetwork, p config.Network) {
	if p.FlowLogs == config.FlowLogsOff && p.ExistingVpcId == "" {
		suppress(n.Vpc, "AwsSolutions-VPC7",
			"Flow logs are off by default so that an idle network costs nothing (CloudWatch ingestion is $0.50/GB); "+
				"turn them on with -c flowLogs=cloudwatch or -c flowLogs=s3.")
	}
	if p.OpenToInternet() {
		suppress(n.SchedulerSecurityGroup, "AwsSolutions-EC23",
			"The user asked for it: clientCidrs includes 0.0.0.0/0 or ::/0 (the default, like Coiled's own network) so that "+
				"Dask clients can connect from anywhere, and synth warns about it. Only the scheduler ports are open, the scheduler "+
				"serves TLS and requires the cluster's token. Restrict it with -c clientCidrs=... or clientPrefixListIds.")
	}
}

// suppressNatInstanceFindings covers the NAT instances' findings that have
// no fix compatible with what a NAT instance is.
func suppressNatInstanceFindings(instance awsec2.Instance) {
	suppress(instance, "AwsSolutions-EC29",
		"A NAT instance holds no data and CloudFormation replaces it on updates; termination protection would block "+
			"those updates and stack deletion. An ASG would change its ENI and break the route tables that point at it.")
}

// suppressFlowLogBucketFindings covers the flow-log bucket.
func suppressFlowLogBucketFindings(bucket constructs.IConstruct) {
	suppress(bucket, "AwsSolutions-S1",
		"This bucket only receives VPC flow logs, which are themselves an access record; its own access logs would need "+
			"another bucket. Public access is blocked, TLS is enforced, objects are encrypted and expire after 30 days.")
}

// ignoreLint tells cfn-lint to skip check on resource r, for a finding that
// is deliberate; why must be said where this is called.
func ignoreLint(r awscdk.CfnResource, checks ...string) {
	r.AddMetadata(jsii.String("cfn-lint"), map[string]any{"config": map[string]any{"ignore_checks": checks}})
}

// lintFindings marks the cfn-lint findings that are deliberate.
func lintFindings(n *CoiledNetwork, p config.Network) {
	if len(p.AvailabilityZones) > 0 {
		// W3010: the user named the AZs (availabilityZones) on purpose.
		for _, z := range n.Zones {
			for _, s := range []awsec2.ISubnet{z.SchedulerSubnet, z.WorkerSubnet} {
				ignoreLint(s.Node().DefaultChild().(awscdk.CfnResource), "W3010")
			}
		}
	}
	// W3005: CDK's restrict-default-security-group provider declares a
	// DependsOn that its GetAtt already implies; harmless, and not ours.
	if provider := awscdk.Stack_Of(n.Construct).Node().TryFindChild(jsii.String("Custom::VpcRestrictDefaultSGCustomResourceProvider")); provider != nil {
		if handler, ok := provider.Node().TryFindChild(jsii.String("Handler")).(awscdk.CfnResource); ok {
			ignoreLint(handler, "W3005")
		}
	}
}
