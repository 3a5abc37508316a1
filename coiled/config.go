package coiled

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DefaultServer is the Coiled server used when neither DASK_COILED__SERVER nor
// coiled.server in the dask config names one.
const DefaultServer = "https://cloud.coiled.io"

// Environment variables read by LoadSettings, as the coiled client reads them.
const (
	EnvServer    = "DASK_COILED__SERVER"
	EnvToken     = "DASK_COILED__TOKEN"
	EnvWorkspace = "DASK_COILED__WORKSPACE"
	EnvAccount   = "DASK_COILED__ACCOUNT"
	EnvDaskConf  = "DASK_CONFIG"
)

// Settings is the Coiled server, token and workspace, resolved from the
// environment and the dask config files, and where each came from.
type Settings struct {
	// Server is the normalized server URL (scheme added, no trailing slash).
	Server string
	// Token is the API token; empty when none was found. It is a secret.
	Token string
	// Workspace is the configured workspace (coiled.workspace, or the older
	// coiled.account); empty when none is configured, in which case
	// ResolveWorkspace falls back to the token's memberships.
	Workspace string

	// ServerSource, TokenSource and WorkspaceSource say where each value came
	// from ("DASK_COILED__SERVER", "coiled.token in /path/coiled.yaml",
	// "default", ...), for messages. They never contain the values.
	ServerSource, TokenSource, WorkspaceSource string

	// ConfigFiles lists the dask config files that were read, in merge order.
	ConfigFiles []string
}

// ConfigError reports a dask config file that cannot be read or parsed.
type ConfigError struct {
	Path string
	Err  error
}

// Error implements the error interface.
func (e *ConfigError) Error() string { return fmt.Sprintf("dask config %s: %v", e.Path, e.Err) }

// Unwrap returns the underlying error.
func (e *ConfigError) Unwrap() error { return e.Err }

// ConfigDir returns the directory (or file) the dask config is read from:
// $DASK_CONFIG when set, else ~/.config/dask. env looks up environment
// variables (os.Getenv in production); HOME comes from env too, falling back to
// the process's home directory.
func ConfigDir(env func(string) string) string {
	if d := env(EnvDaskConf); d != "" {
		return d
	}
	home := env("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".config", "dask")
}

// LoadSettings resolves the Coiled server, token and configured workspace the
// way the coiled client does: every *.yaml/*.yml file in ConfigDir(env) is
// read in name order and deep-merged (later files win), then the
// DASK_COILED__SERVER/TOKEN/WORKSPACE/ACCOUNT environment variables override
// the files. A missing config directory is not an error; an unreadable or
// malformed file is a *ConfigError. The server is normalized with
// NormalizeServer but not checked for transport security (see
// CheckServerURL).
func LoadSettings(env func(string) string) (Settings, error) {
	var s Settings
	merged, files, err := loadDaskConfig(ConfigDir(env))
	s.ConfigFiles = files
	if err != nil {
		return s, err
	}
	coiledCfg, _ := merged["coiled"].(map[string]any)
	if raw, ok := merged["coiled"]; ok && raw != nil && coiledCfg == nil {
		return s, &ConfigError{Path: ConfigDir(env), Err: errors.New(`"coiled" must be a mapping`)}
	}
	fileValue := func(key string) (string, string) {
		v, ok := lookupKey(coiledCfg, key)
		if !ok || v == nil {
			return "", ""
		}
		str := scalarString(v)
		if str == "" {
			return "", ""
		}
		return str, "coiled." + key + " in the dask config (" + ConfigDir(env) + ")"
	}
	pick := func(envName, key string) (string, string) {
		if v := strings.TrimSpace(env(envName)); v != "" {
			return v, envName
		}
		return fileValue(key)
	}

	server, src := pick(EnvServer, "server")
	if server == "" {
		server, src = DefaultServer, "default"
	}
	s.Server, s.ServerSource = NormalizeServer(server), src
	s.Token, s.TokenSource = pick(EnvToken, "token")
	s.Workspace, s.WorkspaceSource = pick(EnvWorkspace, "workspace")
	if s.Workspace == "" {
		s.Workspace, s.WorkspaceSource = pick(EnvAccount, "account")
	}
	return s, nil
}

// lookupKey finds key in m treating '-' and '_' alike, as dask does.
func lookupKey(m map[string]any, key string) (any, bool) {
	if m == nil {
		return nil, false
	}
	if v, ok := m[key]; ok {
		return v, true
	}
	canon := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	for k, v := range m {
		if canon(k) == canon(key) {
			return v, true
		}
	}
	return nil, false
}

func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

// loadDaskConfig reads and deep-merges every *.yaml/*.yml in dir (or dir
// itself when it is a file).
func loadDaskConfig(dir string) (map[string]any, []string, error) {
	merged := map[string]any{}
	info, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return merged, nil, nil
		}
		return nil, nil, &ConfigError{Path: dir, Err: err}
	}
	var files []string
	if info.IsDir() {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, nil, &ConfigError{Path: dir, Err: err}
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
				continue
			}
			files = append(files, filepath.Join(dir, name))
		}
		sort.Strings(files)
	} else {
		files = []string{dir}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, files, &ConfigError{Path: f, Err: err}
		}
		var doc any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, files, &ConfigError{Path: f, Err: err}
		}
		if doc == nil {
			continue
		}
		m, ok := normalizeYAML(doc).(map[string]any)
		if !ok {
			return nil, files, &ConfigError{Path: f, Err: errors.New("top level must be a mapping")}
		}
		deepMerge(merged, m)
	}
	return merged, files, nil
}

func normalizeYAML(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[k] = normalizeYAML(v)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[fmt.Sprint(k)] = normalizeYAML(v)
		}
		return out
	case []any:
		for i := range x {
			x[i] = normalizeYAML(x[i])
		}
		return x
	default:
		return v
	}
}

func deepMerge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				deepMerge(dm, sm)
				continue
			}
			cp := map[string]any{}
			deepMerge(cp, sm)
			dst[k] = cp
			continue
		}
		dst[k] = v
	}
}

// NormalizeServer adds "http://" to a server given without a scheme and
// strips trailing slashes, as the coiled client does.
func NormalizeServer(server string) string {
	server = strings.TrimSpace(server)
	if !strings.Contains(server, "://") {
		server = "http://" + server
	}
	return strings.TrimRight(server, "/")
}

// InsecureServerError reports a server URL that would carry the token in clear
// text to a host that is not loopback.
type InsecureServerError struct {
	Server string
}

// Error implements the error interface.
func (e *InsecureServerError) Error() string {
	return fmt.Sprintf("refusing to send the Coiled token in clear text to %s: use an https:// server URL "+
		"(http:// and ws:// are allowed only for loopback hosts such as localhost or 127.0.0.1)", e.Server)
}

// CheckServerURL accepts https:// and wss:// URLs, and http:// or ws:// ones
// only when the host is loopback (localhost, 127.0.0.0/8, ::1). Anything else
// is an error: an *InsecureServerError for clear-text URLs to other hosts.
func CheckServerURL(server string) error {
	u, err := url.Parse(server)
	if err != nil {
		return fmt.Errorf("invalid Coiled server URL %q: %v", server, err)
	}
	if u.Host == "" {
		return fmt.Errorf("invalid Coiled server URL %q: no host", server)
	}
	switch u.Scheme {
	case "https", "wss":
		return nil
	case "http", "ws":
		if IsLoopback(u.Hostname()) {
			return nil
		}
		return &InsecureServerError{Server: server}
	default:
		return fmt.Errorf("invalid Coiled server URL %q: scheme must be https", server)
	}
}

// IsLoopback reports whether host (no port) is "localhost" or a loopback IP.
func IsLoopback(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && ip.IsLoopback()
}

// AuthorizationHeader returns the Authorization header value for token:
// "ApiToken <token>" when the token contains '-', else "Token <token>".
func AuthorizationHeader(token string) string {
	if strings.Contains(token, "-") {
		return "ApiToken " + token
	}
	return "Token " + token
}
