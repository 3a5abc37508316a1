// Command safechange is scripts/deploy's safety check before a deploy: for
// each stack of the synthesized cloud assembly it reads the deployed
// template (CloudFormation GetTemplate, in the stack's region) and compares
// it with the new one (package safechange). It exits 1, naming the
// resources, the options behind them and --allow-replacement, when the
// deploy would replace or delete the VPC, a subnet or a security group
// handed to Coiled, or widen who reaches the scheduler ports; 0 when it
// would not (or the stack does not exist yet); 2 on bad usage or when the
// deployed template cannot be read.
//
//	safechange [-assembly cdk.out] [-stacks S1,S2]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/coilednet/coilednet/internal/assembly"
	"github.com/coilednet/coilednet/safechange"
	"github.com/coilednet/coilednet/stackoutputs"
)

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr)) }

func run(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("safechange", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("assembly", "cdk.out", "the synthesized cloud assembly `DIR`")
	only := fs.String("stacks", "", "check only these stacks (comma-separated; default: all)")
	allow := fs.Bool("allow-replacement", false, "report the dangerous changes but exit 0 (scripts/deploy --allow-replacement)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return 2
	}
	all, err := assembly.Stacks(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "coilednet: cannot read the synthesized app in %s: %v\n", *dir, err)
		return 2
	}
	var findings []string
	for _, s := range all {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), s.Name) {
			continue
		}
		next, err := os.ReadFile(s.TemplateFile)
		if err != nil {
			fmt.Fprintf(stderr, "coilednet: %v\n", err)
			return 2
		}
		deployed, region, err := deployedTemplate(ctx, s, env)
		if err != nil {
			fmt.Fprintf(stderr, "coilednet: cannot read the deployed template of %s to check the change: %v\n", s.Name, err)
			return 2
		}
		if deployed == nil {
			fmt.Fprintf(stdout, "stack %s: new in %s, nothing to compare\n", s.Name, region)
			continue
		}
		fs, err := safechange.Compare(deployed, next)
		if err != nil {
			fmt.Fprintf(stderr, "coilednet: stack %s: %v\n", s.Name, err)
			return 2
		}
		if len(fs) == 0 {
			fmt.Fprintf(stdout, "stack %s: the change keeps the VPC, subnets and security groups Coiled uses, and the scheduler's sources\n", s.Name)
			continue
		}
		findings = append(findings, fmt.Sprintf("  stack %s (%s):", s.Name, region))
		for _, f := range fs {
			findings = append(findings, "    - "+f.String())
		}
	}
	if len(findings) == 0 {
		return 0
	}
	if *allow {
		fmt.Fprintf(stderr, "coilednet: --allow-replacement: deploying a change that breaks the network Coiled uses or opens the scheduler wider:\n%s\n", strings.Join(findings, "\n"))
		fmt.Fprintln(stderr, "  Hand Coiled the new IDs afterwards: scripts/coiled-hook.")
		return 0
	}
	fmt.Fprintf(stderr, "coilednet: refusing to deploy: the change would break the network Coiled uses or open the scheduler wider:\n%s\n", strings.Join(findings, "\n"))
	fmt.Fprintln(stderr, "  A replaced or deleted VPC, subnet or security group leaves Coiled pointing at IDs that no longer exist")
	fmt.Fprintln(stderr, "  (running clusters lose their network); check the options named above against your networks file and -c flags.")
	fmt.Fprintln(stderr, "  If the change is intended, run again with --allow-replacement, then scripts/coiled-hook to hand Coiled the new IDs.")
	return 1
}

// deployedTemplate returns the template CloudFormation holds for s (nil
// when the stack does not exist) and the region asked.
func deployedTemplate(ctx context.Context, s assembly.Stack, env func(string) string) ([]byte, string, error) {
	regionEnv := env
	if s.Region != "" {
		regionEnv = func(k string) string {
			if k == "AWS_REGION" {
				return s.Region
			}
			return env(k)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cfg, err := stackoutputs.LoadAWSConfig(ctx, regionEnv)
	if err != nil {
		return nil, "", err
	}
	if s.Account != "" {
		// A stack in another account: read it as cdk deploy does, through
		// the deploy role the target account's bootstrap trusts us with.
		stsClient := sts.NewFromConfig(cfg)
		id, err := stsClient.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return nil, cfg.Region, fmt.Errorf("who are these credentials (sts:GetCallerIdentity): %v", err)
		}
		if aws.ToString(id.Account) != s.Account {
			role := strings.NewReplacer("${AWS::Partition}", partition(cfg.Region), "${AWS::Region}", cfg.Region, "${AWS::AccountId}", s.Account).Replace(s.AssumeRoleArn)
			if role == "" {
				return nil, cfg.Region, fmt.Errorf("stack %s is in account %s, the credentials in %s, and the app names no deploy role to read it with", s.Name, s.Account, aws.ToString(id.Account))
			}
			cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, role))
		}
	}
	out, err := cloudformation.NewFromConfig(cfg).GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: aws.String(s.Name)})
	if err != nil {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationError" && strings.Contains(apiErr.ErrorMessage(), "does not exist") {
			return nil, cfg.Region, nil
		}
		return nil, cfg.Region, err
	}
	body := aws.ToString(out.TemplateBody)
	if strings.TrimSpace(body) == "" {
		return nil, cfg.Region, fmt.Errorf("CloudFormation returned an empty template")
	}
	return []byte(body), cfg.Region, nil
}

// partition is the AWS partition of region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}
