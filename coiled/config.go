package coiled

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
	// EnvDaskRootConf replaces /etc/dask, the first folder dask reads.
	EnvDaskRootConf = "DASK_ROOT_CONFIG"
	// EnvClientVersion overrides the Client-Version header (the version of
	// the coiled client whose protocol is spoken; DefaultClientVersion).
	EnvClientVersion = "COILEDNET_CLIENT_VERSION"
)

// DefaultDaskRootConfig is the first folder dask reads when DASK_ROOT_CONFIG
// is not set.
const DefaultDaskRootConfig = "/etc/dask"

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

	// ClientVersion is the Client-Version to send: $COILEDNET_CLIENT_VERSION,
	// else DefaultClientVersion.
	ClientVersion string
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

// ConfigDir returns the directory (or file) `coiled login` writes the dask
// config to: $DASK_CONFIG when set, else ~/.config/dask. env looks up
// environment variables (os.Getenv in production); HOME comes from env too,
// falling back to the process's home directory.
func ConfigDir(env func(string) string) string {
	if d := env(EnvDaskConf); d != "" {
		return d
	}
	return filepath.Join(homeDir(env), ".config", "dask")
}

func homeDir(env func(string) string) string {
	home := env("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return home
}

// PythonPrefix is what this Go program takes for the sys.prefix of the
// Python that would run the coiled client: $VIRTUAL_ENV when a virtualenv
// is active, else $CONDA_PREFIX when a conda environment is active, else ""
// (no prefix folder is read: a system Python's prefix, e.g. /usr, cannot be
// known without running Python).
func PythonPrefix(env func(string) string) string {
	if p := env("VIRTUAL_ENV"); p != "" {
		return p
	}
	return env("CONDA_PREFIX")
}

// ConfigDirs returns every folder (or file) dask reads its config from, in
// dask's order, later ones winning: $DASK_ROOT_CONFIG (default /etc/dask),
// <PythonPrefix>/etc/dask, ~/.config/dask, then $DASK_CONFIG. A path listed
// twice is read once, at its last place, as dask does.
func ConfigDirs(env func(string) string) []string {
	root := env(EnvDaskRootConf)
	if root == "" {
		root = DefaultDaskRootConfig
	}
	dirs := []string{root}
	if p := PythonPrefix(env); p != "" {
		dirs = append(dirs, filepath.Join(p, "etc", "dask"))
	}
	dirs = append(dirs, filepath.Join(homeDir(env), ".config", "dask"))
	if d := env(EnvDaskConf); d != "" {
		dirs = append(dirs, d)
	}
	var out []string
	for i, d := range dirs {
		if !slices.Contains(dirs[i+1:], d) {
			out = append(out, d)
		}
	}
	return out
}

var clientVersionRE = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$`)

// LoadSettings resolves the Coiled server, token and configured workspace the
// way the coiled client does: every *.yaml/*.yml/*.json file of each folder of
// ConfigDirs(env) is read (a folder's files in name order) and deep-merged,
// later files winning, then the DASK_COILED__SERVER/TOKEN/WORKSPACE/ACCOUNT
// environment variables override the files. A missing folder is not an error;
// an unreadable or malformed file is a *ConfigError. The server is normalized
// with NormalizeServer but not checked for transport security (see
// CheckServerURL). It also reads COILEDNET_CLIENT_VERSION.
func LoadSettings(env func(string) string) (Settings, error) {
	var s Settings
	s.ClientVersion = DefaultClientVersion
	if v := strings.TrimSpace(env(EnvClientVersion)); v != "" {
		if !clientVersionRE.MatchString(v) {
			return s, fmt.Errorf("%s %q is not a version: accepted are 1 to 64 letters, digits and . + _ - (e.g. %s)", EnvClientVersion, v, DefaultClientVersion)
		}
		s.ClientVersion = v
	}
	merged := map[string]any{}
	sources := map[string]string{}
	for _, dir := range ConfigDirs(env) {
		docs, files, err := loadDaskConfig(dir)
		s.ConfigFiles = append(s.ConfigFiles, files...)
		if err != nil {
			return s, err
		}
		for _, d := range docs {
			raw, ok := d.m["coiled"]
			cfg, isMap := raw.(map[string]any)
			if ok && raw != nil && !isMap {
				return s, &ConfigError{Path: d.file, Err: errors.New(`"coiled" must be a mapping`)}
			}
			for _, key := range []string{"server", "token", "workspace", "account"} {
				if v, ok := lookupKey(cfg, key); ok && v != nil {
					sources[key] = d.file
				}
			}
			deepMerge(merged, d.m)
		}
	}
	coiledCfg, _ := merged["coiled"].(map[string]any)
	fileValue := func(key string) (string, string) {
		v, ok := lookupKey(coiledCfg, key)
		if !ok || v == nil {
			return "", ""
		}
		str := scalarString(v)
		if str == "" {
			return "", ""
		}
		return str, "coiled." + key + " in the dask config file " + sources[key]
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

type daskDoc struct {
	file string
	m    map[string]any
}

// loadDaskConfig reads every *.yaml/*.yml/*.json in dir (or dir itself when
// it is a file), in name order.
func loadDaskConfig(dir string) ([]daskDoc, []string, error) {
	info, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, nil
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
			switch strings.ToLower(filepath.Ext(e.Name())) {
			case ".yaml", ".yml", ".json":
				if !e.IsDir() {
					files = append(files, filepath.Join(dir, e.Name()))
				}
			}
		}
		sort.Strings(files)
	} else {
		files = []string{dir}
	}
	var docs []daskDoc
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
		docs = append(docs, daskDoc{file: f, m: m})
	}
	return docs, files, nil
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
