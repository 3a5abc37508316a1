package config

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// leaves returns the errors joined in err (err itself if it joins none).
func leaves(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestFromContextRejects(t *testing.T) {
	long := "a" + strings.Repeat("b", 128)
	sevenAzs := "us-east-1a,us-east-1b,us-east-1c,us-east-1d,us-east-1e,us-east-1f,us-east-1g"
	tests := []struct {
		name  string
		ctx   map[string]any
		key   string // the only key the errors may name
		value string // the offending value, as the message must quote it
		want  string // another substring the message must hold
	}{
		// topology
		{"unknown topology", map[string]any{"topology": "hybrid"}, "topology", "hybrid", "accepted are public, private, internal"},
		{"topology wrong case", map[string]any{"topology": "Private"}, "topology", "Private", `did you mean "private"?`},
		{"topology empty", map[string]any{"topology": ""}, "topology", "", "is empty"},
		{"topology JSON object", map[string]any{"topology": map[string]any{"a": 1.0}}, "topology", `{"a":1}`, "is a JSON object, not a string"},
		{"topology JSON number", map[string]any{"topology": 1.0}, "topology", "1", "is a JSON number"},
		{"topology JSON array", map[string]any{"topology": []any{"public"}}, "topology", `["public"]`, "is a JSON array"},

		// stackName
		{"stack name starts with digit", map[string]any{"stackName": "1abc"}, "stackName", "1abc", "not a valid CloudFormation stack name"},
		{"stack name underscore", map[string]any{"stackName": "a_b"}, "stackName", "a_b", "letters, digits and hyphens"},
		{"stack name starts with hyphen", map[string]any{"stackName": "-ab"}, "stackName", "-ab", "starting with a letter"},
		{"stack name 129 chars", map[string]any{"stackName": long}, "stackName", long, "129 characters long"},
		{"stack name empty", map[string]any{"stackName": ""}, "stackName", "", "is empty"},
		{"stack name blank", map[string]any{"stackName": "   "}, "stackName", "", "is empty"},
		{"stack name boolean", map[string]any{"stackName": true}, "stackName", "true", "is a JSON boolean"},

		// vpcCidr
		{"vpc CIDR does not parse", map[string]any{"vpcCidr": "banana"}, "vpcCidr", "banana", "is not a CIDR"},
		{"vpc CIDR no length", map[string]any{"vpcCidr": "10.0.0.0"}, "vpcCidr", "10.0.0.0", `did you mean "10.0.0.0/32"`},
		{"vpc CIDR bad length", map[string]any{"vpcCidr": "10.0.0.0/33"}, "vpcCidr", "10.0.0.0/33", "is not a CIDR"},
		{"vpc CIDR host bits", map[string]any{"vpcCidr": "10.0.0.1/16"}, "vpcCidr", "10.0.0.1/16", `host bits set; did you mean "10.0.0.0/16"? Accepted are`},
		{"vpc CIDR /8 too large", map[string]any{"vpcCidr": "10.0.0.0/8"}, "vpcCidr", "10.0.0.0/8", "is too large"},
		{"vpc CIDR /15 too large", map[string]any{"vpcCidr": "10.0.0.0/15"}, "vpcCidr", "10.0.0.0/15", "is too large"},
		{"vpc CIDR /28 too small", map[string]any{"vpcCidr": "10.0.0.0/28"}, "vpcCidr", "10.0.0.0/28", "is too small"},
		{"vpc CIDR /25 too small", map[string]any{"vpcCidr": "10.0.0.0/25"}, "vpcCidr", "10.0.0.0/25", "is too small"},
		{"vpc CIDR IPv6", map[string]any{"vpcCidr": "fd00::/48"}, "vpcCidr", "fd00::/48", "is an IPv6 range"},
		{"vpc CIDR IPv4-mapped", map[string]any{"vpcCidr": "::ffff:10.0.0.0/112"}, "vpcCidr", "::ffff:10.0.0.0/112", "IPv6"},
		{"vpc CIDR empty", map[string]any{"vpcCidr": ""}, "vpcCidr", "", "is empty"},
		{"vpc CIDR number", map[string]any{"vpcCidr": 10.0}, "vpcCidr", "10", "is a JSON number, not a string"},

		// clientCidrs
		{"client CIDR does not parse", map[string]any{"clientCidrs": "nope"}, "clientCidrs", "nope", "is not a CIDR"},
		{"client CIDR bad length", map[string]any{"clientCidrs": "10.0.0.0/33"}, "clientCidrs", "10.0.0.0/33", "is not a CIDR"},
		{"client CIDR bare address", map[string]any{"clientCidrs": "203.0.113.7"}, "clientCidrs", "203.0.113.7", `did you mean "203.0.113.7/32"?`},
		{"client CIDR bare IPv6 address", map[string]any{"clientCidrs": "2001:db8::1"}, "clientCidrs", "2001:db8::1", `did you mean "2001:db8::1/128"?`},
		{"client CIDR bad second item", map[string]any{"clientCidrs": "10.0.0.0/8, 300.1.1.1/32"}, "clientCidrs", "300.1.1.1/32", "is not a CIDR"},
		{"client CIDR host bits", map[string]any{"clientCidrs": "10.1.2.3/8"}, "clientCidrs", "10.1.2.3/8", `did you mean "10.0.0.0/8"?`},
		{"client CIDR IPv6 host bits", map[string]any{"clientCidrs": "2001:db8::1/32"}, "clientCidrs", "2001:db8::1/32", `did you mean "2001:db8::/32"?`},
		{"client CIDR IPv4-mapped", map[string]any{"clientCidrs": "::ffff:1.2.3.0/120"}, "clientCidrs", "::ffff:1.2.3.0/120", `did you mean "1.2.3.0/24"?`},
		{"client CIDR duplicate", map[string]any{"clientCidrs": "10.0.0.0/8,10.0.0.0/8"}, "clientCidrs", "10.0.0.0/8", "is listed twice"},
		{"client CIDR empty item", map[string]any{"clientCidrs": "10.0.0.0/8,,10.1.0.0/16"}, "clientCidrs", "", "(item 2) is an empty item"},
		{"client CIDR trailing comma", map[string]any{"clientCidrs": "10.0.0.0/8,"}, "clientCidrs", "", "(item 2) is an empty item"},
		{"client CIDR bad JSON", map[string]any{"clientCidrs": `["10.0.0.0/8"`}, "clientCidrs", `["10.0.0.0/8"`, "is not a valid JSON array"},
		{"client CIDR number item", map[string]any{"clientCidrs": []any{1.0}}, "clientCidrs", "1", "(item 1) is a JSON number, not a string"},
		{"client CIDR boolean", map[string]any{"clientCidrs": true}, "clientCidrs", "true", "is a JSON boolean, not a string or a JSON array"},
		{"client sources empty", map[string]any{"clientCidrs": ""}, "clientCidrs", "", "at least one client source"},
		{"client sources empty JSON", map[string]any{"clientCidrs": "[]", "clientPrefixListIds": []any{}}, "clientCidrs", "", "at least one client source"},

		// clientPrefixListIds
		{"prefix list too short", map[string]any{"clientPrefixListIds": "pl-123"}, "clientPrefixListIds", "pl-123", "is not a managed prefix list id"},
		{"prefix list upper case", map[string]any{"clientPrefixListIds": "pl-0123456789ABCDEF0"}, "clientPrefixListIds", "pl-0123456789ABCDEF0", "is not a managed prefix list id"},
		{"prefix list 12 digits", map[string]any{"clientPrefixListIds": "pl-0123456789ab"}, "clientPrefixListIds", "pl-0123456789ab", "is not a managed prefix list id"},
		{"prefix list no prefix", map[string]any{"clientPrefixListIds": "12345678"}, "clientPrefixListIds", "12345678", "pl- and 8 or 17 hex digits"},
		{"prefix list duplicate", map[string]any{"clientPrefixListIds": "pl-12345678, pl-12345678"}, "clientPrefixListIds", "pl-12345678", "is listed twice"},

		// schedulerPorts
		{"port 0", map[string]any{"schedulerPorts": "0"}, "schedulerPorts", "0", "is not a TCP port: accepted are whole numbers from 1 to 65535"},
		{"port 65536", map[string]any{"schedulerPorts": "443,65536"}, "schedulerPorts", "65536", "is not a TCP port"},
		{"port not a number", map[string]any{"schedulerPorts": "abc"}, "schedulerPorts", "abc", "is not a TCP port"},
		{"port negative", map[string]any{"schedulerPorts": "443,-1"}, "schedulerPorts", "-1", "is not a TCP port"},
		{"port fraction", map[string]any{"schedulerPorts": "8786.5"}, "schedulerPorts", "8786.5", "is not a TCP port"},
		{"port exponent", map[string]any{"schedulerPorts": "1e3"}, "schedulerPorts", "1e3", "is not a TCP port"},
		{"port huge", map[string]any{"schedulerPorts": "99999999999999999999999"}, "schedulerPorts", "99999999999999999999999", "is not a TCP port"},
		{"port duplicate", map[string]any{"schedulerPorts": "443, 8786, 443"}, "schedulerPorts", "443", "is listed twice"},
		{"port duplicate number and string", map[string]any{"schedulerPorts": []any{443.0, "443"}}, "schedulerPorts", "443", "is listed twice"},
		{"ports empty", map[string]any{"schedulerPorts": ""}, "schedulerPorts", "", "is an empty list"},
		{"ports empty JSON string", map[string]any{"schedulerPorts": "[]"}, "schedulerPorts", "", "is an empty list"},
		{"ports empty JSON array", map[string]any{"schedulerPorts": []any{}}, "schedulerPorts", "", "is an empty list"},
		{"port 0 in JSON array", map[string]any{"schedulerPorts": []any{0.0}}, "schedulerPorts", "0", "is not a TCP port"},
		{"port too big in JSON string", map[string]any{"schedulerPorts": "[443, 70000]"}, "schedulerPorts", "70000", "is not a TCP port"},
		{"port boolean item", map[string]any{"schedulerPorts": []any{true}}, "schedulerPorts", "true", "is a JSON boolean, not a number"},
		{"ports JSON number", map[string]any{"schedulerPorts": 443.0}, "schedulerPorts", "443", "is a JSON number, not a string or a JSON array"},

		// booleans
		{"boolean yes", map[string]any{"s3Endpoint": "yes"}, "s3Endpoint", "yes", "is not a boolean: accepted are true, false"},
		{"boolean 1", map[string]any{"restrictDefaultSecurityGroup": "1"}, "restrictDefaultSecurityGroup", "1", "is not a boolean"},
		{"boolean typo", map[string]any{"s3Endpoint": "truee"}, "s3Endpoint", "truee", "is not a boolean"},
		{"boolean empty", map[string]any{"s3Endpoint": ""}, "s3Endpoint", "", "is not a boolean"},
		{"boolean as number", map[string]any{"restrictDefaultSecurityGroup": 1.0}, "restrictDefaultSecurityGroup", "1", "is a JSON number, not a boolean"},

		// natProvider
		{"NAT instance with public", map[string]any{"natProvider": "instance"}, "natProvider", "instance", "applies only to topology=private"},
		{"NAT provider unknown", map[string]any{"topology": "private", "natProvider": "nat"}, "natProvider", "nat", "is not a NAT provider"},
		{"NAT provider wrong case", map[string]any{"topology": "private", "natProvider": "Gateway"}, "natProvider", "Gateway", `did you mean "gateway"?`},

		// natGateways
		{"NAT gateways with public", map[string]any{"natGateways": "1"}, "natGateways", "1", "applies only to topology=private"},
		{"NAT gateways negative", map[string]any{"topology": "private", "natGateways": "-1"}, "natGateways", "-1", "is negative"},
		{"NAT gateways negative number", map[string]any{"topology": "private", "natGateways": -1.0}, "natGateways", "-1", "is negative"},
		{"NAT gateways fraction", map[string]any{"topology": "private", "natGateways": 1.5}, "natGateways", "1.5", "is not a whole number"},
		{"NAT gateways fraction string", map[string]any{"topology": "private", "natGateways": "1.5"}, "natGateways", "1.5", "is not a whole number"},
		{"NAT gateways word", map[string]any{"topology": "private", "natGateways": "two"}, "natGateways", "two", "is not a whole number"},
		{"NAT gateways more than azs", map[string]any{"topology": "private", "azs": "2", "natGateways": 3.0}, "natGateways", "3", "is more than azs (2)"},
		{"NAT gateways boolean", map[string]any{"topology": "private", "natGateways": true}, "natGateways", "true", "is a JSON boolean, not a number"},

		// azs
		{"azs 3 without names", map[string]any{"azs": "3"}, "azs", "3", "Fn::GetAZs"},
		{"azs 3 without names says how", map[string]any{"azs": 3.0}, "azs", "3", "availabilityZones=us-east-2a,us-east-2b,us-east-2c"},
		{"azs 7", map[string]any{"azs": "7"}, "azs", "7", "is out of range"},
		{"azs 0", map[string]any{"azs": 0.0}, "azs", "0", "is out of range"},
		{"azs negative", map[string]any{"azs": "-2"}, "azs", "-2", "is negative"},
		{"azs empty", map[string]any{"azs": ""}, "azs", "", "is not a whole number"},
		{"azs huge", map[string]any{"azs": "123456789012345678901234567890"}, "azs", "123456789012345678901234567890", "is too large"},
		{"azs does not match names", map[string]any{"azs": 1.0, "availabilityZones": "us-east-2a,us-east-2b"}, "azs", "1", "set -c azs=2"},

		// availabilityZones
		{"AZ names mixed regions", map[string]any{"azs": "2", "availabilityZones": "us-east-2a,eu-west-1b"}, "availabilityZones", "eu-west-1b", "all zones must be in one region"},
		{"AZ name malformed", map[string]any{"azs": "1", "availabilityZones": "useast2a"}, "availabilityZones", "useast2a", "is not an Availability Zone name"},
		{"AZ name is a region", map[string]any{"azs": "1", "availabilityZones": "us-east-2"}, "availabilityZones", "us-east-2", "is not an Availability Zone name"},
		{"AZ name zone id", map[string]any{"azs": "1", "availabilityZones": "use2-az1"}, "availabilityZones", "use2-az1", "is not an Availability Zone name"},
		{"AZ names duplicate", map[string]any{"azs": "2", "availabilityZones": "us-east-2a,us-east-2a"}, "availabilityZones", "us-east-2a", "is listed twice"},
		{"AZ names too many", map[string]any{"availabilityZones": sevenAzs}, "availabilityZones", sevenAzs, "names 7 zones"},
		{"AZ names object", map[string]any{"availabilityZones": map[string]any{}}, "availabilityZones", "{}", "is a JSON object"},

		// zone
		{"zone out of range", map[string]any{"zone": "1"}, "zone", "1", "is out of range"},
		{"zone out of range number", map[string]any{"azs": 2.0, "zone": 2.0}, "zone", "2", "index goes from 0 to 1"},
		{"zone huge", map[string]any{"zone": "99999999999"}, "zone", "99999999999", "is too large"},
		{"zone name without names", map[string]any{"zone": "us-east-2b"}, "zone", "us-east-2b", "needs availabilityZones"},
		{"zone name not listed", map[string]any{"availabilityZones": "us-east-2a,us-east-2b", "azs": "2", "zone": "us-east-2c"}, "zone", "us-east-2c", "not an index nor one of availabilityZones (us-east-2a,us-east-2b)"},
		{"zone negative", map[string]any{"zone": "-1"}, "zone", "-1", "accepted are indexes from 0 to azs-1"},
		{"zone negative number", map[string]any{"zone": -1.0}, "zone", "-1", "is negative"},
		{"zone fraction", map[string]any{"zone": 0.5}, "zone", "0.5", "is not a whole number"},
		{"zone empty", map[string]any{"zone": ""}, "zone", "", "is empty"},

		// flowLogs
		{"flow logs unknown", map[string]any{"flowLogs": "on"}, "flowLogs", "on", "accepted are off, cloudwatch, s3"},
		{"flow logs wrong case", map[string]any{"flowLogs": "S3"}, "flowLogs", "S3", `did you mean "s3"?`},
		{"flow logs boolean", map[string]any{"flowLogs": false}, "flowLogs", "false", "is a JSON boolean"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app, err := FromContext(tc.ctx)
			if err == nil {
				t.Fatalf("FromContext(%v) = %+v, want an error", tc.ctx, app)
			}
			if !reflect.DeepEqual(app, App{}) {
				t.Errorf("FromContext returned %+v with its error, want the zero App", app)
			}
			msg := err.Error()
			if !strings.Contains(msg, fmt.Sprintf("context key %q: %q ", tc.key, tc.value)) {
				t.Errorf("error does not name key %q and value %q:\n%s", tc.key, tc.value, msg)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error does not say %q:\n%s", tc.want, msg)
			}
			if !strings.Contains(msg, "accepted are") && !strings.Contains(msg, "Accepted are") {
				t.Errorf("error does not say what is accepted:\n%s", msg)
			}
			for _, e := range leaves(err) {
				var ce *Error
				if !errors.As(e, &ce) {
					t.Errorf("error %q is a %T, want *Error", e, e)
					continue
				}
				if ce.Key != tc.key {
					t.Errorf("unexpected error about another key: %v", ce)
				}
			}
		})
	}
}

func TestFromContextTypoKeys(t *testing.T) {
	tests := []struct{ key, suggestion string }{
		{"topolgy", "topology"},
		{"Topology", "topology"},
		{"TOPOLOGY", "topology"},
		{"vpcCIDR", "vpcCidr"},
		{"vpccidr", "vpcCidr"},
		{"schedulerPort", "schedulerPorts"},
		{"shedulerPorts", "schedulerPorts"},
		{"clientCidr", "clientCidrs"},
		{"clientPrefixListId", "clientPrefixListIds"},
		{"natGateway", "natGateways"},
		{"natProvidr", "natProvider"},
		{"availabilityZone", "availabilityZones"},
		{"AvailabilityZones", "availabilityZones"},
		{"stackname", "stackName"},
		{"stakName", "stackName"},
		{"zones", "zone"},
		{"Zone", "zone"},
		{"az", "azs"},
		{"AZS", "azs"},
		{"flowLog", "flowLogs"},
		{"s3Endpiont", "s3Endpoint"}, // adjacent letters swapped: one edit
		{"restrictDefaultSecurityGroups", "restrictDefaultSecurityGroup"},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			_, err := FromContext(map[string]any{tc.key: "x"})
			want := fmt.Sprintf("unknown context key %q: did you mean %q? accepted keys are stackName, topology, ", tc.key, tc.suggestion)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("FromContext({%q}) error = %v, want it to contain %q", tc.key, err, want)
			}
			var uk *UnknownKeyError
			if !errors.As(err, &uk) || uk.Key != tc.key || uk.Suggestion != tc.suggestion {
				t.Errorf("errors.As gives %+v", uk)
			}
		})
	}
}

func TestFromContextIgnoresOtherKeys(t *testing.T) {
	ctx := map[string]any{
		"@aws-cdk/core:newStyleStackSynthesis":            true,
		"@aws-cdk/aws-ec2:restrictDefaultSecurityGroup":   true,
		"aws-cdk:enableDiffNoFail":                        "true",
		"availability-zones:account=123:region=us-east-2": []any{"us-east-2a"},
		"acknowledged-issue-numbers":                      []any{1.0},
		"environment":                                     "prod",
		"ids":                                             "x", // 2 edits from azs, which is too short for 2
		"zoo":                                             "x", // 2 edits from zone
		"natGw":                                           "x",
		"vpcName":                                         "x",
		"topology:x":                                      "typo-like but has a colon",
	}
	app, err := FromContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	def, _ := FromContext(nil)
	if !reflect.DeepEqual(app, def) {
		t.Errorf("got %+v, want the defaults %+v", app, def)
	}
}

func TestFromContextDefaults(t *testing.T) {
	app, err := FromContext(map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	n := app.Network
	if app.StackName != "CoiledNetwork" || n.Topology != "public" || n.VpcCidr != netip.MustParsePrefix("10.0.0.0/16") ||
		!slices.Equal(n.ClientCidrs, []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}) || len(n.ClientPrefixListIds) != 0 ||
		!slices.Equal(n.SchedulerPorts, []uint16{443, 8786, 8787}) ||
		n.RestrictDefaultSecurityGroup == nil || !*n.RestrictDefaultSecurityGroup || n.S3Endpoint == nil || !*n.S3Endpoint ||
		n.NatProvider != "" || n.NatGateways != 0 || n.Azs != 1 || len(n.AvailabilityZones) != 0 || n.Zone != "0" || n.FlowLogs != "off" {
		t.Errorf("defaults are %+v", app)
	}
	if !n.OpenToInternet() || n.ZoneIndex() != 0 {
		t.Errorf("OpenToInternet %v, ZoneIndex %d", n.OpenToInternet(), n.ZoneIndex())
	}
	// JSON null means the default, like a missing key.
	nulls := map[string]any{}
	for _, k := range Keys {
		nulls[k] = nil
	}
	if got, err := FromContext(nulls); err != nil || !reflect.DeepEqual(got, app) {
		t.Errorf("all null: got %+v, %v; want the defaults", got, err)
	}
}

func TestFromContextAccepts(t *testing.T) {
	p := netip.MustParsePrefix
	tests := []struct {
		name  string
		ctx   map[string]any
		check func(t *testing.T, a App)
	}{
		{"comma list with spaces", map[string]any{"clientCidrs": " 203.0.113.0/24 ,  2001:db8::/32 ", "schedulerPorts": " 443 , 8786 "},
			func(t *testing.T, a App) {
				want := []netip.Prefix{p("203.0.113.0/24"), p("2001:db8::/32")}
				if !slices.Equal(a.Network.ClientCidrs, want) || !slices.Equal(a.Network.SchedulerPorts, []uint16{443, 8786}) {
					t.Errorf("got %v %v", a.Network.ClientCidrs, a.Network.SchedulerPorts)
				}
				if a.Network.OpenToInternet() {
					t.Error("OpenToInternet with restricted CIDRs")
				}
			}},
		{"JSON array strings", map[string]any{"clientCidrs": `["10.0.0.0/8", " 192.168.0.0/16"]`, "schedulerPorts": `[443, "8786", 8787]`},
			func(t *testing.T, a App) {
				if !slices.Equal(a.Network.ClientCidrs, []netip.Prefix{p("10.0.0.0/8"), p("192.168.0.0/16")}) ||
					!slices.Equal(a.Network.SchedulerPorts, []uint16{443, 8786, 8787}) {
					t.Errorf("got %v %v", a.Network.ClientCidrs, a.Network.SchedulerPorts)
				}
			}},
		{"JSON arrays", map[string]any{"clientCidrs": []any{"10.0.0.0/8"}, "schedulerPorts": []any{8786.0, "8787"},
			"clientPrefixListIds": []any{"pl-0123456789abcdef0", "pl-12345678"}},
			func(t *testing.T, a App) {
				if !slices.Equal(a.Network.ClientCidrs, []netip.Prefix{p("10.0.0.0/8")}) ||
					!slices.Equal(a.Network.SchedulerPorts, []uint16{8786, 8787}) ||
					!slices.Equal(a.Network.ClientPrefixListIds, []string{"pl-0123456789abcdef0", "pl-12345678"}) {
					t.Errorf("got %+v", a.Network)
				}
			}},
		{"numeric strings", map[string]any{"topology": "private", "azs": "2", "natGateways": "1", "zone": "1", "schedulerPorts": "0443"},
			func(t *testing.T, a App) {
				n := a.Network
				if n.Topology != TopologyPrivate || n.Azs != 2 || n.NatGateways != 1 || n.Zone != "1" || n.ZoneIndex() != 1 ||
					n.NatProvider != NatGateway || !slices.Equal(n.SchedulerPorts, []uint16{443}) {
					t.Errorf("got %+v", n)
				}
			}},
		{"JSON numbers and Go ints", map[string]any{"topology": "private", "azs": 2.0, "natGateways": 1, "zone": 1.0},
			func(t *testing.T, a App) {
				if a.Network.Azs != 2 || a.Network.NatGateways != 1 || a.Network.Zone != "1" {
					t.Errorf("got %+v", a.Network)
				}
			}},
		{"zone index with leading zero", map[string]any{"azs": "2", "zone": "01"},
			func(t *testing.T, a App) {
				if a.Network.Zone != "1" {
					t.Errorf("zone %q, want 1", a.Network.Zone)
				}
			}},
		{"booleans", map[string]any{"s3Endpoint": "FALSE", "restrictDefaultSecurityGroup": false},
			func(t *testing.T, a App) {
				if *a.Network.S3Endpoint || *a.Network.RestrictDefaultSecurityGroup {
					t.Errorf("got %v %v", *a.Network.S3Endpoint, *a.Network.RestrictDefaultSecurityGroup)
				}
			}},
		{"boolean strings", map[string]any{"s3Endpoint": "True", "restrictDefaultSecurityGroup": "false"},
			func(t *testing.T, a App) {
				if !*a.Network.S3Endpoint || *a.Network.RestrictDefaultSecurityGroup {
					t.Errorf("got %v %v", *a.Network.S3Endpoint, *a.Network.RestrictDefaultSecurityGroup)
				}
			}},
		{"IPv6 client CIDR open to all", map[string]any{"clientCidrs": "::/0"},
			func(t *testing.T, a App) {
				if !slices.Equal(a.Network.ClientCidrs, []netip.Prefix{p("::/0")}) || !a.Network.OpenToInternet() {
					t.Errorf("got %v", a.Network.ClientCidrs)
				}
			}},
		{"prefix lists only", map[string]any{"clientCidrs": "", "clientPrefixListIds": "pl-12345678"},
			func(t *testing.T, a App) {
				// The only warning: how the prefix list counts against the
				// scheduler group's rule quota (issue 18).
				w := a.Network.Warnings()
				if len(a.Network.ClientCidrs) != 0 || a.Network.OpenToInternet() || len(w) != 1 || w[0].ID != "prefixListRules" {
					t.Errorf("got %+v, warnings %v", a.Network, w)
				}
			}},
		{"AZ names and zone name", map[string]any{"topology": "private", "natProvider": "instance", "availabilityZones": "eu-central-1a, eu-central-1b, eu-central-1c", "azs": "3", "zone": "eu-central-1c"},
			func(t *testing.T, a App) {
				n := a.Network
				if n.Azs != 3 || n.ZoneIndex() != 2 || n.NatProvider != NatInstance || len(n.AvailabilityZones) != 3 {
					t.Errorf("got %+v", n)
				}
			}},
		{"AZ names as JSON array with zone index", map[string]any{"availabilityZones": []any{"us-gov-west-1a", "us-gov-west-1b"}, "azs": 2.0, "zone": 1.0},
			func(t *testing.T, a App) {
				if a.Network.ZoneIndex() != 1 || a.Network.AvailabilityZones[1] != "us-gov-west-1b" {
					t.Errorf("got %+v", a.Network)
				}
			}},
		{"six AZs", map[string]any{"availabilityZones": "us-east-1a,us-east-1b,us-east-1c,us-east-1d,us-east-1e,us-east-1f", "azs": "6", "zone": "5"},
			func(t *testing.T, a App) {
				if a.Network.Azs != 6 || a.Network.ZoneIndex() != 5 {
					t.Errorf("got %+v", a.Network)
				}
			}},
		{"vpc CIDR bounds", map[string]any{"vpcCidr": "172.16.0.0/24"},
			func(t *testing.T, a App) {
				if a.Network.VpcCidr != p("172.16.0.0/24") {
					t.Errorf("got %v", a.Network.VpcCidr)
				}
			}},
		{"public range vpc CIDR, trimmed", map[string]any{"vpcCidr": " 100.64.0.0/16 ", "stackName": "My-Stack-2"},
			func(t *testing.T, a App) {
				if a.Network.VpcCidr != p("100.64.0.0/16") || a.StackName != "My-Stack-2" {
					t.Errorf("got %+v", a)
				}
			}},
		{"flow logs", map[string]any{"flowLogs": "cloudwatch"},
			func(t *testing.T, a App) {
				if a.Network.FlowLogs != FlowLogsCloudWatch {
					t.Errorf("got %v", a.Network.FlowLogs)
				}
			}},
		{"stack name of 128 chars", map[string]any{"stackName": "A" + strings.Repeat("-", 127)},
			func(t *testing.T, a App) {
				if len(a.StackName) != 128 {
					t.Errorf("got %q", a.StackName)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := FromContext(tc.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Validate(); err != nil {
				t.Errorf("FromContext result does not pass Validate: %v", err)
			}
			tc.check(t, a)
		})
	}
}

func TestFromContextReportsAllErrorsInKeyOrder(t *testing.T) {
	ctx := map[string]any{
		"flowLogs":       "on",
		"zone":           "9",
		"schedulerPorts": "0,443,443",
		"topolgy":        "private",
		"vpcCidr":        "10.0.0.0/8",
		"stackName":      "a_b",
		"s3Endpoint":     "yes",
		"Azs":            "2",
	}
	_, err := FromContext(ctx)
	got := leaves(err)
	want := []string{
		`unknown context key "Azs": did you mean "azs"?`,
		`unknown context key "topolgy": did you mean "topology"?`,
		`context key "stackName": "a_b"`,
		`context key "vpcCidr": "10.0.0.0/8"`,
		`context key "schedulerPorts": "0" is not a TCP port`,
		`context key "schedulerPorts": "443" is listed twice`,
		`context key "s3Endpoint": "yes"`,
		`context key "zone": "9"`,
		`context key "flowLogs": "on"`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(got), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(got[i].Error(), want[i]) {
			t.Errorf("error %d = %q, want it to start with %q", i, got[i], want[i])
		}
	}
	// The same input gives the same message every time, whatever the map's order.
	for range 20 {
		if _, again := FromContext(ctx); again.Error() != err.Error() {
			t.Fatalf("message changed between runs:\n%v\n---\n%v", err, again)
		}
	}
}

func TestFromContextNoSpuriousFollowUps(t *testing.T) {
	// A value that fails to parse falls back to its default; checks that
	// depend on it must not then report errors the user did not make.
	tests := []struct {
		ctx map[string]any
		key string
	}{
		{map[string]any{"azs": "x", "zone": "2", "availabilityZones": "us-east-2a,us-east-2b,us-east-2c"}, "azs"},
		{map[string]any{"azs": "three", "zone": "2"}, "azs"},
		{map[string]any{"azs": "3", "zone": "2"}, "azs"}, // azs is invalid (no names), zone 2 fits azs=3
		{map[string]any{"azs": "7", "topology": "private", "natGateways": "7"}, "azs"},
		{map[string]any{"topology": "Private", "natProvider": "instance", "natGateways": "1"}, "topology"},
		{map[string]any{"schedulerPorts": "0"}, "schedulerPorts"},
		{map[string]any{"clientCidrs": "10.0.0.1"}, "clientCidrs"},
		{map[string]any{"availabilityZones": []any{"us-east-2a", 5.0}, "azs": "2", "zone": "us-east-2a"}, "availabilityZones"},
	}
	for _, tc := range tests {
		_, err := FromContext(tc.ctx)
		es := leaves(err)
		if len(es) != 1 {
			t.Errorf("FromContext(%v) gave %d errors, want 1 about %q:\n%v", tc.ctx, len(es), tc.key, err)
			continue
		}
		var ce *Error
		if !errors.As(es[0], &ce) || ce.Key != tc.key {
			t.Errorf("FromContext(%v) = %v, want an error about %q", tc.ctx, err, tc.key)
		}
	}
	// But errors on items that did parse are still reported with the bad ones.
	_, err := FromContext(map[string]any{"clientCidrs": "10.0.0.1, 10.1.2.3/8"})
	if n := len(leaves(err)); n != 2 || !strings.Contains(err.Error(), `"10.1.2.3/8" has host bits set`) {
		t.Errorf("got %d errors: %v", n, err)
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "abc", 0}, {"abc", "ab", 1}, {"ab", "abc", 1}, {"abc", "axc", 1},
		{"abcd", "abdc", 1}, {"topolgy", "topology", 1}, {"kitten", "sitting", 3}, {"", "abcd", 4},
	}
	for _, tc := range tests {
		if got := editDistance(tc.a, tc.b, 10); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := editDistance(tc.a, tc.b, 0); (got == 0) != (tc.want == 0) {
			t.Errorf("editDistance(%q, %q, limit 0) = %d", tc.a, tc.b, got)
		}
	}
}
