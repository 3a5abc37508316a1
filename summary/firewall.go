package summary

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/coilednet/coilednet/config"
)

// firewallLines describes the egress firewall (issue 13), one line each; none when unused.
func firewallLines(n config.Network) []string {
	n = n.WithDefaults()
	if !n.FirewallOn() {
		return nil
	}
	subnets := make([]string, n.Azs)
	for i := range subnets {
		subnets[i] = n.ExtraSubnetCidr(config.FirewallSubnets, i).String()
	}
	var presets, own []string
	for _, d := range n.EgressAllowedDomains {
		if _, ok := config.DomainPresets[d]; ok {
			presets = append(presets, d)
		} else {
			own = append(own, strings.ToLower(d))
		}
	}
	allow := fmt.Sprintf("%d domains", len(n.AllowedDomains()))
	var parts []string
	if len(presets) > 0 {
		parts = append(parts, "presets "+strings.Join(presets, ", "))
	}
	if len(own) > 0 {
		parts = append(parts, strings.Join(own, ", "))
	}
	if len(parts) > 0 {
		allow += " (" + strings.Join(parts, "; ") + ")"
	}
	ports := make([]string, len(n.SchedulerPorts))
	for i, p := range n.SchedulerPorts {
		ports[i] = strconv.Itoa(int(p))
	}
	logs := fmt.Sprintf("alert and flow logs to CloudWatch Logs, kept %d days", config.FlowLogsRetentionDays)
	if n.FirewallLogs == config.FirewallLogsS3 {
		logs = fmt.Sprintf("alert and flow logs to an encrypted S3 bucket, kept %d days", config.FlowLogsRetentionDays)
	}
	return []string{
		fmt.Sprintf("egress firewall: AWS Network Firewall in %d AZ(s), firewall subnets %s; the NAT subnets' 0.0.0.0/0 goes through "+
			"their AZ's endpoint, and the internet gateway sends replies back through it", n.Azs, strings.Join(subnets, ", ")),
		fmt.Sprintf("egress allowlist (TLS SNI, HTTP Host): %s; everything else, UDP and ICMP included, is dropped and logged", allow),
		fmt.Sprintf("the scheduler shares the NAT subnets, so its traffic is inspected too: clients reach TCP %s through the firewall, "+
			"and it reaches only the allowed domains", strings.Join(ports, ", ")),
		"firewall logs: " + logs,
	}
}
