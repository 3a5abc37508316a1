package stackoutputs

import (
	"strings"
	"testing"
)

const (
	roleARN    = "arn:aws:iam::111122223333:role/CoilednetStack-CoiledRole-1AB"
	secretARN  = "arn:aws:secretsmanager:us-east-2:111122223333:secret:CoiledAccessKey-AbC123"
	profileARN = "arn:aws:iam::111122223333:instance-profile/coiled-acme"
)

func withAccess(kv ...string) map[string]string {
	m := valid()
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestParseAccess(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		raw  map[string]string
		mode string
		want []string // problems; none means valid
	}{
		{name: "none", raw: valid(), mode: ""},
		{name: "role", raw: withAccess("CoiledRoleArn", roleARN, "CoiledExternalId", "coiled-ext-1", "InstanceRoleArn", "arn:aws:iam::111122223333:role/coiled-acme",
			"InstanceProfileArn", profileARN, "LogGroupName", "acme"), mode: "role"},
		{name: "user", raw: withAccess("CoiledAccessKeySecretArn", secretARN), mode: "user"},
		{name: "role without external ID", raw: withAccess("CoiledRoleArn", roleARN), want: []string{"CoiledExternalId is missing"}},
		{name: "external ID without role", raw: withAccess("CoiledExternalId", "abc"), want: []string{"CoiledRoleArn is missing"}},
		{name: "role ARN of a user", raw: withAccess("CoiledRoleArn", "arn:aws:iam::111122223333:user/x", "CoiledExternalId", "abc"), want: []string{`CoiledRoleArn: "arn:aws:iam::111122223333:user/x" is not an IAM role ARN`}},
		{name: "bad external ID", raw: withAccess("CoiledRoleArn", roleARN, "CoiledExternalId", "a b"), want: []string{"CoiledExternalId: \"a b\" is not an external ID"}},
		{name: "bad secret ARN", raw: withAccess("CoiledAccessKeySecretArn", "CoiledAccessKey"), want: []string{"is not a Secrets Manager secret ARN"}},
		{name: "secret in another region", raw: withAccess("CoiledAccessKeySecretArn", strings.Replace(secretARN, "us-east-2", "eu-west-1", 1)), want: []string{"the secret is in region eu-west-1, the stack in us-east-2"}},
		{name: "role and user", raw: withAccess("CoiledRoleArn", roleARN, "CoiledExternalId", "abc", "CoiledAccessKeySecretArn", secretARN), want: []string{"either a role or a user"}},
		{name: "bad profile", raw: withAccess("InstanceProfileArn", roleARN), want: []string{"not an IAM instance profile ARN"}},
		{name: "bad log group", raw: withAccess("LogGroupName", "a b"), want: []string{"not a CloudWatch log group name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, err := Parse("Net", tc.raw)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if o.Access.Mode() != tc.mode {
					t.Errorf("mode %q, want %q", o.Access.Mode(), tc.mode)
				}
				if tc.mode == "role" && (o.Access.RoleARN != roleARN || o.Access.ExternalID != "coiled-ext-1" || o.Access.InstanceProfileARN != profileARN || o.Access.LogGroupName != "acme") {
					t.Errorf("access %+v", o.Access)
				}
				if tc.mode == "user" && o.Access.SecretARN != secretARN {
					t.Errorf("access %+v", o.Access)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted: %+v", o.Access)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
		})
	}
	t.Run("non-string access output in a file", func(t *testing.T) {
		_, err := ParseOutputsFile("f.json", []byte(`{"Net": {"NetworkId": "vpc-1", "CoiledRoleArn": 5}}`), "")
		if err == nil || !strings.Contains(err.Error(), "CoiledRoleArn: must be a string") {
			t.Errorf("err %v", err)
		}
	})
}

func TestTrustedPrincipal(t *testing.T) {
	t.Parallel()
	tpl := `{"Resources": {
	  "Other": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{"Principal": {"Service": "ec2.amazonaws.com"}}]}}},
	  "Coiled": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [
	    {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:role/coiled"},
	     "Condition": {"StringEquals": {"sts:ExternalId": "ext-1"}}}]}}},
	  "Listed": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [
	    {"Principal": {"AWS": ["arn:aws:iam::999988887777:root"]}, "Condition": {"StringEquals": {"sts:ExternalId": ["ext-2"]}}}]}}},
	  "Token": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [
	    {"Principal": {"AWS": {"Fn::Join": ["", ["arn:", "x"]]}}, "Condition": {"StringEquals": {"sts:ExternalId": "ext-3"}}}]}}}
	}}`
	for ext, want := range map[string]string{"ext-1": "arn:aws:iam::999988887777:role/coiled", "ext-2": "arn:aws:iam::999988887777:root"} {
		if got, err := TrustedPrincipal([]byte(tpl), ext); err != nil || got != want {
			t.Errorf("%s: %q %v", ext, got, err)
		}
	}
	if _, err := TrustedPrincipal([]byte(tpl), "ext-3"); err == nil || !strings.Contains(err.Error(), "not a single literal ARN") {
		t.Errorf("token principal: %v", err)
	}
	if _, err := TrustedPrincipal([]byte(tpl), "nope"); err == nil || !strings.Contains(err.Error(), "no IAM role in the template requires sts:ExternalId nope") {
		t.Errorf("unknown ID: %v", err)
	}
	if _, err := TrustedPrincipal([]byte("Resources: {}"), "x"); err == nil {
		t.Error("YAML accepted")
	}
}
