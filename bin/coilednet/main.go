// Command coilednet is the CDK app behind cdk.json: it reads the options
// from the CDK context, validates them all before building anything, prints
// what the stack will build and the network's fixed monthly cost, and
// synthesizes the coilednet stack.
//
// cdk.json runs it through scripts/app, which compiles it into .build/ once
// and again only when a Go source changes (see the README's performance
// section).
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/config"
	"github.com/coilednet/coilednet/cost"
	"github.com/coilednet/coilednet/stacks"
	"github.com/coilednet/coilednet/summary"
)

func main() {
	os.Exit(run(os.Stderr))
}

// underCLI reports whether the CDK CLI runs the app: it sets CDK_OUTDIR.
func underCLI() bool { return os.Getenv("CDK_OUTDIR") != "" }

func run(stderr io.Writer) int {
	defer jsii.Close()
	app := stacks.NewApp()
	// CDK records a JavaScript stack trace with each annotation; under jsii
	// it points into the jsii runtime, not at Go code, and the CLI prints
	// its top line above every warning and error.
	app.Node().SetContext(jsii.String("aws:cdk:disable-stack-trace"), true)
	ctx, _ := app.Node().GetAllContext(nil).(map[string]any)
	// scripts/deploy sets COILEDNET_QUIET=1 for cdk bootstrap, which
	// synthesizes the app too, so that a deploy prints the warnings about
	// context keys, the summary and the cost once.
	quiet := os.Getenv("COILEDNET_QUIET") == "1"
	if !quiet {
		for _, w := range config.ContextWarnings(ctx) {
			fmt.Fprintf(stderr, "coilednet: warning: %s\n", w.Message)
		}
	}
	built, err := stacks.FromAppFile(app)
	if err != nil {
		msg := "coilednet: " + err.Error() + "\nNothing was built."
		if !underCLI() {
			fmt.Fprintln(stderr, msg)
			return 1
		}
		// A non-zero exit makes the CDK CLI add "<app>: Subprocess exited
		// with error 1" (and go run adds "exit status 1"). An error
		// annotation is CDK's own way to fail a synth: the CLI prints it
		// once, "Synthesis finished with errors", deploys nothing and exits
		// 1 (cdk ls, which ignores annotations, lists this placeholder
		// stack, whose name says what is wrong).
		failed := awscdk.NewStack(app, jsii.String("coilednet-invalid-options"), nil)
		awscdk.Annotations_Of(failed).AddError(jsii.String(strings.ReplaceAll(msg, "\n", "\n  ")))
		app.Synth(nil)
		return 0
	}
	if !quiet {
		for _, note := range built.OverrideNotes() {
			fmt.Fprintf(stderr, "coilednet: note: %s\n", note)
		}
		for i, stack := range built.Stacks {
			if built.File != "" {
				fmt.Fprintf(stderr, "\n== network %s (%s): stack %s ==\n", built.Networks[i].Name, built.File, stack.Config.StackName)
			}
			fmt.Fprint(stderr, summary.Of(stack.Config))
			fmt.Fprint(stderr, cost.EstimateApp(stack.Config).String())
		}
	}
	app.Synth(nil)
	return 0
}
