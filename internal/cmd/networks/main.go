// Command networks is scripts/deploy's and scripts/destroy's view of the
// networks file (config.LoadNetworks): which networks a run deploys, their
// stacks, environments and workspaces, and the merge of the outputs file.
//
//	networks list [-only NAME[,NAME]] [-c key=value ...]
//	    one line per network: NAME STACK ENV WORKSPACE (tab-separated; ENV is
//	    aws://ACCOUNT/REGION with unknown-account/unknown-region, WORKSPACE
//	    "-" when the file gives none); nothing when there is no networks
//	    file. Exit 1 when the file is invalid, 2 on bad usage.
//	networks merge-outputs -file FILE -previous OLD -stacks S1,S2
//	    keeps in FILE (written by cdk deploy --outputs-file) the entries of
//	    OLD for the stacks of S1,S2 (the file's stacks) this deploy did not
//	    touch, so the outputs file holds every network's stack.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/coilednet/coilednet/config"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: networks list|merge-outputs ...")
		return 2
	}
	switch args[0] {
	case "list":
		return list(args[1:], stdout, stderr)
	case "merge-outputs":
		return mergeOutputs(args[1:], stderr)
	}
	fmt.Fprintf(stderr, "networks: unknown command %q (list, merge-outputs)\n", args[0])
	return 2
}

// contextFlags collects -c key=value.
type contextFlags map[string]string

func (c contextFlags) String() string { return "" }
func (c contextFlags) Set(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok {
		return fmt.Errorf("%q is not key=value", kv)
	}
	c[k] = v
	return nil
}

// Resolve returns the networks of this run as the app will build them
// (config.ReadNetworks), those named in only when it is not empty.
func Resolve(cdkJSON string, cflags map[string]string, only []string) (string, []config.ResolvedNetwork, error) {
	path, nets, err := config.ReadNetworks(cdkJSON, cflags)
	if err != nil {
		return path, nil, err
	}
	if path == "" {
		if len(only) > 0 {
			return "", nil, errors.New("--only needs a networks file (coilednet.yaml, or -c networksFile=PATH)")
		}
		return "", nil, nil
	}
	nets, err = config.Select(path, nets, only)
	return path, nets, err
}

func list(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("networks list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	only := fs.String("only", "", "the networks to list, comma-separated (default: all)")
	cflags := contextFlags{}
	fs.Var(cflags, "c", "context `key=value` (as after scripts/deploy)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var names []string
	for _, n := range strings.Split(*only, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	_, nets, err := Resolve("cdk.json", cflags, names)
	if err != nil {
		fmt.Fprintf(stderr, "coilednet: %v\n", strings.ReplaceAll(err.Error(), "\n", "\n  "))
		return 1
	}
	for _, n := range nets {
		ws := n.Workspace
		if ws == "" {
			ws = "-"
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\n", n.Name, n.App.StackName, n.Env(), ws)
	}
	return 0
}

func mergeOutputs(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("networks merge-outputs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("file", "cdk-outputs.json", "the outputs `FILE` this deploy wrote")
	previous := fs.String("previous", "", "the outputs file before this deploy (`OLD`)")
	keep := fs.String("stacks", "", "the stacks of the networks file, comma-separated")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	read := func(p string) (map[string]json.RawMessage, error) {
		m := map[string]json.RawMessage{}
		raw, err := os.ReadFile(p)
		if err != nil {
			return m, err
		}
		return m, json.Unmarshal(raw, &m)
	}
	cur, err := read(*file)
	if err != nil {
		fmt.Fprintf(stderr, "coilednet: %s: %v\n", *file, err)
		return 1
	}
	old, err := read(*previous)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "coilednet: %s (kept from the last deploy): %v; it is left out\n", *previous, err)
	}
	for _, s := range strings.Split(*keep, ",") {
		if _, done := cur[s]; !done && old[s] != nil {
			cur[s] = old[s]
		}
	}
	raw, _ := json.MarshalIndent(cur, "", "  ")
	if err := os.WriteFile(*file, append(raw, '\n'), 0o644); err != nil {
		fmt.Fprintf(stderr, "coilednet: %v\n", err)
		return 1
	}
	return 0
}
