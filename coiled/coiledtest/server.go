// Package coiledtest is an in-process fake of the Coiled control plane for
// tests: the HTTP calls and the websocket that package coiled speaks (the
// calls of the official client's coiled.set_backend_options: user, memberships,
// backend options, and the update_options websocket; see the Route
// constants), served on 127.0.0.1. `go run ./cmd/fakecoiled` runs it as a
// standalone server. It keeps backend options per
// workspace, records every request and every update_options message it
// receives, validates updates the way the contract describes them, and has
// knobs to inject each failure a client must handle. It also runs clusters
// (cluster.go): software environments, cluster states, the VMs they launch
// (in memory, or in an EC2 emulator with package ec2vms) and their failures.
//
// Typical use:
//
//	srv := coiledtest.Start(t, coiledtest.Options{
//		Token:      "alice-0123",
//		Username:   "alice",
//		Workspaces: []coiledtest.Workspace{{Slug: "acme", Default: true}},
//	})
//	// point the client at srv.URL() (DASK_COILED__SERVER) with the same token
//	updates := srv.Updates()          // what the client sent
//	stored := srv.BackendOptions("acme") // what a GET now answers
package coiledtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// DefaultToken and DefaultUsername are used when Options leaves them empty.
const (
	DefaultToken    = "coiledtest-token"
	DefaultUsername = "alice"
	// DefaultRolePrincipal is the allowed_principal the fake gives.
	DefaultRolePrincipal = "arn:aws:iam::999988887777:role/coiledtest-control-plane"
)

// DefaultProgress are the progress messages sent during a successful update
// when Options.Progress is nil.
var DefaultProgress = []string{"Validating AWS credentials", "Checking network settings"}

// IgnoredFrameMessage is the message of a frame with another type than
// update_options that the fake sends during every successful update; a
// client must not show it.
const IgnoredFrameMessage = "coiledtest: unrelated notification"

// Workspace is one workspace the token's user is a member of.
type Workspace struct {
	Slug string
	// Name defaults to Slug.
	Name string
	// Default marks the membership is_default_account.
	Default bool
	// Admin marks the membership is_admin.
	Admin bool
	// BackendOptions are the workspace's initial settings, as a GET answers
	// them (no credentials). Nil means DefaultBackendOptions().
	BackendOptions map[string]any
}

// Options configure a fake server.
type Options struct {
	// Token is the only API token accepted; empty means DefaultToken. A
	// request must carry it in the contract's form ("ApiToken <t>" when it
	// contains '-', else "Token <t>"), otherwise it gets 401 (HTTP) or close
	// code 4403 (websocket).
	Token string
	// Username is the user behind the token; empty means DefaultUsername.
	Username string
	// Workspaces are the user's memberships and their settings.
	Workspaces []Workspace
	// Progress are the progress messages sent during a successful update;
	// nil means DefaultProgress.
	Progress []string
	// RolePrincipal is the allowed_principal start-role-assumption-setup
	// answers; empty means DefaultRolePrincipal.
	RolePrincipal string
	// MinClientVersion, when set, makes every request (HTTP and websocket
	// handshake) whose Client-Version header is missing or older answer 426,
	// as Coiled does for a client it considers too old. See
	// SetMinClientVersion.
	MinClientVersion string
}

// DefaultBackendOptions returns the settings a new workspace answers with: a
// Coiled-hosted AWS backend with no network, zone or ingress set.
func DefaultBackendOptions() map[string]any {
	return map[string]any{
		"backend": "vm",
		"options": map[string]any{
			"aws_region_name": "us-east-1",
			"account_role":    "",
			"firewall":        map[string]any{},
			"firewall_spec":   map[string]any{},
			"network":         map[string]any{},
			"zone":            nil,
			"provider_name":   "aws",
			"type":            "aws_cloudbridge_backend_options",
		},
		"registry": map[string]any{"type": "ecr", "public_ecr": false, "region": "us-east-1"},
	}
}

// Route names an endpoint of the contract, for fault injection and records.
type Route string

// The contract's endpoints.
const (
	RouteMe             Route = "me"              // GET /api/v2/user/me
	RouteMemberships    Route = "memberships"     // GET /api/v2/user/me/memberships
	RouteBackendOptions Route = "backend_options" // GET /api/v1/{workspace}/backend_options/
	RouteWebsocket      Route = "websocket"       // /ws/api/v1/{workspace}/cluster-info/
	// The cross-account role calls (shared/coiled-iam.md), all POST
	// /api/v2/cloud-credentials/account/{workspace}/…
	RouteStartRole    Route = "start-role-assumption-setup"
	RouteCheckRole    Route = "check-role-assumption"
	RouteCompleteRole Route = "complete-role-assumption-setup"
)

// HTTPFault is a failure injected into an HTTP answer.
type HTTPFault int

// HTTP faults.
const (
	// Fail500 answers 500 with {"detail": "coiledtest: injected server error"}.
	Fail500 HTTPFault = iota + 1
	// Fail409Retry answers 409 with {"action_required": "retry"}.
	Fail409Retry
	// FailReset resets the TCP connection without answering.
	FailReset
	// FailHang never answers; the request ends when the client gives up or
	// the server closes.
	FailHang
	// Fail429 answers 429 Too Many Requests; Fail502, Fail503 and Fail504
	// answer those gateway statuses (all transient for the coiled client).
	Fail429
	Fail502
	Fail503
	Fail504
	// Fail400 answers 400 with {"detail": "coiledtest: injected bad request"}
	// (never retried).
	Fail400
)

// UpgradeRequiredDetail is the detail of the fake's 426 answers.
const UpgradeRequiredDetail = "coiledtest: this client is too old; upgrade coiled"

// WSFaultKind is a failure injected into the websocket update.
type WSFaultKind int

// Websocket faults; each applies to every following websocket connection
// until SetWebsocketFault(WSFault{}) clears it.
const (
	// WSNone is the normal, successful exchange.
	WSNone WSFaultKind = iota
	// WSUnauthorized closes with code 4403 right after the handshake.
	WSUnauthorized
	// WSErrorFrame answers the update with {"is_error": true, "message":
	// Message} and closes normally without FINISHED.
	WSErrorFrame
	// WSRaiseFrame is WSErrorFrame with {"raise": true} instead of is_error.
	WSRaiseFrame
	// WSClose sends the progress messages, then closes with CloseCode
	// (default 1011) without FINISHED.
	WSClose
	// WSDrop sends the progress messages, then drops the connection without
	// a close frame.
	WSDrop
	// WSHang accepts the update and never answers it.
	WSHang
	// WSNotStored says FINISHED but does not store the update, so a read-back
	// shows the old settings.
	WSNotStored
)

// WSFault configures the websocket failure; the zero value is no failure.
type WSFault struct {
	Kind WSFaultKind
	// Message is the error frame's text for WSErrorFrame and WSRaiseFrame.
	Message string
	// CloseCode is the close code for WSClose (default 1011).
	CloseCode int
}

// Request is one HTTP request or websocket handshake the fake received.
type Request struct {
	Method string
	Path   string
	Route  Route
	// Authorization is the header as received (it contains the token).
	Authorization string
	// Status is the HTTP status answered (101 for an accepted websocket, 0
	// for a reset or hung request).
	Status int
	// ClientVersion and UserAgent are the headers as received.
	ClientVersion, UserAgent string
	// Query is the raw query string (e.g. "confirm=1").
	Query string
}

// Update is one update_options message received on the websocket.
type Update struct {
	Workspace string
	// Authorization is the handshake's header as received.
	Authorization string
	// Raw is the text frame exactly as received.
	Raw []byte
	// Message is Raw decoded ({"type", "logging_context", "data"}).
	Message map[string]any
	// Data is Message["data"]: the backend options sent, credentials
	// included.
	Data map[string]any
	// Invalid lists what the fake found wrong with the message (then it
	// answered with an error frame and stored nothing).
	Invalid []string
	// Stored reports whether the update replaced the workspace's settings.
	Stored bool
	// ClientCloseCode is the close code the client closed with after the
	// exchange (-1 when it dropped the connection, 0 when unknown).
	ClientCloseCode int
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	opts Options
	srv  *httptest.Server

	closing   chan struct{}
	closeOnce sync.Once

	mu          sync.Mutex
	members     []Workspace
	stored      map[string]map[string]any
	requests    []Request
	updates     []Update
	wsConns     int
	wsActive    int
	httpFaults  map[Route][]HTTPFault
	rejectToken int
	wsFault     WSFault
	minVersion  string
	confirm     map[Route]string
	role        roleState
	clusters    clusterState
}

// New starts a fake on a free 127.0.0.1 port. Call Close when done.
func New(opts Options) *Server {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.Username == "" {
		opts.Username = DefaultUsername
	}
	if opts.Progress == nil {
		opts.Progress = DefaultProgress
	}
	if opts.RolePrincipal == "" {
		opts.RolePrincipal = DefaultRolePrincipal
	}
	s := &Server{
		opts:       opts,
		closing:    make(chan struct{}),
		stored:     map[string]map[string]any{},
		httpFaults: map[Route][]HTTPFault{},
		role:       newRoleState(),
		minVersion: opts.MinClientVersion,
		confirm:    map[Route]string{},
	}
	for _, w := range opts.Workspaces {
		if w.Name == "" {
			w.Name = w.Slug
		}
		bo := w.BackendOptions
		if bo == nil {
			bo = DefaultBackendOptions()
		}
		s.stored[w.Slug] = normalize(bo)
		w.BackendOptions = nil
		s.members = append(s.members, w)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/user/me", s.handleMe)
	mux.HandleFunc("GET /api/v2/user/me/memberships", s.handleMemberships)
	mux.HandleFunc("GET /api/v1/{workspace}/backend_options/", s.handleBackendOptions)
	mux.HandleFunc("GET /ws/api/v1/{workspace}/cluster-info/", s.handleWebsocket)
	mux.HandleFunc("POST /api/v2/cloud-credentials/account/{workspace}/start-role-assumption-setup", s.handleStartRole)
	mux.HandleFunc("POST /api/v2/cloud-credentials/account/{workspace}/check-role-assumption", s.handleCheckRole)
	mux.HandleFunc("POST /api/v2/cloud-credentials/account/{workspace}/complete-role-assumption-setup", s.handleCompleteRole)
	s.registerClusterRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.record(r, "", http.StatusNotFound)
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not found."})
	})
	s.srv = httptest.NewServer(mux)
	return s
}

// Start is New with Close registered on t.Cleanup.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := New(opts)
	t.Cleanup(s.Close)
	return s
}

// URL is the server's base URL, http://127.0.0.1:PORT (use it as
// DASK_COILED__SERVER).
func (s *Server) URL() string { return s.srv.URL }

// Token is the accepted API token.
func (s *Server) Token() string { return s.opts.Token }

// Close stops the server, ending hung requests and open websockets.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.srv.CloseClientConnections()
		s.srv.Close()
		s.waitWebsockets(5 * time.Second)
	})
}

// BackendOptions returns a copy of a workspace's stored settings, as a GET
// answers them (no credentials), or nil for an unknown workspace.
func (s *Server) BackendOptions(workspace string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	bo, ok := s.stored[workspace]
	if !ok {
		return nil
	}
	return deepCopy(bo).(map[string]any)
}

// SetBackendOptions replaces a workspace's stored settings (credentials
// stripped). The workspace need not be a membership: a workspace that exists
// but that the user cannot list is made this way.
func (s *Server) SetBackendOptions(workspace string, backendOptions map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stored[workspace] = stripCredentials(normalize(backendOptions))
}

// Updates returns the update_options messages received so far, oldest first.
// It first waits (up to 5 s) for open websocket connections to end, so each
// exchange is complete.
func (s *Server) Updates() []Update {
	s.waitWebsockets(5 * time.Second)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Update, len(s.updates))
	copy(out, s.updates)
	return out
}

// WebsocketConnections counts websocket handshakes received (accepted or
// not); a dry run must leave it at zero.
func (s *Server) WebsocketConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wsConns
}

// Requests returns every request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	copy(out, s.requests)
	return out
}

// FailNext makes the next n requests on route fail with fault (queued after
// any faults already pending on that route). For RouteWebsocket only
// FailReset and FailHang apply, to the handshake.
func (s *Server) FailNext(route Route, n int, fault HTTPFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n; i++ {
		s.httpFaults[route] = append(s.httpFaults[route], fault)
	}
}

// ClearFaults drops the faults still queued for route by FailNext.
func (s *Server) ClearFaults(route Route) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.httpFaults, route)
}

// RejectToken makes every request fail as if the token were bad: HTTP
// requests get status (401 or 403) and websockets close with 4403. Zero
// turns it off.
func (s *Server) RejectToken(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectToken = status
}

// SetMinClientVersion sets Options.MinClientVersion ("" turns the check
// off).
func (s *Server) SetMinClientVersion(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.minVersion = v
}

// RequireConfirm makes every request on route without the query parameter
// confirm=1 answer 409 {"action_required": "confirm", "detail": detail}, as
// Coiled does when it asks the user to confirm something; a request with
// confirm=1 proceeds. An empty detail turns it off.
func (s *Server) RequireConfirm(route Route, detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if detail == "" {
		delete(s.confirm, route)
		return
	}
	s.confirm[route] = detail
}

// SetWebsocketFault sets the failure of the following websocket updates;
// WSFault{} restores normal behaviour.
func (s *Server) SetWebsocketFault(f WSFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wsFault = f
}

func (s *Server) waitWebsockets(d time.Duration) {
	deadline := time.Now().Add(d)
	for {
		s.mu.Lock()
		active := s.wsActive
		s.mu.Unlock()
		if active == 0 || time.Now().After(deadline) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *Server) record(r *http.Request, route Route, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, Route: route,
		Authorization: r.Header.Get("Authorization"), Status: status,
		ClientVersion: r.Header.Get("Client-Version"), UserAgent: r.Header.Get("User-Agent"),
		Query: r.URL.RawQuery,
	})
}

func (s *Server) expectedAuth() string {
	if strings.Contains(s.opts.Token, "-") {
		return "ApiToken " + s.opts.Token
	}
	return "Token " + s.opts.Token
}

// authStatus returns 0 when the request is authorized, else the HTTP status.
func (s *Server) authStatus(r *http.Request) int {
	s.mu.Lock()
	reject := s.rejectToken
	s.mu.Unlock()
	if reject != 0 {
		return reject
	}
	if r.Header.Get("Authorization") != s.expectedAuth() {
		return http.StatusUnauthorized
	}
	return 0
}

// olderVersion reports whether dotted version a is older than b, comparing
// the leading digits of each part ("1.130.5.dev1" is 1.130.5.0).
func olderVersion(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		na, nb := versionPart(pa, i), versionPart(pb, i)
		if na != nb {
			return na < nb
		}
	}
	return false
}

func versionPart(parts []string, i int) int {
	if i >= len(parts) {
		return 0
	}
	n := 0
	for _, c := range parts[i] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// fault answers 426 to a client older than the minimum version and 409
// confirm where a confirmation is required, else pops the next injected
// fault of route and applies it; it reports whether the request was
// answered.
func (s *Server) fault(w http.ResponseWriter, r *http.Request, route Route) bool {
	s.mu.Lock()
	minVersion, confirm := s.minVersion, s.confirm[route]
	s.mu.Unlock()
	if cv := r.Header.Get("Client-Version"); minVersion != "" && (cv == "" || olderVersion(cv, minVersion)) {
		s.record(r, route, http.StatusUpgradeRequired)
		writeJSON(w, http.StatusUpgradeRequired, map[string]any{"detail": UpgradeRequiredDetail})
		return true
	}
	if confirm != "" && r.URL.Query().Get("confirm") != "1" {
		s.record(r, route, http.StatusConflict)
		writeJSON(w, http.StatusConflict, map[string]any{"action_required": "confirm", "detail": confirm})
		return true
	}
	s.mu.Lock()
	q := s.httpFaults[route]
	if len(q) == 0 {
		s.mu.Unlock()
		return false
	}
	f := q[0]
	s.httpFaults[route] = q[1:]
	s.mu.Unlock()
	switch f {
	case Fail500:
		s.record(r, route, http.StatusInternalServerError)
		writeJSON(w, http.StatusInternalServerError, map[string]any{"detail": "coiledtest: injected server error"})
	case Fail409Retry:
		s.record(r, route, http.StatusConflict)
		writeJSON(w, http.StatusConflict, map[string]any{"action_required": "retry", "message": "coiledtest: busy, retry"})
	case Fail429, Fail502, Fail503, Fail504:
		st := map[HTTPFault]int{Fail429: http.StatusTooManyRequests, Fail502: http.StatusBadGateway,
			Fail503: http.StatusServiceUnavailable, Fail504: http.StatusGatewayTimeout}[f]
		s.record(r, route, st)
		writeJSON(w, st, map[string]any{"detail": fmt.Sprintf("coiledtest: injected %d", st)})
	case Fail400:
		s.record(r, route, http.StatusBadRequest)
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "coiledtest: injected bad request"})
	case FailReset:
		s.record(r, route, 0)
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("coiledtest: cannot hijack")
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			conn.Close()
		}
	case FailHang:
		s.record(r, route, 0)
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
	default:
		return false
	}
	return true
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	if s.fault(w, r, RouteMe) {
		return
	}
	if st := s.authStatus(r); st != 0 {
		s.record(r, RouteMe, st)
		writeJSON(w, st, map[string]any{"detail": "Invalid token."})
		return
	}
	var def any
	for _, m := range s.members {
		if m.Default {
			def = map[string]any{"slug": m.Slug, "name": m.Name}
		}
	}
	s.record(r, RouteMe, http.StatusOK)
	writeJSON(w, http.StatusOK, map[string]any{
		"id": 1, "username": s.opts.Username, "email": s.opts.Username + "@example.com", "default_account": def,
	})
}

func (s *Server) handleMemberships(w http.ResponseWriter, r *http.Request) {
	if s.fault(w, r, RouteMemberships) {
		return
	}
	if st := s.authStatus(r); st != 0 {
		s.record(r, RouteMemberships, st)
		writeJSON(w, st, map[string]any{"detail": "Invalid token."})
		return
	}
	out := []any{}
	for _, m := range s.members {
		out = append(out, map[string]any{
			"account":            map[string]any{"slug": m.Slug, "name": m.Name},
			"is_admin":           m.Admin,
			"is_default_account": m.Default,
		})
	}
	s.record(r, RouteMemberships, http.StatusOK)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleBackendOptions(w http.ResponseWriter, r *http.Request) {
	if s.fault(w, r, RouteBackendOptions) {
		return
	}
	if st := s.authStatus(r); st != 0 {
		s.record(r, RouteBackendOptions, st)
		writeJSON(w, st, map[string]any{"detail": "Invalid token."})
		return
	}
	bo := s.BackendOptions(r.PathValue("workspace"))
	if bo == nil {
		s.record(r, RouteBackendOptions, http.StatusNotFound)
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not found."})
		return
	}
	s.record(r, RouteBackendOptions, http.StatusOK)
	writeJSON(w, http.StatusOK, bo)
}

func (s *Server) handleWebsocket(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.wsConns++
	fault := s.wsFault
	s.mu.Unlock()
	if s.fault(w, r, RouteWebsocket) {
		return
	}
	s.mu.Lock()
	s.wsActive++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.wsActive--
		s.mu.Unlock()
	}()
	workspace := r.PathValue("workspace")
	authStatus := s.authStatus(r)
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		s.record(r, RouteWebsocket, http.StatusBadRequest)
		return
	}
	s.record(r, RouteWebsocket, http.StatusSwitchingProtocols)
	defer conn.CloseNow()
	conn.SetReadLimit(4 << 20)

	// End the exchange when the server closes.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()

	if authStatus != 0 || fault.Kind == WSUnauthorized || s.BackendOptions(workspace) == nil {
		_ = conn.Close(4403, "Unauthorized")
		return
	}
	send := func(v map[string]any) error {
		b, _ := json.Marshal(v)
		return conn.Write(ctx, websocket.MessageText, b)
	}
	if send(map[string]any{"type": "connected", "message": "coiledtest: connected to cluster-info", "data": map[string]any{}}) != nil {
		return
	}
	readCtx, cancelRead := context.WithTimeout(ctx, 30*time.Second)
	typ, raw, err := conn.Read(readCtx)
	cancelRead()
	if err != nil {
		return
	}
	up := Update{Workspace: workspace, Authorization: r.Header.Get("Authorization"), Raw: raw}
	if typ != websocket.MessageText {
		up.Invalid = []string{"update sent as a binary frame"}
	} else if err := json.Unmarshal(raw, &up.Message); err != nil {
		up.Invalid = []string{"update is not JSON: " + err.Error()}
	} else {
		up.Data, _ = up.Message["data"].(map[string]any)
		up.Invalid = validateMessage(up.Message)
		if len(up.Invalid) == 0 {
			up.Invalid = s.checkAccountRole(workspace, up.Data)
		}
	}
	idx := s.addUpdate(up)
	setClose := func(code int) {
		s.mu.Lock()
		s.updates[idx].ClientCloseCode = code
		s.mu.Unlock()
	}
	// awaitClientClose reads until the client closes (it should, with 1000,
	// after FINISHED) and records its close code.
	awaitClientClose := func() {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		for {
			if _, _, err := conn.Read(cctx); err != nil {
				setClose(int(websocket.CloseStatus(err)))
				return
			}
		}
	}
	update := func(msg string) error {
		return send(map[string]any{"type": "update_options", "message": msg})
	}

	if len(up.Invalid) > 0 {
		_ = send(map[string]any{"type": "update_options", "is_error": true,
			"message": "invalid backend options: " + strings.Join(up.Invalid, "; ")})
		_ = conn.Close(websocket.StatusNormalClosure, "")
		return
	}
	if update("CONFIGURING_BACKEND") != nil {
		return
	}
	switch fault.Kind {
	case WSErrorFrame, WSRaiseFrame:
		key := "is_error"
		if fault.Kind == WSRaiseFrame {
			key = "raise"
		}
		_ = send(map[string]any{"type": "update_options", key: true, "message": fault.Message})
		_ = update("NOT_CONFIGURING_BACKEND")
		_ = conn.Close(websocket.StatusNormalClosure, "")
		return
	case WSHang:
		for {
			if _, _, err := conn.Read(ctx); err != nil {
				return
			}
		}
	}
	for _, p := range s.opts.Progress {
		if update(p) != nil {
			return
		}
	}
	if send(map[string]any{"type": "cluster_update", "message": IgnoredFrameMessage}) != nil {
		return
	}
	switch fault.Kind {
	case WSClose:
		code := fault.CloseCode
		if code == 0 {
			code = int(websocket.StatusInternalError)
		}
		_ = conn.Close(websocket.StatusCode(code), "coiledtest: injected close")
		return
	case WSDrop:
		_ = conn.CloseNow()
		return
	}
	if fault.Kind != WSNotStored {
		s.mu.Lock()
		s.stored[workspace] = s.dropRoleIfFaulty(stripCredentials(normalize(up.Data)))
		s.updates[idx].Stored = true
		s.rememberIdentity(workspace, up.Data)
		s.mu.Unlock()
	}
	if update("NOT_CONFIGURING_BACKEND") != nil || update("FINISHED") != nil {
		return
	}
	awaitClientClose()
}

func (s *Server) addUpdate(u Update) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates = append(s.updates, u)
	return len(s.updates) - 1
}

// validateMessage checks an update_options message against the contract.
func validateMessage(m map[string]any) []string {
	var bad []string
	if m["type"] != "update_options" {
		bad = append(bad, fmt.Sprintf("type is %v, want update_options", m["type"]))
	}
	if _, ok := m["logging_context"].(map[string]any); !ok {
		bad = append(bad, "logging_context is not an object")
	}
	data, ok := m["data"].(map[string]any)
	if !ok {
		return append(bad, "data is not an object")
	}
	return append(bad, ValidateBackendOptions(data)...)
}

// ValidateBackendOptions checks backend options for an AWS customer network
// against the contract and describes every problem (none means valid).
func ValidateBackendOptions(data map[string]any) []string {
	var bad []string
	str := func(m map[string]any, path, key string) string {
		v, ok := m[key].(string)
		if !ok || v == "" {
			bad = append(bad, path+key+" must be a non-empty string")
		}
		return v
	}
	if data["backend"] != "vm" {
		bad = append(bad, fmt.Sprintf("backend is %v, want vm", data["backend"]))
	}
	opts, ok := data["options"].(map[string]any)
	if !ok {
		return append(bad, "options is not an object")
	}
	if opts["type"] != "aws_cloudbridge_backend_options" {
		bad = append(bad, fmt.Sprintf("options.type is %v, want aws_cloudbridge_backend_options", opts["type"]))
	}
	if opts["provider_name"] != "aws" {
		bad = append(bad, fmt.Sprintf("options.provider_name is %v, want aws", opts["provider_name"]))
	}
	region := str(opts, "options.", "aws_region_name")
	role, ok := opts["account_role"].(string)
	if !ok {
		bad = append(bad, "options.account_role must be a string")
	}
	if role != "" {
		// Role mode: Coiled acts through the role; keys would be ambiguous.
		if !roleARNRE.MatchString(role) {
			bad = append(bad, fmt.Sprintf("options.account_role %q is not an IAM role ARN", role))
		}
		if _, has := opts["credentials"]; has {
			bad = append(bad, "options.credentials must be absent when options.account_role is set")
		}
	} else if creds, ok := opts["credentials"].(map[string]any); ok {
		str(creds, "options.credentials.", "aws_access_key")
		str(creds, "options.credentials.", "aws_secret_key")
	} else {
		bad = append(bad, "options.credentials is not an object")
	}
	if _, ok := opts["firewall_spec"].(map[string]any); !ok {
		bad = append(bad, "options.firewall_spec is not an object")
	}
	if _, ok := opts["firewall"].(map[string]any); !ok {
		bad = append(bad, "options.firewall is not an object")
	}
	if netw, ok := opts["network"].(map[string]any); ok && len(netw) == 0 {
		// {}: no custom network (scripts/destroy --detach-coiled).
	} else if ok {
		for key, prefix := range map[string]string{
			"network_id": "vpc-", "scheduler_subnet_id": "subnet-", "worker_subnet_id": "subnet-",
			"scheduler_firewall_id": "sg-", "firewall_id": "sg-",
		} {
			v := str(netw, "options.network.", key)
			if v != "" && (!strings.HasPrefix(v, prefix) || strings.Contains(v, ":")) {
				bad = append(bad, fmt.Sprintf("options.network.%s %q is not a bare %s ID", key, v, prefix))
			}
		}
		if _, ok := netw["give_workers_public_ip"].(bool); !ok {
			bad = append(bad, "options.network.give_workers_public_ip must be a JSON boolean")
		}
	} else {
		bad = append(bad, "options.network is not an object")
	}
	switch z := opts["zone"].(type) {
	case nil:
	case string:
		if region != "" && !(len(z) == len(region)+1 && strings.HasPrefix(z, region) && z[len(z)-1] >= 'a' && z[len(z)-1] <= 'z') {
			bad = append(bad, fmt.Sprintf("options.zone %q is not in region %s", z, region))
		}
	default:
		bad = append(bad, "options.zone must be a string or null")
	}
	if _, present := opts["zone"]; !present {
		bad = append(bad, "options.zone is missing (send null for none)")
	}
	reg, ok := data["registry"].(map[string]any)
	if !ok {
		return append(bad, "registry is not an object")
	}
	if reg["type"] == "ecr" && role != "" {
		if _, has := reg["credentials"]; has {
			bad = append(bad, "registry.credentials must be absent when options.account_role is set")
		}
		str(reg, "registry.", "region")
	} else if reg["type"] == "ecr" {
		if creds, ok := reg["credentials"].(map[string]any); ok {
			str(creds, "registry.credentials.", "aws_access_key_id")
			str(creds, "registry.credentials.", "aws_secret_access_key")
		} else {
			bad = append(bad, "registry.credentials is not an object")
		}
		str(reg, "registry.", "region")
	}
	sort.Strings(bad)
	return bad
}

func stripCredentials(bo map[string]any) map[string]any {
	if opts, ok := bo["options"].(map[string]any); ok {
		delete(opts, "credentials")
	}
	if reg, ok := bo["registry"].(map[string]any); ok {
		delete(reg, "credentials")
		delete(reg, "password")
	}
	return bo
}

// normalize deep-copies v through JSON so stored values have the types a
// decoded answer has.
func normalize(v map[string]any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic("coiledtest: backend options are not JSON: " + err.Error())
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[k] = deepCopy(v)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, v := range x {
			out[i] = deepCopy(v)
		}
		return out
	default:
		return v
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
