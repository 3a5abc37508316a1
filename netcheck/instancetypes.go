package netcheck

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

var instanceTypeRE = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9-]+$`)

// ParseInstanceTypes splits a comma-separated list of instance type names
// (m5.xlarge,g5.2xlarge), dropping blanks and repeats; a name that is not
// of the form family.size is an error naming it.
func ParseInstanceTypes(list string) ([]string, error) {
	var out, bad []string
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		switch {
		case t == "" || slices.Contains(out, t):
		case !instanceTypeRE.MatchString(t):
			bad = append(bad, fmt.Sprintf("%q", t))
		default:
			out = append(out, t)
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%s: not an instance type name (want family.size, e.g. m5.xlarge)", strings.Join(bad, ", "))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no instance type given (want e.g. m5.xlarge,g5.2xlarge)")
	}
	return out, nil
}

// UnknownInstanceTypesError names instance types that no Availability Zone
// of the region offers: misspelt, or not sold in that region.
type UnknownInstanceTypesError struct {
	Region string
	Types  []string
}

func (e *UnknownInstanceTypesError) Error() string {
	return fmt.Sprintf("instance type(s) %s: no Availability Zone of %s offers them (unknown name, or not sold in this region)", strings.Join(e.Types, ", "), e.Region)
}

// InstanceTypeZones returns, for each of names, the Availability Zones of
// region that offer it (DescribeInstanceTypeOfferings), sorted. Types no
// zone offers give an *UnknownInstanceTypesError (with the map of the
// others); a failed call an *APIError.
func InstanceTypeZones(ctx context.Context, client EC2, region string, names []string) (map[string][]string, error) {
	zones := map[string][]string{}
	p := ec2.NewDescribeInstanceTypeOfferingsPaginator(client, &ec2.DescribeInstanceTypeOfferingsInput{
		LocationType: types.LocationTypeAvailabilityZone,
		Filters:      []types.Filter{{Name: aws.String("instance-type"), Values: names}}})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, &APIError{"DescribeInstanceTypeOfferings", err}
		}
		for _, o := range out.InstanceTypeOfferings {
			t, z := string(o.InstanceType), aws.ToString(o.Location)
			if slices.Contains(names, t) && !slices.Contains(zones[t], z) {
				zones[t] = append(zones[t], z)
			}
		}
	}
	var unknown []string
	for _, t := range names {
		slices.Sort(zones[t])
		if len(zones[t]) == 0 {
			unknown = append(unknown, t)
		}
	}
	if len(unknown) > 0 {
		return zones, &UnknownInstanceTypesError{Region: region, Types: unknown}
	}
	return zones, nil
}

// FirstZoneOffering returns the first of candidates that offers every
// type of names in zones (from InstanceTypeZones), or "".
func FirstZoneOffering(zones map[string][]string, names, candidates []string) string {
	for _, z := range candidates {
		all := true
		for _, t := range names {
			all = all && slices.Contains(zones[t], z)
		}
		if all {
			return z
		}
	}
	return ""
}
