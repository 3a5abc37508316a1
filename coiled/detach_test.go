package coiled

import (
	"errors"
	"reflect"
	"testing"
)

func attached() map[string]any {
	return map[string]any{
		"backend": "vm",
		"options": map[string]any{
			"aws_region_name": "us-east-2", "account_role": "", "zone": "us-east-2a",
			"firewall": map[string]any{}, "firewall_spec": map[string]any{"ingress": []any{map[string]any{"ports": []any{443.0}, "cidr": "10.0.0.0/8"}}},
			"network":       map[string]any{"network_id": "vpc-0abc", "scheduler_subnet_id": "subnet-1"},
			"provider_name": "aws", "type": "aws_cloudbridge_backend_options",
		},
		"registry": map[string]any{"type": "ecr", "region": "us-east-2"},
	}
}

func TestPlanDetachNetwork(t *testing.T) {
	cur := attached()
	if !UsesNetwork(cur, "vpc-0abc") || UsesNetwork(cur, "vpc-0other") || UsesNetwork(cur, "") {
		t.Error("UsesNetwork")
	}
	bo, err := PlanDetachNetwork(cur, AWSCredentials{AccessKeyID: "AKIA1", SecretAccessKey: "s3cr3t"})
	if err != nil {
		t.Fatal(err)
	}
	opts := bo["options"].(map[string]any)
	if !reflect.DeepEqual(opts["network"], map[string]any{}) || opts["zone"] != nil {
		t.Errorf("network %v zone %v", opts["network"], opts["zone"])
	}
	if !reflect.DeepEqual(opts["firewall_spec"], attached()["options"].(map[string]any)["firewall_spec"]) || opts["aws_region_name"] != "us-east-2" {
		t.Errorf("settings we do not own were not carried over: %v", opts)
	}
	if bo["registry"].(map[string]any)["credentials"] == nil || opts["credentials"] == nil {
		t.Errorf("keys not carried: %v", bo)
	}
	if !UsesNetwork(cur, "vpc-0abc") {
		t.Error("the current settings were modified")
	}
	// Without keys a key workspace cannot be updated.
	if _, err := PlanDetachNetwork(attached(), AWSCredentials{}); !errors.As(err, new(*MissingCredentialsError)) {
		t.Errorf("err = %v", err)
	}
	// A role workspace needs none.
	role := attached()
	role["options"].(map[string]any)["account_role"] = "arn:aws:iam::123456789012:role/coiled"
	bo, err = PlanDetachNetwork(role, AWSCredentials{})
	if err != nil || bo["options"].(map[string]any)["credentials"] != nil {
		t.Errorf("role: %v %v", bo, err)
	}
	if _, err := PlanDetachNetwork(map[string]any{"backend": "vm"}, AWSCredentials{}); !errors.Is(err, ErrNoAWSSettings) {
		t.Errorf("no options: %v", err)
	}
}
