package variants

// accessVariants are the variants of the access options: a role Coiled
// assumes (with encrypted volumes and narrowed image pulls) and an IAM user
// with its key in Secrets Manager (every default), and a second workspace
// of the same account that attaches the first one's CoiledInstancePolicy.
var accessVariants = []Variant{
	{Name: "private-access-role", Topology: "private", Context: map[string]string{
		"topology":         "private",
		"coiledAccess":     "role",
		"coiledWorkspace":  "acme",
		"coiledPrincipal":  "arn:aws:iam::077742499581:root",
		"coiledExternalId": "coiled-acme-7f3a9c0e",
		"dataBuckets":      "acme-data,acme-results",
		"ebsKmsKeyArns":    "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"ecrRepositories":  "coiled/*,acme-envs",
	}},
	{Name: "public-access-user", Topology: "public", Context: map[string]string{
		"coiledAccess":    "user",
		"coiledWorkspace": "acme",
	}},
	{Name: "public-access-existing", Topology: "public", Context: map[string]string{
		"coiledAccess":         "role",
		"coiledWorkspace":      "beta",
		"coiledPrincipal":      "arn:aws:iam::077742499581:root",
		"coiledExternalId":     "coiled-beta-0b5e11",
		"coiledInstancePolicy": "existing",
	}},
}
