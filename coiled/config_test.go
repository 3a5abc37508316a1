package coiled

import (
	"errors"
	"os"
	"path/filepath"
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
			env := map[string]string{EnvDaskConf: dir}
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
	s, err := LoadSettings(func(k string) string { return map[string]string{"HOME": home}[k] })
	if err != nil || s.Token != "homefile" {
		t.Errorf("~/.config/dask: %+v %v", s, err)
	}

	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"one.yaml": "coiled:\n  token: single\n"})
	s, err = LoadSettings(func(k string) string { return map[string]string{EnvDaskConf: filepath.Join(dir, "one.yaml")}[k] })
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
		_, err := LoadSettings(func(k string) string { return map[string]string{EnvDaskConf: d}[k] })
		var ce *ConfigError
		if !errors.As(err, &ce) {
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
