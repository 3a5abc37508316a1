package test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/constructs/endpoints"
	"github.com/coilednet/coilednet/internal/variants"
	"github.com/coilednet/coilednet/outputkeys"
	"github.com/coilednet/coilednet/stacks"
)

const (
	snowflake  = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
	databricks = "com.amazonaws.vpce.us-east-1.vpce-svc-0fedcba9876543210"
)

// endpointWant is one interface endpoint a variant must have, written out
// by hand.
type endpointWant struct {
	service    string // short name or endpoint service name
	aws        bool
	ports      []float64
	privateDns bool
}

// endpointExpectation is what a variant must contain in endpoints.
type endpointExpectation struct {
	endpoints []endpointWant
	dynamoDb  bool
}

var endpointExpectations = map[string]endpointExpectation{
	"private-endpoints-coiled": {endpoints: []endpointWant{
		{"ecr.api", true, []float64{443}, true}, {"ecr.dkr", true, []float64{443}, true},
		{"logs", true, []float64{443}, true}, {"sts", true, []float64{443}, true},
	}},
	"public-endpoint-services": {endpoints: []endpointWant{
		{snowflake, false, []float64{443}, false}, {databricks, false, []float64{443, 1433}, false},
	}, dynamoDb: true},
}

func init() {
	// The generic expectations of the endpoint variants (assertions_test.go).
	expectations["private-endpoints-coiled"] = expectation{private: true, azs: 2, natGateways: 2, ports: []float64{443, 8786, 8787},
		cidrs: []string{"0.0.0.0/0"}, subnetMask: 20, openWarning: true, s3Endpoint: true, restrictSG: true, flowLogs: "off"}
	expectations["public-endpoint-services"] = expectation{azs: 1, ports: []float64{443, 8786, 8787},
		cidrs: []string{"0.0.0.0/0"}, subnetMask: 19, openWarning: true, s3Endpoint: true, restrictSG: true, flowLogs: "off"}
}

// endpointGroup returns the endpoint security group and its ingress rules.
func (s *synthesized) endpointGroup() (resource, []resource) {
	var sg resource
	for _, g := range s.resources("AWS::EC2::SecurityGroup") {
		if strings.HasPrefix(g.ID, "CoiledNetworkEndpointsSecurityGroup") {
			sg = g
		}
	}
	var rules []resource
	for _, in := range s.resources("AWS::EC2::SecurityGroupIngress") {
		if sg.ID != "" && refOf(in.Props["GroupId"]) == sg.ID {
			rules = append(rules, in)
		}
	}
	return sg, rules
}

func serviceNameOf(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	// {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".ecr.api"]]}
	parts := v.(map[string]any)["Fn::Join"].([]any)[1].([]any)
	var b strings.Builder
	for _, p := range parts {
		if str, ok := p.(string); ok {
			b.WriteString(str)
		} else if refOf(p) == "AWS::Region" {
			b.WriteString("<region>")
		}
	}
	return b.String()
}

func TestInterfaceEndpoints(t *testing.T) {
	for _, v := range variants.All {
		t.Run(v.Name, func(t *testing.T) {
			s := synth(t, v.Name)
			want := endpointExpectations[v.Name]
			e := expectations[v.Name]
			var interfaces []resource
			for _, ep := range s.resources("AWS::EC2::VPCEndpoint") {
				if ep.Props["VpcEndpointType"] == "Interface" {
					interfaces = append(interfaces, ep)
				}
			}
			if len(interfaces) != len(want.endpoints) {
				t.Fatalf("%d interface endpoints, want %d", len(interfaces), len(want.endpoints))
			}
			sg, rules := s.endpointGroup()
			if len(want.endpoints) == 0 {
				if sg.ID != "" {
					t.Errorf("endpoint security group %s without endpoints", sg.ID)
				}
				return
			}
			if sg.ID == "" {
				t.Fatal("no endpoint security group")
			}
			// Every endpoint in the worker subnet of every AZ, behind the
			// endpoint group alone, with private DNS as specified.
			workerPrefix := "CoiledNetworkVpcPublicSubnet"
			if e.private {
				workerPrefix = "CoiledNetworkVpcPrivateSubnet"
			}
			var workers []string
			for _, sn := range s.subnetsWithPrefix(workerPrefix) {
				workers = append(workers, sn.ID)
			}
			if len(workers) != e.azs {
				t.Fatalf("%d worker subnets, want %d", len(workers), e.azs)
			}
			byService := map[string]resource{}
			for _, ep := range interfaces {
				byService[serviceNameOf(ep.Props["ServiceName"])] = ep
			}
			for _, w := range want.endpoints {
				name := w.service
				if w.aws {
					name = "com.amazonaws.<region>." + w.service
				}
				ep, ok := byService[name]
				if !ok {
					t.Errorf("no interface endpoint for %s (have %v)", name, keysOf(byService))
					continue
				}
				var subnets []string
				for _, sn := range ep.Props["SubnetIds"].([]any) {
					subnets = append(subnets, refOf(sn))
				}
				sort.Strings(subnets)
				if !equalJSON(subnets, workers) {
					t.Errorf("%s: subnets %v, want the worker subnet of every AZ %v", w.service, subnets, workers)
				}
				groups, _ := ep.Props["SecurityGroupIds"].([]any)
				if len(groups) != 1 || refOf(groups[0]) != sg.ID {
					t.Errorf("%s: security groups %v, want only %s", w.service, groups, sg.ID)
				}
				if ep.Props["PrivateDnsEnabled"] != w.privateDns {
					t.Errorf("%s: PrivateDnsEnabled %v, want %v", w.service, ep.Props["PrivateDnsEnabled"], w.privateDns)
				}
				if refOf(ep.Props["VpcId"]) != s.resources("AWS::EC2::VPC")[0].ID {
					t.Errorf("%s: VpcId %v", w.service, ep.Props["VpcId"])
				}
			}

			// The group's only ingress source is the cluster group: one
			// described TCP rule per port, nothing inline, no egress.
			var cluster string
			for _, g := range s.resources("AWS::EC2::SecurityGroup") {
				if strings.HasPrefix(g.ID, "CoiledNetworkClusterSecurityGroup") {
					cluster = g.ID
				}
			}
			if in, ok := sg.Props["SecurityGroupIngress"]; ok {
				t.Errorf("endpoint group has inline ingress %v", in)
			}
			wantPorts := map[float64]bool{}
			for _, w := range want.endpoints {
				for _, p := range w.ports {
					wantPorts[p] = true
				}
			}
			gotPorts := map[float64]bool{}
			for _, r := range rules {
				p := r.Props
				if refOf(p["SourceSecurityGroupId"]) != cluster || p["CidrIp"] != nil || p["CidrIpv6"] != nil || p["SourcePrefixListId"] != nil {
					t.Errorf("endpoint rule %s: source %v, want only the cluster group %s", r.ID, p, cluster)
				}
				if p["IpProtocol"] != "tcp" || p["FromPort"] != p["ToPort"] {
					t.Errorf("endpoint rule %s: %v, want one TCP port", r.ID, p)
				}
				if d, _ := p["Description"].(string); len(d) < 20 || len(d) > 255 {
					t.Errorf("endpoint rule %s: description %q", r.ID, d)
				}
				port, _ := p["FromPort"].(float64)
				if gotPorts[port] {
					t.Errorf("port %v has two rules", port)
				}
				gotPorts[port] = true
			}
			if !equalJSON(gotPorts, wantPorts) {
				t.Errorf("endpoint group ports %v, want %v", gotPorts, wantPorts)
			}
			egress, _ := sg.Props["SecurityGroupEgress"].([]any)
			if len(egress) != 1 || egress[0].(map[string]any)["CidrIp"] != "255.255.255.255/32" {
				t.Errorf("endpoint group egress %v, want none (CDK's disallow-all placeholder)", egress)
			}
		})
	}
}

func TestDynamoDbGatewayEndpoint(t *testing.T) {
	for _, v := range variants.All {
		t.Run(v.Name, func(t *testing.T) {
			s := synth(t, v.Name)
			var gw []resource
			for _, ep := range s.resources("AWS::EC2::VPCEndpoint") {
				if strings.HasSuffix(serviceNameOf(ep.Props["ServiceName"]), ".dynamodb") {
					gw = append(gw, ep)
				}
			}
			if !endpointExpectations[v.Name].dynamoDb {
				if len(gw) != 0 {
					t.Errorf("%d DynamoDB endpoints with dynamoDbEndpoint=false", len(gw))
				}
				return
			}
			if len(gw) != 1 || gw[0].Props["VpcEndpointType"] != "Gateway" {
				t.Fatalf("DynamoDB endpoints %v, want one gateway endpoint", gw)
			}
			tables := map[string]bool{}
			for _, rt := range gw[0].Props["RouteTableIds"].([]any) {
				tables[refOf(rt)] = true
			}
			all := map[string]bool{}
			for _, sn := range s.resources("AWS::EC2::Subnet") {
				all[s.routeTableOf(sn.ID)] = true
			}
			if !equalJSON(tables, all) {
				t.Errorf("DynamoDB endpoint on route tables %v, want every subnet's %v", tables, all)
			}
		})
	}
}

func TestEndpointOutputs(t *testing.T) {
	for _, v := range variants.All {
		t.Run(v.Name, func(t *testing.T) {
			s := synth(t, v.Name)
			out := s.outputs()
			want := endpointExpectations[v.Name]
			sg, _ := s.endpointGroup()
			n := 0
			for k := range out {
				if strings.HasPrefix(k, outputkeys.EndpointPrefix) || k == outputkeys.DynamoDbEndpointID {
					n++
				}
			}
			wantN := 0
			for _, w := range want.endpoints {
				ep := s.endpointFor(t, w)
				if got := refOf(out[outputkeys.EndpointID(w.service)]); got != ep {
					t.Errorf("output %s = %v, want a reference to %s", outputkeys.EndpointID(w.service), out[outputkeys.EndpointID(w.service)], ep)
				}
				wantN++
				dns, ok := out[outputkeys.EndpointDNSEntries(w.service)]
				if w.privateDns {
					if ok {
						t.Errorf("output %s for an endpoint with private DNS", outputkeys.EndpointDNSEntries(w.service))
					}
					continue
				}
				wantN++
				want := map[string]any{"Fn::Join": []any{",", map[string]any{"Fn::GetAtt": []any{ep, "DnsEntries"}}}}
				if !equalJSON(dns, want) {
					t.Errorf("output %s = %v, want %v", outputkeys.EndpointDNSEntries(w.service), dns, want)
				}
			}
			if len(want.endpoints) > 0 {
				wantN++
				if refOf(out[outputkeys.EndpointSecurityGroupID]) != sg.ID || sg.ID == "" {
					t.Errorf("EndpointSecurityGroupId = %v, want the endpoint group %q", out[outputkeys.EndpointSecurityGroupID], sg.ID)
				}
			}
			if want.dynamoDb {
				wantN++
				id := refOf(out[outputkeys.DynamoDbEndpointID])
				if r, ok := s.resource(id); !ok || !strings.HasSuffix(serviceNameOf(r.Props["ServiceName"]), ".dynamodb") {
					t.Errorf("DynamoDbEndpointId = %v, want the DynamoDB gateway endpoint", out[outputkeys.DynamoDbEndpointID])
				}
			}
			if n != wantN {
				t.Errorf("%d endpoint outputs, want %d", n, wantN)
			}
		})
	}
}

// endpointFor returns the logical ID of the interface endpoint of w.
func (s *synthesized) endpointFor(t *testing.T, w endpointWant) string {
	t.Helper()
	name := w.service
	if w.aws {
		name = "com.amazonaws.<region>." + w.service
	}
	for _, ep := range s.resources("AWS::EC2::VPCEndpoint") {
		if serviceNameOf(ep.Props["ServiceName"]) == name {
			return ep.ID
		}
	}
	t.Errorf("no endpoint for %s", name)
	return ""
}

// TestEndpointOptionsFailBeforeBuilding: a bad endpoint option stops the
// app with an error naming the key, before any construct exists.
func TestEndpointOptionsFailBeforeBuilding(t *testing.T) {
	ctx := map[string]any{
		"interfaceEndpoints": "coiled,logs",
		"endpointServices":   "com.amazonaws.vpce.us-west-2.vpce-svc-0123456789abcdef0=443+0",
		"availabilityZones":  "us-east-1a",
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(mustTempDir())})
	_, err := stacks.FromApp(app)
	if err == nil {
		t.Fatal("bad endpoint options accepted")
	}
	for _, want := range []string{`"interfaceEndpoints": "logs" is listed twice`, `"endpointServices"`, "0, which is not a TCP port"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if n := len(*app.Node().Children()); n != 0 {
		t.Errorf("%d constructs built despite bad options", n)
	}
}

// TestEndpointsOnAnImportedVpc builds the construct on an IVpc and ISubnets
// imported by ID (as an existing-VPC mode would), not on a Vpc it created.
func TestEndpointsOnAnImportedVpc(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(mustTempDir()), BuiltinCloudFormationValidation: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Imported"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")}})
	vpc := awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId:             jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones: jsii.Strings("us-east-1a", "us-east-1b"),
	})
	var subnets []awsec2.ISubnet
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		subnets = append(subnets, awsec2.Subnet_FromSubnetAttributes(stack, jsii.String(fmt.Sprint("Subnet", i)), &awsec2.SubnetAttributes{
			SubnetId:         jsii.String(fmt.Sprintf("subnet-0%016d", i)),
			AvailabilityZone: jsii.String(az),
			RouteTableId:     jsii.String(fmt.Sprintf("rtb-0%016d", i)),
		}))
	}
	cluster := awsec2.SecurityGroup_FromSecurityGroupId(stack, jsii.String("Cluster"), jsii.String("sg-0123456789abcdef0"), nil)
	opts := config.Network{Endpoints: config.Endpoints{
		InterfaceEndpoints: []string{"secretsmanager"},
		EndpointServices:   []config.EndpointService{{ServiceName: snowflake, Ports: []uint16{443}, PrivateDns: true}},
		DynamoDbEndpoint:   config.Bool(true),
	}}.WithDefaults()
	if err := opts.Validate(); err != nil {
		t.Fatal(err)
	}
	e := endpoints.New(stack, "Endpoints", endpoints.Props{Vpc: vpc, WorkerSubnets: subnets, RouteTableSubnets: subnets,
		ClusterSecurityGroup: cluster, Options: opts.Endpoints})
	if len(e.Interface) != 2 || e.SecurityGroup == nil || e.DynamoDb == nil {
		t.Fatalf("built %+v", e)
	}
	noPanic(t, "template", func() {
		tpl := assertions.Template_FromStack(stack, nil)
		tpl.ResourceCountIs(jsii.String("AWS::EC2::VPCEndpoint"), jsii.Number(3))
		tpl.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{
			"ServiceName":       "com.amazonaws.us-east-1.secretsmanager",
			"SubnetIds":         []any{"subnet-00000000000000000", "subnet-00000000000000001"},
			"PrivateDnsEnabled": true,
			"VpcId":             "vpc-0123456789abcdef0",
		})
		tpl.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{
			"ServiceName": snowflake, "PrivateDnsEnabled": true,
		})
		tpl.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{
			"VpcEndpointType": "Gateway",
			"RouteTableIds":   []any{"rtb-00000000000000000", "rtb-00000000000000001"},
		})
		tpl.ResourceCountIs(jsii.String("AWS::EC2::SecurityGroupIngress"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroupIngress"), map[string]any{
			"SourceSecurityGroupId": "sg-0123456789abcdef0", "FromPort": 443, "ToPort": 443, "IpProtocol": "tcp",
		})
	})
}

// TestNoEndpointsBuildsNothing: the construct is not even created when no
// endpoint is asked for, so existing stacks keep their templates.
func TestNoEndpointsBuildsNothing(t *testing.T) {
	for _, v := range variants.All {
		s := synth(t, v.Name)
		_, has := endpointExpectations[v.Name]
		if got := s.stack.Network.Endpoints != nil; got != has {
			t.Errorf("%s: CoiledNetwork.Endpoints set = %v, want %v", v.Name, got, has)
		}
	}
	if endpoints.Wanted(config.Network{}.WithDefaults().Endpoints) {
		t.Error("the defaults want endpoints")
	}
}

// TestEndpointRegionWarning: endpoint services in a region-agnostic stack
// warn at synth that the stack must be deployed in their region.
func TestEndpointRegionWarning(t *testing.T) {
	for _, v := range variants.All {
		s := synth(t, v.Name)
		found := annotations(s).FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("deploy the stack in us-east-1")))
		want := v.Name == "public-endpoint-services"
		if got := len(*found) > 0; got != want {
			t.Errorf("%s: region warning present = %v, want %v", v.Name, got, want)
		}
	}
}
