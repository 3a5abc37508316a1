package config

import (
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestWithDefaults(t *testing.T) {
	p := netip.MustParsePrefix
	got := Network{}.WithDefaults()
	want := Network{
		Topology:                     TopologyPublic,
		VpcCidr:                      p("10.0.0.0/16"),
		ClientCidrs:                  []netip.Prefix{p("0.0.0.0/0")},
		SchedulerPorts:               []uint16{443, 8786, 8787},
		RestrictDefaultSecurityGroup: Bool(true),
		S3Endpoint:                   Bool(true),
		Azs:                          1,
		Zone:                         "0",
		FlowLogs:                     FlowLogsOff,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Network{}.WithDefaults() =\n  %+v\nwant\n  %+v", got, want)
	}

	if n := (Network{Topology: TopologyPrivate}).WithDefaults(); n.NatProvider != NatGateway {
		t.Errorf("private NatProvider = %q, want gateway", n.NatProvider)
	}
	if n := (Network{AvailabilityZones: []string{"us-east-2a", "us-east-2b", "us-east-2c"}}).WithDefaults(); n.Azs != 3 {
		t.Errorf("Azs = %d, want len(AvailabilityZones) = 3", n.Azs)
	}
	// Prefix lists only: no 0.0.0.0/0 added behind the caller's back.
	pl := Network{ClientPrefixListIds: []string{"pl-12345678"}}.WithDefaults()
	if len(pl.ClientCidrs) != 0 || pl.OpenToInternet() {
		t.Errorf("prefix lists only gave ClientCidrs %v", pl.ClientCidrs)
	}
	if err := pl.Validate(); err != nil {
		t.Errorf("prefix lists only: %v", err)
	}
	// Explicit false is kept.
	if n := (Network{S3Endpoint: Bool(false)}).WithDefaults(); *n.S3Endpoint {
		t.Error("S3Endpoint false became true")
	}
	// Idempotent.
	if twice := got.WithDefaults(); !reflect.DeepEqual(twice, got) {
		t.Errorf("WithDefaults is not idempotent: %+v", twice)
	}
}

func TestWithDefaultsDoesNotAlias(t *testing.T) {
	in := Network{
		ClientCidrs:                  []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		ClientPrefixListIds:          []string{"pl-12345678"},
		SchedulerPorts:               []uint16{443},
		AvailabilityZones:            []string{"us-east-2a"},
		RestrictDefaultSecurityGroup: Bool(true),
		S3Endpoint:                   Bool(true),
	}
	out := in.WithDefaults()
	out.ClientCidrs[0] = netip.MustParsePrefix("0.0.0.0/0")
	out.ClientPrefixListIds[0] = "pl-87654321"
	out.SchedulerPorts[0] = 1
	out.AvailabilityZones[0] = "eu-west-1a"
	*out.RestrictDefaultSecurityGroup = false
	*out.S3Endpoint = false
	if in.ClientCidrs[0].String() != "10.0.0.0/8" || in.ClientPrefixListIds[0] != "pl-12345678" || in.SchedulerPorts[0] != 443 ||
		in.AvailabilityZones[0] != "us-east-2a" || !*in.RestrictDefaultSecurityGroup || !*in.S3Endpoint {
		t.Errorf("WithDefaults aliases the caller's data: %+v", in)
	}
	// The default slices are fresh each time too.
	a, b := Network{}.WithDefaults(), Network{}.WithDefaults()
	a.SchedulerPorts[0], a.ClientCidrs[0] = 1, netip.MustParsePrefix("10.0.0.0/8")
	if b.SchedulerPorts[0] != 443 || b.ClientCidrs[0].Bits() != 0 || DefaultSchedulerPorts()[0] != 443 {
		t.Error("default slices are shared")
	}
}

func TestValidateGoNetwork(t *testing.T) {
	p := netip.MustParsePrefix
	if err := (Network{}).Validate(); err != nil {
		t.Errorf("zero Network: %v", err)
	}
	if err := (App{}).Validate(); err != nil {
		t.Errorf("zero App: %v", err)
	}
	tests := []struct {
		name string
		n    Network
		want string
	}{
		{"empty non-nil ports", Network{SchedulerPorts: []uint16{}}, `context key "schedulerPorts": "" is an empty list`},
		{"port 0", Network{SchedulerPorts: []uint16{0}}, `context key "schedulerPorts": "0" is not a TCP port`},
		{"empty non-nil client CIDRs", Network{ClientCidrs: []netip.Prefix{}}, `context key "clientCidrs": "" is an empty list and clientPrefixListIds is empty too`},
		{"invalid prefix", Network{ClientCidrs: []netip.Prefix{{}}}, `context key "clientCidrs": "invalid Prefix" is not a CIDR`},
		{"vpc host bits", Network{VpcCidr: p("10.0.0.1/16")}, `context key "vpcCidr": "10.0.0.1/16" has host bits set; did you mean "10.0.0.0/16"?`},
		{"bad topology", Network{Topology: "hybrid"}, `context key "topology": "hybrid" is not a topology`},
		{"negative NAT count", Network{Topology: TopologyPrivate, NatGateways: -1}, `context key "natGateways": "-1" is negative`},
		{"NAT count with public", Network{NatGateways: 1}, `context key "natGateways": "1" is set, but natGateways applies only to topology=private`},
		{"NAT instance with public", Network{NatProvider: NatInstance}, `context key "natProvider": "instance" is set, but natProvider applies only to topology=private (topology is "public")`},
		{"azs 3 without names", Network{Azs: 3}, `context key "azs": "3" is more than 2, and availabilityZones is not set`},
		{"azs negative", Network{Azs: -1}, `context key "azs": "-1" is out of range`},
		{"azs vs names", Network{Azs: 2, AvailabilityZones: []string{"us-east-2a"}}, `context key "azs": "2" does not match availabilityZones, which names 1 zone(s) (us-east-2a): set -c azs=1`},
		{"zone out of range", Network{Azs: 2, Zone: "2"}, `context key "zone": "2" is out of range`},
		{"zone name unknown", Network{AvailabilityZones: []string{"us-east-2a"}, Zone: "us-east-2b"}, `context key "zone": "us-east-2b" is not an index nor one of availabilityZones`},
		{"flow logs", Network{FlowLogs: "kinesis"}, `context key "flowLogs": "kinesis" is not a flow log destination`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.n.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want it to contain %q", err, tc.want)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Errorf("errors.As(*Error) fails on %v", err)
			}
		})
	}
	// App-level: the stack name.
	err := App{StackName: "a_b", Network: Network{Topology: "x"}}.Validate()
	if es := leaves(err); len(es) != 2 || !strings.Contains(es[0].Error(), `"stackName": "a_b"`) || !strings.Contains(es[1].Error(), `"topology": "x"`) {
		t.Errorf("App.Validate() = %v", err)
	}
	// Follow-up errors are dropped in the Go path too.
	err = Network{Topology: "Private", NatProvider: NatInstance}.Validate()
	if es := leaves(err); len(es) != 1 {
		t.Errorf("got %d errors, want only the topology one: %v", len(es), err)
	}
}

func TestZoneIndex(t *testing.T) {
	names := []string{"us-east-2a", "us-east-2b", "us-east-2c"}
	tests := []struct {
		n    Network
		want int
	}{
		{Network{}, 0},
		{Network{Azs: 2, Zone: "1"}, 1},
		{Network{AvailabilityZones: names, Zone: "us-east-2c"}, 2},
		{Network{AvailabilityZones: names, Zone: "2"}, 2},
		{Network{AvailabilityZones: names, Zone: "us-east-2d"}, -1},
		{Network{Zone: "99999999999999999999999"}, -1},
	}
	for _, tc := range tests {
		if got := tc.n.ZoneIndex(); got != tc.want {
			t.Errorf("%+v.ZoneIndex() = %d, want %d", tc.n, got, tc.want)
		}
	}
}

func TestOpenToInternetAndWarnings(t *testing.T) {
	p := netip.MustParsePrefix
	tests := []struct {
		name     string
		n        Network
		open     bool
		warnings []string // substrings, one per warning, in order
	}{
		{"default", Network{}, true, []string{"open to the whole internet (clientCidrs includes 0.0.0.0/0)"}},
		{"IPv6 only open", Network{ClientCidrs: []netip.Prefix{p("10.0.0.0/8"), p("::/0")}}, true, []string{"clientCidrs includes ::/0"}},
		{"restricted", Network{ClientCidrs: []netip.Prefix{p("203.0.113.0/24")}}, false, nil},
		{"one NAT for two AZs", Network{Topology: TopologyPrivate, Azs: 2, NatGateways: 1, ClientCidrs: []netip.Prefix{p("203.0.113.0/24")}},
			false, []string{"natGateways=1 with azs=2: workers in 1 AZ(s) reach the internet through a NAT in another AZ, which adds cross-AZ data transfer"}},
		{"one NAT per AZ", Network{Topology: TopologyPrivate, Azs: 2, NatGateways: 2, ClientCidrs: []netip.Prefix{p("203.0.113.0/24")}}, false, nil},
		{"NAT instance", Network{Topology: TopologyPrivate, NatProvider: NatInstance, ClientCidrs: []netip.Prefix{p("203.0.113.0/24")}}, false, []string{"natProvider=instance"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.n.OpenToInternet(); got != tc.open {
				t.Errorf("OpenToInternet() = %v, want %v", got, tc.open)
			}
			w := tc.n.Warnings()
			if len(w) != len(tc.warnings) {
				t.Fatalf("Warnings() = %q, want %d", w, len(tc.warnings))
			}
			for i, want := range tc.warnings {
				if !strings.Contains(w[i].Message, want) {
					t.Errorf("warning %d = %q, want it to contain %q", i, w[i].Message, want)
				}
				if w[i].ID == "" {
					t.Errorf("warning %d has no ID", i)
				}
			}
		})
	}
	// The open-internet warning says how to restrict, with both knobs.
	w := Network{}.Warnings()[0].Message
	for _, want := range []string{"TCP 443, 8786, 8787", "-c clientCidrs=203.0.113.0/24", "clientPrefixListIds"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning %q does not say %q", w, want)
		}
	}
}

func TestKeys(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Keys {
		if seen[k] {
			t.Errorf("key %q listed twice", k)
		}
		seen[k] = true
	}
	if len(networkKeys) != 14 || !slices.Contains(Keys, KeyZone) {
		t.Errorf("Keys = %v", Keys)
	}
}
