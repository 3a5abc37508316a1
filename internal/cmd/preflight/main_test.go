package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/coilednet/coilednet/preflight"
	"github.com/coilednet/coilednet/preflight/preflighttest"
)

func TestPreflightCommand(t *testing.T) {
	root, _ := filepath.Abs("../../..")
	cdkJSON := filepath.Join(root, "cdk.json")
	const vpc = "vpc-0123456789abcdef0"
	f := &preflighttest.EC2{
		PrefixLists: []ec2types.ManagedPrefixList{{PrefixListId: aws.String("pl-00000001"), MaxEntries: aws.Int32(20), AddressFamily: aws.String("IPv4")}},
	}
	r := &preflighttest.Route53{Zones: map[string][]r53types.HostedZoneSummary{vpc: {{HostedZoneId: aws.String("Z9"), Name: aws.String("sts.us-east-2.amazonaws.com.")}}}}
	var gotProfile string
	mk := func(_ context.Context, env func(string) string) (preflight.EC2, preflight.Route53, string, error) {
		gotProfile = env("AWS_PROFILE")
		return f, r, "us-east-2", nil
	}
	saved := ownEndpoints
	defer func() { ownEndpoints = saved }()
	ownEndpoints = func(context.Context, string, func(string) string) []string { return []string{"vpce-0ours"} }
	f.Endpoints = []ec2types.VpcEndpoint{{VpcEndpointId: aws.String("vpce-0ours"), VpcId: aws.String(vpc),
		ServiceName: aws.String("com.amazonaws.us-east-2.logs"), PrivateDnsEnabled: aws.Bool(true)}}
	existing := []string{"-c", "existingVpcId=" + vpc, "-c", "existingVpcCidr=10.9.0.0/16", "-c", "schedulerSubnetId=subnet-0123456789abcdef0",
		"-c", "workerSubnetId=subnet-0123456789abcdef0", "-c", "workerPublicIp=false"}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		// cdk.json's defaults: nothing to read, nothing found.
		{"defaults", nil, 0, "preflight in us-east-2: 2 check(s) passed"},
		// One 20-entry list on the 3 default ports: 60, the quota.
		{"prefix list at the quota", []string{"-c", "clientCidrs=", "-c", "clientPrefixListIds=pl-00000001"}, 0, "passed"},
		// The same with 21 ports' worth: 2 CIDRs more → 3 × 21 = 63.
		{"prefix list over the quota", []string{"-c", "clientCidrs=203.0.113.0/24", "-c", "clientPrefixListIds=pl-00000001"}, 1,
			"fail: security group rule quota (the scheduler security group): 3 ports × [1 IPv4 CIDR + prefix list pl-00000001 (max entries 20, IPv4)] = 63 IPv4"},
		{"zone conflict", append(existing, "-c", "interfaceEndpoints=sts"), 1, "private hosted zone sts.us-east-2.amazonaws.com"},
		// A redeploy: the stack's own logs endpoint conflicts with nothing.
		{"own endpoint", append(append([]string{}, existing...), "-c", "interfaceEndpoints=logs"), 0, "endpoint DNS conflicts in " + vpc},
		{"invalid options are left to synth", []string{"-c", "topology=nope"}, 0, "preflight skipped"},
		{"profile", []string{"--profile", "prod"}, 0, "passed"},
		{"bad usage", []string{"-c"}, 2, "needs key=value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"-cdk-json", cdkJSON}, tc.args...)
			code := run(context.Background(), args, os.Getenv, &out, &errb, mk)
			all := out.String() + errb.String()
			if code != tc.code || !strings.Contains(all, tc.want) {
				t.Errorf("exit %d, want %d; output %q does not hold %q", code, tc.code, all, tc.want)
			}
			if code == 1 && !strings.Contains(all, "nothing was deployed (CloudFormation was not called)") {
				t.Errorf("no stop message: %q", all)
			}
		})
	}
	if gotProfile != "prod" {
		t.Errorf("profile %q reached the AWS config, want prod", gotProfile)
	}
}
