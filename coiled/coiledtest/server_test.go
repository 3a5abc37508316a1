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

func TestValidateBackendOptionsRoleMode(t *testing.T) {
	t.Parallel()
	data := map[string]any{"backend": "vm", "options": map[string]any{
		"aws_region_name": "us-east-2", "account_role": "arn:aws:iam::111122223333:role/r",
		"credentials": map[string]any{"aws_access_key": "A", "aws_secret_key": "S"},
		"firewall":    map[string]any{}, "firewall_spec": map[string]any{}, "zone": nil,
		"provider_name": "aws", "type": "aws_cloudbridge_backend_options",
		"network": map[string]any{"network_id": "vpc-1", "scheduler_subnet_id": "subnet-1", "worker_subnet_id": "subnet-1",
			"scheduler_firewall_id": "sg-1", "firewall_id": "sg-2", "give_workers_public_ip": true},
	}, "registry": map[string]any{"type": "ecr", "region": "us-east-2", "credentials": map[string]any{}}}
	all := strings.Join(ValidateBackendOptions(data), "\n")
	for _, want := range []string{"options.credentials must be absent", "registry.credentials must be absent"} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q:\n%s", want, all)
		}
	}
	delete(data["options"].(map[string]any), "credentials")
	delete(data["registry"].(map[string]any), "credentials")
	if bad := ValidateBackendOptions(data); len(bad) != 0 {
		t.Errorf("valid role payload refused: %v", bad)
	}
	data["options"].(map[string]any)["account_role"] = "coiled"
	if all := strings.Join(ValidateBackendOptions(data), "\n"); !strings.Contains(all, "not an IAM role ARN") {
		t.Errorf("bad role accepted: %s", all)
	}
}
