//go:build e2e

package e2e

// scripts/destroy on the emulator (issue 20): it refuses while an instance
// runs in the network's subnets (naming it) and while the Coiled workspace
// still uses the network (naming it and --detach-coiled); with
// --detach-coiled it clears the workspace's network, keeping the rest, and
// goes on to cdk destroy. moto cannot delete a VPC stack (see the package
// doc), so what cdk destroy does there is not asserted.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/internal/motoserver"
	"github.com/coilednet/coilednet/stackoutputs"
)

func TestDestroyOnEmulator(t *testing.T) {
	requireTools(t)
	endpoint := motoserver.Start(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "coilednet.yaml")
	if err := os.WriteFile(file, []byte(`networks:
  solo:
    region: us-east-1
    workspace: acme
    options: {availabilityZones: us-east-1a, restrictDefaultSecurityGroup: false}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(motoserver.EnvList(endpoint), "CDK_VALIDATION=true")
	outputsFile := filepath.Join(root, "cdk-outputs.json")
	os.Remove(outputsFile)
	t.Cleanup(func() { os.Remove(outputsFile) })
	if out, code := script(t, env, "scripts/deploy", "-c", "networksFile="+file, "--", "--method=direct", "--require-approval", "never"); code != 0 {
		t.Fatalf("deploy exited %d:\n%s", code, out)
	}
	o, err := stackoutputs.ReadOutputsFile(outputsFile, "CoiledNetwork-solo")
	if err != nil {
		t.Fatal(err)
	}
	if err := motoserver.RepairStack(context.Background(), endpoint, "CoiledNetwork-solo"); err != nil {
		t.Fatal(err)
	}
	opts := coiledtest.DefaultBackendOptions()
	opts["options"].(map[string]any)["firewall_spec"] = map[string]any{"ingress": []any{map[string]any{"ports": []any{443.0}, "cidr": "10.0.0.0/8"}}}
	srv := coiledtest.Start(t, coiledtest.Options{Token: "alice-e2e-token", Workspaces: []coiledtest.Workspace{{Slug: "acme", Default: true, BackendOptions: opts}}})
	if out, code := hookStatus(t, env, srv, "--outputs-file", outputsFile); code != 0 {
		t.Fatalf("hook exited %d:\n%s", code, out)
	}
	// A HOME of its own keeps the user's dask config out; the Go caches
	// stay the machine's (scripts/destroy builds its helpers).
	goEnv, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH").Output()
	if err != nil {
		t.Fatal(err)
	}
	caches := strings.Fields(string(goEnv))
	coiledEnv := append(append([]string{}, env...), "GOCACHE="+caches[0], "GOMODCACHE="+caches[1], "GOPATH="+caches[2],
		"HOME="+t.TempDir(), "DASK_CONFIG="+t.TempDir(),
		"DASK_COILED__SERVER="+srv.URL(), "DASK_COILED__TOKEN="+srv.Token(),
		"COILED_AWS_ACCESS_KEY_ID=AKIAE2EEXAMPLE", "COILED_AWS_SECRET_ACCESS_KEY="+awsSecret)
	destroy := func(args ...string) (string, int) {
		t.Helper()
		args = append(append([]string{"-c", "networksFile=" + file}, args...), "--", "--force")
		out, code := script(t, coiledEnv, "scripts/destroy", args...)
		if strings.Contains(out, awsSecret) || strings.Contains(out, srv.Token()) {
			t.Errorf("scripts/destroy printed a secret:\n%s", out)
		}
		return out, code
	}

	// An instance in the scheduler subnet: refused, named.
	client := ec2Client(endpoint)
	imgs, err := client.DescribeImages(context.Background(), &ec2.DescribeImagesInput{})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("no image in the emulator: %v", err)
	}
	run, err := client.RunInstances(context.Background(), &ec2.RunInstancesInput{
		ImageId: imgs.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: aws.String(o.SchedulerSubnetID),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance,
			Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("coiled-scheduler-demo")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(run.Instances[0].InstanceId)
	out, code := destroy("solo")
	if code != 1 || !strings.Contains(out, "refusing to destroy CoiledNetwork-solo: 1 instance(s) still run") ||
		!strings.Contains(out, id+` "coiled-scheduler-demo" (t3.micro`) {
		t.Fatalf("with an instance running: exit %d\n%s", code, out)
	}
	if _, err := client.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}

	// The workspace still uses the network: refused, named.
	out, code = destroy("solo")
	if code != 1 || !strings.Contains(out, "Coiled workspace acme still runs clusters in network "+o.NetworkID) ||
		!strings.Contains(out, "--detach-coiled") {
		t.Fatalf("with the workspace on the network: exit %d\n%s", code, out)
	}
	before := srv.BackendOptions("acme")

	// --detach-coiled clears it and keeps everything else.
	out, _ = destroy("solo", "--detach-coiled")
	for _, want := range []string{
		"Clearing the network of Coiled workspace acme...",
		"Coiled workspace acme now has: region us-east-1, no custom network",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	after := srv.BackendOptions("acme")
	a, b := after["options"].(map[string]any), before["options"].(map[string]any)
	if !reflect.DeepEqual(a["network"], map[string]any{}) || a["zone"] != nil {
		t.Errorf("network not cleared: %v", a)
	}
	if !reflect.DeepEqual(a["firewall_spec"], b["firewall_spec"]) || a["aws_region_name"] != b["aws_region_name"] {
		t.Errorf("settings we do not own changed:\n before %v\n after  %v", b, a)
	}
	if !strings.Contains(out, "CoiledNetwork-solo") || !strings.Contains(out, "destroy") {
		t.Errorf("cdk destroy did not run:\n%s", out)
	}
}
