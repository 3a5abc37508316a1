package config

import (
	"slices"
	"strings"
	"testing"
)

const twoWorkspacesFile = `networks:
  acme:
    account: "123456789012"
    workspace: acme
    options: {coiledAccess: user, coiledWorkspace: acme}
  beta:
    account: "123456789012"
    workspace: beta
    options: {coiledAccess: user, coiledWorkspace: beta%s}
  other:
    account: "210987654321"
    workspace: other
    options: {coiledAccess: user, coiledWorkspace: other}
`

// Two networks of one account that would both create CoiledInstancePolicy
// are stopped before synth, naming both and what to set; a network of
// another account is not part of the clash.
func TestNetworksFileInstancePolicyClash(t *testing.T) {
	ctx, _ := readCdkJSON(t)
	_, err := resolve(t, strings.Replace(twoWorkspacesFile, "%s", "", 1), ctx, nil)
	if err == nil {
		t.Fatal("two networks of one account both creating CoiledInstancePolicy were accepted")
	}
	for _, want := range []string{"coilednet.yaml", "CoiledNetwork-acme", "CoiledNetwork-beta", "account 123456789012", "{coiledInstancePolicy: existing}"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "CoiledNetwork-other") {
		t.Errorf("the network of another account is named in the clash:\n%v", err)
	}

	nets, err := resolve(t, strings.Replace(twoWorkspacesFile, "%s", ", coiledInstancePolicy: existing", 1), ctx, nil)
	if err != nil {
		t.Fatalf("beta attaching the existing policy: %v", err)
	}
	// beta deploys after acme, which creates the policy; the others after none.
	if got, want := InstancePolicyCreator(nets), []int{-1, 0, -1}; !slices.Equal(got, want) {
		t.Errorf("InstancePolicyCreator = %v, want %v", got, want)
	}
}
