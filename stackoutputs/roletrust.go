package stackoutputs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/smithy-go"

	"github.com/coilednet/coilednet/outputkeys"
)

// RoleTrust is what a deployed role stack's role trusts: the principal and
// the external ID of its sts:ExternalId condition.
type RoleTrust struct {
	Principal  string
	ExternalID string
	// Workspace is the stack's LogGroupName output (the workspace slug the
	// stack was deployed for), when present.
	Workspace string
}

// ErrNoRoleStack means the stack does not exist or is not a role stack.
var ErrNoRoleStack = errors.New("no deployed role stack")

// RoleTrustFromCloudFormation reads a deployed role stack (configured by
// LoadAWSConfig(ctx, env)): its CoiledExternalId output, and from its
// template the principal of the IAM role whose trust policy requires that
// external ID. It lets a redeploy from another machine keep the same
// external ID. A stack that does not exist or has no CoiledExternalId output
// gives ErrNoRoleStack.
func RoleTrustFromCloudFormation(ctx context.Context, stack string, env func(string) string) (*RoleTrust, error) {
	cfg, err := LoadAWSConfig(ctx, env)
	if err != nil {
		return nil, err
	}
	client := cloudformation.NewFromConfig(cfg)
	out, err := client.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
	if err != nil {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationError" && strings.Contains(apiErr.ErrorMessage(), "does not exist") {
			return nil, ErrNoRoleStack
		}
		return nil, fmt.Errorf("reading stack %s from CloudFormation in %s: %v", stack, cfg.Region, err)
	}
	if len(out.Stacks) == 0 {
		return nil, ErrNoRoleStack
	}
	rt := &RoleTrust{}
	for _, o := range out.Stacks[0].Outputs {
		switch aws.ToString(o.OutputKey) {
		case outputkeys.CoiledExternalID:
			rt.ExternalID = aws.ToString(o.OutputValue)
		case outputkeys.LogGroupName:
			rt.Workspace = aws.ToString(o.OutputValue)
		}
	}
	if rt.ExternalID == "" {
		return nil, ErrNoRoleStack
	}
	tpl, err := client.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: aws.String(stack)})
	if err != nil {
		return nil, fmt.Errorf("reading the template of stack %s: %v", stack, err)
	}
	p, err := TrustedPrincipal([]byte(aws.ToString(tpl.TemplateBody)), rt.ExternalID)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %v", stack, err)
	}
	rt.Principal = p
	return rt, nil
}

// TrustedPrincipal finds, in a CloudFormation template (JSON), the
// AWS::IAM::Role whose trust policy requires sts:ExternalId = externalID and
// returns its literal AWS principal.
func TrustedPrincipal(template []byte, externalID string) (string, error) {
	var t struct {
		Resources map[string]struct {
			Type       string `json:"Type"`
			Properties struct {
				AssumeRolePolicyDocument struct {
					Statement []struct {
						Principal struct {
							AWS any `json:"AWS"`
						} `json:"Principal"`
						Condition map[string]map[string]any `json:"Condition"`
					} `json:"Statement"`
				} `json:"AssumeRolePolicyDocument"`
			} `json:"Properties"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal(template, &t); err != nil {
		return "", fmt.Errorf("the template is not JSON: %v", err)
	}
	for _, r := range t.Resources {
		if r.Type != "AWS::IAM::Role" {
			continue
		}
		for _, st := range r.Properties.AssumeRolePolicyDocument.Statement {
			if !containsString(st.Condition["StringEquals"]["sts:ExternalId"], externalID) {
				continue
			}
			switch p := st.Principal.AWS.(type) {
			case string:
				return p, nil
			case []any:
				if len(p) == 1 {
					if s, ok := p[0].(string); ok {
						return s, nil
					}
				}
			}
			return "", errors.New("the role's trusted principal is not a single literal ARN")
		}
	}
	return "", fmt.Errorf("no IAM role in the template requires sts:ExternalId %s", externalID)
}

func containsString(v any, s string) bool {
	switch x := v.(type) {
	case string:
		return x == s
	case []any:
		for _, e := range x {
			if e == s {
				return true
			}
		}
	}
	return false
}
