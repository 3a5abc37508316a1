package summary

import (
	"fmt"
	"strings"

	"github.com/coilednet/coilednet/config"
)

// accessLines describes the IAM access (issue 9), one line each; none when
// coiledAccess is none.
func accessLines(a config.App) []string {
	acc := a.Access
	if !acc.Enabled() {
		return nil
	}
	var lines []string
	switch acc.CoiledAccess {
	case config.AccessRole:
		lines = append(lines, fmt.Sprintf("Coiled role: assumable only by %s with external ID %s; one policy scoped to this VPC",
			acc.Principal, acc.ExternalID))
	case config.AccessUser:
		lines = append(lines, "Coiled IAM user with one policy scoped to this VPC; its access key in a Secrets Manager secret "+
			"(a long-lived key: coiledAccess=role needs none)")
	}
	repos := "every repository of this account and region"
	if len(acc.EcrRepositories) > 0 {
		repos = strings.Join(acc.EcrRepositories, ", ")
	}
	lines = append(lines, "Coiled pulls images (no push) from ECR: "+repos)
	if len(acc.EbsKmsKeyArns) > 0 {
		lines = append(lines, fmt.Sprintf("encrypted volumes: Coiled may use KMS key(s) %s only through EC2 in this region (grants only for AWS resources)",
			strings.Join(acc.EbsKmsKeyArns, ", ")))
	} else {
		lines = append(lines, "no KMS permission (set ebsKmsKeyArns if EBS encryption by default uses a customer managed key)")
	}
	lines = append(lines, fmt.Sprintf("instance role and profile %s (EC2 only): logs in log group %s (kept %d days)",
		acc.InstanceRoleName(), acc.LogGroupName(), config.LogRetentionDays))
	if len(acc.DataBuckets) > 0 {
		lines[len(lines)-1] += ", read/write to S3 buckets " + strings.Join(acc.DataBuckets, ", ")
	}
	if acc.CoiledInstancePolicy == config.InstancePolicyExisting {
		lines = append(lines, fmt.Sprintf("instance role policies: the account's existing %s (coiledInstancePolicy=existing) and %s",
			config.InstancePolicyName, acc.WorkspacePolicyName()))
	} else {
		lines = append(lines, fmt.Sprintf("instance role policies: %s (created here, shared by the account's workspaces: one stack per account) and %s",
			config.InstancePolicyName, acc.WorkspacePolicyName()))
	}
	return lines
}
