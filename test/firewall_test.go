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

func init() {
	expectations["private-firewall"] = expectation{private: true, azs: 1, natGateways: 1, ports: []float64{443, 8786, 8787},
		cidrs: []string{"0.0.0.0/0"}, subnetMask: 20, openWarning: true, s3Endpoint: true, restrictSG: true, flowLogs: "off", firewall: true}
	expectations["private-firewall-3az"] = expectation{private: true, azs: 3, zone: 2, natGateways: 3, ports: []float64{443, 8786, 8787},
		cidrs: []string{"198.51.100.0/24"}, subnetMask: 20, s3Endpoint: true, restrictSG: true, flowLogs: "off", firewall: true,
		azNames: []string{"us-east-1a", "us-east-1b", "us-east-1c"}}
	expectations["private-firewall-2az-domains"] = expectation{private: true, azs: 2, natInstances: 2, ports: []float64{443},
		cidrs: []string{"203.0.113.0/24"}, subnetMask: 20, s3Endpoint: true, restrictSG: true, flowLogs: "off", firewall: true,
		azNames: []string{"eu-west-1b", "eu-west-1a"}}
}
