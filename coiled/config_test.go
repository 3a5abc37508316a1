package coiled

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadSettings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name          string
		files         map[string]string
		env           map[string]string
		server, token string
		workspace     string
		tokenSource   string
	}{
		{name: "nothing configured", server: DefaultServer},
		{name: "coiled login file", files: map[string]string{"coiled.yaml": "coiled:\n  server: https://cloud.coiled.io/\n  token: alice-abc\n  workspace: acme\n"},
			server: "https://cloud.coiled.io", token: "alice-abc", workspace: "acme", tokenSource: "coiled.token in the dask config"},
		{name: "later files win, deep merge", files: map[string]string{
			"a.yaml":       "coiled:\n  token: first\n  workspace: early\ndistributed:\n  x: 1\n",
			"b.yml":        "coiled:\n  token: second\n",
			"c.txt":        "coiled:\n  token: not-read\n",
			"z-empty.yaml": "",
		}, server: DefaultServer, token: "second", workspace: "early"},
		{name: "env wins over files", files: map[string]string{"coiled.yaml": "coiled:\n  token: file\n  workspace: filews\n  server: https://file.example\n"},
			env:    map[string]string{EnvToken: "envtok", EnvWorkspace: "envws", EnvServer: "https://env.example/"},
			server: "https://env.example", token: "envtok", workspace: "envws", tokenSource: EnvToken},
		{name: "older account key", files: map[string]string{"coiled.yaml": "coiled:\n  account: legacy\n"}, server: DefaultServer, workspace: "legacy"},
		{name: "workspace beats account", files: map[string]string{"coiled.yaml": "coiled:\n  account: legacy\n  workspace: new\n"}, server: DefaultServer, workspace: "new"},
		{name: "env account", env: map[string]string{EnvAccount: "envacct"}, server: DefaultServer, workspace: "envacct"},
		{name: "server without scheme", env: map[string]string{EnvServer: "localhost:8000"}, server: "http://localhost:8000"},
		{name: "numeric token", files: map[string]string{"coiled.yaml": "coiled:\n  token: 12345\n"}, server: DefaultServer, token: "12345"},
		{name: "empty env ignored", files: map[string]string{"coiled.yaml": "coiled:\n  token: file\n"}, env: map[string]string{EnvToken: ""}, server: DefaultServer, token: "file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			env := map[string]string{EnvDaskConf: dir, "HOME": t.TempDir(), EnvDaskRootConf: t.TempDir()}
			for k, v := range tc.env {
				env[k] = v
			}
			s, err := LoadSettings(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if s.Server != tc.server || s.Token != tc.token || s.Workspace != tc.workspace {
				t.Errorf("got server=%q token=%q workspace=%q", s.Server, s.Token, s.Workspace)
			}
			if tc.tokenSource != "" && (len(s.TokenSource) < len(tc.tokenSource) || s.TokenSource[:len(tc.tokenSource)] != tc.tokenSource) {
				t.Errorf("TokenSource %q, want prefix %q", s.TokenSource, tc.tokenSource)
			}
		})
	}
}

func TestLoadSettingsHomeAndFileAndErrors(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".config", "dask"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, filepath.Join(home, ".config", "dask"), map[string]string{"coiled.yaml": "coiled:\n  token: homefile\n"})
	s, err := LoadSettings(func(k string) string { return map[string]string{"HOME": home, EnvDaskRootConf: t.TempDir()}[k] })
	if err != nil || s.Token != "homefile" {
		t.Errorf("~/.config/dask: %+v %v", s, err)
	}

	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"one.yaml": "coiled:\n  token: single\n"})
	s, err = LoadSettings(func(k string) string {
		return map[string]string{EnvDaskConf: filepath.Join(dir, "one.yaml"), "HOME": t.TempDir(), EnvDaskRootConf: t.TempDir()}[k]
	})
	if err != nil || s.Token != "single" {
		t.Errorf("DASK_CONFIG as a file: %+v %v", s, err)
	}

	for name, body := range map[string]string{
		"broken.yaml":  "coiled: [unclosed\n",
		"list.yaml":    "- a\n- b\n",
		"notamap.yaml": "coiled: just-a-string\n",
	} {
		d := t.TempDir()
		writeFiles(t, d, map[string]string{name: body})
		_, err := LoadSettings(func(k string) string { return map[string]string{EnvDaskConf: d, "HOME": d, EnvDaskRootConf: d}[k] })
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Path != filepath.Join(d, name) {
			t.Errorf("%s: err = %v, want *ConfigError", name, err)
		}
	}
}

func TestNormalizeAndCheckServerURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://cloud.coiled.io/": "https://cloud.coiled.io",
		"cloud.coiled.io":          "http://cloud.coiled.io",
		" localhost:8000// ":       "http://localhost:8000",
	} {
		if got := NormalizeServer(in); got != want {
			t.Errorf("NormalizeServer(%q) = %q, want %q", in, got, want)
		}
	}
	for url, ok := range map[string]bool{
		"https://cloud.coiled.io":      true,
		"wss://cloud.coiled.io":        true,
		"http://localhost:8000":        true,
		"http://127.0.0.1:1":           true,
		"http://127.8.9.10":            true,
		"ws://[::1]:80":                true,
		"http://cloud.coiled.io":       false,
		"ws://10.0.0.1":                false,
		"http://localhost.example.com": false,
		"http://127.0.0.1.nip.io":      false,
		"ftp://localhost":              false,
		"https://":                     false,
	} {
		err := CheckServerURL(url)
		if (err == nil) != ok {
			t.Errorf("CheckServerURL(%q) = %v, want ok=%v", url, err, ok)
		}
	}
	var ie *InsecureServerError
	if !errors.As(CheckServerURL("http://cloud.coiled.io"), &ie) {
		t.Error("clear-text remote URL is not an *InsecureServerError")
	}
}

func TestAuthorizationHeader(t *testing.T) {
	t.Parallel()
	if got := AuthorizationHeader("alice-123"); got != "ApiToken alice-123" {
		t.Error(got)
	}
	if got := AuthorizationHeader("abc123"); got != "Token abc123" {
		t.Error(got)
	}
}

// Issue 22: every folder dask reads, in dask's order, later ones winning.
func TestConfigDirsInDaskOrder(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	dir := func(name string) string {
		d := filepath.Join(base, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	root, venv, conda, home, daskConfig := dir("root"), dir("venv"), dir("conda"), dir("home"), dir("dask-config")
	env := map[string]string{EnvDaskRootConf: root, "VIRTUAL_ENV": venv, "CONDA_PREFIX": conda, "HOME": home, EnvDaskConf: daskConfig}
	get := func(k string) string { return env[k] }
	want := []string{root, filepath.Join(venv, "etc", "dask"), filepath.Join(home, ".config", "dask"), daskConfig}
	if got := ConfigDirs(get); !reflect.DeepEqual(got, want) {
		t.Errorf("ConfigDirs = %q, want %q", got, want)
	}
	for _, d := range want {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFiles(t, filepath.Join(conda, "etc"), nil)
	writeFiles(t, root, map[string]string{"a.yaml": "coiled:\n  server: https://root.example\n  token: root-token\n  workspace: rootws\n  account: rootacct\n"})
	writeFiles(t, want[1], map[string]string{"b.yml": "coiled:\n  token: venv-token\n"})
	writeFiles(t, want[2], map[string]string{"coiled.yaml": "coiled:\n  token: home-token\n  workspace: homews\n"})
	writeFiles(t, daskConfig, map[string]string{"other.json": `{"coiled": {"workspace": "jsonws"}}`, "x.txt": "coiled:\n  token: nope\n"})
	s, err := LoadSettings(get)
	if err != nil {
		t.Fatal(err)
	}
	if s.Server != "https://root.example" || s.Token != "home-token" || s.Workspace != "jsonws" {
		t.Errorf("got server=%q token=%q workspace=%q", s.Server, s.Token, s.Workspace)
	}
	if s.TokenSource != "coiled.token in the dask config file "+filepath.Join(want[2], "coiled.yaml") ||
		s.ServerSource != "coiled.server in the dask config file "+filepath.Join(root, "a.yaml") ||
		s.WorkspaceSource != "coiled.workspace in the dask config file "+filepath.Join(daskConfig, "other.json") {
		t.Errorf("sources %q, %q, %q", s.TokenSource, s.ServerSource, s.WorkspaceSource)
	}
	wantFiles := []string{filepath.Join(root, "a.yaml"), filepath.Join(want[1], "b.yml"), filepath.Join(want[2], "coiled.yaml"), filepath.Join(daskConfig, "other.json")}
	if !reflect.DeepEqual(s.ConfigFiles, wantFiles) {
		t.Errorf("ConfigFiles %q, want %q", s.ConfigFiles, wantFiles)
	}
	if s.ClientVersion != DefaultClientVersion {
		t.Errorf("ClientVersion %q", s.ClientVersion)
	}

	// Without VIRTUAL_ENV the conda prefix is read; without DASK_ROOT_CONFIG
	// /etc/dask; a folder named twice is read once, at its last place.
	delete(env, "VIRTUAL_ENV")
	delete(env, EnvDaskRootConf)
	env[EnvDaskConf] = want[2]
	if got, w := ConfigDirs(get), []string{DefaultDaskRootConfig, filepath.Join(conda, "etc", "dask"), want[2]}; !reflect.DeepEqual(got, w) {
		t.Errorf("ConfigDirs = %q, want %q", got, w)
	}
	delete(env, "CONDA_PREFIX")
	delete(env, EnvDaskConf)
	if got, w := ConfigDirs(get), []string{DefaultDaskRootConfig, want[2]}; !reflect.DeepEqual(got, w) {
		t.Errorf("ConfigDirs = %q, want %q", got, w)
	}
	if PythonPrefix(get) != "" {
		t.Error("a prefix without VIRTUAL_ENV or CONDA_PREFIX")
	}
}

func TestClientVersionSetting(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	for v, ok := range map[string]bool{"1.131.0": true, " 2.0.0.dev1 ": true, "1.0\r\nX: y": false, "1 0": false, "-1": false, strings.Repeat("1", 65): false} {
		s, err := LoadSettings(func(k string) string {
			return map[string]string{EnvClientVersion: v, "HOME": d, EnvDaskRootConf: d, EnvDaskConf: d}[k]
		})
		if ok && (err != nil || s.ClientVersion != strings.TrimSpace(v)) {
			t.Errorf("%q: %q %v", v, s.ClientVersion, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), EnvClientVersion)) {
			t.Errorf("%q accepted: %v", v, err)
		}
	}
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"": "coilednet/devel", "(devel)": "coilednet/devel", "v1.2.3": "coilednet/v1.2.3"} {
		if got := userAgent(in); got != want {
			t.Errorf("userAgent(%q) = %q, want %q", in, got, want)
		}
	}
	if !strings.HasPrefix(UserAgent(), "coilednet/") {
		t.Error(UserAgent())
	}
}

func TestWorkspaceNotFoundMessage(t *testing.T) {
	t.Parallel()
	if got := (&WorkspaceNotFoundError{Workspace: "x"}).Error(); !strings.HasSuffix(got, "this token is not a member of any workspace") {
		t.Error(got)
	}
	if got := (&WorkspaceNotFoundError{Workspace: "x", Available: []string{"a"}}).Error(); !strings.HasSuffix(got, "workspaces this token can use: a") {
		t.Error(got)
	}
}

func TestLoadSettingsEdges(t *testing.T) {
	t.Parallel()
	load := func(t *testing.T, files map[string]string) (Settings, error) {
		d := t.TempDir()
		writeFiles(t, d, files)
		return LoadSettings(func(k string) string {
			return map[string]string{EnvDaskConf: d, "HOME": t.TempDir(), EnvDaskRootConf: t.TempDir()}[k]
		})
	}
	// A null coiled section, null and blank values: nothing configured.
	s, err := load(t, map[string]string{"a.yaml": "coiled:\n", "b.yaml": "distributed: {}\n"})
	if err != nil || s.Token != "" || s.TokenSource != "" {
		t.Errorf("null coiled: %+v %v", s, err)
	}
	s, err = load(t, map[string]string{"a.yaml": "coiled:\n  token: '  '\n  server:\n"})
	if err != nil || s.Token != "" || s.TokenSource != "" || s.Server != DefaultServer || s.ServerSource != "default" {
		t.Errorf("blank token: %+v %v", s, err)
	}
	s, err = load(t, map[string]string{"a.yaml": "coiled:\n  token:\n  workspace: '  '\n  account: acct\n"})
	if err != nil || s.Token != "" || s.TokenSource != "" || s.Workspace != "acct" {
		t.Errorf("null and blank values: %+v %v", s, err)
	}
	// Keys are matched as dask does: case and - or _ alike.
	s, err = load(t, map[string]string{"a.yaml": "coiled:\n  Server: https://x.example\n  TOKEN: 1.5\n"})
	if err != nil || s.Server != "https://x.example" || s.Token != "1.5" {
		t.Errorf("canonical keys: %+v %v", s, err)
	}
	// A file that cannot be read.
	d := t.TempDir()
	if err := os.Symlink(filepath.Join(d, "missing"), filepath.Join(d, "dangling.yaml")); err != nil {
		t.Fatal(err)
	}
	_, err = LoadSettings(func(k string) string { return map[string]string{EnvDaskConf: d, "HOME": d, EnvDaskRootConf: d}[k] })
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Path != filepath.Join(d, "dangling.yaml") {
		t.Errorf("dangling link: %v", err)
	}
	// A config path below a file.
	f := filepath.Join(d, "file")
	writeFiles(t, d, map[string]string{"file": "x"})
	_, err = LoadSettings(func(k string) string {
		return map[string]string{EnvDaskConf: filepath.Join(f, "sub"), "HOME": t.TempDir(), EnvDaskRootConf: t.TempDir()}[k]
	})
	if !errors.As(err, &ce) || ce.Path != filepath.Join(f, "sub") {
		t.Errorf("below a file: %v", err)
	}
	if got := ConfigDir(func(k string) string { return map[string]string{EnvDaskConf: "/x/dask", "HOME": "/home/u"}[k] }); got != "/x/dask" {
		t.Errorf("ConfigDir with DASK_CONFIG = %q", got)
	}
	if got := ConfigDir(func(k string) string { return map[string]string{"HOME": "/home/u"}[k] }); got != "/home/u/.config/dask" {
		t.Errorf("ConfigDir = %q", got)
	}
}
