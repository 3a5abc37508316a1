// Package motoserver starts moto_server (the AWS API emulator from the moto
// Python package) for tests, on a free 127.0.0.1 port, and stops it when the
// test ends.
//
// Clients must use the returned endpoint, http://localhost:PORT (moto's S3
// needs the host name localhost), with the dummy credentials of Env.
//
// When moto_server is not on PATH the test is skipped with a message saying
// how to install it, unless COILEDNET_REQUIRE_TOOLS=1 (set by CI), in which
// case the test fails instead.
package motoserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// Binary is the emulator's command name, looked up on PATH.
const Binary = "moto_server"

// RequireToolsEnv names the variable that, set to "1", turns a missing
// moto_server into a test failure.
const RequireToolsEnv = "COILEDNET_REQUIRE_TOOLS"

// StartTimeout bounds how long Start waits for moto_server to answer.
const StartTimeout = 60 * time.Second

// Region is the region of Env.
const Region = "us-east-1"

// Env is the dummy credential environment moto expects. Pass it (plus
// AWS_ENDPOINT_URL, see Environ) to the code under test; never real keys.
var Env = map[string]string{
	"AWS_ACCESS_KEY_ID":     "testing",
	"AWS_SECRET_ACCESS_KEY": "testing",
	"AWS_SESSION_TOKEN":     "testing",
	"AWS_REGION":            Region,
	"AWS_DEFAULT_REGION":    Region,
}

// Environ returns Env plus AWS_ENDPOINT_URL=endpoint as a fresh map, e.g. to
// build an env lookup function or a subprocess environment.
func Environ(endpoint string) map[string]string {
	out := make(map[string]string, len(Env)+1)
	for k, v := range Env {
		out[k] = v
	}
	out["AWS_ENDPOINT_URL"] = endpoint
	return out
}

// EnvList is Environ as "KEY=value" strings, for exec.Cmd.Env (append it to
// os.Environ() or a cleaned copy of it).
func EnvList(endpoint string) []string {
	var out []string
	for k, v := range Environ(endpoint) {
		out = append(out, k+"="+v)
	}
	return out
}

// Start starts a moto_server for t and returns its endpoint,
// http://localhost:PORT. It is stopped (its whole process group) on
// t.Cleanup. Each call starts a separate server with empty state.
func Start(t testing.TB) (endpoint string) {
	t.Helper()
	path, err := exec.LookPath(Binary)
	if err != nil {
		missing(t, fmt.Sprintf("%s not found on PATH (install it with `pip install 'moto[server]'`)", Binary))
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		endpoint, notInstalled, err := start(t, path)
		if err == nil {
			return endpoint
		}
		if notInstalled {
			missing(t, err.Error())
		}
		lastErr = err
	}
	t.Fatalf("motoserver: %v", lastErr)
	return ""
}

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(RequireToolsEnv) == "1" {
		t.Fatalf("motoserver: %s, and %s=1 requires it", why, RequireToolsEnv)
	}
	t.Skipf("motoserver: %s; skipping (set %s=1 to make this a failure)", why, RequireToolsEnv)
}

// syncBuffer collects the server's output for error messages.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p, keeping at most 64 KiB.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() < 64<<10 {
		b.buf.Write(p)
	}
	return len(p), nil
}

// String returns what was written.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs one moto_server; notInstalled reports a PATH entry that cannot
// run it (e.g. a pyenv shim for a Python without moto).
func start(t testing.TB, path string) (endpoint string, notInstalled bool, err error) {
	port, err := freePort()
	if err != nil {
		return "", false, err
	}
	out := &syncBuffer{}
	cmd := exec.Command(path, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = os.Environ()
	if err := cmd.Start(); err != nil {
		return "", false, fmt.Errorf("starting %s: %v", path, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}

	endpoint = "http://localhost:" + strconv.Itoa(port)
	probe := "http://127.0.0.1:" + strconv.Itoa(port) + "/moto-api/"
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(StartTimeout)
	for {
		select {
		case err := <-exited:
			exited <- err
			var ee *exec.ExitError
			if errors.As(err, &ee) && ee.ExitCode() == 127 {
				return "", true, fmt.Errorf("%s is on PATH but cannot run: %s", path, out.String())
			}
			return "", false, fmt.Errorf("%s exited before answering (%v): %s", Binary, err, out.String())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, probe, nil)
		resp, err := client.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Cleanup(stop)
				return endpoint, false, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return "", false, fmt.Errorf("%s did not answer on port %d within %s: %s", Binary, port, StartTimeout, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// CreateStack creates a CloudFormation stack named name in the moto at
// endpoint (in Region) holding one AWS::EC2::VPC and an output per entry of
// outputs, with the given literal values, and waits until it is complete.
// The VPC's real ID is available as the extra output MotoVpcId.
func CreateStack(t testing.TB, endpoint, name string, outputs map[string]string) {
	t.Helper()
	CreateStackIn(t, endpoint, Region, name, outputs)
}

// CreateStackIn is CreateStack in region.
func CreateStackIn(t testing.TB, endpoint, region, name string, outputs map[string]string) {
	t.Helper()
	outs := map[string]any{"MotoVpcId": map[string]any{"Value": map[string]any{"Ref": "Vpc"}}}
	for k, v := range outputs {
		outs[k] = map[string]any{"Value": v}
	}
	tmpl, err := json.Marshal(map[string]any{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Resources": map[string]any{
			"Vpc": map[string]any{"Type": "AWS::EC2::VPC", "Properties": map[string]any{"CidrBlock": "10.0.0.0/16"}},
		},
		"Outputs": outs,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(region),
		config.WithBaseEndpoint(endpoint),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(Env["AWS_ACCESS_KEY_ID"], Env["AWS_SECRET_ACCESS_KEY"], Env["AWS_SESSION_TOKEN"])),
	)
	if err != nil {
		t.Fatalf("motoserver: AWS config: %v", err)
	}
	cf := cloudformation.NewFromConfig(cfg)
	if _, err := cf.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(string(tmpl))}); err != nil {
		t.Fatalf("motoserver: CreateStack %s: %v", name, err)
	}
	for {
		out, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
		if err != nil {
			t.Fatalf("motoserver: DescribeStacks %s: %v", name, err)
		}
		switch st := out.Stacks[0].StackStatus; {
		case st == cftypes.StackStatusCreateComplete:
			return
		case strings.HasSuffix(string(st), "_IN_PROGRESS"):
			time.Sleep(50 * time.Millisecond)
		default:
			t.Fatalf("motoserver: stack %s ended in %s: %s", name, st, aws.ToString(out.Stacks[0].StackStatusReason))
		}
	}
}
