package coiled_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coilednet/coilednet/coiled"
	"github.com/coilednet/coilednet/coiled/coiledtest"
)

// TestSoftwareEnvName: the name the Python client computes, checked with
// uuid.uuid5(uuid.NAMESPACE_DNS, "ghcr.io/dask/dask:latest").
func TestSoftwareEnvName(t *testing.T) {
	t.Parallel()
	if got, want := coiled.SoftwareEnvName("ghcr.io/dask/dask:latest"), "dask_latest-x86_64-dfc6397a-d32e-5024-9ac1-3f618f6b29fe"; got != want {
		t.Errorf("SoftwareEnvName = %q, want %q", got, want)
	}
	if got := coiled.SoftwareEnvName("Registry.example/Team/Img@sha256:AB"); strings.ContainsAny(got, "@:.ABRT") {
		t.Errorf("SoftwareEnvName kept characters the client replaces or upper case: %q", got)
	}
}

// TestClusterBody: every key the client sends; no zone means multizone.
func TestClusterBody(t *testing.T) {
	t.Parallel()
	spec := coiled.ClusterSpec{Name: "n", Workers: 1, InstanceTypes: []string{"t3.medium"}, EnvName: "e", IdleTimeout: "10 minutes",
		ClusterTimeoutSeconds: 60, Region: "us-east-1", Zone: "us-east-1a"}
	b := spec.Body()
	for _, k := range []string{"name", "workers", "worker_instance_types", "scheduler_instance_types", "env_name", "env_id", "worker_class",
		"worker_options", "scheduler_options", "environ", "tags", "dask_config", "cluster_timeout_seconds", "use_aws_creds_endpoint", "options"} {
		if _, ok := b[k]; !ok {
			t.Errorf("body lacks %s", k)
		}
	}
	if o := b["options"].(map[string]any); o["zone_name"] != "us-east-1a" || o["multizone"] != nil {
		t.Errorf("options %v", o)
	}
	spec.Zone = ""
	if o := spec.Body()["options"].(map[string]any); o["multizone"] != true || o["zone_name"] != nil {
		t.Errorf("options without zone %v", o)
	}
}

// TestClusterDetailsDecode: numbers as strings or numbers, nulls, and no
// field that holds the TLS secrets.
func TestClusterDetailsDecode(t *testing.T) {
	t.Parallel()
	body := `{"id": "42", "name": "c", "current_state": {"state": "ready", "reason": null},
	  "scheduler": {"name": "c-scheduler", "current_state": {"state": "started"},
	    "instance": {"id": 7, "private_ip_address": "10.0.0.5", "public_ip_address": null, "instance_type_id": 12, "current_state": {"state": "ready"}}},
	  "workers": null,
	  "cluster_options": {"region_name": "us-east-1", "zone_name": "us-east-1a", "tls_cert": "CERT-SECRET", "tls_key": "KEY-SECRET"},
	  "coiled_hosted": false, "backend_type": "vm_aws", "scheduler_port": 443}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	c, err := coiled.NewClient(srv.URL, "t-1")
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.ClusterDetails(context.Background(), "acme", 42)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != 42 || !d.SchedulerReady() || d.Scheduler.Instance.PrivateIP != "10.0.0.5" || d.Scheduler.Instance.InstanceType != "12" ||
		d.Options.Zone != "us-east-1a" || len(d.Workers) != 0 || d.WorkersIn("started") != 0 {
		t.Errorf("decoded %+v", d)
	}
	b, _ := json.Marshal(d)
	if strings.Contains(string(b), "SECRET") || strings.Contains(fmt.Sprintf("%+v", *d), "SECRET") {
		t.Errorf("the details hold the TLS secrets: %s", b)
	}
}

// TestClusterLifecycle drives the fake through the client: environment,
// cluster, ready, DELETE, stopped.
func TestClusterLifecycle(t *testing.T) {
	t.Parallel()
	srv := coiledtest.Start(t, coiledtest.Options{Workspaces: []coiledtest.Workspace{{Slug: "acme", Default: true}}})
	c, _ := newClient(t, srv)
	ctx := context.Background()
	env, err := c.CreateContainerSoftwareEnv(ctx, "acme", coiled.DefaultContainer)
	if err != nil || env.State != "queued" {
		t.Fatalf("env %+v, %v", env, err)
	}
	for env.State != coiled.BuildBuilt {
		if env.State, err = c.BuildState(ctx, "acme", env.BuildID); err != nil {
			t.Fatal(err)
		}
	}
	spec := coiled.ClusterSpec{Name: "coilednet-verify-test", Workers: 1, InstanceTypes: []string{"t3.medium"}, EnvName: env.Name,
		IdleTimeout: "10 minutes", ClusterTimeoutSeconds: 600, Region: "us-east-1", Zone: "us-east-1a"}
	id, existing, err := c.CreateCluster(ctx, "acme", spec)
	if err != nil || existing {
		t.Fatalf("create: %d %v %v", id, existing, err)
	}
	if again, existing, _ := c.CreateCluster(ctx, "acme", spec); again != id || !existing {
		t.Errorf("same name again: id %d existing %v, want %d true", again, existing, id)
	}
	var d *coiled.ClusterDetails
	for i := 0; i < 5; i++ {
		if d, err = c.ClusterDetails(ctx, "acme", id); err != nil {
			t.Fatal(err)
		}
	}
	// The default workspace has no network: Coiled runs it in its own account.
	if d.CurrentState.State != coiled.ClusterReady || !d.SchedulerReady() || d.WorkersIn("started") != 1 || !d.CoiledHosted {
		t.Errorf("after 5 polls: %+v", d)
	}
	if err := c.DeleteCluster(ctx, "acme", id, "test"); err != nil {
		t.Fatal(err)
	}
	if st, err := c.ClusterState(ctx, "acme", id); err != nil || st != coiled.ClusterStopped {
		t.Errorf("state after DELETE: %q %v", st, err)
	}
	if bad := srv.InvalidClusterRequests(); len(bad) != 0 {
		t.Errorf("the fake refused: %v", bad)
	}
	// A body the fake refuses is an APIError with its message.
	spec.Name, spec.IdleTimeout = "other", ""
	_, _, err = c.CreateCluster(ctx, "acme", spec)
	var apiErr *coiled.APIError
	if !strings.Contains(fmt.Sprint(err), "idle_timeout must be set") || !asAPIError(err, &apiErr) || apiErr.Status != 400 {
		t.Errorf("invalid body: %v", err)
	}
}

func asAPIError(err error, target **coiled.APIError) bool {
	e, ok := err.(*coiled.APIError)
	if ok {
		*target = e
	}
	return ok
}
