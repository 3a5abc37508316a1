// Command checkoutputs is scripts/deploy's last step: it checks that the
// outputs file `cdk deploy --outputs-file FILE` wrote holds every stack of
// the cloud assembly with every output coiled-hook requires
// (outputkeys.Required, validated as the hook validates them), so that the
// script says "Deployed" only when the hook can run. It exits 1 saying what
// is missing otherwise (for instance a change-set deploy on an emulator that
// wrote `{}`), and 2 on bad usage.
//
//	go run ./internal/cmd/checkoutputs [-assembly cdk.out] cdk-outputs.json
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/coilednet/coilednet/internal/assembly"
	"github.com/coilednet/coilednet/stackoutputs"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("checkoutputs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("assembly", "cdk.out", "the cloud assembly `DIR` the deploy synthesized (its stacks are the ones expected)")
	only := fs.String("stacks", "", "check only these stacks of the assembly (comma-separated; default: all), e.g. the networks a deploy --only covered")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: checkoutputs [-assembly DIR] OUTPUTS-FILE")
		return 2
	}
	file := fs.Arg(0)
	stacks, err := assemblyStacks(*dir)
	if err != nil {
		// No manifest: expect exactly one stack in the file.
		stacks = []string{""}
	}
	failed := false
	for _, name := range stacks {
		if *only != "" && name != "" && !slices.Contains(strings.Split(*only, ","), name) {
			continue
		}
		o, err := stackoutputs.ReadOutputsFile(file, name)
		if err != nil {
			fmt.Fprintf(stderr, "coilednet: the deploy did not leave what coiled-hook needs in %s:\n  %v\n", file, err)
			failed = true
			continue
		}
		fmt.Fprintf(stdout, "stack %s: network %s in %s, all %d outputs the hook needs are in %s\n",
			o.StackName, o.NetworkID, o.Region, 7+len(o.Zones), file)
	}
	if failed {
		return 1
	}
	return 0
}

// assemblyStacks returns the names of the CloudFormation stacks in the
// cloud assembly at dir, sorted.
func assemblyStacks(dir string) ([]string, error) {
	stacks, err := assembly.Stacks(dir)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(stacks))
	for i, s := range stacks {
		out[i] = s.Name
	}
	return out, nil
}
