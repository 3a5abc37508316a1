package config

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// Least privilege for Coiled (issue 9): the IAM identity Coiled acts as, the
// instance role of cluster VMs, data buckets. Keys, parsing, defaults and
// validation of this concern live in this file.

// CoiledAccess chooses the IAM identity Coiled's control plane acts as in the
// account.
type CoiledAccess string

const (
	// AccessNone creates no IAM resources: the user brings the access keys
	// of an identity made by hand (what coilednet did before).
	AccessNone CoiledAccess = "none"
	// AccessRole creates a role that Coiled assumes across accounts,
	// trusted only by CoiledPrincipal with CoiledExternalID: no long-lived
	// key exists.
	AccessRole CoiledAccess = "role"
	// AccessUser creates an IAM user and an access key whose secret
	// CloudFormation stores in Secrets Manager. A long-lived key: prefer
	// AccessRole.
	AccessUser CoiledAccess = "user"
)

// The context keys of the IAM access.
const (
	KeyCoiledAccess     = "coiledAccess"
	KeyCoiledWorkspace  = "coiledWorkspace"
	KeyCoiledPrincipal  = "coiledPrincipal"
	KeyCoiledExternalID = "coiledExternalId"
	KeyDataBuckets      = "dataBuckets"
	// Issue 17.
	KeyEcrRepositories      = "ecrRepositories"
	KeyEbsKmsKeyArns        = "ebsKmsKeyArns"
	KeyCoiledInstancePolicy = "coiledInstancePolicy"
)

// InstancePolicyMode chooses whether the stack creates the account's
// managed policy CoiledInstancePolicy (the name Coiled adopts) or attaches
// one that exists. IAM policy names are unique per account: only one stack
// (workspace) of an account can create it.
type InstancePolicyMode string

const (
	// InstancePolicyCreate creates CoiledInstancePolicy, holding only what
	// is the same for every workspace of the account.
	InstancePolicyCreate InstancePolicyMode = "create"
	// InstancePolicyExisting attaches arn:<partition>:iam::<account>:policy/CoiledInstancePolicy,
	// which another stack (or Coiled's setup) created.
	InstancePolicyExisting InstancePolicyMode = "existing"
)

// DefaultInstancePolicy is the default of coiledInstancePolicy.
const DefaultInstancePolicy = InstancePolicyCreate

// InstancePolicyName is the name Coiled's adopt check looks for on the
// instance role (Coiled's restricted Terraform template: "must be
// CoiledInstancePolicy").
const InstancePolicyName = "CoiledInstancePolicy"

// WorkspaceTagKey is the tag of the instance role that names its workspace;
// the shared CoiledInstancePolicy scopes logs with
// ${aws:PrincipalTag/coiled-workspace}.
const WorkspaceTagKey = "coiled-workspace"

// DefaultCoiledAccess is the default of coiledAccess.
const DefaultCoiledAccess = AccessNone

// LogRetentionDays is how long the workspace's log group keeps cluster logs.
const LogRetentionDays = 30

// CoiledAmiOwner is the AWS account that owns Coiled's machine images; the
// control-plane policy lets Coiled launch images of this owner only.
const CoiledAmiOwner = "077742499581"

// Limits of the access options.
const (
	// MaxWorkspaceLen keeps "coiled-<workspace>" within IAM's 64-character
	// limit on role names.
	MaxWorkspaceLen = 64 - len("coiled-")
	// MinExternalIDLen and MaxExternalIDLen bound sts:ExternalId (STS).
	MinExternalIDLen = 2
	MaxExternalIDLen = 1224
)

// What each key accepts, as the error messages say it (after "accepted are").
const (
	acceptCoiledAccess     = "none, role, user"
	acceptCoiledWorkspace  = "the Coiled workspace slug: 1 to 57 lowercase letters, digits, hyphens and underscores, starting with a letter or digit (required unless coiledAccess=none)"
	acceptCoiledPrincipal  = "the IAM ARN Coiled gave as allowed_principal, e.g. arn:aws:iam::123456789012:root or arn:aws:iam::123456789012:role/name (with coiledAccess=role only)"
	acceptCoiledExternalID = "the external ID Coiled gave: 2 to 1224 characters of letters, digits and _+=,.@:/- (with coiledAccess=role only)"
	acceptDataBuckets      = "S3 bucket names (3 to 63 lowercase letters, digits, dots and hyphens, e.g. my-data), comma-separated or a JSON array (with coiledAccess=role or user only)"
	acceptEcrRepositories  = "ECR repository names of this account and region (e.g. coiled/envs) or name prefixes ending in /* (e.g. coiled/*), comma-separated or a JSON array; empty: every repository of this account and region (with coiledAccess=role or user only)"
	acceptEbsKmsKeyArns    = "KMS key ARNs, arn:<partition>:kms:<region>:<account>:key/<key id> (aws ec2 get-ebs-default-kms-key-id shows the account's default EBS key), comma-separated or a JSON array (with coiledAccess=role or user only)"
	acceptInstancePolicy   = "create (this stack creates CoiledInstancePolicy; one stack per account), existing (attach the account's CoiledInstancePolicy, which another stack created)"
)

var (
	workspaceRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	principalRe  = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:(root|(user|role)/([\w+=,.@-]+/)*[\w+=,.@-]{1,64})$`)
	externalIDRe = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	bucketRe     = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	// ecrRepoRe is ECR's repository name pattern (CreateRepository).
	ecrRepoRe   = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	kmsKeyArnRe = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:kms:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:key/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
)

// Access are the IAM options. It is a field of App (the stack composes the
// IAM constructs next to the network).
type Access struct {
	// CoiledAccess chooses the identity Coiled acts as.
	//
	// Default: AccessNone.
	CoiledAccess CoiledAccess

	// Workspace is the Coiled workspace slug. It names the instance role
	// and profile (coiled-<Workspace>) and the log group (<Workspace>).
	// Required unless CoiledAccess is AccessNone.
	Workspace string `key:"coiledWorkspace"`

	// Principal is the IAM principal Coiled gave (allowed_principal), the
	// only one the role trusts. Required with AccessRole, else empty.
	Principal string `key:"coiledPrincipal"`

	// ExternalID is the external ID Coiled gave; the role's trust policy
	// requires it. Required with AccessRole, else empty.
	ExternalID string `key:"coiledExternalId"`

	// DataBuckets are S3 buckets the cluster VMs may read and write.
	//
	// Default: none.
	DataBuckets []string

	// EcrRepositories narrows the control plane's image pulls to these
	// repositories of the stack's account and region: names, or prefixes
	// ending in "/*".
	//
	// Default: none, meaning every repository of the account and region.
	EcrRepositories []string

	// EbsKmsKeyArns are the customer managed KMS keys that encrypt the
	// cluster VMs' volumes (EBS encryption by default); the control plane
	// gets the KMS actions a launch with them needs, through EC2 only.
	//
	// Default: none (no KMS action at all).
	EbsKmsKeyArns []string

	// CoiledInstancePolicy chooses whether the stack creates the managed
	// policy CoiledInstancePolicy or attaches the account's existing one.
	//
	// Default: InstancePolicyCreate.
	CoiledInstancePolicy InstancePolicyMode
}

// Enabled reports whether the stack creates IAM resources for Coiled.
func (a Access) Enabled() bool {
	return a.withDefaults().CoiledAccess != AccessNone
}

// InstanceRoleName is the name of the instance role and instance profile
// of cluster VMs: coiled-<workspace> (Coiled passes roles named coiled-*).
func (a Access) InstanceRoleName() string { return "coiled-" + a.Workspace }

// LogGroupName is the name of the workspace's log group: the slug itself,
// as Coiled names it.
func (a Access) LogGroupName() string { return a.Workspace }

// WorkspacePolicyName is the name of the per-workspace managed policy of
// the instance role, next to CoiledInstancePolicy: its own log group, and
// the data buckets.
func (a Access) WorkspacePolicyName() string { return InstancePolicyName + "-" + a.Workspace }

// accessKeys are this concern's context keys, in cdk.json order.
var accessKeys = []string{
	KeyCoiledAccess,
	KeyCoiledWorkspace,
	KeyCoiledPrincipal,
	KeyCoiledExternalID,
	KeyDataBuckets,
	KeyEcrRepositories,
	KeyEbsKmsKeyArns,
	KeyCoiledInstancePolicy,
}

// access reads this concern's keys into a.
func (p *parser) access(a *Access) {
	if s, ok := p.str(KeyCoiledAccess, acceptCoiledAccess); ok {
		a.CoiledAccess = CoiledAccess(s)
	}
	a.Workspace, _ = p.optStr(KeyCoiledWorkspace, acceptCoiledWorkspace)
	a.Principal, _ = p.optStr(KeyCoiledPrincipal, acceptCoiledPrincipal)
	a.ExternalID, _ = p.optStr(KeyCoiledExternalID, acceptCoiledExternalID)
	if items, ok := p.list(KeyDataBuckets, acceptDataBuckets); ok {
		a.DataBuckets = nilIfEmpty(p.strItems(KeyDataBuckets, items, acceptDataBuckets))
	}
	if items, ok := p.list(KeyEcrRepositories, acceptEcrRepositories); ok {
		a.EcrRepositories = nilIfEmpty(p.strItems(KeyEcrRepositories, items, acceptEcrRepositories))
	}
	if items, ok := p.list(KeyEbsKmsKeyArns, acceptEbsKmsKeyArns); ok {
		a.EbsKmsKeyArns = nilIfEmpty(p.strItems(KeyEbsKmsKeyArns, items, acceptEbsKmsKeyArns))
	}
	if s, ok := p.str(KeyCoiledInstancePolicy, acceptInstancePolicy); ok {
		a.CoiledInstancePolicy = InstancePolicyMode(s)
	}
}

// withDefaults fills in this concern's defaults. The copy shares no slice
// with a.
func (a Access) withDefaults() Access {
	if a.CoiledAccess == "" {
		a.CoiledAccess = DefaultCoiledAccess
	}
	if a.CoiledInstancePolicy == "" {
		a.CoiledInstancePolicy = DefaultInstancePolicy
	}
	a.DataBuckets = cloneOrNil(a.DataBuckets)
	a.EcrRepositories = cloneOrNil(a.EcrRepositories)
	a.EbsKmsKeyArns = cloneOrNil(a.EbsKmsKeyArns)
	return a
}

func cloneOrNil(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return append([]string(nil), s...)
}

// accessProblems reports what is wrong with this concern's options; n is
// the app's network, defaults filled in.
func (a Access) problems(n Network, add addFunc) {
	a = a.withDefaults()
	mode := a.CoiledAccess
	switch mode {
	case AccessNone, AccessRole, AccessUser:
	default:
		add(KeyCoiledAccess, string(mode), "is not an access mode"+didYouMean(string(mode), acceptCoiledAccess), acceptCoiledAccess)
		return // every other check depends on the mode
	}
	dep := valid(KeyCoiledAccess)
	unused := func(key, value, why string) {
		add(key, value, fmt.Sprintf("is set, but coiledAccess is %q: %s", mode, why), acceptOf(key), dep)
	}

	switch {
	case mode == AccessNone && a.Workspace != "":
		unused(KeyCoiledWorkspace, a.Workspace, "nothing is created for a workspace; set -c coiledAccess=role (or user) or leave coiledWorkspace empty")
	case mode != AccessNone && a.Workspace == "":
		add(KeyCoiledWorkspace, "", fmt.Sprintf("is empty, but coiledAccess=%s needs the Coiled workspace slug (it names the instance role coiled-<workspace> and the log group)", mode),
			acceptCoiledWorkspace, dep)
	case a.Workspace != "":
		workspaceProblems(a.Workspace, add)
	}

	switch {
	case mode != AccessRole && a.Principal != "":
		unused(KeyCoiledPrincipal, a.Principal, "only a role (coiledAccess=role) trusts a principal")
	case mode == AccessRole && a.Principal == "":
		add(KeyCoiledPrincipal, "", "is empty, but coiledAccess=role needs the principal Coiled gave (allowed_principal), the only one the role trusts",
			acceptCoiledPrincipal, dep)
	case a.Principal != "" && !principalRe.MatchString(a.Principal):
		add(KeyCoiledPrincipal, a.Principal, "is not an IAM ARN of an account root, a user or a role", acceptCoiledPrincipal)
	}

	switch l := len(a.ExternalID); {
	case mode != AccessRole && a.ExternalID != "":
		unused(KeyCoiledExternalID, a.ExternalID, "only a role (coiledAccess=role) has an external ID")
	case mode == AccessRole && l == 0:
		add(KeyCoiledExternalID, "", "is empty, but coiledAccess=role needs the external ID Coiled gave (the role's trust policy requires it)",
			acceptCoiledExternalID, dep)
	case l > 0 && (l < MinExternalIDLen || l > MaxExternalIDLen):
		add(KeyCoiledExternalID, a.ExternalID, fmt.Sprintf("is %d characters long", l), acceptCoiledExternalID)
	case l > 0 && !externalIDRe.MatchString(a.ExternalID):
		add(KeyCoiledExternalID, a.ExternalID, "has a character STS does not accept in an external ID", acceptCoiledExternalID)
	}

	a.issue17Problems(add, unused)

	if mode == AccessNone && len(a.DataBuckets) > 0 {
		unused(KeyDataBuckets, strings.Join(a.DataBuckets, ","), "bucket access is granted to the instance role, which only coiledAccess=role or user creates")
		return
	}
	seen := map[string]bool{}
	for _, b := range a.DataBuckets {
		switch problem := bucketProblem(b); {
		case problem != "":
			add(KeyDataBuckets, b, problem, acceptDataBuckets)
		case seen[b]:
			add(KeyDataBuckets, b, "is listed twice", acceptDataBuckets)
		}
		seen[b] = true
	}
}

// acceptOf returns what key accepts (for the "is set, but" errors).
func acceptOf(key string) string {
	switch key {
	case KeyCoiledWorkspace:
		return acceptCoiledWorkspace
	case KeyCoiledPrincipal:
		return acceptCoiledPrincipal
	case KeyCoiledExternalID:
		return acceptCoiledExternalID
	case KeyEcrRepositories:
		return acceptEcrRepositories
	case KeyEbsKmsKeyArns:
		return acceptEbsKmsKeyArns
	case KeyCoiledInstancePolicy:
		return acceptInstancePolicy
	}
	return acceptDataBuckets
}

func workspaceProblems(w string, add addFunc) {
	switch {
	case len(w) > MaxWorkspaceLen:
		add(KeyCoiledWorkspace, w, fmt.Sprintf("is %d characters long, more than %d (the role name coiled-<workspace> is limited to 64)", len(w), MaxWorkspaceLen),
			acceptCoiledWorkspace)
	case !workspaceRe.MatchString(w):
		problem := "is not a Coiled workspace slug"
		if l := strings.ToLower(w); l != w && workspaceRe.MatchString(l) {
			problem += fmt.Sprintf("; did you mean %q?", l)
		}
		add(KeyCoiledWorkspace, w, problem, acceptCoiledWorkspace)
	}
}

// bucketProblem says why b is not a valid S3 (general purpose) bucket name,
// or returns "".
func bucketProblem(b string) string {
	switch {
	case len(b) < 3 || len(b) > 63:
		return fmt.Sprintf("is %d characters long, not 3 to 63", len(b))
	case strings.ToLower(b) != b && bucketRe.MatchString(strings.ToLower(b)):
		return fmt.Sprintf("has upper-case letters; did you mean %q?", strings.ToLower(b))
	case !bucketRe.MatchString(b):
		return "is not an S3 bucket name (only lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)"
	case strings.Contains(b, ".."):
		return "is not an S3 bucket name (two adjacent dots)"
	case isIPv4(b):
		return "is formatted as an IP address, which S3 does not allow"
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(b, p) {
			return fmt.Sprintf("starts with %q, which S3 reserves", p)
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(b, s) {
			return fmt.Sprintf("ends with %q, which S3 reserves", s)
		}
	}
	return ""
}

func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

// issue17Problems checks ecrRepositories, ebsKmsKeyArns and
// coiledInstancePolicy (issue 17); a's CoiledAccess is a valid mode.
func (a Access) issue17Problems(add addFunc, unused func(key, value, why string)) {
	switch m := a.CoiledInstancePolicy; {
	case m != InstancePolicyCreate && m != InstancePolicyExisting:
		add(KeyCoiledInstancePolicy, string(m), "is not an instance policy mode"+didYouMean(string(m), "create, existing"), acceptInstancePolicy)
	case m == InstancePolicyExisting && a.CoiledAccess == AccessNone:
		unused(KeyCoiledInstancePolicy, string(m), "no instance role is created to attach it to; set -c coiledAccess=role (or user) or leave coiledInstancePolicy at create")
	}

	if a.CoiledAccess == AccessNone {
		if len(a.EcrRepositories) > 0 {
			unused(KeyEcrRepositories, strings.Join(a.EcrRepositories, ","), "image pulls are granted to the identity coiledAccess=role or user creates")
		}
		if len(a.EbsKmsKeyArns) > 0 {
			unused(KeyEbsKmsKeyArns, strings.Join(a.EbsKmsKeyArns, ","), "KMS actions are granted to the identity coiledAccess=role or user creates")
		}
		return
	}
	seen := map[string]bool{}
	for _, r := range a.EcrRepositories {
		switch problem := ecrRepositoryProblem(r); {
		case problem != "":
			add(KeyEcrRepositories, r, problem, acceptEcrRepositories)
		case seen[r]:
			add(KeyEcrRepositories, r, "is listed twice", acceptEcrRepositories)
		}
		seen[r] = true
	}
	for _, k := range a.EbsKmsKeyArns {
		switch problem := kmsKeyArnProblem(k); {
		case problem != "":
			add(KeyEbsKmsKeyArns, k, problem, acceptEbsKmsKeyArns)
		case seen[k]:
			add(KeyEbsKmsKeyArns, k, "is listed twice", acceptEbsKmsKeyArns)
		}
		seen[k] = true
	}
}

// ecrRepositoryProblem says why r is neither an ECR repository name nor a
// prefix pattern "name/*", or returns "".
func ecrRepositoryProblem(r string) string {
	name := strings.TrimSuffix(r, "/*")
	switch {
	case r == "*" || r == "/*":
		return "would name every repository: leave ecrRepositories empty for every repository of this account and region"
	case strings.HasPrefix(r, "arn:"):
		return "is an ARN: give the repository name (the part after repository/); repositories of other accounts or regions cannot be named"
	case strings.Contains(name, "*"):
		return "has a wildcard that is not a trailing /*"
	case len(name) < 2 || len(name) > 256:
		return fmt.Sprintf("is %d characters long, not 2 to 256", len(name))
	case strings.ToLower(name) != name && ecrRepoRe.MatchString(strings.ToLower(name)):
		return fmt.Sprintf("has upper-case letters; did you mean %q?", strings.ToLower(r))
	case !ecrRepoRe.MatchString(name):
		return "is not an ECR repository name (lowercase letters and digits, separated by single '.', '_', '-' or '/')"
	}
	return ""
}

// kmsKeyArnProblem says why k is not a KMS key ARN, or returns "".
func kmsKeyArnProblem(k string) string {
	switch {
	case kmsKeyArnRe.MatchString(k):
		return ""
	case strings.Contains(k, ":alias/") || strings.HasPrefix(k, "alias/"):
		return "is an alias: EBS grants and IAM policies name the key itself; give its key ARN (aws kms describe-key --key-id " + k + " shows it)"
	case !strings.HasPrefix(k, "arn:"):
		return "is a key ID, not an ARN: give arn:<partition>:kms:<region>:<account>:key/" + k
	}
	return "is not a KMS key ARN"
}

// StackAccess is one stack's access options and the account it deploys to,
// for InstancePolicyClash.
type StackAccess struct {
	// StackName names the stack in the error.
	StackName string
	// Account is the stack's AWS account; "" is the account of the
	// deploying credentials (an environment-agnostic stack), one account
	// for every "" in the list.
	Account string
	// Access are the stack's options.
	Access Access
}

// InstancePolicyClash returns an error when two stacks of one account would
// both create the managed policy CoiledInstancePolicy (IAM policy names are
// unique per account, so the second deploy would fail in CloudFormation).
// It is for an app that builds several stacks: call it before synthesizing
// them. It says which stacks to set to coiledInstancePolicy=existing. A
// stack set to existing still needs the policy in the account, which only
// a deploy-time check (scripts/deploy's instancepolicy) can see.
func InstancePolicyClash(stacks []StackAccess) error {
	creators := map[string][]string{} // account → stacks creating the policy
	var accounts []string
	for _, s := range stacks {
		a := s.Access.withDefaults()
		if !a.Enabled() || a.CoiledInstancePolicy != InstancePolicyCreate {
			continue
		}
		if len(creators[s.Account]) == 0 {
			accounts = append(accounts, s.Account)
		}
		creators[s.Account] = append(creators[s.Account], s.StackName)
	}
	var errs []error
	for _, acct := range accounts {
		names := creators[acct]
		if len(names) < 2 {
			continue
		}
		where := "the deploying account"
		if acct != "" {
			where = "account " + acct
		}
		errs = append(errs, fmt.Errorf("context key %q: stacks %s would each create the IAM policy %s in %s, whose policy names are unique: "+
			"keep %s=create on %s only and set -c %s=existing on %s (deployed after it)",
			KeyCoiledInstancePolicy, strings.Join(names, ", "), InstancePolicyName, where,
			KeyCoiledInstancePolicy, names[0], KeyCoiledInstancePolicy, strings.Join(names[1:], ", ")))
	}
	return errors.Join(errs...)
}
