package coiledtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// The cross-account role delegation calls of shared/coiled-iam.md:
//
//   - start-role-assumption-setup issues a NEW external ID on every call
//     (the worst case for a client: it must keep the first one it got rather
//     than call again on a redeploy) and answers DefaultRolePrincipal (or
//     Options.RolePrincipal);
//   - check-role-assumption answers true for an external ID it issued to the
//     workspace and a role ARN, after RoleFault.ReadyAfter false answers (or
//     never, with RoleFault.NeverReady); an unknown external ID is a 400;
//   - complete-role-assumption-setup checks its body (issued external ID,
//     role ARN, creds_source, default_region) and records the role as set up
//     for the workspace (or fails with RoleFault.CompleteStatus).
//
// An update_options message with a non-empty options.account_role is
// accepted only for the workspace's current account_role or a role whose
// setup completed; RoleFault.NotStored makes the fake say FINISHED but store
// account_role "" (a server that ignores a role ARN in update_options).

var roleARNRE = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`)

// RoleFault configures the role calls' failures; the zero value is a
// Coiled that can assume the role at the first check.
type RoleFault struct {
	// ReadyAfter is how many checks answer false before they answer true.
	ReadyAfter int
	// NeverReady makes every check answer false.
	NeverReady bool
	// CompleteStatus, when not zero, is the HTTP status of every
	// complete-role-assumption-setup (e.g. 400), with CompleteMessage as the
	// body's detail.
	CompleteStatus  int
	CompleteMessage string
	// NotStored makes successful updates store account_role "".
	NotStored bool
}

// RoleCompletion is one successful complete-role-assumption-setup call.
type RoleCompletion struct {
	Workspace     string
	ExternalID    string
	RoleARN       string
	CredsSource   string
	DefaultRegion string
}

type roleState struct {
	fault     RoleFault
	issued    map[string][]string // workspace → external IDs issued
	next      int
	checks    map[string]int // workspace → checks answered
	completed []RoleCompletion
}

func newRoleState() roleState {
	return roleState{issued: map[string][]string{}, checks: map[string]int{}}
}

// SetRoleFault sets the role calls' behaviour; RoleFault{} restores the
// default.
func (s *Server) SetRoleFault(f RoleFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.role.fault = f
}

// IssueRoleSetup records an external ID as issued to workspace, as if a
// start-role-assumption-setup call had returned it (for tests that begin
// after that call, e.g. with a deployed stack).
func (s *Server) IssueRoleSetup(workspace, externalID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.role.issued[workspace] = append(s.role.issued[workspace], externalID)
}

// IssuedExternalIDs returns the external IDs issued to workspace, oldest
// first.
func (s *Server) IssuedExternalIDs(workspace string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.role.issued[workspace]...)
}

// RoleChecks counts the check-role-assumption calls answered for workspace.
func (s *Server) RoleChecks(workspace string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.role.checks[workspace]
}

// RoleCompletions returns the successful complete-role-assumption-setup
// calls, oldest first.
func (s *Server) RoleCompletions() []RoleCompletion {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RoleCompletion(nil), s.role.completed...)
}

func (s *Server) issued(workspace, externalID string) bool {
	for _, id := range s.role.issued[workspace] {
		if id == externalID {
			return true
		}
	}
	return false
}

// roleCall runs the checks every role call shares (fault, token, workspace)
// and decodes the body into body (when not nil); it reports whether the
// request was answered.
func (s *Server) roleCall(w http.ResponseWriter, r *http.Request, route Route, body any) bool {
	if s.fault(w, r, route) {
		return true
	}
	if st := s.authStatus(r); st != 0 {
		s.record(r, route, st)
		writeJSON(w, st, map[string]any{"detail": "Invalid token."})
		return true
	}
	if s.BackendOptions(r.PathValue("workspace")) == nil {
		s.record(r, route, http.StatusNotFound)
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not found."})
		return true
	}
	if body != nil {
		if err := json.NewDecoder(r.Body).Decode(body); err != nil {
			s.record(r, route, http.StatusBadRequest)
			writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "body is not JSON: " + err.Error()})
			return true
		}
	}
	return false
}

func (s *Server) handleStartRole(w http.ResponseWriter, r *http.Request) {
	if s.roleCall(w, r, RouteStartRole, nil) {
		return
	}
	ws := r.PathValue("workspace")
	s.mu.Lock()
	s.role.next++
	id := fmt.Sprintf("coiledtest-%s-%04d", ws, s.role.next)
	s.role.issued[ws] = append(s.role.issued[ws], id)
	s.mu.Unlock()
	s.record(r, RouteStartRole, http.StatusOK)
	writeJSON(w, http.StatusOK, map[string]any{"allowed_principal": s.opts.RolePrincipal, "external_id": id, "setup_started": true})
}

type roleBody struct {
	ExternalID    string `json:"external_id"`
	RoleARN       string `json:"role_arn"`
	CredsSource   string `json:"creds_source"`
	DefaultRegion string `json:"default_region"`
}

func (s *Server) handleCheckRole(w http.ResponseWriter, r *http.Request) {
	var b roleBody
	if s.roleCall(w, r, RouteCheckRole, &b) {
		return
	}
	ws := r.PathValue("workspace")
	s.mu.Lock()
	known := s.issued(ws, b.ExternalID)
	var ready bool
	if known && roleARNRE.MatchString(b.RoleARN) {
		s.role.checks[ws]++
		ready = !s.role.fault.NeverReady && s.role.checks[ws] > s.role.fault.ReadyAfter
	}
	s.mu.Unlock()
	if !known {
		s.record(r, RouteCheckRole, http.StatusBadRequest)
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "external_id was not issued to this workspace"})
		return
	}
	s.record(r, RouteCheckRole, http.StatusOK)
	writeJSON(w, http.StatusOK, ready)
}

func (s *Server) handleCompleteRole(w http.ResponseWriter, r *http.Request) {
	var b roleBody
	if s.roleCall(w, r, RouteCompleteRole, &b) {
		return
	}
	ws := r.PathValue("workspace")
	s.mu.Lock()
	f := s.role.fault
	var bad []string
	if !s.issued(ws, b.ExternalID) {
		bad = append(bad, "external_id was not issued to this workspace")
	}
	if !roleARNRE.MatchString(b.RoleARN) {
		bad = append(bad, "role_arn is not a role ARN")
	}
	if b.CredsSource == "" {
		bad = append(bad, "creds_source is empty")
	}
	if b.DefaultRegion == "" {
		bad = append(bad, "default_region is empty")
	}
	if f.CompleteStatus == 0 && len(bad) == 0 {
		s.role.completed = append(s.role.completed, RoleCompletion{Workspace: ws, ExternalID: b.ExternalID, RoleARN: b.RoleARN, CredsSource: b.CredsSource, DefaultRegion: b.DefaultRegion})
	}
	s.mu.Unlock()
	switch {
	case f.CompleteStatus != 0:
		msg := f.CompleteMessage
		if msg == "" {
			msg = "coiledtest: injected failure"
		}
		s.record(r, RouteCompleteRole, f.CompleteStatus)
		writeJSON(w, f.CompleteStatus, map[string]any{"detail": msg})
	case len(bad) > 0:
		s.record(r, RouteCompleteRole, http.StatusBadRequest)
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": strings.Join(bad, "; ")})
	default:
		s.record(r, RouteCompleteRole, http.StatusOK)
		writeJSON(w, http.StatusOK, map[string]any{})
	}
}

// checkAccountRole accepts a role update only for the workspace's current
// role or a completed one.
func (s *Server) checkAccountRole(workspace string, data map[string]any) []string {
	opts, _ := data["options"].(map[string]any)
	role, _ := opts["account_role"].(string)
	if role == "" {
		return nil
	}
	cur, _ := s.BackendOptions(workspace)["options"].(map[string]any)
	if r, _ := cur["account_role"].(string); r == role {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.role.completed {
		if c.Workspace == workspace && c.RoleARN == role {
			return nil
		}
	}
	return []string{fmt.Sprintf("options.account_role %s is neither the workspace's role nor set up with complete-role-assumption-setup", role)}
}

// dropRoleIfFaulty applies RoleFault.NotStored; the caller holds s.mu.
func (s *Server) dropRoleIfFaulty(bo map[string]any) map[string]any {
	if !s.role.fault.NotStored {
		return bo
	}
	if opts, ok := bo["options"].(map[string]any); ok {
		opts["account_role"] = ""
	}
	return bo
}
