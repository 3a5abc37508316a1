package config

import "fmt"

// The networks file's check of the IAM policy name CoiledInstancePolicy
// (issue 17 × issue 20): two networks of one account that would both
// create it are an error before anything is synthesized.
func init() { NetworksChecks = append(NetworksChecks, instancePolicyPerAccount) }

// instancePolicyPerAccount runs InstancePolicyClash over the file's
// networks; a network without an account is in the deploying account.
func instancePolicyPerAccount(file string, nets []ResolvedNetwork) []error {
	stacks := make([]StackAccess, len(nets))
	for i, n := range nets {
		stacks[i] = StackAccess{StackName: n.App.StackName, Account: n.Account, Access: n.App.Access}
	}
	if err := InstancePolicyClash(stacks); err != nil {
		return []error{&NetworkError{File: file, Err: fmt.Errorf("%w (in the networks file: options: {%s: existing} on those networks)", err, KeyCoiledInstancePolicy)}}
	}
	return nil
}

// InstancePolicyCreator returns, for each network that attaches the
// account's existing CoiledInstancePolicy, the index of the network of the
// same account that creates it (-1 when none does): that stack must deploy
// first.
func InstancePolicyCreator(nets []ResolvedNetwork) []int {
	creator := map[string]int{}
	for i, n := range nets {
		a := n.App.Access.withDefaults()
		if a.Enabled() && a.CoiledInstancePolicy == InstancePolicyCreate {
			if _, ok := creator[n.Account]; !ok {
				creator[n.Account] = i
			}
		}
	}
	out := make([]int, len(nets))
	for i, n := range nets {
		out[i] = -1
		a := n.App.Access.withDefaults()
		if c, ok := creator[n.Account]; ok && a.Enabled() && a.CoiledInstancePolicy == InstancePolicyExisting {
			out[i] = c
		}
	}
	return out
}
