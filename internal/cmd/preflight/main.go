// Command preflight is scripts/deploy's check before `cdk deploy`, run only
// when AWS credentials exist: it reads the options as the CDK app does
// (cdk.json's context, then each -c key=value), and with read-only EC2 and
// Route 53 calls (package preflight) stops the deploy before CloudFormation
// runs when a security group would exceed its rule quota once the prefix
// lists are counted by their max entries, or when, in an existing VPC, an
// endpoint or a private hosted zone conflicts with the endpoints asked for.
//
//	preflight [-cdk-json cdk.json] [--profile NAME] [-c key=value ...]
//
// Exit status: 0 nothing found (or nothing to check: invalid options are
// left to synth, which names them), 1 a problem that would fail the deploy,
// 2 bad usage or no AWS access.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/outputkeys"
	"github.com/coilednet/coilednet/preflight"
	"github.com/coilednet/coilednet/stackoutputs"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, nil))
}

// clients makes the AWS clients (tests pass fakes); nil means the SDK's.
type clients func(ctx context.Context, env func(string) string) (preflight.EC2, preflight.Route53, string, error)

func sdkClients(ctx context.Context, env func(string) string) (preflight.EC2, preflight.Route53, string, error) {
	cfg, err := stackoutputs.LoadAWSConfig(ctx, env)
	if err != nil {
		return nil, nil, "", err
	}
	return ec2.NewFromConfig(cfg), route53.NewFromConfig(cfg), cfg.Region, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, mk clients) int {
	cdkJSON := "cdk.json"
	profile := ""
	var overrides [][2]string
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := func() (string, bool) {
			if i+1 >= len(args) {
				return "", false
			}
			i++
			return args[i], true
		}
		var kv string
		switch {
		case a == "-c" || a == "--context":
			v, ok := next()
			if !ok {
				return usage(stderr, a+" needs key=value")
			}
			kv = v
		case strings.HasPrefix(a, "--context="):
			kv = strings.TrimPrefix(a, "--context=")
		case strings.HasPrefix(a, "-c") && strings.Contains(a, "="):
			kv = strings.TrimPrefix(strings.TrimPrefix(a, "-c"), "=")
		case a == "--profile" || a == "-cdk-json":
			v, ok := next()
			if !ok {
				return usage(stderr, a+" needs a value")
			}
			if a == "--profile" {
				profile = v
			} else {
				cdkJSON = v
			}
			continue
		case strings.HasPrefix(a, "--profile="):
			profile = strings.TrimPrefix(a, "--profile=")
			continue
		default:
			return usage(stderr, fmt.Sprintf("unknown argument %q", a))
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return usage(stderr, fmt.Sprintf("%q is not key=value", kv))
		}
		overrides = append(overrides, [2]string{k, v})
	}

	cdkCtx := map[string]any{}
	if raw, err := os.ReadFile(cdkJSON); err == nil {
		var doc struct {
			Context map[string]any `json:"context"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			fmt.Fprintf(stderr, "preflight: %s: %v\n", cdkJSON, err)
			return 2
		}
		for k, v := range doc.Context {
			cdkCtx[k] = v
		}
	}
	for _, kv := range overrides {
		cdkCtx[kv[0]] = kv[1] // the CDK CLI passes -c values as strings
	}
	app, err := config.FromContext(cdkCtx)
	if err != nil {
		// Synth names every bad option; nothing to check before that.
		fmt.Fprintln(stdout, "coilednet: preflight skipped: the options are invalid (the synth below says why)")
		return 0
	}

	env := func(k string) string {
		if k == "AWS_PROFILE" && profile != "" {
			return profile
		}
		return getenv(k)
	}
	if mk == nil {
		mk = sdkClients
	}
	ec2c, r53, region, err := mk(ctx, env)
	if err != nil {
		fmt.Fprintf(stderr, "coilednet: preflight: cannot reach AWS: %v\n", err)
		return 2
	}
	var own []string
	if app.Network.ExistingVpcId != "" {
		own = ownEndpoints(ctx, app.WithDefaults().StackName, env)
	}
	findings := preflight.BeforeDeploy(ctx, ec2c, r53, region, app, own)
	problems := 0
	for _, f := range findings {
		if f.Status == preflight.Pass {
			continue
		}
		if f.Status == preflight.Fail {
			problems++
		}
		fmt.Fprintf(stderr, "coilednet: preflight: %s: %s (%s): %s\n", f.Status, f.Check, f.Resource, f.Message)
		if f.Fix != "" {
			fmt.Fprintf(stderr, "  fix: %s\n", f.Fix)
		}
	}
	if problems > 0 {
		fmt.Fprintf(stderr, "coilednet: preflight found %d problem(s) that would fail the deploy midway in %s: nothing was deployed (CloudFormation was not called)\n",
			problems, region)
		return 1
	}
	fmt.Fprintf(stdout, "coilednet: preflight in %s: %d check(s) passed (security group rule quotas%s)\n", region, len(findings), endpointNote(app))
	return 0
}

// ownEndpoints returns the interface endpoints (vpce-…) of the deployed
// stack, from its outputs, or none when it is not deployed (tests replace
// it).
var ownEndpoints = func(ctx context.Context, stack string, env func(string) string) []string {
	o, err := stackoutputs.FromCloudFormation(ctx, stack, env)
	if err != nil {
		return nil
	}
	var ids []string
	for k, v := range o.All {
		if strings.HasPrefix(k, outputkeys.EndpointPrefix) && strings.HasSuffix(k, "Id") && strings.HasPrefix(v, "vpce-") {
			ids = append(ids, v)
		}
	}
	return ids
}

func endpointNote(a config.App) string {
	if a.Network.ExistingVpcId != "" && a.Network.HasEndpoints() {
		return ", endpoint DNS conflicts in " + a.Network.ExistingVpcId
	}
	return ""
}

func usage(stderr io.Writer, problem string) int {
	fmt.Fprintf(stderr, "preflight: %s\nusage: preflight [-cdk-json cdk.json] [--profile NAME] [-c key=value ...]\n", problem)
	return 2
}
