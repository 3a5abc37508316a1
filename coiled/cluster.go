package coiled

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Starting, watching and stopping one cluster, as the official client does
// (shared/coiled-cluster-api.md): a software environment from a public
// container image, POST a cluster, poll its details, DELETE it and confirm
// it stopped. Every call goes through callJSON, so it shares the client's
// headers, retries and error handling.
//
// The cluster details carry secrets (cluster_options.tls_cert and tls_key):
// ClusterDetails decodes only the fields it names, so they are never held,
// logged or returned.

// DefaultContainer is the public image a verification cluster runs.
const DefaultContainer = "ghcr.io/dask/dask:latest"

// dnsNamespace is the RFC 4122 DNS namespace (Python's uuid.NAMESPACE_DNS).
var dnsNamespace = [16]byte{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// uuid5 is Python's uuid.uuid5(namespace, name) as text.
func uuid5(ns [16]byte, name string) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	s := h.Sum(nil)[:16]
	s[6] = (s[6] & 0x0f) | 0x50
	s[8] = (s[8] & 0x3f) | 0x80
	x := hex.EncodeToString(s)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

var envNameBad = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// SoftwareEnvName is the name the client gives the software environment of
// a container image: "<image:tag>-x86_64-<uuid5(DNS, image)>", every
// character outside [A-Za-z0-9-_] replaced by "_", lower-cased. <image:tag>
// is the image's last path element.
func SoftwareEnvName(container string) string {
	last := container[strings.LastIndex(container, "/")+1:]
	name := last + "-x86_64-" + uuid5(dnsNamespace, container)
	return strings.ToLower(envNameBad.ReplaceAllString(name, "_"))
}

// nullMD5 is the MD5 of the JSON text `null` (the client's md5 of no spec).
var nullMD5 = func() string { s := md5.Sum([]byte("null")); return hex.EncodeToString(s[:]) }()

// SoftwareEnv is a software environment and the state of its latest build.
type SoftwareEnv struct {
	ID      int64
	Name    string
	BuildID int64
	// State is the build's state: queued, building, built or error.
	State string
}

// Software environment build states.
const (
	BuildBuilt = "built"
	BuildError = "error"
)

func softwareEnvPath(workspace string) string {
	return "/api/v2/software-environment/account/" + url.PathEscape(workspace)
}

// CreateContainerSoftwareEnv creates (or finds: the server reuses a name) the
// software environment of a public container image:
// POST /api/v2/software-environment/account/{workspace}.
func (c *Client) CreateContainerSoftwareEnv(ctx context.Context, workspace, container string) (*SoftwareEnv, error) {
	body := map[string]any{
		"name": SoftwareEnvName(container), "container": container, "force_rebuild": false,
		"md5": nullMD5, "use_entrypoint": true, "gpu_enabled": false, "architecture": "x86_64",
		"enable_experimental_installer": true, "region_name": nil, "lockfile_content": nil, "lockfile_name": nil,
	}
	var out struct {
		ID         flexInt `json:"id"`
		Name       string  `json:"name"`
		LatestSpec *struct {
			LatestBuild *struct {
				ID    flexInt `json:"id"`
				State string  `json:"state"`
			} `json:"latest_build"`
		} `json:"latest_spec"`
	}
	if err := c.callJSON(ctx, http.MethodPost, softwareEnvPath(workspace), body, &out); err != nil {
		return nil, err
	}
	env := &SoftwareEnv{ID: int64(out.ID), Name: out.Name}
	if env.Name == "" {
		env.Name = body["name"].(string)
	}
	if out.LatestSpec != nil && out.LatestSpec.LatestBuild != nil {
		env.BuildID, env.State = int64(out.LatestSpec.LatestBuild.ID), out.LatestSpec.LatestBuild.State
	}
	return env, nil
}

// BuildState reads a software environment build's state:
// GET /api/v2/software-environment/account/{workspace}/build/{id}.
func (c *Client) BuildState(ctx context.Context, workspace string, buildID int64) (string, error) {
	var out struct {
		State string `json:"state"`
	}
	err := c.getJSON(ctx, softwareEnvPath(workspace)+"/build/"+strconv.FormatInt(buildID, 10), &out)
	return out.State, err
}

// ClusterSpec is what CreateCluster asks for.
type ClusterSpec struct {
	Name          string
	Workers       int
	InstanceTypes []string // for the scheduler and the workers
	EnvName       string
	// IdleTimeout is scheduler_options.idle_timeout, e.g. "10 minutes".
	IdleTimeout           string
	ClusterTimeoutSeconds int
	Tags                  map[string]string
	Region, Zone          string
}

// Body is the JSON body of POST /api/v2/clusters/account/{workspace}/: every
// key the client sends, unset ones as null.
func (s ClusterSpec) Body() map[string]any {
	tags := map[string]any{}
	for k, v := range s.Tags {
		tags[k] = v
	}
	types := append([]string{}, s.InstanceTypes...)
	options := map[string]any{"region_name": s.Region}
	if s.Zone != "" {
		options["zone_name"] = s.Zone
	} else {
		options["multizone"] = true
	}
	return map[string]any{
		"name": s.Name, "workers": s.Workers,
		"worker_instance_types": types, "scheduler_instance_types": append([]string{}, types...),
		"env_name": s.EnvName, "env_id": nil, "worker_class": nil,
		"worker_options": map[string]any{}, "scheduler_options": map[string]any{"idle_timeout": s.IdleTimeout},
		"environ": map[string]any{}, "tags": tags, "dask_config": map[string]any{},
		"cluster_timeout_seconds": s.ClusterTimeoutSeconds, "use_aws_creds_endpoint": false,
		"options": options,
	}
}

func clustersPath(workspace string) string {
	return "/api/v2/clusters/account/" + url.PathEscape(workspace)
}

// CreateCluster starts a cluster: POST /api/v2/clusters/account/{workspace}/.
// existing is Coiled's "existing" (a live cluster of that name was reused).
// A retried POST (after a 5xx) cannot start a second cluster: the server
// reuses the name.
func (c *Client) CreateCluster(ctx context.Context, workspace string, spec ClusterSpec) (id int64, existing bool, err error) {
	var out struct {
		ID       flexInt `json:"id"`
		Existing bool    `json:"existing"`
	}
	if err := c.callJSON(ctx, http.MethodPost, clustersPath(workspace)+"/", spec.Body(), &out); err != nil {
		return 0, false, err
	}
	if out.ID == 0 {
		return 0, false, fmt.Errorf("POST %s/: Coiled answered no cluster id", clustersPath(workspace))
	}
	return int64(out.ID), out.Existing, nil
}

// State is a current_state: the state, why (Coiled's text, may be empty)
// and when.
type State struct {
	State   string `json:"state"`
	Reason  string `json:"reason"`
	Updated string `json:"updated"`
}

// Instance is a VM of a cluster as Coiled reports it.
type Instance struct {
	ID           flexInt `json:"id"`
	Name         string  `json:"name"`
	PrivateIP    string  `json:"private_ip_address"`
	PublicIP     string  `json:"public_ip_address"`
	InstanceType flexStr `json:"instance_type_id"`
	CurrentState State   `json:"current_state"`
}

// Process is the scheduler or a worker: its Dask process and its VM.
type Process struct {
	Name             string    `json:"name"`
	CurrentState     State     `json:"current_state"`
	Instance         *Instance `json:"instance"`
	DashboardAddress string    `json:"dashboard_address"`
}

// ClusterDetails is the part of GET …/id/{id} this package reads. It has no
// field for the TLS certificate and key the answer carries.
type ClusterDetails struct {
	ID           flexInt   `json:"id"`
	Name         string    `json:"name"`
	CurrentState State     `json:"current_state"`
	Scheduler    *Process  `json:"scheduler"`
	Workers      []Process `json:"workers"`
	Options      struct {
		Region string `json:"region_name"`
		Zone   string `json:"zone_name"`
	} `json:"cluster_options"`
	Infra *struct {
		CurrentState          State `json:"current_state"`
		GiveSchedulerPublicIP *bool `json:"give_scheduler_public_ip"`
	} `json:"cluster_infra"`
	SchedulerPort flexInt `json:"scheduler_port"`
	BackendType   string  `json:"backend_type"`
	CoiledHosted  bool    `json:"coiled_hosted"`
}

// ClusterDetails reads a cluster: GET /api/v2/clusters/account/{workspace}/id/{id}.
func (c *Client) ClusterDetails(ctx context.Context, workspace string, id int64) (*ClusterDetails, error) {
	var raw json.RawMessage
	if err := c.getJSON(ctx, clusterPath(workspace, id), &raw); err != nil {
		return nil, err
	}
	var d ClusterDetails
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("GET %s: malformed cluster details from Coiled: %v", clusterPath(workspace, id), err)
	}
	return &d, nil
}

func clusterPath(workspace string, id int64) string {
	return clustersPath(workspace) + "/id/" + strconv.FormatInt(id, 10)
}

// DeleteCluster stops a cluster: DELETE …/id/{id}?reason=… (never pause=1).
func (c *Client) DeleteCluster(ctx context.Context, workspace string, id int64, reason string) error {
	return c.callJSON(ctx, http.MethodDelete, clusterPath(workspace, id)+"?reason="+url.QueryEscape(reason), nil, nil)
}

// ClusterState reads a cluster's state: GET …/id/{id}/state ({"state": …}).
func (c *Client) ClusterState(ctx context.Context, workspace string, id int64) (string, error) {
	var out struct {
		State string `json:"state"`
	}
	err := c.getJSON(ctx, clusterPath(workspace, id)+"/state", &out)
	return out.State, err
}

// Cluster states (cluster current_state.state).
const (
	ClusterPending  = "pending"
	ClusterStarting = "starting"
	ClusterReady    = "ready"
	ClusterStopping = "stopping"
	ClusterStopped  = "stopped"
	ClusterError    = "error"
)

// ClusterStateFailed reports whether a cluster state ends the wait as a failure
// (error, paused, pausing, stopped, stopping), as the client decides.
func ClusterStateFailed(state string) bool {
	switch state {
	case "error", "paused", "pausing", "stopped", "stopping":
		return true
	}
	return false
}

// SchedulerReady: the scheduler process started and its VM ready or started.
func (d *ClusterDetails) SchedulerReady() bool {
	s := d.Scheduler
	return s != nil && s.CurrentState.State == "started" && s.Instance != nil &&
		(s.Instance.CurrentState.State == "ready" || s.Instance.CurrentState.State == "started")
}

// WorkersIn counts the workers whose process is in one of states.
func (d *ClusterDetails) WorkersIn(states ...string) int {
	n := 0
	for _, w := range d.Workers {
		for _, s := range states {
			if w.CurrentState.State == s {
				n++
				break
			}
		}
	}
	return n
}

// flexInt decodes a JSON number or numeric string (null is 0).
type flexInt int64

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("not a number: %s", s)
	}
	*f = flexInt(n)
	return nil
}

// flexStr decodes a JSON string or number as text (null is "").
type flexStr string

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexStr) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case nil:
		*f = ""
	case string:
		*f = flexStr(x)
	default:
		*f = flexStr(fmt.Sprint(x))
	}
	return nil
}
