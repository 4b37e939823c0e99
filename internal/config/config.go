// Package config is Kefu's configuration: one struct, its defaults, its validation, and
// the flags, KEFU_* environment variables and optional kefu.toml file that set it (a flag
// beats the variable, the variable beats the file, the file beats the default).
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/storage"
)

// Config is every setting of a Kefu node.
type Config struct {
	Addr              string // HTTP listen address
	DataDir           string // SQLite database and attachments
	DB                string // SQLite path or postgres:// URL; default DataDir/kefu.db
	SQLiteSync        string // full or normal
	TimeZone          string // default time zone of new users
	MaxSubjectChars   int
	MaxBodyBytes      int
	MaxAttachmentSize int
	LogFormat         string // text or json
	LogLevel          string // debug, info, warn, error
	ShutdownTimeout   time.Duration
	AutoMigrate       bool   // serve migrates an older schema; false: refuse to start on one
	MetricsAddr       string // separate listener for /metrics and /debug/pprof; "" serves them on Addr
	Replicate         string // SQLite only: stream the database to this folder or URL; "" is off
	SecretKey         string // encrypts mailbox passwords at rest; "" uses a key kept in <data>/secret.key
	PublicURL         string // where customers reach this server (portal sign-in links); "" derives it from Addr
}

// Setting describes one setting for flags, environment variables and documentation.
type Setting struct {
	Flag, Env, Help string
	Default         string
	Secret          bool // masked by kefu config check (names with password, secret or token are masked anyway)
}

// Settings lists every setting; `kefu serve --help` and docs/configuration.md show them.
var Settings = []Setting{
	{Flag: "addr", Env: "KEFU_ADDR", Default: "127.0.0.1:8080", Help: "address to listen on for HTTP"},
	{Flag: "data", Env: "KEFU_DATA", Default: "./kefu-data", Help: "data folder: the SQLite database and attachment files"},
	{Flag: "db", Env: "KEFU_DB", Default: "", Help: "database: a SQLite file path or a postgres:// URL (default: <data>/kefu.db)"},
	{Flag: "sqlite-sync", Env: "KEFU_SQLITE_SYNC", Default: "full", Help: "SQLite durability: full (survives power loss) or normal (survives a process crash)"},
	{Flag: "time-zone", Env: "KEFU_TIME_ZONE", Default: "Asia/Shanghai", Help: "default time zone for new users and dates"},
	{Flag: "max-subject", Env: "KEFU_MAX_SUBJECT", Default: "500", Help: "longest ticket subject, in characters"},
	{Flag: "max-body", Env: "KEFU_MAX_BODY", Default: "1048576", Help: "largest message body, in bytes"},
	{Flag: "max-attachment", Env: "KEFU_MAX_ATTACHMENT", Default: "26214400", Help: "largest attachment, in bytes"},
	{Flag: "log-format", Env: "KEFU_LOG_FORMAT", Default: "text", Help: "log format: text or json"},
	{Flag: "log-level", Env: "KEFU_LOG_LEVEL", Default: "info", Help: "log level: debug, info, warn or error"},
	{Flag: "shutdown-timeout", Env: "KEFU_SHUTDOWN_TIMEOUT", Default: "20s", Help: "how long to let requests finish on shutdown"},
	{Flag: "auto-migrate", Env: "KEFU_AUTO_MIGRATE", Default: "true", Help: "bring an older database schema up to date on start; false: refuse to start until kefu migrate has run"},
	{Flag: "metrics-addr", Env: "KEFU_METRICS_ADDR", Default: "", Help: "separate address for /metrics and /debug/pprof (default: served on --addr, admin token required)"},
	{Flag: "replicate", Env: "KEFU_REPLICATE", Default: "", Help: "SQLite only: stream the database as it is written to a folder or URL (/path, file:///path, s3://bucket/path) for point-in-time restore; off when empty"},
	{Flag: "public-url", Env: "KEFU_PUBLIC_URL", Default: "", Help: "the address customers reach Kefu at, such as https://help.example.com; portal sign-in links point there (default: http://<addr>)"},
	{Flag: "secret-key", Env: "KEFU_SECRET_KEY", Default: "", Help: "key that encrypts stored mailbox passwords, at least 16 characters (default: a random key kept in <data>/secret.key)"},
}

// Bind registers every setting, and --config, on fs and returns a function that, after
// fs.Parse, fills and validates a Config: a flag beats its KEFU_* variable, the variable
// beats the kefu.toml file named by --config, the file beats the default.
func Bind(fs *flag.FlagSet) func() (*Config, error) {
	resolve := BindExplained(fs)
	return func() (*Config, error) {
		c, _, err := resolve()
		return c, err
	}
}

func build(v map[string]*string) (*Config, error) {
	c := &Config{
		Addr: *v["addr"], DataDir: *v["data"], DB: *v["db"], SQLiteSync: *v["sqlite-sync"], TimeZone: *v["time-zone"],
		LogFormat: *v["log-format"], LogLevel: *v["log-level"],
	}
	var errs []error
	num := func(name string, dst *int) {
		n, err := strconv.Atoi(*v[name])
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("--%s: want a positive whole number, got %q", name, *v[name]))
		}
		*dst = n
	}
	num("max-subject", &c.MaxSubjectChars)
	num("max-body", &c.MaxBodyBytes)
	num("max-attachment", &c.MaxAttachmentSize)
	d, err := time.ParseDuration(*v["shutdown-timeout"])
	if err != nil || d <= 0 {
		errs = append(errs, fmt.Errorf("--shutdown-timeout: want a duration like 20s, got %q", *v["shutdown-timeout"]))
	}
	c.ShutdownTimeout = d
	if c.AutoMigrate, err = strconv.ParseBool(*v["auto-migrate"]); err != nil {
		errs = append(errs, fmt.Errorf("--auto-migrate: want true or false, got %q", *v["auto-migrate"]))
	}
	c.MetricsAddr = *v["metrics-addr"]
	if c.PublicURL = strings.TrimRight(*v["public-url"], "/"); c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		errs = append(errs, fmt.Errorf("--public-url: want an address like https://help.example.com, got %q", c.PublicURL))
	}
	c.Replicate = *v["replicate"]
	if c.SecretKey = *v["secret-key"]; c.SecretKey != "" && len(c.SecretKey) < 16 {
		errs = append(errs, fmt.Errorf("--secret-key: want at least 16 characters"))
	}
	if c.DB == "" {
		c.DB = filepath.Join(c.DataDir, "kefu.db")
	}
	if c.Replicate != "" && c.Postgres() {
		errs = append(errs, errors.New("--replicate: only for SQLite; PostgreSQL is replicated with its own WAL archiving"))
	} else if c.Replicate != "" && !strings.HasPrefix(c.Replicate, "/") && !strings.Contains(c.Replicate, "://") {
		errs = append(errs, fmt.Errorf("--replicate: want an absolute folder path or a URL like file:///path or s3://bucket/path, got %q", c.Replicate))
	}
	if c.SQLiteSync != "full" && c.SQLiteSync != "normal" {
		errs = append(errs, fmt.Errorf("--sqlite-sync: want full or normal, got %q", c.SQLiteSync))
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		errs = append(errs, fmt.Errorf("--time-zone: unknown time zone %q", c.TimeZone))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format: want text or json, got %q", c.LogFormat))
	}
	if !strings.Contains("debug info warn error", c.LogLevel) || c.LogLevel == "" {
		errs = append(errs, fmt.Errorf("--log-level: want debug, info, warn or error, got %q", c.LogLevel))
	}
	return c, errors.Join(errs...)
}

// PublicBaseURL is where links in mail point: PublicURL, or else this node's own address
// (a wildcard host becomes localhost). It never comes from a request's Host header.
func (c *Config) PublicBaseURL() string {
	if c.PublicURL != "" {
		return c.PublicURL
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return "http://" + c.Addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Postgres reports whether the configured database is PostgreSQL.
func (c *Config) Postgres() bool { return storage.IsPostgresURL(c.DB) }

// SQLitePath is the SQLite database file, without the sqlite: or file: prefix DB may carry.
func (c *Config) SQLitePath() string {
	return strings.TrimPrefix(strings.TrimPrefix(c.DB, "sqlite:"), "file:")
}

// AttachmentDir is where SQLite installations keep attachment files.
func (c *Config) AttachmentDir() string { return filepath.Join(c.DataDir, "attachments") }

// Defaults is the configuration with every setting at its default, for tests and tools.
func Defaults(dataDir string) *Config {
	v := make(map[string]*string, len(Settings))
	for _, s := range Settings {
		d := s.Default
		v[s.Flag] = &d
	}
	*v["data"] = dataDir
	c, err := build(v)
	if err != nil {
		panic(err) // the defaults are valid; a test holds them so
	}
	return c
}
