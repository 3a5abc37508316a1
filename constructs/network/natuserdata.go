package network

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"
)

// NAT instances that surely forward (issue 18, aws/aws-cdk#36717): CDK's
// default user data installs iptables-services once, with no retry, and
// goes on whatever happens, so one intermittent package failure leaves a
// running instance that forwards nothing, which nothing reports. This user
// data retries the install, then proves what makes an instance forward
// (IPv4 forwarding on, the MASQUERADE rule on the default route's
// interface, an empty FORWARD chain that accepts, the rules saved for the
// next boot). When it cannot, it says why on the serial console and in the
// journal and powers the instance off: a stopped NAT instance shows in the
// EC2 console and fails `coiled-hook --check`, where a running one that
// forwards nothing would pass. It installs itself as a per-boot script, so
// starting the instance again runs it again.

// natSetupPath is where the script lives on the instance: cloud-init runs
// the scripts of this folder at every boot.
const natSetupPath = "/var/lib/cloud/scripts/per-boot/coilednet-nat.sh"

// natSetupScript configures and proves NAT. It tries the install 8 times,
// 15 s × the attempt number apart (9 minutes in all). The COILEDNET_NAT_*
// variables exist for its test only.
const natSetupScript = `#!/bin/bash
# coilednet: make this instance a NAT and prove that it forwards (aws/aws-cdk#36717).
set -u
conf=${COILEDNET_NAT_SYSCTL:-/etc/sysctl.d/custom-ip-forwarding.conf}
saved=${COILEDNET_NAT_SAVED:-/etc/sysconfig/iptables}
console=${COILEDNET_NAT_CONSOLE:-/dev/console}
say() { echo "coilednet-nat: $*"; echo "coilednet-nat: $*" >"$console" 2>/dev/null; logger -t coilednet-nat -- "$*" 2>/dev/null; return 0; }
giveup() {
  say "FAILED: $*. This instance cannot forward the workers' traffic, so it powers off: a stopped NAT instance shows in the EC2 console and fails coiled-hook --check. Start it again to retry."
  systemctl poweroff
  exit 1
}
installed=0
for attempt in 1 2 3 4 5 6 7 8; do
  if rpm -q iptables-services >/dev/null 2>&1 || dnf install -y iptables-services; then installed=1; break; fi
  say "installing iptables-services failed (attempt $attempt of 8), retrying in $((attempt * 15)) s"
  sleep $((attempt * 15))
done
[ "$installed" = 1 ] || giveup "iptables-services could not be installed in 8 attempts"
systemctl enable --now iptables || giveup "the iptables service does not start"
echo "net.ipv4.ip_forward=1" > "$conf"
sysctl -q -p "$conf"
dev=$(ip route show default | awk '{print $5; exit}')
[ -n "$dev" ] || giveup "there is no default route"
iptables -t nat -C POSTROUTING -o "$dev" -j MASQUERADE 2>/dev/null || iptables -t nat -A POSTROUTING -o "$dev" -j MASQUERADE
iptables -F FORWARD
iptables -P FORWARD ACCEPT
service iptables save || giveup "the NAT rules cannot be saved"
# The proof: everything the kernel needs to forward and translate.
[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || giveup "IPv4 forwarding is off"
iptables -t nat -C POSTROUTING -o "$dev" -j MASQUERADE || giveup "the MASQUERADE rule on $dev is missing"
[ "$(iptables -S FORWARD)" = "-P FORWARD ACCEPT" ] || giveup "the FORWARD chain does not accept everything: $(iptables -S FORWARD | tr '\n' ' ')"
grep -q -- "-A POSTROUTING -o $dev -j MASQUERADE" "$saved" || giveup "the saved rules lack the MASQUERADE rule (a reboot would lose it)"
say "ready: IPv4 forwarding on, MASQUERADE on $dev, FORWARD accepts, rules saved"
`

// natUserData installs natSetupScript as a per-boot script and runs it.
func natUserData() awsec2.UserData {
	ud := awsec2.UserData_ForLinux(nil)
	ud.AddCommands(
		jsii.String("install -d -m 755 "+natSetupPath[:strings.LastIndexByte(natSetupPath, '/')]),
		jsii.String("cat > "+natSetupPath+" <<'COILEDNET_NAT'\n"+natSetupScript+"COILEDNET_NAT"),
		jsii.String("chmod 755 "+natSetupPath),
		jsii.String("exec "+natSetupPath),
	)
	return ud
}
