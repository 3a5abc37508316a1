// Package ec2vms is a coiledtest.VMLauncher that launches the fake Coiled's
// cluster VMs in an EC2 endpoint (the sandbox's emulator): RunInstances into
// the subnet and security groups of the workspace's network, as the
// identity the workspace's settings carry (the access key sent in
// update_options; the emulator accepts any), tagged owner: coiled like
// Coiled's VMs; TerminateInstances when the cluster stops. So
// coiled-hook --verify finds them with DescribeInstances, as it would in
// AWS. It is a test helper: never point it at a real AWS account.
package ec2vms

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/coilednet/coilednet/coiled/coiledtest"
)

// Launcher launches VMs in Endpoint.
type Launcher struct {
	// Endpoint is the EC2 endpoint URL, e.g. http://localhost:5000.
	Endpoint string
	// Region is used when a VM spec has none.
	Region string

	mu      sync.Mutex
	regions map[string]string // VM instance ID → region, for Terminate
	amis    map[string]string // region → image ID
}

// New returns a Launcher for endpoint.
func New(endpoint, region string) *Launcher {
	return &Launcher{Endpoint: endpoint, Region: region, regions: map[string]string{}, amis: map[string]string{}}
}

var _ coiledtest.VMLauncher = (*Launcher)(nil)

func (l *Launcher) client(region, key, secret string) *ec2.Client {
	if key == "" || secret == "" {
		key, secret = "testing", "testing" // a role: the emulator does not check who calls
	}
	return ec2.NewFromConfig(aws.Config{Region: region, BaseEndpoint: aws.String(l.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
}

// image returns an image ID of the region (the emulator ships Amazon's).
func (l *Launcher) image(ctx context.Context, c *ec2.Client, region string) (string, error) {
	l.mu.Lock()
	id := l.amis[region]
	l.mu.Unlock()
	if id != "" {
		return id, nil
	}
	out, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err != nil {
		return "", err
	}
	for _, img := range out.Images {
		if img.Architecture == types.ArchitectureValuesX8664 || img.Architecture == "" {
			id = aws.ToString(img.ImageId)
			break
		}
	}
	if id == "" {
		return "", fmt.Errorf("no x86_64 image in %s", region)
	}
	l.mu.Lock()
	l.amis[region] = id
	l.mu.Unlock()
	return id, nil
}

// Launch implements coiledtest.VMLauncher.
func (l *Launcher) Launch(ctx context.Context, spec coiledtest.VMSpec) (coiledtest.VM, error) {
	region := spec.Region
	if region == "" {
		region = l.Region
	}
	c := l.client(region, spec.AccessKeyID, spec.SecretAccessKey)
	ami, err := l.image(ctx, c, region)
	if err != nil {
		return coiledtest.VM{}, err
	}
	tags := []types.Tag{{Key: aws.String("Name"), Value: aws.String(spec.Name)}}
	for k, v := range spec.Tags {
		tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	in := &ec2.RunInstancesInput{
		ImageId: aws.String(ami), InstanceType: types.InstanceType(spec.InstanceType), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: aws.String(spec.SubnetID), SecurityGroupIds: spec.SecurityGroupIDs,
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: tags}},
	}
	if spec.Zone != "" {
		in.Placement = &types.Placement{AvailabilityZone: aws.String(spec.Zone)}
	}
	out, err := c.RunInstances(ctx, in)
	if err != nil {
		return coiledtest.VM{}, err
	}
	if len(out.Instances) != 1 {
		return coiledtest.VM{}, fmt.Errorf("RunInstances started %d instances", len(out.Instances))
	}
	i := out.Instances[0]
	vm := coiledtest.VM{InstanceID: aws.ToString(i.InstanceId), PrivateIP: aws.ToString(i.PrivateIpAddress), PublicIP: aws.ToString(i.PublicIpAddress)}
	l.mu.Lock()
	l.regions[vm.InstanceID] = region
	l.mu.Unlock()
	return vm, nil
}

// Terminate implements coiledtest.VMLauncher.
func (l *Launcher) Terminate(ctx context.Context, vms []coiledtest.VM) error {
	byRegion := map[string][]string{}
	l.mu.Lock()
	for _, vm := range vms {
		if vm.InstanceID != "" {
			r := l.regions[vm.InstanceID]
			if r == "" {
				r = l.Region
			}
			byRegion[r] = append(byRegion[r], vm.InstanceID)
		}
	}
	l.mu.Unlock()
	for region, ids := range byRegion {
		if _, err := l.client(region, "", "").TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids}); err != nil {
			return err
		}
	}
	return nil
}
