// Package safechange compares the template of a deployed coilednet stack
// with the template a deploy would apply, and finds the changes that break
// what Coiled was handed (issue 20): the VPC, a subnet or a security group
// Coiled uses replaced or deleted (Coiled then points at IDs that no longer
// exist, and running clusters lose their network), and the scheduler ports
// opened to more sources than before.
//
// It is plain Go over two CloudFormation templates, using CloudFormation's
// documented update behaviour ("Update requires: Replacement") of the
// resource types coilednet builds; cmd scripts/deploy reads the deployed
// template with CloudFormation's GetTemplate.
package safechange

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"reflect"
	"slices"
	"strings"

	"github.com/coilednet/coilednet/outputkeys"
)

// Kind is what a change does to a resource.
type Kind string

const (
	// Replaced: CloudFormation creates a new resource with a new ID and
	// deletes the old one.
	Replaced Kind = "replaced"
	// Deleted: the resource leaves the template.
	Deleted Kind = "deleted"
	// Widened: the scheduler ports accept sources they did not accept.
	Widened Kind = "widened"
)

// Finding is one dangerous change.
type Finding struct {
	// LogicalID and Type name the resource in the template.
	LogicalID, Type string
	// Kind is what happens to it.
	Kind Kind
	// Why says which property changes (or which rule is new).
	Why string
	// Options are the coilednet options behind the change.
	Options []string
}

func (f Finding) String() string {
	s := fmt.Sprintf("%s (%s) would be %s: %s", f.LogicalID, f.Type, f.Kind, f.Why)
	if len(f.Options) > 0 {
		s += " (options: " + strings.Join(f.Options, ", ") + ")"
	}
	return s
}

// replacement are the properties whose change replaces a resource, per
// type, from the CloudFormation resource reference, with the options that
// set them.
var replacement = map[string]map[string][]string{
	"AWS::EC2::VPC": {
		"CidrBlock": {"vpcCidr"}, "Ipv4IpamPoolId": nil, "Ipv4NetmaskLength": nil,
	},
	"AWS::EC2::Subnet": {
		"AvailabilityZone": {"azs", "availabilityZones"}, "AvailabilityZoneId": {"availabilityZones"},
		"CidrBlock": {"topology", "vpcCidr", "azs"}, "VpcId": {"vpcCidr", "existingVpcId"},
		"Ipv4IpamPoolId": nil, "Ipv4NetmaskLength": nil, "Ipv6Native": nil, "OutpostArn": nil,
	},
	"AWS::EC2::SecurityGroup": {
		"GroupDescription": {"topology"}, "GroupName": nil, "VpcId": {"vpcCidr", "existingVpcId"},
	},
}

// guarded returns the logical IDs of the resources the rules protect: every
// VPC and subnet, and the security groups the stack hands to Coiled (the
// outputs SchedulerFirewallId and FirewallId).
func guarded(tpl template) map[string]bool {
	out := map[string]bool{}
	for id, r := range tpl.Resources {
		if r.Type == "AWS::EC2::VPC" || r.Type == "AWS::EC2::Subnet" {
			out[id] = true
		}
	}
	for _, key := range []string{outputkeys.SchedulerFirewallID, outputkeys.FirewallID} {
		if o, ok := tpl.Outputs[key]; ok {
			for _, id := range refs(o.Value) {
				if tpl.Resources[id].Type == "AWS::EC2::SecurityGroup" {
					out[id] = true
				}
			}
		}
	}
	return out
}

type resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
}

type output struct {
	Value any `json:"Value"`
}

type template struct {
	Resources map[string]resource `json:"Resources"`
	Outputs   map[string]output   `json:"Outputs"`
}

func parse(name string, raw []byte) (template, error) {
	var t template
	if err := json.Unmarshal(raw, &t); err != nil {
		return t, fmt.Errorf("%s is not a JSON CloudFormation template: %v", name, err)
	}
	return t, nil
}

// Compare returns the dangerous changes from deployed (the template
// CloudFormation holds) to next (the synthesized one), in logical ID order.
func Compare(deployed, next []byte) ([]Finding, error) {
	old, err := parse("the deployed template", deployed)
	if err != nil {
		return nil, err
	}
	nxt, err := parse("the synthesized template", next)
	if err != nil {
		return nil, err
	}
	var out []Finding
	guard := guarded(old)
	replaced := map[string]bool{}
	// Deleted (or renamed: a new logical ID is a new resource).
	for id := range guard {
		r := old.Resources[id]
		if n, ok := nxt.Resources[id]; !ok || n.Type != r.Type {
			out = append(out, Finding{LogicalID: id, Type: r.Type, Kind: Deleted,
				Why: "it is not in the new template (a different topology, fewer AZs or a renamed stack construct)", Options: []string{"topology", "azs", "existingVpcId"}})
			replaced[id] = true
		}
	}
	// Replaced: a replacement property changes, or refers to a resource
	// that is replaced (to a fixed point: a new VPC replaces its subnets).
	for changed := true; changed; {
		changed = false
		for id := range guard {
			if replaced[id] {
				continue
			}
			r, n := old.Resources[id], nxt.Resources[id]
			props := slices.Sorted(maps.Keys(replacement[r.Type]))
			for _, p := range props {
				ov, nv := r.Properties[p], n.Properties[p]
				why := ""
				switch {
				case !reflect.DeepEqual(ov, nv):
					why = fmt.Sprintf("%s changes from %s to %s", p, show(ov), show(nv))
				default:
					for _, ref := range refs(nv) {
						if replaced[ref] {
							why = fmt.Sprintf("%s refers to %s, which is replaced", p, ref)
						}
					}
				}
				if why != "" {
					out = append(out, Finding{LogicalID: id, Type: r.Type, Kind: Replaced, Why: why, Options: replacement[r.Type][p]})
					replaced[id], changed = true, true
					break
				}
			}
		}
	}
	out = append(out, widened(old, nxt)...)
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.LogicalID, b.LogicalID), cmp.Compare(a.Kind, b.Kind))
	})
	return out, nil
}

// rule is one ingress permission: protocol, port range and source.
type rule struct {
	proto    string
	from, to float64
	source   string // a CIDR, or "pl:…"/"sg:…" as JSON of the reference
}

// ingress returns the ingress rules of the security group id: its inline
// SecurityGroupIngress and the AWS::EC2::SecurityGroupIngress resources
// whose GroupId refers to it.
func ingress(t template, id string) []rule {
	var raw []map[string]any
	if r, ok := t.Resources[id]; ok {
		if list, ok := r.Properties["SecurityGroupIngress"].([]any); ok {
			for _, x := range list {
				if m, ok := x.(map[string]any); ok {
					raw = append(raw, m)
				}
			}
		}
	}
	for _, r := range t.Resources {
		if r.Type == "AWS::EC2::SecurityGroupIngress" && slices.Contains(refs(r.Properties["GroupId"]), id) {
			raw = append(raw, r.Properties)
		}
	}
	var out []rule
	for _, m := range raw {
		r := rule{proto: strings.ToLower(fmt.Sprint(m["IpProtocol"])), from: -1, to: -1}
		if f, ok := m["FromPort"].(float64); ok {
			r.from = f
		}
		if f, ok := m["ToPort"].(float64); ok {
			r.to = f
		}
		switch {
		case m["CidrIp"] != nil:
			r.source = fmt.Sprint(m["CidrIp"])
		case m["CidrIpv6"] != nil:
			r.source = fmt.Sprint(m["CidrIpv6"])
		case m["SourcePrefixListId"] != nil:
			r.source = "prefix list " + show(m["SourcePrefixListId"])
		case m["SourceSecurityGroupId"] != nil:
			r.source = "security group " + show(m["SourceSecurityGroupId"])
		default:
			r.source = "unknown source"
		}
		out = append(out, r)
	}
	return out
}

// covers reports whether rule a admits everything rule b admits.
func (a rule) covers(b rule) bool {
	if a.proto != "-1" && a.proto != b.proto {
		return false
	}
	if a.proto != "-1" && a.from != -1 && (b.from < a.from || b.to > a.to || b.from == -1) {
		return false
	}
	if a.source == b.source {
		return true
	}
	pa, errA := netip.ParsePrefix(a.source)
	pb, errB := netip.ParsePrefix(b.source)
	return errA == nil && errB == nil && pa.Addr().Is4() == pb.Addr().Is4() && pa.Bits() <= pb.Bits() && pa.Contains(pb.Addr())
}

// widened returns a finding for each ingress rule of the scheduler's
// security group in next that no rule of deployed covers.
func widened(old, next template) []Finding {
	// A missing output has a nil Value, which refers to nothing.
	oldIDs := refs(old.Outputs[outputkeys.SchedulerFirewallID].Value)
	newIDs := refs(next.Outputs[outputkeys.SchedulerFirewallID].Value)
	if len(oldIDs) == 0 || len(newIDs) == 0 {
		return nil
	}
	before := ingress(old, oldIDs[0])
	var out []Finding
	for _, r := range ingress(next, newIDs[0]) {
		if slices.ContainsFunc(before, func(b rule) bool { return b.covers(r) }) {
			continue
		}
		ports := "all ports"
		if r.proto != "-1" && r.from != -1 {
			ports = fmt.Sprintf("%s %g", strings.ToUpper(r.proto), r.from)
			if r.to != r.from {
				ports += fmt.Sprintf("-%g", r.to)
			}
		}
		out = append(out, Finding{LogicalID: newIDs[0], Type: "AWS::EC2::SecurityGroup", Kind: Widened,
			Why:     fmt.Sprintf("the scheduler's %s would accept %s, which it does not today", ports, r.source),
			Options: []string{"clientCidrs", "clientPrefixListIds", "schedulerPorts", "topology"}})
	}
	return out
}

// refs returns the logical IDs v refers to with Ref or Fn::GetAtt, anywhere
// inside it (pseudo parameters AWS::… aside).
func refs(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["Ref"].(string); ok && !strings.HasPrefix(r, "AWS::") {
				out = append(out, r)
			}
			if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
				if id, ok := ga[0].(string); ok {
					out = append(out, id)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return out
}

func show(v any) string {
	if v == nil {
		return "(none)"
	}
	if s, ok := v.(string); ok {
		return s
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}
