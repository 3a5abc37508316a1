package access

import (
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/coilednet/coilednet/config"
)

// suppress records, for cdk-nag, why findings on c's CloudFormation resource
// are acceptable; appliesTo names the findings (e.g. one resource pattern of
// AwsSolutions-IAM5), or all of id's when empty.
func suppress(c constructs.IConstruct, id, reason string, appliesTo ...string) {
	s := &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		applies := make([]any, len(appliesTo))
		for i, a := range appliesTo {
			applies[i] = a
		}
		s.AppliesTo = &applies
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c.Node().DefaultChild(), &[]*cdknag.NagPackSuppression{s}, jsii.Bool(false))
}

// nag* return a resource as cdk-nag names it in an AwsSolutions-IAM5
// finding (the stack's pseudo parameters in angle brackets).
func nagEc2(resource string) string {
	return "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:" + resource
}

func nagEc2Public(resource string) string {
	return "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::" + resource
}

// nagLogGroupChildren is the ":*" form of a log group's ARN, which also
// covers its streams.
func nagLogGroupChildren(group string) string {
	return "Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:" + group + ":*"
}

func nagEcrRepository(name string) string {
	return "Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/" + name
}

// suppressFindings covers the wildcards IAM forces, each with why it is
// bounded, and the secret's rotation. Every other finding is fixed.
func suppressFindings(c *CoiledAccess) {
	streams := nagLogGroupChildren(c.Props.LogGroupName())
	logReason := "Log streams are created by each cluster VM with a name chosen at run time; the wildcard (the log group " +
		"ARN's :* form, which AWS's CloudWatch Logs reference gives for these actions) covers streams of the workspace's own " +
		"log group only, which this stack creates."
	suppress(c.WorkspacePolicy, "AwsSolutions-IAM5", logReason, streams)
	if c.InstancePolicy != nil {
		suppress(c.InstancePolicy, "AwsSolutions-IAM5",
			"CoiledInstancePolicy is shared by every workspace of the account (Coiled adopts it by this exact name): each "+
				"instance role reaches only the log group named by its own tag "+config.WorkspaceTagKey+" (a policy "+
				"variable; Coiled holds no iam:TagRole), in any region of this account, and only its streams (names chosen "+
				"at run time).",
			"Resource::arn:<AWS::Partition>:logs:*:<AWS::AccountId>:log-group:<aws:PrincipalTag/"+config.WorkspaceTagKey+">:*")
	}
	if len(c.Props.DataBuckets) > 0 {
		objects := make([]string, len(c.Props.DataBuckets))
		for i, b := range c.Props.DataBuckets {
			objects[i] = "Resource::arn:<AWS::Partition>:s3:::" + b + "/*"
		}
		suppress(c.WorkspacePolicy, "AwsSolutions-IAM5",
			"The objects of the buckets the user listed in dataBuckets, read and written by the cluster's code: object keys "+
				"are data chosen at run time. No other bucket, no bucket configuration or policy action.", objects...)
	}

	p := c.ControlPlanePolicy
	suppress(p, "AwsSolutions-IAM5",
		"RunInstances and CreateFleet on subnets, network interfaces and security groups only when ec2:Vpc equals this "+
			"stack's VPC (ArnEquals condition on the statement): the IDs of the cluster's subnets and groups are chosen per "+
			"cluster, the VPC is fixed. Nothing outside this VPC can be launched into.",
		nagEc2("subnet/*"), nagEc2("network-interface/*"), nagEc2("security-group/*"))
	suppress(p, "AwsSolutions-IAM5",
		"Images may be launched only when ec2:Owner is Coiled's AMI account (077742499581, condition on the statement); "+
			"Coiled picks the image version per cluster.", nagEc2Public("image/*"))
	suppress(p, "AwsSolutions-IAM5",
		"Instances, volumes, launch templates, fleets and spot requests get their IDs when RunInstances/CreateFleet/"+
			"CreateLaunchTemplate create them, so they cannot be named in advance; the ARNs are pinned to this region and "+
			"account, a launch still needs this VPC's subnet and groups and Coiled's image, tags may only be set by the create "+
			"call (ec2:CreateAction), and start/stop/terminate/modify/delete need the tag owner=coiled. Snapshots are only the "+
			"source of the image's volumes. Key pairs are the account's own in this region (a workspace may name one for SSH), "+
			"only used by a launch, never created or read.",
		nagEc2("instance/*"), nagEc2("volume/*"), nagEc2("launch-template/*"), nagEc2("fleet/*"),
		nagEc2("spot-instances-request/*"), nagEc2Public("snapshot/*"), nagEc2("key-pair/*"))
	var repos []string
	for _, r := range c.Props.EcrRepositories {
		if strings.HasSuffix(r, "/*") {
			repos = append(repos, nagEcrRepository(r))
		}
	}
	if len(c.Props.EcrRepositories) == 0 {
		repos = append(repos, nagEcrRepository("*"))
	}
	if len(repos) > 0 {
		suppress(p, "AwsSolutions-IAM5",
			"Image pulls (read only: BatchGetImage, GetDownloadUrlForLayer, BatchCheckLayerAvailability) from repositories "+
				"of this account and region only, as Coiled's restricted template grants; ecrRepositories narrows them to "+
				"names or name prefixes. No push, no other account's repository.", repos...)
	}
	suppress(p, "AwsSolutions-IAM5",
		"Placement groups are created per cluster with run-time names; the wildcard is limited to the coiled- prefix "+
			"(the scope of Coiled's own policy), in this region and account.", nagEc2("placement-group/coiled-*"))
	suppress(p, "AwsSolutions-IAM5", logReasonControl, streams)
	suppress(p, "AwsSolutions-IAM5",
		"The ec2:Describe* actions listed, logs:DescribeLogGroups, iam:ListPolicies and ecr:GetAuthorizationToken "+
			"support no resource-level permissions (AWS Service Authorization Reference): '*' is the only accepted resource. "+
			"They read only (the ECR token itself grants nothing: pulls need the repository statement), and the regional "+
			"ones are limited to this stack's region with aws:RequestedRegion.", "Resource::*")

	if c.AccessKeySecret != nil {
		suppress(c.AccessKeySecret, "AwsSolutions-SMG4",
			"The secret holds an IAM access key: rotating it means creating a new key for the user and updating Coiled, "+
				"which Secrets Manager's rotation cannot do without a custom Lambda. The README's least-privilege section "+
				"describes the rotation by hand; coiledAccess=role avoids long-lived keys altogether.")
	}
}

const logReasonControl = "Coiled's control plane reads the cluster logs (GetLogEvents, FilterLogEvents, DescribeLogStreams) " +
	"and writes its own; stream names are chosen at run time, the wildcard covers streams of the workspace's own log group only."
