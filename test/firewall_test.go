package test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// TestNatInstanceDetailedMonitoring: NAT instances pass AWS Control Tower's
// proactive control CT.EC2.PR.13 (detailed monitoring on), and cdk-nag's
// matching rule is satisfied rather than suppressed.
func TestNatInstanceDetailedMonitoring(t *testing.T) {
	s := synth(t, "private-instance-2az")
	instances := s.resources("AWS::EC2::Instance")
	if len(instances) != 2 {
		t.Fatalf("%d NAT instances, want 2", len(instances))
	}
	for _, in := range instances {
		if in.Props["Monitoring"] != true {
			t.Errorf("NAT instance %s: Monitoring = %v, want true (CT.EC2.PR.13)", in.ID, in.Props["Monitoring"])
		}
		meta, _ := s.template["Resources"].(map[string]any)[in.ID].(map[string]any)["Metadata"].(map[string]any)
		if show(meta) != "" && containsRule(meta, "AwsSolutions-EC28") {
			t.Errorf("NAT instance %s still suppresses AwsSolutions-EC28", in.ID)
		}
	}
	found := annotations(s).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-EC28")))
	if len(*found) != 0 {
		t.Errorf("cdk-nag reports EC28 (detailed monitoring) on %d resources", len(*found))
	}
}

// containsRule reports whether a resource's metadata suppresses cdk-nag rule id.
func containsRule(meta map[string]any, id string) bool {
	nag, _ := meta["cdk_nag"].(map[string]any)
	rules, _ := nag["rules_to_suppress"].([]any)
	for _, r := range rules {
		if m, _ := r.(map[string]any); m["id"] == id {
			return true
		}
	}
	return false
}
