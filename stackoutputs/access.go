package stackoutputs

import (
	"fmt"
	"regexp"

	"github.com/coilednet/coilednet/outputkeys"
)

// Access are the optional outputs of the IAM access (issue 9): how Coiled
// acts in the account when the stack creates that identity. All empty for a
// stack with coiledAccess=none.
type Access struct {
	// RoleARN and ExternalID: the role Coiled assumes (coiledAccess=role).
	RoleARN    string
	ExternalID string
	// SecretARN: the Secrets Manager secret holding the access key of the
	// IAM user Coiled acts as (coiledAccess=user).
	SecretARN string
	// The instance role and profile cluster VMs run with, and the
	// workspace's log group.
	InstanceRoleARN    string
	InstanceProfileARN string
	LogGroupName       string
}

// Mode is "role", "user" or "" (the stack creates no identity for Coiled).
func (a Access) Mode() string {
	switch {
	case a.RoleARN != "":
		return "role"
	case a.SecretARN != "":
		return "user"
	}
	return ""
}

var (
	iamRoleARNRE    = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`)
	iamProfileARNRE = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:instance-profile/[A-Za-z0-9+=,.@_/-]{1,512}$`)
	secretARNRE     = regexp.MustCompile(`^arn:aws(-[a-z]+)*:secretsmanager:([a-z0-9-]+):[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$`)
	externalIDRE    = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	logGroupRE      = regexp.MustCompile(`^[\w#/.-]+$`)
)

// accessKeys are the access outputs, for isRelevantKey.
var accessKeys = []string{outputkeys.CoiledRoleArn, outputkeys.CoiledExternalID, outputkeys.CoiledAccessKeySecretArn,
	outputkeys.InstanceRoleArn, outputkeys.InstanceProfileArn, outputkeys.LogGroupName}

// parseAccess reads and validates the access outputs present in raw.
func parseAccess(raw map[string]string, region string) (Access, []string) {
	var a Access
	var problems []string
	get := func(k string) (string, bool) { v, ok := raw[k]; return v, ok }
	if v, ok := get(outputkeys.CoiledRoleArn); ok {
		a.RoleARN = v
		if !iamRoleARNRE.MatchString(v) {
			problems = append(problems, fmt.Sprintf("%s: %q is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", outputkeys.CoiledRoleArn, v))
		}
		if _, ok := get(outputkeys.CoiledExternalID); !ok {
			problems = append(problems, fmt.Sprintf("%s is set but %s is missing: a role stack publishes both", outputkeys.CoiledRoleArn, outputkeys.CoiledExternalID))
		}
	}
	if v, ok := get(outputkeys.CoiledExternalID); ok {
		a.ExternalID = v
		if len(v) < 2 || len(v) > 1224 || !externalIDRE.MatchString(v) {
			problems = append(problems, fmt.Sprintf("%s: %q is not an external ID (2–1224 characters of [\\w+=,.@:/-])", outputkeys.CoiledExternalID, v))
		}
		if _, ok := get(outputkeys.CoiledRoleArn); !ok {
			problems = append(problems, fmt.Sprintf("%s is set but %s is missing: a role stack publishes both", outputkeys.CoiledExternalID, outputkeys.CoiledRoleArn))
		}
	}
	if v, ok := get(outputkeys.CoiledAccessKeySecretArn); ok {
		a.SecretARN = v
		if m := secretARNRE.FindStringSubmatch(v); m == nil {
			problems = append(problems, fmt.Sprintf("%s: %q is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)", outputkeys.CoiledAccessKeySecretArn, v))
		} else if region != "" && m[2] != region {
			problems = append(problems, fmt.Sprintf("%s: the secret is in region %s, the stack in %s", outputkeys.CoiledAccessKeySecretArn, m[2], region))
		}
		if _, ok := get(outputkeys.CoiledRoleArn); ok {
			problems = append(problems, fmt.Sprintf("both %s and %s are set: a stack creates either a role or a user for Coiled", outputkeys.CoiledRoleArn, outputkeys.CoiledAccessKeySecretArn))
		}
	}
	if v, ok := get(outputkeys.InstanceRoleArn); ok {
		a.InstanceRoleARN = v
		if !iamRoleARNRE.MatchString(v) {
			problems = append(problems, fmt.Sprintf("%s: %q is not an IAM role ARN", outputkeys.InstanceRoleArn, v))
		}
	}
	if v, ok := get(outputkeys.InstanceProfileArn); ok {
		a.InstanceProfileARN = v
		if !iamProfileARNRE.MatchString(v) {
			problems = append(problems, fmt.Sprintf("%s: %q is not an IAM instance profile ARN", outputkeys.InstanceProfileArn, v))
		}
	}
	if v, ok := get(outputkeys.LogGroupName); ok {
		a.LogGroupName = v
		if len(v) == 0 || len(v) > 512 || !logGroupRE.MatchString(v) {
			problems = append(problems, fmt.Sprintf("%s: %q is not a CloudWatch log group name", outputkeys.LogGroupName, v))
		}
	}
	return a, problems
}
