package cost

import (
	"math"
	"strings"
	"testing"

	"github.com/coilednet/coilednet/config"
)

func TestAccessCosts(t *testing.T) {
	role := config.App{Access: config.Access{CoiledAccess: config.AccessRole, Workspace: "acme",
		Principal: "arn:aws:iam::077742499581:root", ExternalID: "xyz"}}
	user := config.App{Access: config.Access{CoiledAccess: config.AccessUser, Workspace: "acme"}}
	base := EstimateApp(config.App{})
	for _, tc := range []struct {
		name  string
		app   config.App
		extra float64 // monthly USD on top of the network
		notes []string
	}{
		{"none", config.App{}, 0, nil},
		{"role", role, 0, []string{`log group "acme": $0.50/GB ingested`}},
		{"user", user, 0.40, []string{`log group "acme"`, "$0.05 per 10,000 API calls"}},
		{"role with ebsKmsKeyArns (free)", func() config.App {
			a := role
			a.Access.EbsKmsKeyArns = []string{"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
			return a
		}(), 0, []string{"ebsKmsKeyArns: $0.00 from this stack", "your 1 key(s)", "$0.03 per 10,000 requests"}},
	} {
		r := EstimateApp(tc.app)
		if got := r.MonthlyUSD - base.MonthlyUSD; math.Abs(got-tc.extra) > 1e-9 {
			t.Errorf("%s: adds $%.4f/month, want $%.2f", tc.name, got, tc.extra)
		}
		all := strings.Join(r.Notes, "\n")
		for _, n := range tc.notes {
			if !strings.Contains(all, n) {
				t.Errorf("%s: notes do not say %q:\n%s", tc.name, n, all)
			}
		}
		if tc.notes == nil && len(r.Notes) != len(base.Notes) {
			t.Errorf("%s: notes %v", tc.name, r.Notes)
		}
	}
	if s := EstimateApp(user).String(); !strings.Contains(s, "1 × Secrets Manager secret") || !strings.Contains(s, "$0.40") {
		t.Errorf("report:\n%s", s)
	}
}
