package config

import (
	"fmt"
	"net/netip"
)

// ExtraSubnetGroup names a group of small subnets that lie outside CDK's
// even split of the VPC range: Transit Gateway attachment subnets and
// firewall subnets. They are carved from the last quarter of the VPC range,
// which the layout of every topology leaves free (one or two subnet groups
// of ReservedAzs slots each take 6 of 8, or 12 of 16, equal slots), so that
// adding them never moves an existing subnet.
type ExtraSubnetGroup int

const (
	// TransitGatewaySubnets are the Transit Gateway attachment subnets, one
	// per AZ, carved upward from the start of the free quarter.
	TransitGatewaySubnets ExtraSubnetGroup = iota
	// FirewallSubnets are the AWS Network Firewall subnets, one per AZ,
	// carved downward from the end of the free quarter.
	FirewallSubnets
)

// ExtraSubnetPrefix is the prefix length of every extra subnet: a /28, the
// smallest subnet AWS allows (11 usable addresses), as AWS recommends for
// attachment and firewall subnets.
const ExtraSubnetPrefix = 28

// FreeRange returns the last quarter of n's VPC range (after defaults): the
// part no subnet of the reference layout uses.
func (n Network) FreeRange() netip.Prefix {
	n = n.WithDefaults()
	v := n.VpcCidr.Masked()
	size := uint32(1) << (32 - v.Bits()) // addresses in the VPC
	start := addrToU32(v.Addr()) + size/4*3
	return netip.PrefixFrom(u32ToAddr(start), v.Bits()+2)
}

// ExtraSubnetSlots is how many /28s the free quarter of n's range holds.
func (n Network) ExtraSubnetSlots() int {
	return 1 << (ExtraSubnetPrefix - n.FreeRange().Bits())
}

// ExtraSubnetCidr returns the /28 of group g in AZ az (0-based). It does not
// check that the groups in use fit side by side: see ExtraSubnetProblem.
func (n Network) ExtraSubnetCidr(g ExtraSubnetGroup, az int) netip.Prefix {
	free := n.FreeRange()
	base := addrToU32(free.Addr())
	slot := az
	if g == FirewallSubnets {
		slot = n.ExtraSubnetSlots() - 1 - az
	}
	return netip.PrefixFrom(u32ToAddr(base+uint32(slot)*16), ExtraSubnetPrefix)
}

// ExtraSubnetProblem says, for an error of key, why the extra subnets of the
// groups in use do not fit in n's free quarter at n.Azs AZs, or returns "".
func (n Network) ExtraSubnetProblem(groups ...ExtraSubnetGroup) string {
	n = n.WithDefaults()
	need := len(groups) * n.Azs
	if have := n.ExtraSubnetSlots(); need > have {
		return fmt.Sprintf("needs %d /28 subnet(s) (one per AZ for each of %d group(s)), but the free quarter of vpcCidr %s (%s) holds only %d: use a larger vpcCidr or fewer azs",
			need, len(groups), n.VpcCidr, n.FreeRange(), have)
	}
	return ""
}

func addrToU32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func u32ToAddr(x uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)})
}
