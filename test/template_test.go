package test

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Small helpers to read a synthesized template (a decoded JSON map).

type resource struct {
	ID    string
	Type  string
	Props map[string]any
}

// resources returns the template's resources of type typ, sorted by ID.
func (s *synthesized) resources(typ string) []resource {
	var out []resource
	for id, r := range s.template["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] != typ {
			continue
		}
		props, _ := r["Properties"].(map[string]any)
		out = append(out, resource{ID: id, Type: typ, Props: props})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// resource returns the resource with logical ID id.
func (s *synthesized) resource(id string) (resource, bool) {
	r, ok := s.template["Resources"].(map[string]any)[id].(map[string]any)
	if !ok {
		return resource{}, false
	}
	props, _ := r["Properties"].(map[string]any)
	return resource{ID: id, Type: r["Type"].(string), Props: props}, true
}

// outputs returns the template's outputs: key → Value.
func (s *synthesized) outputs() map[string]any {
	out := map[string]any{}
	for k, o := range s.template["Outputs"].(map[string]any) {
		out[k] = o.(map[string]any)["Value"]
	}
	return out
}

// refOf returns the logical ID v refers to ({"Ref": id} or
// {"Fn::GetAtt": [id, attr]}), or "".
func refOf(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if r, ok := m["Ref"].(string); ok {
		return r
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
		id, _ := ga[0].(string)
		return id
	}
	return ""
}

// ref builds {"Ref": id}.
func ref(id string) map[string]any { return map[string]any{"Ref": id} }

// routeTableOf returns the route table associated with subnet id.
func (s *synthesized) routeTableOf(subnet string) string {
	for _, a := range s.resources("AWS::EC2::SubnetRouteTableAssociation") {
		if refOf(a.Props["SubnetId"]) == subnet {
			return refOf(a.Props["RouteTableId"])
		}
	}
	return ""
}

// defaultRoute returns the 0.0.0.0/0 route of route table rt.
func (s *synthesized) defaultRoute(rt string) (resource, bool) {
	for _, r := range s.resources("AWS::EC2::Route") {
		if refOf(r.Props["RouteTableId"]) == rt && r.Props["DestinationCidrBlock"] == "0.0.0.0/0" {
			return r, true
		}
	}
	return resource{}, false
}

// subnetsWithPrefix returns the subnets whose logical ID starts with prefix.
func (s *synthesized) subnetsWithPrefix(prefix string) []resource {
	var out []resource
	for _, r := range s.resources("AWS::EC2::Subnet") {
		if strings.HasPrefix(r.ID, prefix) {
			out = append(out, r)
		}
	}
	return out
}

func equalJSON(a, b any) bool { return reflect.DeepEqual(a, b) }

func show(v any) string { return fmt.Sprintf("%v", v) }
