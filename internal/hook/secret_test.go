package hook

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/internal/motoserver"
)

// The user stack's key, stored in moto's Secrets Manager.
const (
	userKeyID  = "AKIAUSERSTACK0000WXYZ"
	userSecret = "uSeRsTaCk/SeCrEt+KeY0123456789abcdefghij"
)

func createSecret(t *testing.T, endpoint, name, value string) string {
	t.Helper()
	client := secretsmanager.New(secretsmanager.Options{
		Region:       motoserver.Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	})
	out, err := client.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.ARN)
}

// TestUserStackAgainstMoto reads the user stack's access key from moto's
// Secrets Manager with the SDK's default chain.
func TestUserStackAgainstMoto(t *testing.T) {
	t.Parallel()
	endpoint := motoserver.Start(t)
	good := createSecret(t, endpoint, "CoiledAccessKey-good", `{"accessKeyId": "`+userKeyID+`", "secretAccessKey": "`+userSecret+`"}`)
	notJSON := createSecret(t, endpoint, "CoiledAccessKey-text", userSecret)
	partial := createSecret(t, endpoint, "CoiledAccessKey-partial", `{"accessKeyId": "`+userKeyID+`"}`)
	missing := strings.Replace(good, "CoiledAccessKey-good", "CoiledAccessKey-gone", 1)

	userOutputs := func(arn string) map[string]string {
		o := privateOutputs()
		o["Region"] = motoserver.Region
		o["Zone0"] = "us-east-1a,subnet-0a1,subnet-0a2"
		o["Zone1"] = "us-east-1b,subnet-0b1,subnet-0b2"
		o["CoiledAccessKeySecretArn"] = arn
		return o
	}
	newUserHarness := func(t *testing.T, opts coiledtest.Options) *harness {
		h := withoutKeys(newHarness(t, opts))
		for k, v := range motoserver.Environ(endpoint) {
			h.env[k] = v
		}
		delete(h.env, "AWS_REGION") // the secret's ARN gives the region
		delete(h.env, "AWS_DEFAULT_REGION")
		return h
	}
	noSecret := func(t *testing.T, res result) {
		t.Helper()
		assertNoSecrets(t, res.all(), userSecret)
		if strings.Contains(res.all(), userKeyID) {
			t.Errorf("output shows the full key ID:\n%s", res.all())
		}
	}

	t.Run("key read from the secret and sent", func(t *testing.T) {
		t.Parallel()
		h := newUserHarness(t, coiledtest.Options{})
		res := h.run(append(h.outputsFlag(userOutputs(good)), "--verbose")...)
		expect(t, res, ExitOK, "Done: Coiled workspace acme", "access key *****************WXYZ (from Secrets Manager secret "+good+")")
		noSecret(t, res)
		d := onlyUpdate(t, h.srv).Data
		for path, want := range map[string]any{
			"options.credentials.aws_access_key":         userKeyID,
			"options.credentials.aws_secret_key":         userSecret,
			"registry.credentials.aws_access_key_id":     userKeyID,
			"registry.credentials.aws_secret_access_key": userSecret,
			"options.account_role":                       "",
		} {
			if got := dig(d, strings.Split(path, ".")...); got != want {
				t.Errorf("%s = %v", path, got)
			}
		}
	})
	t.Run("dry run shows only the last four characters of the key ID", func(t *testing.T) {
		t.Parallel()
		h := newUserHarness(t, coiledtest.Options{})
		res := h.run(append(h.outputsFlag(userOutputs(good)), "--dry-run")...)
		expect(t, res, ExitOK, `"aws_access_key": "*****************WXYZ"`, `"aws_secret_key": "<redacted>"`, "nothing was sent")
		noSecret(t, res)
		if h.srv.WebsocketConnections() != 0 {
			t.Error("dry run sent")
		}
	})
	t.Run("COILED_AWS_* win over the secret", func(t *testing.T) {
		t.Parallel()
		h := newUserHarness(t, coiledtest.Options{})
		h.env["COILED_AWS_ACCESS_KEY_ID"] = awsKeyID
		h.env["COILED_AWS_SECRET_ACCESS_KEY"] = awsSecret
		expect(t, h.run(h.outputsFlag(userOutputs(missing))...), ExitOK)
		if got := dig(onlyUpdate(t, h.srv).Data, "options", "credentials", "aws_access_key"); got != awsKeyID {
			t.Errorf("sent key %v", got)
		}
	})
	t.Run("the secret's key does not replace the workspace's role", func(t *testing.T) {
		t.Parallel()
		h := newUserHarness(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme", Default: true, BackendOptions: roleBackendOptions(workspaceRole)}}})
		res := h.run(h.outputsFlag(userOutputs(good))...)
		expect(t, res, ExitUsage, "uses cross-account role "+workspaceRole, "(Secrets Manager secret "+good+")", "--replace-role-with-keys")
		noSecret(t, res)
		assertNothingChanged(t, h, roleBackendOptions(workspaceRole))
	})
	for _, tc := range []struct {
		name, arn string
		want      []string
	}{
		{"secret does not exist", missing, []string{"ResourceNotFoundException", "secretsmanager:GetSecretValue"}},
		{"secret is not JSON", notJSON, []string{`is not a JSON object {"accessKeyId": …, "secretAccessKey": …}`}},
		{"secret lacks the secret key", partial, []string{"lacks a non-empty string secretAccessKey"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newUserHarness(t, coiledtest.Options{})
			res := h.run(h.outputsFlag(userOutputs(tc.arn))...)
			expect(t, res, ExitUsage, append([]string{"reading the access key of the IAM user Coiled acts as from Secrets Manager secret " + tc.arn}, tc.want...)...)
			noSecret(t, res)
			if n := len(h.srv.Requests()); n != 0 {
				t.Errorf("%d requests sent to Coiled", n)
			}
		})
	}
}

// TestRoleStackFromCloudFormation reads a role stack's outputs from
// CloudFormation (moto) with --stack and runs the role flow.
func TestRoleStackFromCloudFormation(t *testing.T) {
	t.Parallel()
	endpoint := motoserver.Start(t)
	o := roleStackOutputs()
	o["Region"] = motoserver.Region
	o["Zone0"] = "us-east-1a,subnet-0a1,subnet-0a2"
	o["Zone1"] = "us-east-1b,subnet-0b1,subnet-0b2"
	motoserver.CreateStack(t, endpoint, "RoleStack", o)
	h := newRoleHarness(t, nil)
	for k, v := range motoserver.Environ(endpoint) {
		h.env[k] = v
	}
	// The stack's IDs are fakes no EC2 holds: this test is about the role
	// flow, so the network check is skipped (it is tested in check_test.go).
	res := h.run("--stack", "RoleStack", "--no-check")
	expect(t, res, ExitOK, "role setup completed (default region us-east-1)", "Coiled acts as      role "+stackRole)
	if c := h.srv.RoleCompletions(); len(c) != 1 || c[0].DefaultRegion != "us-east-1" {
		t.Errorf("completions %+v", c)
	}
	if got := dig(h.srv.BackendOptions("acme"), "options", "account_role"); got != stackRole {
		t.Errorf("stored role %v", got)
	}
}

// createRoleStack deploys to moto a stack with a role trusted by principal
// with externalID, and the outputs of a role stack for workspace.
func createRoleStack(t *testing.T, endpoint, name, principal, externalID, workspace string) {
	t.Helper()
	tmpl, _ := json.Marshal(map[string]any{
		"Resources": map[string]any{"CoiledRole": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"AWS": principal},
				"Condition": map[string]any{"StringEquals": map[string]any{"sts:ExternalId": externalID}},
			}}},
		}}},
		"Outputs": map[string]any{
			"CoiledRoleArn":    map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{"CoiledRole", "Arn"}}},
			"CoiledExternalId": map[string]any{"Value": externalID},
			"LogGroupName":     map[string]any{"Value": workspace},
		},
	})
	cf := cloudformation.New(cloudformation.Options{Region: motoserver.Region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	ctx := context.Background()
	if _, err := cf.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(string(tmpl)), Capabilities: []cftypes.Capability{cftypes.CapabilityCapabilityIam}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		out, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if st := out.Stacks[0].StackStatus; st == cftypes.StackStatusCreateComplete {
			return
		} else if !strings.HasSuffix(string(st), "_IN_PROGRESS") || i > 200 {
			t.Fatalf("stack %s: %s", name, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestStartRoleSetupFromDeployedStack: on a machine without the role setup
// file, --start-role-setup --stack reuses the deployed role's principal and
// external ID instead of asking Coiled for new ones.
func TestStartRoleSetupFromDeployedStack(t *testing.T) {
	t.Parallel()
	endpoint := motoserver.Start(t)
	const principal = "arn:aws:iam::999988887777:role/coiled-control-plane-old"
	createRoleStack(t, endpoint, "CoiledNetwork", principal, "ext-deployed-1", "acme")
	newH := func(t *testing.T) *harness {
		h := withoutKeys(newHarness(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme", Default: true}, {Slug: "beta"}}}))
		for k, v := range motoserver.Environ(endpoint) {
			h.env[k] = v
		}
		return h
	}
	t.Run("values of the deployed stack, no call to Coiled", func(t *testing.T) {
		t.Parallel()
		h := newH(t)
		file := filepath.Join(h.dir, "rs.json")
		res := h.run("--start-role-setup", "--workspace", "acme", "--stack", "CoiledNetwork", "--role-setup-file", file)
		expect(t, res, ExitOK, "reusing principal "+principal+" and external ID ext-deployed-1 of deployed stack CoiledNetwork")
		if res.stdout != "coiledPrincipal="+principal+"\ncoiledExternalId=ext-deployed-1\n" {
			t.Errorf("stdout %q", res.stdout)
		}
		if len(h.srv.IssuedExternalIDs("acme")) != 0 {
			t.Error("Coiled was asked for a new external ID")
		}
		// Saved: the next call needs neither the stack nor Coiled.
		delete(h.env, "AWS_ENDPOINT_URL")
		res = h.run("--start-role-setup", "--workspace", "acme", "--role-setup-file", file)
		expect(t, res, ExitOK, "reusing the role setup of workspace acme")
		if !strings.Contains(res.stdout, "coiledExternalId=ext-deployed-1") {
			t.Errorf("stdout %q", res.stdout)
		}
	})
	t.Run("stack of another workspace: Coiled is asked", func(t *testing.T) {
		t.Parallel()
		h := newH(t)
		res := h.run("--start-role-setup", "--workspace", "beta", "--stack", "CoiledNetwork", "--role-setup-file", filepath.Join(h.dir, "rs.json"))
		expect(t, res, ExitOK, "stack CoiledNetwork was deployed for workspace acme, not beta")
		if ids := h.srv.IssuedExternalIDs("beta"); len(ids) != 1 || !strings.Contains(res.stdout, ids[0]) {
			t.Errorf("issued %v, stdout %q", ids, res.stdout)
		}
	})
	t.Run("no such stack: Coiled is asked, silently", func(t *testing.T) {
		t.Parallel()
		h := newH(t)
		res := h.run("--start-role-setup", "--workspace", "acme", "--stack", "Nope", "--role-setup-file", filepath.Join(h.dir, "rs.json"))
		expect(t, res, ExitOK)
		if strings.Contains(res.stderr, "warning") || len(h.srv.IssuedExternalIDs("acme")) != 1 {
			t.Errorf("stderr %s", res.stderr)
		}
	})
}
