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
	"sort"
	"strings"
	"syscall"
	"time"
)

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
	// transient failure (connection refused or reset, HTTP 5xx, 409 with
	// {"action_required": "retry"}). Zero means DefaultAttempts.
	Attempts int

	// Backoff returns the wait before retry number n (1-based) after a
	// connection failure or 5xx. Nil means 1s, 2s, 4s, ... capped at 10s.
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
		server: server,
		token:  strings.TrimSpace(token),
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

// Is makes errors.Is(err, ErrTokenRejected) true for 401 and 403.
func (e *APIError) Is(target error) bool {
	return target == ErrTokenRejected && (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden)
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
	return "", "", &NoWorkspaceError{Username: username, Available: slugs(memberships)}
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

// ResolveWorkspace returns explicit when it is not empty; otherwise it lists
// the memberships and applies ChooseWorkspace for user.
func (c *Client) ResolveWorkspace(ctx context.Context, explicit string, user *User) (slug, reason string, err error) {
	if explicit != "" {
		return explicit, "configured", nil
	}
	ms, err := c.Memberships(ctx)
	if err != nil {
		return "", "", err
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
	for n := 1; ; n++ {
		answer, err := c.requestOnce(ctx, method, path, payload)
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
		delay, retry := c.retryDelay(err, n)
		if !retry || n >= attempts || ctx.Err() != nil {
			return lastErr
		}
		c.logf("%s %s failed (%v); retry %d/%d in %s", method, path, err, n, attempts-1, delay)
		if err := c.sleep(ctx, delay); err != nil {
			return lastErr
		}
	}
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
		case apiErr.Status >= 500:
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
	req.Header.Set("Authorization", AuthorizationHeader(c.token))
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
