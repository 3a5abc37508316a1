package coiledtest

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCloseEndsHungRequests(t *testing.T) {
	t.Parallel()
	s := New(Options{})
	s.FailNext(RouteMe, 1, FailHang)
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, s.URL()+"/api/v2/user/me", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for len(s.Requests()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %s", d)
	}
	<-done
}

func TestStoredOptionsHaveNoCredentials(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Workspaces: []Workspace{{Slug: "acme"}}})
	s.SetBackendOptions("hidden", map[string]any{
		"options":  map[string]any{"credentials": map[string]any{"aws_secret_key": "x"}, "zone": nil},
		"registry": map[string]any{"credentials": map[string]any{}, "password": "p", "type": "docker_hub"},
	})
	got := s.BackendOptions("hidden")
	if _, ok := got["options"].(map[string]any)["credentials"]; ok {
		t.Error("options.credentials stored")
	}
	if reg := got["registry"].(map[string]any); reg["password"] != nil || reg["credentials"] != nil || reg["type"] != "docker_hub" {
		t.Errorf("registry %v", reg)
	}
	if s.BackendOptions("nope") != nil {
		t.Error("unknown workspace has options")
	}
}

func TestValidateBackendOptions(t *testing.T) {
	t.Parallel()
	bad := ValidateBackendOptions(map[string]any{"backend": "vm", "options": map[string]any{
		"network": map[string]any{"network_id": "arn:aws:ec2:x:vpc/vpc-1", "give_workers_public_ip": "true"},
	}, "registry": map[string]any{"type": "ecr"}})
	all := strings.Join(bad, "\n")
	for _, want := range []string{
		"options.type", "options.credentials is not an object", "options.aws_region_name must be a non-empty string",
		"give_workers_public_ip must be a JSON boolean", "options.network.network_id", "options.zone is missing",
		"registry.credentials is not an object",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q:\n%s", want, all)
		}
	}
}
