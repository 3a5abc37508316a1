package stackoutputs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
)

// LoadAWSConfig loads the AWS SDK configuration through the default
// credential chain, with these environment variables read through env (so
// callers and tests can supply them without touching the process
// environment): AWS_REGION (or AWS_DEFAULT_REGION), AWS_PROFILE,
// AWS_ENDPOINT_URL_CLOUDFORMATION or AWS_ENDPOINT_URL, and
// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN. Anything env
// does not set falls back to the SDK's own lookup (shared config files, SSO,
// instance roles, …).
func LoadAWSConfig(ctx context.Context, env func(string) string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	region := env("AWS_REGION")
	if region == "" {
		region = env("AWS_DEFAULT_REGION")
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if p := env("AWS_PROFILE"); p != "" {
		opts = append(opts, config.WithSharedConfigProfile(p))
	}
	endpoint := env("AWS_ENDPOINT_URL_CLOUDFORMATION")
	if endpoint == "" {
		endpoint = env("AWS_ENDPOINT_URL")
	}
	if endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(endpoint))
	}
	if id, secret := env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, env("AWS_SESSION_TOKEN"))))
	}
	opts = append(opts, config.WithRetryMaxAttempts(3))
	// The SDK's own log lines (e.g. "SDK … WARN falling back to IMDSv1")
	// are not for users of the hook: its errors say what went wrong.
	opts = append(opts, config.WithLogger(logging.Nop{}))
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return cfg, errors.New("no AWS region: set AWS_REGION to the stack's region (or a region in the AWS_PROFILE profile)")
	}
	return cfg, nil
}

// FromCloudFormation reads stack's outputs with DescribeStacks (configured by
// LoadAWSConfig(ctx, env)) and validates them with Parse. Every failure,
// including a stack that does not exist and missing credentials, is an
// *Error.
func FromCloudFormation(ctx context.Context, stack string, env func(string) string) (*Outputs, error) {
	fail := func(format string, args ...any) error {
		return &Error{Stack: stack, Problems: []string{fmt.Sprintf(format, args...)}}
	}
	if strings.TrimSpace(stack) == "" {
		return nil, fail("no stack name")
	}
	cfg, err := LoadAWSConfig(ctx, env)
	if err != nil {
		return nil, fail("%v", err)
	}
	client := cloudformation.NewFromConfig(cfg)
	out, err := client.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
	if err != nil {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationError" && strings.Contains(apiErr.ErrorMessage(), "does not exist") {
			return nil, fail("stack %s does not exist in region %s (set AWS_REGION to the stack's region)", stack, cfg.Region)
		}
		return nil, fail("reading the stack from CloudFormation in %s: %v", cfg.Region, err)
	}
	if len(out.Stacks) == 0 {
		return nil, fail("stack %s does not exist in region %s", stack, cfg.Region)
	}
	s := out.Stacks[0]
	raw := map[string]string{}
	for _, o := range s.Outputs {
		raw[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	outputs, err := Parse(stack, raw)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && s.StackStatus != "" && !strings.HasSuffix(string(s.StackStatus), "_COMPLETE") {
			e.Problems = append(e.Problems, fmt.Sprintf("the stack's status is %s", s.StackStatus))
		}
		return nil, err
	}
	return outputs, nil
}
