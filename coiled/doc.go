// Package coiled is a small client for the part of the Coiled control plane
// that configures a workspace to run clusters in a customer-managed AWS
// network: checking an API token, resolving the workspace, reading the
// workspace's backend options and replacing them over Coiled's websocket,
// and Coiled's cross-account role setup (start, check and complete role
// assumption; role.go), and starting, watching and stopping one cluster from
// a public container image (cluster.go, for coiled-hook --verify). PlanAWSNetwork keeps a role the workspace uses when
// no keys are given and refuses to replace it with keys unless asked.
//
// It speaks the same calls the official coiled Python client makes
// (coiled.set_backend_options), resolves the server, token and workspace the
// same way (DASK_COILED__* environment variables and dask YAML config files),
// and never prints, logs or returns in an error the API token or the AWS
// secret it carries.
//
// The package has no AWS or CDK dependency, so other tools can reuse it.
package coiled
