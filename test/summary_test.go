package test

import (
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/coilednet/coilednet/internal/variants"
	"github.com/coilednet/coilednet/summary"
)

var cidrRE = regexp.MustCompile(`\b\d+\.\d+\.\d+\.\d+/\d+\b`)

// TestSummaryMatchesTemplate checks synth's "will build:" lines against
// what each variant's template really builds: the VPC range, every subnet
// CIDR of the reference layout, and the number of NATs.
func TestSummaryMatchesTemplate(t *testing.T) {
	for _, v := range variants.All {
		t.Run(v.Name, func(t *testing.T) {
			s := synth(t, v.Name)
			text := summary.Of(s.stack.Config)
			n := s.stack.Config.Network.WithDefaults()
			lines := strings.Split(text, "\n")
			if n.ExistingVpcId != "" {
				if !strings.Contains(lines[1], "existing VPC "+n.ExistingVpcId) || len(s.resources("AWS::EC2::Subnet")) != 0 {
					t.Errorf("existing VPC: first line %q, %d subnets built", lines[1], len(s.resources("AWS::EC2::Subnet")))
				}
				return
			}
			if !strings.Contains(lines[1], "VPC "+n.VpcCidr.String()) {
				t.Errorf("first line %q does not name the VPC range %s", lines[1], n.VpcCidr)
			}
			var said []string
			for _, l := range lines {
				if strings.Contains(l, "subnets") {
					for _, c := range cidrRE.FindAllString(l, -1) {
						// Extra subnets of other concerns (free quarter) and
						// routes (0.0.0.0/0) are not the reference layout.
						if sub, err := netip.ParsePrefix(c); err == nil && n.VpcCidr.Overlaps(sub) && sub.Bits() > n.VpcCidr.Bits() && !n.FreeRange().Overlaps(sub) {
							said = append(said, c)
						}
					}
				}
			}
			var built []string
			free := n.FreeRange()
			for _, sn := range s.resources("AWS::EC2::Subnet") {
				c, _ := sn.Props["CidrBlock"].(string)
				if sub, err := netip.ParsePrefix(c); err == nil && free.Overlaps(sub) {
					continue // extra subnets of other concerns live in the free quarter
				}
				built = append(built, c)
			}
			sort.Strings(said)
			sort.Strings(built)
			if strings.Join(said, " ") != strings.Join(built, " ") {
				t.Errorf("summary names subnets %v, the template builds %v\n%s", said, built, text)
			}
			nats := len(s.resources("AWS::EC2::NatGateway")) + len(s.resources("AWS::EC2::Instance"))
			if nats > 0 && !strings.Contains(text, "  "+strconv.Itoa(nats)+" NAT ") {
				t.Errorf("template has %d NATs; summary:\n%s", nats, text)
			}
			if nats == 0 && strings.Contains(text, "NAT ") {
				t.Errorf("template has no NAT; summary:\n%s", text)
			}
		})
	}
}
