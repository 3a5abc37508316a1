package network

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/config"
)

// natProvider returns the CDK NAT provider for the private topology.
func natProvider(p config.Network) awsec2.NatProvider {
	if p.NatProvider == config.NatRegional {
		return regionalNatProvider()
	}
	if p.NatProvider != config.NatInstance {
		return awsec2.NatProvider_Gateway(nil)
	}
	// NatInstanceProviderV2 configures NAT on Amazon Linux 2023 through
	// user data. The AMI is read from the public SSM parameter at deploy
	// time, so synth needs no AMI lookup and no credentials.
	return awsec2.NatProvider_InstanceV2(&awsec2.NatInstanceProps{
		InstanceType: awsec2.NewInstanceType(jsii.String(config.NatInstanceType)),
		MachineImage: awsec2.MachineImage_LatestAmazonLinux2023(&awsec2.AmazonLinux2023ImageSsmParameterProps{
			CpuType: awsec2.AmazonLinuxCpuType_ARM_64,
		}),
		// Outbound only here; inbound is opened to the VPC alone below.
		DefaultAllowedTraffic:    awsec2.NatTrafficDirection_OUTBOUND_ONLY,
		AssociatePublicIpAddress: jsii.Bool(true),
		// Retries the install and proves forwarding (natuserdata.go).
		UserData: natUserData(),
	})
}

// restrictNatInstances lets only the VPC's own addresses through the NAT
// instances, requires IMDSv2 on them, encrypts their root volumes and turns
// on their detailed monitoring.
func restrictNatInstances(vpc awsec2.Vpc, provider awsec2.NatInstanceProviderV2, p config.Network) {
	// A separate ingress resource rather than an inline rule: the same in
	// AWS, and the emulator the end-to-end suite deploys to cannot read an
	// inline all-protocol rule (it wants FromPort).
	awsec2.NewCfnSecurityGroupIngress(vpc, jsii.String("NatIngressFromVpc"), &awsec2.CfnSecurityGroupIngressProps{
		GroupId:     provider.SecurityGroup().SecurityGroupId(),
		IpProtocol:  jsii.String("-1"),
		CidrIp:      jsii.String(p.VpcCidr.String()),
		Description: jsii.String("NAT: traffic from the VPC's own subnets only"),
	})
	for _, instance := range *provider.GatewayInstances() {
		// Set on the instance itself: CDK's IMDSv2 aspect would add a
		// launch template whose name is the same for every NAT instance
		// (unless a feature flag is on), which a real deploy rejects.
		cfn := instance.Node().DefaultChild().(awsec2.CfnInstance)
		cfn.SetMetadataOptions(&awsec2.CfnInstance_MetadataOptionsProperty{HttpTokens: jsii.String("required")})
		// Detailed (1-minute) monitoring: AWS Control Tower's proactive
		// control CT.EC2.PR.13 (and cdk-nag's EC28) require it, and
		// organisations that enforce it would otherwise block the deploy.
		// About $2.10/month per instance (cost.NatInstanceMonitoringMonth).
		cfn.SetMonitoring(jsii.Bool(true))
		// The provider has no prop for the root volume.
		cfn.SetBlockDeviceMappings(&[]any{
			&awsec2.CfnInstance_BlockDeviceMappingProperty{
				DeviceName: jsii.String("/dev/xvda"),
				Ebs: &awsec2.CfnInstance_EbsProperty{
					Encrypted:  jsii.Bool(true),
					VolumeType: jsii.String("gp3"),
					VolumeSize: jsii.Number(config.NatInstanceVolumeGiB),
				},
			},
		})
		suppressNatInstanceFindings(instance)
		if len(p.AvailabilityZones) > 0 {
			// W3010: the user named the AZs (availabilityZones) on purpose.
			ignoreLint(cfn, "W3010")
		}
	}
}

// addFlowLogs records the VPC's traffic where p.FlowLogs says, kept
// config.FlowLogsRetentionDays days.
func addFlowLogs(scope constructs.Construct, vpc awsec2.Vpc, p config.Network) {
	var dest awsec2.FlowLogDestination
	switch p.FlowLogs {
	case config.FlowLogsCloudWatch:
		group := awslogs.NewLogGroup(scope, jsii.String("FlowLogGroup"), &awslogs.LogGroupProps{
			Retention:     awslogs.RetentionDays_ONE_MONTH,
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		})
		dest = awsec2.FlowLogDestination_ToCloudWatchLogs(group, nil)
	case config.FlowLogsS3:
		bucket := awss3.NewBucket(scope, jsii.String("FlowLogBucket"), &awss3.BucketProps{
			Encryption:        awss3.BucketEncryption_S3_MANAGED,
			BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
			EnforceSSL:        jsii.Bool(true),
			RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
			LifecycleRules: &[]*awss3.LifecycleRule{{
				Id:         jsii.String("ExpireFlowLogs"),
				Expiration: awscdk.Duration_Days(jsii.Number(config.FlowLogsRetentionDays)),
			}},
		})
		suppressFlowLogBucketFindings(bucket)
		dest = awsec2.FlowLogDestination_ToS3(bucket, nil, nil)
	default:
		return
	}
	vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: dest,
		TrafficType: awsec2.FlowLogTrafficType_ALL,
	})
}
