//go:build e2e

package e2e

// Docs that run (issue 19): every command line of every ```sh block of
// README.md and docs/*.md is run here, the way its form allows:
//
//   - scripts/deploy ...          as printed, without AWS credentials: it
//     synthesizes (a coiledAccess=role deploy asks a fake Coiled first);
//   - scripts/deploy --local ...  as printed: the sandbox, several at once;
//   - scripts/coiled-hook ...     as printed, against a fake Coiled and a
//     network built by hand in the emulator in us-east-2 (cdk-outputs.json
//     and the stack CoiledNetwork hold its IDs; the IDs --network names
//     are replaced by its own, see handBuiltIDs);
//   - npx --prefix .tools cdk synth ...  as printed; cdk bootstrap and cdk
//     deploy ... as cdk synth with the same options (they need AWS);
//   - go run ./cmd/fakecoiled ... & and `. FILE`: run, and the file read;
//   - export NAME=VALUE: set for the rest of its block; "..." values are
//     the fake Coiled's token or dummy keys;
//   - the Snowflake DNS script (a block starting with `out() {`): as one
//     bash script, with the AWS CLI, against the emulator;
//   - scripts/mutate -list ...: as printed (it lists mutants, runs none);
//   - notRun: the few commands that need a real account or are CI itself.
//
// Any other form fails the test: a new documented command must be handled
// here.

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/coilednet/coilednet/coiled/coiledtest"
	"github.com/coilednet/coilednet/coiled/coiledtest/ec2vms"
	"github.com/coilednet/coilednet/internal/motoserver"
)

// docCommand is one command line of a ```sh block, continuation lines
// joined, comments stripped.
type docCommand struct {
	where string // file:line
	text  string
	block string // file:line of the block
	env   []string
}

// notRun are the documented commands the runner does not run, by prefix,
// with the reason.
var notRun = map[string]string{
	"scripts/test":           "runs every test: CI itself",
	"pip install coiled":     "installs Coiled's client from PyPI (a real Coiled account is needed to use it)",
	"coiled login":           "Coiled's own CLI, with a real Coiled account",
	"coiled config set ":     "Coiled's own CLI (the dask config setting it writes is what the hook's note tells the user)",
	"npm ci --prefix .tools": "what every scripts/deploy above runs first (ensure_cdk in scripts/lib.sh) when .tools/ is not the pinned version",
}

var fenceRE = regexp.MustCompile("^(\\s*)```(\\w*)\\s*$")

// docCommands extracts the commands of every sh block.
func docCommands(t *testing.T) (cmds []docCommand, scripts []docCommand) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		lines := strings.Split(string(data), "\n")
		for i := 0; i < len(lines); i++ {
			m := fenceRE.FindStringSubmatch(lines[i])
			if m == nil {
				continue
			}
			start, indent, lang := i, m[1], m[2]
			var body []string
			for i++; i < len(lines) && !fenceRE.MatchString(lines[i]); i++ {
				body = append(body, strings.TrimPrefix(lines[i], indent))
			}
			if lang != "sh" {
				continue
			}
			block := rel + ":" + itoa(start+1)
			if len(body) > 0 && strings.HasPrefix(body[0], "out() {") {
				scripts = append(scripts, docCommand{where: block, text: strings.Join(body, "\n"), block: block})
				continue
			}
			for j := 0; j < len(body); j++ {
				line, at := body[j], j
				for strings.HasSuffix(line, "\\") && j+1 < len(body) {
					j++
					line = strings.TrimSuffix(line, "\\") + " " + strings.TrimSpace(body[j])
				}
				line = strings.TrimSpace(stripComment(line))
				if line != "" {
					cmds = append(cmds, docCommand{where: rel + ":" + itoa(start+2+at), text: line, block: block})
				}
			}
		}
	}
	return cmds, scripts
}

func itoa(i int) string { return strconv.Itoa(i) }

// stripComment cuts a shell comment: a # outside quotes at the start of a
// word.
func stripComment(s string) string {
	var quote rune
	prev := ' '
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (prev == ' ' || prev == '\t'):
			return s[:i]
		}
		prev = r
	}
	return s
}

// placeholderExports are the values an `export NAME=...` line stands for.
func placeholderExport(name, value, token string) string {
	if !strings.HasSuffix(value, "...") {
		return value
	}
	switch name {
	case "DASK_COILED__TOKEN":
		return token
	case "COILED_AWS_ACCESS_KEY_ID":
		return "AKIADOCSEXAMPLE00000"
	case "COILED_AWS_SECRET_ACCESS_KEY":
		return awsSecret
	}
	return value
}

// docGroups are the documented commands, by how the runner runs them.
type docGroups struct {
	synths, sandboxes, hooks, fakes, scripts []docCommand
	// locals run as printed from the module root and must exit 0
	// (scripts/mutate -list: it lists mutants and runs nothing).
	locals []docCommand
}

// classifyDocs sorts every documented command into its group; a form the
// runner does not know is an error. token is the fake Coiled's, for
// `export DASK_COILED__TOKEN=...`.
func classifyDocs(t *testing.T, token string) docGroups {
	cmds, scripts := docCommands(t)
	if len(cmds) < 20 {
		t.Fatalf("only %d commands found in the docs: is the extraction broken?", len(cmds))
	}
	g := docGroups{scripts: scripts}
	// `export` lines hold for the rest of their block.
	blockEnv := map[string][]string{}
	seen := map[string]bool{}
	exportRE := regexp.MustCompile(`^export ([A-Z_][A-Z0-9_]*)=(.*)$`)
	for _, c := range cmds {
		if m := exportRE.FindStringSubmatch(c.text); m != nil {
			blockEnv[c.block] = append(blockEnv[c.block], m[1]+"="+placeholderExport(m[1], m[2], token))
			continue
		}
		c.env = append([]string(nil), blockEnv[c.block]...)
		handled := false
		for prefix, why := range notRun {
			if strings.HasPrefix(c.text, prefix) {
				t.Logf("%s: not run (%s): %s", c.where, why, c.text)
				handled = true
			}
		}
		if handled {
			continue
		}
		words := strings.Fields(c.text)
		dup := seen[c.text]
		seen[c.text] = true
		switch {
		case words[0] == "scripts/deploy" && containsWord(words, "--local"):
			if !dup {
				g.sandboxes = append(g.sandboxes, c)
			}
		case words[0] == "scripts/deploy",
			strings.HasPrefix(c.text, "npx --prefix .tools cdk synth "),
			strings.HasPrefix(c.text, "npx --prefix .tools cdk bootstrap"),
			strings.HasPrefix(c.text, "npx --prefix .tools cdk deploy "):
			if !dup {
				g.synths = append(g.synths, c)
			}
		case regexp.MustCompile(`^([A-Z_]+=\S+ )*scripts/coiled-hook( |$)`).MatchString(c.text):
			g.hooks = append(g.hooks, c)
		case strings.HasPrefix(c.text, "go run ./cmd/fakecoiled "), strings.HasPrefix(c.text, ". "):
			g.fakes = append(g.fakes, c)
		case strings.HasPrefix(c.text, "scripts/mutate ") && containsWord(words, "-list"):
			g.locals = append(g.locals, c)
		default:
			t.Errorf("%s: a command form the docs runner does not know: %q (handle it in test/e2e/docs_test.go, or change the docs)", c.where, c.text)
		}
	}
	t.Logf("%d commands: %d synth, %d sandbox, %d hook, %d fake Coiled, %d scripts", len(cmds), len(g.synths), len(g.sandboxes), len(g.hooks), len(g.fakes), len(g.scripts))
	return g
}

// TestDocsCommandForms: every documented command has a form the runner
// knows (fast: nothing is run).
func TestDocsCommandForms(t *testing.T) {
	g := classifyDocs(t, "token")
	for _, c := range append(append(g.synths, g.sandboxes...), g.hooks...) {
		t.Logf("%s: %s", c.where, c.text)
	}
}

// TestDocsCommands runs every documented command (see the top of this file).
func TestDocsCommands(t *testing.T) {
	requireTools(t)
	srv := fakeCoiled(t)
	tmp := t.TempDir()
	g := classifyDocs(t, srv.Token())
	synths, sandboxes, hooks, fakes, scripts := g.synths, g.sandboxes, g.hooks, g.fakes, g.scripts

	t.Run("synth", func(t *testing.T) {
		t.Parallel()
		runSynths(t, synths, srv, tmp)
	})
	t.Run("sandbox", func(t *testing.T) {
		t.Parallel()
		runSandboxes(t, sandboxes)
	})
	t.Run("hook", func(t *testing.T) {
		t.Parallel()
		runHooks(t, hooks, srv)
	})
	t.Run("fakecoiled", func(t *testing.T) {
		t.Parallel()
		runFakeCoiled(t, fakes)
	})
	t.Run("scripts", func(t *testing.T) {
		t.Parallel()
		for _, s := range scripts {
			runSnowflakeScript(t, s)
		}
	})
	t.Run("local", func(t *testing.T) {
		t.Parallel()
		for _, c := range g.locals {
			if out, code := bash(t, root, c.env, c.text); code != 0 || strings.TrimSpace(out) == "" {
				t.Errorf("%s: %s: exit %d, output:\n%s", c.where, c.text, code, out)
			}
		}
	})
}

func containsWord(words []string, w string) bool {
	for _, x := range words {
		if x == w {
			return true
		}
	}
	return false
}

// bash runs command with bash -c in dir, env added to this process's.
func bash(t *testing.T, dir string, env []string, command string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", command)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", command, err)
	}
	return string(out), code
}

// noCredentials: the AWS SDK's default chain finds nothing (no IMDS wait).
var noCredentials = []string{"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_PROFILE=",
	"AWS_DEFAULT_PROFILE=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true",
	"AWS_ENDPOINT_URL="}

// shadowRoot returns a directory that is the checkout but for its own
// cdk.out/ and outputs files: a symlink to each top-level entry (dated
// 2000, so that build_if_stale does not take them for changed sources).
// Deploy commands run in several of them at once, each writing its own
// cdk.out/, and never touch the checkout's.
func shadowRoot(t *testing.T) string {
	dir := t.TempDir()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	links := []string{"-h", "-d", "2000-01-01"}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "cdk.out") || strings.HasPrefix(name, "cdk-outputs") || name == ".git" {
			continue
		}
		if err := os.Symlink(filepath.Join(root, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		links = append(links, filepath.Join(dir, name))
	}
	if out, err := exec.Command("touch", links...).CombinedOutput(); err != nil {
		t.Fatalf("touch -h: %v\n%s", err, out)
	}
	return dir
}

// runSynths runs the deploy commands, a few at a time, each in a shadow
// of the checkout, without AWS credentials, with a fake Coiled for the
// role's pre-step.
func runSynths(t *testing.T, synths []docCommand, srv *coiledtest.Server, tmp string) {
	env := append(append([]string{}, noCredentials...), "DASK_COILED__SERVER="+srv.URL(), "DASK_COILED__TOKEN="+srv.Token(),
		"DASK_CONFIG="+filepath.Join(tmp, "dask"), "COILEDNET_ROLE_SETUP_FILE="+filepath.Join(tmp, "role-setup.json"),
		"CDK_DISABLE_VERSION_CHECK=true", "CDK_DISABLE_CLI_TELEMETRY=true", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20")
	cdkRE := regexp.MustCompile(`^npx --prefix \.tools cdk (bootstrap|deploy)\b`)
	limit := max(2, min(runtime.NumCPU(), 4))
	shadows := make(chan string, limit)
	for range limit {
		shadows <- shadowRoot(t)
	}
	var wg sync.WaitGroup
	for _, c := range synths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dir := <-shadows
			defer func() { shadows <- dir }()
			command := c.text
			if cdkRE.MatchString(command) {
				// bootstrap and deploy need AWS: their options, synthesized.
				command = cdkRE.ReplaceAllString(command, "npx --prefix .tools cdk synth --quiet")
				command = strings.ReplaceAll(command, " --outputs-file cdk-outputs.json", "")
			}
			start := time.Now()
			got, code := bash(t, dir, append(append([]string{}, env...), c.env...), command)
			t.Logf("%s (%.0fs): %s", c.where, time.Since(start).Seconds(), c.text)
			if code != 0 || strings.HasPrefix(c.text, "scripts/deploy") && !strings.Contains(got, "Synthesized into cdk.out/") {
				t.Errorf("%s: %s: exit %d:\n%s", c.where, c.text, code, got)
			}
			if strings.Contains(c.text, "coiledAccess=role") && !strings.Contains(c.text, "coiledPrincipal") &&
				!strings.Contains(got, "getting the principal and external ID of workspace acme") {
				t.Errorf("%s: the role's pre-step did not ask Coiled:\n%s", c.where, got)
			}
		}()
	}
	wg.Wait()
}

// runSandboxes runs the sandbox commands side by side (each has its own
// emulator and work directory), a few at a time.
func runSandboxes(t *testing.T, sandboxes []docCommand) {
	limit := max(2, min(runtime.NumCPU(), 4))
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for _, c := range sandboxes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			dir := t.TempDir()
			start := time.Now()
			got, code := bash(t, root, append([]string{"TMPDIR=" + dir, "COILEDNET_SANDBOX_OUTPUTS=" + filepath.Join(dir, "outputs.json")}, c.env...), c.text)
			t.Logf("%s (%.0fs): %s", c.where, time.Since(start).Seconds(), c.text)
			if code != 0 || !strings.Contains(got, "Sandbox done in ") || strings.Count(got, "Network check: ") != 2 ||
				strings.Contains(got, " fail ") || strings.Contains(got, "Traceback") {
				t.Errorf("%s: %s: exit %d, want the sandbox done with both network checks passed:\n%s", c.where, c.text, code, got)
			}
			if strings.Contains(c.text, "egressFirewall=network-firewall") &&
				(!strings.HasPrefix(got, "sandbox: egressFirewall=network-firewall: the emulator cannot deploy AWS Network Firewall") ||
					!strings.Contains(got, "-> the firewall endpoint in its AZ")) {
				t.Errorf("%s: the firewall is not said first, or its routes not shown:\n%s", c.where, got)
			}
			for _, ref := range []string{"transitGatewayId=", "peerVpcs=", "endpointServices=", "existingVpcId="} {
				if strings.Contains(c.text, ref) && !strings.Contains(got, "sandbox: "+strings.TrimSuffix(ref, "=")+" ") {
					t.Errorf("%s: no stand-in said for %s:\n%s", c.where, ref, got)
				}
			}
		}()
	}
	wg.Wait()
}

// handBuiltIDs are the IDs docs/check.md's --network examples name, in the
// order of the network built by hand for the hook commands.
var handBuiltIDs = []string{"vpc-0abc", "subnet-0sch", "subnet-0wrk", "sg-0sch", "sg-0clu"}

const docsRegion = "us-east-2"

// runHooks runs the hook commands against the fake Coiled and a network
// built by hand in the emulator, in us-east-2 (the docs' region), with two
// zones (us-east-2a, us-east-2b), workers without public IP.
func runHooks(t *testing.T, hooks []docCommand, srv *coiledtest.Server) {
	endpoint := motoserver.Start(t)
	ids, zones := handBuiltNetwork(t, endpoint)
	// --verify's cluster VMs run in the emulator, in the subnets sent, as
	// the sandbox's fake Coiled runs them (fakecoiled -ec2-endpoint).
	srv.SetVMLauncher(ec2vms.New(endpoint, docsRegion))
	outputs := map[string]string{
		"NetworkId": ids[0], "SchedulerSubnetId": ids[1], "WorkerSubnetId": ids[2], "SchedulerFirewallId": ids[3],
		"FirewallId": ids[4], "GiveWorkersPublicIp": "false", "Region": docsRegion, "Zone0": zones[0], "Zone1": zones[1],
	}
	motoserver.CreateStackIn(t, endpoint, docsRegion, "CoiledNetwork", outputs)
	dir := shadowRoot(t) // its own cdk-outputs.json
	raw, _ := json.Marshal(map[string]any{"CoiledNetwork": outputs})
	if err := os.WriteFile(filepath.Join(dir, "cdk-outputs.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(motoserver.EnvList(endpoint), "AWS_REGION="+docsRegion, "AWS_DEFAULT_REGION="+docsRegion,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PROFILE=",
		"DASK_COILED__SERVER="+srv.URL(), "DASK_COILED__TOKEN="+srv.Token(), "DASK_CONFIG="+t.TempDir(), "HOME="+t.TempDir(),
		"COILED_AWS_ACCESS_KEY_ID=AKIADOCSEXAMPLE00000", "COILED_AWS_SECRET_ACCESS_KEY="+awsSecret)
	for _, c := range hooks {
		command := c.text
		for i, id := range handBuiltIDs {
			command = regexp.MustCompile(`\b`+regexp.QuoteMeta(id)+`\b`).ReplaceAllString(command, ids[i])
		}
		got, code := bash(t, dir, append(append([]string{}, env...), c.env...), command)
		t.Logf("%s: %s", c.where, c.text)
		if code != 0 || strings.Contains(got, awsSecret) || strings.Contains(got, "SDK ") {
			t.Errorf("%s: %s: exit %d (or a secret or SDK log line printed):\n%s", c.where, command, code, got)
		}
		if i := strings.Index(got, "{"); strings.Contains(c.text, "--json") && (i < 0 || !json.Valid([]byte(got[i:]))) {
			t.Errorf("%s: --json printed no JSON:\n%s", c.where, got)
		}
	}
}

// handBuiltNetwork builds, in the emulator's us-east-2, a VPC with a public
// and a private subnet in each of us-east-2a and us-east-2b (internet
// gateway, NAT gateway), the scheduler and cluster groups, and returns the
// IDs in the order of handBuiltIDs (zone a's subnets) and the ZoneN values.
func handBuiltNetwork(t *testing.T, endpoint string) ([]string, []string) {
	ctx := context.Background()
	c := ec2.NewFromConfig(aws.Config{Region: docsRegion, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "testing")})
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	v, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})
	must("create VPC", err)
	vpc := aws.ToString(v.Vpc.VpcId)
	_, err = c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpc), EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}})
	must("DNS hostnames", err)
	igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	must("create IGW", err)
	_, err = c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: aws.String(vpc)})
	must("attach IGW", err)
	table := func(subnet string, route ec2.CreateRouteInput) {
		rt, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpc)})
		must("create route table", err)
		route.RouteTableId, route.DestinationCidrBlock = rt.RouteTable.RouteTableId, aws.String("0.0.0.0/0")
		_, err = c.CreateRoute(ctx, &route)
		must("create route", err)
		_, err = c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId, SubnetId: aws.String(subnet)})
		must("associate", err)
	}
	subnet := func(cidr, az string) string {
		out, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(az)})
		must("create subnet", err)
		return aws.ToString(out.Subnet.SubnetId)
	}
	var zones, first []string
	for i, az := range []string{docsRegion + "a", docsRegion + "b"} {
		pub, priv := subnet("10.9."+itoa(2*i)+".0/24", az), subnet("10.9."+itoa(2*i+1)+".0/24", az)
		table(pub, ec2.CreateRouteInput{GatewayId: igw.InternetGateway.InternetGatewayId})
		eip, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
		must("EIP", err)
		nat, err := c.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(pub), AllocationId: eip.AllocationId})
		must("NAT gateway", err)
		table(priv, ec2.CreateRouteInput{NatGatewayId: nat.NatGateway.NatGatewayId})
		zones = append(zones, az+","+pub+","+priv)
		if i == 0 {
			first = []string{pub, priv}
		}
	}
	group := func(name string) string {
		out, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: aws.String(vpc)})
		must("create group", err)
		return aws.ToString(out.GroupId)
	}
	sched, cluster := group("scheduler"), group("cluster")
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sched), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("198.51.100.0/24")}}}}})
	must("scheduler ingress", err)
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(cluster), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("-1"), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(cluster)}}}}})
	must("cluster self rule", err)
	return []string{vpc, first[0], first[1], sched, cluster}, zones
}

// runFakeCoiled runs docs/sandbox.md's "the fake Coiled on its own": the
// background go run, then sourcing the file it writes.
func runFakeCoiled(t *testing.T, fakes []docCommand) {
	if len(fakes) == 0 {
		return
	}
	var script []string
	for _, c := range fakes {
		script = append(script, c.text)
	}
	sort.SliceStable(script, func(i, j int) bool {
		return strings.HasPrefix(script[i], "go run") && !strings.HasPrefix(script[j], "go run")
	})
	file := ""
	if m := regexp.MustCompile(`-env-file (\S+)`).FindStringSubmatch(script[0]); m != nil {
		file = m[1]
	}
	if file == "" {
		t.Fatalf("the fake Coiled's command names no -env-file: %q", script[0])
	}
	os.Remove(file)
	// Wait for the file between the two lines, as a user would; then show
	// what sourcing it set, and stop the server.
	// set -m: the background job gets a process group of its own, so that
	// stopping it stops go run's child (the server) too.
	full := strings.Join([]string{"set -m", script[0],
		"pid=$!; for i in $(seq 1 600); do [ -s " + file + " ] && break; sleep 0.1; done",
		strings.Join(script[1:], "\n"),
		`echo "server=$DASK_COILED__SERVER token=${DASK_COILED__TOKEN:+set}"; kill -- -$pid; wait $pid 2>/dev/null; rm -f ` + file}, "\n")
	got, code := bash(t, root, nil, full)
	if code != 0 || !regexp.MustCompile(`server=http://127\.0\.0\.1:\d+ token=set`).MatchString(got) {
		t.Errorf("the fake Coiled as docs/sandbox.md runs it: exit %d:\n%s", code, got)
	}
}

// runSnowflakeScript runs docs/endpoints.md's DNS script for Snowflake
// with the AWS CLI against the emulator, in us-west-2, where a stack
// CoiledNetwork holds a VPC and the endpoint's DNS entries; the hosted zone
// and its two records must exist afterwards.
func runSnowflakeScript(t *testing.T, s docCommand) {
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv(motoserver.RequireToolsEnv) == "1" {
			t.Fatalf("%s: the AWS CLI is needed to run this script", s.where)
		}
		t.Skipf("%s: the AWS CLI is not installed", s.where)
	}
	endpoint := motoserver.Start(t)
	const region = "us-west-2"
	c := ec2.NewFromConfig(aws.Config{Region: region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "testing")})
	v, err := c.CreateVpc(context.Background(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	dns := "vpce-0a1b2c3d4e5f60718-abcdefgh.vpce-svc-0123456789abcdef0." + region + ".vpce.amazonaws.com"
	motoserver.CreateStackIn(t, endpoint, region, "CoiledNetwork", map[string]string{
		"NetworkId": aws.ToString(v.Vpc.VpcId),
		"EndpointVpceSvc0123456789abcdef0DnsEntries": "Z1HUB23UULQXV:" + dns + ",Z1HUB23UULQXV:vpce-0a1b2c3d4e5f60718-abcdefgh-" + region + "a.vpce-svc-0123456789abcdef0." + region + ".vpce.amazonaws.com",
	})
	env := append(motoserver.EnvList(endpoint), "AWS_REGION="+region, "AWS_DEFAULT_REGION="+region,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	got, code := bash(t, t.TempDir(), env, "set -e\nunset AWS_PROFILE AWS_DEFAULT_PROFILE\n"+s.text+"\naws route53 list-resource-record-sets --hosted-zone-id \"$zone\" --output json")
	if code != 0 || strings.Count(got, dns) != 2 || !strings.Contains(got, "ocsp.xy12345.us-west-2.privatelink.snowflakecomputing.com") {
		t.Errorf("%s: the Snowflake DNS script: exit %d, want two CNAMEs to %s:\n%s", s.where, code, dns, got)
	}
}
