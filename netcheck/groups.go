package netcheck

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// covers reports whether permission p admits TCP port (all protocols or TCP
// with port in its range).
func covers(p types.IpPermission, port int32) bool {
	switch aws.ToString(p.IpProtocol) {
	case "-1":
		return true
	case "tcp", "6":
		return aws.ToInt32(p.FromPort) <= port && port <= aws.ToInt32(p.ToPort)
	}
	return false
}

// sources lists p's sources.
func sources(p types.IpPermission) []string {
	var s []string
	for _, r := range p.IpRanges {
		s = append(s, aws.ToString(r.CidrIp))
	}
	for _, r := range p.Ipv6Ranges {
		s = append(s, aws.ToString(r.CidrIpv6))
	}
	for _, r := range p.PrefixListIds {
		s = append(s, aws.ToString(r.PrefixListId))
	}
	for _, r := range p.UserIdGroupPairs {
		s = append(s, aws.ToString(r.GroupId))
	}
	return s
}

func (c *checker) group(id string) (*types.SecurityGroup, error) {
	out, err := c.ec2.DescribeSecurityGroups(c.ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil && !isNotFound(err) {
		return nil, &APIError{"DescribeSecurityGroups", err}
	}
	if err != nil || len(out.SecurityGroups) == 0 {
		return nil, nil
	}
	return &out.SecurityGroups[0], nil
}

// checkGroups is check 6.
func (c *checker) checkGroups() error {
	cluster, err := c.group(c.n.ClusterGroupID)
	if err != nil {
		return err
	}
	sched, err := c.group(c.n.SchedulerGroupID)
	if err != nil {
		return err
	}
	for _, g := range []struct {
		id   string
		sg   *types.SecurityGroup
		role string
	}{{c.n.ClusterGroupID, cluster, "cluster"}, {c.n.SchedulerGroupID, sched, "scheduler"}} {
		if g.sg == nil {
			c.add(CheckGroups, Fail, g.id, "check the security group ID and the region", "%s group %s not found in region %s", g.role, g.id, c.n.Region)
		} else if v := aws.ToString(g.sg.VpcId); v != c.n.VpcID {
			c.add(CheckGroups, Fail, g.id, "use a security group of "+c.n.VpcID, "%s group %s is in VPC %s, not in %s", g.role, g.id, v, c.n.VpcID)
		}
	}
	if cluster != nil && aws.ToString(cluster.VpcId) == c.n.VpcID {
		c.checkCluster(cluster)
	}
	if sched != nil && aws.ToString(sched.VpcId) == c.n.VpcID {
		c.checkSchedulerGroup(sched)
	}
	return nil
}

func (c *checker) checkCluster(g *types.SecurityGroup) {
	id := aws.ToString(g.GroupId)
	self, selfTCP := false, false
	for _, p := range g.IpPermissions {
		for _, pair := range p.UserIdGroupPairs {
			if aws.ToString(pair.GroupId) != id {
				continue
			}
			switch proto := aws.ToString(p.IpProtocol); {
			case proto == "-1":
				self = true
			case (proto == "tcp" || proto == "6") && aws.ToInt32(p.FromPort) == 0 && aws.ToInt32(p.ToPort) == 65535:
				selfTCP = true
			}
		}
	}
	fixSelf := fmt.Sprintf("aws ec2 authorize-security-group-ingress --group-id %s --ip-permissions IpProtocol=-1,UserIdGroupPairs=[{GroupId=%s}]", id, id)
	switch {
	case self:
		c.add(CheckGroups, Pass, id, "", "cluster group %s admits all traffic from itself", id)
	case selfTCP:
		c.add(CheckGroups, Warn, id, fixSelf, "cluster group %s admits only TCP from itself, not all traffic", id)
	default:
		c.add(CheckGroups, Fail, id, fixSelf, "cluster group %s does not admit all traffic from itself: the scheduler and workers cannot connect to each other", id)
	}
	out := false
	for _, p := range g.IpPermissionsEgress {
		if !covers(p, 443) {
			continue
		}
		for _, r := range p.IpRanges {
			if aws.ToString(r.CidrIp) == "0.0.0.0/0" {
				out = true
			}
		}
	}
	if out {
		c.add(CheckGroups, Pass, id, "", "cluster group %s allows outbound TCP 443 to 0.0.0.0/0", id)
	} else {
		c.add(CheckGroups, Fail, id, fmt.Sprintf("aws ec2 authorize-security-group-egress --group-id %s --ip-permissions IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=0.0.0.0/0}]", id),
			"cluster group %s does not allow outbound TCP 443 to 0.0.0.0/0: VMs cannot reach Coiled or the registries", id)
	}
}

func (c *checker) checkSchedulerGroup(g *types.SecurityGroup) {
	id := aws.ToString(g.GroupId)
	var found, open []string
	for _, port := range []int32{443, 8786, 8787} {
		for _, p := range g.IpPermissions {
			if !covers(p, port) {
				continue
			}
			for _, r := range p.IpRanges {
				if cidr, err := netip.ParsePrefix(aws.ToString(r.CidrIp)); err == nil {
					c.addClient(cidr.Masked(), port)
				}
			}
			for _, s := range sources(p) {
				found = append(found, fmt.Sprintf("%d from %s", port, s))
				if s == "0.0.0.0/0" || s == "::/0" {
					open = append(open, fmt.Sprintf("%d", port))
				}
			}
		}
	}
	switch {
	case len(found) == 0:
		c.add(CheckGroups, Fail, id, fmt.Sprintf("aws ec2 authorize-security-group-ingress --group-id %s --protocol tcp --port 443 --cidr <your clients' range>", id),
			"scheduler group %s admits no client on 443, 8786 or 8787: no Dask client can connect", id)
	case len(open) > 0:
		c.add(CheckGroups, Warn, id, "restrict the scheduler ports to your clients' ranges (coilednet: -c clientCidrs=…)",
			"scheduler group %s admits the whole internet on %s (the scheduler still requires TLS and a token)", id, strings.Join(dedupe(open), ", "))
	default:
		c.add(CheckGroups, Pass, id, "", "scheduler group %s admits %s", id, strings.Join(limit(found, 4), ", "))
	}
}

func dedupe(xs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func limit(xs []string, n int) []string {
	if len(xs) <= n {
		return xs
	}
	return append(append([]string{}, xs[:n]...), fmt.Sprintf("and %d more", len(xs)-n))
}

// addClient records that the scheduler group admits cidr on port.
func (c *checker) addClient(cidr netip.Prefix, port int32) {
	for i := range c.clients {
		if c.clients[i].cidr == cidr {
			if !slices.Contains(c.clients[i].ports, port) {
				c.clients[i].ports = append(c.clients[i].ports, port)
			}
			return
		}
	}
	c.clients = append(c.clients, client{cidr: cidr, ports: []int32{port}})
}
