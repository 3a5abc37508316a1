package coiled

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"time"
)

// DefaultClientVersion is the version of the official coiled client whose
// protocol this package speaks (the one shared/coiled-api.md was checked
// against); it is sent as the Client-Version header of every request.
// Settings.ClientVersion (EnvClientVersion) overrides it.
const DefaultClientVersion = "1.130.4"

// UserAgent is the User-Agent of every request: coilednet/<version>, the
// version of the main module as Go recorded it at build time ("devel" for a
// build from a source tree).
func UserAgent() string {
	v := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		v = bi.Main.Version
	}
	return userAgent(v)
}

func userAgent(moduleVersion string) string {
	if moduleVersion == "" || moduleVersion == "(devel)" {
		moduleVersion = "devel"
	}
	return "coilednet/" + moduleVersion
}

// Defaults used by a Client whose fields are left zero.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultAttempts       = 4
	DefaultConflictDelay  = 3 * time.Second
)

// Client calls the Coiled control plane with one API token. Create it with
// NewClient; the exported fields may be adjusted before the first call.
type Client struct {
	server string
	token  string

	// HTTPClient sends the requests, including the websocket handshake. Its
	// Timeout must be zero (RequestTimeout and the caller's context bound each
	// call). NewClient sets one that refuses redirects to clear-text URLs.
	HTTPClient *http.Client

	// RequestTimeout bounds each HTTP attempt, the websocket handshake and the
	// wait for the websocket's first frame. Zero means DefaultRequestTimeout.
	RequestTimeout time.Duration

	// Attempts is how many times a read call is tried in all when it meets a
	// transient failure (connection refused or reset, HTTP 429, 500, 502,
	// 503 or 504, 409 with {"action_required": "retry"}). Zero means
	// DefaultAttempts. A retry whose wait would end after the context's
	// deadline is not made.
	Attempts int

	// ClientVersion is the Client-Version header of every request and of the
	// websocket handshake. NewClient sets DefaultClientVersion.
	ClientVersion string

	// Confirm, when true, answers a 409 {"action_required": "confirm"} by
	// resending the same request once with the query parameter confirm=1
	// (the user agreed beforehand, e.g. with the hook's --confirm). When
	// false, such an answer is a *ConfirmRequiredError and nothing more is
	// sent.
	Confirm bool

	// Backoff returns the wait before retry number n (1-based) after a
	// connection failure, 429, 500 or 502–504. Nil means 1s, 2s, 4s, ... capped at 10s.
	Backoff func(n int) time.Duration

	// ConflictDelay is the wait after a 409 {"action_required": "retry"}.
	// Zero means DefaultConflictDelay (what the contract asks for).
	ConflictDelay time.Duration

	// Sleep waits d or until ctx ends. Nil means a real timer; tests inject a
	// function that records d and returns at once.
	Sleep func(ctx context.Context, d time.Duration) error

	// Logf, when set, receives one line per request, retry and websocket
	// event (for --verbose). It never receives the token or any credential.
	Logf func(format string, args ...any)
}

// NewClient returns a Client for server (normalized with NormalizeServer and
// checked with CheckServerURL) authenticating with token.
func NewClient(server, token string) (*Client, error) {
	server = NormalizeServer(server)
	if err := CheckServerURL(server); err != nil {
		return nil, err
	}
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("no Coiled API token")
	}
	if strings.ContainsAny(token, "\r\n") {
		return nil, errors.New("the Coiled API token contains a line break")
	}
	return &Client{
		server:        server,
		token:         strings.TrimSpace(token),
		ClientVersion: DefaultClientVersion,
		HTTPClient: &http.Client{
			Transport: http.DefaultTransport.(*http.Transport).Clone(),
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 5 {
					return errors.New("too many redirects")
				}
				return CheckServerURL(req.URL.Scheme + "://" + req.URL.Host)
			},
		},
	}, nil
}

// Server returns the normalized server URL.
func (c *Client) Server() string { return c.server }

// ErrTokenRejected is matched (errors.Is) by every error that means Coiled
// refused the token: HTTP 401 or 403, or websocket close code 4403.
var ErrTokenRejected = errors.New("token rejected")

// ErrUpgradeRequired is matched (errors.Is) by an HTTP 426 answer: Coiled
// considers the client protocol (the Client-Version header) too old.
var ErrUpgradeRequired = errors.New("client protocol too old: Coiled asks for a newer one")

// ConfirmRequiredError is a 409 {"action_required": "confirm"}: Coiled asks
// the user to confirm Detail before it acts. Nothing more was sent; with
// Client.Confirm the request is resent once with confirm=1.
type ConfirmRequiredError struct {
	Method, Path string
	// Detail is the server's question (the body's detail or message).
	Detail string
}

// Error implements the error interface.
func (e *ConfirmRequiredError) Error() string {
	d := e.Detail
	if d == "" {
		d = "(Coiled gave no text)"
	}
	return fmt.Sprintf("%s %s: Coiled asks for a confirmation: %s", e.Method, e.Path, d)
}

// APIError is an HTTP answer Coiled gave with an error status.
type APIError struct {
	Method string
	// Path is the request path (never carries a secret).
	Path   string
	Status int
	// Message is the human message from the body (message, detail or
	// non_field_errors), or a short excerpt of it.
	Message string
	// ActionRequired is the body's action_required, e.g. "retry" on 409.
	ActionRequired string
}

// Error implements the error interface.
func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s %s: HTTP %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Is makes errors.Is(err, ErrTokenRejected) true for 401 and 403, and
// errors.Is(err, ErrUpgradeRequired) true for 426.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrTokenRejected:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	case ErrUpgradeRequired:
		return e.Status == http.StatusUpgradeRequired
	}
	return false
}

// TransportError is a request that got no HTTP answer (connection refused or
// reset, DNS failure, TLS error...), after any retries.
type TransportError struct {
	Method, URL string
	Err         error
}

// Error implements the error interface.
func (e *TransportError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Method, e.URL, e.Err)
}

// Unwrap returns the underlying error.
func (e *TransportError) Unwrap() error { return e.Err }

// TimeoutError is a step that did not finish within its own time limit
// (RequestTimeout) while the caller's context was still alive.
type TimeoutError struct {
	// Step says what was being waited for, e.g. "GET /api/v2/user/me".
	Step  string
	After time.Duration
}

// Error implements the error interface.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("timed out after %s waiting for %s", e.After, e.Step)
}

// WorkspaceNotFoundError is a 404 for a workspace's backend options: the
// workspace does not exist or the token cannot see it.
type WorkspaceNotFoundError struct {
	Workspace string
	// Available lists the workspaces the token's user is a member of (empty
	// when they could not be listed).
	Available []string
	// Message is Coiled's message, if any.
	Message string
}

// Error implements the error interface.
func (e *WorkspaceNotFoundError) Error() string {
	msg := fmt.Sprintf("workspace %q not found or not visible to this token", e.Workspace)
	if len(e.Available) > 0 {
		msg += "; workspaces this token can use: " + strings.Join(e.Available, ", ")
	} else {
		msg += "; this token is not a member of any workspace"
	}
	return msg
}

// User is the answer of GET /api/v2/user/me.
type User struct {
	Username string
	// DefaultAccount is the slug of the user's default workspace, if any.
	DefaultAccount string
}

// Membership is one entry of GET /api/v2/user/me/memberships.
type Membership struct {
	Slug      string
	Name      string
	IsAdmin   bool
	IsDefault bool
}

// Me checks the token: GET /api/v2/user/me. A rejected token gives an error
// matching ErrTokenRejected.
func (c *Client) Me(ctx context.Context) (*User, error) {
	var body struct {
		Username       string `json:"username"`
		DefaultAccount *struct {
			Slug string `json:"slug"`
		} `json:"default_account"`
	}
	if err := c.getJSON(ctx, "/api/v2/user/me", &body); err != nil {
		return nil, err
	}
	u := &User{Username: body.Username}
	if body.DefaultAccount != nil {
		u.DefaultAccount = body.DefaultAccount.Slug
	}
	return u, nil
}

// Memberships lists the workspaces the token's user belongs to:
// GET /api/v2/user/me/memberships.
func (c *Client) Memberships(ctx context.Context) ([]Membership, error) {
	var body []struct {
		Account struct {
			Slug string `json:"slug"`
			Name string `json:"name"`
		} `json:"account"`
		IsAdmin          bool `json:"is_admin"`
		IsDefaultAccount bool `json:"is_default_account"`
	}
	if err := c.getJSON(ctx, "/api/v2/user/me/memberships", &body); err != nil {
		return nil, err
	}
	out := make([]Membership, 0, len(body))
	for _, m := range body {
		out = append(out, Membership{Slug: m.Account.Slug, Name: m.Account.Name, IsAdmin: m.IsAdmin, IsDefault: m.IsDefaultAccount})
	}
	return out, nil
}

// NoWorkspaceError means no workspace was configured and the memberships do
// not single one out.
type NoWorkspaceError struct {
	Username string
	// Available lists the workspaces the token's user belongs to.
	Available []string
}

// Error implements the error interface.
func (e *NoWorkspaceError) Error() string {
	if len(e.Available) == 0 {
		return fmt.Sprintf("cannot choose a Coiled workspace: user %q is not a member of any workspace", e.Username)
	}
	return fmt.Sprintf("cannot choose a Coiled workspace: user %q belongs to several (%s) and none is marked default",
		e.Username, strings.Join(e.Available, ", "))
}

// ChooseWorkspace picks a workspace from memberships when none is configured,
// in the coiled client's order: the membership marked is_default_account,
// else the only membership, else the one whose slug equals username. It
// returns the slug and a short reason, or a *NoWorkspaceError.
func ChooseWorkspace(username string, memberships []Membership) (slug, reason string, err error) {
	for _, m := range memberships {
		if m.IsDefault && m.Slug != "" {
			return m.Slug, "the default workspace of user " + username, nil
		}
	}
	if len(memberships) == 1 && memberships[0].Slug != "" {
		return memberships[0].Slug, "the only workspace of user " + username, nil
	}
	for _, m := range memberships {
		if m.Slug != "" && m.Slug == username {
			return m.Slug, "the workspace named after user " + username, nil
		}
	}
	for _, m := range memberships {
		if m.Slug != "" && m.Slug == strings.ToLower(username) {
			return m.Slug, "the workspace named after user " + username + " (lower-cased)", nil
		}
	}
	return "", "", &NoWorkspaceError{Username: username, Available: slugs(memberships)}
}

// WorkspaceNameError is an explicit workspace that is the name of a
// membership, not its slug: Coiled's calls take the slug.
type WorkspaceNameError struct {
	Given, Slug string
}

// Error implements the error interface.
func (e *WorkspaceNameError) Error() string {
	return fmt.Sprintf("workspace %q is the name of workspace %s, not its slug: use the slug %s", e.Given, e.Slug, e.Slug)
}

// CheckWorkspace checks an explicit workspace against the memberships, as
// the coiled client does: a slug is returned as is; a membership's name is a
// *WorkspaceNameError naming its slug; anything else a
// *WorkspaceNotFoundError listing the slugs.
func CheckWorkspace(explicit string, memberships []Membership) (string, error) {
	for _, m := range memberships {
		if m.Slug == explicit {
			return m.Slug, nil
		}
	}
	for _, m := range memberships {
		if m.Slug != "" && m.Name != "" && strings.EqualFold(m.Name, explicit) {
			return "", &WorkspaceNameError{Given: explicit, Slug: m.Slug}
		}
	}
	return "", &WorkspaceNotFoundError{Workspace: explicit, Available: slugs(memberships)}
}

func slugs(ms []Membership) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		if m.Slug != "" {
			out = append(out, m.Slug)
		}
	}
	sort.Strings(out)
	return out
}

// ResolveWorkspace lists the memberships; it checks explicit against them
// when it is not empty (CheckWorkspace), else applies ChooseWorkspace for
// user.
func (c *Client) ResolveWorkspace(ctx context.Context, explicit string, user *User) (slug, reason string, err error) {
	ms, err := c.Memberships(ctx)
	if err != nil {
		return "", "", err
	}
	if explicit != "" {
		slug, err := CheckWorkspace(explicit, ms)
		if err != nil {
			return "", "", err
		}
		return slug, "configured", nil
	}
	username := ""
	if user != nil {
		username = user.Username
	}
	return ChooseWorkspace(username, ms)
}

// BackendOptions reads a workspace's current settings:
// GET /api/v1/{workspace}/backend_options/. The answer
// ({"backend": ..., "options": {...}, "registry": {...}}) carries no
// credentials. An unknown workspace gives a *WorkspaceNotFoundError listing
// the workspaces the token can see.
func (c *Client) BackendOptions(ctx context.Context, workspace string) (map[string]any, error) {
	var body map[string]any
	err := c.getJSON(ctx, "/api/v1/"+url.PathEscape(workspace)+"/backend_options/", &body)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		nf := &WorkspaceNotFoundError{Workspace: workspace, Message: apiErr.Message}
		if ms, merr := c.Memberships(ctx); merr == nil {
			nf.Available = slugs(ms)
		}
		return nil, nf
	}
	if err != nil {
		return nil, err
	}
	if body == nil {
		body = map[string]any{}
	}
	return body, nil
}

func (c *Client) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
	}
}

func (c *Client) requestTimeout() time.Duration {
	if c.RequestTimeout > 0 {
		return c.RequestTimeout
	}
	return DefaultRequestTimeout
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return SleepContext(ctx, d)
}

// SleepContext waits d, or until ctx ends (then it returns ctx.Err()).
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) backoff(n int) time.Duration {
	if c.Backoff != nil {
		return c.Backoff(n)
	}
	d := time.Second << (n - 1)
	if d > 10*time.Second || d <= 0 {
		d = 10 * time.Second
	}
	return d
}

// getJSON performs a read call with retries and decodes a 2xx JSON body.
func (c *Client) getJSON(ctx context.Context, path string, out any) error {
	return c.callJSON(ctx, http.MethodGet, path, nil, out)
}

// callJSON performs a call with retries (transient failures only, see
// retryDelay) and decodes a 2xx JSON body into out. body, when not nil, is
// sent as JSON.
func (c *Client) callJSON(ctx context.Context, method, path string, body, out any) error {
	var payload []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: encoding the request: %v", method, path, err)
		}
		payload = b
	}
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	var lastErr error
	confirmed := false
	for n := 1; ; n++ {
		target := path
		if confirmed {
			target += "?confirm=1"
		}
		answer, err := c.requestOnce(ctx, method, target, payload)
		if err == nil {
			if out == nil || len(bytes.TrimSpace(answer)) == 0 && method != http.MethodGet {
				return nil
			}
			dec := json.NewDecoder(bytes.NewReader(answer))
			dec.UseNumber()
			if err := dec.Decode(out); err != nil {
				return fmt.Errorf("%s %s: malformed JSON answer from Coiled: %v", method, path, err)
			}
			return nil
		}
		lastErr = err
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusConflict && apiErr.ActionRequired == "confirm" {
			if !c.Confirm || confirmed {
				return &ConfirmRequiredError{Method: method, Path: path, Detail: apiErr.Message}
			}
			c.logf("%s %s: Coiled asks for a confirmation; confirmed beforehand, resending with confirm=1", method, path)
			confirmed = true
			continue
		}
		delay, retry := c.retryDelay(err, n)
		if !retry || n >= attempts || ctx.Err() != nil {
			return lastErr
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
			c.logf("%s %s failed (%v); no time left for a retry in %s", method, path, err, delay)
			return lastErr
		}
		c.logf("%s %s failed (%v); retry %d/%d in %s", method, path, err, n, attempts-1, delay)
		if err := c.sleep(ctx, delay); err != nil {
			return lastErr
		}
	}
}

// retriedStatus are the HTTP statuses retried with backoff: those the coiled
// client retries (429, 502, 503, 504) and 500, which this package always
// retried. Other 4xx are never retried.
var retriedStatus = map[int]bool{
	http.StatusTooManyRequests:     true,
	http.StatusInternalServerError: true,
	http.StatusBadGateway:          true,
	http.StatusServiceUnavailable:  true,
	http.StatusGatewayTimeout:      true,
}

// retryDelay says whether err is transient and how long to wait.
func (c *Client) retryDelay(err error, n int) (time.Duration, bool) {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch {
		case apiErr.Status == http.StatusConflict && apiErr.ActionRequired == "retry":
			if c.ConflictDelay > 0 {
				return c.ConflictDelay, true
			}
			return DefaultConflictDelay, true
		case retriedStatus[apiErr.Status]:
			return c.backoff(n), true
		}
		return 0, false
	}
	var te *TransportError
	if errors.As(err, &te) && isTransientNetErr(te.Err) {
		return c.backoff(n), true
	}
	return 0, false
}

func isTransientNetErr(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

func (c *Client) requestOnce(ctx context.Context, method, path string, payload []byte) ([]byte, error) {
	actx, cancel := context.WithTimeout(ctx, c.requestTimeout())
	defer cancel()
	u := c.server + path
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(actx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", method, path, err)
	}
	req.Header = c.header()
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := c.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() == nil && actx.Err() == context.DeadlineExceeded {
			return nil, &TimeoutError{Step: method + " " + path, After: c.requestTimeout()}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &TransportError{Method: method, URL: u, Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		if ctx.Err() == nil && actx.Err() == context.DeadlineExceeded {
			return nil, &TimeoutError{Step: method + " " + path, After: c.requestTimeout()}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &TransportError{Method: method, URL: u, Err: err}
	}
	c.logf("%s %s -> %d (%s)", method, u, resp.StatusCode, time.Since(start).Round(time.Millisecond))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg, action := errorMessage(body)
		return nil, &APIError{Method: method, Path: path, Status: resp.StatusCode, Message: msg, ActionRequired: action}
	}
	return body, nil
}

// header returns the headers every request and the websocket handshake
// carry: Authorization, Client-Version and User-Agent.
func (c *Client) header() http.Header {
	h := http.Header{}
	h.Set("Authorization", AuthorizationHeader(c.token))
	v := c.ClientVersion
	if v == "" {
		v = DefaultClientVersion
	}
	h.Set("Client-Version", v)
	h.Set("User-Agent", UserAgent())
	return h
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// errorMessage extracts the human message of an error body.
func errorMessage(body []byte) (msg, action string) {
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		if a, ok := m["action_required"].(string); ok {
			action = a
		}
		for _, k := range []string{"message", "detail", "non_field_errors"} {
			if s := flattenMessage(m[k]); s != "" {
				return s, action
			}
		}
		return "", action
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if strings.HasPrefix(s, "<") { // an HTML error page says nothing useful
		return "", ""
	}
	return s, ""
}

func flattenMessage(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case []any:
		var parts []string
		for _, e := range x {
			if s := flattenMessage(e); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "; ")
	case nil:
		return ""
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}
