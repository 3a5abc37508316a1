package coiled

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Cross-account role delegation: the three REST calls of shared/coiled-iam.md
// ("Cross-account role delegation"). Coiled gives a principal and an external
// ID (start), the customer creates a role trusted by that principal with that
// external ID, Coiled checks it can assume the role (check), and the setup is
// recorded (complete). The network is then sent with options.account_role set
// to the role's ARN and no keys (PlanAWSNetwork with AccountRole).

// CredsSource is the creds_source this project reports to
// complete-role-assumption-setup.
const CredsSource = "coilednet"

// RoleSetup is the answer of start-role-assumption-setup: what the role's
// trust policy must name. Neither value is a secret (the external ID guards
// against the confused-deputy problem, it does not authenticate).
type RoleSetup struct {
	// AllowedPrincipal is the IAM principal (an ARN) Coiled assumes roles
	// from.
	AllowedPrincipal string `json:"allowed_principal"`
	// ExternalID is the value of the sts:ExternalId condition.
	ExternalID string `json:"external_id"`
}

var (
	principalRE  = regexp.MustCompile(`^arn:aws(-[a-z]+)*:(iam|sts)::[0-9]{12}:[A-Za-z0-9+=,.@_/:-]+$`)
	externalIDRE = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
)

// ValidPrincipal reports whether s is an IAM principal ARN (arn:aws:iam::…
// or arn:aws:sts::…).
func ValidPrincipal(s string) bool { return principalRE.MatchString(s) }

// ValidExternalID reports whether s is an external ID IAM accepts in a trust
// policy: 2–1224 characters of [\w+=,.@:/-].
func ValidExternalID(s string) bool {
	return len(s) >= 2 && len(s) <= 1224 && externalIDRE.MatchString(s)
}

// Validate checks both values are present and well formed.
func (s RoleSetup) Validate() error {
	var bad []string
	if !ValidPrincipal(s.AllowedPrincipal) {
		bad = append(bad, fmt.Sprintf("allowed_principal %q is not an IAM principal ARN", s.AllowedPrincipal))
	}
	if !ValidExternalID(s.ExternalID) {
		if s.ExternalID == "" {
			bad = append(bad, "external_id is empty")
		} else {
			bad = append(bad, "external_id is not 2–1224 characters of [\\w+=,.@:/-]")
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("the role setup answer from Coiled is unusable: %s", strings.Join(bad, "; "))
	}
	return nil
}

func rolePath(workspace, call string) string {
	return "/api/v2/cloud-credentials/account/" + url.PathEscape(workspace) + "/" + call
}

// StartRoleAssumptionSetup asks Coiled for the principal and external ID a
// role for workspace must trust: POST …/start-role-assumption-setup (no
// body). Both values are checked (RoleSetup.Validate).
func (c *Client) StartRoleAssumptionSetup(ctx context.Context, workspace string) (*RoleSetup, error) {
	var out RoleSetup
	if err := c.callJSON(ctx, http.MethodPost, rolePath(workspace, "start-role-assumption-setup"), nil, &out); err != nil {
		return nil, err
	}
	out.AllowedPrincipal = strings.TrimSpace(out.AllowedPrincipal)
	out.ExternalID = strings.TrimSpace(out.ExternalID)
	if err := out.Validate(); err != nil {
		return nil, err
	}
	return &out, nil
}

// CheckRoleAssumption asks whether Coiled can assume roleARN with externalID
// now: POST …/check-role-assumption. Only the JSON answer true means yes; IAM
// is eventually consistent, so callers poll.
func (c *Client) CheckRoleAssumption(ctx context.Context, workspace, externalID, roleARN string) (bool, error) {
	var out any
	body := map[string]any{"external_id": externalID, "role_arn": roleARN}
	if err := c.callJSON(ctx, http.MethodPost, rolePath(workspace, "check-role-assumption"), body, &out); err != nil {
		return false, err
	}
	ok, _ := out.(bool)
	return ok, nil
}

// RoleCompletion is the body of complete-role-assumption-setup.
type RoleCompletion struct {
	ExternalID    string `json:"external_id"`
	RoleARN       string `json:"role_arn"`
	CredsSource   string `json:"creds_source"`
	DefaultRegion string `json:"default_region"`
}

// CompleteRoleAssumptionSetup records the role for workspace:
// POST …/complete-role-assumption-setup.
func (c *Client) CompleteRoleAssumptionSetup(ctx context.Context, workspace string, rc RoleCompletion) error {
	if rc.CredsSource == "" {
		rc.CredsSource = CredsSource
	}
	return c.callJSON(ctx, http.MethodPost, rolePath(workspace, "complete-role-assumption-setup"), rc, nil)
}
