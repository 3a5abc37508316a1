package config

import (
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// base is cdk.json's context with overrides, as `cdk -c` gives them.
func withCdkJSON(t *testing.T, over map[string]any) map[string]any {
	t.Helper()
	ctx, _ := readCdkJSON(t)
	for k, v := range over {
		ctx[k] = v
	}
	return ctx
}

func TestConnectivityRejects(t *testing.T) {
	const tgw = "tgw-0123456789abcdef0"
	tests := []struct {
		name string
		ctx  map[string]any
		keys []string // every key the errors name, in order
		want []string // substrings the joined message must hold
	}{
		{"egress unknown", map[string]any{"topology": "private", "egress": "vpn"}, []string{"egress"}, []string{`"vpn" is not an egress`, "accepted are nat, transitGateway"}},
		{"egress wrong case", map[string]any{"topology": "internal", "egress": "TransitGateway"}, []string{"egress"}, []string{`did you mean "transitGateway"?`}},
		{"tgw egress with public", map[string]any{"egress": "transitGateway", "transitGatewayId": tgw}, []string{"egress"}, []string{"applies only to topology=private or internal", `topology is "public"`}},
		{"tgw egress without id", map[string]any{"topology": "internal", "egress": "transitGateway"}, []string{"transitGatewayId"}, []string{"egress=transitGateway needs the Transit Gateway"}},
		{"nat instance with tgw egress", map[string]any{"topology": "private", "egress": "transitGateway", "transitGatewayId": tgw, "natProvider": "instance"},
			[]string{"natProvider"}, []string{"egress=transitGateway builds no NAT"}},
		{"nat gateways with tgw egress", map[string]any{"topology": "internal", "egress": "transitGateway", "transitGatewayId": tgw, "natGateways": "1"},
			[]string{"natGateways"}, []string{"egress=transitGateway builds no NAT"}},
		{"tgw id malformed", map[string]any{"topology": "internal", "egress": "transitGateway", "transitGatewayId": "tgw-xyz"}, []string{"transitGatewayId"}, []string{"is not a Transit Gateway id"}},
		{"tgw id unused", map[string]any{"topology": "private", "transitGatewayId": tgw}, []string{"transitGatewayId"}, []string{"nothing routes to it"}},
		{"tgw routes without id", map[string]any{"transitGatewayRoutes": "10.100.0.0/16"}, []string{"transitGatewayRoutes"}, []string{"transitGatewayId is empty"}},
		{"tgw route overlaps vpc", map[string]any{"transitGatewayId": tgw, "transitGatewayRoutes": "10.0.128.0/17"}, []string{"transitGatewayRoutes"}, []string{"overlaps vpcCidr 10.0.0.0/16"}},
		{"tgw routes overlap", map[string]any{"transitGatewayId": tgw, "transitGatewayRoutes": "10.100.0.0/16,10.100.4.0/24"}, []string{"transitGatewayRoutes"},
			[]string{`"10.100.4.0/24" overlaps another item of transitGatewayRoutes (10.100.0.0/16)`}},
		{"tgw route default", map[string]any{"transitGatewayId": tgw, "transitGatewayRoutes": "0.0.0.0/0"}, []string{"transitGatewayRoutes"}, []string{"egress=transitGateway instead"}},
		{"tgw route ipv6", map[string]any{"transitGatewayId": tgw, "transitGatewayRoutes": "2001:db8::/32"}, []string{"transitGatewayRoutes"}, []string{"not an IPv4 range"}},
		{"tgw route host bits", map[string]any{"transitGatewayId": tgw, "transitGatewayRoutes": "10.100.0.1/16"}, []string{"transitGatewayRoutes"}, []string{`did you mean "10.100.0.0/16"?`}},
		{"tgw subnets do not fit", map[string]any{"transitGatewayId": tgw, "transitGatewayRoutes": "10.100.0.0/16", "vpcCidr": "10.0.0.0/24",
			"availabilityZones": "us-east-1a,us-east-1b,us-east-1c,us-east-1d,us-east-1e", "azs": "5"}, []string{"transitGatewayId"}, []string{"its attachment subnets", "holds only 4"}},
		{"peer overlaps tgw route", map[string]any{"transitGatewayId": tgw, "transitGatewayRoutes": "10.100.0.0/16", "peerVpcs": "vpc-0123456789abcdef0=10.100.8.0/21"},
			[]string{"peerVpcs"}, []string{`"vpc-0123456789abcdef0=10.100.8.0/21" overlaps transitGatewayRoutes (10.100.0.0/16)`}},
		{"peer overlaps vpc", map[string]any{"peerVpcs": "vpc-0123456789abcdef0=10.0.0.0/8"}, []string{"peerVpcs"}, []string{"overlaps vpcCidr"}},
		{"peer overlaps peer", map[string]any{"peerVpcs": "vpc-0123456789abcdef0=10.1.0.0/16,vpc-0123456789abcdef1=10.1.0.0/20"}, []string{"peerVpcs"}, []string{"overlaps another item of peerVpcs"}},
		{"peer not vpc=cidr", map[string]any{"peerVpcs": "vpc-0123456789abcdef0"}, []string{"peerVpcs"}, []string{"is not vpc-…=CIDR"}},
		{"peer bad vpc id", map[string]any{"peerVpcs": "vpc-12=10.1.0.0/16"}, []string{"peerVpcs"}, []string{`"vpc-12" is not a VPC id`}},
		{"peer bad cidr", map[string]any{"peerVpcs": "vpc-0123456789abcdef0=10.1.0.0"}, []string{"peerVpcs"}, []string{`did you mean "10.1.0.0/32"`}},
		{"peer twice", map[string]any{"peerVpcs": "vpc-0123456789abcdef0=10.1.0.0/16,vpc-0123456789abcdef0=10.2.0.0/16"}, []string{"peerVpcs"}, []string{"is listed twice"}},
		{"peer JSON unknown field", map[string]any{"peerVpcs": `[{"vpcId":"vpc-0123456789abcdef0","cidr":"10.1.0.0/16","owner":"1"}]`}, []string{"peerVpcs"}, []string{`unknown field "owner"`}},
		{"peer JSON missing cidr", map[string]any{"peerVpcs": []any{map[string]any{"vpcId": "vpc-0123456789abcdef0"}}}, []string{"peerVpcs"}, []string{`needs both "vpcId" and "cidr"`}},
		{"peer JSON number", map[string]any{"peerVpcs": []any{1.0}}, []string{"peerVpcs"}, []string{"is a JSON number, not a string or an object"}},
		{"peer owner without role", map[string]any{"peerVpcs": `[{"vpcId":"vpc-0123456789abcdef0","cidr":"10.1.0.0/16","ownerId":"123456789012"}]`}, []string{"peerVpcs"}, []string{"needs roleArn"}},
		{"peer owner malformed", map[string]any{"peerVpcs": `[{"vpcId":"vpc-0123456789abcdef0","cidr":"10.1.0.0/16","ownerId":"1234"}]`}, []string{"peerVpcs"}, []string{"is not an AWS account id"}},
		{"peer role in other account", map[string]any{"peerVpcs": `[{"vpcId":"vpc-0123456789abcdef0","cidr":"10.1.0.0/16","ownerId":"123456789012","roleArn":"arn:aws:iam::210987654321:role/peer"}]`},
			[]string{"peerVpcs"}, []string{"is in account 210987654321, not in the peer's ownerId 123456789012"}},
		{"peer role without owner", map[string]any{"peerVpcs": `[{"vpcId":"vpc-0123456789abcdef0","cidr":"10.1.0.0/16","roleArn":"arn:aws:iam::210987654321:role/peer"}]`},
			[]string{"peerVpcs"}, []string{"without ownerId"}},
		{"peer role malformed", map[string]any{"peerVpcs": `[{"vpcId":"vpc-0123456789abcdef0","cidr":"10.1.0.0/16","ownerId":"123456789012","roleArn":"peer"}]`},
			[]string{"peerVpcs"}, []string{"is not an IAM role ARN"}},
		{"peer region malformed", map[string]any{"peerVpcs": `[{"vpcId":"vpc-0123456789abcdef0","cidr":"10.1.0.0/16","region":"mars"}]`}, []string{"peerVpcs"}, []string{"is not an AWS region name"}},

		// existing VPC
		{"existing without the rest", map[string]any{"existingVpcId": "vpc-0123456789abcdef0"},
			[]string{"existingVpcCidr", "schedulerSubnetId", "workerSubnetId", "workerPublicIp"}, []string{"existingVpcId needs it"}},
		{"existing with the DynamoDB gateway and the firewall", map[string]any{"existingVpcId": "vpc-0123456789abcdef0", "existingVpcCidr": "10.9.0.0/16",
			"schedulerSubnetId": "subnet-01234567", "workerSubnetId": "subnet-01234567", "workerPublicIp": "false",
			"dynamoDbEndpoint": "true", "egressFirewall": "network-firewall"},
			[]string{"dynamoDbEndpoint", "egressFirewall"}, []string{"existingVpcId is vpc-0123456789abcdef0: the stack builds no VPC, so dynamoDbEndpoint does not apply"}},
		{"existing keys without existingVpcId", map[string]any{"existingVpcCidr": "10.9.0.0/16", "schedulerSubnetId": "subnet-01234567", "workerSubnetId": "subnet-01234567", "workerPublicIp": "false"},
			[]string{"existingVpcCidr", "schedulerSubnetId", "workerSubnetId", "workerPublicIp"}, []string{"existingVpcId is empty"}},
		{"existing with built-VPC options", map[string]any{"existingVpcId": "vpc-0123456789abcdef0", "existingVpcCidr": "10.9.0.0/16", "schedulerSubnetId": "subnet-01234567",
			"workerSubnetId": "subnet-01234568", "workerPublicIp": "false", "topology": "internal", "vpcCidr": "10.1.0.0/16", "azs": "2", "flowLogs": "s3",
			"peerVpcs": "vpc-0123456789abcdef1=10.2.0.0/16"},
			[]string{"topology", "vpcCidr", "azs", "flowLogs", "peerVpcs"}, []string{"the stack builds no VPC", "existingVpcId is vpc-0123456789abcdef0"}},
		{"existing malformed ids", map[string]any{"existingVpcId": "vpc-1", "existingVpcCidr": "10.9.0.1/16", "schedulerSubnetId": "sn-1",
			"workerSubnetId": "subnet-01234568", "workerPublicIp": "maybe"},
			[]string{"existingVpcId", "existingVpcCidr", "schedulerSubnetId", "workerPublicIp"}, []string{"is not a VPC id", "host bits", "is not a subnet id", "is not a boolean"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromContext(withCdkJSON(t, tt.ctx))
			if err == nil {
				t.Fatal("accepted")
			}
			var keys []string
			for _, e := range leaves(err) {
				ce, ok := e.(*Error)
				if !ok {
					t.Fatalf("%T %v", e, e)
				}
				if len(keys) == 0 || keys[len(keys)-1] != ce.Key {
					keys = append(keys, ce.Key)
				}
				if ce.Accepted == "" {
					t.Errorf("%q does not say what is accepted", e)
				}
			}
			if !slices.Equal(keys, tt.keys) {
				t.Errorf("errors name keys %v, want %v:\n%v", keys, tt.keys, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestConnectivityAccepts(t *testing.T) {
	p := netip.MustParsePrefix
	const tgw = "tgw-0123456789abcdef0"

	// internal with NAT: the VPC's range is the default client range.
	a, err := FromContext(withCdkJSON(t, map[string]any{"topology": "internal"}))
	if err != nil {
		t.Fatal(err)
	}
	n := a.Network
	if n.Egress != EgressNat || n.NatProvider != NatGateway || !slices.Equal(n.ClientCidrs, []netip.Prefix{p("10.0.0.0/16")}) || n.OpenToInternet() || !n.HasInternetGateway() {
		t.Errorf("internal defaults: %+v", n)
	}
	if !hasWarning(n, "internalScheduler", "use_scheduler_public_ip: False") {
		t.Errorf("internal warnings %v", n.Warnings())
	}

	// internal with TGW egress: auto adds the routed ranges, no NAT provider.
	a, err = FromContext(withCdkJSON(t, map[string]any{"topology": "internal", "egress": "transitGateway", "transitGatewayId": tgw,
		"transitGatewayRoutes": "10.100.0.0/16, 192.168.0.0/16",
		"peerVpcs":             `[{"vpcId":"vpc-0123456789abcdef0","cidr":"10.1.0.0/16"},{"vpcId":"vpc-0123456789abcdef1","cidr":"10.2.0.0/16","ownerId":"123456789012","roleArn":"arn:aws:iam::123456789012:role/peer","region":"eu-west-1"}]`}))
	if err != nil {
		t.Fatal(err)
	}
	n = a.Network
	want := []netip.Prefix{p("10.0.0.0/16"), p("10.100.0.0/16"), p("192.168.0.0/16"), p("10.1.0.0/16"), p("10.2.0.0/16")}
	if n.Egress != EgressTransitGateway || n.NatProvider != "" || !slices.Equal(n.ClientCidrs, want) || n.HasInternetGateway() || !n.UsesTransitGateway() {
		t.Errorf("internal TGW: %+v", n)
	}
	if len(n.PeerVpcs) != 2 || n.PeerVpcs[1] != (PeerVpc{VpcId: "vpc-0123456789abcdef1", Cidr: p("10.2.0.0/16"), OwnerId: "123456789012", Region: "eu-west-1", RoleArn: "arn:aws:iam::123456789012:role/peer"}) {
		t.Errorf("peers %+v", n.PeerVpcs)
	}
	if !hasWarning(n, "peeringReturnRoute", "vpc-0123456789abcdef1: account 123456789012 accepts it through roleArn") ||
		!hasWarning(n, "peeringReturnRoute", "vpc-0123456789abcdef0: CloudFormation accepts this same-account") {
		t.Errorf("no acceptance warning for the cross-account peer: %v", n.Warnings())
	}

	// Explicit clientCidrs win over auto, in every topology.
	a, err = FromContext(withCdkJSON(t, map[string]any{"topology": "internal", "clientCidrs": "172.16.0.0/12"}))
	if err != nil || !slices.Equal(a.Network.ClientCidrs, []netip.Prefix{p("172.16.0.0/12")}) {
		t.Errorf("explicit clientCidrs: %v %v", a.Network.ClientCidrs, err)
	}
	// auto keeps 0.0.0.0/0 for public/private, even with prefix lists (as
	// cdk.json's 0.0.0.0/0 did before auto).
	a, err = FromContext(withCdkJSON(t, map[string]any{"topology": "private", "clientPrefixListIds": "pl-12345678"}))
	if err != nil || !slices.Equal(a.Network.ClientCidrs, []netip.Prefix{p("0.0.0.0/0")}) {
		t.Errorf("private auto with prefix list: %v %v", a.Network.ClientCidrs, err)
	}

	// private + TGW egress, peerings as vpc=cidr items.
	a, err = FromContext(withCdkJSON(t, map[string]any{"topology": "private", "egress": "transitGateway", "transitGatewayId": tgw,
		"peerVpcs": "vpc-0123456789abcdef0=10.1.0.0/16"}))
	if err != nil {
		t.Fatal(err)
	}
	if a.Network.NatProvider != "" || !a.Network.HasInternetGateway() || a.Network.PeerVpcs[0].Cidr != p("10.1.0.0/16") {
		t.Errorf("private TGW: %+v", a.Network)
	}

	// existing VPC.
	a, err = FromContext(withCdkJSON(t, map[string]any{"existingVpcId": "vpc-0123456789abcdef0", "existingVpcCidr": "10.9.0.0/16",
		"schedulerSubnetId": "subnet-01234567", "workerSubnetId": "subnet-0123456789abcdef0", "workerPublicIp": "false"}))
	if err != nil {
		t.Fatal(err)
	}
	n = a.Network
	if n.ExistingVpcId != "vpc-0123456789abcdef0" || n.WorkerPublicIp == nil || *n.WorkerPublicIp || n.HasInternetGateway() ||
		!slices.Equal(n.ClientCidrs, []netip.Prefix{p("10.9.0.0/16")}) {
		t.Errorf("existing VPC: %+v", n)
	}

	// The Go API gives the same as the context.
	g := Network{Topology: TopologyInternal, Connectivity: Connectivity{Egress: EgressTransitGateway, TransitGatewayId: tgw}}.WithDefaults()
	if !slices.Equal(g.ClientCidrs, []netip.Prefix{p("10.0.0.0/16")}) || g.Validate() != nil {
		t.Errorf("Go internal TGW: %v %v", g.ClientCidrs, g.Validate())
	}
	if twice := g.WithDefaults(); !reflect.DeepEqual(twice, g) {
		t.Errorf("WithDefaults not idempotent: %+v", twice)
	}
}

func hasWarning(n Network, id, text string) bool {
	for _, w := range n.Warnings() {
		if w.ID == id && strings.Contains(w.Message, text) {
			return true
		}
	}
	return false
}

// Each option of a VPC the stack builds is refused with existingVpcId, one at
// a time (deleting any one of these checks fails its case).
func TestExistingVpcRefusesEachBuiltVpcOption(t *testing.T) {
	const tgw = "tgw-0123456789abcdef0"
	existing := map[string]any{"existingVpcId": "vpc-0123456789abcdef0", "existingVpcCidr": "10.9.0.0/16",
		"schedulerSubnetId": "subnet-01234567", "workerSubnetId": "subnet-01234568", "workerPublicIp": "true"}
	for _, tc := range []struct {
		key  string
		over map[string]any
	}{
		{"natProvider", map[string]any{"natProvider": "instance"}},
		{"natGateways", map[string]any{"natGateways": "1"}},
		{"availabilityZones", map[string]any{"availabilityZones": "us-east-2a"}},
		{"zone", map[string]any{"zone": "1", "azs": "2", "availabilityZones": "us-east-2a,us-east-2b"}},
		{"egress", map[string]any{"egress": "transitGateway", "transitGatewayId": tgw}},
		{"transitGatewayId", map[string]any{"transitGatewayId": tgw}},
		{"transitGatewayRoutes", map[string]any{"transitGatewayId": tgw, "transitGatewayRoutes": "10.100.0.0/16"}},
		{"vpcCidr", map[string]any{"vpcCidr": "10.1.0.0/16"}},
		{"flowLogs", map[string]any{"flowLogs": "s3"}},
	} {
		t.Run(tc.key, func(t *testing.T) {
			ctx := map[string]any{}
			for k, v := range existing {
				ctx[k] = v
			}
			for k, v := range tc.over {
				ctx[k] = v
			}
			_, err := FromContext(withCdkJSON(t, ctx))
			want := "the stack builds no VPC, so " + tc.key + " does not apply"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v does not say %q", err, want)
			}
		})
	}
	// The same VPC without the extra option is accepted: the cases above
	// fail for their option alone.
	if _, err := FromContext(withCdkJSON(t, existing)); err != nil {
		t.Errorf("the existing VPC alone: %v", err)
	}
}

// One NAT gateway per AZ is the most natGateways accepts, and it is accepted.
func TestNatGatewaysUpToAzs(t *testing.T) {
	for _, n := range []string{"1", "2"} {
		a, err := FromContext(withCdkJSON(t, map[string]any{"topology": "private", "azs": "2",
			"availabilityZones": "us-east-2a,us-east-2b", "natGateways": n}))
		if err != nil {
			t.Errorf("natGateways=%s with azs=2: %v", n, err)
			continue
		}
		if got := strconv.Itoa(a.Network.NatGateways); got != n {
			t.Errorf("natGateways=%s parsed as %s", n, got)
		}
	}
	_, err := FromContext(withCdkJSON(t, map[string]any{"topology": "private", "azs": "2",
		"availabilityZones": "us-east-2a,us-east-2b", "natGateways": "3"}))
	if err == nil || !strings.Contains(err.Error(), "is more than azs (2)") {
		t.Errorf("natGateways=3 with azs=2: %v", err)
	}
}
