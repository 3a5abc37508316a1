package coiled

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
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

func TestRequestEdges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var gotType []string
	var status atomic.Int32
	big := 4 << 20
	var size atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotType = append(gotType, r.Header.Get("Content-Type"))
		switch r.URL.Path {
		case "/short":
			w.Header().Set("Content-Length", "100")
			w.Write([]byte(`{"a"`))
		case "/big":
			n := int(size.Load())
			w.Write([]byte(`"` + strings.Repeat("x", n-2) + `"`))
		default:
			w.WriteHeader(int(status.Load()))
			w.Write([]byte(`{}`))
		}
	}))
	defer ts.Close()
	c, err := NewClient(ts.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	c.Sleep = func(ctx context.Context, d time.Duration) error { return nil }
	if _, err := c.requestOnce(ctx, "BAD METHOD", "/x", nil); err == nil || len(gotType) != 0 {
		t.Errorf("bad method: %v", err)
	}
	status.Store(200)
	var out any
	if err := c.callJSON(ctx, http.MethodPost, "/x", map[string]any{}, &out); err != nil {
		t.Fatal(err)
	}
	if err := c.callJSON(ctx, http.MethodGet, "/x", nil, &out); err != nil {
		t.Fatal(err)
	}
	if len(gotType) != 2 || gotType[0] != "application/json" || gotType[1] != "" {
		t.Errorf("Content-Type %q", gotType)
	}
	for st, ok := range map[int32]bool{200: true, 204: true, 299: true, 300: false, 199: false} {
		if st == 199 {
			continue // informational answers are not final
		}
		status.Store(st)
		_, err := c.requestOnce(ctx, http.MethodGet, "/x", nil)
		if (err == nil) != ok {
			t.Errorf("status %d: %v", st, err)
		}
	}
	// A body cut short is a transport error, retried.
	_, err = c.requestOnce(ctx, http.MethodGet, "/short", nil)
	var te *TransportError
	if !errors.As(err, &te) || !isTransientNetErr(te.Err) {
		t.Errorf("short body: %#v", err)
	}
	// At most 4 MiB of an answer is read.
	size.Store(int64(big) - 10)
	var s string
	if err := c.callJSON(ctx, http.MethodGet, "/big", nil, &s); err != nil || len(s) != big-12 {
		t.Errorf("4 MiB - 10: %v", err)
	}
	size.Store(int64(big) + 10)
	if err := c.callJSON(ctx, http.MethodGet, "/big", nil, &s); err == nil || !strings.Contains(err.Error(), "malformed JSON") {
		t.Errorf("4 MiB + 10: %v", err)
	}
}

func TestBodyTimeoutAndCancel(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer ts.Close()
	defer close(release)
	c, err := NewClient(ts.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	c.RequestTimeout = 150 * time.Millisecond
	_, err = c.requestOnce(context.Background(), http.MethodGet, "/x", nil)
	var to *TimeoutError
	if !errors.As(err, &to) || to.Step != "GET /x" {
		t.Errorf("body timeout: %v", err)
	}
	c.RequestTimeout = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err = c.requestOnce(ctx, http.MethodGet, "/x", nil)
	var te *TransportError
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &to) || errors.As(err, &te) {
		t.Errorf("caller's deadline while reading: %#v", err)
	}
	// The same before the answer.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hang.Close()
	c2, _ := NewClient(hang.URL, "tok")
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel2() }()
	_, err = c2.requestOnce(ctx2, http.MethodGet, "/x", nil)
	if !errors.Is(err, context.Canceled) || errors.As(err, &te) {
		t.Errorf("caller's cancel: %#v", err)
	}
}

func TestRefusedIsUnwrapped(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	c, _ := NewClient(url, "tok")
	c.Attempts = 1
	_, err := c.Me(context.Background())
	var te *TransportError
	if !errors.As(err, &te) || strings.Count(err.Error(), url) != 1 {
		t.Errorf("err = %v", err)
	}
	if _, isURLErr := te.Err.(*neturl.Error); isURLErr {
		t.Error("the url.Error is kept")
	}
}

// The smallest settings are used as given, not replaced by the defaults.
func TestTinySettings(t *testing.T) {
	t.Parallel()
	c := &Client{ConflictDelay: 1, RequestTimeout: 1}
	if d, ok := c.retryDelay(&APIError{Status: http.StatusConflict, ActionRequired: "retry"}, 1); d != 1 || !ok {
		t.Errorf("ConflictDelay 1ns: %v %v", d, ok)
	}
	if c.requestTimeout() != 1 || (&Client{}).requestTimeout() != DefaultRequestTimeout {
		t.Error("RequestTimeout")
	}
	if d, ok := (&Client{}).retryDelay(&APIError{Status: http.StatusConflict, ActionRequired: "retry"}, 1); d != DefaultConflictDelay || !ok {
		t.Errorf("default ConflictDelay: %v %v", d, ok)
	}
}

func TestTruthy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    any
		want bool
	}{
		{nil, false}, {true, true}, {false, false}, {"", false}, {"x", true}, {0.0, false}, {-1.0, true}, {0.5, true},
		{json.Number("0"), false}, {json.Number("0.0"), false}, {json.Number("1"), true}, {json.Number("-1"), true},
		{[]any{}, false}, {[]any{0.0}, true}, {map[string]any{}, false}, {map[string]any{"a": nil}, true}, {5, true},
	} {
		if got := truthy(tc.v); got != tc.want {
			t.Errorf("truthy(%#v) = %v", tc.v, got)
		}
	}
}

func TestCloseErrorText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		e    CloseError
		want string
	}{
		{CloseError{Code: -1, Err: errors.New("EOF")}, "websocket connection broke before Coiled said FINISHED: EOF"},
		{CloseError{Code: 0}, "websocket closed by Coiled with code 0 before it said FINISHED"},
		{CloseError{Code: 1011, Reason: "boom"}, "websocket closed by Coiled with code 1011 before it said FINISHED (boom)"},
		{CloseError{Code: 4403}, "websocket closed by Coiled with code 4403 (unauthorized)"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%+v: %q", tc.e, got)
		}
	}
}

func TestRoleCallErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := bodyServer(t, `{"allowed_principal": "not-an-arn", "external_id": ""}`)
	if s, err := c.StartRoleAssumptionSetup(ctx, "acme"); s != nil || err == nil || !strings.Contains(err.Error(), "unusable") {
		t.Errorf("bad answer: %v %v", s, err)
	}
	var n atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer ts.Close()
	c2, _ := NewClient(ts.URL, "tok")
	if s, err := c2.StartRoleAssumptionSetup(ctx, "acme"); s != nil || err == nil {
		t.Errorf("400: %v %v", s, err)
	}
	if ok, err := c2.CheckRoleAssumption(ctx, "acme", "ext", "arn:aws:iam::123456789012:role/r"); ok || err == nil {
		t.Errorf("400: %v %v", ok, err)
	}
	if err := c2.CompleteRoleAssumptionSetup(ctx, "acme", RoleCompletion{}); err == nil || n.Load() != 3 {
		t.Errorf("400: %v after %d requests", err, n.Load())
	}
}
