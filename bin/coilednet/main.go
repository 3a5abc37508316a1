// Command coilednet is the CDK app behind cdk.json: it reads the options
// from the CDK context, validates them all before building anything, prints
// the network's fixed monthly cost, and synthesizes the coilednet stack.
package main

import (
	"fmt"
	"os"

	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/cost"
	"github.com/coilednet/coilednet/stacks"
)

func main() {
	os.Exit(run())
}

func run() int {
	defer jsii.Close()
	app := stacks.NewApp()
	stack, err := stacks.FromApp(app)
	if err != nil {
		fmt.Fprintf(os.Stderr, "coilednet: %v\n", err)
		return 1
	}
	fmt.Fprint(os.Stderr, cost.EstimateApp(stack.Config).String())
	app.Synth(nil)
	return 0
}
