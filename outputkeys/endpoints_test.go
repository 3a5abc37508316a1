package outputkeys

import "testing"

func TestEndpointKeys(t *testing.T) {
	for _, tc := range []struct{ service, id, dns string }{
		{"ecr.api", "EndpointEcrApiId", "EndpointEcrApiDnsEntries"},
		{"logs", "EndpointLogsId", "EndpointLogsDnsEntries"},
		{"kinesis-streams", "EndpointKinesisStreamsId", "EndpointKinesisStreamsDnsEntries"},
		{"sagemaker.runtime", "EndpointSagemakerRuntimeId", "EndpointSagemakerRuntimeDnsEntries"},
		{"com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0", "EndpointVpceSvc0123456789abcdef0Id", "EndpointVpceSvc0123456789abcdef0DnsEntries"},
	} {
		if got := EndpointID(tc.service); got != tc.id {
			t.Errorf("EndpointID(%q) = %q, want %q", tc.service, got, tc.id)
		}
		if got := EndpointDNSEntries(tc.service); got != tc.dns {
			t.Errorf("EndpointDNSEntries(%q) = %q, want %q", tc.service, got, tc.dns)
		}
	}
}
