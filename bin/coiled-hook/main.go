// Command coiled-hook sends the network of a deployed coilednet stack to a
// Coiled workspace. Run it after `cdk deploy --outputs-file cdk-outputs.json`:
//
//	go run ./bin/coiled-hook --outputs-file cdk-outputs.json
//
// See internal/hook and `go run ./bin/coiled-hook -h`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/coilednet/coilednet/internal/hook"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := hook.Run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
