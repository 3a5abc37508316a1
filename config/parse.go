package config

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// FromContext reads the App from the complete CDK context: values from
// cdk.json arrive JSON-decoded (string, float64, bool, []any, map[string]any,
// nil), values from `cdk -c key=value` as strings. A missing key, or a JSON
// null, means the key's default. It returns the App with defaults filled in
// and validated, or every problem found joined with errors.Join (each an
// *Error or *UnknownKeyError, in key order).
//
// Accepted forms:
//   - clientCidrs=auto (any case): the topology's default ranges (see
//     Network.AutoClientCidrs), even with clientPrefixListIds.
//   - lists (clientCidrs, clientPrefixListIds, schedulerPorts,
//     availabilityZones): a comma-separated string (blanks around items
//     trimmed), a string holding a JSON array, or a JSON array; "" is the
//     empty list. Ports may be numbers or numeric strings.
//   - booleans: true/false, or the strings "true"/"false" in any case.
//   - whole numbers (natGateways, azs): a whole JSON number or a string of
//     decimal digits, 0 or more.
//   - zone: an index (number or digit string) or, with availabilityZones,
//     a name from that list.
//   - other keys: a non-empty string (blanks around it trimmed).
//
// CDK's own keys (containing ':' or starting with '@', see isCDKKey) and
// keys unrelated to ours are ignored (ContextWarnings reports the latter);
// a key that differs from one of ours only in case or by one or two edits
// is rejected as a likely typo.
func FromContext(ctx map[string]any) (App, error) {
	p := &parser{ctx: ctx, failed: map[string]bool{}}
	var app App
	n := &app.Network

	if s, ok := p.str(KeyStackName, acceptStackName); ok {
		app.StackName = s
	}
	if s, ok := p.str(KeyTopology, acceptTopology); ok {
		n.Topology = Topology(s)
	}
	if s, ok := p.str(KeyVpcCidr, acceptVpcCidr); ok {
		if pre, ok := p.prefix(KeyVpcCidr, s, acceptVpcCidr); ok {
			n.VpcCidr = pre
		}
	}
	autoCidrs := false
	if v, ok := p.get(KeyClientCidrs); ok {
		if s, isStr := v.(string); isStr && strings.EqualFold(strings.TrimSpace(s), ClientCidrsAuto) {
			autoCidrs = true
		}
	}
	if items, ok := p.list(KeyClientCidrs, acceptClientCidrs); ok && !autoCidrs {
		n.ClientCidrs = []netip.Prefix{}
		for _, s := range p.strItems(KeyClientCidrs, items, acceptClientCidrs) {
			if pre, ok := p.prefix(KeyClientCidrs, s, acceptClientCidrs); ok {
				n.ClientCidrs = append(n.ClientCidrs, pre)
			}
		}
	}
	if items, ok := p.list(KeyClientPrefixListIds, acceptPrefixLists); ok {
		n.ClientPrefixListIds = nilIfEmpty(p.strItems(KeyClientPrefixListIds, items, acceptPrefixLists))
	}
	if items, ok := p.list(KeySchedulerPorts, acceptPorts); ok {
		n.SchedulerPorts = p.ports(KeySchedulerPorts, items)
	}
	n.RestrictDefaultSecurityGroup = p.boolean(KeyRestrictDefaultSecurityGroup)
	n.S3Endpoint = p.boolean(KeyS3Endpoint)
	if s, ok := p.str(KeyNatProvider, acceptNatProvider); ok {
		n.NatProvider = NatProvider(s)
	}
	if i, ok := p.integer(KeyNatGateways, acceptNatGateways); ok {
		n.NatGateways = i
	}
	if i, ok := p.integer(KeyAzs, acceptAzs); ok {
		n.Azs = i
		if i == 0 {
			// 0 is the Go zero value, which WithDefaults would replace.
			p.fail(KeyAzs, "0", "is out of range", acceptAzs)
		}
	}
	if items, ok := p.list(KeyAvailabilityZones, acceptAzNames); ok {
		n.AvailabilityZones = nilIfEmpty(p.strItems(KeyAvailabilityZones, items, acceptAzNames))
	}
	if z, ok := p.zone(KeyZone); ok {
		n.Zone = z
	}
	if s, ok := p.str(KeyFlowLogs, acceptFlowLogs); ok {
		n.FlowLogs = FlowLogs(s)
	}
	p.connectivity(&n.Connectivity)
	p.endpoints(&n.Endpoints)
	p.egressControl(&n.EgressControl)
	p.access(&app.Access)
	p.appOptions(&app)

	// cdk.json says natProvider=gateway for every topology, as the default
	// of the private ones with a NAT; elsewhere it means "not set".
	if n.NatProvider == NatGateway && (!n.HasPrivateSubnets() || n.Egress == EgressTransitGateway) {
		n.NatProvider = ""
	}
	// cdk.json says egress=nat for every topology, as the default of the
	// private ones; under public it means "not set".
	if n.Egress == EgressNat && !n.HasPrivateSubnets() {
		n.Egress = ""
	}
	// clientCidrs=auto (cdk.json's value): the topology's default ranges,
	// whatever clientPrefixListIds says.
	if autoCidrs {
		c := *n
		c.ClientCidrs, c.ClientPrefixListIds = nil, nil
		n.ClientCidrs = c.WithDefaults().ClientCidrs
	}

	app = app.WithDefaults()
	errs := append(p.errs, dropFollowUps(app.problems(), p.failed)...)
	unknown := unknownKeys(ctx)
	if len(errs) > 0 || len(unknown) > 0 {
		return App{}, join(unknown, errs)
	}
	return app, nil
}

// nilIfEmpty returns s, or nil when s is empty, so that "" and a missing
// key give equal Apps.
func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// parser reads typed values out of a CDK context, collecting errors.
type parser struct {
	ctx    map[string]any
	errs   []*Error
	failed map[string]bool // keys with at least one parse error
}

func (p *parser) fail(key, value, problem, accepted string) {
	p.errs = append(p.errs, &Error{Key: key, Value: value, Problem: problem, Accepted: accepted})
	p.failed[key] = true
}

// get returns the value of key, and false when it is missing or null.
// Go numbers and json.Number become float64, as encoding/json decodes them.
func (p *parser) get(key string) (any, bool) {
	v, ok := p.ctx[key]
	if !ok || v == nil {
		return nil, false
	}
	return normalize(v), true
}

// normalize turns the numbers a Go caller may put in a context map into
// float64; other values are returned as they are.
func normalize(v any) any {
	switch v := v.(type) {
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case int32:
		return float64(v)
	case uint16:
		return float64(v)
	case float32:
		return float64(v)
	case json.Number:
		if f, err := v.Float64(); err == nil {
			return f
		}
		return v.String()
	}
	return v
}

// wrongType records that key holds a value of the wrong JSON type.
func (p *parser) wrongType(key string, v any, want, accepted string) {
	p.fail(key, jsonText(v), fmt.Sprintf("is %s, not %s", typeName(v), want), accepted)
}

// str reads a non-empty string, trimmed.
func (p *parser) str(key, accepted string) (string, bool) {
	v, ok := p.get(key)
	if !ok {
		return "", false
	}
	s, isStr := v.(string)
	if !isStr {
		p.wrongType(key, v, "a string", accepted)
		return "", false
	}
	s = strings.TrimSpace(s)
	if s == "" {
		p.fail(key, s, "is empty", accepted)
		return "", false
	}
	return s, true
}

// optStr reads a string key whose "" means unset (cdk.json's default for
// optional keys), trimmed; false when unset.
func (p *parser) optStr(key, accepted string) (string, bool) {
	v, ok := p.get(key)
	if !ok {
		return "", false
	}
	if s, isStr := v.(string); isStr && strings.TrimSpace(s) == "" {
		return "", false
	}
	return p.str(key, accepted)
}

// prefix parses a CIDR, suggesting a /32 or /128 for a bare address.
func (p *parser) prefix(key, s, accepted string) (netip.Prefix, bool) {
	pre, err := netip.ParsePrefix(s)
	if err == nil {
		return pre, true
	}
	problem := "is not a CIDR"
	if a, aerr := netip.ParseAddr(s); aerr == nil && a.Zone() == "" {
		problem = fmt.Sprintf("is an address, not a CIDR; did you mean %q?", netip.PrefixFrom(a, a.BitLen()).String())
	}
	p.fail(key, s, problem, accepted)
	return netip.Prefix{}, false
}

// list reads a list: a comma-separated string, a string holding a JSON
// array, or a JSON array. Items of a string list are trimmed strings.
func (p *parser) list(key, accepted string) ([]any, bool) {
	v, ok := p.get(key)
	if !ok {
		return nil, false
	}
	switch v := v.(type) {
	case []any:
		return v, true
	case string:
		s := strings.TrimSpace(v)
		if s == "" {
			return []any{}, true
		}
		if strings.HasPrefix(s, "[") {
			var items []any
			if err := json.Unmarshal([]byte(s), &items); err != nil {
				p.fail(key, v, fmt.Sprintf("is not a valid JSON array (%v)", err), accepted)
				return nil, false
			}
			return items, true
		}
		parts := strings.Split(s, ",")
		items := make([]any, len(parts))
		for i, part := range parts {
			items[i] = strings.TrimSpace(part)
		}
		return items, true
	default:
		p.wrongType(key, v, "a string or a JSON array", accepted)
		return nil, false
	}
}

// strItems returns the items of a list that are non-empty strings, trimmed;
// it records an error for every other item.
func (p *parser) strItems(key string, items []any, accepted string) []string {
	out := make([]string, 0, len(items))
	for i, item := range items {
		s, ok := item.(string)
		if !ok {
			p.fail(key, jsonText(item), fmt.Sprintf("(item %d) is %s, not a string", i+1, typeName(item)), accepted)
			continue
		}
		s = strings.TrimSpace(s)
		if s == "" {
			p.fail(key, s, fmt.Sprintf("(item %d) is an empty item", i+1), accepted)
			continue
		}
		out = append(out, s)
	}
	return out
}

// ports reads TCP ports from numbers or numeric strings.
func (p *parser) ports(key string, items []any) []uint16 {
	out := make([]uint16, 0, len(items))
	for i, item := range items {
		item = normalize(item)
		var n float64
		var text string
		switch v := item.(type) {
		case string:
			text = strings.TrimSpace(v)
			if !isDigits(text) {
				problem := "is not a TCP port"
				if text == "" {
					problem = fmt.Sprintf("(item %d) is an empty item", i+1)
				}
				p.fail(key, text, problem, acceptPorts)
				continue
			}
			n = parseDigits(text)
		case float64:
			n, text = v, fmtFloat(v)
		default:
			p.fail(key, jsonText(item), fmt.Sprintf("(item %d) is %s, not a number", i+1, typeName(item)), acceptPorts)
			continue
		}
		if n < 1 || n > math.MaxUint16 || n != math.Trunc(n) {
			p.fail(key, text, "is not a TCP port", acceptPorts)
			continue
		}
		out = append(out, uint16(n))
	}
	return out
}

// parseDigits returns the value of a string of decimal digits, as a float
// (huge values become large floats or +Inf, never an error).
func parseDigits(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// boolean reads true/false or a case-insensitive "true"/"false"; nil when
// missing or malformed.
func (p *parser) boolean(key string) *bool {
	v, ok := p.get(key)
	if !ok {
		return nil
	}
	switch v := v.(type) {
	case bool:
		return Bool(v)
	case string:
		s := strings.TrimSpace(v)
		switch {
		case strings.EqualFold(s, "true"):
			return Bool(true)
		case strings.EqualFold(s, "false"):
			return Bool(false)
		}
		p.fail(key, v, "is not a boolean", acceptBool)
	default:
		p.wrongType(key, v, "a boolean", acceptBool)
	}
	return nil
}

// maxInt bounds the whole numbers read, far above any valid value.
const maxInt = 1_000_000

// integer reads a whole number >= 0 from a JSON number or a digit string.
func (p *parser) integer(key, accepted string) (int, bool) {
	v, ok := p.get(key)
	if !ok {
		return 0, false
	}
	var f float64
	var text string
	switch v := v.(type) {
	case float64:
		f, text = v, fmtFloat(v)
	case string:
		text = strings.TrimSpace(v)
		switch {
		case isDigits(text):
			f = parseDigits(text)
		case strings.HasPrefix(text, "-") && isDigits(text[1:]):
			f = -1
		default:
			f = math.NaN()
		}
	default:
		p.wrongType(key, v, "a number", accepted)
		return 0, false
	}
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f):
		p.fail(key, text, "is not a whole number", accepted)
	case f < 0:
		p.fail(key, text, "is negative", accepted)
	case f > maxInt:
		p.fail(key, text, "is too large", accepted)
	default:
		return int(f), true
	}
	return 0, false
}

// zone reads an index (number or digit string, made canonical) or a name.
func (p *parser) zone(key string) (string, bool) {
	v, ok := p.get(key)
	if !ok {
		return "", false
	}
	if _, isNum := v.(float64); isNum {
		i, ok := p.integer(key, acceptZone)
		if !ok {
			return "", false
		}
		return strconv.Itoa(i), true
	}
	s, ok := p.str(key, acceptZone)
	if !ok {
		return "", false
	}
	if isDigits(s) {
		i, ok := p.integer(key, acceptZone)
		if !ok {
			return "", false
		}
		return strconv.Itoa(i), true
	}
	return s, true
}

// fmtFloat formats a JSON number as a user would have written it.
func fmtFloat(f float64) string {
	if math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// jsonText renders a context value for an error message.
func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if f, ok := v.(float64); ok {
		return fmtFloat(f)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// typeName names the JSON type of a context value.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case float64:
		return "a JSON number"
	case bool:
		return "a JSON boolean"
	case []any:
		return "a JSON array"
	case map[string]any:
		return "a JSON object"
	case nil:
		return "JSON null"
	default:
		return fmt.Sprintf("a Go %T", v)
	}
}

// unknownKeys returns the keys of ctx that look like typos of Keys.
func unknownKeys(ctx map[string]any) []*UnknownKeyError {
	names := make([]string, 0, len(ctx))
	for k := range ctx {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []*UnknownKeyError
	for _, k := range names {
		if keyIndex(k) < len(Keys) || isCDKKey(k) {
			continue
		}
		if s := suggestKey(k); s != "" {
			out = append(out, &UnknownKeyError{Key: k, Suggestion: s})
		}
	}
	return out
}

// suggestKey returns the key of ours that k is most likely a typo of, or
// "" if none is close: equal but for case, or at most two edits away (one
// for our keys shorter than five letters: within two edits of "azs" lie
// keys as unrelated as "a" or "ids").
func suggestKey(k string) string {
	best, bestDist := "", math.MaxInt
	lk := strings.ToLower(k)
	for _, o := range Keys {
		lo := strings.ToLower(o)
		if lk == lo {
			return o
		}
		limit := 2
		if len(o) < 5 {
			limit = 1
		}
		if d := editDistance(lk, lo, limit); d <= limit && d < bestDist {
			best, bestDist = o, d
		}
	}
	return best
}

// editDistance returns the optimal string alignment distance between a and
// b (Levenshtein distance where swapping two adjacent bytes is one edit),
// or limit+1 as soon as it is known to exceed limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			c := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				c = min(c, prev2[j-2]+1)
			}
			cur[j] = c
			rowMin = min(rowMin, c)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// cdkOwnKeys are context keys without ':' or '@' that the CDK CLI itself
// stores and passes to every app (`cdk acknowledge N` records the notice in
// cdk.context.json under this key).
var cdkOwnKeys = []string{"acknowledged-issue-numbers"}

// isCDKKey reports whether k is CDK's own context key (aws:cdk:…,
// @aws-cdk/… feature flags, cached lookups such as
// availability-zones:account=…, the CLI's own keys), which coilednet never
// reads nor warns about.
func isCDKKey(k string) bool {
	return strings.Contains(k, ":") || strings.HasPrefix(k, "@") || strings.HasPrefix(k, "$") || slices.Contains(cdkOwnKeys, k)
}

// awsSettingKeys are keys users pass with -c expecting them to choose the
// AWS environment; the hint says where that is chosen instead.
var awsSettingKeys = map[string]string{
	"region":  "the stack deploys to the region of your AWS credentials: set AWS_REGION (e.g. AWS_REGION=us-west-2 scripts/deploy)",
	"account": "the stack deploys to the account of your AWS credentials: choose them with AWS_PROFILE or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY variables",
	"profile": "choose the AWS profile with AWS_PROFILE=NAME (or the CDK CLI's --profile NAME flag, after -- on scripts/deploy)",
}

// ContextWarnings returns a Warning (ID "unknownContextKey") for every key
// of ctx that is neither ours nor CDK's own and is not close enough to one
// of ours to be rejected as a typo (FromContext does that): such a key is
// ignored, which the user should hear about (-c ports=443 sets nothing).
// region, account and profile get a pointer to where the AWS environment is
// chosen. Keys are reported in name order.
func ContextWarnings(ctx map[string]any) []Warning {
	names := make([]string, 0, len(ctx))
	for k := range ctx {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []Warning
	for _, k := range names {
		if keyIndex(k) < len(Keys) || isCDKKey(k) || suggestKey(k) != "" || k == KeyNetworksFile {
			continue
		}
		msg := fmt.Sprintf("context key %q is not a coilednet option and is ignored", k)
		if hint, ok := awsSettingKeys[strings.ToLower(k)]; ok {
			msg += ": " + hint
		} else if like := keysContaining(k); len(like) > 0 {
			msg += fmt.Sprintf("; did you mean %s? (see docs/options.md)", strings.Join(like, " or "))
		} else {
			msg += "; coilednet's keys are " + strings.Join(Keys, ", ")
		}
		out = append(out, Warning{ID: "unknownContextKey", Message: msg})
	}
	return out
}

// keysContaining returns our keys that contain k, ignoring case (ports →
// schedulerPorts, nat → natProvider, natGateways), quoted.
func keysContaining(k string) []string {
	lk := strings.ToLower(k)
	var out []string
	for _, o := range Keys {
		if len(lk) >= 2 && strings.Contains(strings.ToLower(o), lk) {
			out = append(out, strconv.Quote(o))
		}
	}
	return out
}
