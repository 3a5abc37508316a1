package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const (
	svcA = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
	svcB = "com.amazonaws.vpce.us-east-1.vpce-svc-0fedcba9876543210"
	svcW = "com.amazonaws.vpce.us-west-2.vpce-svc-0123456789abcdef0"
)

func TestEndpointsRejects(t *testing.T) {
	tests := []struct {
		name  string
		ctx   map[string]any
		key   string // the only key the errors may name
		value string // the offending value, as the message must quote it
		want  string // another substring the message must hold
	}{
		// interfaceEndpoints
		{"uppercase", map[string]any{"interfaceEndpoints": "ECR.API"}, "interfaceEndpoints", "ECR.API", `did you mean "ecr.api"?`},
		{"blank inside", map[string]any{"interfaceEndpoints": "ecr api"}, "interfaceEndpoints", "ecr api", "is not an AWS service short name"},
		{"trailing dot", map[string]any{"interfaceEndpoints": "ecr."}, "interfaceEndpoints", "ecr.", "is not an AWS service short name"},
		{"underscore", map[string]any{"interfaceEndpoints": "secrets_manager"}, "interfaceEndpoints", "secrets_manager", "lowercase words"},
		{"full name", map[string]any{"interfaceEndpoints": "com.amazonaws.us-east-1.ecr.api"}, "interfaceEndpoints", "com.amazonaws.us-east-1.ecr.api", `did you mean "ecr.api"?`},
		{"endpoint service in the wrong key", map[string]any{"interfaceEndpoints": svcA}, "interfaceEndpoints", svcA, "list it in endpointServices"},
		{"s3 interface", map[string]any{"interfaceEndpoints": "s3"}, "interfaceEndpoints", "s3", "set s3Endpoint=true"},
		{"dynamodb interface", map[string]any{"interfaceEndpoints": "logs,dynamodb"}, "interfaceEndpoints", "dynamodb", "set dynamoDbEndpoint=true"},
		{"duplicate", map[string]any{"interfaceEndpoints": "logs,sts,logs"}, "interfaceEndpoints", "logs", "is listed twice"},
		{"duplicate from the preset", map[string]any{"interfaceEndpoints": "coiled,logs"}, "interfaceEndpoints", "logs", "the preset coiled includes it"},
		{"preset after its service", map[string]any{"interfaceEndpoints": "ecr.dkr,coiled"}, "interfaceEndpoints", "coiled", "includes ecr.dkr, which is already listed"},
		{"same endpoint name", map[string]any{"interfaceEndpoints": "ecr.api,ecr-api"}, "interfaceEndpoints", "ecr-api", "names the same endpoint as ecr.api"},
		{"preset twice", map[string]any{"interfaceEndpoints": "coiled,coiled"}, "interfaceEndpoints", "coiled", "is listed twice"},
		{"unknown preset", map[string]any{"interfaceEndpoints": "coild"}, "interfaceEndpoints", "coild", `is not a preset; did you mean "coiled"?`},
		{"preset wrong case", map[string]any{"interfaceEndpoints": "Coiled"}, "interfaceEndpoints", "Coiled", `did you mean "coiled"?`},
		{"empty item", map[string]any{"interfaceEndpoints": "logs,,sts"}, "interfaceEndpoints", "", "(item 2) is an empty item"},
		{"number item", map[string]any{"interfaceEndpoints": []any{"logs", 5.0}}, "interfaceEndpoints", "5", "not a string"},
		{"not a list", map[string]any{"interfaceEndpoints": true}, "interfaceEndpoints", "true", "is a JSON boolean"},
		{"bad JSON", map[string]any{"interfaceEndpoints": `["logs"`}, "interfaceEndpoints", `["logs"`, "is not a valid JSON array"},

		// endpointServices, string form
		{"not a service name", map[string]any{"endpointServices": "snowflake"}, "endpointServices", "snowflake", "is not an endpoint service name"},
		{"short hex", map[string]any{"endpointServices": "com.amazonaws.vpce.us-east-1.vpce-svc-0123"}, "endpointServices", "com.amazonaws.vpce.us-east-1.vpce-svc-0123", "is not an endpoint service name"},
		{"uppercase hex", map[string]any{"endpointServices": strings.ToUpper(svcA)}, "endpointServices", strings.ToUpper(svcA), `did you mean "` + svcA + `"?`},
		{"AWS service", map[string]any{"endpointServices": "com.amazonaws.us-east-1.logs"}, "endpointServices", "com.amazonaws.us-east-1.logs", `list "logs" in interfaceEndpoints`},
		{"duplicate service", map[string]any{"endpointServices": svcA + "," + svcB + "," + svcA + "=8443"}, "endpointServices", svcA, "is listed twice"},
		{"port 0", map[string]any{"endpointServices": svcA + "=0"}, "endpointServices", svcA + "=0", "0, which is not a TCP port"},
		{"port 65536", map[string]any{"endpointServices": svcA + "=443+65536"}, "endpointServices", svcA + "=443+65536", "65536, which is not a TCP port"},
		{"port not a number", map[string]any{"endpointServices": svcA + "=https"}, "endpointServices", svcA + "=https", `"https", which is not a TCP port`},
		{"empty ports", map[string]any{"endpointServices": svcA + "="}, "endpointServices", svcA + "=", "has an empty port"},
		{"port listed twice", map[string]any{"endpointServices": svcA + "=443+443"}, "endpointServices", svcA, "lists port 443 twice"},
		{"empty item", map[string]any{"endpointServices": svcA + ","}, "endpointServices", "", "(item 2) is an empty item"},
		{"regions differ", map[string]any{"endpointServices": svcA + "," + svcW}, "endpointServices", svcW, "is in region us-west-2, but " + svcA + " is in us-east-1"},
		{"region differs from the AZs", map[string]any{"endpointServices": svcW, "availabilityZones": "us-east-1a,us-east-1b"},
			"endpointServices", svcW, "is in region us-west-2, but availabilityZones (us-east-1a,us-east-1b) are in us-east-1"},

		{"too many ports", map[string]any{"endpointServices": svcA + "=" + portRange(1000, 61)}, "endpointServices", "61 IPv4 and 61 IPv6 rules", "61 ports × [1 security group (1 IPv4 + 1 IPv6 rule each)] = 61 IPv4 and 61 IPv6 inbound rules, more than the 60"},

		// endpointServices, JSON form
		{"object without name", map[string]any{"endpointServices": []any{map[string]any{"ports": []any{443.0}}}}, "endpointServices", `{"ports":[443]}`, "has no serviceName"},
		{"object name not a string", map[string]any{"endpointServices": `[{"serviceName": 5}]`}, "endpointServices", `{"serviceName":5}`, "is a JSON number, not a string"},
		{"object empty name", map[string]any{"endpointServices": `[{"serviceName": " "}]`}, "endpointServices", `{"serviceName":" "}`, "has an empty serviceName"},
		{"object unknown field", map[string]any{"endpointServices": `[{"serviceName": "` + svcA + `", "port": 443}]`}, "endpointServices", `"port":443`, `unknown field "port"; did you mean "ports"?`},
		{"object privateDNS case", map[string]any{"endpointServices": `[{"serviceName": "` + svcA + `", "privateDNS": true}]`}, "endpointServices", `"privateDNS":true`, `did you mean "privateDns"?`},
		{"object bad port", map[string]any{"endpointServices": `[{"serviceName": "` + svcA + `", "ports": [443, 70000]}]`}, "endpointServices", svcA, "70000, which is not a TCP port"},
		{"object fractional port", map[string]any{"endpointServices": `[{"serviceName": "` + svcA + `", "ports": [443.5]}]`}, "endpointServices", svcA, "443.5, which is not a TCP port"},
		{"object port bool", map[string]any{"endpointServices": `[{"serviceName": "` + svcA + `", "ports": [true]}]`}, "endpointServices", svcA, "is a JSON boolean, not a number"},
		{"object ports object", map[string]any{"endpointServices": `[{"serviceName": "` + svcA + `", "ports": {}}]`}, "endpointServices", svcA, "not a JSON array of ports"},
		{"object no ports", map[string]any{"endpointServices": `[{"serviceName": "` + svcA + `", "ports": []}]`}, "endpointServices", svcA, "has an empty list of ports"},
		{"object privateDns not bool", map[string]any{"endpointServices": `[{"serviceName": "` + svcA + `", "privateDns": "yes"}]`}, "endpointServices", svcA, "privateDns that is not a boolean"},
		{"object privateDns number", map[string]any{"endpointServices": `[{"serviceName": "` + svcA + `", "privateDns": 1}]`}, "endpointServices", svcA, "privateDns that is a JSON number"},
		{"item neither", map[string]any{"endpointServices": []any{true}}, "endpointServices", "true", "is a JSON boolean, not a string or a JSON object"},
		{"not a list", map[string]any{"endpointServices": 443.0}, "endpointServices", "443", "is a JSON number"},

		// dynamoDbEndpoint
		{"dynamodb not a boolean", map[string]any{"dynamoDbEndpoint": "yes"}, "dynamoDbEndpoint", "yes", "accepted are true, false"},
		{"dynamodb number", map[string]any{"dynamoDbEndpoint": 1.0}, "dynamoDbEndpoint", "1", "is a JSON number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app, err := FromContext(tc.ctx)
			if err == nil {
				t.Fatalf("accepted: %+v", app.Network.Endpoints)
			}
			for _, e := range leaves(err) {
				var ce *Error
				if !errors.As(e, &ce) {
					t.Errorf("error %q is a %T, want *Error", e, e)
					continue
				}
				if ce.Key != tc.key {
					t.Errorf("error names key %q, want only %q: %v", ce.Key, tc.key, e)
				}
				if ce.Accepted == "" {
					t.Errorf("error %q does not say what is accepted", e)
				}
			}
			// Some error holds the value (for a JSON object item, the
			// object as JSON) and says the problem.
			found := false
			for _, e := range leaves(err) {
				var ce *Error
				if errors.As(e, &ce) && strings.Contains(ce.Value, tc.value) && strings.Contains(e.Error(), tc.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("no error about value %q says %q:\n%v", tc.value, tc.want, err)
			}
		})
	}
}

func TestEndpointsAccepts(t *testing.T) {
	tests := []struct {
		name string
		ctx  map[string]any
		want Endpoints
	}{
		{"defaults", map[string]any{}, Endpoints{DynamoDbEndpoint: Bool(false)}},
		{"empty strings", map[string]any{"interfaceEndpoints": "", "endpointServices": " "}, Endpoints{DynamoDbEndpoint: Bool(false)}},
		{"preset and more", map[string]any{"interfaceEndpoints": " coiled , secretsmanager", "dynamoDbEndpoint": "TRUE"},
			Endpoints{InterfaceEndpoints: []string{"coiled", "secretsmanager"}, DynamoDbEndpoint: Bool(true)}},
		{"JSON array of names", map[string]any{"interfaceEndpoints": `["ecr.api", "kms"]`, "dynamoDbEndpoint": true},
			Endpoints{InterfaceEndpoints: []string{"ecr.api", "kms"}, DynamoDbEndpoint: Bool(true)}},
		{"services with and without ports", map[string]any{"endpointServices": svcA + ", " + svcB + "=443+1433"},
			Endpoints{EndpointServices: []EndpointService{{ServiceName: svcA, Ports: []uint16{443}}, {ServiceName: svcB, Ports: []uint16{443, 1433}}},
				DynamoDbEndpoint: Bool(false)}},
		{"JSON objects", map[string]any{"endpointServices": `[{"serviceName": "` + svcA + `", "ports": [443, "8443"], "privateDns": true}, {"serviceName": "` + svcB + `", "ports": 5432}]`},
			Endpoints{EndpointServices: []EndpointService{{ServiceName: svcA, Ports: []uint16{443, 8443}, PrivateDns: true}, {ServiceName: svcB, Ports: []uint16{5432}}},
				DynamoDbEndpoint: Bool(false)}},
		{"cdk.json objects", map[string]any{"endpointServices": []any{map[string]any{"serviceName": svcA, "privateDns": "false"}, svcB + "=1433"}},
			Endpoints{EndpointServices: []EndpointService{{ServiceName: svcA, Ports: []uint16{443}}, {ServiceName: svcB, Ports: []uint16{1433}}},
				DynamoDbEndpoint: Bool(false)}},
		{"service in the AZs' region", map[string]any{"endpointServices": svcW, "availabilityZones": "us-west-2a,us-west-2b"},
			Endpoints{EndpointServices: []EndpointService{{ServiceName: svcW, Ports: []uint16{443}}}, DynamoDbEndpoint: Bool(false)}},
		{"unknown but well-formed service", map[string]any{"interfaceEndpoints": "ecr.api,aps-workspaces"},
			Endpoints{InterfaceEndpoints: []string{"ecr.api", "aps-workspaces"}, DynamoDbEndpoint: Bool(false)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app, err := FromContext(tc.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(app.Network.Endpoints, tc.want) {
				t.Errorf("got %+v, want %+v", app.Network.Endpoints, tc.want)
			}
		})
	}
}

func TestInterfaceServices(t *testing.T) {
	e := Endpoints{InterfaceEndpoints: []string{"secretsmanager", "coiled", "kms"}}
	if got, want := e.InterfaceServices(), []string{"secretsmanager", "ecr.api", "ecr.dkr", "logs", "sts", "kms"}; !slices.Equal(got, want) {
		t.Errorf("InterfaceServices() = %v, want %v", got, want)
	}
	if got := (Endpoints{}).InterfaceServices(); got != nil {
		t.Errorf("no endpoints gave %v", got)
	}
	if (Endpoints{}).HasEndpoints() || !e.HasEndpoints() || !(Endpoints{EndpointServices: []EndpointService{{ServiceName: svcA}}}).HasEndpoints() {
		t.Error("HasEndpoints is wrong")
	}
}

func TestEndpointsValidateInGo(t *testing.T) {
	// A Go caller gets the same checks, and port 0 (which no context parses
	// to) and an empty port list are caught too.
	n := Network{Endpoints: Endpoints{
		InterfaceEndpoints: []string{"coiled", "sts"},
		EndpointServices:   []EndpointService{{ServiceName: svcA, Ports: []uint16{0}}, {ServiceName: svcB, Ports: []uint16{}}},
	}}
	err := n.Validate()
	for _, want := range []string{
		`Network.InterfaceEndpoints (context key "interfaceEndpoints"): "sts" is listed twice (the preset coiled includes it)`,
		`Network.EndpointServices (context key "endpointServices"): "` + svcA + `" has port 0`,
		`Network.EndpointServices (context key "endpointServices"): "` + svcB + `" has an empty list of ports`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want %q", err, want)
		}
	}
	// 60 distinct ports fit one security group (443 of the AWS service
	// counts once).
	ports := []uint16{443}
	for i := range 59 {
		ports = append(ports, uint16(2000+i))
	}
	fits := Network{Endpoints: Endpoints{InterfaceEndpoints: []string{"logs"}, EndpointServices: []EndpointService{{ServiceName: svcA, Ports: ports}}}}
	if err := fits.Validate(); err != nil {
		t.Errorf("60 ports rejected: %v", err)
	}
	fits.EndpointServices[0].Ports = append(fits.EndpointServices[0].Ports, 3000)
	if err := fits.Validate(); err == nil || !strings.Contains(err.Error(), `"61 IPv4 and 61 IPv6 rules"`) {
		t.Errorf("61 ports: %v", err)
	}
	// Defaults: port 443, DynamoDB off, and nothing aliased.
	in := Network{Endpoints: Endpoints{InterfaceEndpoints: []string{"logs"}, EndpointServices: []EndpointService{{ServiceName: svcA}, {ServiceName: svcB, Ports: []uint16{1433}}}}}
	out := in.WithDefaults()
	if !slices.Equal(out.EndpointServices[0].Ports, []uint16{443}) || *out.DynamoDbEndpoint {
		t.Errorf("defaults: %+v", out.Endpoints)
	}
	out.InterfaceEndpoints[0] = "sts"
	out.EndpointServices[1].Ports[0] = 1
	out.EndpointServices[0].ServiceName = "x"
	if in.InterfaceEndpoints[0] != "logs" || in.EndpointServices[1].Ports[0] != 1433 || in.EndpointServices[0].ServiceName != svcA || in.EndpointServices[0].Ports != nil {
		t.Errorf("WithDefaults aliases the caller's endpoints: %+v", in.Endpoints)
	}
	if err := in.Validate(); err != nil {
		t.Errorf("valid endpoints rejected: %v", err)
	}
}

func TestEndpointsNoFollowUps(t *testing.T) {
	// An invalid availabilityZones does not also make the service's region
	// wrong.
	_, err := FromContext(map[string]any{"endpointServices": svcW, "availabilityZones": "us-east-1a,eu-west-1b", "azs": "2"})
	for _, e := range leaves(err) {
		var ce *Error
		if errors.As(e, &ce) && ce.Key == KeyEndpointServices {
			t.Errorf("follow-up error on endpointServices: %v", e)
		}
	}
	if err == nil {
		t.Error("mixed-region availabilityZones accepted")
	}
}

func TestEndpointsWarnings(t *testing.T) {
	find := func(n Network, id string) string {
		for _, w := range n.Warnings() {
			if w.ID == id {
				return w.Message
			}
		}
		return ""
	}
	if w := find(Network{Endpoints: Endpoints{InterfaceEndpoints: []string{"coiled", "aps-workspaces", "bedrock-agent"}}}, "unknownInterfaceEndpoint"); !strings.Contains(w, `"aps-workspaces" and "bedrock-agent" are not among`) {
		t.Errorf("unknown-service warning = %q", w)
	}
	if w := find(Network{Endpoints: Endpoints{InterfaceEndpoints: []string{"coiled", "kms"}}}, "unknownInterfaceEndpoint"); w != "" {
		t.Errorf("warning for known services: %q", w)
	}
	svc := Endpoints{EndpointServices: []EndpointService{{ServiceName: svcW}}}
	if w := find(Network{Endpoints: svc}, "endpointServiceRegion"); !strings.Contains(w, "deploy the stack in us-west-2") {
		t.Errorf("region warning = %q", w)
	}
	if w := find(Network{Endpoints: svc, AvailabilityZones: []string{"us-west-2a"}}, "endpointServiceRegion"); w != "" {
		t.Errorf("region warning with availabilityZones: %q", w)
	}
}

// portRange returns n ports from first, joined by +.
func portRange(first, n int) string {
	var p []string
	for i := range n {
		p = append(p, fmt.Sprint(first+i))
	}
	return strings.Join(p, "+")
}
