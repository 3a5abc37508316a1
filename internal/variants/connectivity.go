package variants

// connectivityVariants are the variants of the connectivity options.
var connectivityVariants = []Variant{}
