package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// role is a valid coiledAccess=role context, to which each test adds or
// overrides keys.
func role(kv ...any) map[string]any {
	ctx := map[string]any{
		KeyCoiledAccess:     "role",
		KeyCoiledWorkspace:  "acme",
		KeyCoiledPrincipal:  "arn:aws:iam::077742499581:root",
		KeyCoiledExternalID: "coiled-7f3a9c",
	}
	for i := 0; i < len(kv); i += 2 {
		ctx[kv[i].(string)] = kv[i+1]
	}
	return ctx
}

func TestAccessRejects(t *testing.T) {
	long := strings.Repeat("a", 58)
	tests := []struct {
		name       string
		ctx        map[string]any
		key, value string // the only key the errors may name, and the offending value
		want       string // another substring the message must hold
	}{
		{"unknown mode", map[string]any{"coiledAccess": "keys"}, "coiledAccess", "keys", "accepted are none, role, user"},
		{"mode wrong case", role("coiledAccess", "Role"), "coiledAccess", "Role", `did you mean "role"?`},
		{"mode empty", map[string]any{"coiledAccess": ""}, "coiledAccess", "", "is empty"},
		{"mode boolean", map[string]any{"coiledAccess": true}, "coiledAccess", "true", "is a JSON boolean, not a string"},

		{"role without workspace", role("coiledWorkspace", ""), "coiledWorkspace", "", "coiledAccess=role needs the Coiled workspace slug"},
		{"user without workspace", map[string]any{"coiledAccess": "user"}, "coiledWorkspace", "", "coiledAccess=user needs"},
		{"workspace with none", map[string]any{"coiledWorkspace": "acme"}, "coiledWorkspace", "acme", `is set, but coiledAccess is "none"`},
		{"workspace upper case", role("coiledWorkspace", "Acme"), "coiledWorkspace", "Acme", `did you mean "acme"?`},
		{"workspace with space", role("coiledWorkspace", "my team"), "coiledWorkspace", "my team", "is not a Coiled workspace slug"},
		{"workspace starts with hyphen", role("coiledWorkspace", "-acme"), "coiledWorkspace", "-acme", "is not a Coiled workspace slug"},
		{"workspace with slash", role("coiledWorkspace", "a/b"), "coiledWorkspace", "a/b", "is not a Coiled workspace slug"},
		{"workspace too long", role("coiledWorkspace", long), "coiledWorkspace", long, "is 58 characters long, more than 57"},
		{"workspace number", role("coiledWorkspace", 7.0), "coiledWorkspace", "7", "is a JSON number, not a string"},

		{"role without principal", role("coiledPrincipal", ""), "coiledPrincipal", "", "coiledAccess=role needs the principal"},
		{"principal with none", map[string]any{"coiledPrincipal": "arn:aws:iam::077742499581:root"}, "coiledPrincipal", "arn:aws:iam::077742499581:root", `coiledAccess is "none"`},
		{"principal with user", map[string]any{"coiledAccess": "user", "coiledWorkspace": "acme", "coiledPrincipal": "arn:aws:iam::077742499581:root"},
			"coiledPrincipal", "arn:aws:iam::077742499581:root", `coiledAccess is "user": only a role`},
		{"principal account id", role("coiledPrincipal", "077742499581"), "coiledPrincipal", "077742499581", "is not an IAM ARN"},
		{"principal short account", role("coiledPrincipal", "arn:aws:iam::0777:root"), "coiledPrincipal", "arn:aws:iam::0777:root", "is not an IAM ARN"},
		{"principal wildcard", role("coiledPrincipal", "*"), "coiledPrincipal", "*", "is not an IAM ARN"},
		{"principal role wildcard", role("coiledPrincipal", "arn:aws:iam::077742499581:role/*"), "coiledPrincipal", "arn:aws:iam::077742499581:role/*", "is not an IAM ARN"},
		{"principal wildcard path", role("coiledPrincipal", "arn:aws:iam::077742499581:role/*/x"), "coiledPrincipal", "arn:aws:iam::077742499581:role/*/x", "is not an IAM ARN"},
		{"principal not iam", role("coiledPrincipal", "arn:aws:s3:::bucket"), "coiledPrincipal", "arn:aws:s3:::bucket", "is not an IAM ARN"},
		{"principal group", role("coiledPrincipal", "arn:aws:iam::077742499581:group/g"), "coiledPrincipal", "arn:aws:iam::077742499581:group/g", "is not an IAM ARN"},

		{"role without external id", role("coiledExternalId", ""), "coiledExternalId", "", "coiledAccess=role needs the external ID"},
		{"external id with user", map[string]any{"coiledAccess": "user", "coiledWorkspace": "acme", "coiledExternalId": "abc"},
			"coiledExternalId", "abc", "only a role"},
		{"external id too short", role("coiledExternalId", "a"), "coiledExternalId", "a", "is 1 characters long"},
		{"external id too long", role("coiledExternalId", strings.Repeat("x", 1225)), "coiledExternalId", strings.Repeat("x", 1225), "is 1225 characters long"},
		{"external id bad character", role("coiledExternalId", "abc def"), "coiledExternalId", "abc def", "has a character STS does not accept"},
		{"external id quote", role("coiledExternalId", `ab"c`), "coiledExternalId", `ab"c`, "2 to 1224 characters"},

		{"buckets with none", map[string]any{"dataBuckets": "my-data"}, "dataBuckets", "my-data", `coiledAccess is "none"`},
		{"bucket too short", role("dataBuckets", "ab"), "dataBuckets", "ab", "is 2 characters long, not 3 to 63"},
		{"bucket too long", role("dataBuckets", strings.Repeat("b", 64)), "dataBuckets", strings.Repeat("b", 64), "is 64 characters long"},
		{"bucket upper case", role("dataBuckets", "My-Data"), "dataBuckets", "My-Data", `did you mean "my-data"?`},
		{"bucket underscore", role("dataBuckets", "my_data"), "dataBuckets", "my_data", "is not an S3 bucket name"},
		{"bucket ends with hyphen", role("dataBuckets", "my-data-"), "dataBuckets", "my-data-", "is not an S3 bucket name"},
		{"bucket two dots", role("dataBuckets", "my..data"), "dataBuckets", "my..data", "two adjacent dots"},
		{"bucket IP address", role("dataBuckets", "192.168.5.4"), "dataBuckets", "192.168.5.4", "formatted as an IP address"},
		{"bucket xn prefix", role("dataBuckets", "xn--data"), "dataBuckets", "xn--data", "which S3 reserves"},
		{"bucket alias suffix", role("dataBuckets", "data-s3alias"), "dataBuckets", "data-s3alias", "which S3 reserves"},
		{"bucket ARN", role("dataBuckets", "arn:aws:s3:::my-data"), "dataBuckets", "arn:aws:s3:::my-data", "is not an S3 bucket name"},
		{"bucket twice", role("dataBuckets", "a-data,b-data,a-data"), "dataBuckets", "a-data", "is listed twice"},
		{"bucket empty item", role("dataBuckets", "a-data,,b-data"), "dataBuckets", "", "(item 2) is an empty item"},
		{"buckets boolean", role("dataBuckets", true), "dataBuckets", "true", "is a JSON boolean"},

		{"ecr repositories with none", map[string]any{"ecrRepositories": "envs"}, "ecrRepositories", "envs", `coiledAccess is "none"`},
		{"ecr repository star", role("ecrRepositories", "*"), "ecrRepositories", "*", "leave ecrRepositories empty"},
		{"ecr repository ARN", role("ecrRepositories", "arn:aws:ecr:us-east-1:210987654321:repository/envs"), "ecrRepositories",
			"arn:aws:ecr:us-east-1:210987654321:repository/envs", "is an ARN"},
		{"ecr repository inner wildcard", role("ecrRepositories", "team*/envs"), "ecrRepositories", "team*/envs", "not a trailing /*"},
		{"ecr repository upper case", role("ecrRepositories", "Team/envs"), "ecrRepositories", "Team/envs", `did you mean "team/envs"?`},
		{"ecr repository double separator", role("ecrRepositories", "team//envs"), "ecrRepositories", "team//envs", "is not an ECR repository name"},
		{"ecr repository twice", role("ecrRepositories", "envs,envs"), "ecrRepositories", "envs", "is listed twice"},
		{"kms key with none", map[string]any{"ebsKmsKeyArns": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
			"ebsKmsKeyArns", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", `coiledAccess is "none"`},
		{"kms key ID", role("ebsKmsKeyArns", "1234abcd-12ab-34cd-56ef-1234567890ab"), "ebsKmsKeyArns", "1234abcd-12ab-34cd-56ef-1234567890ab",
			"is a key ID, not an ARN"},
		{"kms alias ARN", role("ebsKmsKeyArns", "arn:aws:kms:us-east-1:123456789012:alias/aws/ebs"), "ebsKmsKeyArns",
			"arn:aws:kms:us-east-1:123456789012:alias/aws/ebs", "is an alias"},
		{"kms key wildcard", role("ebsKmsKeyArns", "arn:aws:kms:us-east-1:123456789012:key/*"), "ebsKmsKeyArns",
			"arn:aws:kms:us-east-1:123456789012:key/*", "is not a KMS key ARN"},
		{"kms not kms", role("ebsKmsKeyArns", "arn:aws:s3:::bucket"), "ebsKmsKeyArns", "arn:aws:s3:::bucket", "is not a KMS key ARN"},
		{"instance policy unknown", role("coiledInstancePolicy", "shared"), "coiledInstancePolicy", "shared", "is not an instance policy mode"},
		{"instance policy existing with none", map[string]any{"coiledInstancePolicy": "existing"}, "coiledInstancePolicy", "existing",
			`coiledAccess is "none"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app, err := FromContext(tc.ctx)
			if err == nil {
				t.Fatalf("FromContext(%v) = %+v, want an error", tc.ctx, app)
			}
			msg := err.Error()
			if !strings.Contains(msg, fmt.Sprintf("context key %q: %q ", tc.key, tc.value)) {
				t.Errorf("error does not name key %q and value %q:\n%s", tc.key, tc.value, msg)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error does not say %q:\n%s", tc.want, msg)
			}
			if !strings.Contains(msg, "accepted are") && !strings.Contains(msg, "Accepted are") {
				t.Errorf("error does not say what is accepted:\n%s", msg)
			}
			for _, e := range leaves(err) {
				var ce *Error
				if !errors.As(e, &ce) || ce.Key != tc.key {
					t.Errorf("unexpected error %q (want only errors about %s)", e, tc.key)
				}
			}
		})
	}
}

func TestAccessAccepts(t *testing.T) {
	tests := []struct {
		name string
		ctx  map[string]any
		want Access
	}{
		{"default", map[string]any{}, Access{CoiledAccess: AccessNone}},
		{"cdk.json empty strings", map[string]any{"coiledAccess": "none", "coiledWorkspace": "", "coiledPrincipal": "", "coiledExternalId": "", "dataBuckets": ""},
			Access{CoiledAccess: AccessNone}},
		{"role", role(), Access{CoiledAccess: AccessRole, Workspace: "acme", Principal: "arn:aws:iam::077742499581:root", ExternalID: "coiled-7f3a9c"}},
		{"role trimmed, principal a role with a path, buckets", role("coiledWorkspace", " data_team-2 ",
			"coiledPrincipal", "arn:aws:iam::077742499581:role/coiled/control-plane", "coiledExternalId", "Ab+=,.@:/-_9",
			"dataBuckets", `["my-data", "logs.example.com"]`),
			Access{CoiledAccess: AccessRole, Workspace: "data_team-2", Principal: "arn:aws:iam::077742499581:role/coiled/control-plane",
				ExternalID: "Ab+=,.@:/-_9", DataBuckets: []string{"my-data", "logs.example.com"}}},
		{"role in GovCloud, longest external ID and workspace", role("coiledPrincipal", "arn:aws-us-gov:iam::123456789012:user/coiled",
			"coiledExternalId", strings.Repeat("x", 1224), "coiledWorkspace", strings.Repeat("w", 57)),
			Access{CoiledAccess: AccessRole, Workspace: strings.Repeat("w", 57), Principal: "arn:aws-us-gov:iam::123456789012:user/coiled",
				ExternalID: strings.Repeat("x", 1224)}},
		{"user", map[string]any{"coiledAccess": "user", "coiledWorkspace": "acme", "dataBuckets": "abc"},
			Access{CoiledAccess: AccessUser, Workspace: "acme", DataBuckets: []string{"abc"}}},
		{"issue 17 options", role("ecrRepositories", "coiled/envs, team/*,base", "coiledInstancePolicy", "existing",
			"ebsKmsKeyArns", `["arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"]`),
			Access{CoiledAccess: AccessRole, Workspace: "acme", Principal: "arn:aws:iam::077742499581:root", ExternalID: "coiled-7f3a9c",
				EcrRepositories: []string{"coiled/envs", "team/*", "base"}, CoiledInstancePolicy: InstancePolicyExisting,
				EbsKmsKeyArns: []string{"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
					"arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"}}},
		{"cdk.json defaults of issue 17", map[string]any{"ecrRepositories": "", "ebsKmsKeyArns": "", "coiledInstancePolicy": "create"},
			Access{CoiledAccess: AccessNone}},
	}
	for _, tc := range tests {
		if tc.want.CoiledInstancePolicy == "" {
			tc.want.CoiledInstancePolicy = InstancePolicyCreate
		}
		t.Run(tc.name, func(t *testing.T) {
			app, err := FromContext(tc.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(app.Access, tc.want) {
				t.Errorf("Access = %+v, want %+v", app.Access, tc.want)
			}
			if app.Access.Enabled() != (tc.want.CoiledAccess != AccessNone) {
				t.Errorf("Enabled() = %v", app.Access.Enabled())
			}
		})
	}
}

func TestAccessNames(t *testing.T) {
	a := Access{CoiledAccess: AccessUser, Workspace: "acme"}
	if a.InstanceRoleName() != "coiled-acme" || a.LogGroupName() != "acme" {
		t.Errorf("names %q %q", a.InstanceRoleName(), a.LogGroupName())
	}
	if (Access{}).Enabled() {
		t.Error("the zero Access is enabled")
	}
	// Validate (the Go path) applies the same rules as FromContext.
	err := App{Access: Access{CoiledAccess: AccessRole, Workspace: "acme"}}.Validate()
	if err == nil || !strings.Contains(err.Error(), `context key "coiledPrincipal"): "" is empty`) || !strings.Contains(err.Error(), `context key "coiledExternalId"): "" is empty`) {
		t.Errorf("Validate of a role without principal: %v", err)
	}
	// An unknown mode reports only itself, not the follow-ups.
	err = App{Access: Access{CoiledAccess: "roles", Workspace: "acme", Principal: "x"}}.Validate()
	if err == nil || len(leaves(err)) != 1 || !strings.Contains(err.Error(), `App.Access.CoiledAccess (context key "coiledAccess"): "roles" is not an access mode`) {
		t.Errorf("Validate of an unknown mode: %v", err)
	}
	// WithDefaults does not alias the caller's buckets.
	in := App{Access: Access{CoiledAccess: AccessUser, Workspace: "acme", DataBuckets: []string{"abc"}}}
	out := in.WithDefaults()
	out.Access.DataBuckets[0] = "xyz"
	if in.Access.DataBuckets[0] != "abc" {
		t.Error("WithDefaults aliases DataBuckets")
	}
}

func TestInstancePolicyClash(t *testing.T) {
	mk := func(stack, account string, mode InstancePolicyMode) StackAccess {
		return StackAccess{StackName: stack, Account: account,
			Access: Access{CoiledAccess: AccessUser, Workspace: strings.ToLower(stack), CoiledInstancePolicy: mode}}
	}
	none := StackAccess{StackName: "Plain", Access: Access{}}
	ok := [][]StackAccess{
		nil,
		{mk("Acme", "", InstancePolicyCreate)},
		{mk("Acme", "", ""), mk("Beta", "", InstancePolicyExisting), none}, // "" is create
		{mk("Acme", "111111111111", InstancePolicyCreate), mk("Beta", "222222222222", InstancePolicyCreate)},
	}
	for _, stacks := range ok {
		if err := InstancePolicyClash(stacks); err != nil {
			t.Errorf("%+v: %v", stacks, err)
		}
	}
	err := InstancePolicyClash([]StackAccess{mk("Acme", "", InstancePolicyCreate), mk("Beta", "", ""), mk("Gamma", "", InstancePolicyCreate),
		mk("Delta", "222222222222", InstancePolicyCreate), mk("Eps", "222222222222", InstancePolicyCreate)})
	if err == nil {
		t.Fatal("two creators in one account accepted")
	}
	for _, want := range []string{
		`context key "coiledInstancePolicy": stacks Acme, Beta, Gamma would each create the IAM policy CoiledInstancePolicy in the deploying account`,
		"keep coiledInstancePolicy=create on Acme only and set -c coiledInstancePolicy=existing on Beta, Gamma (deployed after it)",
		"stacks Delta, Eps would each create the IAM policy CoiledInstancePolicy in account 222222222222",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}
