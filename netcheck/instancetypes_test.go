package netcheck_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/coilednet/coilednet/netcheck"
	"github.com/coilednet/coilednet/netcheck/netchecktest"
)

func TestParseInstanceTypes(t *testing.T) {
	got, err := netcheck.ParseInstanceTypes(" m5.xlarge, g5.2xlarge,,m5.xlarge,u-6tb1.metal")
	if err != nil || !reflect.DeepEqual(got, []string{"m5.xlarge", "g5.2xlarge", "u-6tb1.metal"}) {
		t.Errorf("got %v, %v", got, err)
	}
	for _, bad := range []string{"m5", "M5.xlarge", "m5.xlarge;rm", "", " , ", "m5 .large"} {
		if _, err := netcheck.ParseInstanceTypes(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestInstanceTypeZones(t *testing.T) {
	f := netchecktest.New(region, vpc)
	f.Offerings = map[string][]string{"us-east-1a": {"m5.xlarge"}, "us-east-1b": {"m5.xlarge", "trn1.32xlarge"}, "us-east-1c": {"trn1.32xlarge", "m5.xlarge"}}
	ctx := context.Background()
	z, err := netcheck.InstanceTypeZones(ctx, f, region, []string{"trn1.32xlarge", "m5.xlarge"})
	want := map[string][]string{"trn1.32xlarge": {"us-east-1b", "us-east-1c"}, "m5.xlarge": {"us-east-1a", "us-east-1b", "us-east-1c"}}
	if err != nil || !reflect.DeepEqual(z, want) {
		t.Errorf("zones %v, %v", z, err)
	}
	for _, tc := range []struct {
		names, candidates []string
		want              string
	}{
		{[]string{"m5.xlarge"}, []string{"us-east-1a", "us-east-1b"}, "us-east-1a"},
		{[]string{"m5.xlarge", "trn1.32xlarge"}, []string{"us-east-1a", "us-east-1c", "us-east-1b"}, "us-east-1c"},
		{[]string{"trn1.32xlarge"}, []string{"us-east-1a"}, ""},
	} {
		if got := netcheck.FirstZoneOffering(z, tc.names, tc.candidates); got != tc.want {
			t.Errorf("FirstZoneOffering(%v, %v) = %q, want %q", tc.names, tc.candidates, got, tc.want)
		}
	}
	_, err = netcheck.InstanceTypeZones(ctx, f, region, []string{"m5.xlarge", "m5.nope", "x9.huge"})
	var unk *netcheck.UnknownInstanceTypesError
	if !errors.As(err, &unk) || !reflect.DeepEqual(unk.Types, []string{"m5.nope", "x9.huge"}) || err.Error() != "instance type(s) m5.nope, x9.huge: no Availability Zone of us-east-1 offers them (unknown name, or not sold in this region)" {
		t.Errorf("unknown types: %v", err)
	}
	f.Errs = map[string]error{"DescribeInstanceTypeOfferings": &smithy.GenericAPIError{Code: "UnauthorizedOperation"}}
	var apiErr *netcheck.APIError
	if _, err := netcheck.InstanceTypeZones(ctx, f, region, []string{"m5.xlarge"}); !errors.As(err, &apiErr) || errors.As(err, &unk) {
		t.Errorf("access denied: %v", err)
	}
}
