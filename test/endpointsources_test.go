package test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/stacks"
)

// TestEndpointSources: endpointSources=cluster,vpc,sg-… gives the endpoint
// group one rule per port and source (the cluster group, the existing VPC's
// range, the listed group), and the output says whom it admits.
func TestEndpointSources(t *testing.T) {
	cfg, err := config.FromContext(map[string]any{
		"existingVpcId": "vpc-0123456789abcdef0", "existingVpcCidr": "10.20.0.0/16",
		"schedulerSubnetId": "subnet-0123456789abcdef0", "workerSubnetId": "subnet-0123456789abcdef1", "workerPublicIp": "false",
		"interfaceEndpoints": "sts", "endpointServices": snowflake + "=443+1433",
		"endpointSources": "cluster,vpc,sg-0aaaaaaaaaaaaaaaa",
	})
	if err != nil {
		t.Fatal(err)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(mustTempDir()), BuiltinCloudFormationValidation: jsii.Bool(false)})
	st, err := stacks.New(app, cfg)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(app.Synth(nil).GetStackArtifact(st.ArtifactId()).Template())
	if err != nil {
		t.Fatal(err)
	}
	s := &synthesized{}
	if err := json.Unmarshal(raw, &s.template); err != nil {
		t.Fatal(err)
	}
	sg, rules := s.endpointGroup()
	if sg.ID == "" {
		t.Fatal("no endpoint group")
	}
	got := map[string]bool{}
	// CDK writes CIDR rules inline, group references as their own resources.
	inline, _ := sg.Props["SecurityGroupIngress"].([]any)
	for _, in := range inline {
		rules = append(rules, resource{Props: in.(map[string]any)})
	}
	for _, r := range rules {
		p := r.Props
		src := ""
		switch {
		case p["CidrIp"] != nil:
			src = p["CidrIp"].(string)
		case refOf(p["SourceSecurityGroupId"]) != "":
			src = "cluster"
			if !strings.HasPrefix(refOf(p["SourceSecurityGroupId"]), "CoiledNetworkClusterSecurityGroup") {
				src = "ref " + refOf(p["SourceSecurityGroupId"])
			}
		default:
			src, _ = p["SourceSecurityGroupId"].(string)
		}
		got[src+" "+show(p["FromPort"])] = true
	}
	want := map[string]bool{}
	for _, src := range []string{"cluster", "10.20.0.0/16", "sg-0aaaaaaaaaaaaaaaa"} {
		for _, port := range []string{"443", "1433"} {
			want[src+" "+port] = true
		}
	}
	if !equalJSON(got, want) || len(rules) != 6 {
		t.Errorf("endpoint rules %v, want %v", keys(got), keys(want))
	}
	out := s.template["Outputs"].(map[string]any)["EndpointSecurityGroupId"]
	if d, _ := out.(map[string]any)["Description"].(string); !strings.Contains(d, "admits cluster, vpc, sg-0aaaaaaaaaaaaaaaa") {
		t.Errorf("output description %q", d)
	}
}
