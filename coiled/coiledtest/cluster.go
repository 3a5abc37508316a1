package coiledtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Clusters (shared/coiled-cluster-api.md): software environments from a
// container image, clusters and their states, and the VMs they run on.
//
// A cluster advances one step each time its details (or its state) are
// read, so a client polling it sees pending → starting → scheduler started
// → worker started → ready in a few polls, whatever its poll interval:
//
//	poll 1: cluster starting; the VMs are launched (VMLauncher) into the
//	        workspace's network: the scheduler into scheduler_subnet_id with
//	        scheduler_firewall_id and firewall_id, each worker into
//	        worker_subnet_id with firewall_id
//	poll 2: scheduler process started, its instance ready; workers starting
//	poll 3: workers started, cluster ready
//
// A workspace without a network (the default settings) runs its clusters
// coiled_hosted: no VM is launched in the customer's account. A DELETE
// makes the cluster stopping; the next read makes it stopped and terminates
// its VMs. ClusterFault injects the failures a client must report. The
// details carry cluster_options.tls_cert and tls_key (FakeTLSCert,
// FakeTLSKey): secrets a client must never print.

// FakeTLSCert and FakeTLSKey are the secrets in every cluster's details.
const (
	FakeTLSCert = "-----BEGIN CERTIFICATE-----coiledtest-cert-NEVER-PRINT-----END CERTIFICATE-----"
	FakeTLSKey  = "-----BEGIN PRIVATE KEY-----coiledtest-key-NEVER-PRINT-----END PRIVATE KEY-----"
)

// The cluster endpoints.
const (
	RouteSoftwareEnv    Route = "software-environment" // POST /api/v2/software-environment/account/{workspace}
	RouteBuild          Route = "software-env-build"   // GET …/build/{id}
	RouteCreateCluster  Route = "create-cluster"       // POST /api/v2/clusters/account/{workspace}/
	RouteClusterDetails Route = "cluster-details"      // GET …/id/{id}
	RouteDeleteCluster  Route = "delete-cluster"       // DELETE …/id/{id}
	RouteClusterState   Route = "cluster-state"        // GET …/id/{id}/state
)

// ClusterFaultKind is a failure of the clusters started after it is set.
type ClusterFaultKind int

// Cluster faults.
const (
	// ClusterOK: the cluster starts in three polls.
	ClusterOK ClusterFaultKind = iota
	// ClusterLaunchError: the scheduler's VM fails to launch; the scheduler
	// and the cluster go to error with Reason.
	ClusterLaunchError
	// ClusterWorkerLaunchError: the scheduler starts; every worker's VM
	// fails to launch, the workers go to error with Reason.
	ClusterWorkerLaunchError
	// ClusterWorkersNeverArrive: the scheduler starts and the workers' VMs
	// run, but their Dask processes stay starting (they never reach the
	// scheduler).
	ClusterWorkersNeverArrive
	// ClusterStuckStarting: the cluster stays starting, its scheduler never
	// starts.
	ClusterStuckStarting
)

// ClusterFault configures the clusters created after it is set.
type ClusterFault struct {
	Kind ClusterFaultKind
	// Reason is the text Coiled writes for the launch errors.
	Reason string
	// WorkerSubnetID, when set, launches the workers in this subnet instead
	// of the workspace's worker subnet (a cluster that ran elsewhere).
	WorkerSubnetID string
	// NeverStops keeps a deleted cluster stopping forever.
	NeverStops bool
	// BuildError makes software environment builds end in error.
	BuildError bool
	// CreateDelay delays the answer to a cluster's POST after the cluster
	// exists (a client interrupted meanwhile must still learn its ID).
	CreateDelay time.Duration
}

// VMSpec is one VM the fake asks its VMLauncher for.
type VMSpec struct {
	ClusterID        int64
	Cluster          string
	Role             string // "scheduler" or "worker"
	Name             string
	Region, Zone     string
	InstanceType     string // the first of the types asked for
	SubnetID         string
	SecurityGroupIDs []string
	PublicIP         bool
	// The identity Coiled acts as, from the workspace's last update: keys
	// (AccessKeyID, SecretAccessKey) or AccountRole.
	AccessKeyID, SecretAccessKey, AccountRole string
	Tags                                      map[string]string
}

// VM is a launched VM.
type VM struct {
	InstanceID, PrivateIP, PublicIP string
}

// VMLauncher launches and terminates the VMs of the fake's clusters. The
// default (nil) makes them up in memory; cmd/fakecoiled -ec2-endpoint
// launches them in an EC2 emulator (package coiledtest/ec2vms).
type VMLauncher interface {
	Launch(ctx context.Context, spec VMSpec) (VM, error)
	Terminate(ctx context.Context, vms []VM) error
}

// LaunchedVM is a VM a cluster ran on.
type LaunchedVM struct {
	Spec       VMSpec
	VM         VM
	Terminated bool
}

// Cluster is one cluster the fake received.
type Cluster struct {
	ID        int64
	Workspace string
	Name      string
	// Body is the POST body as received.
	Body         map[string]any
	State        string
	Reason       string
	CoiledHosted bool
	VMs          []LaunchedVM
	// Deleted is set by a DELETE; DeleteReason is its reason parameter.
	Deleted      bool
	DeleteReason string

	fault     ClusterFault
	polls     int
	scheduler proc
	workers   []proc
	network   map[string]any
	creds     [3]string
	region    string
	zone      string
}

type proc struct {
	name                  string
	state, reason         string
	instState, instReason string
	vm                    VM
	launched              bool
	updated, instUpdated  string
	instanceID            int64
	instanceType          string
}

type softwareEnv struct {
	id, buildID int64
	name        string
	polls       int
	buildError  bool
}

type clusterState struct {
	fault    ClusterFault
	launcher VMLauncher
	nextID   int64
	clusters []*Cluster
	envs     map[string]map[string]*softwareEnv // workspace → name → env
	creds    map[string][3]string               // workspace → key id, secret, role
	invalid  []string
}

func (s *Server) registerClusterRoutes(mux *http.ServeMux) {
	s.clusters.envs = map[string]map[string]*softwareEnv{}
	s.clusters.creds = map[string][3]string{}
	s.clusters.nextID = 4200
	mux.HandleFunc("POST /api/v2/software-environment/account/{workspace}", s.handleSoftwareEnv)
	mux.HandleFunc("GET /api/v2/software-environment/account/{workspace}/build/{id}", s.handleBuild)
	mux.HandleFunc("POST /api/v2/clusters/account/{workspace}/", s.handleCreateCluster)
	mux.HandleFunc("GET /api/v2/clusters/account/{workspace}/id/{id}", s.handleClusterDetails)
	mux.HandleFunc("DELETE /api/v2/clusters/account/{workspace}/id/{id}", s.handleDeleteCluster)
	mux.HandleFunc("GET /api/v2/clusters/account/{workspace}/id/{id}/state", s.handleClusterState)
}

// SetClusterFault sets the behaviour of the clusters created afterwards;
// ClusterFault{} restores the default.
func (s *Server) SetClusterFault(f ClusterFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clusters.fault = f
}

// SetVMLauncher sets where clusters' VMs are launched (nil: in memory).
func (s *Server) SetVMLauncher(l VMLauncher) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clusters.launcher = l
}

// Clusters returns the clusters created so far, oldest first.
func (s *Server) Clusters() []Cluster {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Cluster, 0, len(s.clusters.clusters))
	for _, c := range s.clusters.clusters {
		cp := *c
		cp.VMs = append([]LaunchedVM(nil), c.VMs...)
		cp.Body = deepCopy(c.Body).(map[string]any)
		out = append(out, cp)
	}
	return out
}

// LiveClusters returns the clusters not stopped (what a client left
// behind).
func (s *Server) LiveClusters() []Cluster {
	var out []Cluster
	for _, c := range s.Clusters() {
		if c.State != "stopped" {
			out = append(out, c)
		}
	}
	return out
}

// InvalidClusterRequests lists what the fake found wrong with the software
// environment and cluster requests it refused (400).
func (s *Server) InvalidClusterRequests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.clusters.invalid...)
}

// rememberIdentity keeps the identity of a stored update for the VMs of
// later clusters; the caller holds s.mu.
func (s *Server) rememberIdentity(workspace string, data map[string]any) {
	opts, _ := data["options"].(map[string]any)
	creds, _ := opts["credentials"].(map[string]any)
	key, _ := creds["aws_access_key"].(string)
	secret, _ := creds["aws_secret_key"].(string)
	role, _ := opts["account_role"].(string)
	s.clusters.creds[workspace] = [3]string{key, secret, role}
}

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

func (s *Server) refuse(w http.ResponseWriter, r *http.Request, route Route, problems []string) {
	s.mu.Lock()
	s.clusters.invalid = append(s.clusters.invalid, problems...)
	s.mu.Unlock()
	s.record(r, route, http.StatusBadRequest)
	writeJSON(w, http.StatusBadRequest, map[string]any{"code": "INVALID_REQUEST", "message": "coiledtest: " + strings.Join(problems, "; ")})
}

func (s *Server) handleSoftwareEnv(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if s.roleCall(w, r, RouteSoftwareEnv, &body) {
		return
	}
	ws := r.PathValue("workspace")
	var bad []string
	for _, k := range []string{"name", "container", "force_rebuild", "md5", "use_entrypoint", "gpu_enabled", "architecture",
		"enable_experimental_installer", "region_name", "lockfile_content", "lockfile_name"} {
		if _, ok := body[k]; !ok {
			bad = append(bad, "software environment: key "+k+" missing")
		}
	}
	name, _ := body["name"].(string)
	container, _ := body["container"].(string)
	if name == "" || container == "" {
		bad = append(bad, "software environment: name and container must be non-empty strings")
	}
	if body["architecture"] != "x86_64" {
		bad = append(bad, fmt.Sprintf("software environment: architecture %v, want x86_64", body["architecture"]))
	}
	if len(bad) > 0 {
		s.refuse(w, r, RouteSoftwareEnv, bad)
		return
	}
	s.mu.Lock()
	envs := s.clusters.envs[ws]
	if envs == nil {
		envs = map[string]*softwareEnv{}
		s.clusters.envs[ws] = envs
	}
	env := envs[name]
	if env == nil {
		s.clusters.nextID++
		env = &softwareEnv{id: s.clusters.nextID, buildID: s.clusters.nextID + 100000, name: name, buildError: s.clusters.fault.BuildError}
		envs[name] = env
	}
	state := env.state()
	s.mu.Unlock()
	s.record(r, RouteSoftwareEnv, http.StatusCreated)
	writeJSON(w, http.StatusCreated, map[string]any{"id": env.id, "name": env.name,
		"latest_spec": map[string]any{"latest_build": map[string]any{"id": env.buildID, "state": state}}})
}

func (e *softwareEnv) state() string {
	switch {
	case e.polls == 0:
		return "queued"
	case e.polls == 1:
		return "building"
	case e.buildError:
		return "error"
	}
	return "built"
}

func (s *Server) handleBuild(w http.ResponseWriter, r *http.Request) {
	if s.roleCall(w, r, RouteBuild, nil) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	var env *softwareEnv
	for _, e := range s.clusters.envs[r.PathValue("workspace")] {
		if e.buildID == id {
			env = e
		}
	}
	state := ""
	if env != nil {
		env.polls++
		state = env.state()
	}
	s.mu.Unlock()
	if env == nil {
		s.record(r, RouteBuild, http.StatusNotFound)
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not found."})
		return
	}
	s.record(r, RouteBuild, http.StatusOK)
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "state": state})
}

// validateClusterBody checks a create-cluster body against the contract and
// the workspace; the caller holds s.mu.
func (s *Server) validateClusterBody(ws string, b map[string]any) []string {
	var bad []string
	for _, k := range []string{"name", "workers", "worker_instance_types", "scheduler_instance_types", "env_name", "env_id",
		"worker_class", "worker_options", "scheduler_options", "environ", "tags", "dask_config", "cluster_timeout_seconds",
		"use_aws_creds_endpoint", "options"} {
		if _, ok := b[k]; !ok {
			bad = append(bad, "cluster: key "+k+" missing")
		}
	}
	if n, ok := b["name"].(string); !ok || n == "" {
		bad = append(bad, "cluster: name must be a non-empty string")
	}
	if n, ok := b["workers"].(float64); !ok || n < 1 || n != float64(int(n)) {
		bad = append(bad, fmt.Sprintf("cluster: workers %v, want a positive integer", b["workers"]))
	}
	for _, k := range []string{"worker_instance_types", "scheduler_instance_types"} {
		l, ok := b[k].([]any)
		if !ok || len(l) == 0 {
			bad = append(bad, "cluster: "+k+" must be a non-empty list")
		}
		for _, t := range l {
			if s, ok := t.(string); !ok || !strings.Contains(s, ".") {
				bad = append(bad, fmt.Sprintf("cluster: %s has %v, not an instance type", k, t))
			}
		}
	}
	env, _ := b["env_name"].(string)
	if e := s.clusters.envs[ws][env]; e == nil || e.state() != "built" {
		bad = append(bad, fmt.Sprintf("cluster: env_name %q is not a built software environment of workspace %s", env, ws))
	}
	so, _ := b["scheduler_options"].(map[string]any)
	if it, _ := so["idle_timeout"].(string); it == "" {
		bad = append(bad, "cluster: scheduler_options.idle_timeout must be set")
	}
	if t, ok := b["cluster_timeout_seconds"].(float64); !ok || t <= 0 {
		bad = append(bad, fmt.Sprintf("cluster: cluster_timeout_seconds %v, want a positive number", b["cluster_timeout_seconds"]))
	}
	opts, _ := b["options"].(map[string]any)
	region, _ := opts["region_name"].(string)
	stored, _ := s.stored[ws]["options"].(map[string]any)
	if want, _ := stored["aws_region_name"].(string); region != want {
		bad = append(bad, fmt.Sprintf("cluster: options.region_name %q, the workspace's region is %q", region, want))
	}
	if z, ok := opts["zone_name"].(string); ok && !strings.HasPrefix(z, region) {
		bad = append(bad, fmt.Sprintf("cluster: options.zone_name %q is not in region %s", z, region))
	}
	sort.Strings(bad)
	return bad
}

func (s *Server) handleCreateCluster(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if s.roleCall(w, r, RouteCreateCluster, &body) {
		return
	}
	ws := r.PathValue("workspace")
	s.mu.Lock()
	if bad := s.validateClusterBody(ws, body); len(bad) > 0 {
		s.mu.Unlock()
		s.refuse(w, r, RouteCreateCluster, bad)
		return
	}
	name := body["name"].(string)
	for _, c := range s.clusters.clusters {
		if c.Workspace == ws && c.Name == name && c.State != "stopped" {
			s.mu.Unlock()
			s.record(r, RouteCreateCluster, http.StatusCreated)
			writeJSON(w, http.StatusCreated, map[string]any{"id": c.ID, "existing": true})
			return
		}
	}
	s.clusters.nextID++
	stored, _ := s.stored[ws]["options"].(map[string]any)
	network, _ := stored["network"].(map[string]any)
	opts, _ := body["options"].(map[string]any)
	region, _ := opts["region_name"].(string)
	zone, _ := opts["zone_name"].(string)
	if zone == "" {
		zone = region + "a"
	}
	t := now()
	c := &Cluster{
		ID: s.clusters.nextID, Workspace: ws, Name: name, Body: deepCopy(body).(map[string]any), State: "pending",
		CoiledHosted: len(network) == 0, fault: s.clusters.fault, network: deepCopy(network).(map[string]any),
		creds: s.clusters.creds[ws], region: region, zone: zone,
	}
	types, _ := body["worker_instance_types"].([]any)
	first, _ := types[0].(string)
	c.scheduler = proc{name: name + "-scheduler", state: "pending", instState: "queued", updated: t, instUpdated: t, instanceType: first}
	for i := 0; i < int(body["workers"].(float64)); i++ {
		c.workers = append(c.workers, proc{name: fmt.Sprintf("%s-worker-%d", name, i+1), state: "pending", instState: "queued",
			updated: t, instUpdated: t, instanceType: first})
	}
	s.clusters.clusters = append(s.clusters.clusters, c)
	s.mu.Unlock()
	if d := c.fault.CreateDelay; d > 0 {
		select {
		case <-time.After(d):
		case <-s.closing:
		}
	}
	s.record(r, RouteCreateCluster, http.StatusCreated)
	writeJSON(w, http.StatusCreated, map[string]any{"id": c.ID, "existing": false})
}

// cluster finds the cluster of a request; the caller holds s.mu.
func (s *Server) cluster(r *http.Request) *Cluster {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	for _, c := range s.clusters.clusters {
		if c.ID == id && c.Workspace == r.PathValue("workspace") {
			return c
		}
	}
	return nil
}

func (s *Server) clusterCall(w http.ResponseWriter, r *http.Request, route Route) *Cluster {
	if s.roleCall(w, r, route, nil) {
		return nil
	}
	s.mu.Lock()
	c := s.cluster(r)
	s.mu.Unlock()
	if c == nil {
		s.record(r, route, http.StatusNotFound)
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not found."})
	}
	return c
}

func (s *Server) handleClusterDetails(w http.ResponseWriter, r *http.Request) {
	c := s.clusterCall(w, r, RouteClusterDetails)
	if c == nil {
		return
	}
	s.advance(r.Context(), c)
	s.mu.Lock()
	d := c.details()
	s.mu.Unlock()
	s.record(r, RouteClusterDetails, http.StatusOK)
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) handleClusterState(w http.ResponseWriter, r *http.Request) {
	c := s.clusterCall(w, r, RouteClusterState)
	if c == nil {
		return
	}
	s.advance(r.Context(), c)
	s.mu.Lock()
	st := c.State
	s.mu.Unlock()
	s.record(r, RouteClusterState, http.StatusOK)
	writeJSON(w, http.StatusOK, map[string]any{"state": st})
}

func (s *Server) handleDeleteCluster(w http.ResponseWriter, r *http.Request) {
	c := s.clusterCall(w, r, RouteDeleteCluster)
	if c == nil {
		return
	}
	if r.URL.Query().Get("pause") != "" {
		s.mu.Lock()
		s.clusters.invalid = append(s.clusters.invalid, "cluster: DELETE with pause (it pauses, never stops)")
		s.mu.Unlock()
	}
	s.mu.Lock()
	c.Deleted, c.DeleteReason = true, r.URL.Query().Get("reason")
	if c.State != "stopped" {
		c.State, c.Reason = "stopping", "deleted: "+c.DeleteReason
	}
	s.mu.Unlock()
	s.record(r, RouteDeleteCluster, http.StatusNoContent)
	w.WriteHeader(http.StatusNoContent)
}

// advance moves c one step (see the file comment).
func (s *Server) advance(ctx context.Context, c *Cluster) {
	s.mu.Lock()
	launcher := s.clusters.launcher
	if launcher == nil {
		launcher = memLauncher{s: s}
	}
	if c.Deleted {
		var vms []VM
		if c.State == "stopping" && !c.fault.NeverStops {
			c.State = "stopped"
			for i := range c.VMs {
				if !c.VMs[i].Terminated {
					vms = append(vms, c.VMs[i].VM)
					c.VMs[i].Terminated = true
				}
			}
			for _, p := range append([]*proc{&c.scheduler}, ptrs(c.workers)...) {
				p.state, p.instState, p.updated, p.instUpdated = "stopped", "stopped", now(), now()
			}
		}
		s.mu.Unlock()
		if len(vms) > 0 {
			_ = launcher.Terminate(ctx, vms)
		}
		return
	}
	if c.State == "error" || c.State == "ready" && c.polls >= 3 {
		s.mu.Unlock()
		return
	}
	c.polls++
	step := c.polls
	s.mu.Unlock()

	switch step {
	case 1:
		s.setCluster(c, "starting", "")
		s.launch(ctx, c, launcher, &c.scheduler, "scheduler")
		for i := range c.workers {
			s.launch(ctx, c, launcher, &c.workers[i], "worker")
		}
	case 2:
		s.mu.Lock()
		if c.scheduler.state != "error" && c.fault.Kind != ClusterStuckStarting {
			c.scheduler.state, c.scheduler.instState, c.scheduler.updated, c.scheduler.instUpdated = "started", "ready", now(), now()
		}
		for i := range c.workers {
			if p := &c.workers[i]; p.state != "error" {
				p.state, p.instState, p.updated, p.instUpdated = "starting", "started", now(), now()
			}
		}
		s.mu.Unlock()
	case 3:
		s.mu.Lock()
		ready := c.scheduler.state == "started"
		for i := range c.workers {
			if p := &c.workers[i]; p.state == "starting" && c.fault.Kind != ClusterWorkersNeverArrive {
				p.state, p.updated = "started", now()
			}
			if c.workers[i].state != "started" {
				ready = false
			}
		}
		if ready {
			c.State = "ready"
		}
		s.mu.Unlock()
	}
}

func ptrs(ps []proc) []*proc {
	out := make([]*proc, len(ps))
	for i := range ps {
		out[i] = &ps[i]
	}
	return out
}

func (s *Server) setCluster(c *Cluster, state, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.State != "error" {
		c.State, c.Reason = state, reason
	}
}

// launch starts the VM of p (role scheduler or worker).
func (s *Server) launch(ctx context.Context, c *Cluster, l VMLauncher, p *proc, role string) {
	s.mu.Lock()
	fault := c.fault
	str := func(k string) string { v, _ := c.network[k].(string); return v }
	spec := VMSpec{ClusterID: c.ID, Cluster: c.Name, Role: role, Name: p.name, Region: c.region, Zone: c.zone,
		InstanceType: p.instanceType, PublicIP: true,
		AccessKeyID: c.creds[0], SecretAccessKey: c.creds[1], AccountRole: c.creds[2],
		Tags: map[string]string{"owner": "coiled", "cluster-name": c.Name, "role": role}}
	if role == "scheduler" {
		spec.SubnetID, spec.SecurityGroupIDs = str("scheduler_subnet_id"), []string{str("scheduler_firewall_id"), str("firewall_id")}
	} else {
		spec.SubnetID, spec.SecurityGroupIDs = str("worker_subnet_id"), []string{str("firewall_id")}
		spec.PublicIP, _ = c.network["give_workers_public_ip"].(bool)
		if fault.WorkerSubnetID != "" {
			spec.SubnetID = fault.WorkerSubnetID
		}
	}
	hosted := c.CoiledHosted
	s.clusters.nextID++
	p.instanceID = s.clusters.nextID
	p.instState, p.state, p.instUpdated, p.updated = "starting", "starting", now(), now()
	s.mu.Unlock()

	var vm VM
	var err error
	switch {
	case role == "scheduler" && fault.Kind == ClusterLaunchError, role == "worker" && fault.Kind == ClusterWorkerLaunchError:
		err = fmt.Errorf("%s", fault.Reason)
	case hosted:
		vm = VM{PrivateIP: fmt.Sprintf("10.255.%d.%d", (p.instanceID/250)%250, p.instanceID%250+1), PublicIP: "198.51.100.7"}
	default:
		vm, err = l.Launch(ctx, spec)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		reason := err.Error()
		p.instState, p.instReason, p.state, p.reason = "error", reason, "error", reason
		if role == "scheduler" {
			c.State, c.Reason = "error", "Scheduler instance failed: "+reason
		}
		return
	}
	p.vm, p.launched = vm, true
	if !hosted {
		c.VMs = append(c.VMs, LaunchedVM{Spec: spec, VM: vm})
	}
}

// details is the GET answer; the caller holds s.mu.
func (c *Cluster) details() map[string]any {
	inst := func(p proc) map[string]any {
		m := map[string]any{"id": p.instanceID, "name": p.name, "instance_type_id": p.instanceType,
			"private_ip_address": nil, "public_ip_address": nil,
			"current_state": map[string]any{"state": p.instState, "reason": p.instReason, "updated": p.instUpdated}}
		if p.launched {
			m["private_ip_address"] = p.vm.PrivateIP
			if p.vm.PublicIP != "" {
				m["public_ip_address"] = p.vm.PublicIP
			}
		}
		return m
	}
	process := func(p proc) map[string]any {
		return map[string]any{"name": p.name, "instance": inst(p),
			"current_state": map[string]any{"state": p.state, "reason": p.reason, "updated": p.updated}}
	}
	workers := []any{}
	for _, w := range c.workers {
		workers = append(workers, process(w))
	}
	sched := process(c.scheduler)
	if c.scheduler.launched && c.scheduler.vm.PublicIP != "" {
		sched["dashboard_address"] = "https://" + c.scheduler.vm.PublicIP + "/dashboard"
	}
	infra := "creating"
	if c.polls >= 1 {
		infra = "created"
	}
	return map[string]any{
		"id": c.ID, "name": c.Name,
		"current_state": map[string]any{"state": c.State, "reason": c.Reason, "updated": now()},
		"scheduler":     sched, "workers": workers,
		"cluster_options": map[string]any{"region_name": c.region, "zone_name": c.zone,
			"tls_cert": FakeTLSCert, "tls_key": FakeTLSKey},
		"cluster_infra":  map[string]any{"current_state": map[string]any{"state": infra}, "give_scheduler_public_ip": true},
		"scheduler_port": 443, "backend_type": "vm_aws", "coiled_hosted": c.CoiledHosted,
	}
}

// memLauncher makes VMs up: instance IDs i-0c0ffee…, private IPs 10.0.x.y,
// public IPs from 203.0.113.0/24.
type memLauncher struct{ s *Server }

func (m memLauncher) Launch(_ context.Context, spec VMSpec) (VM, error) {
	m.s.mu.Lock()
	m.s.clusters.nextID++
	n := m.s.clusters.nextID
	m.s.mu.Unlock()
	vm := VM{InstanceID: fmt.Sprintf("i-0c0ffee%010d", n), PrivateIP: fmt.Sprintf("10.0.%d.%d", (n/250)%250, n%250+1)}
	if spec.PublicIP {
		vm.PublicIP = fmt.Sprintf("203.0.113.%d", n%250+1)
	}
	return vm, nil
}

func (memLauncher) Terminate(context.Context, []VM) error { return nil }

// MarshalJSON keeps the launched VMs' identity secret out of logs.
func (v VMSpec) MarshalJSON() ([]byte, error) {
	type plain VMSpec
	p := plain(v)
	if p.SecretAccessKey != "" {
		p.SecretAccessKey = "****"
	}
	return json.Marshal(p)
}
