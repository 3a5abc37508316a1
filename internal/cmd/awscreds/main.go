// Command awscreds exits 0 when the AWS SDK's default credential chain
// finds credentials (environment, profile, SSO, container or instance
// role), 1 otherwise. scripts/deploy uses it to choose between deploying and
// synthesizing offline. It prints nothing about the credentials themselves.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithLogger(logging.Nop{}))
	if err != nil {
		fmt.Fprintf(os.Stderr, "awscreds: %v\n", err)
		os.Exit(1)
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		os.Exit(1)
	}
}
