package hook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/coilednet/coilednet/coiled"
	"github.com/coilednet/coilednet/stackoutputs"
)

// The pre-deploy step of a coiledAccess=role stack:
//
//	coiled-hook --start-role-setup --workspace acme
//
// asks Coiled for the principal and external ID the role must trust
// (start-role-assumption-setup) and keeps them in DefaultRoleSetupFile, one
// entry per Coiled server and workspace. A later call for the same server
// and workspace reuses the entry without calling Coiled, so a redeploy keeps
// the external ID (Coiled may hand out a new one on every call). stdout gets
// exactly two lines, for scripts/deploy:
//
//	coiledPrincipal=<allowed_principal>
//	coiledExternalId=<external_id>
//
// Neither value is a secret; the file is not either, but it is what ties the
// deployed role to the workspace: carry it to another machine (or pass the
// two -c values by hand) so a redeploy from there keeps the same external ID.
// With --stack NAME and no entry in the file, the values of the deployed
// role stack NAME are read from CloudFormation (its CoiledExternalId output
// and its role's trust policy) before Coiled is asked for new ones.

// DefaultRoleSetupFile is the default of --role-setup-file (relative to the
// working directory; scripts/deploy runs from the repository root, and
// .gitignore lists .coilednet/).
const DefaultRoleSetupFile = ".coilednet/role-setup.json"

// RoleSetupEntry is one workspace's role setup as kept in the file.
type RoleSetupEntry struct {
	Server           string `json:"server"`
	Workspace        string `json:"workspace"`
	AllowedPrincipal string `json:"allowed_principal"`
	ExternalID       string `json:"external_id"`
	Created          string `json:"created"`
}

// RoleSetupFile is the file's content.
type RoleSetupFile struct {
	Comment string           `json:"comment"`
	Setups  []RoleSetupEntry `json:"setups"`
}

const roleSetupComment = "Written by coiled-hook --start-role-setup: the principal and external ID Coiled gave for a coiledAccess=role stack, per Coiled server and workspace. Not secret. Keep it (or pass -c coiledPrincipal=... -c coiledExternalId=...) so that redeploys keep the same external ID."

// readRoleSetupFile reads path; a missing file is an empty one.
func readRoleSetupFile(path string) (*RoleSetupFile, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &RoleSetupFile{}, nil
	}
	if err != nil {
		return nil, err
	}
	var f RoleSetupFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s is not a role setup file written by coiled-hook --start-role-setup: %v (fix or delete it)", path, err)
	}
	return &f, nil
}

// find returns the entry for server and workspace.
func (f *RoleSetupFile) find(server, workspace string) (RoleSetupEntry, bool) {
	for _, e := range f.Setups {
		if e.Server == server && e.Workspace == workspace {
			return e, true
		}
	}
	return RoleSetupEntry{}, false
}

// write saves f to path atomically (mode 0600, directory 0700).
func (f *RoleSetupFile) write(path string) error {
	f.Comment = roleSetupComment
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".role-setup-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// roleSetupFromStack reads the principal and external ID of an already
// deployed role stack (--stack NAME, from CloudFormation), so that a
// redeploy from a machine without the role setup file keeps them. Any
// failure but "no such role stack" is a warning: the caller then asks Coiled.
func (r *run) roleSetupFromStack(ctx context.Context, server, workspace string) (RoleSetupEntry, bool) {
	if r.f.stack == "" {
		return RoleSetupEntry{}, false
	}
	r.step = "reading the deployed stack's role from CloudFormation"
	rt, err := stackoutputs.RoleTrustFromCloudFormation(ctx, r.f.stack, r.env)
	switch {
	case errors.Is(err, stackoutputs.ErrNoRoleStack):
		r.verbosef("stack %s is not deployed as a role stack: asking Coiled", r.f.stack)
		return RoleSetupEntry{}, false
	case err != nil:
		r.warnf("could not read the role of stack %s (%v); asking Coiled for a new external ID: a deploy then changes the role's trust policy", r.f.stack, err)
		return RoleSetupEntry{}, false
	case rt.Workspace != "" && rt.Workspace != workspace:
		r.warnf("stack %s was deployed for workspace %s, not %s; asking Coiled", r.f.stack, rt.Workspace, workspace)
		return RoleSetupEntry{}, false
	}
	if err := (coiled.RoleSetup{AllowedPrincipal: rt.Principal, ExternalID: rt.ExternalID}).Validate(); err != nil {
		r.warnf("stack %s: %v; asking Coiled", r.f.stack, err)
		return RoleSetupEntry{}, false
	}
	return RoleSetupEntry{Server: server, Workspace: workspace, AllowedPrincipal: rt.Principal, ExternalID: rt.ExternalID,
		Created: time.Now().UTC().Format(time.RFC3339) + " (read from stack " + r.f.stack + ")"}, true
}

// startRoleSetup is the --start-role-setup mode.
func (r *run) startRoleSetup(ctx context.Context, client *coiled.Client) int {
	path := r.f.roleSetupFile
	file, err := readRoleSetupFile(path)
	if err != nil {
		return r.errorf(ExitUsage, "--role-setup-file: %v", err)
	}
	explicit, source := r.explicitWorkspace()
	server := client.Server()
	emit := func(e RoleSetupEntry) int {
		fmt.Fprintf(r.out, "coiledPrincipal=%s\ncoiledExternalId=%s\n", e.AllowedPrincipal, e.ExternalID)
		return ExitOK
	}
	if explicit != "" {
		if e, ok := file.find(server, explicit); ok {
			if err := (coiled.RoleSetup{AllowedPrincipal: e.AllowedPrincipal, ExternalID: e.ExternalID}).Validate(); err != nil {
				return r.errorf(ExitUsage, "%s: the entry for workspace %s on %s is damaged (%v): fix or delete it", path, explicit, server, err)
			}
			fmt.Fprintf(r.err, "coiled-hook: reusing the role setup of workspace %s (%s) from %s, created %s: principal %s, external ID %s\n",
				explicit, source, path, e.Created, e.AllowedPrincipal, e.ExternalID)
			return emit(e)
		}
	}
	_, workspace, reason, code, ok := r.resolveWorkspace(ctx, client)
	if !ok {
		return code
	}
	if e, ok := file.find(server, workspace); ok {
		fmt.Fprintf(r.err, "coiled-hook: reusing the role setup of workspace %s (%s) from %s, created %s\n", workspace, reason, path, e.Created)
		return emit(e)
	}
	if e, ok := r.roleSetupFromStack(ctx, server, workspace); ok {
		file.Setups = append(file.Setups, e)
		if err := file.write(path); err != nil {
			r.warnf("could not save the role setup to %s: %v", path, err)
		}
		fmt.Fprintf(r.err, "coiled-hook: workspace %s: reusing principal %s and external ID %s of deployed stack %s; saved to %s\n",
			workspace, e.AllowedPrincipal, e.ExternalID, r.f.stack, path)
		return emit(e)
	}
	r.step = "starting the role setup (POST start-role-assumption-setup)"
	setup, err := client.StartRoleAssumptionSetup(ctx, workspace)
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, coiled.ErrTokenRejected) {
			var apiErr *coiled.APIError
			if !errors.As(err, &apiErr) {
				return r.errorf(ExitFailed, "workspace %s: %v", workspace, err)
			}
		}
		return r.coiledError(ctx, err, workspace)
	}
	e := RoleSetupEntry{Server: server, Workspace: workspace, AllowedPrincipal: setup.AllowedPrincipal,
		ExternalID: setup.ExternalID, Created: time.Now().UTC().Format(time.RFC3339)}
	file.Setups = append(file.Setups, e)
	if err := file.write(path); err != nil {
		return r.errorf(ExitFailed, "Coiled gave principal %s and external ID %s for workspace %s, but saving them to %s failed: %v; "+
			"pass them to the deploy by hand: -c coiledPrincipal=%s -c coiledExternalId=%s",
			e.AllowedPrincipal, e.ExternalID, workspace, path, err, e.AllowedPrincipal, e.ExternalID)
	}
	fmt.Fprintf(r.err, "coiled-hook: Coiled workspace %s (%s): the role must trust principal %s with external ID %s; saved to %s (keep it: redeploys reuse it)\n",
		workspace, reason, e.AllowedPrincipal, e.ExternalID, path)
	return emit(e)
}
