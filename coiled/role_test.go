package coiled_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/coilednet/coilednet/coiled"
	"github.com/coilednet/coilednet/coiled/coiledtest"
)

const testRole = "arn:aws:iam::111122223333:role/CoilednetStack-CoiledRole-X"

func TestRoleAssumptionCalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := coiledtest.Start(t, coiledtest.Options{Token: "alice-123", Workspaces: []coiledtest.Workspace{{Slug: "acme"}}})
	c, _ := newClient(t, srv)

	setup, err := c.StartRoleAssumptionSetup(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if setup.AllowedPrincipal != coiledtest.DefaultRolePrincipal || setup.ExternalID == "" {
		t.Errorf("setup %+v", setup)
	}
	srv.SetRoleFault(coiledtest.RoleFault{ReadyAfter: 1})
	for i, want := range []bool{false, true} {
		ok, err := c.CheckRoleAssumption(ctx, "acme", setup.ExternalID, testRole)
		if err != nil || ok != want {
			t.Errorf("check %d: %v %v, want %v", i, ok, err, want)
		}
	}
	if err := c.CompleteRoleAssumptionSetup(ctx, "acme", coiled.RoleCompletion{ExternalID: setup.ExternalID, RoleARN: testRole, DefaultRegion: "us-east-2"}); err != nil {
		t.Fatal(err)
	}
	got := srv.RoleCompletions()
	if len(got) != 1 || got[0].CredsSource != "coilednet" || got[0].DefaultRegion != "us-east-2" || got[0].RoleARN != testRole || got[0].ExternalID != setup.ExternalID {
		t.Errorf("completions %+v", got)
	}
	for _, r := range srv.Requests() {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Path, "/api/v2/cloud-credentials/account/acme/") || r.Authorization != "ApiToken alice-123" {
			t.Errorf("request %+v", r)
		}
	}

	t.Run("unknown external ID is an API error", func(t *testing.T) {
		_, err := c.CheckRoleAssumption(ctx, "acme", "never-issued", testRole)
		var apiErr *coiled.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != 400 {
			t.Errorf("err %v", err)
		}
	})
	t.Run("4xx on complete", func(t *testing.T) {
		srv.SetRoleFault(coiledtest.RoleFault{CompleteStatus: 403, CompleteMessage: "not an admin"})
		err := c.CompleteRoleAssumptionSetup(ctx, "acme", coiled.RoleCompletion{ExternalID: setup.ExternalID, RoleARN: testRole, DefaultRegion: "us-east-2"})
		if err == nil || !strings.Contains(err.Error(), "not an admin") {
			t.Errorf("err %v", err)
		}
	})
}

func TestRoleSetupValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    coiled.RoleSetup
		want string
	}{
		{coiled.RoleSetup{AllowedPrincipal: coiledtest.DefaultRolePrincipal, ExternalID: "abc-123"}, ""},
		{coiled.RoleSetup{AllowedPrincipal: "", ExternalID: "abc"}, "allowed_principal"},
		{coiled.RoleSetup{AllowedPrincipal: "coiled", ExternalID: "abc"}, "allowed_principal"},
		{coiled.RoleSetup{AllowedPrincipal: coiledtest.DefaultRolePrincipal}, "external_id is empty"},
		{coiled.RoleSetup{AllowedPrincipal: coiledtest.DefaultRolePrincipal, ExternalID: "a b"}, "external_id is not"},
		{coiled.RoleSetup{AllowedPrincipal: coiledtest.DefaultRolePrincipal, ExternalID: strings.Repeat("a", 1225)}, "external_id is not"},
	} {
		err := tc.s.Validate()
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.s, err, tc.want)
		}
	}
}
