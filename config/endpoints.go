package config

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// PrivateLink (issue 11): interface endpoints for AWS services, endpoint
// services of partners, the DynamoDB gateway endpoint. Keys, parsing,
// defaults, validation and warnings of this concern live in this file.

// Endpoints are the VPC endpoint options. It is embedded in Network, so its
// fields read as Network's own.
type Endpoints struct {
	// InterfaceEndpoints are AWS services reached through an interface
	// endpoint (PrivateLink) in the worker subnet of every AZ, by their
	// short name as in com.amazonaws.<region>.<name> (ecr.api, logs, …), or
	// a preset (PresetCoiled). Private DNS is on for them, so SDKs and tools
	// need no change. Use InterfaceServices for the list with presets
	// expanded.
	//
	// Default: none.
	InterfaceEndpoints []string

	// EndpointServices are PrivateLink endpoint services (a partner's, e.g.
	// Snowflake or Databricks, or your own), each reached through an
	// interface endpoint in the worker subnet of every AZ.
	//
	// Default: none.
	EndpointServices []EndpointService

	// DynamoDbEndpoint adds the free DynamoDB gateway endpoint to the route
	// table of every subnet, so DynamoDB traffic bypasses the NAT.
	//
	// Default: false.
	DynamoDbEndpoint *bool

	// EndpointSources are the sources the interface endpoints' security
	// group admits: EndpointSourceCluster, EndpointSourceVpc, security group
	// ids (endpointsources.go).
	//
	// Default: none, which means cluster.
	EndpointSources []string
}

// EndpointService is one PrivateLink endpoint service to connect to.
type EndpointService struct {
	// ServiceName is the service's name, as its provider gives it:
	// com.amazonaws.vpce.<region>.vpce-svc-<hex>.
	ServiceName string
	// Ports are the TCP ports the cluster may reach the endpoint on.
	//
	// Default: 443.
	Ports []uint16
	// PrivateDns turns on the service's private DNS name (its provider must
	// have verified one). Off by default: most providers document their own
	// DNS setup, e.g. a private hosted zone (see the README).
	PrivateDns bool
}

// The context keys of this concern.
const (
	KeyInterfaceEndpoints = "interfaceEndpoints"
	KeyEndpointServices   = "endpointServices"
	KeyDynamoDbEndpoint   = "dynamoDbEndpoint"
)

// endpointKeys are this concern's context keys, in cdk.json order.
var endpointKeys = []string{KeyInterfaceEndpoints, KeyEndpointServices, KeyDynamoDbEndpoint, KeyEndpointSources}

// PresetCoiled is the interfaceEndpoints preset of what Coiled's cluster
// VMs call in the account: image pulls (ecr.api, ecr.dkr), logs, and STS.
const PresetCoiled = "coiled"

// Presets maps each interfaceEndpoints preset to the services it stands
// for.
var Presets = map[string][]string{
	PresetCoiled: {"ecr.api", "ecr.dkr", "logs", "sts"},
}

// DefaultEndpointServicePort is the port of an endpoint service given
// without ports.
const DefaultEndpointServicePort = 443

// What each key accepts, as the error messages say it.
const (
	acceptInterfaceEndpoints = "AWS service short names as in com.amazonaws.<region>.<name> (e.g. ecr.api, ecr.dkr, logs, sts, " +
		"secretsmanager, ssm, kms, athena, glue; not s3 or dynamodb, which have free gateway endpoints), " +
		"or the preset coiled (= ecr.api,ecr.dkr,logs,sts), comma-separated or a JSON array"
	acceptEndpointServices = "PrivateLink endpoint service names com.amazonaws.vpce.<region>.vpce-svc-<hex> in the region of the stack, " +
		"each optionally =PORTS (TCP ports from 1 to 65535 joined by +, e.g. =443+1433; default 443), comma-separated; " +
		`or a JSON array of {"serviceName": "...", "ports": [443], "privateDns": false}`
)

var (
	// awsServiceRe is the shape of a short name: lowercase dotted words.
	awsServiceRe = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*$`)
	// fullAwsServiceRe is a full AWS service name, com.amazonaws.<region>.<name>.
	fullAwsServiceRe = regexp.MustCompile(`^com\.amazonaws\.([a-z]{2}(-gov)?-[a-z]+-[0-9])\.(.+)$`)
	// endpointServiceRe is an endpoint service name; group 1 is its region.
	endpointServiceRe = regexp.MustCompile(`^com\.amazonaws\.vpce\.([a-z]{2}(-gov)?-[a-z]+-[0-9])\.vpce-svc-[0-9a-f]{8}([0-9a-f]{9})?$`)
)

// gatewayServices are the services that have a free gateway endpoint, which
// coilednet uses instead of an interface endpoint, and the key that adds it.
var gatewayServices = map[string]string{"s3": KeyS3Endpoint, "dynamodb": KeyDynamoDbEndpoint}

// KnownAwsServices are AWS services with interface endpoints that
// coilednet knows by name. A name outside this list is accepted (AWS adds
// services), with a warning that only the deploy can tell whether it exists.
var KnownAwsServices = []string{
	"athena", "autoscaling", "bedrock", "bedrock-runtime", "cloudformation", "codeartifact.api",
	"codeartifact.repositories", "ec2", "ec2messages", "ecr.api", "ecr.dkr", "ecs", "ecs-agent", "ecs-telemetry",
	"elasticfilesystem", "elasticloadbalancing", "elasticmapreduce", "emr-serverless", "events", "execute-api",
	"glue", "kinesis-firehose", "kinesis-streams", "kms", "lambda", "logs", "monitoring", "rds", "rds-data",
	"redshift", "redshift-data", "sagemaker.api", "sagemaker.runtime", "secretsmanager", "sns", "sqs", "ssm",
	"ssmmessages", "states", "sts", "xray",
}

// InterfaceServices returns the AWS services of InterfaceEndpoints with
// presets expanded, in order, each once.
func (e Endpoints) InterfaceServices() []string {
	var out []string
	for _, name := range e.InterfaceEndpoints {
		expanded, ok := Presets[name]
		if !ok {
			expanded = []string{name}
		}
		for _, s := range expanded {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// HasEndpoints reports whether any interface endpoint is asked for (AWS
// service or endpoint service): then the stack has an endpoint security
// group.
func (e Endpoints) HasEndpoints() bool {
	return len(e.InterfaceEndpoints) > 0 || len(e.EndpointServices) > 0
}

// EndpointRegion returns the region the endpoint services name (that of
// the first one that parses), or "".
func (e Endpoints) EndpointRegion() string {
	for _, s := range e.EndpointServices {
		if m := endpointServiceRe.FindStringSubmatch(s.ServiceName); m != nil {
			return m[1]
		}
	}
	return ""
}

// endpoints reads this concern's keys into e.
func (p *parser) endpoints(e *Endpoints) {
	if items, ok := p.list(KeyInterfaceEndpoints, acceptInterfaceEndpoints); ok {
		e.InterfaceEndpoints = nilIfEmpty(p.strItems(KeyInterfaceEndpoints, items, acceptInterfaceEndpoints))
	}
	if items, ok := p.list(KeyEndpointServices, acceptEndpointServices); ok {
		for i, item := range items {
			if s, ok := p.endpointService(i, item); ok {
				e.EndpointServices = append(e.EndpointServices, s)
			}
		}
	}
	e.DynamoDbEndpoint = p.boolean(KeyDynamoDbEndpoint)
	p.endpointSources(e)
}

// endpointService reads item i of endpointServices: "NAME[=PORTS]" or a
// JSON object.
func (p *parser) endpointService(i int, item any) (EndpointService, bool) {
	const key = KeyEndpointServices
	switch v := item.(type) {
	case string:
		text := strings.TrimSpace(v)
		if text == "" {
			p.fail(key, text, fmt.Sprintf("(item %d) is an empty item", i+1), acceptEndpointServices)
			return EndpointService{}, false
		}
		name, ports, hasPorts := strings.Cut(text, "=")
		s := EndpointService{ServiceName: strings.TrimSpace(name)}
		if !hasPorts {
			return s, true
		}
		ok := true
		s.Ports = []uint16{}
		for _, part := range strings.Split(ports, "+") {
			port, good := p.endpointPort(text, part)
			ok = ok && good
			s.Ports = append(s.Ports, port)
		}
		return s, ok
	case map[string]any:
		return p.endpointServiceObject(i, v)
	default:
		p.fail(key, jsonText(item), fmt.Sprintf("(item %d) is %s, not a string or a JSON object", i+1, typeName(item)), acceptEndpointServices)
		return EndpointService{}, false
	}
}

// endpointServiceObject reads {"serviceName", "ports"?, "privateDns"?}.
func (p *parser) endpointServiceObject(i int, obj map[string]any) (EndpointService, bool) {
	const key = KeyEndpointServices
	text := jsonText(obj)
	ok := true
	fields := make([]string, 0, len(obj))
	for f := range obj {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		switch f {
		case "serviceName", "ports", "privateDns":
		default:
			problem := fmt.Sprintf("(item %d) has the unknown field %q", i+1, f)
			for _, known := range []string{"serviceName", "ports", "privateDns"} {
				if strings.EqualFold(f, known) || editDistance(strings.ToLower(f), strings.ToLower(known), 2) <= 2 {
					problem += fmt.Sprintf("; did you mean %q?", known)
					break
				}
			}
			p.fail(key, text, problem, acceptEndpointServices)
			ok = false
		}
	}
	var s EndpointService
	switch name := obj["serviceName"].(type) {
	case string:
		s.ServiceName = strings.TrimSpace(name)
		if s.ServiceName == "" {
			p.fail(key, text, fmt.Sprintf("(item %d) has an empty serviceName", i+1), acceptEndpointServices)
			ok = false
		}
	case nil:
		p.fail(key, text, fmt.Sprintf("(item %d) has no serviceName", i+1), acceptEndpointServices)
		ok = false
	default:
		p.fail(key, text, fmt.Sprintf("(item %d) has a serviceName that is %s, not a string", i+1, typeName(name)), acceptEndpointServices)
		ok = false
	}
	switch ports := normalize(obj["ports"]).(type) {
	case nil:
	case []any:
		s.Ports = []uint16{}
		for _, item := range ports {
			port, good := p.endpointPort(text, normalize(item))
			ok = ok && good
			s.Ports = append(s.Ports, port)
		}
	case float64, string:
		port, good := p.endpointPort(text, ports)
		ok = ok && good
		s.Ports = []uint16{port}
	default:
		p.fail(key, text, fmt.Sprintf("(item %d) has ports that are %s, not a JSON array of ports", i+1, typeName(ports)), acceptEndpointServices)
		ok = false
	}
	switch dns := obj["privateDns"].(type) {
	case nil:
	case bool:
		s.PrivateDns = dns
	case string:
		switch {
		case strings.EqualFold(strings.TrimSpace(dns), "true"):
			s.PrivateDns = true
		case strings.EqualFold(strings.TrimSpace(dns), "false"):
		default:
			p.fail(key, text, fmt.Sprintf("(item %d) has a privateDns that is not a boolean", i+1), acceptEndpointServices)
			ok = false
		}
	default:
		p.fail(key, text, fmt.Sprintf("(item %d) has a privateDns that is %s, not a boolean", i+1, typeName(dns)), acceptEndpointServices)
		ok = false
	}
	return s, ok
}

// endpointPort reads one port of an endpoint service (item is the whole
// item, for the message): a number or a string of digits from 1 to 65535.
func (p *parser) endpointPort(item string, v any) (uint16, bool) {
	var f float64
	var text string
	switch v := v.(type) {
	case string:
		text = strings.TrimSpace(v)
		if !isDigits(text) {
			if text == "" {
				p.fail(KeyEndpointServices, item, "has an empty port", acceptEndpointServices)
			} else {
				p.fail(KeyEndpointServices, item, fmt.Sprintf("has %q, which is not a TCP port", text), acceptEndpointServices)
			}
			return 0, false
		}
		f = parseDigits(text)
	case float64:
		f, text = v, fmtFloat(v)
	default:
		p.fail(KeyEndpointServices, item, fmt.Sprintf("has a port that is %s, not a number", typeName(v)), acceptEndpointServices)
		return 0, false
	}
	if f < 1 || f > math.MaxUint16 || f != math.Trunc(f) {
		p.fail(KeyEndpointServices, item, fmt.Sprintf("has %s, which is not a TCP port", text), acceptEndpointServices)
		return 0, false
	}
	return uint16(f), true
}

// endpointDefaults fills in this concern's defaults: port 443 for an
// endpoint service without ports, DynamoDbEndpoint false. The copy shares
// no slice or pointer with n.
func (n Network) endpointDefaults() Network {
	n.InterfaceEndpoints = slices.Clone(n.InterfaceEndpoints)
	if n.EndpointServices != nil {
		services := make([]EndpointService, len(n.EndpointServices))
		for i, s := range n.EndpointServices {
			if s.Ports == nil {
				s.Ports = []uint16{DefaultEndpointServicePort}
			} else {
				s.Ports = slices.Clone(s.Ports)
			}
			services[i] = s
		}
		n.EndpointServices = services
	}
	n.DynamoDbEndpoint = boolOr(n.DynamoDbEndpoint, false)
	n.EndpointSources = slices.Clone(n.EndpointSources)
	return n
}

// endpointProblems reports what is wrong with this concern's options.
func (n Network) endpointProblems(add addFunc) {
	n.interfaceEndpointProblems(add)
	n.endpointServiceProblems(add)
	n.endpointSourceProblems(add)
	// The endpoint group's rules: one accounting for every group (quota.go).
}

func (n Network) interfaceEndpointProblems(add addFunc) {
	const key = KeyInterfaceEndpoints
	accept := acceptInterfaceEndpoints
	seen := map[string]string{}  // service -> the preset that brought it, or ""
	words := map[string]string{} // endpointWord -> service
	mark := func(name, from string) {
		switch prev, dup := seen[name]; {
		case !dup && words[endpointWord(name)] != "":
			add(key, name, fmt.Sprintf("names the same endpoint as %s (outputs and resources are named by the letters and digits of the name)",
				words[endpointWord(name)]), accept)
		case !dup:
			seen[name] = from
			words[endpointWord(name)] = name
		case from != "":
			add(key, from, fmt.Sprintf("includes %s, which is already listed", name), accept)
		case prev != "":
			add(key, name, fmt.Sprintf("is listed twice (the preset %s includes it)", prev), accept)
		default:
			add(key, name, "is listed twice", accept)
		}
	}
	for _, name := range n.InterfaceEndpoints {
		if services, ok := Presets[name]; ok {
			if _, dup := seen["preset:"+name]; dup {
				add(key, name, "is listed twice", accept)
				continue
			}
			seen["preset:"+name] = ""
			for _, s := range services {
				mark(s, name)
			}
			continue
		}
		if problem := awsServiceProblem(name); problem != "" {
			add(key, name, problem, accept)
			continue
		}
		mark(name, "")
	}
}

// endpointWord is name's letters and digits, lowercased: two services with
// the same word would give one output key (outputkeys.EndpointName).
func endpointWord(name string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// awsServiceProblem says what is wrong with an interfaceEndpoints item
// that is not a preset, or returns "".
func awsServiceProblem(name string) string {
	lower := strings.ToLower(name)
	if m := endpointServiceRe.FindStringSubmatch(lower); m != nil {
		return "is an endpoint service name: list it in endpointServices"
	}
	if m := fullAwsServiceRe.FindStringSubmatch(lower); m != nil {
		return fmt.Sprintf("is a full service name; did you mean %q?", m[3])
	}
	if key, ok := gatewayServices[lower]; ok {
		return fmt.Sprintf("has a free gateway endpoint, which coilednet uses instead of a paid interface endpoint: set %s=true", key)
	}
	if _, ok := Presets[lower]; ok {
		return fmt.Sprintf("is not a preset; did you mean %q?", lower)
	}
	if !awsServiceRe.MatchString(name) {
		problem := "is not an AWS service short name (lowercase words joined by dots or hyphens)"
		if awsServiceRe.MatchString(lower) {
			problem += fmt.Sprintf("; did you mean %q?", lower)
		}
		return problem
	}
	if slices.Contains(KnownAwsServices, name) {
		return ""
	}
	for preset := range Presets {
		if editDistance(name, preset, 2) <= 2 {
			return fmt.Sprintf("is not a preset; did you mean %q?", preset)
		}
	}
	return ""
}

func (n Network) endpointServiceProblems(add addFunc) {
	const key = KeyEndpointServices
	accept := acceptEndpointServices
	azRegion := ""
	if len(n.AvailabilityZones) > 0 && azNameRe.MatchString(n.AvailabilityZones[0]) {
		azRegion = regionOf(n.AvailabilityZones[0])
	}
	firstRegion, firstName := "", ""
	seen := map[string]bool{}
	for _, s := range n.EndpointServices {
		name := s.ServiceName
		m := endpointServiceRe.FindStringSubmatch(name)
		switch {
		case m == nil:
			problem := "is not an endpoint service name"
			if f := fullAwsServiceRe.FindStringSubmatch(name); f != nil && !strings.HasPrefix(f[3], "vpce-svc-") {
				problem = fmt.Sprintf("is an AWS service: list %q in interfaceEndpoints", f[3])
			} else if strings.ToLower(name) != name && endpointServiceRe.MatchString(strings.ToLower(name)) {
				problem += fmt.Sprintf("; did you mean %q?", strings.ToLower(name))
			}
			add(key, name, problem, accept)
		case seen[name]:
			add(key, name, "is listed twice", accept)
		case azRegion != "" && m[1] != azRegion:
			add(key, name, fmt.Sprintf("is in region %s, but availabilityZones (%s) are in %s: an endpoint service is reached from its own region only",
				m[1], strings.Join(n.AvailabilityZones, ","), azRegion), accept, valid(KeyAvailabilityZones))
		case azRegion == "" && firstRegion != "" && m[1] != firstRegion:
			add(key, name, fmt.Sprintf("is in region %s, but %s is in %s: all endpoint services must be in the stack's region",
				m[1], firstName, firstRegion), accept)
		}
		if m != nil && firstRegion == "" {
			firstRegion, firstName = m[1], name
		}
		seen[name] = true
		if len(s.Ports) == 0 {
			add(key, name, "has an empty list of ports: at least one port is needed", accept)
		}
		seenPort := map[uint16]bool{}
		for _, port := range s.Ports {
			switch {
			case port == 0:
				add(key, name, "has port 0, which is not a TCP port", accept)
			case seenPort[port]:
				add(key, name, fmt.Sprintf("lists port %d twice", port), accept)
			}
			seenPort[port] = true
		}
	}
}

// endpointWarnings returns what the user should know about them.
func (n Network) endpointWarnings() []Warning {
	var w []Warning
	var unknown []string
	for _, s := range n.InterfaceServices() {
		if !slices.Contains(KnownAwsServices, s) {
			unknown = append(unknown, s)
		}
	}
	if len(unknown) > 0 {
		w = append(w, Warning{"unknownInterfaceEndpoint", fmt.Sprintf("interfaceEndpoints: %s not among the AWS services coilednet knows; "+
			"only the deploy can tell whether com.amazonaws.<region>.<name> exists there (check with "+
			"aws ec2 describe-vpc-endpoint-services --service-names com.amazonaws.<region>.<name>)",
			quoteList(unknown, " is", " are"))})
	}
	if region := n.EndpointRegion(); region != "" && len(n.AvailabilityZones) == 0 {
		w = append(w, Warning{"endpointServiceRegion", fmt.Sprintf("endpointServices are in region %s and availabilityZones is not set: "+
			"deploy the stack in %s (an endpoint service is reached from its own region only), or name the zones, "+
			"e.g. -c availabilityZones=%sa, to have the region checked at synth", region, region, region)})
	}
	w = append(w, n.endpointSourceWarnings()...)
	return w
}

// quoteList renders names as "a", "b" and "c" followed by one or many.
func quoteList(names []string, one, many string) string {
	q := make([]string, len(names))
	for i, s := range names {
		q[i] = strconv.Quote(s)
	}
	if len(q) == 1 {
		return q[0] + one
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1] + many
}
