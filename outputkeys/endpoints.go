package outputkeys

import "strings"

// EndpointID is the output holding the ID (vpce-…) of the interface
// endpoint of service, an AWS service short name (ecr.api →
// EndpointEcrApiId) or an endpoint service name
// (com.amazonaws.vpce.us-east-1.vpce-svc-0123… → EndpointVpceSvc0123…Id).
func EndpointID(service string) string { return EndpointPrefix + EndpointName(service) + "Id" }

// EndpointDNSEntries is the output holding the DNS entries of the
// interface endpoint of service, "<hosted zone id>:<dns name>" comma-joined,
// the regional name first. Only endpoints without private DNS have it.
func EndpointDNSEntries(service string) string {
	return EndpointPrefix + EndpointName(service) + "DnsEntries"
}

// EndpointName turns a service name into the alphanumeric word that names
// its endpoint in construct IDs and output keys: the words of an AWS
// service short name, or of an endpoint service's last label, capitalized
// and joined (ecr.api → EcrApi, vpce-svc-0abc… → VpceSvc0abc…).
func EndpointName(service string) string {
	if i := strings.LastIndexByte(service, '.'); i >= 0 && strings.HasPrefix(service[i+1:], "vpce-svc-") {
		service = service[i+1:]
	}
	var b strings.Builder
	upper := true
	for _, c := range []byte(service) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			if upper && c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteByte(c)
			upper = false
		default:
			upper = true
		}
	}
	return b.String()
}
