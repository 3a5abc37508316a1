// Command motorepair applies, through the EC2 API, what moto_server leaves
// out of a deployed coilednet template (route-table associations, the VPC's
// DNS hostnames, the NAT instance's source/dest check; see
// motoserver.RepairStack), for every stack in a cdk outputs file. The local
// sandbox (scripts/local) runs it after the deploy so that the hook's live
// network check sees the network the template describes. It never talks to
// anything but the emulator named by -endpoint.
//
//	motorepair -endpoint http://localhost:PORT cdk-outputs.json
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/coilednet/coilednet/internal/motoserver"
)

func main() {
	endpoint := flag.String("endpoint", "", "the moto_server URL (http://localhost:PORT)")
	flag.Parse()
	if *endpoint == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: motorepair -endpoint http://localhost:PORT cdk-outputs.json")
		os.Exit(2)
	}
	data, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "motorepair: %v\n", err)
		os.Exit(1)
	}
	var stacks map[string]json.RawMessage
	if err := json.Unmarshal(data, &stacks); err != nil {
		fmt.Fprintf(os.Stderr, "motorepair: %s is not a cdk outputs file: %v\n", flag.Arg(0), err)
		os.Exit(1)
	}
	names := make([]string, 0, len(stacks))
	for name := range stacks {
		names = append(names, name)
	}
	sort.Strings(names)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, name := range names {
		if err := motoserver.RepairStack(ctx, *endpoint, name); err != nil {
			fmt.Fprintf(os.Stderr, "motorepair: %v\n", err)
			os.Exit(1)
		}
	}
}
