// Package config is Kefu's configuration: one struct, its defaults, its validation, and
// the flags and KEFU_* environment variables that set it (a flag beats the variable, the
// variable beats the default).
package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
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
}

// Setting describes one setting for flags, environment variables and documentation.
type Setting struct {
	Flag, Env, Help string
	Default         string
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
}

// Bind registers every setting on fs and returns a function that, after fs.Parse, fills and
// validates a Config.
func Bind(fs *flag.FlagSet) func() (*Config, error) {
	vals := make(map[string]*string, len(Settings))
	for _, s := range Settings {
		def := s.Default
		if v, ok := os.LookupEnv(s.Env); ok {
			def = v
		}
		vals[s.Flag] = fs.String(s.Flag, def, s.Help+" (env "+s.Env+")")
	}
	return func() (*Config, error) { return build(vals) }
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
	if c.DB == "" {
		c.DB = filepath.Join(c.DataDir, "kefu.db")
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

// Postgres reports whether the configured database is PostgreSQL.
func (c *Config) Postgres() bool { return storage.IsPostgresURL(c.DB) }

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
