package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestFakeCoiledServesAndStops starts the command, reads the variables it
// prints, calls the fake with them, and stops it as Ctrl-C would.
func TestFakeCoiledServesAndStops(t *testing.T) {
	env := filepath.Join(t.TempDir(), "coiled.env")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuf
	done := make(chan int)
	go func() { done <- run(ctx, []string{"-env-file", env, "-workspace", "lab"}, &stdout, &stderr) }()

	var exports string
	for i := 0; i < 100 && exports == ""; i++ {
		b, _ := os.ReadFile(env)
		exports = string(b)
		time.Sleep(20 * time.Millisecond)
	}
	vars := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(exports), "\n") {
		k, v, _ := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		vars[k] = v
	}
	server, token := vars["DASK_COILED__SERVER"], vars["DASK_COILED__TOKEN"]
	if !strings.HasPrefix(server, "http://127.0.0.1:") || !strings.HasPrefix(token, "fake-") {
		t.Fatalf("env file %q", exports)
	}
	if fi, err := os.Stat(env); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("env file mode %v (%v), want 0600", fi.Mode(), err)
	}

	call := func(tok string) int {
		req, _ := http.NewRequest(http.MethodGet, server+"/api/v2/user/me/memberships", nil)
		req.Header.Set("Authorization", "ApiToken "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := call(token); code != http.StatusOK {
		t.Errorf("memberships with the printed token: %d", code)
	}
	if code := call("fake-wrong"); code != http.StatusUnauthorized {
		t.Errorf("memberships with another token: %d, want 401", code)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after interrupt", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("did not stop when interrupted")
	}
	if !strings.Contains(stdout.String(), "export DASK_COILED__TOKEN="+token) || !strings.Contains(stderr.String(), "workspace lab") {
		t.Errorf("stdout %q stderr %q", stdout.String(), stderr.String())
	}
	if _, err := http.Get(server + "/api/v2/user/me"); err == nil {
		t.Error("the fake still answers after it stopped")
	}
	if code := run(context.Background(), []string{"extra"}, &stdout, &stderr); code != 2 {
		t.Errorf("an argument: exit %d, want 2", code)
	}
}
