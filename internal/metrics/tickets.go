package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kefuhq/kefu/internal/storage"
)

// OpenStatuses are the ticket statuses that still need work; closed tickets only grow and
// are left to reports.
var OpenStatuses = []string{"new", "open", "pending_customer", "pending_department", "resolved"}

// ticketCollector counts tickets by status when Prometheus scrapes, with one grouped query
// over the (status, updated_at, id) index: nothing is kept in memory between scrapes, so
// every node of a PostgreSQL cluster reports the same truth.
type ticketCollector struct {
	db   *storage.DB
	desc *prometheus.Desc
}

// NewTicketCollector reports kefu_tickets_open{status}.
func NewTicketCollector(db *storage.DB) prometheus.Collector {
	return &ticketCollector{db: db, desc: prometheus.NewDesc(
		prometheus.BuildFQName(Namespace, "tickets", "open"),
		"Tickets not yet closed, by status, counted at scrape time.", []string{"status"}, nil)}
}

func (c *ticketCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *ticketCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts := make(map[string]float64, len(OpenStatuses))
	rows, err := c.db.Read().QueryContext(ctx, `SELECT status, count(*) FROM tickets WHERE status <> 'closed' GROUP BY status`)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n float64
		if err := rows.Scan(&status, &n); err != nil {
			ch <- prometheus.NewInvalidMetric(c.desc, err)
			return
		}
		counts[status] = n
	}
	if err := rows.Err(); err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for _, s := range OpenStatuses {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, counts[s], s)
	}
}
