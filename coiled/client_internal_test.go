package coiled

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestBackoffCap(t *testing.T) {
	t.Parallel()
	c := &Client{}
	s := time.Second
	for n, want := range map[int]time.Duration{1: s, 2: 2 * s, 3: 4 * s, 4: 8 * s, 5: 10 * s, 34: 10 * s, 64: 10 * s, 65: 10 * s, 100: 10 * s} {
		if got := c.backoff(n); got != want {
			t.Errorf("backoff(%d) = %s, want %s", n, got, want)
		}
	}
	c.Backoff = func(n int) time.Duration { return time.Duration(n) }
	if c.backoff(7) != 7 {
		t.Error("Backoff not used")
	}
}

func bodyServer(t *testing.T, body string) (*Client, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Write([]byte(body))
	}))
	t.Cleanup(ts.Close)
	c, err := NewClient(ts.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	return c, &n
}

func TestCallJSONBodies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, n := bodyServer(t, "")
	if err := c.callJSON(ctx, http.MethodPost, "/x", make(chan int), nil); err == nil || !strings.Contains(err.Error(), "encoding the request") || n.Load() != 0 {
		t.Errorf("unencodable body: %v, %d requests", err, n.Load())
	}
	// An empty answer to a POST decodes to nothing; to a GET it is malformed.
	var out any
	if err := c.callJSON(ctx, http.MethodPost, "/x", map[string]any{}, &out); err != nil || out != nil {
		t.Errorf("POST, empty answer: %v %v", err, out)
	}
	if ok, err := c.CheckRoleAssumption(ctx, "acme", "ext", "arn:aws:iam::123456789012:role/r"); ok || err != nil {
		t.Errorf("CheckRoleAssumption, empty answer: %v %v", ok, err)
	}
	if _, err := c.Me(ctx); err == nil || !strings.Contains(err.Error(), "malformed JSON answer") {
		t.Errorf("GET, empty answer: %v", err)
	}
	c2, n2 := bodyServer(t, "not json")
	if err := c2.callJSON(ctx, http.MethodPost, "/x", nil, &out); err == nil || !strings.Contains(err.Error(), "malformed JSON answer") || n2.Load() != 1 {
		t.Errorf("POST, not JSON: %v after %d requests", err, n2.Load())
	}
	c3, _ := bodyServer(t, `{"username": "u"}`)
	if u, err := c3.Me(ctx); err != nil || u.Username != "u" || u.DefaultAccount != "" {
		t.Errorf("Me: %+v %v", u, err)
	}
}

func TestAttemptsAndLog(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusConflict)
		w.Write([]byte(`{"action_required": "retry"}`))
	}))
	defer ts.Close()
	c, err := NewClient(ts.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	var sleeps []time.Duration
	c.Sleep = func(ctx context.Context, d time.Duration) error { sleeps = append(sleeps, d); return nil }
	c.Attempts = 1
	if _, err := c.Me(context.Background()); err == nil || n.Load() != 1 || len(sleeps) != 0 {
		t.Errorf("Attempts 1: %v, %d requests", err, n.Load())
	}
	c.Attempts = 3
	n.Store(0)
	var logged []string
	c.Logf = func(f string, args ...any) {
		if strings.Contains(f, "retry %d/%d") {
			logged = append(logged, strings.SplitN(fmt.Sprintf(f, args...), "; ", 2)[1])
		}
	}
	if _, err := c.Me(context.Background()); err == nil || n.Load() != 3 {
		t.Errorf("Attempts 3: %v, %d requests", err, n.Load())
	}
	if strings.Join(logged, "|") != "retry 1/2 in 3s|retry 2/2 in 3s" {
		t.Errorf("log %q", logged)
	}
	// The default 409 wait is the contract's 3 s.
	if len(sleeps) != 2 || sleeps[0] != DefaultConflictDelay || DefaultConflictDelay != 3*time.Second {
		t.Errorf("sleeps %v", sleeps)
	}
}
