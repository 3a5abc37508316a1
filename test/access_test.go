package test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/constructs/access"
	"github.com/coilednet/coilednet/constructs/network"
	"github.com/coilednet/coilednet/internal/variants"
	"github.com/coilednet/coilednet/outputkeys"
)

// The IAM access variants (internal/variants/access.go) build the same
// networks as private-default and public-default.
func init() {
	expectations["private-access-role"] = expectations["private-default"]
	expectations["public-access-user"] = expectations["public-default"]
	expectations["public-access-existing"] = expectations["public-default"]
}

var accessOutputs = []string{outputkeys.CoiledRoleArn, outputkeys.CoiledExternalID, outputkeys.CoiledAccessKeySecretArn,
	outputkeys.InstanceRoleArn, outputkeys.InstanceProfileArn, outputkeys.LogGroupName}

// TestAccessOutputs: each mode has exactly its outputs; coiledAccess=none
// (every other variant) has none of them.
func TestAccessOutputs(t *testing.T) {
	want := map[string][]string{
		"private-access-role": {outputkeys.CoiledRoleArn, outputkeys.CoiledExternalID, outputkeys.InstanceRoleArn, outputkeys.InstanceProfileArn, outputkeys.LogGroupName},
		"public-access-user":  {outputkeys.CoiledAccessKeySecretArn, outputkeys.InstanceRoleArn, outputkeys.InstanceProfileArn, outputkeys.LogGroupName},
		"public-access-existing": {outputkeys.CoiledRoleArn, outputkeys.CoiledExternalID, outputkeys.InstanceRoleArn, outputkeys.InstanceProfileArn,
			outputkeys.LogGroupName},
	}
	for _, v := range variants.All {
		outputs := synth(t, v.Name).template["Outputs"].(map[string]any)
		for _, k := range accessOutputs {
			_, has := outputs[k]
			wanted := false
			for _, w := range want[v.Name] {
				wanted = wanted || w == k
			}
			if has != wanted {
				t.Errorf("%s: output %s present = %v, want %v", v.Name, k, has, wanted)
			}
		}
	}
	role := synth(t, "private-access-role").template["Outputs"].(map[string]any)
	if got := role[outputkeys.CoiledExternalID].(map[string]any)["Value"]; got != "coiled-acme-7f3a9c0e" {
		t.Errorf("CoiledExternalId = %v", got)
	}
	if got := role[outputkeys.CoiledRoleArn].(map[string]any)["Value"]; !strings.Contains(mustJSON(t, got), `"CoiledAccessRole`) {
		t.Errorf("CoiledRoleArn = %v, want the GetAtt of Coiled's role", got)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAccessResources checks what each mode creates, by type and name.
func TestAccessResources(t *testing.T) {
	for _, tc := range []struct {
		variant, workspace string
		counts             map[string]int
		createsShared      bool // coiledInstancePolicy=create
	}{
		{"private-access-role", "acme", map[string]int{"AWS::IAM::Role": 2, "AWS::IAM::User": 0, "AWS::IAM::AccessKey": 0,
			"AWS::SecretsManager::Secret": 0, "AWS::IAM::ManagedPolicy": 3, "AWS::IAM::InstanceProfile": 1, "AWS::Logs::LogGroup": 1, "AWS::IAM::Policy": 0}, true},
		{"public-access-user", "acme", map[string]int{"AWS::IAM::User": 1, "AWS::IAM::AccessKey": 1, "AWS::SecretsManager::Secret": 1,
			"AWS::IAM::ManagedPolicy": 3, "AWS::IAM::InstanceProfile": 1, "AWS::Logs::LogGroup": 1, "AWS::IAM::Policy": 0}, true},
		{"public-access-existing", "beta", map[string]int{"AWS::IAM::Role": 2, "AWS::IAM::User": 0, "AWS::SecretsManager::Secret": 0,
			"AWS::IAM::ManagedPolicy": 2, "AWS::IAM::InstanceProfile": 1, "AWS::Logs::LogGroup": 1, "AWS::IAM::Policy": 0}, false},
	} {
		s := synth(t, tc.variant)
		for typ, n := range tc.counts {
			got := len(s.resources(typ))
			if typ == "AWS::IAM::Role" {
				// CDK's restrict-default-security-group provider has a role too.
				got = 0
				for _, r := range s.resources(typ) {
					if strings.HasPrefix(r.ID, "CoiledAccess") {
						got++
					}
				}
			}
			if got != n {
				t.Errorf("%s: %d %s, want %d", tc.variant, got, typ, n)
			}
		}
		name := "coiled-" + tc.workspace
		sharedArn := `{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::",{"Ref":"AWS::AccountId"},":policy/CoiledInstancePolicy"]]}`
		for _, r := range s.resources("AWS::IAM::Role") {
			if !strings.HasPrefix(r.ID, "CoiledAccessInstanceRole") {
				continue
			}
			if r.Props["RoleName"] != name || !strings.Contains(mustJSON(t, r.Props["AssumeRolePolicyDocument"]), `"Service":"ec2.amazonaws.com"`) {
				t.Errorf("%s: instance role %v", tc.variant, r.Props)
			}
			if got, want := mustJSON(t, r.Props["Tags"]), `[{"Key":"coiled-workspace","Value":"`+tc.workspace+`"}]`; got != want {
				t.Errorf("%s: instance role tags %s, want %s", tc.variant, got, want)
			}
			// With existing, the account's CoiledInstancePolicy is attached
			// from the role's side (nothing else can attach a policy the
			// stack does not own); else the role has no policy of its own.
			got := mustJSON(t, r.Props["ManagedPolicyArns"])
			if want := "null"; !tc.createsShared && got != "["+sharedArn+"]" || tc.createsShared && got != want {
				t.Errorf("%s: instance role ManagedPolicyArns %s", tc.variant, got)
			}
		}
		for _, r := range s.resources("AWS::IAM::InstanceProfile") {
			if r.Props["InstanceProfileName"] != name {
				t.Errorf("%s: instance profile %v", tc.variant, r.Props)
			}
		}
		for _, r := range s.resources("AWS::Logs::LogGroup") {
			if r.Props["LogGroupName"] != tc.workspace || r.Props["RetentionInDays"] != float64(config.LogRetentionDays) {
				t.Errorf("%s: log group %v", tc.variant, r.Props)
			}
		}
		// Each policy is attached to exactly one identity (from its own
		// side: Roles or Users).
		shared := 0
		for _, r := range s.resources("AWS::IAM::ManagedPolicy") {
			attached := mustJSON(t, []any{r.Props["Roles"], r.Props["Users"]})
			switch {
			case strings.HasPrefix(r.ID, "CoiledAccessSharedInstancePolicy"):
				shared++
				if r.Props["ManagedPolicyName"] != "CoiledInstancePolicy" || !strings.Contains(attached, `[[{"Ref":"CoiledAccessInstanceRole`) ||
					strings.Count(attached, "Ref") != 1 {
					t.Errorf("%s: shared instance policy %v attached to %s", tc.variant, r.Props["ManagedPolicyName"], attached)
				}
			case strings.HasPrefix(r.ID, "CoiledAccessInstancePolicy"):
				if r.Props["ManagedPolicyName"] != "CoiledInstancePolicy-"+tc.workspace || !strings.Contains(attached, `[[{"Ref":"CoiledAccessInstanceRole`) ||
					strings.Count(attached, "Ref") != 1 {
					t.Errorf("%s: workspace instance policy %v attached to %s", tc.variant, r.Props["ManagedPolicyName"], attached)
				}
			case strings.HasPrefix(r.ID, "CoiledAccessControlPlanePolicy"):
				want := `[[{"Ref":"CoiledAccessRole`
				if tc.variant == "public-access-user" {
					want = `[null,[{"Ref":"CoiledAccessUser`
				}
				if !strings.HasPrefix(attached, want) || strings.Count(attached, "Ref") != 1 {
					t.Errorf("%s: control-plane policy attached to %s", tc.variant, attached)
				}
			}
		}
		if want := map[bool]int{true: 1, false: 0}[tc.createsShared]; shared != want {
			t.Errorf("%s: %d policies named CoiledInstancePolicy, want %d", tc.variant, shared, want)
		}
		for _, typ := range []string{"AWS::IAM::Role", "AWS::IAM::User"} {
			for _, r := range s.resources(typ) {
				if strings.HasPrefix(r.ID, "CoiledAccess") && !strings.HasPrefix(r.ID, "CoiledAccessInstanceRole") &&
					(r.Props["ManagedPolicyArns"] != nil || r.Props["Policies"] != nil) {
					t.Errorf("%s: %s has policies of its own: %v", tc.variant, r.ID, r.Props)
				}
			}
		}
	}

	// The role trusts Coiled's principal only, with the external ID.
	for _, r := range synth(t, "private-access-role").resources("AWS::IAM::Role") {
		if !strings.HasPrefix(r.ID, "CoiledAccessRole") {
			continue
		}
		want := `{"Statement":[{"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"coiled-acme-7f3a9c0e"}},` +
			`"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::077742499581:root"}}],"Version":"2012-10-17"}`
		if got := mustJSON(t, r.Props["AssumeRolePolicyDocument"]); got != want {
			t.Errorf("Coiled role trust policy\n  %s\nwant\n  %s", got, want)
		}
	}
}

// TestAccessKeyNeverInTemplate: the user's secret access key reaches only
// the secret's value, through a GetAtt CloudFormation resolves; no output
// and no other property refers to it.
func TestAccessKeyNeverInTemplate(t *testing.T) {
	s := synth(t, "public-access-user")
	key := s.resources("AWS::IAM::AccessKey")
	if len(key) != 1 {
		t.Fatalf("%d access keys", len(key))
	}
	secretAttr := `{"Fn::GetAtt":["` + key[0].ID + `","SecretAccessKey"]}`
	if out := mustJSON(t, s.template["Outputs"]); strings.Contains(out, "SecretAccessKey") || strings.Contains(out, key[0].ID) {
		t.Errorf("an output refers to the access key: %s", out)
	}
	uses := 0
	for id, r := range s.template["Resources"].(map[string]any) {
		if n := strings.Count(mustJSON(t, r), secretAttr); n > 0 {
			uses += n
			if typ := r.(map[string]any)["Type"]; typ != "AWS::SecretsManager::Secret" {
				t.Errorf("%s (%s) refers to the secret access key", id, typ)
			}
		}
	}
	if uses != 1 {
		t.Errorf("the secret access key is used %d times, want once (in the secret)", uses)
	}
	sec := s.resources("AWS::SecretsManager::Secret")[0]
	if got := mustJSON(t, sec.Props["SecretString"]); !strings.Contains(got, `"secretAccessKey\":\"",`+secretAttr) ||
		!strings.Contains(got, `accessKeyId`) {
		t.Errorf("SecretString = %s", got)
	}
}

// TestAccessConstructRejects: the construct validates its props and builds
// nothing when they are bad or ask for no access.
func TestAccessConstructRejects(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(mustTempDir()), BuiltinCloudFormationValidation: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Other"), nil)
	n, err := network.NewCoiledNetwork(stack, "Net", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		props *access.Props
		want  []string
	}{
		{nil, []string{"props.Network is required"}},
		{&access.Props{Network: n}, []string{`coiledAccess is "none"`}},
		{&access.Props{Network: n, Access: config.Access{CoiledAccess: config.AccessRole, Workspace: "Acme"}},
			[]string{"coiledWorkspace", "coiledPrincipal", "coiledExternalId"}},
	} {
		_, err := access.New(stack, "Bad", tc.props)
		if err == nil {
			t.Errorf("%+v accepted", tc.props)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not say %q", err, w)
			}
		}
	}
	if stack.Node().TryFindChild(jsii.String("Bad")) != nil {
		t.Error("a construct was built despite bad props")
	}
	a, err := access.New(stack, "Good", &access.Props{Network: n, Access: config.Access{CoiledAccess: config.AccessUser, Workspace: "w"}})
	if err != nil || a.User == nil || a.Role != nil || a.AccessKeySecret == nil || a.InstanceProfile == nil || a.Props.CoiledAccess != config.AccessUser {
		t.Errorf("user access: %+v, %v", a, err)
	}
}
