package safechange

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func golden(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "test", "testdata", name+".template.json"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func compare(t *testing.T, from, to string) []Finding {
	t.Helper()
	f, err := Compare(golden(t, from), golden(t, to))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func has(fs []Finding, kind Kind, idPrefix, why string) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool {
		return f.Kind == kind && strings.HasPrefix(f.LogicalID, idPrefix) && strings.Contains(f.Why, why)
	})
}

func TestSameTemplateIsSafe(t *testing.T) {
	for _, v := range []string{"public-default", "private-default", "private-custom", "private-3az-shared-nat", "private-access-role"} {
		if f := compare(t, v, v); len(f) != 0 {
			t.Errorf("%s → itself: %v", v, f)
		}
	}
}

// A redeploy that lost the -c flags: private → public (the story).
func TestPrivateToPublicIsRefused(t *testing.T) {
	f := compare(t, "private-custom", "public-default")
	for _, want := range []struct {
		kind    Kind
		id, why string
	}{
		{Replaced, "CoiledNetworkVpc8BA9F32C", "CidrBlock changes from 172.20.0.0/20 to 10.0.0.0/16"},
		{Replaced, "CoiledNetworkVpcPublicSubnet1Subnet", "CidrBlock changes"},
		{Deleted, "CoiledNetworkVpcPrivateSubnet1Subnet", "not in the new template"},
		{Widened, "CoiledNetworkSchedulerSecurityGroup", "TCP 443 would accept 0.0.0.0/0"},
	} {
		if !has(f, want.kind, want.id, want.why) {
			t.Errorf("no %s finding for %s (%q) in:\n%v", want.kind, want.id, want.why, f)
		}
	}
	for _, x := range f {
		if x.Kind == Replaced && strings.HasPrefix(x.LogicalID, "CoiledNetworkVpc8BA9F32C") && !slices.Contains(x.Options, "vpcCidr") {
			t.Errorf("VPC replacement names options %v, want vpcCidr", x.Options)
		}
	}
}

// A new VPC replaces every subnet and security group in it, even those
// whose own properties are equal: they refer to the replaced VPC.
func TestReplacementFollowsReferences(t *testing.T) {
	base := golden(t, "private-default")
	next := []byte(strings.Replace(string(base), `"CidrBlock": "10.0.0.0/16"`, `"CidrBlock": "10.1.0.0/16"`, 1))
	f, err := Compare(base, next)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CoiledNetworkVpcPrivateSubnet1Subnet", "CoiledNetworkSchedulerSecurityGroup", "CoiledNetworkClusterSecurityGroup"} {
		if !has(f, Replaced, want, "which is replaced") {
			t.Errorf("%s not replaced through its VpcId:\n%v", want, f)
		}
	}
}

// Narrowing who reaches the scheduler, or adding an AZ, is safe.
func TestSafeChanges(t *testing.T) {
	base := golden(t, "private-default")
	narrow := strings.ReplaceAll(string(base), `"CidrIp": "0.0.0.0/0",
            "Description": "Coiled clients`, `"CidrIp": "203.0.113.0/24",
            "Description": "Coiled clients`)
	if narrow == string(base) {
		t.Fatal("the scheduler rules were not found in the golden")
	}
	if f, _ := Compare(base, []byte(narrow)); len(f) != 0 {
		t.Errorf("narrowing 0.0.0.0/0 to a /24: %v", f)
	}
	// ... and the way back widens.
	if f, _ := Compare([]byte(narrow), base); !has(f, Widened, "CoiledNetworkSchedulerSecurityGroup", "TCP 8786 would accept 0.0.0.0/0") {
		t.Errorf("opening the scheduler to the internet: %v", f)
	}
	f := compare(t, "private-default", "private-flowlogs-s3")
	if len(f) != 0 {
		t.Errorf("adding flow logs: %v", f)
	}
	// The default network grows from one AZ to two (azs=2 alone): the
	// first AZ's subnets stay (the layout reserves the slots).
	if f := compare(t, "private-default", "private-instance-2az"); has(f, Replaced, "CoiledNetworkVpcPrivateSubnet1", "") || has(f, Deleted, "", "") {
		t.Errorf("adding an AZ replaced or deleted something: %v", f)
	}
}

func TestWidenedPorts(t *testing.T) {
	// private-custom admits 203.0.113.0/24 on 443 and 8443; a new port is
	// a widening, a narrower CIDR on an existing port is not.
	base := golden(t, "private-custom")
	wider := strings.ReplaceAll(string(base), `"FromPort": 8443`, `"FromPort": 8000`)
	f, err := Compare(base, []byte(wider))
	if err != nil {
		t.Fatal(err)
	}
	if !has(f, Widened, "CoiledNetworkSchedulerSecurityGroup", "TCP 8000-8443 would accept 203.0.113.0/24") {
		t.Errorf("a wider port range is not reported: %v", f)
	}
	narrower := strings.ReplaceAll(string(base), `"CidrIp": "203.0.113.0/24"`, `"CidrIp": "203.0.113.128/25"`)
	if f, _ := Compare(base, []byte(narrower)); len(f) != 0 {
		t.Errorf("a narrower CIDR is reported: %v", f)
	}
}

func TestBadTemplate(t *testing.T) {
	if _, err := Compare([]byte("{"), golden(t, "public-default")); err == nil || !strings.Contains(err.Error(), "the deployed template") {
		t.Errorf("err = %v", err)
	}
}
