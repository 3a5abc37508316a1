package variants

// regionalVariants are the variants of natProvider=regional: one regional
// NAT gateway for the VPC, no NAT subnet, and (internal) no public subnet.
var regionalVariants = []Variant{
	{Name: "private-regional-nat", Topology: "private", Context: map[string]string{
		"topology":    "private",
		"natProvider": "regional",
		"azs":         "2",
	}},
	{Name: "internal-regional-nat-3az", Topology: "internal", Context: map[string]string{
		"topology":          "internal",
		"natProvider":       "regional",
		"availabilityZones": "us-east-1a,us-east-1b,us-east-1c",
		"azs":               "3",
		"zone":              "us-east-1b",
	}},
}
