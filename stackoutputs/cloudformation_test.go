package stackoutputs_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go/logging"

	"github.com/coilednet/coilednet/internal/motoserver"
	"github.com/coilednet/coilednet/stackoutputs"
)

func TestFromCloudFormationAgainstMoto(t *testing.T) {
	t.Parallel()
	endpoint := motoserver.Start(t)
	env := motoserver.Environ(endpoint)
	lookup := func(k string) string { return env[k] }

	motoserver.CreateStack(t, endpoint, "CoilednetStack", map[string]string{
		"NetworkId":           "vpc-0abc",
		"SchedulerSubnetId":   "subnet-0a1",
		"WorkerSubnetId":      "subnet-0a2",
		"SchedulerFirewallId": "sg-0s",
		"FirewallId":          "sg-0c",
		"GiveWorkersPublicIp": "false",
		"Region":              "us-east-1",
		"Zone0":               "us-east-1a,subnet-0a1,subnet-0a2",
		"Zone1":               "us-east-1b,subnet-0b1,subnet-0b2",
	})
	motoserver.CreateStack(t, endpoint, "Incomplete", map[string]string{"NetworkId": "vpc-0abc"})

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	t.Run("reads and validates the outputs", func(t *testing.T) {
		o, err := stackoutputs.FromCloudFormation(ctx, "CoilednetStack", lookup)
		if err != nil {
			t.Fatal(err)
		}
		if o.StackName != "CoilednetStack" || o.NetworkID != "vpc-0abc" || o.SchedulerSubnetID != "subnet-0a1" ||
			o.WorkerSubnetID != "subnet-0a2" || o.SchedulerFirewallID != "sg-0s" || o.FirewallID != "sg-0c" ||
			o.GiveWorkersPublicIP || o.Region != "us-east-1" || len(o.Zones) != 2 {
			t.Errorf("outputs %+v", o)
		}
		if z, ok := o.CurrentZone(); !ok || z.Name != "us-east-1a" {
			t.Errorf("zone %v %v", z, ok)
		}
	})
	t.Run("missing outputs are named", func(t *testing.T) {
		_, err := stackoutputs.FromCloudFormation(ctx, "Incomplete", lookup)
		var e *stackoutputs.Error
		if !errors.As(err, &e) || !strings.Contains(err.Error(), "missing output(s) SchedulerSubnetId") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("unknown stack", func(t *testing.T) {
		_, err := stackoutputs.FromCloudFormation(ctx, "Nope", lookup)
		if err == nil || !strings.Contains(err.Error(), "stack Nope does not exist in region us-east-1") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("another region sees no stack", func(t *testing.T) {
		_, err := stackoutputs.FromCloudFormation(ctx, "CoilednetStack", func(k string) string {
			if k == "AWS_REGION" {
				return "eu-west-1"
			}
			return env[k]
		})
		if err == nil || !strings.Contains(err.Error(), "does not exist in region eu-west-1") {
			t.Errorf("err = %v", err)
		}
	})
}

// Not parallel: it clears the process's AWS region settings, which the SDK
// also reads.
func TestLoadAWSConfigNeedsRegion(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", dir+"/none")
	_, err := stackoutputs.LoadAWSConfig(context.Background(), func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "set AWS_REGION") {
		t.Errorf("err = %v", err)
	}
}

// The SDK's own log lines (its IMDSv1 fallback warning, retries) never
// reach the hook's output: the configuration's logger discards them.
func TestLoadAWSConfigLogsNothing(t *testing.T) {
	env := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}
	cfg, err := stackoutputs.LoadAWSConfig(context.Background(), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.Logger.(logging.Nop); !ok {
		t.Errorf("logger %T, want logging.Nop", cfg.Logger)
	}
}
