package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kefuhq/kefu/internal/storage"
)

// queueCollector reports the work waiting in the shared database at scrape time: durable
// jobs (SLA sweeps, timed rules, webhooks), received mail not yet made into messages, and
// outgoing mail not yet sent, each with its depth and how long its oldest item has waited.
// Every node of a PostgreSQL cluster reports the same truth.
type queueCollector struct {
	db                          *storage.DB
	now                         func() time.Time
	jobs, jobsLag               *prometheus.Desc
	mail, mailLag, outbox, oLag *prometheus.Desc
}

// NewQueueCollector reports kefu_jobs_waiting, kefu_jobs_lag_seconds, kefu_mail_waiting,
// kefu_mail_ingest_lag_seconds, kefu_mail_outbox_waiting and kefu_mail_outbox_lag_seconds.
func NewQueueCollector(db *storage.DB, now func() time.Time) prometheus.Collector {
	d := func(sub, name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(Namespace, sub, name), help, nil, nil)
	}
	return &queueCollector{db: db, now: now,
		jobs:    d("jobs", "waiting", "Durable jobs waiting to run (due or scheduled)."),
		jobsLag: d("jobs", "lag_seconds", "How long the oldest due job has been due; 0 when none is."),
		mail:    d("mail", "waiting", "Received mail stored but not yet made into a ticket message."),
		mailLag: d("mail", "ingest_lag_seconds", "Age of the oldest received mail not yet processed; 0 when none waits."),
		outbox:  d("mail", "outbox_waiting", "Outgoing mail queued or being sent."),
		oLag:    d("mail", "outbox_lag_seconds", "How long the oldest due outgoing mail has waited; 0 when none is due."),
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.jobs, c.jobsLag, c.mail, c.mailLag, c.outbox, c.oLag} {
		ch <- d
	}
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := c.now().UnixMilli()
	for _, q := range []struct {
		depth, lag *prometheus.Desc
		sql        string
	}{
		{c.jobs, c.jobsLag, `SELECT count(*), COALESCE(MIN(CASE WHEN run_at <= $1 THEN run_at END), $1) FROM jobs WHERE done_at IS NULL AND failed_at IS NULL`},
		{c.mail, c.mailLag, `SELECT count(*), COALESCE(MIN(received_at), $1) FROM mail_messages WHERE state = 'stored'`},
		{c.outbox, c.oLag, `SELECT count(*), COALESCE(MIN(CASE WHEN next_attempt_at <= $1 THEN next_attempt_at END), $1) FROM mail_outbox WHERE state IN ('queued', 'sending')`},
	} {
		var n, oldest int64
		if err := c.db.Read().QueryRowContext(ctx, q.sql, now).Scan(&n, &oldest); err != nil {
			ch <- prometheus.NewInvalidMetric(q.depth, err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(q.depth, prometheus.GaugeValue, float64(n))
		ch <- prometheus.MustNewConstMetric(q.lag, prometheus.GaugeValue, float64(max(now-oldest, 0))/1000)
	}
}
