// Command fakecoiled runs the in-repo fake Coiled control plane
// (coiled/coiledtest) as a local server, so that coiled-hook can be tried
// without a Coiled account: scripts/deploy --local uses it.
//
//	go run ./cmd/fakecoiled [-token T] [-workspace acme] [-user alice] [-env-file FILE] [-ec2-endpoint URL]
//
// It listens on a free 127.0.0.1 port and prints the two variables the hook
// reads (DASK_COILED__SERVER and DASK_COILED__TOKEN), as shell `export`
// lines on stdout and, with -env-file, into FILE. The token is a fresh
// random one unless -token is given; it only opens this fake. Every update
// it receives is reported on stderr. It runs until interrupted (Ctrl-C,
// SIGTERM). Nothing leaves the machine. With -ec2-endpoint (an EC2 emulator,
// as in the sandbox) the clusters it is asked for (coiled-hook --verify)
// run their VMs there (coiled/coiledtest/ec2vms); without it, in memory.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/coiled/coiledtest/ec2vms"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fakecoiled", flag.ContinueOnError)
	fs.SetOutput(stderr)
	token := fs.String("token", "", "the API `TOKEN` the fake accepts (default: a fresh random one)")
	workspace := fs.String("workspace", "acme", "the `SLUG` of the one workspace (the user's default)")
	user := fs.String("user", coiledtest.DefaultUsername, "the user `NAME` behind the token")
	envFile := fs.String("env-file", "", "also write the export lines to `FILE` (mode 0600)")
	ec2Endpoint := fs.String("ec2-endpoint", "", "launch the VMs of clusters in the EC2 emulator at `URL` (never a real AWS endpoint)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "fakecoiled: unexpected argument %q (all inputs are flags)\n", fs.Arg(0))
		return 2
	}
	if *token == "" {
		b := make([]byte, 12)
		if _, err := rand.Read(b); err != nil {
			fmt.Fprintf(stderr, "fakecoiled: %v\n", err)
			return 1
		}
		*token = "fake-" + hex.EncodeToString(b)
	}
	srv := coiledtest.New(coiledtest.Options{
		Token:      *token,
		Username:   *user,
		Workspaces: []coiledtest.Workspace{{Slug: *workspace, Default: true, Admin: true}},
	})
	defer srv.Close()
	if *ec2Endpoint != "" {
		srv.SetVMLauncher(ec2vms.New(*ec2Endpoint, "us-east-1"))
	}

	exports := fmt.Sprintf("export DASK_COILED__SERVER=%s\nexport DASK_COILED__TOKEN=%s\n", srv.URL(), *token)
	if *envFile != "" {
		if err := os.WriteFile(*envFile, []byte(exports), 0o600); err != nil {
			fmt.Fprintf(stderr, "fakecoiled: %v\n", err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "fake Coiled (coiled/coiledtest) on %s: user %s, workspace %s; Ctrl-C stops it\n", srv.URL(), *user, *workspace)
	fmt.Fprint(stdout, exports)

	seen := 0
	vms := map[string]bool{}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			report(stderr, srv, &seen)
			reportVMs(stderr, srv, vms)
			return 0
		case <-tick.C:
			report(stderr, srv, &seen)
			reportVMs(stderr, srv, vms)
		}
	}
}

// report prints the updates received since the last call.
func report(w io.Writer, srv *coiledtest.Server, seen *int) {
	updates := srv.Updates()
	for _, u := range updates[*seen:] {
		if !u.Stored {
			fmt.Fprintf(w, "fake Coiled: rejected an update of workspace %s: %s\n", u.Workspace, strings.Join(u.Invalid, "; "))
			continue
		}
		opts, _ := u.Data["options"].(map[string]any)
		network, _ := opts["network"].(map[string]any)
		keys := make([]string, 0, len(network))
		for k, v := range network {
			keys = append(keys, fmt.Sprintf("%s=%v", k, v))
		}
		sort.Strings(keys)
		fmt.Fprintf(w, "fake Coiled: workspace %s now uses region %v, network %s\n", u.Workspace, opts["aws_region_name"], strings.Join(keys, " "))
	}
	*seen = len(updates)
}

// reportVMs prints the cluster VMs launched and terminated since the last
// call (seen: instance ID + state already printed).
func reportVMs(w io.Writer, srv *coiledtest.Server, seen map[string]bool) {
	for _, c := range srv.Clusters() {
		for _, vm := range c.VMs {
			key := vm.VM.InstanceID + map[bool]string{true: " terminated", false: " running"}[vm.Terminated]
			if seen[key] {
				continue
			}
			seen[key] = true
			if vm.Terminated {
				fmt.Fprintf(w, "fake Coiled: cluster %s stopped: terminated %s\n", c.Name, vm.VM.InstanceID)
				continue
			}
			fmt.Fprintf(w, "fake Coiled: cluster %s: %s %s launched in %s (groups %s), private IP %s\n",
				c.Name, vm.Spec.Role, vm.VM.InstanceID, vm.Spec.SubnetID, strings.Join(vm.Spec.SecurityGroupIDs, ", "), vm.VM.PrivateIP)
		}
	}
}
