package config

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzFromContext feeds FromContext strings as `cdk -c key=value` gives
// them, plus a JSON object merged over them as cdk.json gives typed values.
// Whatever the input, FromContext must not panic, and it must return
// either a well-formed error or an App that passes Validate.
func FuzzFromContext(f *testing.F) {
	f.Add("public", "10.0.0.0/16", "0.0.0.0/0", "443,8786,8787", "1", "", "0", "0", "{}")
	f.Add("private", "10.1.0.0/20", "203.0.113.0/24, 2001:db8::/32", "[443, \"8786\"]", "3", "us-east-2a,us-east-2b,us-east-2c", "us-east-2b", "1", `{"natProvider":"instance"}`)
	f.Add("private", "172.16.0.0/24", "", "443", "2", `["eu-west-1a","eu-west-1b"]`, "1", "2", `{"clientPrefixListIds":"pl-12345678","flowLogs":"s3"}`)
	f.Add("hybrid", "10.0.0.1/8", "nope", "0,65536,abc,443,443", "-1", "us-east-2a,eu-west-1a", "9", "x", `{"topolgy":1,"s3Endpoint":"yes"}`)
	f.Add("Private", "fd00::/48", "::ffff:1.2.3.0/120", "", "7", "us-east-2a,us-east-2a", "-1", "1.5", `{"azs":1e300,"zone":-0.5,"schedulerPorts":[true,null,{}]}`)
	f.Add("", "", ",", "[", "", ",", "", "", `{"stackName":null,"Zone":"1","@aws-cdk/x:y":true}`)
	f.Add("public", "0.0.0.0/0", "10.0.0.1", "[1e3]", "01", "us-east-1a,us-east-1b,us-east-1c,us-east-1d,us-east-1e,us-east-1f,us-east-1g", "06", "00", `{"schedulerPorts":[443.5, -1, 65535]}`)
	f.Add("private", "10.0.0.0/16", "0.0.0.0/0", "443", "2", "us-east-1a,us-east-1b", "0", "0",
		`{"interfaceEndpoints":"coiled,logs,S3","endpointServices":[{"serviceName":"com.amazonaws.vpce.us-west-2.vpce-svc-0123456789abcdef0","ports":[0,"443",1e9]},"com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0=443+1433",{"Ports":1}],"dynamoDbEndpoint":"yes"}`)
	f.Add("private", "10.0.0.0/16", "0.0.0.0/0", "443", "1", "", "0", "0",
		`{"coiledAccess":"role","coiledWorkspace":"acme","coiledPrincipal":"arn:aws:iam::077742499581:root","coiledExternalId":"x-1","dataBuckets":"a-data,b.data"}`)
	f.Add("public", "10.0.0.0/16", "0.0.0.0/0", "443", "1", "", "0", "0",
		`{"coiledAccess":"User","coiledWorkspace":"Acme","coiledPrincipal":"*","coiledExternalId":"a","dataBuckets":["My_Data","192.168.0.1",""]}`)
	f.Add("private", "10.0.0.0/24", "0.0.0.0/0", "443", "2", "us-east-1a,us-east-1b", "0", "0", `{"egressFirewall":"network-firewall","egressAllowedDomains":"coiled,dockerhub,.Example.com,*.x.org,https://a.b/c,coiled","firewallLogs":"s3"}`)
	f.Add("public", "10.0.0.0/16", "0.0.0.0/0", "443", "1", "", "0", "0",
		`{"coiledAccess":"user","coiledWorkspace":"acme","ecrRepositories":"coiled/*,Team//x,*,arn:aws:ecr:x","ebsKmsKeyArns":["arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab","alias/aws/ebs","k"],"coiledInstancePolicy":"Existing"}`)
	f.Add("public", "10.0.0.0/16", "0.0.0.0/0", "443", "3", "", "0", "0", `{"egressFirewall":"Network-Firewall","egressAllowedDomains":["Coiled","a..b",".-x.com",""],"firewallLogs":"S3"}`)
	f.Add("internal", "10.0.0.0/24", "auto", "443", "2", "", "1", "0", `{"egress":"transitGateway","transitGatewayId":"tgw-0123456789abcdef0","transitGatewayRoutes":"10.100.0.0/16,10.0.0.128/25","peerVpcs":"vpc-0123456789abcdef0=10.1.0.0/16,vpc-x=1"}`)
	f.Add("private", "10.0.0.0/16", "AUTO", "443", "1", "", "0", "0", `{"peerVpcs":[{"vpcId":"vpc-0123456789abcdef0","cidr":"10.1.0.0/16","ownerId":"123456789012","roleArn":"arn:aws:iam::123456789012:role/r"},{"cidr":5},"x"],"egress":"Nat"}`)
	f.Add("public", "10.0.0.0/16", "auto", "443", "1", "", "0", "0", `{"existingVpcId":"vpc-0123456789abcdef0","existingVpcCidr":"10.9.0.0/16","schedulerSubnetId":"subnet-01234567","workerSubnetId":"","workerPublicIp":"false","flowLogs":"s3"}`)
	f.Fuzz(func(t *testing.T, topology, vpcCidr, clientCidrs, ports, azs, azNames, zone, natGateways, raw string) {
		ctx := map[string]any{
			KeyTopology:          topology,
			KeyVpcCidr:           vpcCidr,
			KeyClientCidrs:       clientCidrs,
			KeySchedulerPorts:    ports,
			KeyAzs:               azs,
			KeyAvailabilityZones: azNames,
			KeyZone:              zone,
			KeyNatGateways:       natGateways,
		}
		var extra map[string]any
		if json.Unmarshal([]byte(raw), &extra) == nil {
			for k, v := range extra {
				ctx[k] = v
			}
		}
		app, err := FromContext(ctx)
		if err != nil {
			if !reflect.DeepEqual(app, App{}) {
				t.Errorf("FromContext returned %+v with an error", app)
			}
			for _, e := range leaves(err) {
				var ce *Error
				var uk *UnknownKeyError
				switch {
				case errors.As(e, &ce):
					if !strings.HasPrefix(e.Error(), `context key "`+ce.Key+`": `) || keyIndex(ce.Key) == len(Keys) {
						t.Errorf("malformed error %q", e)
					}
					if ce.Accepted == "" {
						t.Errorf("error %q does not say what is accepted", e)
					}
				case errors.As(e, &uk):
				default:
					t.Errorf("error %q is a %T", e, e)
				}
			}
			if _, again := FromContext(ctx); again == nil || again.Error() != err.Error() {
				t.Errorf("second run gave a different error:\n%v\n---\n%v", err, again)
			}
			return
		}
		if err := app.Validate(); err != nil {
			t.Fatalf("FromContext(%v) = %+v, which fails Validate: %v", ctx, app, err)
		}
		if d := app.WithDefaults(); !reflect.DeepEqual(d, app) {
			t.Errorf("FromContext result is not fully defaulted: %+v vs %+v", app, d)
		}
		n := app.Network
		if i := n.ZoneIndex(); i < 0 || i >= n.Azs {
			t.Errorf("ZoneIndex() = %d with azs=%d", i, n.Azs)
		}
		if n.Azs < 1 || n.Azs > ReservedAzs || (n.Azs > MaxAzsWithoutNames && len(n.AvailabilityZones) == 0) {
			t.Errorf("accepted azs=%d with names %v", n.Azs, n.AvailabilityZones)
		}
		if len(n.SchedulerPorts) == 0 || (len(n.ClientCidrs) == 0 && len(n.ClientPrefixListIds) == 0) {
			t.Errorf("accepted a network nobody can reach: %+v", n)
		}
		if n.VpcCidr.Bits() < MinVpcPrefix || n.VpcCidr.Bits() > MaxVpcPrefix || !n.VpcCidr.Addr().Is4() {
			t.Errorf("accepted vpcCidr %v", n.VpcCidr)
		}
		if a := app.Access; (a.Workspace != "") != a.Enabled() || (a.CoiledAccess == AccessRole) != (a.Principal != "" && a.ExternalID != "") ||
			(!a.Enabled() && (len(a.DataBuckets) > 0 || len(a.EcrRepositories) > 0 || len(a.EbsKmsKeyArns) > 0 || a.CoiledInstancePolicy != InstancePolicyCreate)) {
			t.Errorf("accepted an inconsistent access: %+v", a)
		}
		for _, k := range app.Access.EbsKmsKeyArns {
			if kmsKeyArnProblem(k) != "" {
				t.Errorf("accepted ebsKmsKeyArns item %q", k)
			}
		}
		_ = n.Warnings()
	})
}
