// Package app wires Kefu together: it opens the store, builds the domain services and the
// HTTP handlers, and runs the server until it is told to stop. It holds no rules of its own.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/config"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/httpapi"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/tag"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

// Version is the build's version, set with -ldflags "-X github.com/kefuhq/kefu/internal/app.Version=…".
var Version = "dev"

// App is a running Kefu node's parts.
type App struct {
	Config       *config.Config
	Logger       *slog.Logger
	DB           *storage.DB
	Users        *user.Service
	Customers    *customer.Service
	Tickets      *ticket.Service
	Tags         *tag.Service
	CustomFields *customfield.Service
	API          *httpapi.API
	Now          func() time.Time
}

// Open opens the database, brings its schema up to date and builds the services.
func Open(ctx context.Context, cfg *config.Config, logger *slog.Logger) (*App, error) {
	db, err := storage.Open(ctx, cfg.DB, storage.Options{Synchronous: cfg.SQLiteSync})
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	for _, m := range applied {
		logger.Info("migrated", "version", m.Version, "name", m.Name)
	}
	return build(cfg, logger, db), nil
}

func build(cfg *config.Config, logger *slog.Logger, db *storage.DB) *App {
	now := time.Now
	var blobs blob.Store = blob.Files{Dir: cfg.AttachmentDir()}
	if db.Dialect() == storage.Postgres {
		// Every node must see every file: keep them in the shared database.
		blobs = blob.Database{DB: db}
	}
	a := &App{Config: cfg, Logger: logger, DB: db, Now: now}
	a.Users = user.NewService(db, now)
	a.Customers = customer.NewService(db, now)
	a.Tags = tag.NewService(db)
	a.CustomFields = customfield.NewService(db, now)
	a.Tickets = ticket.NewService(ticket.Options{
		DB: db, Customers: a.Customers, Blobs: blobs, Now: now,
		Limits: ticket.Limits{SubjectChars: cfg.MaxSubjectChars, BodyBytes: cfg.MaxBodyBytes, AttachmentBytes: cfg.MaxAttachmentSize},
	})
	a.API = httpapi.New(httpapi.Options{
		DB: db, Users: a.Users, Customers: a.Customers, Tickets: a.Tickets, Tags: a.Tags, CustomFields: a.CustomFields,
		Logger: logger, Version: Version, Now: now,
	})
	return a
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// Serve listens on the configured address until ctx ends, then lets requests in flight
// finish (up to the shutdown timeout).
func (a *App) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.Addr, err)
	}
	return a.ServeListener(ctx, ln)
}

// ServeListener serves on ln until ctx ends.
func (a *App) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Logger.Info("kefu is serving", "url", "http://"+ln.Addr().String(), "database", string(a.DB.Dialect()))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Logger.Info("shutting down", "timeout", a.Config.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
