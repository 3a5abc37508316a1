package hook

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/internal/motoserver"
	"github.com/coilednet/coilednet/stackoutputs"
)

// TestStackModeAgainstMoto reads the outputs from CloudFormation (moto) with
// --stack and sends them to the fake Coiled.
func TestStackModeAgainstMoto(t *testing.T) {
	t.Parallel()
	endpoint := motoserver.Start(t)
	outputs := privateOutputs()
	outputs["Region"] = "us-east-1"
	outputs["Zone0"] = "us-east-1a,subnet-0a1,subnet-0a2"
	outputs["Zone1"] = "us-east-1b,subnet-0b1,subnet-0b2"
	motoserver.CreateStack(t, endpoint, "CoilednetStack", outputs)
	motoserver.CreateStack(t, endpoint, "OtherStack", map[string]string{"Unrelated": "x"})

	// The stack's outputs come from CloudFormation (moto); the network they
	// name exists only in a fake EC2 (moto's would not hold these IDs).
	parsed, err := stackoutputs.Parse("CoilednetStack", outputs)
	if err != nil {
		t.Fatal(err)
	}
	newMotoHarness := func(t *testing.T) *harness {
		h := newHarness(t, coiledtest.Options{})
		h.ec2 = healthyEC2(parsed)
		for k, v := range motoserver.Environ(endpoint) {
			h.env[k] = v
		}
		return h
	}

	t.Run("whole hook in --stack mode", func(t *testing.T) {
		t.Parallel()
		h := newMotoHarness(t)
		res := h.run("--stack", "CoilednetStack")
		expect(t, res, ExitOK, "Stack CoilednetStack: network vpc-0priv5678 in us-east-1, zone us-east-1a", "Done: Coiled workspace acme")
		d := onlyUpdate(t, h.srv).Data
		for path, want := range map[string]any{
			"network_id": "vpc-0priv5678", "scheduler_subnet_id": "subnet-0a1", "worker_subnet_id": "subnet-0a2",
			"scheduler_firewall_id": "sg-0sched", "firewall_id": "sg-0cluster", "give_workers_public_ip": false,
		} {
			if got := dig(d, "options", "network", path); got != want {
				t.Errorf("network.%s = %#v, want %#v", path, got, want)
			}
		}
		if got := dig(d, "options", "aws_region_name"); got != "us-east-1" {
			t.Errorf("region %v", got)
		}
	})
	t.Run("--stack with --zone", func(t *testing.T) {
		t.Parallel()
		h := newMotoHarness(t)
		expect(t, h.run("--stack", "CoilednetStack", "--zone", "us-east-1b"), ExitOK)
		d := onlyUpdate(t, h.srv).Data
		if dig(d, "options", "network", "worker_subnet_id") != "subnet-0b2" || dig(d, "options", "zone") != "us-east-1b" {
			t.Errorf("zone switch not applied: %v", dig(d, "options"))
		}
	})
	t.Run("unknown stack is a bad input", func(t *testing.T) {
		t.Parallel()
		h := newMotoHarness(t)
		expect(t, h.run("--stack", "Nope"), ExitUsage, "stack Nope does not exist in region us-east-1")
		if len(h.srv.Requests()) != 0 {
			t.Error("requests sent to Coiled")
		}
	})
	t.Run("stack without the outputs is a bad input", func(t *testing.T) {
		t.Parallel()
		h := newMotoHarness(t)
		expect(t, h.run("--stack", "OtherStack"), ExitUsage, "missing output(s) NetworkId")
		if len(h.srv.Requests()) != 0 {
			t.Error("requests sent to Coiled")
		}
	})
}

// TestDefaultEC2AgainstMoto checks the production EC2 factory: the region it
// is given wins over AWS_REGION, and AWS_ENDPOINT_URL_EC2 over
// AWS_ENDPOINT_URL.
func TestDefaultEC2AgainstMoto(t *testing.T) {
	t.Parallel()
	endpoint := motoserver.Start(t)
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{"AWS_ENDPOINT_URL", map[string]string{"AWS_ENDPOINT_URL": endpoint}},
		{"AWS_ENDPOINT_URL_EC2 wins", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_EC2": endpoint}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := motoserver.Environ(endpoint)
			env["AWS_REGION"] = "eu-west-1" // the factory's region must win
			for k, v := range tc.env {
				env[k] = v
			}
			client, err := DefaultEC2(context.Background(), "us-east-1", func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			// moto has a default VPC with default subnets in every region:
			// their AZs show which region the client talks to.
			out, err := client.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{
				Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
			if err != nil || len(out.Vpcs) != 1 {
				t.Fatalf("DescribeVpcs through the factory: %v %v", out, err)
			}
			azs, err := client.DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{
				Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{aws.ToString(out.Vpcs[0].VpcId)}}}})
			if err != nil || len(azs.Subnets) == 0 {
				t.Fatalf("default subnets: %v", err)
			}
			if z := aws.ToString(azs.Subnets[0].AvailabilityZone); !strings.HasPrefix(z, "us-east-1") {
				t.Errorf("client works in the zone %s, want region us-east-1 (the factory's), not AWS_REGION", z)
			}
		})
	}
}
