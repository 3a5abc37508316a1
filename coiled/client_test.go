package coiled_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coilednet/coilednet/coiled"
	"github.com/coilednet/coilednet/coiled/coiledtest"
)

func newClient(t *testing.T, srv *coiledtest.Server) (*coiled.Client, *[]time.Duration) {
	t.Helper()
	c, err := coiled.NewClient(srv.URL(), srv.Token())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	sleeps := &[]time.Duration{}
	c.Sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*sleeps = append(*sleeps, d)
		mu.Unlock()
		return nil
	}
	return c, sleeps
}

func TestChooseWorkspace(t *testing.T) {
	t.Parallel()
	m := func(slug string, def bool) coiled.Membership { return coiled.Membership{Slug: slug, IsDefault: def} }
	for _, tc := range []struct {
		name    string
		user    string
		ms      []coiled.Membership
		want    string
		wantErr string
	}{
		{"default wins over username", "bob", []coiled.Membership{m("bob", false), m("acme", true)}, "acme", ""},
		{"only one", "bob", []coiled.Membership{m("acme", false)}, "acme", ""},
		{"username slug", "bob", []coiled.Membership{m("acme", false), m("bob", false)}, "bob", ""},
		{"ambiguous", "bob", []coiled.Membership{m("zeta", false), m("acme", false)}, "", "belongs to several (acme, zeta)"},
		{"none", "bob", nil, "", "not a member of any workspace"},
	} {
		got, _, err := coiled.ChooseWorkspace(tc.user, tc.ms)
		if tc.wantErr != "" {
			var nw *coiled.NoWorkspaceError
			if !errors.As(err, &nw) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: err = %v", tc.name, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestClientCalls(t *testing.T) {
	t.Parallel()
	srv := coiledtest.Start(t, coiledtest.Options{
		Token: "tok123", Username: "carol",
		Workspaces: []coiledtest.Workspace{{Slug: "acme", Name: "Acme Inc", Default: true, Admin: true}, {Slug: "beta"}},
	})
	c, _ := newClient(t, srv)
	ctx := context.Background()
	u, err := c.Me(ctx)
	if err != nil || u.Username != "carol" || u.DefaultAccount != "acme" {
		t.Fatalf("Me = %+v, %v", u, err)
	}
	ms, err := c.Memberships(ctx)
	if err != nil || len(ms) != 2 || ms[0] != (coiled.Membership{Slug: "acme", Name: "Acme Inc", IsAdmin: true, IsDefault: true}) {
		t.Fatalf("Memberships = %+v, %v", ms, err)
	}
	bo, err := c.BackendOptions(ctx, "beta")
	if err != nil || bo["backend"] != "vm" {
		t.Fatalf("BackendOptions = %v, %v", bo, err)
	}
	_, err = c.BackendOptions(ctx, "gamma")
	var nf *coiled.WorkspaceNotFoundError
	if !errors.As(err, &nf) || strings.Join(nf.Available, ",") != "acme,beta" {
		t.Errorf("unknown workspace: %v", err)
	}
	for _, r := range srv.Requests() {
		if r.Authorization != "Token tok123" {
			t.Errorf("%s sent %q", r.Path, r.Authorization)
		}
	}
}

func TestTokenRejected(t *testing.T) {
	t.Parallel()
	srv := coiledtest.Start(t, coiledtest.Options{})
	c, err := coiled.NewClient(srv.URL(), "wrong-token")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Me(context.Background())
	var apiErr *coiled.APIError
	if !errors.Is(err, coiled.ErrTokenRejected) || !errors.As(err, &apiErr) || apiErr.Status != 401 || apiErr.Message != "Invalid token." {
		t.Errorf("err = %#v", err)
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	srv := coiledtest.Start(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme"}}})
	c, sleeps := newClient(t, srv)
	c.Backoff = func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	c.ConflictDelay = 42 * time.Millisecond
	// A reset on a fresh connection reaches the client (on a reused one
	// net/http retries by itself).
	srv.FailNext(coiledtest.RouteBackendOptions, 1, coiledtest.FailReset)
	srv.FailNext(coiledtest.RouteBackendOptions, 1, coiledtest.Fail500)
	srv.FailNext(coiledtest.RouteBackendOptions, 1, coiledtest.Fail409Retry)
	if _, err := c.BackendOptions(context.Background(), "acme"); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{time.Millisecond, 2 * time.Millisecond, 42 * time.Millisecond}
	if len(*sleeps) != 3 || (*sleeps)[0] != want[0] || (*sleeps)[1] != want[1] || (*sleeps)[2] != want[2] {
		t.Errorf("sleeps %v, want %v", *sleeps, want)
	}
	srv.FailNext(coiledtest.RouteBackendOptions, 4, coiledtest.Fail500)
	if _, err := c.BackendOptions(context.Background(), "acme"); err == nil {
		t.Error("4 failures did not exhaust the 4 attempts")
	}
}

func TestPerRequestTimeout(t *testing.T) {
	t.Parallel()
	srv := coiledtest.Start(t, coiledtest.Options{})
	c, _ := newClient(t, srv)
	c.RequestTimeout = 100 * time.Millisecond
	srv.FailNext(coiledtest.RouteMe, 1, coiledtest.FailHang)
	_, err := c.Me(context.Background())
	var te *coiled.TimeoutError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "timed out after 100ms waiting for GET /api/v2/user/me") {
		t.Errorf("err = %v", err)
	}
}

func TestRedirectToClearTextRefused(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://coiled.invalid/api/v2/user/me", http.StatusFound)
	}))
	defer ts.Close()
	c, err := coiled.NewClient(ts.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	c.Attempts = 1
	_, err = c.Me(context.Background())
	if err == nil || !strings.Contains(err.Error(), "clear text") {
		t.Errorf("err = %v", err)
	}
}

func TestWebsocketURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://cloud.coiled.io": "wss://cloud.coiled.io/ws/api/v1/acme/cluster-info/",
		"http://127.0.0.1:8000/":  "ws://127.0.0.1:8000/ws/api/v1/acme/cluster-info/",
	} {
		if got := coiled.WebsocketURL(in, "acme"); got != want {
			t.Errorf("WebsocketURL(%q) = %q", in, got)
		}
	}
}

func TestUpdateBackendOptions(t *testing.T) {
	t.Parallel()
	update := func() map[string]any {
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
	t.Run("progress streamed, FINISHED ends it", func(t *testing.T) {
		t.Parallel()
		srv := coiledtest.Start(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme"}}, Progress: []string{"one", "two"}})
		c, _ := newClient(t, srv)
		var got []string
		if err := c.UpdateBackendOptions(context.Background(), "acme", update(), func(m string) { got = append(got, m) }); err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, ",") != "one,two" {
			t.Errorf("progress %v", got)
		}
		if ups := srv.Updates(); len(ups) != 1 || !ups[0].Stored || ups[0].ClientCloseCode != 1000 {
			t.Errorf("updates %+v", ups)
		}
	})
	t.Run("the fake rejects a payload that breaks the contract", func(t *testing.T) {
		t.Parallel()
		srv := coiledtest.Start(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme"}}})
		c, _ := newClient(t, srv)
		bo := update()
		bo["options"].(map[string]any)["network"].(map[string]any)["give_workers_public_ip"] = "true"
		bo["options"].(map[string]any)["zone"] = "eu-west-1a"
		err := c.UpdateBackendOptions(context.Background(), "acme", bo, nil)
		var ue *coiled.UpdateError
		if !errors.As(err, &ue) || !strings.Contains(ue.Message, "give_workers_public_ip must be a JSON boolean") ||
			!strings.Contains(ue.Message, `options.zone "eu-west-1a" is not in region us-east-2`) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("4403 is a rejected token", func(t *testing.T) {
		t.Parallel()
		srv := coiledtest.Start(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme"}}})
		c, err := coiled.NewClient(srv.URL(), "not-the-token")
		if err != nil {
			t.Fatal(err)
		}
		err = c.UpdateBackendOptions(context.Background(), "acme", update(), nil)
		var ce *coiled.CloseError
		if !errors.Is(err, coiled.ErrTokenRejected) || !errors.As(err, &ce) || ce.Code != 4403 {
			t.Errorf("err = %v", err)
		}
	})
}
