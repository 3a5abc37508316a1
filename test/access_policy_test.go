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
	controlPlane any // the PolicyDocument of the control-plane policy
	instance     any // the PolicyDocument of CoiledInstancePolicy
	roleTrust    any // the AssumeRolePolicyDocument of Coiled's role, if any
	instanceRole any // the AssumeRolePolicyDocument of the instance role
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
			rv.instance = rv.r.resolve(props["PolicyDocument"])
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
		{"iam:CreatePolicyVersion of the instance policy", false, []check{
			{"iam:CreatePolicyVersion", "arn:aws:iam::123456789012:policy/CoiledInstancePolicy-acme", nil}}},
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
	// have the same logical ID, so the same concrete ID here).
	if user := resolveVariant(t, "public-access-user"); !reflect.DeepEqual(rv.controlPlane, user.controlPlane) {
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
	simulate(t, rv.outputs["InstanceRoleArn"], []any{rv.instance}, nil, cases)

	// Without dataBuckets, no S3 at all.
	user := resolveVariant(t, "public-access-user")
	simulate(t, user.outputs["InstanceRoleArn"], []any{user.instance}, nil, []simCase{
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
