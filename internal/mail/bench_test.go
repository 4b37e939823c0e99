package mail

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// BenchmarkIngest measures mails per second from a local IMAP server into SQLite (and
// PostgreSQL when KEFU_TEST_POSTGRES is set): fetch,
// raw storage, parsing, threading (a third are replies found by In-Reply-To), tickets,
// customers and search indexing, all durable. On PostgreSQL it runs with one ingest lane
// (one transaction at a time, as before lanes) and with the default four. Run with
//
//	go test ./internal/mail -run '^$' -bench Ingest -benchtime 1x
func BenchmarkIngest(b *testing.B) {
	for _, d := range testutil.Engines() {
		if d != storage.Postgres {
			b.Run(string(d), func(b *testing.B) { benchIngest(b, d, 0) })
			continue
		}
		for _, lanes := range []int{1, defaultIngestLanes} {
			b.Run(fmt.Sprintf("%s/lanes=%d", d, lanes), func(b *testing.B) { benchIngest(b, d, lanes) })
		}
	}
}

func benchIngest(b *testing.B, d storage.Dialect, lanes int) {
	const mails = 2000
	for range b.N {
		b.StopTimer()
		db := testutil.NewDB(b, d)
		ip := startIMAP(b)
		n := newNode(b, db, b.TempDir())
		if lanes > 0 {
			n.mail.opts.IngestLanes = lanes
		}
		for i := range mails {
			id := fmt.Sprintf("bench-%d@example.cn", i)
			from := fmt.Sprintf("customer%d@example.cn", i%500)
			if i%3 == 0 {
				ip.deliver(b, rawMailText(from, "support@example.com", fmt.Sprintf("发票开错了 %d", i), id, "您好，我上周买的商品发票抬头开错了，麻烦重新开一张。订单号 "+fmt.Sprint(100000+i)))
			} else {
				parent := fmt.Sprintf("bench-%d@example.cn", i-i%3)
				ip.deliver(b, rawMailText(from, "support@example.com", "Re: 发票开错了", id, "补充：抬头是某某科技有限公司，税号 91310000XXXX。",
					"In-Reply-To: <"+parent+">"))
			}
		}
		n.mailbox(b, "售后", "support@example.com", ip, nil, nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		b.StartTimer()
		start := time.Now()
		go func() { defer close(done); n.mail.Run(ctx) }()
		for count(b, db, `SELECT count(*) FROM mail_messages WHERE state = 'processed'`) < mails {
			time.Sleep(10 * time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		cancel()
		<-done
		b.ReportMetric(float64(mails)/elapsed.Seconds(), "mails/s")
		if got := count(b, db, `SELECT count(*) FROM tickets`); got != (mails+2)/3 {
			b.Fatalf("%d tickets; want %d", got, (mails+2)/3)
		}
	}
}

// BenchmarkIdleLatency measures how long a mail takes from its arrival on the IMAP server
// (IDLE reports it) to being a ticket in SQLite, one mail at a time.
func BenchmarkIdleLatency(b *testing.B) {
	db := testutil.NewDB(b, storage.SQLite)
	ip := startIMAP(b)
	n := newNode(b, db, b.TempDir())
	n.mailbox(b, "售后", "support@example.com", ip, nil, nil)
	n.run(b)
	var worst time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		ip.deliver(b, rawMailText("zhang@example.cn", "support@example.com", "物流查询", fmt.Sprintf("idle-%d@example.cn", i), "快递到哪了？"))
		for count(b, db, `SELECT count(*) FROM mail_messages WHERE state = 'processed'`) <= i {
			time.Sleep(time.Millisecond)
		}
		worst = max(worst, time.Since(start))
	}
	b.ReportMetric(float64(worst.Milliseconds()), "worst-ms")
}
