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
			"instance role and profile coiled-acme (EC2 only): logs in log group acme (kept 30 days), read/write to S3 buckets a-data, b-data",
		}},
		{"user", config.Access{CoiledAccess: config.AccessUser, Workspace: "w"}, []string{
			"Coiled IAM user with one policy scoped to this VPC; its access key in a Secrets Manager secret (a long-lived key: coiledAccess=role needs none)",
			"instance role and profile coiled-w (EC2 only): logs in log group w (kept 30 days)",
		}},
	} {
		if got := accessLines(config.App{Access: tc.a}); !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
