package summary

import (
	"slices"
	"testing"

	"github.com/coilednet/coilednet/config"
)

func TestEndpointLines(t *testing.T) {
	svc := "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
	tests := []struct {
		name string
		n    config.Network
		want []string
	}{
		{"none", config.Network{}, nil},
		{"coiled in 2 AZs", config.Network{Azs: 2, Endpoints: config.Endpoints{InterfaceEndpoints: []string{"coiled", "kms"}}}, []string{
			"interface endpoints: ecr.api, ecr.dkr, logs, sts, kms in 2 AZ(s) (worker subnets), private DNS on",
			"endpoint security group: admits only the cluster security group",
		}},
		{"services and DynamoDB", config.Network{Endpoints: config.Endpoints{
			EndpointServices: []config.EndpointService{{ServiceName: svc}, {ServiceName: svc, Ports: []uint16{443, 1433}, PrivateDns: true}},
			DynamoDbEndpoint: config.Bool(true)}}, []string{
			"endpoint service " + svc + " on TCP 443 in 1 AZ(s) (worker subnets), private DNS off (DNS names are outputs)",
			"endpoint service " + svc + " on TCP 443,1433 in 1 AZ(s) (worker subnets), private DNS on",
			"endpoint security group: admits only the cluster security group",
			"DynamoDB gateway endpoint on every route table (free)",
		}},
		{"endpointSources", config.Network{Endpoints: config.Endpoints{InterfaceEndpoints: []string{"sts"},
			EndpointSources: []string{"cluster", "vpc", "sg-0123456789abcdef0"}}}, []string{
			"interface endpoints: sts in 1 AZ(s) (worker subnets), private DNS on",
			"endpoint security group: admits the cluster security group, the VPC's range, sg-0123456789abcdef0",
		}},
		{"DynamoDB only", config.Network{Endpoints: config.Endpoints{DynamoDbEndpoint: config.Bool(true)}},
			[]string{"DynamoDB gateway endpoint on every route table (free)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := endpointLines(tc.n.WithDefaults()); !slices.Equal(got, tc.want) {
				t.Errorf("got\n  %q\nwant\n  %q", got, tc.want)
			}
		})
	}
}
