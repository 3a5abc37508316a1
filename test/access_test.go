package test

// The IAM access variants (internal/variants/access.go) build the same
// networks as private-default and public-default.
func init() {
	expectations["private-access-role"] = expectations["private-default"]
	expectations["public-access-user"] = expectations["public-default"]
}
