package cost

import (
	"math"
	"strings"
	"testing"

	"github.com/coilednet/coilednet/config"
)

// Worked out by hand: an interface endpoint is $0.01 per AZ-hour, so
// 0.01 × 730 = $7.30 per AZ per month; the coiled preset is 4 endpoints.
func TestEndpointCosts(t *testing.T) {
	svc := "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
	tests := []struct {
		name  string
		n     config.Network
		want  float64
		items []string // the endpoint lines, in order
		note  string   // a note that must be there
	}{
		{"no endpoints", config.Network{}, 0, nil, ""},
		{"dynamodb only", config.Network{Topology: config.TopologyPrivate, Endpoints: config.Endpoints{DynamoDbEndpoint: config.Bool(true)}},
			36.50, nil, "free DynamoDB gateway endpoint, not the NAT"},
		{"coiled in one AZ, private", config.Network{Topology: config.TopologyPrivate, Endpoints: config.Endpoints{InterfaceEndpoints: []string{"coiled"}}},
			36.50 + 29.20, []string{"interface endpoint ecr.api, per AZ", "interface endpoint ecr.dkr, per AZ", "interface endpoint logs, per AZ", "interface endpoint sts, per AZ"},
			// 29.20 / (0.045 - 0.01) = 834.3 GB
			"$29.20/month pay for themselves above about 834 GB/month"},
		{"coiled in two AZs, private", config.Network{Topology: config.TopologyPrivate, Azs: 2, Endpoints: config.Endpoints{InterfaceEndpoints: []string{"coiled"}}},
			73.00 + 58.40, []string{"interface endpoint ecr.api, per AZ", "interface endpoint ecr.dkr, per AZ", "interface endpoint logs, per AZ", "interface endpoint sts, per AZ"},
			"above about 1669 GB/month"}, // 58.40 / 0.035
		{"service and kms, public", config.Network{Endpoints: config.Endpoints{InterfaceEndpoints: []string{"kms"}, EndpointServices: []config.EndpointService{{ServiceName: svc}}}},
			14.60, []string{"interface endpoint kms, per AZ", "interface endpoint " + svc + ", per AZ"}, "no NAT gateway processing to save here"},
		{"behind a NAT instance", config.Network{Topology: config.TopologyPrivate, NatProvider: config.NatInstance, Endpoints: config.Endpoints{InterfaceEndpoints: []string{"sts"}}},
			9.456 + 7.30, []string{"interface endpoint sts, per AZ"}, "$0.01/GB processed; there is no NAT gateway processing to save"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Estimate(tc.n)
			if math.Abs(r.MonthlyUSD-tc.want) > 1e-9 {
				t.Errorf("MonthlyUSD = %v, want %v", r.MonthlyUSD, tc.want)
			}
			var items []string
			for _, l := range r.Lines {
				if strings.HasPrefix(l.Item, "interface endpoint") {
					items = append(items, l.Item)
					if l.Count != tc.n.WithDefaults().Azs || l.HourlyUSD != 0.01 {
						t.Errorf("line %+v: want one per AZ at $0.01/h", l)
					}
				}
			}
			if strings.Join(items, "|") != strings.Join(tc.items, "|") {
				t.Errorf("endpoint lines %q, want %q", items, tc.items)
			}
			notes := strings.Join(r.Notes, "\n")
			if tc.note != "" && !strings.Contains(notes, tc.note) {
				t.Errorf("notes lack %q:\n%s", tc.note, notes)
			}
			if tc.note == "" && strings.Contains(notes, "endpoint") && !strings.Contains(notes, "S3") {
				t.Errorf("endpoint notes without endpoints:\n%s", notes)
			}
		})
	}
}
