package outputkeys

// Outputs of a stack built from a networks file (issue 20); a stack built
// without one has neither.
const (
	// NetworkName is the network's name in the networks file.
	NetworkName = "CoiledNetworkName"
	// Workspace is the Coiled workspace the file gives the network: the
	// workspace coiled-hook configures for it (--stack NAME, --all).
	Workspace = "CoiledWorkspace"
)
