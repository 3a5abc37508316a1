package summary

import (
	"slices"
	"testing"

	"github.com/coilednet/coilednet/config"
)

func TestAccessLines(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    config.Access
		want []string
	}{
		{"none", config.Access{}, nil},
		{"role with buckets", config.Access{CoiledAccess: config.AccessRole, Workspace: "acme", Principal: "arn:aws:iam::077742499581:root",
			ExternalID: "ext-1", DataBuckets: []string{"a-data", "b-data"}}, []string{
			"Coiled role: assumable only by arn:aws:iam::077742499581:root with external ID ext-1; one policy scoped to this VPC",
			"Coiled pulls images (no push) from ECR: every repository of this account and region",
			"no KMS permission (set ebsKmsKeyArns if EBS encryption by default uses a customer managed key)",
			"instance role and profile coiled-acme (EC2 only): logs in log group acme (kept 30 days), read/write to S3 buckets a-data, b-data",
			"instance role policies: CoiledInstancePolicy (created here, shared by the account's workspaces: one stack per account) and CoiledInstancePolicy-acme",
		}},
		{"second workspace with KMS keys and repositories", config.Access{CoiledAccess: config.AccessUser, Workspace: "beta",
			CoiledInstancePolicy: config.InstancePolicyExisting, EcrRepositories: []string{"coiled/*", "envs"},
			EbsKmsKeyArns: []string{"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}, []string{
			"Coiled IAM user with one policy scoped to this VPC; its access key in a Secrets Manager secret (a long-lived key: coiledAccess=role needs none)",
			"Coiled pulls images (no push) from ECR: coiled/*, envs",
			"encrypted volumes: Coiled may use KMS key(s) arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab only through EC2 in this region (grants only for AWS resources)",
			"instance role and profile coiled-beta (EC2 only): logs in log group beta (kept 30 days)",
			"instance role policies: the account's existing CoiledInstancePolicy (coiledInstancePolicy=existing) and CoiledInstancePolicy-beta",
		}},
		{"user", config.Access{CoiledAccess: config.AccessUser, Workspace: "w"}, []string{
			"Coiled IAM user with one policy scoped to this VPC; its access key in a Secrets Manager secret (a long-lived key: coiledAccess=role needs none)",
			"Coiled pulls images (no push) from ECR: every repository of this account and region",
			"no KMS permission (set ebsKmsKeyArns if EBS encryption by default uses a customer managed key)",
			"instance role and profile coiled-w (EC2 only): logs in log group w (kept 30 days)",
			"instance role policies: CoiledInstancePolicy (created here, shared by the account's workspaces: one stack per account) and CoiledInstancePolicy-w",
		}},
	} {
		if got := accessLines(config.App{Access: tc.a}); !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
