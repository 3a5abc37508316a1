package netcheck_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/coilednet/coilednet/netcheck"
	"github.com/coilednet/coilednet/netcheck/netchecktest"
)

// internalRegional is a healthy internal network with a regional NAT
// gateway: scheduler and workers in one private subnet of us-east-1b, no
// public subnet; a standby subnet in us-east-1c.
func internalRegional() (*netchecktest.Fake, netcheck.Network) {
	f := netchecktest.New(region, vpc).RegionalSubnet(priv, "us-east-1b").RegionalSubnet("subnet-0standby", "us-east-1c").Groups(schedSG, clustSG)
	return f, netcheck.Network{Region: region, VpcID: vpc, SchedulerSubnetID: priv, WorkerSubnetID: priv,
		SchedulerGroupID: schedSG, ClusterGroupID: clustSG}
}

func egressResult(t *testing.T, rep *netcheck.Report) netcheck.Result {
	t.Helper()
	for _, r := range rep.Results {
		if r.Check == netcheck.CheckEgress {
			return r
		}
	}
	t.Fatalf("no %s result:\n%s", netcheck.CheckEgress, dump(rep))
	return netcheck.Result{}
}

func TestRegionalNatGateway(t *testing.T) {
	nat := netchecktest.RegionalNAT(vpc)
	for _, tc := range []struct {
		name   string
		edit   func(f *netchecktest.Fake)
		status netcheck.Status
		msg    string // in the worker-egress message
		fix    string // in its fix
	}{
		{"active in the workers' AZ", func(*netchecktest.Fake) {}, netcheck.Pass,
			"goes to regional NAT gateway " + nat + " (available, internet gateway igw-0a attached, active in us-east-1b, us-east-1c)", ""},
		{"automatic mode expands", func(f *netchecktest.Fake) {
			f.NAT(nat).NatGatewayAddresses = f.NAT(nat).NatGatewayAddresses[1:] // only us-east-1c
		}, netcheck.Pass, "not yet active in the workers' AZ us-east-1b; in automatic mode AWS expands it there", ""},
		{"manual mode does not cover the AZ", func(f *netchecktest.Fake) {
			g := f.NAT(nat)
			g.NatGatewayAddresses = g.NatGatewayAddresses[1:]
			g.AutoProvisionZones = types.AutoProvisionZonesStateDisabled
		}, netcheck.Fail, "not active in the workers' AZ us-east-1b, and in manual mode",
			"aws ec2 associate-nat-gateway-address --nat-gateway-id " + nat + " --availability-zone us-east-1b --allocation-ids"},
		{"failed address does not count", func(f *netchecktest.Fake) {
			g := f.NAT(nat)
			g.NatGatewayAddresses[0].Status = types.NatGatewayAddressStatusFailed
			g.AutoProvisionZones = types.AutoProvisionZonesStateDisabled
		}, netcheck.Fail, "active in us-east-1c)", "--availability-zone us-east-1b"},
		{"pending", func(f *netchecktest.Fake) { f.NAT(nat).State = types.NatGatewayStatePending }, netcheck.Fail,
			"regional NAT gateway " + nat + ", which is pending, not available", "wait until the regional NAT gateway is available"},
		{"failed", func(f *netchecktest.Fake) {
			g := f.NAT(nat)
			g.State, g.FailureMessage = types.NatGatewayStateFailed, aws.String("Network vpc-0a has no Internet gateway attached")
		}, netcheck.Fail, "which is failed, not available (Network vpc-0a has no Internet gateway attached)", "--availability-mode regional --vpc-id vpc-0a"},
		{"no internet gateway", func(f *netchecktest.Fake) { f.InternetGateways[0].Attachments = nil }, netcheck.Fail,
			"but vpc-0a has no internet gateway attached", "aws ec2 attach-internet-gateway"},
		{"private connectivity", func(f *netchecktest.Fake) { f.NAT(nat).ConnectivityType = types.ConnectivityTypePrivate }, netcheck.Fail,
			"which is private", "use a public regional NAT gateway"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, n := internalRegional()
			tc.edit(f)
			rep := run(t, f, n)
			r := egressResult(t, rep)
			if r.Status != tc.status || !strings.Contains(r.Message, tc.msg) || !strings.Contains(r.Fix, tc.fix) {
				t.Errorf("worker egress %s %q (fix %q), want %s containing %q (fix %q)\n%s", r.Status, r.Message, r.Fix, tc.status, tc.msg, tc.fix, dump(rep))
			}
			if tc.status == netcheck.Pass && rep.Failed() {
				t.Errorf("a healthy regional network fails:\n%s", dump(rep))
			}
		})
	}
}

// TestRegionalNatInPrivate: with the scheduler in a public subnet, the
// workers' regional NAT gateway passes, and the public subnet is not taken
// for the NAT's subnet.
func TestRegionalNatInPrivate(t *testing.T) {
	f := netchecktest.New(region, vpc).PublicSubnet(pub, "us-east-1a").RegionalSubnet(priv, "us-east-1a").Groups(schedSG, clustSG)
	rep := run(t, f, netcheck.Network{Region: region, VpcID: vpc, SchedulerSubnetID: pub, WorkerSubnetID: priv,
		SchedulerGroupID: schedSG, ClusterGroupID: clustSG})
	if r := egressResult(t, rep); r.Status != netcheck.Pass || !strings.Contains(r.Message, "regional NAT gateway") || rep.Failed() {
		t.Errorf("worker egress %s %q\n%s", r.Status, r.Message, dump(rep))
	}
}
