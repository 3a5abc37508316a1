package hook

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/coiled/coiledtest/ec2vms"
	"github.com/coilednet/coilednet/internal/motoserver"
)

// TestVerifyAgainstMoto: the fake Coiled launches the cluster's VMs in the
// emulator (ec2vms), and --verify finds them with the production EC2
// client (DescribeInstances by private IP, instance type offerings).
func TestVerifyAgainstMoto(t *testing.T) {
	t.Parallel()
	endpoint := motoserver.Start(t)
	ctx := context.Background()
	c := ec2.NewFromConfig(aws.Config{Region: motoserver.Region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.7.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpcID := aws.ToString(vpc.Vpc.VpcId)
	subnet := func(cidr string) string {
		out, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String(cidr), AvailabilityZone: aws.String("us-east-1b")})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Subnet.SubnetId)
	}
	group := func(name string) string {
		out, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: aws.String(vpcID)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.GroupId)
	}
	pub, priv, sched, cluster := subnet("10.7.0.0/24"), subnet("10.7.1.0/24"), group("scheduler"), group("cluster")

	srv := coiledtest.Start(t, coiledtest.Options{Token: tokenDash, Workspaces: []coiledtest.Workspace{{Slug: "acme", Default: true}}})
	srv.SetVMLauncher(ec2vms.New(endpoint, motoserver.Region))
	env := motoserver.Environ(endpoint)
	for k, v := range map[string]string{"HOME": t.TempDir(), "DASK_CONFIG": t.TempDir(), "DASK_COILED__SERVER": srv.URL(),
		"DASK_COILED__TOKEN": tokenDash, "COILED_AWS_ACCESS_KEY_ID": awsKeyID, "COILED_AWS_SECRET_ACCESS_KEY": awsSecret} {
		env[k] = v
	}
	var out, errb bytes.Buffer
	r := &Runner{Env: func(k string) string { return env[k] }, Stdout: &out, Stderr: &errb, PollInterval: 5 * time.Millisecond, StopWait: 10 * time.Second}
	// --no-check: this bare network has no routes (the check is not what is tested here).
	code := r.Run(ctx, []string{"--network", strings.Join([]string{vpcID, pub, priv, sched, cluster}, ","), "--workers-public-ip", "false",
		"--region", motoserver.Region, "--no-check", "--verify"})
	all := out.String() + errb.String()
	assertNoSecrets(t, all, tokenDash, awsSecret, coiledtest.FakeTLSKey, coiledtest.FakeTLSCert)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, all)
	}
	vms := srv.Clusters()[0].VMs
	if len(vms) != 2 {
		t.Fatalf("%d VMs launched", len(vms))
	}
	for _, vm := range vms {
		if !strings.Contains(all, vm.VM.InstanceID) || !strings.HasPrefix(vm.VM.PrivateIP, "10.7.") {
			t.Errorf("VM %+v not reported\n%s", vm.VM, all)
		}
	}
	for _, want := range []string{"the first of t3a.medium, t3.medium Coiled can launch, in us-east-1b", "Verified", "zone us-east-1b", pub + ", groups", priv + ", groups " + cluster} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks %q\n%s", want, all)
		}
	}
	// Stopped: the emulator's instances are terminated.
	desc, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{vms[0].VM.InstanceID, vms[1].VM.InstanceID}})
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range desc.Reservations {
		for _, i := range res.Instances {
			if i.State.Name != ec2types.InstanceStateNameTerminated && i.State.Name != ec2types.InstanceStateNameShuttingDown {
				t.Errorf("instance %s is %s after the verification", aws.ToString(i.InstanceId), i.State.Name)
			}
		}
	}
}
