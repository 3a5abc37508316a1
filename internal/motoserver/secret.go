package motoserver

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/coilednet/coilednet/outputkeys"
)

// RepairSecret creates, through the Secrets Manager API, the access-key
// secret of a coiledAccess=user stack that moto's CloudFormation does not
// create, and returns its ARN (the value of the stack's output
// outputkeys.CoiledAccessKeySecretArn, which moto leaves out). The secret
// holds a key of the stack's own IAM user, created through the IAM API (the
// one CloudFormation created cannot be read back). It returns "" when the
// stack has no such secret or moto created it.
func RepairSecret(ctx context.Context, endpoint, stack string) (string, error) {
	cfg := aws.Config{Region: Region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(Env["AWS_ACCESS_KEY_ID"], Env["AWS_SECRET_ACCESS_KEY"], Env["AWS_SESSION_TOKEN"])}
	cf := cloudformation.NewFromConfig(cfg)
	tpl, err := cf.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: aws.String(stack)})
	if err != nil {
		return "", fmt.Errorf("motoserver: template of %s: %w", stack, err)
	}
	var template struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal([]byte(aws.ToString(tpl.TemplateBody)), &template); err != nil {
		return "", fmt.Errorf("motoserver: template of %s is not JSON: %w", stack, err)
	}
	res, err := cf.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String(stack)})
	if err != nil {
		return "", fmt.Errorf("motoserver: resources of %s: %w", stack, err)
	}
	physical := map[string]string{}
	for _, r := range res.StackResources {
		physical[aws.ToString(r.LogicalResourceId)] = aws.ToString(r.PhysicalResourceId)
	}
	secret, user, description := "", "", ""
	for logical, r := range template.Resources {
		switch r.Type {
		case "AWS::SecretsManager::Secret":
			secret = logical
			description, _ = r.Properties["Description"].(string)
		case "AWS::IAM::User":
			user = physical[logical]
		}
	}
	if secret == "" || physical[secret] != "" {
		return "", nil
	}
	if user == "" {
		return "", fmt.Errorf("motoserver: stack %s has a secret but no IAM user in the emulator", stack)
	}
	key, err := iam.NewFromConfig(cfg).CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		return "", fmt.Errorf("motoserver: access key of %s: %w", user, err)
	}
	value, _ := json.Marshal(map[string]string{
		outputkeys.SecretFieldAccessKeyID:     aws.ToString(key.AccessKey.AccessKeyId),
		outputkeys.SecretFieldSecretAccessKey: aws.ToString(key.AccessKey.SecretAccessKey),
	})
	out, err := secretsmanager.NewFromConfig(cfg).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String(stack + "-" + secret), Description: aws.String(description), SecretString: aws.String(string(value))})
	if err != nil {
		return "", fmt.Errorf("motoserver: creating the secret of %s: %w", stack, err)
	}
	return aws.ToString(out.ARN), nil
}
