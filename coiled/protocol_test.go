package coiled_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coilednet/coilednet/coiled"
	"github.com/coilednet/coilednet/coiled/coiledtest"
)

// statusServer answers every request with status and body and counts them.
func statusServer(t *testing.T, status int, body string) (*coiled.Client, *atomic.Int32, *[]string) {
	t.Helper()
	var n atomic.Int32
	var mu sync.Mutex
	queries := &[]string{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		mu.Lock()
		*queries = append(*queries, r.URL.RawQuery)
		mu.Unlock()
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(ts.Close)
	c, err := coiled.NewClient(ts.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	c.Sleep = func(ctx context.Context, d time.Duration) error { return nil }
	return c, &n, queries
}

// Gap 6: which statuses are retried, which are a rejected token.
func TestStatusesRetriedOrNot(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status   int
		body     string
		attempts int32
		token    bool
		upgrade  bool
	}{
		{400, `{"detail": "bad"}`, 1, false, false},
		{401, `{"detail": "Invalid token."}`, 1, true, false},
		{403, `{"detail": "Forbidden."}`, 1, true, false},
		{404, `{"detail": "Not found."}`, 1, false, false},
		{409, `{"detail": "busy"}`, 1, false, false},
		{409, `{"action_required": "other", "detail": "busy"}`, 1, false, false},
		{426, `{"detail": "upgrade"}`, 1, false, true},
		{429, `{"detail": "slow down"}`, 4, false, false},
		{500, `{"detail": "oops"}`, 4, false, false},
		{501, `{"detail": "no"}`, 1, false, false},
		{502, ``, 4, false, false},
		{503, ``, 4, false, false},
		{504, ``, 4, false, false},
		{505, ``, 1, false, false},
		{409, `{"action_required": "retry"}`, 4, false, false},
	} {
		c, n, _ := statusServer(t, tc.status, tc.body)
		_, err := c.Me(context.Background())
		var apiErr *coiled.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != tc.status {
			t.Errorf("%d %s: err = %v", tc.status, tc.body, err)
			continue
		}
		if got := n.Load(); got != tc.attempts {
			t.Errorf("%d %s: %d attempts, want %d", tc.status, tc.body, got, tc.attempts)
		}
		if errors.Is(err, coiled.ErrTokenRejected) != tc.token {
			t.Errorf("%d: token rejected = %v, want %v", tc.status, !tc.token, tc.token)
		}
		if errors.Is(err, coiled.ErrUpgradeRequired) != tc.upgrade {
			t.Errorf("%d: upgrade required = %v, want %v", tc.status, !tc.upgrade, tc.upgrade)
		}
	}
	if (&coiled.APIError{Status: 403}).Is(errors.New("token rejected")) {
		t.Error("APIError matches an unrelated error")
	}
}

func TestForbiddenTokenWithTheFake(t *testing.T) {
	t.Parallel()
	srv := coiledtest.Start(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme"}}})
	c, sleeps := newClient(t, srv)
	srv.RejectToken(403)
	_, err := c.BackendOptions(context.Background(), "acme")
	var apiErr *coiled.APIError
	if !errors.Is(err, coiled.ErrTokenRejected) || !errors.As(err, &apiErr) || apiErr.Status != 403 {
		t.Errorf("err = %v", err)
	}
	if len(srv.Requests()) != 1 || len(*sleeps) != 0 {
		t.Errorf("a 403 was retried: %d requests, sleeps %v", len(srv.Requests()), *sleeps)
	}
}

func TestConflictConfirm(t *testing.T) {
	t.Parallel()
	const q = "Replace the credentials?"
	body := `{"action_required": "confirm", "detail": "` + q + `"}`
	// Without Confirm: one request, the question in the error.
	c, n, _ := statusServer(t, 409, body)
	_, err := c.Me(context.Background())
	var ce *coiled.ConfirmRequiredError
	if !errors.As(err, &ce) || ce.Detail != q || ce.Path != "/api/v2/user/me" || ce.Method != "GET" || n.Load() != 1 {
		t.Errorf("err = %v after %d requests", err, n.Load())
	}
	if !strings.Contains(err.Error(), q) {
		t.Errorf("error %q lacks the question", err)
	}
	if got := (&coiled.ConfirmRequiredError{Method: "GET", Path: "/x"}).Error(); !strings.Contains(got, "no text") {
		t.Errorf("empty detail: %q", got)
	}
	// With Confirm: resent once with confirm=1, never more.
	c, n, queries := statusServer(t, 409, body)
	c.Confirm = true
	_, err = c.Me(context.Background())
	if !errors.As(err, &ce) || n.Load() != 2 || !reflect.DeepEqual(*queries, []string{"", "confirm=1"}) {
		t.Errorf("err = %v, queries %q", err, *queries)
	}
	// With the fake: the confirmed request succeeds.
	srv := coiledtest.Start(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme"}}})
	fc, sleeps := newClient(t, srv)
	srv.RequireConfirm(coiledtest.RouteBackendOptions, q)
	if _, err := fc.BackendOptions(context.Background(), "acme"); !errors.As(err, &ce) {
		t.Errorf("without Confirm: %v", err)
	}
	fc.Confirm = true
	if _, err := fc.BackendOptions(context.Background(), "acme"); err != nil {
		t.Errorf("with Confirm: %v", err)
	}
	if len(*sleeps) != 0 {
		t.Errorf("a confirmation waited %v", *sleeps)
	}
}

func TestBackoffAndDeadline(t *testing.T) {
	t.Parallel()
	srv := coiledtest.Start(t, coiledtest.Options{})
	c, sleeps := newClient(t, srv)
	c.Attempts = 8
	srv.FailNext(coiledtest.RouteMe, 7, coiledtest.Fail503)
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := time.Second
	if want := []time.Duration{s, 2 * s, 4 * s, 8 * s, 10 * s, 10 * s, 10 * s}; !reflect.DeepEqual(*sleeps, want) {
		t.Errorf("sleeps %v, want %v", *sleeps, want)
	}
	// No wait past the context's deadline: 1, 2 and 4 s fit in 6 s, 8 s does not.
	c2, sleeps2 := newClient(t, srv)
	c2.Attempts = 10
	srv.FailNext(coiledtest.RouteMe, 20, coiledtest.Fail429)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	_, err := c2.Me(ctx)
	var apiErr *coiled.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 429 {
		t.Errorf("err = %v", err)
	}
	if want := []time.Duration{s, 2 * s, 4 * s}; !reflect.DeepEqual(*sleeps2, want) {
		t.Errorf("sleeps %v, want %v", *sleeps2, want)
	}
	// A failed sleep (context ended) ends the retries with the last error.
	srv3 := coiledtest.Start(t, coiledtest.Options{})
	c3, _ := newClient(t, srv3)
	c3.Sleep = func(ctx context.Context, d time.Duration) error { return context.Canceled }
	srv3.FailNext(coiledtest.RouteMe, 20, coiledtest.Fail502)
	if _, err := c3.Me(context.Background()); !errors.As(err, &apiErr) || apiErr.Status != 502 || len(srv3.Requests()) != 1 {
		t.Errorf("err = %v after %d requests", err, len(srv3.Requests()))
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	srv := coiledtest.Start(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme"}}})
	c, _ := newClient(t, srv)
	if c.ClientVersion != coiled.DefaultClientVersion || coiled.DefaultClientVersion != "1.130.4" {
		t.Errorf("ClientVersion %q", c.ClientVersion)
	}
	ctx := context.Background()
	if _, err := c.Me(ctx); err != nil {
		t.Fatal(err)
	}
	c.ClientVersion = "9.9.9"
	if _, err := c.Me(ctx); err != nil {
		t.Fatal(err)
	}
	c.ClientVersion = ""
	if err := c.UpdateBackendOptions(ctx, "acme", validUpdate(t), nil); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range srv.Requests() {
		got = append(got, r.ClientVersion)
		if r.UserAgent != coiled.UserAgent() || !strings.HasPrefix(r.UserAgent, "coilednet/") || r.Authorization != coiled.AuthorizationHeader(srv.Token()) {
			t.Errorf("%s: User-Agent %q, Authorization %q", r.Path, r.UserAgent, r.Authorization)
		}
	}
	if want := []string{"1.130.4", "9.9.9", "1.130.4"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Client-Version %q, want %q", got, want)
	}
	// 426 with the fake, on HTTP and on the websocket handshake.
	srv.SetMinClientVersion("1.131.0")
	if _, err := c.Me(ctx); !errors.Is(err, coiled.ErrUpgradeRequired) {
		t.Errorf("Me: %v", err)
	}
	err := c.UpdateBackendOptions(ctx, "acme", validUpdate(t), nil)
	var apiErr *coiled.APIError
	if !errors.Is(err, coiled.ErrUpgradeRequired) || !errors.As(err, &apiErr) || apiErr.Message != coiledtest.UpgradeRequiredDetail {
		t.Errorf("websocket: %v", err)
	}
	c.ClientVersion = "1.131.0"
	if _, err := c.Me(ctx); err != nil {
		t.Errorf("a new enough version: %v", err)
	}
	c.ClientVersion = "1.130.5.dev1"
	if _, err := c.Me(ctx); !errors.Is(err, coiled.ErrUpgradeRequired) {
		t.Errorf("1.130.5.dev1 < 1.131.0: %v", err)
	}
}

func validUpdate(t *testing.T) map[string]any {
	t.Helper()
	p, err := coiled.PlanAWSNetwork(nil, coiled.AWSNetworkUpdate{
		Region: "us-east-2",
		Network: coiled.Network{NetworkID: "vpc-1", SchedulerSubnetID: "subnet-1", WorkerSubnetID: "subnet-1",
			SchedulerFirewallID: "sg-1", FirewallID: "sg-2", GiveWorkersPublicIP: true},
		Credentials: coiled.AWSCredentials{AccessKeyID: "AKIA1", SecretAccessKey: "s"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p.BackendOptions
}

// Gap 7: the websocket's failures are failures.
func TestWebsocketFailures(t *testing.T) {
	t.Parallel()
	start := func(t *testing.T) (*coiledtest.Server, *coiled.Client) {
		srv := coiledtest.Start(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme"}}})
		c, _ := newClient(t, srv)
		return srv, c
	}
	ctx := context.Background()
	t.Run("reset handshake", func(t *testing.T) {
		t.Parallel()
		srv, c := start(t)
		srv.FailNext(coiledtest.RouteWebsocket, 1, coiledtest.FailReset)
		var te *coiled.TransportError
		if err := c.UpdateBackendOptions(ctx, "acme", validUpdate(t), nil); !errors.As(err, &te) || te.Method != "WEBSOCKET" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("refused handshake", func(t *testing.T) {
		t.Parallel()
		srv, c := start(t)
		srv.FailNext(coiledtest.RouteWebsocket, 1, coiledtest.Fail503)
		var apiErr *coiled.APIError
		err := c.UpdateBackendOptions(ctx, "acme", validUpdate(t), nil)
		if !errors.As(err, &apiErr) || apiErr.Status != 503 || apiErr.Message != "coiledtest: injected 503" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("timed-out handshake", func(t *testing.T) {
		t.Parallel()
		srv, c := start(t)
		c.RequestTimeout = 200 * time.Millisecond
		srv.FailNext(coiledtest.RouteWebsocket, 1, coiledtest.FailHang)
		var te *coiled.TimeoutError
		err := c.UpdateBackendOptions(ctx, "acme", validUpdate(t), nil)
		if !errors.As(err, &te) || !strings.Contains(te.Step, "websocket connection") || te.After != 200*time.Millisecond {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("caller's context ends during the handshake", func(t *testing.T) {
		t.Parallel()
		srv, c := start(t)
		srv.FailNext(coiledtest.RouteWebsocket, 1, coiledtest.FailHang)
		cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		if err := c.UpdateBackendOptions(cctx, "acme", validUpdate(t), nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v", err)
		}
	})
	for _, tc := range []struct {
		name  string
		fault coiledtest.WSFault
		code  int
	}{
		{"closed with 1011 before FINISHED", coiledtest.WSFault{Kind: coiledtest.WSClose}, 1011},
		{"closed with 1001 before FINISHED", coiledtest.WSFault{Kind: coiledtest.WSClose, CloseCode: 1001}, 1001},
		{"dropped before FINISHED", coiledtest.WSFault{Kind: coiledtest.WSDrop}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, c := start(t)
			srv.SetWebsocketFault(tc.fault)
			var progress []string
			err := c.UpdateBackendOptions(ctx, "acme", validUpdate(t), func(m string) { progress = append(progress, m) })
			var ce *coiled.CloseError
			if !errors.As(err, &ce) || errors.Is(err, coiled.ErrTokenRejected) {
				t.Fatalf("err = %v", err)
			}
			if tc.code > 0 && (ce.Code != tc.code || !strings.Contains(err.Error(), fmt.Sprint(tc.code)) || !strings.Contains(err.Error(), "before it said FINISHED")) {
				t.Errorf("err = %v (code %d), want code %d", err, ce.Code, tc.code)
			}
			if tc.code < 0 && (ce.Code >= 1000 && ce.Code != 1006) {
				t.Errorf("dropped connection: code %d", ce.Code)
			}
			if !reflect.DeepEqual(progress, coiledtest.DefaultProgress) {
				t.Errorf("progress %v", progress)
			}
		})
	}
	for _, kind := range []coiledtest.WSFaultKind{coiledtest.WSErrorFrame, coiledtest.WSRaiseFrame} {
		t.Run(fmt.Sprintf("error frame %d", kind), func(t *testing.T) {
			t.Parallel()
			srv, c := start(t)
			srv.SetWebsocketFault(coiledtest.WSFault{Kind: kind, Message: "bad network"})
			var ue *coiled.UpdateError
			err := c.UpdateBackendOptions(ctx, "acme", validUpdate(t), nil)
			if !errors.As(err, &ue) || ue.Message != "bad network" || err.Error() != "Coiled refused the update: bad network" {
				t.Errorf("err = %v", err)
			}
		})
	}
	t.Run("error frame without a message", func(t *testing.T) {
		t.Parallel()
		srv, c := start(t)
		srv.SetWebsocketFault(coiledtest.WSFault{Kind: coiledtest.WSErrorFrame})
		var ue *coiled.UpdateError
		if err := c.UpdateBackendOptions(ctx, "acme", validUpdate(t), nil); !errors.As(err, &ue) || !strings.Contains(ue.Message, "without a message") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("hang ends with the caller's context", func(t *testing.T) {
		t.Parallel()
		srv, c := start(t)
		srv.SetWebsocketFault(coiledtest.WSFault{Kind: coiledtest.WSHang})
		cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		if err := c.UpdateBackendOptions(cctx, "acme", validUpdate(t), nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("unknown workspace closes with 4403", func(t *testing.T) {
		t.Parallel()
		_, c := start(t)
		err := c.UpdateBackendOptions(ctx, "nope", validUpdate(t), nil)
		if !errors.Is(err, coiled.ErrTokenRejected) || !strings.Contains(err.Error(), "4403") {
			t.Errorf("err = %v", err)
		}
	})
}

// Gap 10: NewClient's guards.
func TestNewClientGuards(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ server, token, want string }{
		{"http://127.0.0.1:1", "", "no Coiled API token"},
		{"http://127.0.0.1:1", "  \t", "no Coiled API token"},
		{"http://127.0.0.1:1", "alice-1\nX-Evil: 1", "line break"},
		{"http://127.0.0.1:1", "alice-1\r", "line break"},
		{"http://cloud.coiled.io", "tok", "clear text"},
	} {
		c, err := coiled.NewClient(tc.server, tc.token)
		if c != nil || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewClient(%q, %q) = %v, %v; want an error saying %q", tc.server, tc.token, c, err, tc.want)
		}
	}
	c, err := coiled.NewClient("https://cloud.coiled.io/", " tok ")
	if err != nil || c.Server() != "https://cloud.coiled.io" {
		t.Fatalf("%v %v", c, err)
	}
}

func TestCheckAndChooseWorkspace(t *testing.T) {
	t.Parallel()
	ms := []coiled.Membership{{Slug: "acme", Name: "Acme Inc"}, {Slug: "beta", Name: "Beta"}, {Slug: "", Name: "Ghost"}}
	if got, err := coiled.CheckWorkspace("beta", ms); err != nil || got != "beta" {
		t.Errorf("slug: %q %v", got, err)
	}
	_, err := coiled.CheckWorkspace("acme inc", ms)
	var ne *coiled.WorkspaceNameError
	if !errors.As(err, &ne) || ne.Slug != "acme" || ne.Given != "acme inc" || !strings.Contains(err.Error(), "use the slug acme") {
		t.Errorf("name: %v", err)
	}
	_, err = coiled.CheckWorkspace("Ghost", ms)
	var nf *coiled.WorkspaceNotFoundError
	if !errors.As(err, &nf) || strings.Join(nf.Available, ",") != "acme,beta" {
		t.Errorf("a name without a slug: %v", err)
	}
	_, err = coiled.CheckWorkspace("gamma", ms)
	if !errors.As(err, &nf) || nf.Workspace != "gamma" || !strings.Contains(err.Error(), "acme, beta") {
		t.Errorf("neither: %v", err)
	}
	// Lower-cased username, after the exact one.
	m := func(s string) coiled.Membership { return coiled.Membership{Slug: s} }
	for _, tc := range []struct {
		user string
		ms   []coiled.Membership
		want string
	}{
		{"Bob", []coiled.Membership{m("acme"), m("bob")}, "bob"},
		{"Bob", []coiled.Membership{m("bob"), m("Bob")}, "Bob"},
		{"bob", []coiled.Membership{m("acme"), m("zeta")}, ""},
	} {
		got, reason, err := coiled.ChooseWorkspace(tc.user, tc.ms)
		if got != tc.want || (tc.want == "") != (err != nil) {
			t.Errorf("ChooseWorkspace(%q) = %q, %v", tc.user, got, err)
		}
		if tc.want == "bob" && tc.user == "Bob" && !strings.Contains(reason, "lower-cased") {
			t.Errorf("reason %q", reason)
		}
	}
	// ResolveWorkspace checks an explicit workspace with the fake.
	srv := coiledtest.Start(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme", Name: "Acme Inc"}, {Slug: "beta"}}})
	c, _ := newClient(t, srv)
	if _, _, err := c.ResolveWorkspace(context.Background(), "Acme Inc", nil); !errors.As(err, &ne) {
		t.Errorf("ResolveWorkspace(name): %v", err)
	}
	if got, reason, err := c.ResolveWorkspace(context.Background(), "beta", nil); got != "beta" || reason != "configured" || err != nil {
		t.Errorf("ResolveWorkspace(slug): %q %q %v", got, reason, err)
	}
	srv.RejectToken(401)
	if _, _, err := c.ResolveWorkspace(context.Background(), "beta", nil); !errors.Is(err, coiled.ErrTokenRejected) {
		t.Errorf("ResolveWorkspace with a rejected token: %v", err)
	}
}

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 300)
	for _, tc := range []struct{ body, want string }{
		{`{"message": "m", "detail": "d"}`, "m"},
		{`{"detail": "d"}`, "d"},
		{`{"non_field_errors": ["a", "", "b"]}`, "a; b"},
		{`{"detail": {"field": 1}}`, `{"field":1}`},
		{`<html>error</html>`, ""},
		{`plain text`, "plain text"},
		{long, strings.Repeat("x", 200) + "…"},
		{strings.Repeat("y", 200), strings.Repeat("y", 200)},
		{strings.Repeat("z", 201), strings.Repeat("z", 200) + "…"},
	} {
		c, _, _ := statusServer(t, 400, tc.body)
		_, err := c.Me(context.Background())
		var apiErr *coiled.APIError
		if !errors.As(err, &apiErr) || apiErr.Message != tc.want {
			t.Errorf("body %.40q: message %q, want %q", tc.body, apiErr.Message, tc.want)
		}
		if tc.want == "" && strings.HasSuffix(err.Error(), ": ") {
			t.Errorf("empty message: %q", err)
		}
	}
}

func TestRedirectLimit(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Redirect(w, r, "/api/v2/user/me", http.StatusFound)
	}))
	defer ts.Close()
	c, err := coiled.NewClient(ts.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	c.Attempts = 1
	if _, err := c.Me(context.Background()); err == nil || !strings.Contains(err.Error(), "too many redirects") || n.Load() != 5 {
		t.Errorf("err = %v after %d requests, want 5", err, n.Load())
	}
}

func TestResolveWorkspaceByUsername(t *testing.T) {
	t.Parallel()
	srv := coiledtest.Start(t, coiledtest.Options{Username: "bob", Workspaces: []coiledtest.Workspace{{Slug: "zeta"}, {Slug: "bob"}}})
	c, _ := newClient(t, srv)
	got, reason, err := c.ResolveWorkspace(context.Background(), "", &coiled.User{Username: "bob"})
	if got != "bob" || err != nil || !strings.Contains(reason, "named after user bob") {
		t.Errorf("%q %q %v", got, reason, err)
	}
	if _, _, err := c.ResolveWorkspace(context.Background(), "", nil); err == nil {
		t.Error("no user, two workspaces: chosen")
	}
}
