package variants

// accessVariants are the variants of the access options: a role Coiled
// assumes and an IAM user with its key in Secrets Manager, each in the
// private topology (scheduler and worker subnets differ, so the policy's VPC
// scoping covers both).
var accessVariants = []Variant{
	{Name: "private-access-role", Topology: "private", Context: map[string]string{
		"topology":         "private",
		"coiledAccess":     "role",
		"coiledWorkspace":  "acme",
		"coiledPrincipal":  "arn:aws:iam::077742499581:root",
		"coiledExternalId": "coiled-acme-7f3a9c0e",
		"dataBuckets":      "acme-data,acme-results",
	}},
	{Name: "public-access-user", Topology: "public", Context: map[string]string{
		"coiledAccess":    "user",
		"coiledWorkspace": "acme",
	}},
}
