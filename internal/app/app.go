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
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kefuhq/kefu/internal/automation"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/calendar"
	"github.com/kefuhq/kefu/internal/chat"
	"github.com/kefuhq/kefu/internal/config"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/httpapi"
	"github.com/kefuhq/kefu/internal/job"
	"github.com/kefuhq/kefu/internal/mail"
	"github.com/kefuhq/kefu/internal/metrics"
	"github.com/kefuhq/kefu/internal/notify"
	"github.com/kefuhq/kefu/internal/portal"
	"github.com/kefuhq/kefu/internal/portal/account"
	"github.com/kefuhq/kefu/internal/rating"
	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/routing"
	"github.com/kefuhq/kefu/internal/sla"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/tag"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
	"github.com/kefuhq/kefu/internal/web"
	"github.com/kefuhq/kefu/internal/widget"
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
	Web          *web.UI          // the agent workspace in the browser
	Portal       *portal.Portal   // the customer portal at /portal
	Metrics      *metrics.Metrics // other packages add collectors with Metrics.Register
	Mail         *mail.Service    // the email channel; its workers run while serving
	Calendars    *calendar.Store  // business calendars (holidays, 调休)
	SLA          *sla.Service     // service levels; its clock moves with every ticket change
	Jobs         *job.Runner      // durable jobs (the SLA sweep); runs while serving
	Routing      *routing.Service // hands new tickets to agents
	Automation   *automation.Service
	Notify       *notify.Service // in-app notifications (automation's notify action)
	Ratings      *rating.Service // customers' ratings of tickets and chats
	Chat         *chat.Service   // live chat with website visitors
	Widget       *widget.Handler // the chat widget's public edge (/widget.js, /widget/ws)
	Realtime     realtime.Broker // change hints to open pages and chats: in-process (SQLite) or LISTEN/NOTIFY (PostgreSQL)
	Now          func() time.Time
}

// Open opens the database, brings its schema up to date and builds the services.
func Open(ctx context.Context, cfg *config.Config, logger *slog.Logger) (*App, error) {
	db, err := storage.Open(ctx, cfg.DB, storage.Options{Synchronous: cfg.SQLiteSync})
	if err != nil {
		return nil, err
	}
	if !cfg.AutoMigrate {
		if err := refuseOldSchema(ctx, db); err != nil {
			db.Close()
			return nil, err
		}
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	for _, m := range applied {
		logger.Info("migrated", "version", m.Version, "name", m.Name)
	}
	if cfg.SecretKey == "" {
		// No key configured: a single node keeps a random one in its data folder.
		if cfg.SecretKey, err = mail.KeyFile(filepath.Join(cfg.DataDir, "secret.key")); err != nil {
			db.Close()
			return nil, err
		}
	}
	return build(cfg, logger, db), nil
}

func build(cfg *config.Config, logger *slog.Logger, db *storage.DB) *App {
	logger = withRequestIDs(logger)
	now := time.Now
	var blobs blob.Store = blob.Files{Dir: cfg.AttachmentDir()}
	if db.Dialect() == storage.Postgres {
		// Every node must see every file: keep them in the shared database.
		blobs = blob.Database{DB: db}
	}
	a := &App{Config: cfg, Logger: logger, DB: db, Now: now}
	a.Metrics = newMetrics(db)
	a.Realtime = newRealtime(cfg, db, logger, a.Metrics)
	a.Users = user.NewService(db, now)
	a.Customers = customer.NewService(db, now)
	a.Tags = tag.NewService(db)
	a.CustomFields = customfield.NewService(db, now)
	a.Tickets = ticket.NewService(ticket.Options{
		DB: db, Customers: a.Customers, Blobs: blobs, Now: now,
		Limits: ticket.Limits{SubjectChars: cfg.MaxSubjectChars, BodyBytes: cfg.MaxBodyBytes, AttachmentBytes: cfg.MaxAttachmentSize},
	})
	// Open resolved the key and config checked its length, so the sealer cannot fail here.
	sealer, err := mail.NewSealer(cfg.SecretKey)
	if err != nil {
		panic(err)
	}
	a.Mail = mail.NewService(mail.Options{DB: db, Tickets: a.Tickets, Blobs: blobs, Sealer: sealer, Logger: logger, Now: now})
	a.Tickets.OnChange(a.Mail.TicketHook())
	a.Calendars = calendar.NewStore(db, now)
	a.SLA = sla.NewService(db, now)
	a.Tickets.OnChange(a.SLA.OnTicketChange)
	a.Customers.OnChange(a.SLA.OnCustomerChange) // a tier change re-chooses the policy of open tickets
	a.Routing = routing.NewService(db, a.Tickets, now)
	a.Tickets.OnChange(a.Routing.OnTicketChange)
	a.Automation = automation.NewService(db, a.Tickets, now)
	a.Tickets.OnChange(a.Automation.OnTicketChange)
	a.SLA.OnFired(a.Automation.OnSLAFired)
	a.Notify = notify.NewService(db, a.Realtime, now)
	a.Automation.UseNotifier(a.Notify)
	a.Ratings = rating.NewService(db, a.Tickets, now)
	a.Chat = chat.NewService(chat.Options{DB: db, Tickets: a.Tickets, Customers: a.Customers, Ratings: a.Ratings, Realtime: a.Realtime, Now: now})
	a.Widget = widget.New(widget.Options{Chat: a.Chat, Realtime: a.Realtime, Logger: logger, Now: now})
	a.Jobs = job.NewRunner(job.Options{DB: db, Logger: logger, Now: now})
	a.SLA.RegisterJobs(a.Jobs, 0)
	a.Automation.RegisterJobs(a.Jobs, 0)
	a.API = httpapi.New(httpapi.Options{
		DB: db, Users: a.Users, Customers: a.Customers, Tickets: a.Tickets, Tags: a.Tags, CustomFields: a.CustomFields,
		Mail:   a.Mail,
		Logger: logger, Version: Version, Now: now,
		Calendars: a.Calendars, SLA: a.SLA, Routing: a.Routing, Automation: a.Automation,
		Chat: a.Chat, Ratings: a.Ratings,
		Realtime: a.Realtime,
	})
	a.Web = web.New(web.Options{
		DB: db, Users: a.Users, Customers: a.Customers, Tickets: a.Tickets, Tags: a.Tags, CustomFields: a.CustomFields,
		Logger: logger, Version: Version, Now: now, Realtime: a.Realtime,
		SetupOpen: web.IsLoopbackAddr(cfg.Addr),
		Chats:     a.Chat, // accept and close respect the chat cap and tell the visitor
		Routing:   a.Routing,
		Mail:      a.Mail, // the mailbox, inbound-queue and outbox pages
		Notify:    a.Notify,
	})
	a.Portal = portal.New(portal.Options{
		DB: db, Accounts: account.NewService(db, a.Mail, now), Tickets: a.Tickets, Ratings: a.Ratings,
		Logger: logger, Now: now, PublicURL: cfg.PublicBaseURL(),
	})
	a.Metrics.Register(metrics.NewQueueCollector(db, now), prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: metrics.Namespace, Subsystem: "web", Name: "live_streams",
		Help: "Live-update streams (Server-Sent Events) this node holds open.",
	}, func() float64 { return float64(a.Web.LiveStreams()) }), prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: metrics.Namespace, Subsystem: "widget", Name: "connections",
		Help: "Chat widget WebSockets this node holds open.",
	}, func() float64 { return float64(a.Widget.Connections()) }))
	return a
}

// Close ends the event subscriptions and releases the database.
func (a *App) Close() error {
	a.Realtime.Close()
	return a.DB.Close()
}

// Serve listens on the configured address until ctx ends, then lets requests in flight
// finish (up to the shutdown timeout).
func (a *App) Serve(ctx context.Context) error {
	raiseOpenFiles(a.Logger) // each widget socket and event stream holds a file
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.Addr, err)
	}
	if a.Config.MetricsAddr != "" {
		stop, err := a.startOps()
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}
	if a.Config.Replicate != "" {
		stop, err := a.startReplication(ctx)
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}
	return a.ServeListener(ctx, ln)
}

// scheduleJobs makes sure the recurring jobs (SLA sweep, timed automation) are queued.
func (a *App) scheduleJobs(ctx context.Context) error {
	if err := a.SLA.ScheduleSweep(ctx); err != nil {
		return fmt.Errorf("schedule the SLA sweep: %w", err)
	}
	if err := a.Automation.ScheduleTimed(ctx); err != nil {
		return fmt.Errorf("schedule timed automation: %w", err)
	}
	return nil
}

// ServeListener serves on ln until ctx ends.
func (a *App) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(a.Web.Close) // open live-update streams must not hold up a shutdown
	// Widget sockets go away at shutdown; the widgets reconnect, to another node if there is one.
	srv.RegisterOnShutdown(a.Widget.Close)
	// The mail workers (IMAP sync, ingest, outbox) run while the node serves; the end of ctx
	// stops them with the HTTP server, and ServeListener returns only once they are done.
	mailCtx, stopMail := context.WithCancel(ctx)
	mailDone := make(chan struct{})
	go func() { defer close(mailDone); a.Mail.Run(mailCtx) }()
	defer func() { stopMail(); <-mailDone }()
	// Durable jobs run on every node while it serves; jobs in hand finish before it stops.
	if err := a.scheduleJobs(ctx); err != nil {
		ln.Close()
		if ctx.Err() != nil {
			return nil // stopped while starting: a stop, not a failure to start
		}
		return err
	}
	jobsCtx, stopJobs := context.WithCancel(ctx)
	jobsDone := make(chan struct{})
	go func() { defer close(jobsDone); a.Jobs.Run(jobsCtx) }()
	defer func() { stopJobs(); <-jobsDone }()
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
