package hook

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coilednet/coilednet/coiled"
	"github.com/coilednet/coilednet/outputkeys"
	"github.com/coilednet/coilednet/stackoutputs"
)

// How Coiled acts in the account, decided before anything is sent:
//
//   - the stack made a role (output CoiledRoleArn): the hook drives Coiled's
//     role-assumption flow (check-role-assumption polled with backoff, then
//     complete-role-assumption-setup) and sends the network with
//     account_role = that role and no keys;
//   - the stack made a user (output CoiledAccessKeySecretArn): its access key
//     is read from Secrets Manager unless COILED_AWS_* are set;
//   - otherwise the keys of COILED_AWS_*, if set; with no keys at all the
//     workspace's own role (a non-empty account_role) is kept.
//
// Keys never silently replace a role the workspace uses: that is refused
// (exit 2) unless --replace-role-with-keys (coiled.RoleInUseError).

// access is what resolveAccess decided.
type access struct {
	// creds are the keys to send (empty in role mode); keysFrom says where
	// they came from, for messages.
	creds    coiled.AWSCredentials
	keysFrom string
	// stackRole and externalID are the stack's role (role stacks).
	stackRole  string
	externalID string
}

// resolveAccess combines the stack's access outputs with the keys of the
// environment; a user stack's secret is read here (before anything is sent
// to Coiled).
func (r *run) resolveAccess(ctx context.Context, outputs *stackoutputs.Outputs, envCreds coiled.AWSCredentials, envKeys bool) (access, int, bool) {
	a := outputs.Access
	envFrom := coiled.EnvAWSAccessKeyID + " and " + coiled.EnvAWSSecretAccessKey
	switch a.Mode() {
	case "role":
		if envKeys && !r.f.replaceRole {
			return access{}, r.errorf(ExitUsage, "stack %s created role %s for Coiled to assume, but %s are set: "+
				"unset them (the role needs no keys), or pass --replace-role-with-keys to send those keys instead of the role",
				outputs.StackName, a.RoleARN, envFrom), false
		}
		if envKeys {
			return access{creds: envCreds, keysFrom: envFrom}, 0, true
		}
		return access{stackRole: a.RoleARN, externalID: a.ExternalID}, 0, true
	case "user":
		if envKeys {
			r.verbosef("using the keys of %s, not the stack's secret %s", envFrom, a.SecretARN)
			return access{creds: envCreds, keysFrom: envFrom}, 0, true
		}
		r.step = "reading the access key from Secrets Manager"
		r.verbosef("reading the access key of the IAM user Coiled acts as from Secrets Manager secret %s", a.SecretARN)
		creds, err := readAccessKeySecret(ctx, r.env, a.SecretARN)
		if err != nil {
			if ctx.Err() != nil {
				return access{}, r.timeoutOrCancel(ctx), false
			}
			return access{}, r.errorf(ExitUsage, "reading the access key of the IAM user Coiled acts as from Secrets Manager secret %s (output %s): %v; "+
				"the hook reads it with the AWS SDK's default credential chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, …), which needs secretsmanager:GetSecretValue on it; "+
				"or set %s yourself",
				a.SecretARN, outputkeys.CoiledAccessKeySecretArn, err, envFrom), false
		}
		r.red.add(creds.SecretAccessKey)
		return access{creds: creds, keysFrom: "Secrets Manager secret " + a.SecretARN}, 0, true
	}
	if envKeys {
		return access{creds: envCreds, keysFrom: envFrom}, 0, true
	}
	return access{}, 0, true
}

// planError explains a refused plan (all exit 2: nothing was sent).
func (r *run) planError(err error, workspace string) int {
	var inUse *coiled.RoleInUseError
	var missing *coiled.MissingCredentialsError
	switch {
	case errors.As(err, &inUse):
		return r.errorf(ExitUsage, "workspace %s uses cross-account role %s (account_role), and access keys were given (%s): "+
			"sending them would replace the role with long-lived keys, so nothing was sent.\n"+
			"  To keep the role: unset %s and %s; the hook then sends the network with that same role.\n"+
			"  To replace the role with the keys anyway: rerun with --replace-role-with-keys.",
			workspace, inUse.Role, r.acc.keysFrom, coiled.EnvAWSAccessKeyID, coiled.EnvAWSSecretAccessKey)
	case errors.As(err, &missing) && len(missing.Missing) == 2:
		return r.errorf(ExitUsage, "no AWS identity for Coiled: workspace %s uses no role (its account_role is empty), the stack made none, and %s and %s are not set. "+
			"Either deploy with -c coiledAccess=role (the stack creates a role scoped to this network and the hook sets it up; see docs/access.md), "+
			"or -c coiledAccess=user, or set those two variables to the access keys of the IAM identity Coiled will act as (not the credentials you deploy with)",
			workspace, coiled.EnvAWSAccessKeyID, coiled.EnvAWSSecretAccessKey)
	}
	return r.errorf(ExitUsage, "%v", err)
}

// sleep waits d (Runner.Sleep in tests) or until ctx ends.
func (r *run) sleep(ctx context.Context, d time.Duration) error {
	if r.Runner.Sleep != nil {
		return r.Runner.Sleep(ctx, d)
	}
	return coiled.SleepContext(ctx, d)
}

// roleCheckBackoff is the wait before check number n+1 (n ≥ 1): 1s, 2s,
// 4s, 8s, then 10s (IAM changes usually propagate within seconds, sometimes
// a minute).
func roleCheckBackoff(n int) time.Duration {
	if n >= 5 {
		return 10 * time.Second
	}
	return time.Second << (n - 1)
}

// setUpStackRole polls check-role-assumption until Coiled can assume the
// stack's role (bounded by --timeout), then calls
// complete-role-assumption-setup.
func (r *run) setUpStackRole(ctx context.Context, client *coiled.Client, workspace, region string) (int, bool) {
	role, ext := r.acc.stackRole, r.acc.externalID
	fmt.Fprintf(r.out, "Checking that Coiled can assume role %s (external ID %s)...\n", role, ext)
	r.step = "checking that Coiled can assume the stack's role (POST check-role-assumption)"
	var waited time.Duration
	for n := 1; ; n++ {
		ok, err := client.CheckRoleAssumption(ctx, workspace, ext, role)
		if err != nil {
			return r.coiledError(ctx, err, workspace), false // a timeout is reported as one
		}
		if ok {
			r.verbosef("Coiled can assume %s (check %d)", role, n)
			break
		}
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return r.timeoutOrCancel(ctx), false
		}
		d := roleCheckBackoff(n)
		if ctx.Err() != nil || waited+d > r.f.timeout {
			return r.errorf(ExitFailed, "Coiled could not assume role %s within %s (--timeout; %d checks). "+
				"The role's trust policy must allow Coiled's principal (coiledPrincipal, from `coiled-hook --start-role-setup`) to call sts:AssumeRole with sts:ExternalId %s. "+
				"IAM changes can take a minute to propagate: rerun the hook (it is safe to rerun), or give it a larger --timeout. Workspace %s was not changed.",
				role, r.f.timeout, n, ext, workspace), false
		}
		r.verbosef("Coiled cannot assume %s yet (check %d); next check in %s", role, n, d)
		_ = r.sleep(ctx, d) // a deadline is reported by the next round
		waited += d
	}
	r.step = "completing the role setup (POST complete-role-assumption-setup)"
	err := client.CompleteRoleAssumptionSetup(ctx, workspace, coiled.RoleCompletion{
		ExternalID: ext, RoleARN: role, CredsSource: coiled.CredsSource, DefaultRegion: region,
	})
	if err != nil {
		var apiErr *coiled.APIError
		if ctx.Err() == nil && errors.As(err, &apiErr) && !errors.Is(err, coiled.ErrTokenRejected) {
			return r.errorf(ExitFailed, "Coiled refused to complete the role setup for workspace %s (%v); the workspace's settings were not changed. "+
				"Set it in Coiled's web UI instead:\n%s", workspace, err, webUIValues(workspace, region, role, ext, r.network)), false
		}
		return r.coiledError(ctx, err, workspace), false
	}
	fmt.Fprintf(r.out, "Coiled can assume role %s; role setup completed (default region %s)\n", role, region)
	return 0, true
}

// webUIValues are the exact values to enter in Coiled's web UI when the hook
// cannot set them.
func webUIValues(workspace, region, role, externalID string, n coiled.Network) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  Coiled web UI → workspace %s → Infrastructure → Cloud Provider (AWS):\n", workspace)
	if role != "" {
		fmt.Fprintf(&b, "    role ARN            %s\n", role)
	}
	if externalID != "" {
		fmt.Fprintf(&b, "    external ID         %s\n", externalID)
	}
	fmt.Fprintf(&b, "    region              %s\n", region)
	fmt.Fprintf(&b, "    VPC                 %s\n", n.NetworkID)
	fmt.Fprintf(&b, "    scheduler subnet    %s\n", n.SchedulerSubnetID)
	fmt.Fprintf(&b, "    worker subnet       %s\n", n.WorkerSubnetID)
	fmt.Fprintf(&b, "    scheduler group     %s\n", n.SchedulerFirewallID)
	fmt.Fprintf(&b, "    cluster group       %s\n", n.FirewallID)
	fmt.Fprintf(&b, "    worker public IPs   %v", n.GiveWorkersPublicIP)
	return b.String()
}

// readBack checks the stored settings against the plan: the network, and
// the role (role mode) or an empty role (keys).
func (r *run) readBack(stored map[string]any, workspace, region string, plan *coiled.Plan) int {
	diffs := coiled.NetworkMismatches(stored, region, r.network)
	if d := coiled.AccountRoleMismatch(stored, plan.AccountRole); d != "" {
		diffs = append(diffs, d)
	}
	if len(diffs) == 0 {
		return ExitOK
	}
	if plan.Access == coiled.AccessRole {
		return r.errorf(ExitFailed, "Coiled said FINISHED, but workspace %s's settings do not show the role and network sent:\n  - %s\n"+
			"Coiled does not document how update_options treats a role ARN; set these values in Coiled's web UI instead (rerunning the hook would send the same update):\n%s",
			workspace, strings.Join(diffs, "\n  - "), webUIValues(workspace, region, plan.AccountRole, r.acc.externalID, r.network))
	}
	return r.errorf(ExitFailed, "Coiled said FINISHED, but workspace %s's settings do not show the network sent:\n  - %s\nCheck the workspace's settings in the Coiled web UI, then rerun the hook.",
		workspace, strings.Join(diffs, "\n  - "))
}

// accessSummary is the summary's line about how Coiled acts.
func (r *run) accessSummary(plan *coiled.Plan) string {
	switch {
	case plan.RoleKept:
		return "role " + plan.AccountRole + " (the workspace's own, kept)"
	case plan.Access == coiled.AccessRole:
		return "role " + plan.AccountRole + " (this stack's)"
	}
	return "access key " + coiled.MaskKeyID(r.acc.creds.AccessKeyID) + " (from " + r.acc.keysFrom + ")"
}

// dryRunRole says what a real run would do about the role.
func (r *run) dryRunRole(workspace, region string, plan *coiled.Plan) {
	fmt.Fprintf(r.out, "\nCoiled would act as %s.\n", r.accessSummary(plan))
	if strings.HasPrefix(r.acc.keysFrom, "Secrets Manager") {
		fmt.Fprintf(r.out, "(The Python call below reads %s and %s: export them from that secret first, e.g. with aws secretsmanager get-secret-value.)\n",
			coiled.EnvAWSAccessKeyID, coiled.EnvAWSSecretAccessKey)
	}
	if r.acc.stackRole != "" {
		fmt.Fprintf(r.out, "Before the update, the hook would call check-role-assumption for role %s with external ID %s (polled until true, within --timeout), "+
			"then complete-role-assumption-setup (creds_source %q, default_region %s).\n", r.acc.stackRole, r.acc.externalID, coiled.CredsSource, region)
	}
}
