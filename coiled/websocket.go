package coiled

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/coder/websocket"
)

// CloseUnauthorized is the websocket close code Coiled uses for a token that
// may not use the endpoint.
const CloseUnauthorized = 4403

// UpdateError is an error frame (is_error or raise) Coiled sent while applying
// an update; Message is Coiled's text.
type UpdateError struct {
	Message string
}

// Error implements the error interface.
func (e *UpdateError) Error() string {
	return "Coiled refused the update: " + e.Message
}

// CloseError is a websocket that ended before Coiled said FINISHED.
type CloseError struct {
	// Code is the close code, or -1 when the connection broke without a
	// close frame.
	Code   int
	Reason string
	// Err is the underlying read error.
	Err error
}

// Error implements the error interface.
func (e *CloseError) Error() string {
	switch {
	case e.Code == CloseUnauthorized:
		return "websocket closed by Coiled with code 4403 (unauthorized)"
	case e.Code < 0:
		return fmt.Sprintf("websocket connection broke before Coiled said FINISHED: %v", e.Err)
	default:
		msg := fmt.Sprintf("websocket closed by Coiled with code %d before it said FINISHED", e.Code)
		if e.Reason != "" {
			msg += " (" + e.Reason + ")"
		}
		return msg
	}
}

// Unwrap returns the underlying read error.
func (e *CloseError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrTokenRejected) true for close code 4403.
func (e *CloseError) Is(target error) bool {
	return target == ErrTokenRejected && e.Code == CloseUnauthorized
}

// WebsocketURL returns the cluster-info websocket URL of workspace on server
// (http → ws, https → wss).
func WebsocketURL(server, workspace string) string {
	s := NormalizeServer(server)
	switch {
	case strings.HasPrefix(s, "https://"):
		s = "wss://" + strings.TrimPrefix(s, "https://")
	case strings.HasPrefix(s, "http://"):
		s = "ws://" + strings.TrimPrefix(s, "http://")
	}
	return s + "/ws/api/v1/" + url.PathEscape(workspace) + "/cluster-info/"
}

// UpdateBackendOptions replaces a workspace's backend options with
// backendOptions over the websocket, as coiled.set_backend_options does:
// connect (same Authorization header), read and ignore the first frame, send
// {"type": "update_options", "logging_context": {}, "data": backendOptions},
// then read frames until FINISHED. Each progress message is passed to
// progress as it arrives (progress may be nil).
//
// It is not retried: a failure returns an *UpdateError (Coiled's error frame),
// a *CloseError (socket closed or broken before FINISHED; code 4403 matches
// ErrTokenRejected), an *APIError (handshake refused), a *TransportError, a
// *TimeoutError, or the context's error.
func (c *Client) UpdateBackendOptions(ctx context.Context, workspace string, backendOptions map[string]any, progress func(message string)) error {
	wsURL := WebsocketURL(c.server, workspace)
	path := "/ws/api/v1/" + url.PathEscape(workspace) + "/cluster-info/"
	frame, err := json.Marshal(map[string]any{
		"type":            "update_options",
		"logging_context": map[string]any{},
		"data":            backendOptions,
	})
	if err != nil {
		return fmt.Errorf("encoding the update: %v", err)
	}

	dialCtx, cancel := context.WithTimeout(ctx, c.requestTimeout())
	defer cancel()
	c.logf("connecting to %s", wsURL)
	conn, resp, err := websocket.Dial(dialCtx, wsURL, &websocket.DialOptions{
		HTTPClient: c.HTTPClient,
		HTTPHeader: c.header(),
	})
	var refusal []byte
	if resp != nil && resp.Body != nil {
		if err != nil {
			refusal, _ = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		}
		resp.Body.Close()
	}
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case dialCtx.Err() == context.DeadlineExceeded:
			return &TimeoutError{Step: "the websocket connection to " + wsURL, After: c.requestTimeout()}
		case resp != nil && resp.StatusCode != http.StatusSwitchingProtocols:
			msg, action := errorMessage(refusal)
			return &APIError{Method: "WEBSOCKET", Path: path, Status: resp.StatusCode, Message: msg, ActionRequired: action}
		default:
			return &TransportError{Method: "WEBSOCKET", URL: wsURL, Err: err}
		}
	}
	defer conn.CloseNow()
	conn.SetReadLimit(4 << 20)

	// The server speaks first; its first frame carries nothing we need.
	firstCtx, cancelFirst := context.WithTimeout(ctx, c.requestTimeout())
	_, _, err = conn.Read(firstCtx)
	cancelFirst()
	if err != nil {
		if ctx.Err() == nil && firstCtx.Err() == context.DeadlineExceeded {
			return &TimeoutError{Step: "Coiled's first websocket frame", After: c.requestTimeout()}
		}
		return c.closeResult(ctx, err, nil)
	}

	if err := conn.Write(ctx, websocket.MessageText, frame); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return c.closeResult(ctx, err, nil)
	}
	c.logf("sent update_options for workspace %s; waiting for Coiled", workspace)

	var errorMessages []string
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			return c.closeResult(ctx, err, errorMessages)
		}
		if typ != websocket.MessageText {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			c.logf("ignoring a websocket frame that is not JSON")
			continue
		}
		isError := truthy(m["is_error"]) || truthy(m["raise"])
		if isError {
			msg := flattenMessage(m["message"])
			if msg == "" {
				msg = "(Coiled sent an error without a message)"
			}
			errorMessages = append(errorMessages, msg)
		}
		if t, _ := m["type"].(string); t != "update_options" {
			continue
		}
		msg, _ := m["message"].(string)
		switch {
		case msg == "FINISHED":
			_ = conn.Close(websocket.StatusNormalClosure, "")
			if len(errorMessages) > 0 {
				return &UpdateError{Message: errorMessages[len(errorMessages)-1]}
			}
			c.logf("Coiled said FINISHED")
			return nil
		case msg == "CONFIGURING_BACKEND" || msg == "NOT_CONFIGURING_BACKEND":
			continue
		case isError:
			continue // reported when the socket ends
		}
		if progress != nil && msg != "" {
			progress(msg)
		}
	}
}

func (c *Client) closeResult(ctx context.Context, err error, errorMessages []string) error {
	code := int(websocket.CloseStatus(err))
	if code == CloseUnauthorized {
		return &CloseError{Code: code, Err: err}
	}
	if len(errorMessages) > 0 {
		return &UpdateError{Message: errorMessages[len(errorMessages)-1]}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ce websocket.CloseError
	reason := ""
	if errors.As(err, &ce) {
		reason = ce.Reason
	}
	return &CloseError{Code: code, Reason: reason, Err: err}
}

// truthy follows Python truthiness for JSON values.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case float64:
		return x != 0
	case json.Number:
		return x.String() != "0" && x.String() != "0.0"
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	default:
		return true
	}
}
