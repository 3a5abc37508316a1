//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/coilednet/coilednet/internal/motoserver"
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
	instanceDoc := attachedPolicy(t, client, name, "", "CoiledInstancePolicy-"+workspace)
	if !strings.Contains(instanceDoc, ":log-group:"+workspace+":log-stream:*") {
		t.Errorf("CoiledInstancePolicy does not name the workspace's log streams: %s", instanceDoc)
	}
	if b := d.v.Context["dataBuckets"]; b != "" && !strings.Contains(instanceDoc, "arn:aws:s3:::"+strings.Split(b, ",")[0]+"/*") {
		t.Errorf("CoiledInstancePolicy does not name bucket %s: %s", b, instanceDoc)
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
