package bench

import (
	"context"
	"fmt"
	"testing"
)

// This file's name sorts after every other benchmark file on purpose: go test runs
// benchmarks file by file, and the create benchmark adds tickets, so it must run last for the
// read figures of one run to be taken on the data set as generated.

// BenchmarkCreate: new ticket + new customer + first message from concurrent clients,
// durably committed; then the same writes as one bare transaction per ticket (and per
// eight tickets) on one connection. It runs last: it adds tickets to the database.
func BenchmarkCreate(b *testing.B) {
	h := benchHarness(b)
	s := loadSettings()
	r, err := h.measureCreate(context.Background(), h.agent, h.picks.team, s.clients, s.perClient)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(r.apiTPS, "tickets/s")
	b.ReportMetric(r.api.p50, "p50-ms")
	b.ReportMetric(r.api.p95, "p95-ms")
	b.ReportMetric(r.api.p99, "p99-ms")
	b.ReportMetric(r.bare1TPS, "bare-1tx-tickets/s")
	b.ReportMetric(r.bare1.p95, "bare-1tx-p95-ms")
	b.ReportMetric(r.bare8TPS, "bare-8tx-tickets/s")
	b.ReportMetric(r.bare1TPS/r.apiTPS, "ratio-1tx")
	b.ReportMetric(r.apiCPU, "cpu-ms/ticket")
	b.ReportMetric(r.bare8TPS/r.apiTPS, "ratio-8tx")
	record(result{engine: engineName(h.dialect), name: fmt.Sprintf("create (%d clients × %d)", r.clients, r.total/r.clients), create: true,
		api: r.api, bare: r.bare1, throughput: r.apiTPS, bare1: r.bare1TPS, bare8: r.bare8TPS, target: createTargetTPS})
}
