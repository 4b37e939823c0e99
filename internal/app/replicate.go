package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kefuhq/kefu/internal/metrics"
	"github.com/kefuhq/kefu/internal/replica"
)

// startReplication streams the SQLite database to --replicate until stop is called; stop
// ships what is left, so a graceful shutdown loses nothing the replica should have.
func (a *App) startReplication(ctx context.Context) (stop func(), err error) {
	r, err := replica.Start(context.WithoutCancel(ctx), replica.Options{Database: a.Config.SQLitePath(), URL: a.Config.Replicate, Logger: a.Logger})
	if err != nil {
		return nil, err
	}
	a.Logger.Info("replicating the database", "to", a.Config.Replicate)
	pending := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: metrics.Namespace, Subsystem: "replica", Name: "pending_transactions",
		Help: "Committed transactions not yet shipped to the replica (0 when it has caught up).",
	}, func() float64 {
		n, err := r.Pending()
		if err != nil {
			return -1
		}
		return float64(n)
	})
	last := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: metrics.Namespace, Subsystem: "replica", Name: "last_sync_timestamp_seconds",
		Help: "When changes were last shipped to the replica (Unix time; it stays put while nothing changes).",
	}, func() float64 {
		if t := r.LastSync(); !t.IsZero() {
			return float64(t.UnixMilli()) / 1000
		}
		return 0
	})
	a.Metrics.Register(pending, last)
	return func() {
		a.Metrics.Registry.Unregister(pending)
		a.Metrics.Registry.Unregister(last)
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := r.Close(cctx); err != nil {
			a.Logger.Error("replication: final sync", "err", err)
		}
	}, nil
}
