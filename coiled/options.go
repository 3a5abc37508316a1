package coiled

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Environment variables holding the AWS credentials Coiled will act as.
const (
	EnvAWSAccessKeyID     = "COILED_AWS_ACCESS_KEY_ID"
	EnvAWSSecretAccessKey = "COILED_AWS_SECRET_ACCESS_KEY"
)

// Network is the customer network Coiled clusters run in (bare resource IDs,
// never ARNs). SchedulerSubnetID and WorkerSubnetID may be the same subnet.
type Network struct {
	NetworkID           string // vpc-…
	SchedulerSubnetID   string // subnet-…
	WorkerSubnetID      string // subnet-…
	SchedulerFirewallID string // sg-…: the scheduler's security group
	FirewallID          string // sg-…: the whole-cluster security group
	// GiveWorkersPublicIP is sent as a JSON boolean; false needs a NAT route.
	GiveWorkersPublicIP bool
}

// Map returns the network dict of the backend options.
func (n Network) Map() map[string]any {
	return map[string]any{
		"network_id":             n.NetworkID,
		"scheduler_subnet_id":    n.SchedulerSubnetID,
		"worker_subnet_id":       n.WorkerSubnetID,
		"scheduler_firewall_id":  n.SchedulerFirewallID,
		"firewall_id":            n.FirewallID,
		"give_workers_public_ip": n.GiveWorkersPublicIP,
	}
}

var networkKeys = []string{"network_id", "scheduler_subnet_id", "worker_subnet_id", "scheduler_firewall_id", "firewall_id", "give_workers_public_ip"}

// Validate checks the ID prefixes and that no ID is an ARN.
func (n Network) Validate() error {
	var bad []string
	check := func(name, v, prefix string) {
		if !strings.HasPrefix(v, prefix) || len(v) == len(prefix) || strings.ContainsAny(v, ":/ \t") {
			bad = append(bad, fmt.Sprintf("%s %q is not a bare %s… ID", name, v, prefix))
		}
	}
	check("network_id", n.NetworkID, "vpc-")
	check("scheduler_subnet_id", n.SchedulerSubnetID, "subnet-")
	check("worker_subnet_id", n.WorkerSubnetID, "subnet-")
	check("scheduler_firewall_id", n.SchedulerFirewallID, "sg-")
	check("firewall_id", n.FirewallID, "sg-")
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}

// AWSCredentials are the long-lived keys of the IAM identity Coiled will act
// as in the customer's account (not the deployer's). SecretAccessKey is a
// secret.
type AWSCredentials struct {
	AccessKeyID     string
	SecretAccessKey string
}

// MissingCredentialsError names the credential environment variables that are
// not set.
type MissingCredentialsError struct {
	Missing []string
}

// Error implements the error interface.
func (e *MissingCredentialsError) Error() string {
	return fmt.Sprintf("%s not set: these are the AWS access keys of the IAM identity Coiled will act as "+
		"in your account to create and manage cluster instances (not the credentials you deploy with); "+
		"set %s and %s in the environment (never on the command line)",
		strings.Join(e.Missing, " and "), EnvAWSAccessKeyID, EnvAWSSecretAccessKey)
}

// AWSCredentialsFromEnv reads COILED_AWS_ACCESS_KEY_ID and
// COILED_AWS_SECRET_ACCESS_KEY; a missing one gives a
// *MissingCredentialsError.
func AWSCredentialsFromEnv(env func(string) string) (AWSCredentials, error) {
	c := AWSCredentials{
		AccessKeyID:     strings.TrimSpace(env(EnvAWSAccessKeyID)),
		SecretAccessKey: strings.TrimSpace(env(EnvAWSSecretAccessKey)),
	}
	var missing []string
	if c.AccessKeyID == "" {
		missing = append(missing, EnvAWSAccessKeyID)
	}
	if c.SecretAccessKey == "" {
		missing = append(missing, EnvAWSSecretAccessKey)
	}
	if len(missing) > 0 {
		return c, &MissingCredentialsError{Missing: missing}
	}
	return c, nil
}

// OptionalAWSCredentialsFromEnv is AWSCredentialsFromEnv for callers that
// can do without keys: set is false (and err nil) when neither variable is
// set; only one of them set is a *MissingCredentialsError.
func OptionalAWSCredentialsFromEnv(env func(string) string) (c AWSCredentials, set bool, err error) {
	c, err = AWSCredentialsFromEnv(env)
	if err == nil {
		return c, true, nil
	}
	if c.AccessKeyID == "" && c.SecretAccessKey == "" {
		return AWSCredentials{}, false, nil
	}
	return c, false, err
}

// AWSNetworkUpdate is what the caller owns in a workspace's settings.
type AWSNetworkUpdate struct {
	Region  string
	Network Network
	// Credentials are access keys to send; empty when Coiled acts through a
	// role (AccountRole, or the role the workspace already uses).
	Credentials AWSCredentials
	// AccountRole is the ARN of a role Coiled assumes (a coilednet role stack
	// whose cross-account role setup completed). When set, Credentials must
	// be empty and the payload carries account_role = AccountRole and no
	// keys.
	AccountRole string
	// ReplaceRole allows Credentials to replace a role the workspace uses
	// (coiled-hook --replace-role-with-keys); without it such a plan is a
	// *RoleInUseError.
	ReplaceRole bool
	// SubnetZone is the Availability Zone of the subnets in Network when
	// known, else empty.
	SubnetZone string
}

// How Coiled acts in the customer's account in a Plan.
const (
	// AccessKeys: the payload carries access keys and account_role "".
	AccessKeys = "keys"
	// AccessRole: the payload carries account_role = a role ARN and no
	// credentials (cross-account role delegation).
	AccessRole = "role"
)

// Plan is a backend_options payload ready to send, with what was decided.
type Plan struct {
	// BackendOptions is the full payload; it contains the credentials in
	// AccessKeys mode.
	BackendOptions map[string]any
	// Access is AccessKeys or AccessRole.
	Access string
	// AccountRole is the role ARN sent (AccessRole), else empty.
	AccountRole string
	// RoleKept reports that AccountRole is the role the workspace already
	// used, kept because no keys and no other role were given.
	RoleKept bool
	// Zone is the zone sent; empty means null.
	Zone string
	// Warnings are decisions the user should hear about (a replaced or
	// dropped setting).
	Warnings []string
	// Carried names the settings carried over from the current ones.
	Carried []string
}

// RoleInUseError refuses to replace the role a workspace uses with access
// keys: keys were given, the workspace's settings carry a non-empty
// account_role, and AWSNetworkUpdate.ReplaceRole is false.
type RoleInUseError struct {
	// Role is the workspace's account_role.
	Role string
}

// Error implements the error interface.
func (e *RoleInUseError) Error() string {
	return fmt.Sprintf("the workspace uses cross-account role %s (account_role), and access keys were given: "+
		"sending them would replace the role with long-lived keys", e.Role)
}

// RoleAndKeysError is an update that names both a role and access keys.
type RoleAndKeysError struct {
	Role string
}

// Error implements the error interface.
func (e *RoleAndKeysError) Error() string {
	return fmt.Sprintf("both a role (%s) and access keys were given: Coiled acts either through the role or with the keys, not both", e.Role)
}

var roleARNRE = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`)

// ValidRoleARN reports whether s is an IAM role ARN
// (arn:<partition>:iam::<12-digit account>:role/<path/name>).
func ValidRoleARN(s string) bool { return roleARNRE.MatchString(s) }

// ZoneInRegion reports whether zone names an Availability Zone of region:
// the region's name followed by exactly one lowercase letter.
func ZoneInRegion(zone, region string) bool {
	if region == "" || len(zone) != len(region)+1 || !strings.HasPrefix(zone, region) {
		return false
	}
	c := zone[len(zone)-1]
	return c >= 'a' && c <= 'z'
}

// ChooseZone decides the zone to send. When the subnets' zone is known it is
// sent, with a warning if the workspace had a different zone. Otherwise no
// zone (null) is sent, with a warning: a zone the subnets are not in would
// make Coiled launch where the subnets are not, so the workspace's stored
// zone is never kept for subnets whose zone is unknown. current is the
// workspace's options.zone as read (nil, string, …).
func ChooseZone(region, subnetZone string, current any) (zone, warning string) {
	cur, _ := current.(string)
	cur = strings.TrimSpace(cur)
	if subnetZone != "" {
		if cur != "" && cur != subnetZone {
			return subnetZone, fmt.Sprintf("zone: the workspace had zone %s; replaced by %s, the Availability Zone of the subnets sent", cur, subnetZone)
		}
		return subnetZone, ""
	}
	if cur != "" {
		return "", fmt.Sprintf("zone: the Availability Zone of the subnets sent is unknown, so the workspace's zone %s is not kept (the subnets may lie elsewhere); sending no zone (null), so Coiled picks one", cur)
	}
	return "", "zone: the Availability Zone of the subnets sent is unknown; sending no zone (null), so Coiled picks one"
}

// providerOf mirrors the coiled client's get_account_provider_name.
func providerOf(current map[string]any) string {
	opts, _ := current["options"].(map[string]any)
	backend, _ := current["backend"].(string)
	switch backend {
	case "vm":
		p, _ := opts["provider_name"].(string)
		return p
	case "vm_aws":
		return "aws"
	case "vm_gcp":
		return "gcp"
	case "vm_azure":
		return "azure"
	}
	return backend
}

// ownedOptionKeys are the options the AWS network update sets itself.
var ownedOptionKeys = map[string]bool{
	"aws_region_name": true, "account_role": true, "credentials": true, "network": true,
	"zone": true, "provider_name": true, "type": true,
}

// PlanAWSNetwork builds the update_options payload that points a workspace at
// an AWS customer network. current is the workspace's settings as read with
// BackendOptions; everything in it that the update does not own is carried
// over (firewall_spec and the rest of options, registry type, namespace and
// other non-secret registry fields, other top-level keys), so the update does
// not silently reset it. The zone follows ChooseZone.
//
// How Coiled acts in the account (Plan.Access):
//   - AccountRole set: that role, no keys (Credentials must be empty, else a
//     *RoleAndKeysError); a different role the workspace used is replaced
//     with a warning.
//   - Credentials given: those keys and account_role "". When the workspace
//     uses a role (non-empty account_role) this is a *RoleInUseError unless
//     ReplaceRole, so a role is never silently replaced by keys.
//   - neither, and the workspace uses a role: that same role is kept
//     (Plan.RoleKept), no keys, no warning.
//   - neither, and no role: a *MissingCredentialsError.
//
// In role mode options.credentials and registry.credentials are omitted.
func PlanAWSNetwork(current map[string]any, u AWSNetworkUpdate) (*Plan, error) {
	if strings.TrimSpace(u.Region) == "" {
		return nil, errors.New("no AWS region")
	}
	if err := u.Network.Validate(); err != nil {
		return nil, err
	}
	if current == nil {
		current = map[string]any{}
	}
	p := &Plan{}
	curOpts, _ := current["options"].(map[string]any)
	curReg, _ := current["registry"].(map[string]any)
	provider := providerOf(current)
	curRole := ""
	if provider == "" || provider == "aws" {
		curRole, _ = curOpts["account_role"].(string)
		curRole = strings.TrimSpace(curRole)
	}
	haveKeys := u.Credentials.AccessKeyID != "" || u.Credentials.SecretAccessKey != ""
	if haveKeys {
		var missing []string
		if u.Credentials.AccessKeyID == "" {
			missing = append(missing, EnvAWSAccessKeyID)
		}
		if u.Credentials.SecretAccessKey == "" {
			missing = append(missing, EnvAWSSecretAccessKey)
		}
		if len(missing) > 0 {
			return nil, &MissingCredentialsError{Missing: missing}
		}
	}
	switch {
	case u.AccountRole != "" && haveKeys:
		return nil, &RoleAndKeysError{Role: u.AccountRole}
	case u.AccountRole != "":
		if !ValidRoleARN(u.AccountRole) {
			return nil, fmt.Errorf("account_role %q is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", u.AccountRole)
		}
		p.Access, p.AccountRole = AccessRole, u.AccountRole
		if curRole != "" && curRole != u.AccountRole {
			p.Warnings = append(p.Warnings, fmt.Sprintf("account_role: the workspace used role %s; replaced by the stack's role %s", curRole, u.AccountRole))
		}
	case haveKeys && curRole != "" && !u.ReplaceRole:
		return nil, &RoleInUseError{Role: curRole}
	case haveKeys:
		p.Access = AccessKeys
		if curRole != "" {
			p.Warnings = append(p.Warnings, fmt.Sprintf("account_role: the workspace used role %s; replaced by the access keys sent (as asked)", curRole))
		}
	case curRole != "":
		// No keys, no new role: keep the workspace's role.
		p.Access, p.AccountRole, p.RoleKept = AccessRole, curRole, true
	default:
		return nil, &MissingCredentialsError{Missing: []string{EnvAWSAccessKeyID, EnvAWSSecretAccessKey}}
	}

	payload := map[string]any{}
	for k, v := range current {
		if k != "backend" && k != "options" && k != "registry" {
			payload[k] = deepCopy(v)
			p.Carried = append(p.Carried, k)
		}
	}
	payload["backend"] = "vm"

	opts := map[string]any{}
	if provider == "" || provider == "aws" {
		for k, v := range curOpts {
			if !ownedOptionKeys[k] {
				opts[k] = deepCopy(v)
				p.Carried = append(p.Carried, "options."+k)
			}
		}
	} else {
		p.Warnings = append(p.Warnings, fmt.Sprintf("the workspace used the %s backend; switching it to AWS keeps only firewall_spec (ingress rules)", provider))
		if fs, ok := curOpts["firewall_spec"]; ok {
			opts["firewall_spec"] = deepCopy(fs)
			p.Carried = append(p.Carried, "options.firewall_spec")
		}
	}
	if v, ok := opts["firewall_spec"]; !ok || v == nil {
		opts["firewall_spec"] = map[string]any{}
	}
	if v, ok := opts["firewall"]; !ok || v == nil {
		opts["firewall"] = map[string]any{}
	}
	if curNet, ok := curOpts["network"].(map[string]any); ok && (provider == "" || provider == "aws") {
		var dropped []string
		for k := range curNet {
			if !contains(networkKeys, k) {
				dropped = append(dropped, k)
			}
		}
		sort.Strings(dropped)
		if len(dropped) > 0 {
			p.Warnings = append(p.Warnings, "network: dropping "+strings.Join(dropped, ", ")+" from the previous network settings (the network dict is replaced as a whole)")
		}
	}
	zone, warn := ChooseZone(u.Region, u.SubnetZone, curOpts["zone"])
	if warn != "" {
		p.Warnings = append(p.Warnings, warn)
	}
	p.Zone = zone
	opts["aws_region_name"] = u.Region
	// With a role there are no keys: options.credentials and
	// registry.credentials are left out (not sent empty), so the payload
	// holds nothing Coiled could mistake for keys; Coiled acts, and reaches
	// ECR, through the role.
	opts["account_role"] = p.AccountRole
	if p.Access == AccessKeys {
		opts["credentials"] = map[string]any{
			"aws_access_key": u.Credentials.AccessKeyID,
			"aws_secret_key": u.Credentials.SecretAccessKey,
		}
	}
	opts["network"] = u.Network.Map()
	if zone == "" {
		opts["zone"] = nil
	} else {
		opts["zone"] = zone
	}
	opts["provider_name"] = "aws"
	opts["type"] = "aws_cloudbridge_backend_options"
	payload["options"] = opts

	reg := map[string]any{}
	regType, _ := curReg["type"].(string)
	if regType == "" || regType == "ecr" {
		for k, v := range curReg {
			if k != "credentials" && k != "type" && k != "region" {
				reg[k] = deepCopy(v)
				p.Carried = append(p.Carried, "registry."+k)
			}
		}
		if regType == "ecr" {
			p.Carried = append(p.Carried, "registry.type")
		}
		reg["type"] = "ecr"
		if _, ok := reg["public_ecr"]; !ok {
			reg["public_ecr"] = false
		}
		reg["region"] = u.Region
		if p.Access == AccessKeys {
			reg["credentials"] = map[string]any{
				"aws_access_key_id":     u.Credentials.AccessKeyID,
				"aws_secret_access_key": u.Credentials.SecretAccessKey,
			}
		}
	} else {
		for k, v := range curReg {
			if !isSecretKey(k) && k != "credentials" {
				reg[k] = deepCopy(v)
				p.Carried = append(p.Carried, "registry."+k)
			}
		}
		p.Warnings = append(p.Warnings, fmt.Sprintf("registry: keeping the workspace's %s registry settings; Coiled never returns registry credentials, "+
			"so none are re-sent: if Coiled reports a registry error, set them again in the Coiled web UI or with coiled.set_backend_options", regType))
	}
	payload["registry"] = reg
	sort.Strings(p.Carried)
	p.BackendOptions = payload
	return p, nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[k] = deepCopy(v)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, v := range x {
			out[i] = deepCopy(v)
		}
		return out
	default:
		return v
	}
}

// Redacted is the placeholder that replaces secrets in Redact's output.
const Redacted = "<redacted>"

func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "secret") || strings.Contains(k, "password") || strings.Contains(k, "token") ||
		strings.Contains(k, "private_key") || k == "gcp_service_creds_dict"
}

func isKeyIDKey(k string) bool { return k == "aws_access_key" || k == "aws_access_key_id" }

// Redact returns a deep copy of backend options fit for printing: every secret
// (secret keys, passwords, tokens, service-account dicts) is replaced by
// Redacted and AWS access key IDs show only their last four characters.
func Redact(backendOptions map[string]any) map[string]any {
	return redact(backendOptions).(map[string]any)
}

func redact(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			switch {
			case isSecretKey(k) && v != nil:
				out[k] = Redacted
			case isKeyIDKey(k):
				s, _ := v.(string)
				out[k] = MaskKeyID(s)
			default:
				out[k] = redact(v)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, v := range x {
			out[i] = redact(v)
		}
		return out
	default:
		return v
	}
}

// MaskKeyID shows only the last four characters of an access key ID.
func MaskKeyID(id string) string {
	if len(id) <= 4 {
		return strings.Repeat("*", len(id))
	}
	return strings.Repeat("*", len(id)-4) + id[len(id)-4:]
}

// NetworkMismatches compares a workspace's stored settings (as read back with
// BackendOptions) with the region and network that were sent, and describes
// every difference; none means the workspace now uses that network.
func NetworkMismatches(stored map[string]any, region string, n Network) []string {
	opts, _ := stored["options"].(map[string]any)
	var out []string
	if got, _ := opts["aws_region_name"].(string); got != region {
		out = append(out, fmt.Sprintf("options.aws_region_name is %q, sent %q", got, region))
	}
	net, _ := opts["network"].(map[string]any)
	want := n.Map()
	for _, k := range networkKeys {
		got, ok := net[k]
		if !ok || got != want[k] {
			if !ok {
				out = append(out, fmt.Sprintf("options.network.%s is missing, sent %v", k, want[k]))
			} else {
				out = append(out, fmt.Sprintf("options.network.%s is %v, sent %v", k, got, want[k]))
			}
		}
	}
	return out
}

// AccountRoleMismatch compares the stored options.account_role with the
// role that was sent (empty for keys) and describes the difference, or
// returns "" when they agree.
func AccountRoleMismatch(stored map[string]any, sent string) string {
	opts, _ := stored["options"].(map[string]any)
	got, ok := opts["account_role"].(string)
	switch {
	case !ok && sent == "":
		return ""
	case !ok:
		return fmt.Sprintf("options.account_role is missing, sent %s", sent)
	case got != sent:
		return fmt.Sprintf("options.account_role is %q, sent %q", got, sent)
	}
	return ""
}

// PythonCall returns the coiled.set_backend_options(...) call that asks for
// the same settings as backendOptions (a payload from PlanAWSNetwork) in
// workspace, for users who prefer the official client. Secrets are read from
// the environment in the printed code, never written into it.
func PythonCall(workspace string, backendOptions map[string]any) string {
	opts, _ := backendOptions["options"].(map[string]any)
	reg, _ := backendOptions["registry"].(map[string]any)
	net, _ := opts["network"].(map[string]any)
	if role, _ := opts["account_role"].(string); role != "" {
		return "# No equivalent: coiled.set_backend_options always sends access keys with account_role \"\",\n" +
			"# which would replace the workspace's role " + role + ".\n" +
			"# Without the hook, set the network in Coiled's web UI (Workspace → Infrastructure → Cloud Provider).\n"
	}
	var b strings.Builder
	b.WriteString("import os\n\nimport coiled\n\ncoiled.set_backend_options(\n")
	arg := func(name, value string) { fmt.Fprintf(&b, "    %s=%s,\n", name, value) }
	arg("workspace", pyLiteral(workspace))
	arg("backend", `"aws"`)
	arg("aws_region", pyLiteral(opts["aws_region_name"]))
	arg("aws_access_key_id", `os.environ["`+EnvAWSAccessKeyID+`"]`)
	arg("aws_secret_access_key", `os.environ["`+EnvAWSSecretAccessKey+`"]`)
	b.WriteString("    network={\n")
	for _, k := range networkKeys {
		fmt.Fprintf(&b, "        %s: %s,\n", pyLiteral(k), pyLiteral(net[k]))
	}
	b.WriteString("    },\n")
	if fs, ok := opts["firewall_spec"].(map[string]any); ok {
		if ingress, ok := fs["ingress"].([]any); ok && len(ingress) > 0 {
			arg("ingress", pyLiteral(ingress))
		}
		for k := range fs {
			if k != "ingress" {
				fmt.Fprintf(&b, "    # firewall_spec.%s cannot be passed to set_backend_options; it is lost this way\n", k)
			}
		}
	}
	arg("zone", pyLiteral(opts["zone"]))
	switch t, _ := reg["type"].(string); t {
	case "", "ecr":
		arg("registry_type", `"ecr"`)
	case "docker_hub":
		arg("registry_type", `"docker_hub"`)
		arg("registry_namespace", pyLiteral(reg["account"]))
		arg("registry_uri", pyLiteral(reg["uri"]))
		arg("registry_username", pyLiteral(reg["username"]))
		arg("registry_access_token", `os.environ["REGISTRY_ACCESS_TOKEN"]`)
	default:
		arg("registry_type", pyLiteral(t))
		fmt.Fprintf(&b, "    # the %s registry also needs its own settings and credentials; see help(coiled.set_backend_options)\n", t)
	}
	b.WriteString(")\n")
	return b.String()
}

// pyLiteral writes a JSON-like value as a Python literal.
func pyLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(x)
		return strings.TrimSuffix(buf.String(), "\n")
	case json.Number:
		return x.String()
	case float64, int, int64:
		return fmt.Sprint(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyLiteral(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyLiteral(k) + ": " + pyLiteral(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	default:
		return pyLiteral(fmt.Sprint(x))
	}
}
