// Package access holds CoiledAccess, a CDK construct that creates what Coiled
// needs from IAM to run clusters in a CoiledNetwork and nowhere else: the
// identity Coiled's control plane acts as (a role Coiled assumes, or an IAM
// user whose access key CloudFormation keeps in Secrets Manager) with one
// customer-managed policy scoped to the network's VPC, and the instance role,
// instance profile and log group of the cluster VMs.
//
// Like network.CoiledNetwork it is independent of the coilednet app.
package access

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/constructs/network"
)

// Props are the props of CoiledAccess.
type Props struct {
	// Access are the options; CoiledAccess must not be AccessNone.
	Access config.Access
	// Network is the network Coiled may launch into; the policy is scoped
	// to its VPC and the instance role is the one its VMs get.
	Network *network.CoiledNetwork
}

// CoiledAccess is the IAM side of a Coiled-ready network. Build it with New.
type CoiledAccess struct {
	constructs.Construct

	// Props are the validated options, defaults filled in.
	Props config.Access

	// Role is the role Coiled assumes (AccessRole), trusted only by
	// Props.Principal with Props.ExternalID; nil in user mode.
	Role awsiam.Role
	// User is the IAM user Coiled acts as (AccessUser); nil in role mode.
	User awsiam.User
	// AccessKey is User's access key (AccessUser); nil in role mode.
	AccessKey awsiam.AccessKey
	// AccessKeySecret holds AccessKey's ID and secret as JSON
	// ({"accessKeyId": …, "secretAccessKey": …}); nil in role mode.
	AccessKeySecret awssecretsmanager.Secret
	// ControlPlanePolicy is the one policy Role or User has: what Coiled
	// may do, scoped to the network's VPC.
	ControlPlanePolicy awsiam.ManagedPolicy

	// InstanceRole is the role cluster VMs run with, named
	// coiled-<workspace>, trusted by ec2.amazonaws.com.
	InstanceRole awsiam.Role
	// InstanceProfile carries InstanceRole; same name.
	InstanceProfile awsiam.InstanceProfile
	// InstancePolicy is the managed policy CoiledInstancePolicy (the name
	// Coiled's adopt check looks for) that this stack creates
	// (coiledInstancePolicy=create): only what is the same for every
	// workspace of the account, log streams of the log group named by the
	// instance role's tag coiled-workspace. Nil with
	// coiledInstancePolicy=existing.
	InstancePolicy awsiam.ManagedPolicy
	// InstancePolicyArn is the ARN of the CoiledInstancePolicy attached to
	// InstanceRole: InstancePolicy's, or the account's existing one.
	InstancePolicyArn string
	// WorkspacePolicy is CoiledInstancePolicy-<workspace>, attached to
	// InstanceRole next to CoiledInstancePolicy: the workspace's own log
	// group, and the data buckets. What the workspace needs never depends
	// on what an existing CoiledInstancePolicy holds.
	WorkspacePolicy awsiam.ManagedPolicy
	// LogGroup is the workspace's log group, named the workspace slug.
	LogGroup awslogs.LogGroup
}

// arns builds the ARNs the policies name, from the stack's partition,
// region and account (tokens resolved at deploy time).
type arns struct{ partition, region, account string }

func newArns() arns {
	return arns{*awscdk.Aws_PARTITION(), *awscdk.Aws_REGION(), *awscdk.Aws_ACCOUNT_ID()}
}

// ec2 returns arn:P:ec2:R:A:<resource>.
func (a arns) ec2(resource string) string {
	return fmt.Sprintf("arn:%s:ec2:%s:%s:%s", a.partition, a.region, a.account, resource)
}

// ec2Public returns arn:P:ec2:R::<resource>, the form of images and
// snapshots (they belong to no account of the request).
func (a arns) ec2Public(resource string) string {
	return fmt.Sprintf("arn:%s:ec2:%s::%s", a.partition, a.region, resource)
}

func (a arns) logGroup(name string) string {
	return fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", a.partition, a.region, a.account, name)
}

func (a arns) s3(resource string) string { return fmt.Sprintf("arn:%s:s3:::%s", a.partition, resource) }

func (a arns) ecrRepository(name string) string {
	return fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", a.partition, a.region, a.account, name)
}

func (a arns) iamPolicy(name string) string {
	return fmt.Sprintf("arn:%s:iam::%s:policy/%s", a.partition, a.account, name)
}

// New validates props and builds the access under scope. It returns an
// error naming the offending option, before any construct is created, when
// the options are invalid or name no access to create.
func New(scope constructs.Construct, id string, props *Props) (*CoiledAccess, error) {
	if props == nil || props.Network == nil {
		return nil, fmt.Errorf("CoiledAccess %q: props.Network is required", id)
	}
	a := config.App{Network: props.Network.Props, Access: props.Access}.WithDefaults().Access
	if err := (config.App{Network: props.Network.Props, Access: a}).Validate(); err != nil {
		return nil, fmt.Errorf("CoiledAccess %q: %w", id, err)
	}
	if !a.Enabled() {
		return nil, fmt.Errorf("CoiledAccess %q: coiledAccess is %q: there is nothing to create", id, a.CoiledAccess)
	}

	self := constructs.NewConstruct(scope, jsii.String(id))
	c := &CoiledAccess{Construct: self, Props: a}
	arn := newArns()

	c.LogGroup = awslogs.NewLogGroup(self, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		LogGroupName: jsii.String(a.LogGroupName()),
		Retention:    awslogs.RetentionDays_ONE_MONTH,
		// A named group: retaining it would make the next deploy after a
		// stack deletion fail on the existing name.
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})

	// Construct ID "InstancePolicy" is the workspace's policy: it keeps the
	// logical ID and name it had before CoiledInstancePolicy existed, so an
	// update changes it in place.
	c.WorkspacePolicy = awsiam.NewManagedPolicy(self, jsii.String("InstancePolicy"), &awsiam.ManagedPolicyProps{
		ManagedPolicyName: jsii.String(a.WorkspacePolicyName()),
		Description:       jsii.String(fmt.Sprintf("Coiled cluster VMs of workspace %s: their log streams, and the data buckets", a.Workspace)),
		Document:          workspacePolicy(arn, a),
	})
	c.InstanceRole = awsiam.NewRole(self, jsii.String("InstanceRole"), &awsiam.RoleProps{
		RoleName:    jsii.String(a.InstanceRoleName()),
		Description: jsii.String(fmt.Sprintf("Coiled cluster VMs of workspace %s", a.Workspace)),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
	})
	// The tag CoiledInstancePolicy's log statement reads
	// (${aws:PrincipalTag/coiled-workspace}); Coiled has no iam:TagRole.
	awscdk.Tags_Of(c.InstanceRole).Add(jsii.String(config.WorkspaceTagKey), jsii.String(a.Workspace), nil)
	// Attached from the policy's side (its Roles/Users): the same in IAM,
	// and what the emulator of the end-to-end suite understands (it ignores
	// a role's ManagedPolicyArns).
	c.WorkspacePolicy.AttachToRole(c.InstanceRole)
	switch a.CoiledInstancePolicy {
	case config.InstancePolicyExisting:
		// Another stack's (or Coiled's) policy: only the role's
		// ManagedPolicyArns can attach it.
		c.InstancePolicyArn = arn.iamPolicy(config.InstancePolicyName)
		c.InstanceRole.AddManagedPolicy(awsiam.ManagedPolicy_FromManagedPolicyArn(self, jsii.String("ExistingInstancePolicy"),
			jsii.String(c.InstancePolicyArn)))
	default:
		c.InstancePolicy = awsiam.NewManagedPolicy(self, jsii.String("SharedInstancePolicy"), &awsiam.ManagedPolicyProps{
			ManagedPolicyName: jsii.String(config.InstancePolicyName),
			Description: jsii.String("Coiled cluster VMs of every workspace of this account: log streams of the log group " +
				"named by the instance role's tag " + config.WorkspaceTagKey),
			Document: sharedInstancePolicy(arn),
		})
		c.InstancePolicy.AttachToRole(c.InstanceRole)
		c.InstancePolicyArn = *c.InstancePolicy.ManagedPolicyArn()
	}
	c.InstanceProfile = awsiam.NewInstanceProfile(self, jsii.String("InstanceProfile"), &awsiam.InstanceProfileProps{
		InstanceProfileName: jsii.String(a.InstanceRoleName()),
		Role:                c.InstanceRole,
	})

	c.ControlPlanePolicy = awsiam.NewManagedPolicy(self, jsii.String("ControlPlanePolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String(fmt.Sprintf("Coiled control plane of workspace %s: run clusters in this stack's VPC only", a.Workspace)),
		Document:    controlPlanePolicy(arn, props.Network, c),
	})

	switch a.CoiledAccess {
	case config.AccessRole:
		c.Role = awsiam.NewRole(self, jsii.String("Role"), &awsiam.RoleProps{
			Description: jsii.String(fmt.Sprintf("Assumed by Coiled (workspace %s) to run clusters in this stack's VPC", a.Workspace)),
			AssumedBy:   awsiam.NewArnPrincipal(jsii.String(a.Principal)),
			ExternalIds: jsii.Strings(a.ExternalID),
		})
		c.ControlPlanePolicy.AttachToRole(c.Role)
	case config.AccessUser:
		c.User = awsiam.NewUser(self, jsii.String("User"), nil)
		c.ControlPlanePolicy.AttachToUser(c.User)
		c.AccessKey = awsiam.NewAccessKey(self, jsii.String("AccessKey"), &awsiam.AccessKeyProps{User: c.User})
		// The secret's value is a GetAtt CloudFormation resolves inside
		// the service: the key never appears in the template or an output.
		c.AccessKeySecret = awssecretsmanager.NewSecret(self, jsii.String("AccessKeySecret"), &awssecretsmanager.SecretProps{
			Description: jsii.String(fmt.Sprintf("Access key of the IAM user Coiled (workspace %s) acts as", a.Workspace)),
			SecretObjectValue: &map[string]awscdk.SecretValue{
				"accessKeyId":     awscdk.SecretValue_UnsafePlainText(c.AccessKey.AccessKeyId()),
				"secretAccessKey": c.AccessKey.SecretAccessKey(),
			},
		})
	}
	suppressFindings(c)
	return c, nil
}

func statement(sid string, actions, resources []string, conditions map[string]any) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String(sid),
		Effect:     awsiam.Effect_ALLOW,
		Actions:    jsii.Strings(actions...),
		Resources:  jsii.Strings(resources...),
		Conditions: &conditions,
	})
}

// sharedInstancePolicy is CoiledInstancePolicy: the same for every
// workspace of the account, each instance role reaching only the log group
// its tag coiled-workspace names (in any region: workspaces of one account
// may live in several).
func sharedInstancePolicy(arn arns) awsiam.PolicyDocument {
	group := fmt.Sprintf("arn:%s:logs:*:%s:log-group:${aws:PrincipalTag/%s}", arn.partition, arn.account, config.WorkspaceTagKey)
	st := []awsiam.PolicyStatement{
		statement("OwnWorkspaceLogStreams", instanceLogActions, []string{group + ":*"}, nil),
	}
	return awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &st})
}

// instanceLogActions are what the cluster VMs do with their own
// credentials (docs/access.md, "The instance role"): write their logs.
var instanceLogActions = []string{"logs:CreateLogStream", "logs:PutLogEvents"}

// workspacePolicy is CoiledInstancePolicy-<workspace>: log streams and
// events in the workspace's log group only, read/write in the data
// buckets.
func workspacePolicy(arn arns, a config.Access) awsiam.PolicyDocument {
	group := arn.logGroup(a.LogGroupName())
	st := []awsiam.PolicyStatement{
		statement("WorkspaceLogStreams", instanceLogActions, []string{group, group + ":*"}, nil),
	}
	if len(a.DataBuckets) > 0 {
		var buckets, objects []string
		for _, b := range a.DataBuckets {
			buckets = append(buckets, arn.s3(b))
			objects = append(objects, arn.s3(b+"/*"))
		}
		st = append(st,
			statement("ListDataBuckets", []string{"s3:ListBucket", "s3:GetBucketLocation"}, buckets, nil),
			statement("ReadWriteDataObjects", []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject",
				"s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}, objects, nil))
	}
	return awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &st})
}

// Actions of the control-plane policy, by statement; README's "Least
// privilege" section describes them and test/access_policy_test.go proves
// what they allow.
var (
	launchActions = []string{"ec2:RunInstances", "ec2:CreateFleet"}
	// taggedActions are allowed only on resources tagged owner=coiled.
	taggedActions = []string{
		"ec2:StartInstances", "ec2:StopInstances", "ec2:TerminateInstances", "ec2:ModifyInstanceAttribute",
		"ec2:DeleteFleets", "ec2:CreateLaunchTemplateVersion", "ec2:DeleteLaunchTemplate", "ec2:DeleteLaunchTemplateVersions",
	}
	// createActions are the create calls that may tag what they create.
	createActions = []string{"RunInstances", "CreateFleet", "CreateLaunchTemplate", "CreatePlacementGroup"}
	// describeActions support no resource-level permissions; they are
	// limited to the stack's region.
	describeActions = []string{
		"ec2:DescribeAvailabilityZones", "ec2:DescribeImages", "ec2:DescribeInstances", "ec2:DescribeInstanceTypeOfferings",
		"ec2:DescribeInstanceTypes", "ec2:DescribeInternetGateways", "ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions",
		"ec2:DescribeRegions", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs",
		"ec2:DescribeFleets", "ec2:DescribePlacementGroups", "ec2:DescribeSpotPriceHistory", "logs:DescribeLogGroups",
	}
	logActions = []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:GetLogEvents", "logs:FilterLogEvents"}
	// ecrPullActions read an image (Coiled's restricted template).
	ecrPullActions = []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"}
	// kmsEbsActions are what a launch with volumes encrypted under a
	// customer managed key needs (AWS EBS guide, "Required KMS key policy
	// for use with encrypted volumes"; kms:ReEncrypt* written out).
	kmsEbsActions = []string{"kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"}
)

// ecrRepositoryArns are the repositories Coiled may pull from: those of
// ecrRepositories, or every one of this account and region.
func ecrRepositoryArns(arn arns, a config.Access) []string {
	if len(a.EcrRepositories) == 0 {
		return []string{arn.ecrRepository("*")}
	}
	out := make([]string, len(a.EcrRepositories))
	for i, r := range a.EcrRepositories {
		out[i] = arn.ecrRepository(r)
	}
	return out
}

// controlPlanePolicy is what Coiled's control plane may do: run clusters in
// n's VPC, with c's instance role, and nothing that changes the network or
// IAM.
func controlPlanePolicy(arn arns, n *network.CoiledNetwork, c *CoiledAccess) awsiam.PolicyDocument {
	vpcArn := arn.ec2("vpc/" + *n.Vpc.VpcId())
	group := arn.logGroup(c.Props.LogGroupName())
	placementGroups := arn.ec2("placement-group/coiled-*")
	st := []awsiam.PolicyStatement{
		statement("LaunchIntoThisVpcOnly", launchActions,
			[]string{arn.ec2("subnet/*"), arn.ec2("network-interface/*"), arn.ec2("security-group/*")},
			map[string]any{"ArnEquals": map[string]any{"ec2:Vpc": vpcArn}}),
		statement("LaunchCoiledImagesOnly", launchActions, []string{arn.ec2Public("image/*")},
			map[string]any{"StringEquals": map[string]any{"ec2:Owner": config.CoiledAmiOwner}}),
		statement("LaunchInThisRegionAndAccount", launchActions, []string{
			arn.ec2("instance/*"), arn.ec2("volume/*"), arn.ec2("launch-template/*"), arn.ec2("fleet/*"),
			arn.ec2("spot-instances-request/*"), placementGroups, arn.ec2Public("snapshot/*"), arn.ec2("key-pair/*"),
		}, nil),
		statement("CreateLaunchTemplatesInThisRegionAndAccount", []string{"ec2:CreateLaunchTemplate"},
			[]string{arn.ec2("launch-template/*")}, nil),
		statement("TagOnlyWhileCreating", []string{"ec2:CreateTags"}, []string{
			arn.ec2("instance/*"), arn.ec2("volume/*"), arn.ec2("network-interface/*"), arn.ec2("launch-template/*"),
			arn.ec2("fleet/*"), arn.ec2("spot-instances-request/*"), placementGroups,
		}, map[string]any{"StringEquals": map[string]any{"ec2:CreateAction": createActions}}),
		statement("ManageOnlyCoiledTagged", taggedActions,
			[]string{arn.ec2("instance/*"), arn.ec2("fleet/*"), arn.ec2("launch-template/*")},
			map[string]any{"StringEquals": map[string]any{"ec2:ResourceTag/owner": "coiled"}}),
		statement("CoiledPlacementGroups", []string{"ec2:CreatePlacementGroup", "ec2:DeletePlacementGroup"},
			[]string{placementGroups}, nil),
		statement("PassTheInstanceRoleToEc2Only", []string{"iam:PassRole"}, []string{*c.InstanceRole.RoleArn()},
			map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}}),
		statement("ReadTheInstanceRole", []string{"iam:GetRole", "iam:ListAttachedRolePolicies"},
			[]string{*c.InstanceRole.RoleArn()}, nil),
		statement("ReadTheInstanceProfile", []string{"iam:GetInstanceProfile"},
			[]string{*c.InstanceProfile.InstanceProfileArn()}, nil),
		statement("ReadTheInstancePolicy", []string{"iam:GetPolicy"},
			[]string{c.InstancePolicyArn, *c.WorkspacePolicy.ManagedPolicyArn()}, nil),
		statement("WorkspaceLogs", logActions, []string{group, group + ":*"}, nil),
		statement("DescribeInThisRegion", describeActions, []string{"*"},
			map[string]any{"StringEquals": map[string]any{"aws:RequestedRegion": arn.region}}),
		statement("ListPolicies", []string{"iam:ListPolicies"}, []string{"*"}, nil),
		statement("EcrTokenInThisRegion", []string{"ecr:GetAuthorizationToken"}, []string{"*"},
			map[string]any{"StringEquals": map[string]any{"aws:RequestedRegion": arn.region}}),
		statement("PullImagesOfThisAccountAndRegion", ecrPullActions, ecrRepositoryArns(arn, c.Props), nil),
	}
	if keys := c.Props.EbsKmsKeyArns; len(keys) > 0 {
		viaEc2 := map[string]any{"kms:ViaService": fmt.Sprintf("ec2.%s.%s", arn.region, *awscdk.Aws_URL_SUFFIX())}
		st = append(st,
			statement("EbsKeysThroughEc2Only", kmsEbsActions, keys, map[string]any{"StringEquals": viaEc2}),
			statement("EbsKeyGrantsForEc2VolumesOnly", []string{"kms:CreateGrant"}, keys, map[string]any{
				"StringEquals": viaEc2,
				"Bool":         map[string]any{"kms:GrantIsForAWSResource": "true"},
			}))
	}
	return awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &st})
}
