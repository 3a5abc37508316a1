package variants

// endpointVariants are the variants of the endpoints options.
var endpointVariants = []Variant{}
