package variants

// endpointVariants are the variants of the endpoints options.
var endpointVariants = []Variant{
	// The preset of what cluster VMs call, in both AZs' worker subnets.
	{Name: "private-endpoints-coiled", Topology: "private", Context: map[string]string{
		"topology":           "private",
		"azs":                "2",
		"interfaceEndpoints": "coiled",
	}},
	// Two partner endpoint services, one on two ports, without private
	// DNS (their DNS names are outputs), and the DynamoDB gateway on the
	// one public route table.
	{Name: "public-endpoint-services", Topology: "public", Context: map[string]string{
		"endpointServices": "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0," +
			"com.amazonaws.vpce.us-east-1.vpce-svc-0fedcba9876543210=443+1433",
		"dynamoDbEndpoint": "true",
	}},
}
