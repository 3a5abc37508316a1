package cost

import (
	"math"
	"strings"
	"testing"

	"github.com/coilednet/coilednet/config"
)

// The expected amounts below are worked out by hand from the us-east-1 list
// prices, not with the package's formula:
//
//	NAT gateway + its EIP:  (0.045 + 0.005) × 730 = 36.50 per NAT
//	NAT instance + its IP: (0.0042 + 0.005) × 730 = 6.716 per NAT
//	NAT instance detailed monitoring: 7 metrics × $0.30 = 2.10 per NAT
func TestEstimateFixedCost(t *testing.T) {
	private := config.TopologyPrivate
	tests := []struct {
		name  string
		n     config.Network
		want  float64
		lines int
	}{
		{"public", config.Network{}, 0, 0},
		{"public with 2 AZs", config.Network{Azs: 2}, 0, 0},
		{"private gateway 1 AZ", config.Network{Topology: private}, 36.50, 2},
		{"private gateway 2 AZs", config.Network{Topology: private, Azs: 2}, 73.00, 2},
		{"private gateway 2 AZs 1 NAT", config.Network{Topology: private, Azs: 2, NatGateways: 1}, 36.50, 2},
		{"private gateway 3 AZs 2 NATs", config.Network{Topology: private, AvailabilityZones: []string{"us-east-2a", "us-east-2b", "us-east-2c"}, NatGateways: 2}, 73.00, 2},
		{"private gateway 6 AZs", config.Network{Topology: private, Azs: 6}, 219.00, 2},
		// (0.0042 + 0.005) * 730 + 8 GiB * $0.08 + 7 metrics * $0.30 per NAT
		{"private instance 1 AZ", config.Network{Topology: private, NatProvider: config.NatInstance}, 9.456, 4},
		{"private instance 2 AZs", config.Network{Topology: private, NatProvider: config.NatInstance, Azs: 2}, 18.912, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Estimate(tc.n)
			if math.Abs(r.MonthlyUSD-tc.want) > 1e-9 {
				t.Errorf("MonthlyUSD = %v, want %v", r.MonthlyUSD, tc.want)
			}
			if len(r.Lines) != tc.lines {
				t.Errorf("got %d lines, want %d: %+v", len(r.Lines), tc.lines, r.Lines)
			}
		})
	}
}

func TestEstimateLines(t *testing.T) {
	r := Estimate(config.Network{Topology: config.TopologyPrivate, Azs: 2})
	want := []struct {
		item    string
		count   int
		monthly float64
	}{
		{"NAT gateway", 2, 65.70},                                // 2 × 0.045 × 730
		{"Elastic IP (public IPv4) of the NAT gateway", 2, 7.30}, // 2 × 0.005 × 730
	}
	for i, w := range want {
		l := r.Lines[i]
		if l.Item != w.item || l.Count != w.count || math.Abs(l.MonthlyUSD()-w.monthly) > 1e-9 {
			t.Errorf("line %d = %+v (%v/month), want %+v", i, l, l.MonthlyUSD(), w)
		}
	}
	r = Estimate(config.Network{Topology: config.TopologyPrivate, NatProvider: config.NatInstance})
	if r.Lines[0].Item != "NAT instance, t4g.nano" || math.Abs(r.Lines[0].MonthlyUSD()-3.066) > 1e-9 || // 0.0042 × 730
		math.Abs(r.Lines[1].MonthlyUSD()-3.65) > 1e-9 || // 0.005 × 730
		r.Lines[3].Item != "detailed monitoring of the NAT instance, 7 metrics" || math.Abs(r.Lines[3].MonthlyUSD()-2.10) > 1e-9 { // 7 × 0.30
		t.Errorf("NAT instance lines: %+v", r.Lines)
	}
}

func TestNats(t *testing.T) {
	for _, tc := range []struct {
		n    config.Network
		want int
	}{
		{config.Network{}, 0},
		{config.Network{Azs: 2}, 0},
		{config.Network{Topology: config.TopologyPrivate}, 1},
		{config.Network{Topology: config.TopologyPrivate, Azs: 2}, 2},
		{config.Network{Topology: config.TopologyPrivate, Azs: 2, NatGateways: 1}, 1},
	} {
		if got := Nats(tc.n); got != tc.want {
			t.Errorf("Nats(%+v) = %d, want %d", tc.n, got, tc.want)
		}
	}
}

func TestEstimateNotes(t *testing.T) {
	private := config.TopologyPrivate
	tests := []struct {
		name      string
		n         config.Network
		has, lack []string
	}{
		{"public", config.Network{},
			[]string{"every running VM (the scheduler and each worker) has a public IPv4: $0.005/h ($3.65/month)", "free S3 gateway endpoint"},
			[]string{"NAT", "cross-AZ", "flow logs"}},
		{"private gateway", config.Network{Topology: private},
			[]string{"each running scheduler has a public IPv4", "workers have none", "$0.045/GB processed", "not the NAT"},
			[]string{"cross-AZ", "every running VM"}},
		{"private shared NAT", config.Network{Topology: private, Azs: 2, NatGateways: 1},
			[]string{"1 of 2 AZs have no NAT of their own", "cross-AZ transfer, $0.01/GB each way"}, nil},
		{"private without S3 endpoint", config.Network{Topology: private, S3Endpoint: config.Bool(false)},
			[]string{"s3Endpoint is off: S3 traffic goes through the NAT gateway at $0.045/GB"}, []string{"free S3 gateway endpoint"}},
		{"NAT instance", config.Network{Topology: private, NatProvider: config.NatInstance},
			[]string{"charge nothing per GB", "t4g.nano"}, []string{"$0.045/GB"}},
		{"flow logs to CloudWatch", config.Network{FlowLogs: config.FlowLogsCloudWatch},
			[]string{"flow logs to CloudWatch Logs: $0.50/GB ingested", "30 days"}, nil},
		{"flow logs to S3", config.Network{FlowLogs: config.FlowLogsS3},
			[]string{"flow logs to S3: $0.25/GB delivered"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			notes := strings.Join(Estimate(tc.n).Notes, "\n")
			for _, s := range tc.has {
				if !strings.Contains(notes, s) {
					t.Errorf("notes lack %q:\n%s", s, notes)
				}
			}
			for _, s := range tc.lack {
				if strings.Contains(notes, s) {
					t.Errorf("notes should not mention %q:\n%s", s, notes)
				}
			}
		})
	}
}

func TestReportString(t *testing.T) {
	s := Estimate(config.Network{Topology: config.TopologyPrivate, NatProvider: config.NatInstance, Azs: 2}).String()
	for _, want := range []string{"2 × NAT instance, t4g.nano", "$6.13", "2 × public IPv4 of the NAT instance", "$7.30", "2 × NAT instance root volume, 8 GiB gp3", "$1.28", "2 × detailed monitoring of the NAT instance, 7 metrics", "$4.20", "total", "$18.91", "grows with use:"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
	s = Estimate(config.Network{}).String()
	if !strings.Contains(s, "total") || !strings.Contains(s, "$0.00") {
		t.Errorf("public report:\n%s", s)
	}
}

func TestTable(t *testing.T) {
	got := Table()
	want := map[string]string{
		"`-c topology=public` (default)":                  "0.00",
		"`-c topology=private`":                           "36.50",
		"`-c topology=private -c azs=2`":                  "73.00",
		"`-c topology=private -c azs=2 -c natGateways=1`": "36.50",
		// 36.50 + 4 × 0.01 × 730; 0.01 × 730
		"`-c topology=private -c interfaceEndpoints=coiled`":                            "65.70",
		"`-c endpointServices=com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0`": "7.30",
		"`-c topology=private -c natProvider=instance`":                                 "9.46",
		"`-c topology=private -c natProvider=instance -c azs=2`":                        "18.91",
		// NAT gateway + EIP + firewall endpoint (0.395 × 730 = 288.35) − the waived NAT hour, per AZ
		"`-c topology=private -c egressFirewall=network-firewall`":                                                                "292.00",
		"`-c topology=private -c egressFirewall=network-firewall -c availabilityZones=us-east-1a,us-east-1b -c azs=2`":            "584.00",
		"`-c topology=private -c egressFirewall=network-firewall -c availabilityZones=us-east-1a,us-east-1b,us-east-1c -c azs=3`": "876.00",
		"`-c topology=internal`": "36.50",
		"`-c topology=internal -c egress=transitGateway -c transitGatewayId=tgw-0123456789abcdef0`": "36.50",
		// regional NAT gateway, per active AZ: 0.045 × 730 + its public IPv4 0.005 × 730
		"`-c topology=private -c natProvider=regional`":           "36.50",
		"`-c topology=private -c natProvider=regional -c azs=2`":  "73.00",
		"`-c topology=internal -c natProvider=regional -c azs=2`": "73.00",
	}
	rows := 0
	for _, line := range strings.Split(strings.TrimSpace(got), "\n")[2:] {
		cells := strings.Split(line, " | ")
		if len(cells) != 3 {
			t.Errorf("malformed row %q", line)
			continue
		}
		opt := strings.TrimPrefix(cells[0], "| ")
		if w, ok := want[opt]; !ok || cells[1] != w {
			t.Errorf("row %q: cost %q, want %q", opt, cells[1], w)
		}
		rows++
	}
	if rows != len(want) {
		t.Errorf("got %d rows, want %d:\n%s", rows, len(want), got)
	}
	if !strings.HasPrefix(got, "| options | fixed cost / month (USD) |") {
		t.Errorf("header:\n%s", got)
	}
	// Every choice is a valid network of an environment-agnostic stack.
	for _, c := range Choices() {
		if err := c.Network.Validate(); err != nil {
			t.Errorf("%s: %v", c.Options, err)
		}
	}
}

// The -c flags shown in Table give, through config.FromContext, the network
// whose cost the row shows.
func TestChoicesMatchTheirFlags(t *testing.T) {
	for _, c := range Choices() {
		ctx := map[string]any{}
		flags := strings.Trim(strings.TrimSuffix(c.Options, " (default)"), "`")
		for _, f := range strings.Split(flags, "-c ")[1:] {
			k, v, ok := strings.Cut(strings.TrimSpace(f), "=")
			if !ok {
				t.Fatalf("%s: malformed flag %q", c.Options, f)
			}
			ctx[k] = v
		}
		app, err := config.FromContext(ctx)
		if err != nil {
			t.Fatalf("%s: %v", c.Options, err)
		}
		if got, want := Estimate(app.Network).MonthlyUSD, Estimate(c.Network).MonthlyUSD; got != want {
			t.Errorf("%s: flags give %v/month, the row %v", c.Options, got, want)
		}
		if Nats(app.Network) != Nats(c.Network) || app.Network.NatProvider != c.Network.WithDefaults().NatProvider {
			t.Errorf("%s: flags give %+v, the row %+v", c.Options, app.Network, c.Network)
		}
	}
}
