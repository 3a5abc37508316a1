//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/internal/motoserver"
	"github.com/coilednet/coilednet/internal/variants"
	"github.com/coilednet/coilednet/outputkeys"
)

// The PrivateLink endpoints of the endpoint variants, checked through the
// EC2 API against the stack's outputs.
//
// The emulator resolves no Fn::GetAtt DnsEntries of an AWS::EC2::VPCEndpoint
// and then drops every output of the stack, so the emulated deploys turn
// privateDns on for endpoint services (which removes their DNS-entry
// outputs; those are checked in the templates by ./test).

// endpointOverrides adds to o, for a variant with endpointServices, the
// same services in the JSON form with privateDns on.
func endpointOverrides(v variants.Variant, o map[string]string) {
	if v.Context[config.KeyEndpointServices] == "" {
		return
	}
	n := endpointConfig(panicker{}, v.Context)
	var services []map[string]any
	for _, s := range n.EndpointServices {
		services = append(services, map[string]any{"serviceName": s.ServiceName, "ports": s.Ports, "privateDns": true})
	}
	raw, err := json.Marshal(services)
	if err != nil {
		panic(err)
	}
	o[config.KeyEndpointServices] = string(raw)
}

// panicker is the fataler of endpointOverrides, which has no test: a
// variant whose context does not parse is a bug of the variant.
type panicker struct{}

func (panicker) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// endpointConfig returns the network the context gives.
func endpointConfig(t interface{ Fatalf(string, ...any) }, ctx map[string]string) config.Network {
	m := map[string]any{}
	for k, v := range ctx {
		m[k] = v
	}
	app, err := config.FromContext(m)
	if err != nil {
		t.Fatalf("variant context: %v", err)
	}
	return app.Network
}

// deployedContext is the context the variant was deployed with.
func (d *deployment) deployedContext() map[string]string {
	ctx := map[string]string{}
	for k, v := range d.v.Context {
		ctx[k] = v
	}
	for k, v := range emulatorOverrides(d.v) {
		ctx[k] = v
	}
	return ctx
}

// hasEndpoints reports whether the variant asks for any endpoint of this
// concern.
func hasEndpoints(v variants.Variant) bool {
	for _, k := range []string{config.KeyInterfaceEndpoints, config.KeyEndpointServices, config.KeyDynamoDbEndpoint} {
		if s := v.Context[k]; s != "" && s != "false" {
			return true
		}
	}
	return false
}

// wantEndpoint is one interface endpoint the deployed stack must have.
type wantEndpoint struct {
	service, serviceName string
	ports                []uint16
	privateDns           bool
}

func checkEndpoints(t *testing.T, d *deployment) {
	ctx := context.Background()
	o := d.outputs
	n := endpointConfig(t, d.deployedContext())
	var want []wantEndpoint
	for _, s := range n.InterfaceServices() {
		want = append(want, wantEndpoint{s, "com.amazonaws." + motoserver.Region + "." + s, []uint16{443}, true})
	}
	for _, s := range n.EndpointServices {
		want = append(want, wantEndpoint{s.ServiceName, s.ServiceName, s.Ports, s.PrivateDns})
	}

	var workers []string
	for _, z := range o.Zones {
		workers = append(workers, z.WorkerSubnetID)
	}
	sort.Strings(workers)
	sg := o.All[outputkeys.EndpointSecurityGroupID]
	if len(want) > 0 && sg == "" {
		t.Fatalf("no output %s", outputkeys.EndpointSecurityGroupID)
	}

	wantPorts := map[string]bool{}
	for _, w := range want {
		for _, p := range w.ports {
			wantPorts[fmt.Sprint(p)] = true
		}
		id := o.All[outputkeys.EndpointID(w.service)]
		if id == "" {
			t.Errorf("no output %s", outputkeys.EndpointID(w.service))
			continue
		}
		out, err := d.ec2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
		if err != nil || len(out.VpcEndpoints) != 1 {
			t.Errorf("endpoint %s of %s: %v", id, w.service, err)
			continue
		}
		ep := out.VpcEndpoints[0]
		if ep.VpcEndpointType != ec2types.VpcEndpointTypeInterface || aws.ToString(ep.ServiceName) != w.serviceName ||
			aws.ToString(ep.VpcId) != o.NetworkID {
			t.Errorf("endpoint %s: %s %s in %s, want an interface endpoint of %s in %s",
				id, ep.VpcEndpointType, aws.ToString(ep.ServiceName), aws.ToString(ep.VpcId), w.serviceName, o.NetworkID)
		}
		subnets := slices.Clone(ep.SubnetIds)
		sort.Strings(subnets)
		if !reflect.DeepEqual(subnets, workers) {
			t.Errorf("endpoint %s of %s is in subnets %v, want the worker subnet of every AZ %v", id, w.service, subnets, workers)
		}
		var groups []string
		for _, g := range ep.Groups {
			groups = append(groups, aws.ToString(g.GroupId))
		}
		if !reflect.DeepEqual(groups, []string{sg}) {
			t.Errorf("endpoint %s of %s has groups %v, want only %s", id, w.service, groups, sg)
		}
		if aws.ToBool(ep.PrivateDnsEnabled) != w.privateDns {
			t.Errorf("endpoint %s of %s: private DNS %v, want %v", id, w.service, aws.ToBool(ep.PrivateDnsEnabled), w.privateDns)
		}
		// One network interface per AZ, each in that AZ's worker subnet.
		enis, err := d.ec2.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: ep.NetworkInterfaceIds})
		if err != nil || len(enis.NetworkInterfaces) != len(workers) {
			t.Errorf("endpoint %s: network interfaces %v: %v, want %d", id, ep.NetworkInterfaceIds, err, len(workers))
		} else {
			var in []string
			for _, eni := range enis.NetworkInterfaces {
				in = append(in, aws.ToString(eni.SubnetId))
			}
			sort.Strings(in)
			if !reflect.DeepEqual(in, workers) {
				t.Errorf("endpoint %s: network interfaces in %v, want one in each of %v", id, in, workers)
			}
		}
	}

	if len(want) > 0 {
		groups, err := d.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{sg}})
		if err != nil || len(groups.SecurityGroups) != 1 {
			t.Fatalf("endpoint group %s: %v", sg, err)
		}
		g := groups.SecurityGroups[0]
		if aws.ToString(g.VpcId) != o.NetworkID {
			t.Errorf("endpoint group %s is in %s", sg, aws.ToString(g.VpcId))
		}
		var wantRules []rule
		for p := range wantPorts {
			wantRules = append(wantRules, rule{"tcp", p, p, o.FirewallID})
		}
		sort.Slice(wantRules, func(i, j int) bool { return fmt.Sprint(wantRules[i]) < fmt.Sprint(wantRules[j]) })
		if got := permissions(g.IpPermissions); !reflect.DeepEqual(got, wantRules) {
			t.Errorf("endpoint group %s ingress:\n got %v\nwant %v (the cluster group %s only)", sg, got, wantRules, o.FirewallID)
		}
		// The emulator drops the descriptions of group-to-group rules: read
		// them in the template the stack was deployed from.
		described := 0
		for _, in := range d.resourcesOfType("AWS::EC2::SecurityGroupIngress") {
			p := d.props(in)
			if d.physical[refOf(p["GroupId"])] != sg {
				continue
			}
			if desc, _ := p["Description"].(string); desc == "" {
				t.Errorf("deployed endpoint group rule %s has no description", in)
			}
			described++
		}
		if described != len(wantRules) {
			t.Errorf("%d ingress rules of the endpoint group in the deployed template, want %d", described, len(wantRules))
		}
	} else if sg != "" {
		t.Errorf("output %s without interface endpoints", outputkeys.EndpointSecurityGroupID)
	}

	id := o.All[outputkeys.DynamoDbEndpointID]
	if !*n.DynamoDbEndpoint {
		if id != "" {
			t.Errorf("output %s with dynamoDbEndpoint=false", outputkeys.DynamoDbEndpointID)
		}
		return
	}
	out, err := d.ec2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	if err != nil || len(out.VpcEndpoints) != 1 {
		t.Fatalf("DynamoDB endpoint %q: %v", id, err)
	}
	ep := out.VpcEndpoints[0]
	if ep.VpcEndpointType != ec2types.VpcEndpointTypeGateway || aws.ToString(ep.ServiceName) != "com.amazonaws."+motoserver.Region+".dynamodb" {
		t.Errorf("DynamoDB endpoint %s: %s %s", id, ep.VpcEndpointType, aws.ToString(ep.ServiceName))
	}
	tables := map[string]bool{}
	for _, z := range o.Zones {
		for _, sn := range []string{z.SchedulerSubnetID, z.WorkerSubnetID} {
			tables[d.routeTableOf(sn)] = true
		}
	}
	got := map[string]bool{}
	for _, rt := range ep.RouteTableIds {
		got[rt] = true
	}
	if !reflect.DeepEqual(got, tables) {
		t.Errorf("DynamoDB endpoint on route tables %v, want every subnet's %v", got, tables)
	}
}
