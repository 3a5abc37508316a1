package cost

import (
	"fmt"

	"github.com/coilednet/coilednet/config"
)

// Prices of the IAM access, in USD (us-east-1 list prices). IAM roles,
// users, policies and instance profiles are free.
const (
	// SecretMonth is one Secrets Manager secret for one month (user mode:
	// the access key).
	SecretMonth = 0.40
	// SecretAPICalls10k is 10,000 Secrets Manager API calls.
	SecretAPICalls10k = 0.05
	// LogsIngestionGB is CloudWatch Logs ingestion of standard logs, per GB
	// (the cluster logs in the workspace's log group).
	LogsIngestionGB = 0.50
	// KMSRequests10k is 10,000 KMS requests (symmetric keys): EC2's calls
	// on an ebsKmsKeyArns key, billed to the key's account.
	KMSRequests10k = 0.03
)

// accessCosts returns the fixed costs and the usage notes of the IAM access
// (issue 9): a Secrets Manager secret in user mode.
func accessCosts(a config.App) ([]Line, []string) {
	acc := a.Access
	if !acc.Enabled() {
		return nil, nil
	}
	notes := []string{fmt.Sprintf("cluster logs in the log group %q: $%.2f/GB ingested, plus storage for %d days (IAM roles, users and policies are free)",
		acc.LogGroupName(), LogsIngestionGB, config.LogRetentionDays)}
	if n := len(acc.EbsKmsKeyArns); n > 0 {
		notes = append(notes, fmt.Sprintf("ebsKmsKeyArns: $0.00 from this stack (IAM grants on your %d key(s) are free; no key is created); "+
			"KMS bills the key's account $%.2f per 10,000 requests EC2 makes when it creates or attaches an encrypted volume",
			n, KMSRequests10k))
	}
	if acc.CoiledAccess != config.AccessUser {
		return nil, notes
	}
	lines := []Line{{Item: "Secrets Manager secret (the access key of coiledAccess=user)", Count: 1, HourlyUSD: SecretMonth / HoursPerMonth}}
	notes = append(notes, fmt.Sprintf("reading the access key's secret: $%.2f per 10,000 API calls", SecretAPICalls10k))
	return lines, notes
}
