package test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/coilednet/coilednet/config"
)

// The policy proof of issue 9: the synthesized policies, their tokens
// resolved to the concrete values below, are evaluated by a real IAM policy
// evaluator, @cloud-copilot/iam-simulate (pinned in .tools/package-lock.json,
// driven by test/iamsim/simulate.mjs), not matched as strings.

// Concrete values the template's tokens resolve to.
const (
	simPartition = "aws"
	simRegion    = "us-east-1"
	simAccount   = "123456789012"
	coiledAcct   = "077742499581" // the principal's account in the role variant
	otherVpc     = "vpc-0ffffffffffffffff"
)

// resolver turns a template's intrinsic functions into concrete values:
// pseudo parameters as above, a resource's Ref and GetAtt Arn as AWS would
// return them for its type (IDs derived from the logical ID).
type resolver struct {
	t         *testing.T
	resources map[string]any
}

func fakeID(prefix, logicalID string) string {
	h := sha256.Sum256([]byte(logicalID))
	return prefix + "-0" + hex.EncodeToString(h[:])[:16]
}

func (r resolver) props(id string) (string, map[string]any) {
	res, ok := r.resources[id].(map[string]any)
	if !ok {
		r.t.Fatalf("template refers to unknown resource %s", id)
	}
	props, _ := res["Properties"].(map[string]any)
	return res["Type"].(string), props
}

func nameOr(props map[string]any, key, id string) string {
	if s, ok := props[key].(string); ok {
		return s
	}
	return id
}

func (r resolver) ref(id string) string {
	switch id {
	case "AWS::Partition":
		return simPartition
	case "AWS::Region":
		return simRegion
	case "AWS::AccountId":
		return simAccount
	case "AWS::URLSuffix":
		return "amazonaws.com"
	}
	typ, props := r.props(id)
	switch typ {
	case "AWS::EC2::VPC":
		return fakeID("vpc", id)
	case "AWS::EC2::Subnet":
		return fakeID("subnet", id)
	case "AWS::EC2::RouteTable":
		return fakeID("rtb", id)
	case "AWS::IAM::ManagedPolicy":
		return fmt.Sprintf("arn:aws:iam::%s:policy/%s", simAccount, nameOr(props, "ManagedPolicyName", id))
	case "AWS::IAM::Role":
		return nameOr(props, "RoleName", id)
	case "AWS::SecretsManager::Secret":
		return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-AbCdEf", simRegion, simAccount, id)
	case "AWS::Logs::LogGroup":
		return nameOr(props, "LogGroupName", id)
	}
	r.t.Fatalf("no concrete Ref for %s (%s)", id, typ)
	return ""
}

func (r resolver) getAtt(id, attr string) string {
	typ, props := r.props(id)
	switch {
	case typ == "AWS::IAM::Role" && attr == "Arn":
		return fmt.Sprintf("arn:aws:iam::%s:role/%s", simAccount, nameOr(props, "RoleName", id))
	case typ == "AWS::IAM::InstanceProfile" && attr == "Arn":
		return fmt.Sprintf("arn:aws:iam::%s:instance-profile/%s", simAccount, nameOr(props, "InstanceProfileName", id))
	case typ == "AWS::EC2::SecurityGroup" && attr == "GroupId":
		return fakeID("sg", id)
	}
	r.t.Fatalf("no concrete GetAtt for %s.%s (%s)", id, attr, typ)
	return ""
}

// resolve returns v with every intrinsic function replaced by its value.
func (r resolver) resolve(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			if id, ok := v["Ref"].(string); ok {
				return r.ref(id)
			}
			if ga, ok := v["Fn::GetAtt"].([]any); ok {
				return r.getAtt(ga[0].(string), ga[1].(string))
			}
			if _, ok := v["Fn::GetAZs"]; ok {
				return []any{simRegion + "a", simRegion + "b"}
			}
			if sel, ok := v["Fn::Select"].([]any); ok {
				return r.resolve(sel[1]).([]any)[int(sel[0].(float64))]
			}
			if j, ok := v["Fn::Join"].([]any); ok {
				var parts []string
				for _, p := range j[1].([]any) {
					s, ok := r.resolve(p).(string)
					if !ok {
						r.t.Fatalf("Fn::Join of a non-string %v", p)
					}
					parts = append(parts, s)
				}
				return strings.Join(parts, j[0].(string))
			}
			for k := range v {
				if strings.HasPrefix(k, "Fn::") {
					r.t.Fatalf("unresolved intrinsic %s", k)
				}
			}
		}
		out := map[string]any{}
		for k, x := range v {
			out[k] = r.resolve(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = r.resolve(x)
		}
		return out
	}
	return v
}

// resolvedVariant is a variant's template with its access resources found
// and resolved.
type resolvedVariant struct {
	r            resolver
	outputs      map[string]string
	controlPlane any   // the PolicyDocument of the control-plane policy
	instance     []any // the PolicyDocuments of the instance role: CoiledInstancePolicy-<workspace>, and CoiledInstancePolicy if created
	shared       any   // the PolicyDocument of CoiledInstancePolicy, if the stack creates it
	roleTrust    any   // the AssumeRolePolicyDocument of Coiled's role, if any
	instanceRole any   // the AssumeRolePolicyDocument of the instance role
	logicalIDs   map[string]string
}

func resolveVariant(t *testing.T, name string) resolvedVariant {
	t.Helper()
	s := synth(t, name)
	res := s.template["Resources"].(map[string]any)
	rv := resolvedVariant{r: resolver{t, res}, outputs: map[string]string{}, logicalIDs: map[string]string{}}
	for k, o := range s.template["Outputs"].(map[string]any) {
		if v, ok := rv.r.resolve(o.(map[string]any)["Value"]).(string); ok {
			rv.outputs[k] = v
		}
	}
	for id, r := range res {
		r := r.(map[string]any)
		props, _ := r["Properties"].(map[string]any)
		switch {
		case r["Type"] == "AWS::IAM::ManagedPolicy" && strings.HasPrefix(id, "CoiledAccessControlPlanePolicy"):
			rv.controlPlane = rv.r.resolve(props["PolicyDocument"])
		case r["Type"] == "AWS::IAM::ManagedPolicy" && strings.HasPrefix(id, "CoiledAccessInstancePolicy"):
			rv.instance = append(rv.instance, rv.r.resolve(props["PolicyDocument"]))
		case r["Type"] == "AWS::IAM::ManagedPolicy" && strings.HasPrefix(id, "CoiledAccessSharedInstancePolicy"):
			rv.shared = rv.r.resolve(props["PolicyDocument"])
			rv.instance = append(rv.instance, rv.shared)
		case r["Type"] == "AWS::IAM::Role" && strings.HasPrefix(id, "CoiledAccessRole"):
			rv.roleTrust = rv.r.resolve(props["AssumeRolePolicyDocument"])
			rv.logicalIDs["role"] = id
		case r["Type"] == "AWS::IAM::Role" && strings.HasPrefix(id, "CoiledAccessInstanceRole"):
			rv.instanceRole = rv.r.resolve(props["AssumeRolePolicyDocument"])
		case r["Type"] == "AWS::EC2::RouteTable" && rv.logicalIDs["routeTable"] == "":
			rv.logicalIDs["routeTable"] = id
		}
	}
	if rv.controlPlane == nil || rv.instance == nil || rv.instanceRole == nil {
		t.Fatalf("%s: control-plane policy, instance policy or instance role not found", name)
	}
	return rv
}

// check is one authorization check of a request: one action on one
// resource. AWS authorizes a request (e.g. RunInstances) only when every
// resource in it is allowed, each with its own condition keys.
type check struct {
	action, resource string
	context          map[string]any
}

// simCase is one request and its expected decision.
type simCase struct {
	name    string
	allowed bool
	checks  []check
}

type simRequest struct {
	ID        string         `json:"id"`
	Principal string         `json:"principal"`
	Action    string         `json:"action"`
	Resource  string         `json:"resource"`
	AccountID string         `json:"accountId"`
	Context   map[string]any `json:"context"`
}

type simResult struct {
	ID       string   `json:"id"`
	Decision string   `json:"decision"`
	Ignored  []string `json:"ignoredContextKeys"`
	Error    string   `json:"error"`
}

// simulator returns the path of test/iamsim/simulate.mjs, or skips (fails
// with COILEDNET_REQUIRE_TOOLS=1) when node or the pinned package is
// missing.
func simulator(t *testing.T) string {
	t.Helper()
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not installed"
	} else if _, err := os.Stat(filepath.Join("..", ".tools", "node_modules", "@cloud-copilot", "iam-simulate", "package.json")); err != nil {
		missing = "@cloud-copilot/iam-simulate is not in .tools/ (npm ci --prefix .tools, or scripts/test, installs it)"
	}
	if missing != "" {
		if os.Getenv("COILEDNET_REQUIRE_TOOLS") == "1" {
			t.Fatal(missing)
		}
		t.Skip(missing)
	}
	script, err := filepath.Abs(filepath.Join("iamsim", "simulate.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	return script
}

// simulate evaluates every check of cases as principal against the
// identity policies (and the resource policy, if any) and compares each
// request's decision with the expected one.
func simulate(t *testing.T, principal string, identity []any, resourcePolicy any, cases []simCase) {
	t.Helper()
	script := simulator(t)
	var reqs []simRequest
	for i, c := range cases {
		for j, ch := range c.checks {
			ctx := map[string]any{"aws:RequestedRegion": simRegion}
			for k, v := range ch.context {
				ctx[k] = v
			}
			acct := simAccount
			if p := strings.Split(ch.resource, ":"); len(p) > 4 && p[4] != "" {
				acct = p[4]
			}
			reqs = append(reqs, simRequest{ID: fmt.Sprintf("%d/%d", i, j), Principal: principal, Action: ch.action,
				Resource: ch.resource, AccountID: acct, Context: ctx})
		}
	}
	policies := []map[string]any{}
	for i, p := range identity {
		policies = append(policies, map[string]any{"name": fmt.Sprintf("policy%d", i), "policy": p})
	}
	in, err := json.Marshal(map[string]any{"identityPolicies": policies, "resourcePolicy": resourcePolicy, "requests": reqs})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "input.json")
	if err := os.WriteFile(file, in, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("node", script, file).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("node %s: %v\n%s", script, err, stderr)
	}
	var got struct{ Results []simResult }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("simulator output: %v\n%s", err, out)
	}
	byID := map[string]simResult{}
	for _, r := range got.Results {
		byID[r.ID] = r
	}
	for i, c := range cases {
		allowed := true
		var detail []string
		for j, ch := range c.checks {
			r, ok := byID[fmt.Sprintf("%d/%d", i, j)]
			switch {
			case !ok:
				t.Fatalf("%s: no result for %s on %s", c.name, ch.action, ch.resource)
			case r.Error != "":
				// A rejected request is a mistake in this table (an action,
				// ARN or key the simulator does not know), never a denial.
				t.Errorf("%s: the simulator rejected %s on %s: %s", c.name, ch.action, ch.resource, r.Error)
				allowed = false
			case len(r.Ignored) > 0 && !(len(r.Ignored) == 1 && r.Ignored[0] == "aws:RequestedRegion"):
				t.Errorf("%s: %s on %s does not carry the context keys %v: the check would not test them", c.name, ch.action, ch.resource, r.Ignored)
			}
			if r.Decision != "Allowed" {
				allowed = false
			}
			detail = append(detail, fmt.Sprintf("%s %s: %s", ch.action, ch.resource, r.Decision))
		}
		if allowed != c.allowed {
			t.Errorf("%s: allowed = %v, want %v\n  %s", c.name, allowed, c.allowed, strings.Join(detail, "\n  "))
		}
	}
}

func ec2Arn(resource string) string {
	return fmt.Sprintf("arn:aws:ec2:%s:%s:%s", simRegion, simAccount, resource)
}

func TestAccessControlPlanePolicy(t *testing.T) {
	rv := resolveVariant(t, "private-access-role")
	vpc := rv.outputs["NetworkId"]
	vpcArn := ec2Arn("vpc/" + vpc)
	otherVpcArn := ec2Arn("vpc/" + otherVpc)
	worker, scheduler := rv.outputs["WorkerSubnetId"], rv.outputs["SchedulerSubnetId"]
	clusterSG, schedulerSG := rv.outputs["FirewallId"], rv.outputs["SchedulerFirewallId"]
	instanceRole := rv.outputs["InstanceRoleArn"]
	if worker == scheduler || !strings.HasPrefix(vpc, "vpc-") || !strings.HasPrefix(clusterSG, "sg-") || instanceRole == "" {
		t.Fatalf("outputs not resolved: %v", rv.outputs)
	}
	inVpc := map[string]any{"ec2:Vpc": vpcArn}
	inOtherVpc := map[string]any{"ec2:Vpc": otherVpcArn}
	coiledImage := check{"ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-0c01ed000000000001", map[string]any{"ec2:Owner": "077742499581"}}
	tagged := map[string]any{"ec2:ResourceTag/owner": "coiled"}

	// run is a RunInstances request: the subnet, the security groups, the
	// new network interface, the image, the new instance and its volume.
	run := func(subnet string, subnetCtx map[string]any, groups []string, groupCtx map[string]any, image check) []check {
		cs := []check{
			{"ec2:RunInstances", ec2Arn("subnet/" + subnet), subnetCtx},
			{"ec2:RunInstances", ec2Arn("network-interface/eni-0new"), subnetCtx},
		}
		for _, g := range groups {
			cs = append(cs, check{"ec2:RunInstances", ec2Arn("security-group/" + g), groupCtx})
		}
		return append(cs, image,
			check{"ec2:RunInstances", ec2Arn("instance/i-0new"), nil},
			check{"ec2:RunInstances", ec2Arn("volume/vol-0new"), nil},
			check{"iam:PassRole", instanceRole, map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}})
	}
	ourRun := run(worker, inVpc, []string{clusterSG}, inVpc, coiledImage)

	cases := []simCase{
		{"RunInstances into our worker subnet with our cluster group", true, ourRun},
		{"RunInstances into our scheduler subnet with both our groups", true,
			run(scheduler, inVpc, []string{schedulerSG, clusterSG}, inVpc, coiledImage)},
		{"RunInstances from a Coiled launch template, spot, in a coiled placement group", true, append(run(worker, inVpc, []string{clusterSG}, inVpc, coiledImage),
			check{"ec2:RunInstances", ec2Arn("launch-template/lt-0c01ed"), nil},
			check{"ec2:RunInstances", ec2Arn("spot-instances-request/sir-0new"), nil},
			check{"ec2:RunInstances", ec2Arn("placement-group/coiled-cluster-1"), nil})},
		{"RunInstances into another VPC's subnet", false, run("subnet-0other", inOtherVpc, []string{clusterSG}, inVpc, coiledImage)},
		{"RunInstances with another VPC's security group", false, run(worker, inVpc, []string{"sg-0other"}, inOtherVpc, coiledImage)},
		{"RunInstances of an image not owned by Coiled", false, run(worker, inVpc, []string{clusterSG}, inVpc,
			check{"ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-0someoneelse", map[string]any{"ec2:Owner": "999999999999"}})},
		{"RunInstances of an instance in another region", false, []check{
			{"ec2:RunInstances", "arn:aws:ec2:us-west-2:123456789012:instance/i-0new", map[string]any{"aws:RequestedRegion": "us-west-2"}}}},
		{"RunInstances in a placement group not named coiled-*", false, []check{
			{"ec2:RunInstances", ec2Arn("placement-group/prod-db"), nil}}},
		{"CreateFleet into our worker subnet", true, []check{
			{"ec2:CreateFleet", ec2Arn("subnet/" + worker), inVpc},
			{"ec2:CreateFleet", ec2Arn("fleet/fleet-0new"), nil},
			{"ec2:CreateFleet", ec2Arn("instance/i-0new"), nil},
			{"ec2:CreateFleet", ec2Arn("launch-template/lt-0c01ed"), nil}}},
		{"CreateFleet into another VPC's subnet", false, []check{
			{"ec2:CreateFleet", ec2Arn("subnet/subnet-0other"), inOtherVpc},
			{"ec2:CreateFleet", ec2Arn("fleet/fleet-0new"), nil}}},
		{"CreateLaunchTemplate", true, []check{{"ec2:CreateLaunchTemplate", ec2Arn("launch-template/lt-0new"), nil}}},
		{"CreateTags on a new instance as part of RunInstances", true, []check{
			{"ec2:CreateTags", ec2Arn("instance/i-0new"), map[string]any{"ec2:CreateAction": "RunInstances"}}}},
		{"CreateTags on a new launch template as part of CreateLaunchTemplate", true, []check{
			{"ec2:CreateTags", ec2Arn("launch-template/lt-0new"), map[string]any{"ec2:CreateAction": "CreateLaunchTemplate"}}}},
		{"CreateTags owner=coiled on an existing instance", false, []check{
			{"ec2:CreateTags", ec2Arn("instance/i-0existing"), map[string]any{"aws:RequestTag/owner": "coiled", "aws:TagKeys": []string{"owner"}}}}},
		{"CreateTags on our subnet", false, []check{{"ec2:CreateTags", ec2Arn("subnet/" + worker), map[string]any{"ec2:CreateAction": "RunInstances"}}}},
		{"TerminateInstances on an instance tagged owner=coiled", true, []check{{"ec2:TerminateInstances", ec2Arn("instance/i-0c01ed"), tagged}}},
		{"TerminateInstances on an untagged instance", false, []check{{"ec2:TerminateInstances", ec2Arn("instance/i-0untagged"), nil}}},
		{"TerminateInstances on an instance tagged owner=someone-else", false, []check{
			{"ec2:TerminateInstances", ec2Arn("instance/i-0other"), map[string]any{"ec2:ResourceTag/owner": "someone-else"}}}},
		{"StopInstances and StartInstances on a coiled instance", true, []check{
			{"ec2:StopInstances", ec2Arn("instance/i-0c01ed"), tagged}, {"ec2:StartInstances", ec2Arn("instance/i-0c01ed"), tagged}}},
		{"ModifyInstanceAttribute on an untagged instance", false, []check{{"ec2:ModifyInstanceAttribute", ec2Arn("instance/i-0untagged"), nil}}},
		{"DeleteFleets and DeleteLaunchTemplate of coiled resources", true, []check{
			{"ec2:DeleteFleets", ec2Arn("fleet/fleet-0c01ed"), tagged}, {"ec2:DeleteLaunchTemplate", ec2Arn("launch-template/lt-0c01ed"), tagged}}},
		{"CreateLaunchTemplateVersion of an untagged launch template", false, []check{
			{"ec2:CreateLaunchTemplateVersion", ec2Arn("launch-template/lt-0someoneelse"), nil}}},
		{"PassRole of the instance role to EC2", true, []check{
			{"iam:PassRole", instanceRole, map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}}}},
		{"PassRole of the instance role to Lambda", false, []check{
			{"iam:PassRole", instanceRole, map[string]any{"iam:PassedToService": "lambda.amazonaws.com"}}}},
		{"PassRole of another coiled-* role to EC2", false, []check{
			{"iam:PassRole", "arn:aws:iam::123456789012:role/coiled-admin", map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}}}},
		{"GetRole, GetInstanceProfile of the instance role and profile", true, []check{
			{"iam:GetRole", instanceRole, nil}, {"iam:GetInstanceProfile", rv.outputs["InstanceProfileArn"], nil}}},
		{"iam:CreateRole", false, []check{{"iam:CreateRole", "arn:aws:iam::123456789012:role/coiled-new", nil}}},
		{"iam:AttachRolePolicy on the instance role", false, []check{{"iam:AttachRolePolicy", instanceRole, nil}}},
		{"iam:CreatePolicyVersion of the instance policies", false, []check{
			{"iam:CreatePolicyVersion", "arn:aws:iam::123456789012:policy/CoiledInstancePolicy", nil},
			{"iam:CreatePolicyVersion", "arn:aws:iam::123456789012:policy/CoiledInstancePolicy-acme", nil}}},
		{"GetPolicy of CoiledInstancePolicy and the workspace's policy (adopt check)", true, []check{
			{"iam:GetPolicy", "arn:aws:iam::123456789012:policy/CoiledInstancePolicy", nil},
			{"iam:GetPolicy", "arn:aws:iam::123456789012:policy/CoiledInstancePolicy-acme", nil},
			{"iam:ListAttachedRolePolicies", instanceRole, nil}}},
		{"ec2:CreateRoute in our route table", false, []check{
			{"ec2:CreateRoute", ec2Arn("route-table/" + rv.r.ref(rv.logicalIDs["routeTable"])), inVpc}}},
		{"ec2:AuthorizeSecurityGroupIngress on our cluster group", false, []check{
			{"ec2:AuthorizeSecurityGroupIngress", ec2Arn("security-group/" + clusterSG), inVpc}}},
		{"ec2:CreateSecurityGroup in our VPC", false, []check{
			{"ec2:CreateSecurityGroup", ec2Arn("security-group/sg-0new"), nil}, {"ec2:CreateSecurityGroup", vpcArn, nil}}},
		{"ec2:DeleteSubnet of our worker subnet", false, []check{{"ec2:DeleteSubnet", ec2Arn("subnet/" + worker), inVpc}}},
		{"Describe* in the stack's region", true, []check{
			{"ec2:DescribeInstances", "*", nil}, {"ec2:DescribeSubnets", "*", nil}, {"ec2:DescribeImages", "*", nil}, {"logs:DescribeLogGroups", "*", nil}}},
		{"DescribeInstances in another region", false, []check{{"ec2:DescribeInstances", "*", map[string]any{"aws:RequestedRegion": "eu-west-1"}}}},
		{"iam:ListPolicies", true, []check{{"iam:ListPolicies", "*", nil}}},
		{"GetLogEvents and FilterLogEvents in the workspace's log group", true, []check{
			{"logs:GetLogEvents", "arn:aws:logs:us-east-1:123456789012:log-group:acme:log-stream:scheduler-1", nil},
			{"logs:FilterLogEvents", "arn:aws:logs:us-east-1:123456789012:log-group:acme", nil}}},
		{"GetLogEvents in another log group", false, []check{
			{"logs:GetLogEvents", "arn:aws:logs:us-east-1:123456789012:log-group:prod-app:log-stream:x", nil}}},
		{"logs:DeleteLogGroup of the workspace's group", false, []check{
			{"logs:DeleteLogGroup", "arn:aws:logs:us-east-1:123456789012:log-group:acme", nil}}},
		{"s3:GetObject (the control plane reads no data)", false, []check{{"s3:GetObject", "arn:aws:s3:::acme-data/x.parquet", nil}}},
	}
	simulate(t, "arn:aws:iam::123456789012:role/CoiledNetwork-CoiledAccessRole", []any{rv.controlPlane}, nil, cases)

	// The user variant's identity gets the very same policy (both VPCs
	// have the same logical ID, so the same concrete ID here), but for the
	// statements of the options only the role variant sets.
	optional := map[string]bool{"PullImagesOfThisAccountAndRegion": true, "EbsKeysThroughEc2Only": true, "EbsKeyGrantsForEc2VolumesOnly": true}
	common := func(doc any) []any {
		var out []any
		for _, st := range doc.(map[string]any)["Statement"].([]any) {
			if !optional[st.(map[string]any)["Sid"].(string)] {
				out = append(out, st)
			}
		}
		return out
	}
	if user := resolveVariant(t, "public-access-user"); !reflect.DeepEqual(common(rv.controlPlane), common(user.controlPlane)) {
		t.Errorf("the user variant's control-plane policy differs from the role variant's:\n%v\n%v", rv.controlPlane, user.controlPlane)
	}
}

func TestAccessInstancePolicy(t *testing.T) {
	rv := resolveVariant(t, "private-access-role")
	streams := "arn:aws:logs:us-east-1:123456789012:log-group:acme:log-stream:"
	cases := []simCase{
		{"PutLogEvents and CreateLogStream in the workspace's log group", true, []check{
			{"logs:CreateLogStream", streams + "worker-1", nil}, {"logs:PutLogEvents", streams + "worker-1", nil}}},
		{"PutLogEvents in another log group", false, []check{
			{"logs:PutLogEvents", "arn:aws:logs:us-east-1:123456789012:log-group:prod-app:log-stream:x", nil}}},
		{"CreateLogGroup", false, []check{{"logs:CreateLogGroup", "arn:aws:logs:us-east-1:123456789012:log-group:other", nil}}},
		{"read, write and list a data bucket", true, []check{
			{"s3:GetObject", "arn:aws:s3:::acme-data/in/x.parquet", nil},
			{"s3:PutObject", "arn:aws:s3:::acme-results/out/y.parquet", nil},
			{"s3:ListBucket", "arn:aws:s3:::acme-data", nil}}},
		{"s3:GetObject on a bucket not in dataBuckets", false, []check{{"s3:GetObject", "arn:aws:s3:::acme-secrets/key", nil}}},
		{"s3:PutBucketPolicy on a data bucket", false, []check{{"s3:PutBucketPolicy", "arn:aws:s3:::acme-data", nil}}},
		{"s3:DeleteBucket of a data bucket", false, []check{{"s3:DeleteBucket", "arn:aws:s3:::acme-data", nil}}},
		{"ec2:RunInstances from a cluster VM", false, []check{{"ec2:RunInstances", ec2Arn("instance/i-0new"), nil}}},
	}
	simulateAs(t, rv.outputs["InstanceRoleArn"], "acme", rv.instance, nil, cases)

	// Without dataBuckets, no S3 at all.
	user := resolveVariant(t, "public-access-user")
	simulateAs(t, user.outputs["InstanceRoleArn"], "acme", user.instance, nil, []simCase{
		{"no dataBuckets: s3:GetObject", false, []check{{"s3:GetObject", "arn:aws:s3:::acme-data/x", nil}}},
		{"no dataBuckets: logs still work", true, []check{{"logs:PutLogEvents", streams + "worker-1", nil}}},
	})
}

// TestAccessTrustPolicies evaluates the roles' trust policies as resource
// policies of sts:AssumeRole, the caller's own identity allowing it.
func TestAccessTrustPolicies(t *testing.T) {
	rv := resolveVariant(t, "private-access-role")
	if rv.roleTrust == nil {
		t.Fatal("no Coiled role in the role variant")
	}
	roleArn := rv.outputs["CoiledRoleArn"]
	externalID := rv.outputs["CoiledExternalId"]
	if externalID != "coiled-acme-7f3a9c0e" || roleArn == "" {
		t.Fatalf("outputs CoiledRoleArn %q, CoiledExternalId %q", roleArn, externalID)
	}
	anyAssume := []any{map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}}}}
	assume := func(ctx map[string]any) []check { return []check{{"sts:AssumeRole", roleArn, ctx}} }
	coiled := "arn:aws:iam::" + coiledAcct + ":role/coiled-control-plane"

	simulate(t, coiled, anyAssume, rv.roleTrust, []simCase{
		{"Coiled's principal with the external ID", true, assume(map[string]any{"sts:ExternalId": externalID})},
		{"Coiled's principal with a wrong external ID", false, assume(map[string]any{"sts:ExternalId": "coiled-acme-guess"})},
		{"Coiled's principal without an external ID", false, assume(nil)},
	})
	simulate(t, "arn:aws:iam::210987654321:role/attacker", anyAssume, rv.roleTrust, []simCase{
		{"another account's principal with the right external ID", false, assume(map[string]any{"sts:ExternalId": externalID})},
	})
	simulate(t, "arn:aws:iam::123456789012:user/alice", anyAssume, rv.roleTrust, []simCase{
		{"a user of this account with the right external ID", false, assume(map[string]any{"sts:ExternalId": externalID})},
	})

	instanceRole := rv.outputs["InstanceRoleArn"]
	simulate(t, "ec2.amazonaws.com", nil, rv.instanceRole, []simCase{
		{"EC2 assumes the instance role", true, []check{{"sts:AssumeRole", instanceRole, nil}}},
	})
	simulate(t, "lambda.amazonaws.com", nil, rv.instanceRole, []simCase{
		{"Lambda assumes the instance role", false, []check{{"sts:AssumeRole", instanceRole, nil}}},
	})
	simulate(t, coiled, anyAssume, rv.instanceRole, []simCase{
		{"Coiled assumes the instance role", false, []check{{"sts:AssumeRole", instanceRole, map[string]any{"sts:ExternalId": externalID}}}},
	})
}

// simulateAs is simulate for a cluster VM: every request carries the
// instance role's tag coiled-workspace (aws:PrincipalTag), as IAM adds it.
func simulateAs(t *testing.T, principal, workspace string, identity []any, resourcePolicy any, cases []simCase) {
	t.Helper()
	tagged := make([]simCase, len(cases))
	for i, c := range cases {
		tagged[i] = simCase{name: c.name, allowed: c.allowed}
		for _, ch := range c.checks {
			ctx := map[string]any{"aws:PrincipalTag/coiled-workspace": workspace}
			for k, v := range ch.context {
				ctx[k] = v
			}
			tagged[i].checks = append(tagged[i].checks, check{ch.action, ch.resource, ctx})
		}
	}
	simulate(t, principal, identity, resourcePolicy, tagged)
}

// Values of the private-access-role variant (internal/variants/access.go).
const (
	listedKey   = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	unlistedKey = "arn:aws:kms:us-east-1:123456789012:key/0000aaaa-00aa-00aa-00aa-000000000000"
	viaEc2      = "ec2.us-east-1.amazonaws.com"
)

// defaultKeyPolicy is AWS's default key policy: the account's IAM policies
// decide (what docs/access.md asks of a key in ebsKmsKeyArns).
var defaultKeyPolicy = map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
	"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
	"Principal": map[string]any{"AWS": "arn:aws:iam::" + simAccount + ":root"}}}}

// kmsChecks are the KMS requests EC2 makes on the caller's behalf when it
// creates a volume encrypted under key (AWS EBS guide).
func kmsChecks(key string, ctx map[string]any) []check {
	grant := map[string]any{"kms:GrantIsForAWSResource": "true"}
	for k, v := range ctx {
		grant[k] = v
	}
	return []check{
		{"kms:CreateGrant", key, grant},
		{"kms:GenerateDataKeyWithoutPlaintext", key, ctx},
		{"kms:Decrypt", key, ctx},
		{"kms:DescribeKey", key, ctx},
		{"kms:ReEncryptFrom", key, ctx},
		{"kms:ReEncryptTo", key, ctx},
	}
}

// TestAccessClusterLife is one cluster's whole life as Coiled's control
// plane and the cluster VMs request it (issue 17), each request checked
// resource by resource, and the neighbour of each step denied.
func TestAccessClusterLife(t *testing.T) {
	rv := resolveVariant(t, "private-access-role")
	vpcArn := ec2Arn("vpc/" + rv.outputs["NetworkId"])
	worker, scheduler := rv.outputs["WorkerSubnetId"], rv.outputs["SchedulerSubnetId"]
	clusterSG, schedulerSG := rv.outputs["FirewallId"], rv.outputs["SchedulerFirewallId"]
	instanceRole := rv.outputs["InstanceRoleArn"]
	inVpc := map[string]any{"ec2:Vpc": vpcArn}
	tagged := map[string]any{"ec2:ResourceTag/owner": "coiled"}
	image := check{"ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-0c01ed000000000001", map[string]any{"ec2:Owner": config.CoiledAmiOwner}}
	snapshot := check{"ec2:RunInstances", "arn:aws:ec2:us-east-1::snapshot/snap-0c01ed00000000001", nil}
	passRole := check{"iam:PassRole", instanceRole, map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}}
	tagOnCreate := func(action string, resources ...string) []check {
		var cs []check
		for _, r := range resources {
			cs = append(cs, check{"ec2:CreateTags", ec2Arn(r), map[string]any{"ec2:CreateAction": action}})
		}
		return cs
	}
	// launch is RunInstances of Coiled's image and its snapshot, with an
	// encrypted root volume, from the launch template, into subnet with
	// groups, passing the instance role; tags set by the call.
	launch := func(subnet string, subnetCtx map[string]any, groups []string, img check) []check {
		cs := []check{
			{"ec2:RunInstances", ec2Arn("subnet/" + subnet), subnetCtx},
			{"ec2:RunInstances", ec2Arn("network-interface/eni-0new"), subnetCtx},
		}
		for _, g := range groups {
			cs = append(cs, check{"ec2:RunInstances", ec2Arn("security-group/" + g), inVpc})
		}
		cs = append(cs, img, snapshot,
			check{"ec2:RunInstances", ec2Arn("instance/i-0new"), nil},
			check{"ec2:RunInstances", ec2Arn("volume/vol-0new"), map[string]any{"ec2:Encrypted": "true"}},
			check{"ec2:RunInstances", ec2Arn("launch-template/lt-0c01ed"), nil},
			passRole)
		return append(cs, tagOnCreate("RunInstances", "instance/i-0new", "volume/vol-0new", "network-interface/eni-0new")...)
	}
	repo := func(acct, name string) string {
		return fmt.Sprintf("arn:aws:ecr:us-east-1:%s:repository/%s", acct, name)
	}
	pull := func(repository string) []check {
		return []check{{"ecr:BatchGetImage", repository, nil}, {"ecr:GetDownloadUrlForLayer", repository, nil},
			{"ecr:BatchCheckLayerAvailability", repository, nil}}
	}
	group := "arn:aws:logs:us-east-1:123456789012:log-group:acme"

	controlPlane := []simCase{
		{"1. create a launch template, tagged on create", true, append([]check{
			{"ec2:CreateLaunchTemplate", ec2Arn("launch-template/lt-0c01ed"), nil}},
			tagOnCreate("CreateLaunchTemplate", "launch-template/lt-0c01ed")...)},
		{"2. CreateFleet into the worker subnet from the launch template, tagged on create", true, append([]check{
			{"ec2:CreateFleet", ec2Arn("subnet/" + worker), inVpc},
			{"ec2:CreateFleet", ec2Arn("fleet/fleet-0c01ed"), nil},
			{"ec2:CreateFleet", ec2Arn("launch-template/lt-0c01ed"), nil},
			{"ec2:CreateFleet", ec2Arn("instance/i-0new"), nil}},
			tagOnCreate("CreateFleet", "fleet/fleet-0c01ed", "instance/i-0new")...)},
		{"3. RunInstances of a worker: Coiled's image and snapshot, encrypted root volume, worker subnet, cluster group", true,
			launch(worker, inVpc, []string{clusterSG}, image)},
		{"4. RunInstances of the scheduler: its subnet, both groups", true,
			launch(scheduler, inVpc, []string{schedulerSG, clusterSG}, image)},
		{"5. ECR token and an image pull from a listed prefix and a listed name", true, append(append([]check{
			{"ecr:GetAuthorizationToken", "*", nil}}, pull(repo(simAccount, "coiled/envs"))...), pull(repo(simAccount, "acme-envs"))...)},
		{"6. read the cluster's logs", true, []check{
			{"logs:DescribeLogStreams", group, nil}, {"logs:FilterLogEvents", group, nil},
			{"logs:GetLogEvents", group + ":log-stream:scheduler-i-0new", nil}, {"logs:DescribeLogGroups", "*", nil}}},
		{"7. describe, stop, terminate the cluster's instances; delete its fleet and launch template", true, []check{
			{"ec2:DescribeInstances", "*", nil}, {"ec2:DescribeFleets", "*", nil},
			{"ec2:StopInstances", ec2Arn("instance/i-0new"), tagged}, {"ec2:TerminateInstances", ec2Arn("instance/i-0new"), tagged},
			{"ec2:DeleteFleets", ec2Arn("fleet/fleet-0c01ed"), tagged}, {"ec2:DeleteLaunchTemplate", ec2Arn("launch-template/lt-0c01ed"), tagged}}},
		{"RunInstances naming the account's key pair (SSH debugging)", true, append(launch(worker, inVpc, []string{clusterSG}, image),
			check{"ec2:RunInstances", ec2Arn("key-pair/acme-debug"), nil})},

		// The neighbours.
		{"neighbour of 3: another VPC's subnet", false,
			launch("subnet-0other", map[string]any{"ec2:Vpc": ec2Arn("vpc/" + otherVpc)}, []string{clusterSG}, image)},
		{"neighbour of 3: an image of another owner", false, launch(worker, inVpc, []string{clusterSG},
			check{"ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-0someoneelse", map[string]any{"ec2:Owner": "999999999999"}})},
		{"neighbour of 3: a snapshot in another region", false, []check{
			{"ec2:RunInstances", "arn:aws:ec2:eu-west-1::snapshot/snap-0c01ed", nil}}},
		{"neighbour of 3: a key pair of another region", false, []check{
			{"ec2:RunInstances", "arn:aws:ec2:eu-west-1:123456789012:key-pair/acme-debug", nil}}},
		{"neighbour of 5: another account's repository", false, pull(repo("210987654321", "coiled/envs"))},
		{"neighbour of 5: a repository of this account not in ecrRepositories", false, pull(repo(simAccount, "acme-secrets"))},
		{"neighbour of 5: pushing to a listed repository", false, []check{
			{"ecr:PutImage", repo(simAccount, "acme-envs"), nil}, {"ecr:InitiateLayerUpload", repo(simAccount, "acme-envs"), nil}}},
		{"neighbour of 5: an ECR token in another region", false, []check{
			{"ecr:GetAuthorizationToken", "*", map[string]any{"aws:RequestedRegion": "eu-west-1"}}}},
		{"neighbour of 6: another log group", false, []check{
			{"logs:GetLogEvents", "arn:aws:logs:us-east-1:123456789012:log-group:beta:log-stream:x", nil},
			{"logs:FilterLogEvents", "arn:aws:logs:us-east-1:123456789012:log-group:beta", nil}}},
		{"neighbour of 7: terminating an untagged instance", false, []check{
			{"ec2:TerminateInstances", ec2Arn("instance/i-0untagged"), nil}}},
		{"neighbour of 7: stopping an instance tagged for someone else", false, []check{
			{"ec2:StopInstances", ec2Arn("instance/i-0other"), map[string]any{"ec2:ResourceTag/owner": "prod"}}}},
	}
	simulate(t, "arn:aws:iam::123456789012:role/CoiledNetwork-CoiledAccessRole", []any{rv.controlPlane}, nil, controlPlane)

	// The encrypted root volume of steps 3 and 4: EC2 calls KMS for the
	// caller on the key ebsKmsKeyArns lists (its policy AWS's default).
	via := map[string]any{"kms:ViaService": viaEc2}
	simulate(t, "arn:aws:iam::123456789012:role/CoiledNetwork-CoiledAccessRole", []any{rv.controlPlane}, defaultKeyPolicy, []simCase{
		{"3/4. KMS through EC2 on the listed key", true, kmsChecks(listedKey, via)},
		{"neighbour: a key not in ebsKmsKeyArns", false, kmsChecks(unlistedKey, via)[:1]},
		{"neighbour: a key not in ebsKmsKeyArns (decrypt)", false, []check{{"kms:Decrypt", unlistedKey, via}}},
		{"neighbour: the listed key called directly, not through EC2", false, []check{{"kms:Decrypt", listedKey, nil}}},
		{"neighbour: the listed key through another service", false, []check{
			{"kms:Decrypt", listedKey, map[string]any{"kms:ViaService": "s3.us-east-1.amazonaws.com"}}}},
		{"neighbour: the listed key through EC2 of another region", false, []check{
			{"kms:Decrypt", listedKey, map[string]any{"kms:ViaService": "ec2.eu-west-1.amazonaws.com"}}}},
		{"neighbour: a grant not for an AWS resource", false, []check{
			{"kms:CreateGrant", listedKey, map[string]any{"kms:ViaService": viaEc2, "kms:GrantIsForAWSResource": "false"}}}},
		{"neighbour: key administration", false, []check{
			{"kms:ScheduleKeyDeletion", listedKey, via}, {"kms:PutKeyPolicy", listedKey, via}}},
	})

	// The cluster VMs, with their own credentials: write their logs.
	simulateAs(t, instanceRole, "acme", rv.instance, nil, []simCase{
		{"8. a VM creates its log stream and puts events", true, []check{
			{"logs:CreateLogStream", group + ":log-stream:worker-i-0new", nil}, {"logs:PutLogEvents", group + ":log-stream:worker-i-0new", nil}}},
		{"neighbour of 8: another log group", false, []check{{"logs:PutLogEvents", "arn:aws:logs:us-east-1:123456789012:log-group:beta:log-stream:x", nil}}},
		{"neighbour of 8: a VM pulls an image itself", false, pull(repo(simAccount, "acme-envs"))},
		{"neighbour of 8: a VM reads logs", false, []check{{"logs:GetLogEvents", group + ":log-stream:x", nil}}},
	})
}

// TestAccessDefaultsNoKmsAllRepositories: without ebsKmsKeyArns no KMS
// action at all; without ecrRepositories every repository of this account
// and region, none of another.
func TestAccessDefaultsNoKmsAllRepositories(t *testing.T) {
	user := resolveVariant(t, "public-access-user")
	principal := "arn:aws:iam::123456789012:user/CoiledNetwork-CoiledAccessUser"
	simulate(t, principal, []any{user.controlPlane}, defaultKeyPolicy, []simCase{
		{"no ebsKmsKeyArns: CreateGrant through EC2", false, kmsChecks(listedKey, map[string]any{"kms:ViaService": viaEc2})[:1]},
		{"no ebsKmsKeyArns: Decrypt through EC2", false, []check{{"kms:Decrypt", listedKey, map[string]any{"kms:ViaService": viaEc2}}}},
	})
	simulate(t, principal, []any{user.controlPlane}, nil, []simCase{
		{"any repository of this account and region", true, []check{
			{"ecr:BatchGetImage", "arn:aws:ecr:us-east-1:123456789012:repository/anything/here", nil}}},
		{"a repository of another region", false, []check{
			{"ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:123456789012:repository/anything", map[string]any{"aws:RequestedRegion": "eu-west-1"}}}},
	})
	if doc := mustJSON(t, user.controlPlane); strings.Contains(doc, "kms:") {
		t.Errorf("the control-plane policy without ebsKmsKeyArns names a KMS action: %s", doc)
	}
	// Every statement of every policy keeps a Sid.
	for _, name := range []string{"private-access-role", "public-access-user", "public-access-existing"} {
		rv := resolveVariant(t, name)
		for _, doc := range append([]any{rv.controlPlane}, rv.instance...) {
			for _, st := range doc.(map[string]any)["Statement"].([]any) {
				if sid, _ := st.(map[string]any)["Sid"].(string); sid == "" {
					t.Errorf("%s: a statement without Sid: %v", name, st)
				}
			}
		}
	}
}

// TestAccessLogArnForms: the simulator cannot tell log-group:NAME:* from
// log-group:NAME:log-stream:* (see /work/shared notes), so the statements
// themselves are checked: the control plane reads logs on both forms of
// the log group's ARN, as AWS's CloudWatch Logs reference gives them.
func TestAccessLogArnForms(t *testing.T) {
	rv := resolveVariant(t, "private-access-role")
	group := "arn:aws:logs:us-east-1:123456789012:log-group:acme"
	for _, st := range rv.controlPlane.(map[string]any)["Statement"].([]any) {
		st := st.(map[string]any)
		if st["Sid"] != "WorkspaceLogs" {
			continue
		}
		if got, want := mustJSON(t, st["Resource"]), mustJSON(t, []any{group, group + ":*"}); got != want {
			t.Errorf("WorkspaceLogs resources %s, want %s", got, want)
		}
		return
	}
	t.Error("no statement WorkspaceLogs")
}

// TestAccessTwoWorkspaces: the second workspace of an account
// (public-access-existing, workspace beta) attaches the first one's
// CoiledInstancePolicy; with it, each workspace's VMs write only their own
// log group, whichever stack created the shared policy.
func TestAccessTwoWorkspaces(t *testing.T) {
	acme := resolveVariant(t, "private-access-role")
	beta := resolveVariant(t, "public-access-existing")
	if acme.shared == nil || beta.shared != nil {
		t.Fatalf("CoiledInstancePolicy created by acme: %v, by beta: %v; want acme only", acme.shared != nil, beta.shared != nil)
	}
	betaPolicies := append([]any{acme.shared}, beta.instance...) // what IAM attaches to coiled-beta
	betaGroup := "arn:aws:logs:us-east-1:123456789012:log-group:beta"
	cases := func(own, other string) []simCase {
		return []simCase{
			{"own log group", true, []check{{"logs:CreateLogStream", own + ":log-stream:w", nil}, {"logs:PutLogEvents", own + ":log-stream:w", nil}}},
			{"the other workspace's log group", false, []check{{"logs:PutLogEvents", other + ":log-stream:w", nil}}},
		}
	}
	acmeGroup := "arn:aws:logs:us-east-1:123456789012:log-group:acme"
	simulateAs(t, beta.outputs["InstanceRoleArn"], "beta", betaPolicies, nil, cases(betaGroup, acmeGroup))
	simulateAs(t, acme.outputs["InstanceRoleArn"], "acme", acme.instance, nil, cases(acmeGroup, betaGroup))
	// The shared policy alone reaches only the group the role's tag names.
	simulateAs(t, beta.outputs["InstanceRoleArn"], "beta", []any{acme.shared}, nil, cases(betaGroup, acmeGroup))
	simulate(t, beta.outputs["InstanceRoleArn"], []any{acme.shared}, nil, []simCase{
		{"an untagged role gets nothing from the shared policy", false, []check{{"logs:PutLogEvents", betaGroup + ":log-stream:w", nil}}},
	})
	// beta's control plane may read (adopt) the existing policy.
	simulate(t, "arn:aws:iam::123456789012:role/CoiledNetworkBeta-CoiledAccessRole", []any{beta.controlPlane}, nil, []simCase{
		{"beta adopts CoiledInstancePolicy", true, []check{{"iam:GetPolicy", "arn:aws:iam::123456789012:policy/CoiledInstancePolicy", nil}}},
		{"beta passes only its own instance role", false, []check{
			{"iam:PassRole", acme.outputs["InstanceRoleArn"], map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}}}},
	})
}
