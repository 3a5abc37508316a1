//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/coilednet/coilednet/internal/motoserver"
	"github.com/coilednet/coilednet/internal/variants"
	"github.com/coilednet/coilednet/outputkeys"
)

// checkAccess checks, through the IAM API of the emulator, that the IAM
// access of a coiledAccess=role or user variant exists as its outputs say:
// the instance role and profile coiled-<workspace> with CoiledInstancePolicy,
// Coiled's role (trusted by the principal with the external ID) or user
// (with one access key), each with the control-plane policy scoped to the
// deployed VPC.
//
// moto's CloudFormation has no AWS::SecretsManager::Secret: it skips the
// resource (the deploy succeeds, nothing is created) and resolves its Ref
// to the logical ID. So the user variant deploys unchanged, and its secret
// is checked in the deployed template: a secret whose value is the access
// key's GetAtt SecretAccessKey, and the output CoiledAccessKeySecretArn is
// that secret's Ref.
func checkAccess(t *testing.T, d *deployment) {
	ctx := context.Background()
	client := iam.NewFromConfig(aws.Config{
		Region:       motoserver.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", "testing"),
		BaseEndpoint: aws.String(d.endpoint),
	})
	out := rawOutputs(t, d)
	workspace := d.v.Context["coiledWorkspace"]
	name := "coiled-" + workspace

	// The instance role, its policy and its profile.
	role, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		t.Fatalf("instance role %s: %v", name, err)
	}
	if got := aws.ToString(role.Role.Arn); got != out[outputkeys.InstanceRoleArn] {
		t.Errorf("instance role ARN %s, output InstanceRoleArn %s", got, out[outputkeys.InstanceRoleArn])
	}
	if trust := decodeDoc(t, role.Role.AssumeRolePolicyDocument); !strings.Contains(trust, `"ec2.amazonaws.com"`) || strings.Contains(trust, `"AWS"`) {
		t.Errorf("instance role trust policy %s", trust)
	}
	if got := roleTag(role.Role.Tags, "coiled-workspace"); got != workspace {
		t.Errorf("instance role tag coiled-workspace = %q, want %q", got, workspace)
	}
	// The role's policies: CoiledInstancePolicy-<workspace> and, created
	// by this stack, CoiledInstancePolicy. With coiledInstancePolicy=
	// existing the account's CoiledInstancePolicy is attached through the
	// role's ManagedPolicyArns, which moto's CloudFormation ignores: the
	// deployed template is checked instead.
	policies := attachedPolicies(t, client, name)
	instanceDoc, ok := policies["CoiledInstancePolicy-"+workspace]
	if !ok {
		t.Fatalf("instance role %s: no CoiledInstancePolicy-%s among %v", name, workspace, keys(policies))
	}
	if !strings.Contains(instanceDoc, ":log-group:"+workspace+":*") {
		t.Errorf("CoiledInstancePolicy-%s does not name the workspace's log streams: %s", workspace, instanceDoc)
	}
	if b := d.v.Context["dataBuckets"]; b != "" && !strings.Contains(instanceDoc, "arn:aws:s3:::"+strings.Split(b, ",")[0]+"/*") {
		t.Errorf("CoiledInstancePolicy-%s does not name bucket %s: %s", workspace, b, instanceDoc)
	}
	if d.v.Context["coiledInstancePolicy"] == "existing" {
		if len(policies) != 1 {
			t.Errorf("instance role %s has %v, want only CoiledInstancePolicy-%s attached by the stack", name, keys(policies), workspace)
		}
		roles := d.resourcesOfType("AWS::IAM::Role")
		found := false
		for _, r := range roles {
			arns, _ := json.Marshal(d.props(r)["ManagedPolicyArns"])
			found = found || strings.Contains(string(arns), `:policy/CoiledInstancePolicy"`)
		}
		if !found {
			t.Error("no role of the deployed template attaches the account's CoiledInstancePolicy")
		}
	} else {
		shared, ok := policies["CoiledInstancePolicy"]
		if !ok || len(policies) != 2 {
			t.Fatalf("instance role %s has %v, want CoiledInstancePolicy and CoiledInstancePolicy-%s", name, keys(policies), workspace)
		}
		if !strings.Contains(shared, ":log-group:${aws:PrincipalTag/coiled-workspace}:*") {
			t.Errorf("CoiledInstancePolicy does not scope logs by the role's tag: %s", shared)
		}
	}
	profile, err := client.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if err != nil {
		t.Fatalf("instance profile %s: %v", name, err)
	}
	if got := aws.ToString(profile.InstanceProfile.Arn); got != out[outputkeys.InstanceProfileArn] {
		t.Errorf("instance profile ARN %s, output InstanceProfileArn %s", got, out[outputkeys.InstanceProfileArn])
	}
	if r := profile.InstanceProfile.Roles; len(r) != 1 || aws.ToString(r[0].RoleName) != name {
		t.Errorf("instance profile roles %v, want only %s", r, name)
	}
	if out[outputkeys.LogGroupName] != workspace {
		t.Errorf("output LogGroupName %q, want %q", out[outputkeys.LogGroupName], workspace)
	}

	// Coiled's identity and its policy, scoped to the deployed VPC.
	vpcArn := `"arn:aws:ec2:` + motoserver.Region + ":" + account + ":vpc/" + d.outputs.NetworkID + `"`
	var controlDoc string
	switch d.v.Context["coiledAccess"] {
	case "role":
		arn := out[outputkeys.CoiledRoleArn]
		roleName := arn[strings.LastIndex(arn, "/")+1:]
		r, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(roleName)})
		if err != nil {
			t.Fatalf("Coiled role %s (output CoiledRoleArn %s): %v", roleName, arn, err)
		}
		if aws.ToString(r.Role.Arn) != arn {
			t.Errorf("Coiled role ARN %s, output %s", aws.ToString(r.Role.Arn), arn)
		}
		trust := decodeDoc(t, r.Role.AssumeRolePolicyDocument)
		if !strings.Contains(trust, `"`+d.v.Context["coiledPrincipal"]+`"`) || !strings.Contains(trust, `"sts:ExternalId":"`+d.v.Context["coiledExternalId"]+`"`) {
			t.Errorf("Coiled role trust policy %s", trust)
		}
		if out[outputkeys.CoiledExternalID] != d.v.Context["coiledExternalId"] {
			t.Errorf("output CoiledExternalId %q", out[outputkeys.CoiledExternalID])
		}
		controlDoc = attachedPolicy(t, client, roleName, "", "")
	case "user":
		users := d.resourcesOfType("AWS::IAM::User")
		keys := d.resourcesOfType("AWS::IAM::AccessKey")
		if len(users) != 1 || len(keys) != 1 {
			t.Fatalf("%d users, %d access keys in the template", len(users), len(keys))
		}
		userName := d.physical[users[0]]
		listed, err := client.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(userName)})
		if err != nil || len(listed.AccessKeyMetadata) != 1 || aws.ToString(listed.AccessKeyMetadata[0].AccessKeyId) != d.physical[keys[0]] {
			t.Errorf("access keys of %s: %v %+v, want only %s", userName, err, listed, d.physical[keys[0]])
		}
		controlDoc = attachedPolicy(t, client, "", userName, "")

		// The secret, from the deployed template (see above).
		secrets := d.resourcesOfType("AWS::SecretsManager::Secret")
		if len(secrets) != 1 {
			t.Fatalf("%d secrets in the deployed template", len(secrets))
		}
		value, _ := json.Marshal(d.props(secrets[0])["SecretString"])
		if !strings.Contains(string(value), `{"Fn::GetAtt":["`+keys[0]+`","SecretAccessKey"]}`) {
			t.Errorf("the secret does not hold the access key's secret: %s", value)
		}
		outDef, _ := d.template["Outputs"].(map[string]any)[outputkeys.CoiledAccessKeySecretArn].(map[string]any)
		if refOf(outDef["Value"]) != secrets[0] {
			t.Errorf("output CoiledAccessKeySecretArn is %v, want the Ref of %s", outDef["Value"], secrets[0])
		}
	default:
		t.Fatalf("coiledAccess %q", d.v.Context["coiledAccess"])
	}
	for _, want := range []string{vpcArn, `"ec2:Vpc"`, `"iam:PassedToService":"ec2.amazonaws.com"`, `"` + out[outputkeys.InstanceRoleArn] + `"`} {
		if !strings.Contains(controlDoc, want) {
			t.Errorf("the control-plane policy does not hold %s:\n%s", want, controlDoc)
		}
	}
}

// rawOutputs reads every output of the deploy's outputs file.
func rawOutputs(t *testing.T, d *deployment) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(d.outFile)
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]map[string]string
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	return file[stackName]
}

// decodeDoc returns a policy document as IAM returns it (URL-encoded JSON),
// compacted.
func decodeDoc(t *testing.T, doc *string) string {
	t.Helper()
	s, err := url.QueryUnescape(aws.ToString(doc))
	if err != nil {
		s = aws.ToString(doc)
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("policy document %q: %v", s, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// roleTag returns the value of the tag key, or "".
func roleTag(tags []iamtypes.Tag, key string) string {
	for _, t := range tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// attachedPolicies returns the documents of the managed policies attached
// to role, by policy name.
func attachedPolicies(t *testing.T, client *iam.Client, role string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out, err := client.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	if err != nil {
		t.Fatalf("policies of role %s: %v", role, err)
	}
	docs := map[string]string{}
	for _, p := range out.AttachedPolicies {
		docs[aws.ToString(p.PolicyName)] = policyDocument(t, client, aws.ToString(p.PolicyArn))
	}
	return docs
}

// policyDocument returns the default version's document of a managed policy.
func policyDocument(t *testing.T, client *iam.Client, arn string) string {
	t.Helper()
	ctx := context.Background()
	p, err := client.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := client.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: p.Policy.DefaultVersionId})
	if err != nil {
		t.Fatal(err)
	}
	return decodeDoc(t, v.PolicyVersion.Document)
}

// attachedPolicy returns the document of the one managed policy attached to
// role (or user), checking its name when want is not empty.
func attachedPolicy(t *testing.T, client *iam.Client, role, user, want string) string {
	t.Helper()
	ctx := context.Background()
	var arns, names []string
	if role != "" {
		out, err := client.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
		if err != nil {
			t.Fatalf("policies of role %s: %v", role, err)
		}
		for _, p := range out.AttachedPolicies {
			arns, names = append(arns, aws.ToString(p.PolicyArn)), append(names, aws.ToString(p.PolicyName))
		}
	} else {
		out, err := client.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String(user)})
		if err != nil {
			t.Fatalf("policies of user %s: %v", user, err)
		}
		for _, p := range out.AttachedPolicies {
			arns, names = append(arns, aws.ToString(p.PolicyArn)), append(names, aws.ToString(p.PolicyName))
		}
	}
	if len(arns) != 1 || (want != "" && names[0] != want) {
		t.Fatalf("policies attached to %s%s: %v, want exactly one %s", role, user, names, want)
	}
	p, err := client.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arns[0])})
	if err != nil {
		t.Fatal(err)
	}
	v, err := client.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arns[0]), VersionId: p.Policy.DefaultVersionId})
	if err != nil {
		t.Fatal(err)
	}
	return decodeDoc(t, v.PolicyVersion.Document)
}

// TestAccessTwoWorkspacesOneAccount deploys two workspaces into one
// emulated account (issue 17): acme's stack creates CoiledInstancePolicy;
// beta's stack, set to create, is stopped by scripts/deploy's check before
// CloudFormation runs, with the option to set; set to existing, it passes
// the check and deploys next to acme's, the policy existing once.
func TestAccessTwoWorkspacesOneAccount(t *testing.T) {
	requireTools(t)
	byName := map[string]variants.Variant{}
	for _, v := range variants.All {
		byName[v.Name] = v
	}
	endpoint := motoserver.Start(t)
	acme := deployTo(t, byName["public-access-user"], endpoint) // workspace acme, coiledInstancePolicy=create
	checkAccess(t, acme)

	check := filepath.Join(t.TempDir(), "instancepolicy")
	build := exec.Command("go", "build", "-o", check, "./internal/cmd/instancepolicy")
	build.Dir, build.Stderr = root, os.Stderr
	if err := build.Run(); err != nil {
		t.Fatal(err)
	}
	runCheck := func(assembly string) (int, string) {
		cmd := exec.Command(check, "-assembly", assembly)
		cmd.Env = acme.env
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, string(out)
	}
	if code, out := runCheck(acme.outDir); code != 0 || !strings.Contains(out, "CoiledInstancePolicy exists") {
		t.Errorf("redeploying acme's own stack: check exit %d:\n%s", code, out)
	}

	// beta: a second stack (and workspace) in the same account.
	beta := byName["public-access-existing"]
	ctx := map[string]string{"stackName": "CoiledNetworkBeta"}
	for k, v := range beta.Context {
		ctx[k] = v
	}
	for k, v := range emulatorOverrides(beta) {
		ctx[k] = v
	}
	synthBeta := func(mode string) *deployment {
		c := map[string]string{"coiledInstancePolicy": mode}
		for k, v := range ctx {
			if k != "coiledInstancePolicy" {
				c[k] = v
			}
		}
		dir := t.TempDir()
		d := &deployment{v: variants.Variant{Name: beta.Name, Context: c}, endpoint: endpoint, env: acme.env,
			outDir: filepath.Join(dir, "cdk.out"), outFile: filepath.Join(dir, "cdk-outputs.json")}
		cdk(t, d, append([]string{"synth", "--no-notices", "--quiet"}, variants.Variant{Context: c}.Args()...)...)
		return d
	}
	if code, out := runCheck(synthBeta("create").outDir); code != 1 ||
		!strings.Contains(out, "stack CoiledNetworkBeta would create the IAM policy CoiledInstancePolicy") ||
		!strings.Contains(out, "this account already has one (arn:aws:iam::"+account+":policy/CoiledInstancePolicy)") ||
		!strings.Contains(out, "-c coiledInstancePolicy=existing") {
		t.Errorf("beta with create: check exit %d, want 1 naming the option:\n%s", code, out)
	}
	ctx2 := context.Background()
	if _, err := acme.cfn.DescribeStacks(ctx2, &cloudformation.DescribeStacksInput{StackName: aws.String("CoiledNetworkBeta")}); err == nil {
		t.Error("stack CoiledNetworkBeta exists, though the check stopped it")
	}

	d := synthBeta("existing")
	if code, out := runCheck(d.outDir); code != 0 {
		t.Fatalf("beta with existing: check exit %d:\n%s", code, out)
	}
	cdk(t, d, append([]string{"deploy", "--no-notices", "--method=direct", "--require-approval", "never", "--outputs-file", d.outFile},
		variants.Variant{Context: d.v.Context}.Args()...)...)

	client := iam.NewFromConfig(aws.Config{
		Region:       motoserver.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", "testing"),
		BaseEndpoint: aws.String(endpoint),
	})
	var named []string
	p := iam.NewListPoliciesPaginator(client, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx2)
		if err != nil {
			t.Fatal(err)
		}
		for _, pol := range page.Policies {
			if n := aws.ToString(pol.PolicyName); strings.HasPrefix(n, "CoiledInstancePolicy") {
				named = append(named, n)
			}
		}
	}
	sort.Strings(named)
	if want := []string{"CoiledInstancePolicy", "CoiledInstancePolicy-acme", "CoiledInstancePolicy-beta"}; strings.Join(named, ",") != strings.Join(want, ",") {
		t.Errorf("instance policies in the account: %v, want %v", named, want)
	}
	for _, ws := range []string{"acme", "beta"} {
		role, err := client.GetRole(ctx2, &iam.GetRoleInput{RoleName: aws.String("coiled-" + ws)})
		if err != nil {
			t.Fatalf("role coiled-%s: %v", ws, err)
		}
		if got := roleTag(role.Role.Tags, "coiled-workspace"); got != ws {
			t.Errorf("coiled-%s: tag coiled-workspace %q", ws, got)
		}
		if _, ok := attachedPolicies(t, client, "coiled-"+ws)["CoiledInstancePolicy-"+ws]; !ok {
			t.Errorf("coiled-%s: CoiledInstancePolicy-%s not attached", ws, ws)
		}
	}
	// beta's template attaches the account's policy (moto's CloudFormation
	// ignores a role's ManagedPolicyArns, so the template is what shows it).
	tpl, err := acme.cfn.GetTemplate(ctx2, &cloudformation.GetTemplateInput{StackName: aws.String("CoiledNetworkBeta")})
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal([]byte(aws.ToString(tpl.TemplateBody)), &body); err != nil {
		t.Fatalf("beta's deployed template: %v", err)
	}
	attaches, creates := false, false
	for _, r := range body.Resources {
		arns, _ := json.Marshal(r.Properties["ManagedPolicyArns"])
		attaches = attaches || r.Type == "AWS::IAM::Role" && strings.Contains(string(arns), `:policy/CoiledInstancePolicy"`)
		creates = creates || r.Type == "AWS::IAM::ManagedPolicy" && r.Properties["ManagedPolicyName"] == "CoiledInstancePolicy"
	}
	if !attaches || creates {
		t.Errorf("beta's deployed template attaches the existing CoiledInstancePolicy: %v, creates one: %v", attaches, creates)
	}
	// After beta is deployed, acme's redeploy still passes, beta's too.
	if code, out := runCheck(d.outDir); code != 0 {
		t.Errorf("beta redeploy: check exit %d:\n%s", code, out)
	}
}
