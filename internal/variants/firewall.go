package variants

// firewallVariants are the variants of the firewall options.
var firewallVariants = []Variant{}
