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
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/coilednet/coilednet/safechange"
	"github.com/coilednet/coilednet/stackoutputs"
)

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr)) }

// stack is one stack of the cloud assembly.
type stack struct {
	name, templateFile, region, account string
	// assumeRole is the CDK deploy role of the stack's environment (the
	// manifest's assumeRoleArn): read through it when the stack lives in
	// another account than the credentials'.
	assumeRole string
}

func assembly(dir string) ([]stack, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m struct {
		Artifacts map[string]struct {
			Type        string `json:"type"`
			Environment string `json:"environment"`
			Properties  struct {
				StackName     string `json:"stackName"`
				TemplateFile  string `json:"templateFile"`
				AssumeRoleArn string `json:"assumeRoleArn"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	var out []stack
	for id, a := range m.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		s := stack{name: a.Properties.StackName, templateFile: filepath.Join(dir, a.Properties.TemplateFile)}
		if s.name == "" {
			s.name = id
		}
		if acct, region, ok := strings.Cut(strings.TrimPrefix(a.Environment, "aws://"), "/"); ok {
			if region != "unknown-region" {
				s.region = region
			}
			if acct != "unknown-account" {
				s.account = acct
			}
		}
		s.assumeRole = a.Properties.AssumeRoleArn
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b stack) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

func run(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("safechange", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("assembly", "cdk.out", "the synthesized cloud assembly `DIR`")
	only := fs.String("stacks", "", "check only these stacks (comma-separated; default: all)")
	allow := fs.Bool("allow-replacement", false, "report the dangerous changes but exit 0 (scripts/deploy --allow-replacement)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return 2
	}
	all, err := assembly(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "coilednet: cannot read the synthesized app in %s: %v\n", *dir, err)
		return 2
	}
	var findings []string
	for _, s := range all {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), s.name) {
			continue
		}
		next, err := os.ReadFile(s.templateFile)
		if err != nil {
			fmt.Fprintf(stderr, "coilednet: %v\n", err)
			return 2
		}
		deployed, region, err := deployedTemplate(ctx, s, env)
		if err != nil {
			fmt.Fprintf(stderr, "coilednet: cannot read the deployed template of %s to check the change: %v\n", s.name, err)
			return 2
		}
		if deployed == nil {
			fmt.Fprintf(stdout, "stack %s: new in %s, nothing to compare\n", s.name, region)
			continue
		}
		fs, err := safechange.Compare(deployed, next)
		if err != nil {
			fmt.Fprintf(stderr, "coilednet: stack %s: %v\n", s.name, err)
			return 2
		}
		if len(fs) == 0 {
			fmt.Fprintf(stdout, "stack %s: the change keeps the VPC, subnets and security groups Coiled uses, and the scheduler's sources\n", s.name)
			continue
		}
		findings = append(findings, fmt.Sprintf("  stack %s (%s):", s.name, region))
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
func deployedTemplate(ctx context.Context, s stack, env func(string) string) ([]byte, string, error) {
	regionEnv := env
	if s.region != "" {
		regionEnv = func(k string) string {
			if k == "AWS_REGION" {
				return s.region
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
	if s.account != "" {
		// A stack in another account: read it as cdk deploy does, through
		// the deploy role the target account's bootstrap trusts us with.
		stsClient := sts.NewFromConfig(cfg)
		id, err := stsClient.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return nil, cfg.Region, fmt.Errorf("who are these credentials (sts:GetCallerIdentity): %v", err)
		}
		if aws.ToString(id.Account) != s.account {
			role := strings.NewReplacer("${AWS::Partition}", partition(cfg.Region), "${AWS::Region}", cfg.Region, "${AWS::AccountId}", s.account).Replace(s.assumeRole)
			if role == "" {
				return nil, cfg.Region, fmt.Errorf("stack %s is in account %s, the credentials in %s, and the app names no deploy role to read it with", s.name, s.account, aws.ToString(id.Account))
			}
			cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, role))
		}
	}
	out, err := cloudformation.NewFromConfig(cfg).GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: aws.String(s.name)})
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
