// Command coiled-hook sends the network of a deployed coilednet stack to a
// Coiled workspace. Run it after `cdk deploy --outputs-file cdk-outputs.json`:
//
//	scripts/coiled-hook --outputs-file cdk-outputs.json
//
// (scripts/coiled-hook builds this command into .build/ and runs it, so its
// exit status arrives unchanged; `go run` turns 2 into 1.) See internal/hook
// and `scripts/coiled-hook -h`.
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
