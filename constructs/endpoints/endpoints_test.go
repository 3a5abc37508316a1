package endpoints

import (
	"fmt"
	"strings"
	"testing"
)

func TestRuleDescription(t *testing.T) {
	eps := []Endpoint{
		{Service: "ecr.api", AwsService: true, Ports: []uint16{443}},
		{Service: "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0", Ports: []uint16{443, 1433}},
	}
	if got, want := ruleDescription("Coiled cluster VMs", 443, eps), "Coiled cluster VMs to VPC endpoints on TCP 443: ecr.api vpce-svc-0123456789abcdef0"; got != want {
		t.Errorf("ruleDescription(443) = %q, want %q", got, want)
	}
	if got, want := ruleDescription("Coiled cluster VMs", 1433, eps), "Coiled cluster VMs to VPC endpoints on TCP 1433: vpce-svc-0123456789abcdef0"; got != want {
		t.Errorf("ruleDescription(1433) = %q, want %q", got, want)
	}
	// Too many names for EC2's 255 characters: a count instead.
	var many []Endpoint
	for i := range 30 {
		many = append(many, Endpoint{Service: fmt.Sprintf("service-number-%d", i), AwsService: true, Ports: []uint16{443}})
	}
	d := ruleDescription("Coiled cluster VMs", 443, many)
	if d != "Coiled cluster VMs to 30 VPC endpoints on TCP 443" || len(d) > 255 {
		t.Errorf("long description = %q", d)
	}
	// Only the characters EC2 accepts in a rule description.
	for _, c := range ruleDescription("Coiled cluster VMs", 443, eps) {
		if !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789. _-:/()#,@[]+=&;{}!$*", c) {
			t.Errorf("description has %q, which EC2 rejects", c)
		}
	}
}
