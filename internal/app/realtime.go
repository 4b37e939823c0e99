package app

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kefuhq/kefu/internal/config"
	"github.com/kefuhq/kefu/internal/metrics"
	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/storage"
)

// newRealtime picks the node's event broker: in-process on SQLite (one node), LISTEN/NOTIFY
// on PostgreSQL (any number of nodes on one database), and counts it in the node's metrics.
func newRealtime(cfg *config.Config, db *storage.DB, logger *slog.Logger, m *metrics.Metrics) realtime.Broker {
	var b realtime.Broker
	if db.Dialect() == storage.Postgres {
		b = realtime.NewPostgres(realtime.PostgresOptions{DSN: cfg.DB, Pool: db.SQL(), Logger: logger})
	} else {
		b = realtime.NewLocal()
	}
	c, ok := b.(realtime.Counter)
	if !ok {
		return b
	}
	counter := func(name, help string, v func(realtime.Stats) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: metrics.Namespace, Subsystem: "realtime", Name: name, Help: help,
		}, func() float64 { return float64(v(c.Stats())) })
	}
	m.Registry.MustRegister(
		counter("published_total", "Change hints published on this node.",
			func(s realtime.Stats) int64 { return s.Published }),
		counter("delivered_total", "Change hints handed to a subscriber (page, chat connection, event stream) on this node.",
			func(s realtime.Stats) int64 { return s.Delivered }),
		counter("received_total", "Change hints received from other nodes (PostgreSQL LISTEN).",
			func(s realtime.Stats) int64 { return s.Received }),
		counter("dropped_total", "Change hints lost: a subscriber did not keep up, or a notification failed or was too long.",
			func(s realtime.Stats) int64 { return s.Dropped }),
		counter("reconnects_total", "Times the LISTEN connection came back after a loss (subscribers were told to resync).",
			func(s realtime.Stats) int64 { return s.Reconnects }),
	)
	return b
}
