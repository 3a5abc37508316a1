// Command motorepair applies, through the EC2 API, what moto_server leaves
// out of a deployed coilednet template (route-table associations, the VPC's
// DNS hostnames, the NAT instance's source/dest check; see
// motoserver.RepairStack), for every stack in a cdk outputs file. The local
// sandbox (scripts/local) runs it after the deploy so that the hook's live
// network check sees the network the template describes. It never talks to
// anything but the emulator named by -endpoint.
//
//	motorepair -endpoint http://localhost:PORT cdk-outputs.json
//	motorepair -endpoint http://localhost:PORT -prepare key=value ...
//
// With -prepare, before the deploy, it creates what the options reference
// (motoserver.CreateStandIns) and prints the options to deploy with.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/coilednet/coilednet/internal/motoserver"
	"github.com/coilednet/coilednet/outputkeys"
)

func main() {
	endpoint := flag.String("endpoint", "", "the moto_server URL (http://localhost:PORT)")
	prepare := flag.Bool("prepare", false, "before the deploy: create in the emulator what the context options (key=value arguments) reference, print the options with the stand-ins' IDs (one key=value a line) on stdout and what stands in for what on stderr")
	fwRoutes := flag.String("firewall-routes", "", "print the routes through the egress firewall of the stack synthesized into cloud assembly `DIR` (what the emulator cannot deploy)")
	flag.Parse()
	if *prepare && *endpoint != "" {
		os.Exit(prepareStandIns(*endpoint, flag.Args()))
	}
	if *fwRoutes != "" {
		os.Exit(printFirewallRoutes(*fwRoutes))
	}
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
	changed := false
	for _, name := range names {
		if err := motoserver.RepairStack(ctx, *endpoint, name); err != nil {
			fmt.Fprintf(os.Stderr, "motorepair: %v\n", err)
			os.Exit(1)
		}
		arn, err := motoserver.RepairSecret(ctx, *endpoint, name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "motorepair: %v\n", err)
			os.Exit(1)
		}
		if arn != "" {
			// The output moto left out, added to the outputs file.
			var outs map[string]string
			if err := json.Unmarshal(stacks[name], &outs); err != nil {
				fmt.Fprintf(os.Stderr, "motorepair: %s: stack %s: %v\n", flag.Arg(0), name, err)
				os.Exit(1)
			}
			outs[outputkeys.CoiledAccessKeySecretArn] = arn
			stacks[name], _ = json.Marshal(outs)
			changed = true
			fmt.Printf("sandbox: stack %s: its access-key secret, which the emulator's CloudFormation cannot create, was created through the Secrets Manager API "+
				"(holding a key of the stack's own IAM user): %s = %s\n", name, outputkeys.CoiledAccessKeySecretArn, arn)
		}
	}
	if changed {
		data, _ := json.MarshalIndent(stacks, "", "  ")
		if err := os.WriteFile(flag.Arg(0), append(data, '\n'), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "motorepair: %v\n", err)
			os.Exit(1)
		}
	}
}

// prepareStandIns creates the stand-ins for the options kvs (key=value, in
// order) and prints them back, in the same order, with the stand-ins' IDs.
func prepareStandIns(endpoint string, kvs []string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	opts, made, err := motoserver.CreateStandIns(ctx, endpoint, motoserver.ParseContextArgs(kvs))
	if err != nil {
		fmt.Fprintf(os.Stderr, "motorepair: %v\n", err)
		return 1
	}
	for _, m := range made {
		fmt.Fprintf(os.Stderr, "sandbox: %s\n", m)
	}
	printed := map[string]bool{}
	for _, kv := range kvs {
		k, _, _ := strings.Cut(kv, "=")
		if !printed[k] {
			printed[k] = true
			fmt.Printf("%s=%s\n", k, opts[k])
		}
	}
	return 0
}

// printFirewallRoutes prints, from the templates in assembly dir, every
// route that leads to or from the egress firewall: the NAT subnets' default
// route to its endpoint, the firewall subnets' route to the internet
// gateway, and the internet gateway's return route to the endpoint.
func printFirewallRoutes(dir string) int {
	files, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	short := regexp.MustCompile(`^CoiledNetwork|[0-9A-F]{8}$`)
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(os.Stderr, "motorepair: %v\n", err)
			return 1
		}
		var t struct {
			Resources map[string]struct {
				Type       string
				Properties map[string]any
			}
		}
		if err := json.Unmarshal(data, &t); err != nil {
			fmt.Fprintf(os.Stderr, "motorepair: %s: %v\n", f, err)
			return 1
		}
		var lines []string
		for _, r := range t.Resources {
			if r.Type != "AWS::EC2::Route" {
				continue
			}
			p := r.Properties
			rt, _ := p["RouteTableId"].(map[string]any)
			table, _ := rt["Ref"].(string)
			_, toFirewall := p["VpcEndpointId"]
			if !toFirewall && !strings.Contains(table, "Firewall") {
				continue
			}
			target := "the firewall endpoint in its AZ"
			switch {
			case p["GatewayId"] != nil:
				target = "the internet gateway"
			case p["NatGatewayId"] != nil:
				target = "the NAT gateway"
			case !toFirewall:
				target = fmt.Sprint(p)
			}
			lines = append(lines, fmt.Sprintf("  %s: %v -> %s", short.ReplaceAllString(table, ""), p["DestinationCidrBlock"], target))
		}
		sort.Strings(lines)
		for _, l := range lines {
			fmt.Println(l)
		}
		n += len(lines)
	}
	if n == 0 {
		fmt.Fprintf(os.Stderr, "motorepair: no route through an egress firewall in %s\n", dir)
		return 1
	}
	return 0
}
