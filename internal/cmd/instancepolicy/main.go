// Command instancepolicy stops a deploy before CloudFormation runs when the
// IAM managed policy CoiledInstancePolicy would clash (issue 17). IAM policy
// names are unique per account: a stack with coiledInstancePolicy=create
// fails in CloudFormation when another stack (or Coiled's own setup) made
// the policy, and one with coiledInstancePolicy=existing fails at launch
// time when nobody did. scripts/deploy runs it, with AWS credentials only,
// on the cloud assembly `cdk bootstrap` synthesized.
//
// It reads every stack of the assembly, asks IAM whether the account has a
// policy named CoiledInstancePolicy (iam:ListPolicies, local scope) and, if
// so, which stack of the assembly owns it (cloudformation:DescribeStackResources).
// It exits 1 with a message naming what to set, 0 when the deploy may go on
// (also when it cannot ask AWS: CloudFormation still fails on a real clash,
// only later), and 2 on bad usage.
//
//	go run ./internal/cmd/instancepolicy [-assembly cdk.out] [-profile NAME]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go/logging"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/internal/assembly"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("instancepolicy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("assembly", "cdk.out", "the cloud assembly `DIR` to check")
	profile := fs.String("profile", "", "the AWS `profile` (as cdk's --profile)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: instancepolicy [-assembly DIR] [-profile NAME]")
		return 2
	}
	uses, err := readAssembly(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "coilednet: instancepolicy: %v\n", err)
		return 2
	}
	if len(uses) == 0 {
		return 0 // no stack creates or attaches CoiledInstancePolicy
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithLogger(logging.Nop{})}
	if *profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(*profile))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "coilednet: could not check for an existing %s (%v); CloudFormation will report a clash\n", config.InstancePolicyName, err)
		return 0
	}
	existing, owner, err := lookUp(ctx, awsAPI{iam.NewFromConfig(cfg), cloudformation.NewFromConfig(cfg)}, uses)
	if err != nil {
		fmt.Fprintf(stderr, "coilednet: could not check for an existing %s (%v); CloudFormation will report a clash\n", config.InstancePolicyName, err)
		return 0
	}
	if err := decide(uses, existing, owner); err != nil {
		fmt.Fprintf(stderr, "coilednet: %v\nNothing was deployed.\n", err)
		return 1
	}
	if existing != "" {
		fmt.Fprintf(stdout, "%s exists in this account (%s); every stack uses it consistently\n", config.InstancePolicyName, existing)
	}
	return 0
}

// stackUse is what one stack of the assembly does with CoiledInstancePolicy.
type stackUse struct {
	Stack    string
	Creates  bool // an AWS::IAM::ManagedPolicy named CoiledInstancePolicy
	Attaches bool // a role's ManagedPolicyArns names policy/CoiledInstancePolicy
}

// readAssembly returns the stacks of the assembly at dir that create or
// attach CoiledInstancePolicy, sorted by stack name.
func readAssembly(dir string) ([]stackUse, error) {
	stacks, err := assembly.Stacks(dir)
	if err != nil {
		return nil, err
	}
	var uses []stackUse
	for _, st := range stacks {
		u, err := templateUse(st.TemplateFile)
		if err != nil {
			return nil, err
		}
		if u.Creates || u.Attaches {
			u.Stack = st.Name
			uses = append(uses, u)
		}
	}
	return uses, nil
}

func templateUse(file string) (stackUse, error) {
	var u stackUse
	raw, err := os.ReadFile(file)
	if err != nil {
		return u, err
	}
	var tpl struct {
		Resources map[string]struct {
			Type       string         `json:"Type"`
			Properties map[string]any `json:"Properties"`
		}
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		return u, fmt.Errorf("%s: %v", file, err)
	}
	for _, r := range tpl.Resources {
		switch r.Type {
		case "AWS::IAM::ManagedPolicy":
			u.Creates = u.Creates || r.Properties["ManagedPolicyName"] == config.InstancePolicyName
		case "AWS::IAM::Role":
			arns, _ := json.Marshal(r.Properties["ManagedPolicyArns"])
			u.Attaches = u.Attaches || strings.Contains(string(arns), `:policy/`+config.InstancePolicyName+`"`)
		}
	}
	return u, nil
}

// api is what lookUp asks AWS.
type api interface {
	// policyArn returns the ARN of the account's customer managed policy
	// named name, or "".
	policyArn(ctx context.Context, name string) (string, error)
	// owns reports whether stack (deployed) has a resource whose physical
	// ID is arn.
	owns(ctx context.Context, stack, arn string) (bool, error)
	// ownerOf returns the stack whose resource arn is, or "" if none or
	// unknown (an emulator may not look resources up by physical ID).
	ownerOf(ctx context.Context, arn string) string
}

// lookUp returns the ARN of the account's CoiledInstancePolicy ("" if
// none) and the stack of uses that owns it ("" if none does).
func lookUp(ctx context.Context, a api, uses []stackUse) (string, string, error) {
	arn, err := a.policyArn(ctx, config.InstancePolicyName)
	if err != nil || arn == "" {
		return "", "", err
	}
	if owner := a.ownerOf(ctx, arn); owner != "" {
		return arn, owner, nil
	}
	for _, u := range uses {
		if !u.Creates {
			continue
		}
		ok, err := a.owns(ctx, u.Stack, arn)
		if err != nil {
			return "", "", err
		}
		if ok {
			return arn, u.Stack, nil
		}
	}
	return arn, "", nil
}

// decide returns the error that stops the deploy, or nil: existing is the
// account's CoiledInstancePolicy ("" if none), owner the stack of uses that
// created it ("" if none).
func decide(uses []stackUse, existing, owner string) error {
	var creators, stacks []config.StackAccess
	for _, u := range uses {
		mode := config.InstancePolicyExisting
		if u.Creates {
			mode = config.InstancePolicyCreate
			creators = append(creators, config.StackAccess{StackName: u.Stack})
		}
		stacks = append(stacks, config.StackAccess{StackName: u.Stack,
			Access: config.Access{CoiledAccess: config.AccessRole, CoiledInstancePolicy: mode}})
	}
	if err := config.InstancePolicyClash(stacks); err != nil {
		return err
	}
	var errs []error
	for _, u := range uses {
		switch {
		case u.Creates && existing != "" && owner != u.Stack:
			by := "not by this stack (by Coiled's setup, or by another workspace's stack)"
			if owner != "" {
				by = "by stack " + owner
			}
			errs = append(errs, fmt.Errorf("stack %s would create the IAM policy %s, but this account already has one (%s), made %s; "+
				"IAM policy names are unique per account, so CloudFormation would fail. Deploy this workspace with "+
				"-c %s=existing to attach it (its own grants stay in CoiledInstancePolicy-<workspace>)",
				u.Stack, config.InstancePolicyName, existing, by, config.KeyCoiledInstancePolicy))
		case u.Attaches && existing == "" && len(creators) == 0:
			errs = append(errs, fmt.Errorf("stack %s attaches the account's IAM policy %s (-c %s=existing), but this account has none: "+
				"deploy with -c %s=create (the default), or first deploy the workspace that creates it",
				u.Stack, config.InstancePolicyName, config.KeyCoiledInstancePolicy, config.KeyCoiledInstancePolicy))
		}
	}
	return errors.Join(errs...)
}

// awsAPI is api on the AWS SDK.
type awsAPI struct {
	iam *iam.Client
	cfn *cloudformation.Client
}

func (a awsAPI) policyArn(ctx context.Context, name string) (string, error) {
	p := iam.NewListPoliciesPaginator(a.iam, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", err
		}
		for _, pol := range page.Policies {
			if aws.ToString(pol.PolicyName) == name {
				return aws.ToString(pol.Arn), nil
			}
		}
	}
	return "", nil
}

func (a awsAPI) ownerOf(ctx context.Context, arn string) string {
	out, err := a.cfn.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{PhysicalResourceId: aws.String(arn)})
	if err != nil || len(out.StackResources) == 0 {
		return ""
	}
	return aws.ToString(out.StackResources[0].StackName)
}

func (a awsAPI) owns(ctx context.Context, stack, arn string) (bool, error) {
	out, err := a.cfn.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String(stack)})
	if err != nil {
		if strings.Contains(err.Error(), "does not exist") {
			return false, nil // not deployed yet
		}
		return false, err
	}
	for _, r := range out.StackResources {
		if aws.ToString(r.PhysicalResourceId) == arn {
			return true, nil
		}
	}
	return false, nil
}
