package config

import (
	"errors"
	"strings"
	"testing"
)

// FuzzNetworksFile feeds ParseNetworksFile and Resolve arbitrary files over
// cdk.json's context. Whatever the input, neither may panic; every error
// must be a *NetworkError naming the file; and every accepted network must
// pass Validate, with a unique stack name.
func FuzzNetworksFile(f *testing.F) {
	f.Add(issueFile)
	f.Add("networks:\n  a: {}\n")
	f.Add("networks:\n  a:\n  b:\n    options:\n")
	f.Add("networks:\n  a: {options: {topology: internal, egress: transitGateway, transitGatewayId: tgw-0123456789abcdef0}}\n")
	f.Add("networks:\n  a: {options: {azs: 1e300, zone: -0.5, schedulerPorts: [true, null, {}]}}\n")
	f.Add("networks:\n  a: &x {region: us-east-1}\n  b: *x\n")
	f.Add("networks:\n  a: {options: {peerVpcs: [{vpcId: vpc-0123456789abcdef0, cidr: 10.1.0.0/16}]}}\n")
	f.Add("networks:\n  a: {options: {stackName: X}}\n  b: {options: {stackName: x}}\n")
	f.Add("networks:\n  a: {region: us-east-1, options: {availabilityZones: us-east-1a,us-east-1b, azs: 2}}\n")
	f.Add("networks:\n  a: {account: 012345678901, workspace: acme, options: {coiledAccess: role, coiledPrincipal: 'arn:aws:iam::077742499581:root', coiledExternalId: e}}\n")
	f.Add("networks: {}\n")
	f.Add("- a\n- b\n")
	f.Add("networks:\n  a: {options: {? [x] : y}}\n")
	f.Add("networks:\n  a: {options: {vpcCidr: !!binary aGVsbG8=}}\n")
	f.Fuzz(func(t *testing.T, data string) {
		cdk := fuzzCdkJSON(t)
		file, err := ParseNetworksFile("n.yaml", []byte(data))
		var nets []ResolvedNetwork
		if err == nil {
			nets, err = file.Resolve(cdk, nil)
		}
		if err != nil {
			if nets != nil {
				t.Errorf("networks returned with an error")
			}
			var leaves []error
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				leaves = j.Unwrap()
			} else {
				leaves = []error{err}
			}
			for _, e := range leaves {
				var ne *NetworkError
				if !errors.As(e, &ne) || !strings.HasPrefix(e.Error(), "n.yaml: ") {
					t.Errorf("error %q (%T) does not name the file", e, e)
				}
			}
			return
		}
		if len(nets) == 0 {
			t.Fatal("no networks and no error")
		}
		names := map[string]bool{}
		for _, n := range nets {
			if err := n.App.Validate(); err != nil {
				t.Errorf("network %q fails Validate: %v", n.Name, err)
			}
			lower := strings.ToLower(n.App.StackName)
			if names[lower] {
				t.Errorf("two networks with stack name %q", n.App.StackName)
			}
			names[lower] = true
		}
	})
}

var fuzzCdk map[string]any

func fuzzCdkJSON(t *testing.T) map[string]any {
	if fuzzCdk == nil {
		fuzzCdk, _ = readCdkJSON(t)
	}
	out := make(map[string]any, len(fuzzCdk))
	for k, v := range fuzzCdk {
		out[k] = v
	}
	return out
}
