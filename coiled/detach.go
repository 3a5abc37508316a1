package coiled

import (
	"errors"
	"fmt"
)

// ErrNoAWSSettings: the workspace's settings hold no AWS options to detach
// a network from.
var ErrNoAWSSettings = errors.New("the workspace has no AWS settings (options)")

// UsesNetwork reports whether the workspace's settings (GET
// backend_options) point at the VPC networkID.
func UsesNetwork(current map[string]any, networkID string) bool {
	opts, _ := current["options"].(map[string]any)
	n, _ := opts["network"].(map[string]any)
	id, _ := n["network_id"].(string)
	return networkID != "" && id == networkID
}

// PlanDetachNetwork returns the backend options that clear the workspace's
// custom network (scripts/destroy --detach-coiled): the current settings
// carried over whole, with options.network emptied ({}: Coiled then builds
// its own network in the region when a cluster starts) and options.zone
// null (the zone belonged to the network's subnets). Everything else is
// kept as read: region, firewall_spec, registry, account_role. As in every
// update the message replaces the settings whole, so a workspace acting
// through keys needs them again (GET never returns them): creds, or a
// *MissingCredentialsError when they are empty.
func PlanDetachNetwork(current map[string]any, creds AWSCredentials) (map[string]any, error) {
	bo, _ := deepCopy(current).(map[string]any)
	opts, _ := bo["options"].(map[string]any)
	if opts == nil {
		return nil, ErrNoAWSSettings
	}
	opts["network"] = map[string]any{}
	opts["zone"] = nil
	if role, _ := opts["account_role"].(string); role != "" {
		delete(opts, "credentials")
		if reg, ok := bo["registry"].(map[string]any); ok {
			delete(reg, "credentials")
		}
		return bo, nil
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		return nil, fmt.Errorf("the workspace acts through access keys, which Coiled never returns and the update must carry again: %w",
			&MissingCredentialsError{Missing: []string{EnvAWSAccessKeyID, EnvAWSSecretAccessKey}})
	}
	opts["credentials"] = map[string]any{"aws_access_key": creds.AccessKeyID, "aws_secret_key": creds.SecretAccessKey}
	if reg, ok := bo["registry"].(map[string]any); ok && reg["type"] == "ecr" {
		reg["credentials"] = map[string]any{"aws_access_key_id": creds.AccessKeyID, "aws_secret_access_key": creds.SecretAccessKey}
	}
	return bo, nil
}
