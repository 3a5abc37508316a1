package variants

// accessVariants are the variants of the access options.
var accessVariants = []Variant{}
