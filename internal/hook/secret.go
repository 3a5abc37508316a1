package hook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/coilednet/coilednet/coiled"
	"github.com/coilednet/coilednet/outputkeys"
	"github.com/coilednet/coilednet/stackoutputs"
)

// readAccessKeySecret reads the access key of the IAM user Coiled acts as
// (user stacks) from the Secrets Manager secret secretARN, with the AWS SDK's
// default credential chain, in the secret's own region. The SecretString is
// {"accessKeyId": …, "secretAccessKey": …} (outputkeys.SecretField…). Errors
// never contain the secret's value.
func readAccessKeySecret(ctx context.Context, env func(string) string, secretARN string) (coiled.AWSCredentials, error) {
	var none coiled.AWSCredentials
	region := ""
	if parts := strings.Split(secretARN, ":"); len(parts) > 3 {
		region = parts[3]
	}
	cfgEnv := func(k string) string {
		switch k {
		case "AWS_REGION", "AWS_DEFAULT_REGION":
			return region
		case "AWS_ENDPOINT_URL_CLOUDFORMATION":
			return "" // LoadAWSConfig's base endpoint must not be CloudFormation's here
		}
		return env(k)
	}
	cfg, err := stackoutputs.LoadAWSConfig(ctx, cfgEnv)
	if err != nil {
		return none, err
	}
	client := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		if e := env("AWS_ENDPOINT_URL_SECRETS_MANAGER"); e != "" {
			o.BaseEndpoint = aws.String(e)
		}
	})
	out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretARN)})
	if err != nil {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			return none, fmt.Errorf("%s: %s", apiErr.ErrorCode(), apiErr.ErrorMessage())
		}
		return none, err
	}
	if out.SecretString == nil {
		return none, errors.New("the secret has no SecretString (a binary secret?)")
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(*out.SecretString), &body); err != nil || body == nil {
		return none, fmt.Errorf("the secret's value is not a JSON object {%q: …, %q: …}", outputkeys.SecretFieldAccessKeyID, outputkeys.SecretFieldSecretAccessKey)
	}
	id, _ := body[outputkeys.SecretFieldAccessKeyID].(string)
	secret, _ := body[outputkeys.SecretFieldSecretAccessKey].(string)
	var missing []string
	if strings.TrimSpace(id) == "" {
		missing = append(missing, outputkeys.SecretFieldAccessKeyID)
	}
	if strings.TrimSpace(secret) == "" {
		missing = append(missing, outputkeys.SecretFieldSecretAccessKey)
	}
	if len(missing) > 0 {
		return none, fmt.Errorf("the secret's JSON lacks a non-empty string %s", strings.Join(missing, " and "))
	}
	return coiled.AWSCredentials{AccessKeyID: strings.TrimSpace(id), SecretAccessKey: strings.TrimSpace(secret)}, nil
}
