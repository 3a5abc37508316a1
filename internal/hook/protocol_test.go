package hook

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coilednet/coilednet/coiled"
	"github.com/coilednet/coilednet/coiled/coiledtest"
)

// Issue 22: the hook speaks to Coiled as the newest coiled client does.

func TestClientVersionHeaders(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ env, want string }{{"", coiled.DefaultClientVersion}, {"1.131.0", "1.131.0"}} {
		h := newHarness(t, coiledtest.Options{})
		if tc.env != "" {
			h.env[coiled.EnvClientVersion] = tc.env
		}
		expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitOK)
		reqs := h.srv.Requests()
		ws := 0
		for _, r := range reqs {
			if r.ClientVersion != tc.want || !strings.HasPrefix(r.UserAgent, "coilednet/") {
				t.Errorf("%s %s: Client-Version %q, User-Agent %q; want %q, coilednet/…", r.Method, r.Path, r.ClientVersion, r.UserAgent, tc.want)
			}
			if r.Route == coiledtest.RouteWebsocket {
				ws++
			}
		}
		if ws != 1 || len(reqs) < 4 {
			t.Errorf("%d requests, %d websocket handshakes: the headers of the handshake were not checked", len(reqs), ws)
		}
	}
}

func TestUpgradeRequired(t *testing.T) {
	t.Parallel()
	h := newHarness(t, coiledtest.Options{MinClientVersion: "1.131.0"})
	expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitFailed,
		"asks for a newer client protocol", "nothing more was sent", coiled.EnvClientVersion, "coiled "+coiled.DefaultClientVersion)
	if reqs := h.srv.Requests(); len(reqs) != 1 || reqs[0].Status != 426 {
		t.Errorf("requests after a 426: %+v", reqs)
	}
	if n := len(h.sleepLog()); n != 0 {
		t.Errorf("a 426 was retried %d times", n)
	}
	// The variable lets a user speak a newer version's protocol.
	h.env[coiled.EnvClientVersion] = "1.131.0"
	expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitOK)
	// A malformed value is refused before anything is sent.
	h2 := newHarness(t, coiledtest.Options{})
	h2.env[coiled.EnvClientVersion] = "1.0\r\nX-Evil: 1"
	expect(t, h2.run(h2.outputsFlag(publicOutputs())...), ExitUsage, coiled.EnvClientVersion, "is not a version")
	if n := len(h2.srv.Requests()); n != 0 {
		t.Errorf("%d requests with a malformed version", n)
	}
}

func TestConfirm(t *testing.T) {
	t.Parallel()
	const question = "This replaces the AWS credentials of workspace acme. Continue?"
	h := newHarness(t, coiledtest.Options{})
	h.srv.RequireConfirm(coiledtest.RouteBackendOptions, question)
	res := h.run(h.outputsFlag(publicOutputs())...)
	expect(t, res, ExitFailed, question, "nothing more was sent", "--confirm")
	if !strings.Contains(res.stdout, question) {
		t.Errorf("the question is not on stdout:\n%s", res.stdout)
	}
	n := 0
	for _, r := range h.srv.Requests() {
		if r.Route == coiledtest.RouteBackendOptions {
			n++
		}
	}
	if n != 1 || h.srv.WebsocketConnections() != 0 || len(h.sleepLog()) != 0 {
		t.Errorf("after a 409 confirm: %d backend_options requests, %d websockets, %d sleeps", n, h.srv.WebsocketConnections(), len(h.sleepLog()))
	}

	// With --confirm the request is resent once with confirm=1.
	before := len(h.srv.Requests())
	expect(t, h.run(append(h.outputsFlag(publicOutputs()), "--confirm")...), ExitOK)
	var queries []string
	for _, r := range h.srv.Requests()[before:] {
		if r.Route == coiledtest.RouteBackendOptions {
			queries = append(queries, r.Query)
		}
	}
	// The read before the update and the read back, each asked and confirmed.
	if want := []string{"", "confirm=1", "", "confirm=1"}; !reflect.DeepEqual(queries, want) {
		t.Errorf("backend_options queries %q, want %q", queries, want)
	}
	if len(h.srv.Updates()) != 1 {
		t.Errorf("%d updates sent with --confirm", len(h.srv.Updates()))
	}
}

func TestTransientStatusesRetried(t *testing.T) {
	t.Parallel()
	for _, f := range []coiledtest.HTTPFault{coiledtest.Fail429, coiledtest.Fail502, coiledtest.Fail503, coiledtest.Fail504} {
		h := newHarness(t, coiledtest.Options{})
		h.srv.FailNext(coiledtest.RouteMe, 2, f)
		expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitOK)
		if got, want := h.sleepLog(), []time.Duration{time.Second, 2 * time.Second}; !reflect.DeepEqual(got, want) {
			t.Errorf("fault %d: sleeps %v, want %v", f, got, want)
		}
	}
	// Within --timeout: no wait that would end after it (1 s, 2 s and 4 s
	// fit in 6 s; 8 s does not).
	h := newHarness(t, coiledtest.Options{})
	h.srv.FailNext(coiledtest.RouteMe, 20, coiledtest.Fail429)
	expect(t, h.run(append(h.outputsFlag(publicOutputs()), "--timeout", "6s")...), ExitFailed, "HTTP 429")
	if got, want := h.sleepLog(), []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}; !reflect.DeepEqual(got, want) {
		t.Errorf("sleeps %v, want %v", got, want)
	}
	// Other 4xx are never retried.
	h = newHarness(t, coiledtest.Options{})
	h.srv.FailNext(coiledtest.RouteMe, 1, coiledtest.Fail400)
	expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitFailed, "HTTP 400")
	if n := len(h.sleepLog()); n != 0 {
		t.Errorf("a 400 was retried %d times", n)
	}
}

// A token from `coiled login` in ~/.config/dask survives a DASK_CONFIG folder
// that holds other settings: dask reads both.
func TestDaskConfigFolders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, coiledtest.Options{})
	delete(h.env, "DASK_COILED__TOKEN")
	home := filepath.Join(h.dir, ".config", "dask")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	h.writeFile(".config/dask/coiled.yaml", []byte("coiled:\n  token: "+tokenDash+"\n"))
	h.writeFile("dask/distributed.yaml", []byte("distributed:\n  comm:\n    timeouts:\n      connect: 30s\n"))
	expect(t, h.run(append(h.outputsFlag(publicOutputs()), "--verbose")...), ExitOK, "coiled.token in the dask config file "+filepath.Join(home, "coiled.yaml"))
	// A later folder wins: a token in DASK_CONFIG replaces the home one.
	h.writeFile("dask/coiled.yaml", []byte("coiled:\n  token: not-the-token\n"))
	expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitFailed, "token rejected")
}

func TestWorkspaceChecks(t *testing.T) {
	t.Parallel()
	ws := []coiledtest.Workspace{{Slug: "acme", Name: "Acme Inc"}, {Slug: "beta"}}
	t.Run("name, not slug", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{Workspaces: ws})
		expect(t, h.run(append(h.outputsFlag(publicOutputs()), "--workspace", "Acme Inc")...), ExitUsage,
			`workspace "Acme Inc" is the name of workspace acme`, "--workspace acme")
		if h.srv.WebsocketConnections() != 0 {
			t.Error("sent after a workspace error")
		}
	})
	t.Run("neither", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{Workspaces: ws})
		expect(t, h.run(append(h.outputsFlag(publicOutputs()), "--workspace", "gamma")...), ExitFailed,
			`workspace "gamma" not found`, "acme, beta")
	})
	t.Run("username lower-cased", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, coiledtest.Options{Username: "Alice", Workspaces: []coiledtest.Workspace{{Slug: "zeta"}, {Slug: "alice"}}})
		expect(t, h.run(h.outputsFlag(publicOutputs())...), ExitOK, "workspace alice (the workspace named after user Alice (lower-cased))")
	})
}
