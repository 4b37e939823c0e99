package mail

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/ticket"
)

// crashChildEnv makes the test binary a mail-ingesting node and nothing else, so that the
// crash test can kill it for real (SIGKILL, no deferred cleanup, no flush).
const crashChildEnv = "KEFU_MAIL_CRASH_CHILD"

// crashLongEnv turns on the long crash test: 2,000 mails and 1,000 kills (or as many kills
// as its value says, when it is a number above 1).
const crashLongEnv = "KEFU_MAIL_CRASH_LONG"

type childConfig struct {
	DSN   string `json:"dsn"`
	Blobs string `json:"blobs"`
}

func TestMain(m *testing.M) {
	if cfg := os.Getenv(crashChildEnv); cfg != "" {
		os.Exit(runCrashChild(cfg))
	}
	os.Exit(m.Run())
}

func runCrashChild(raw string) int {
	var cfg childConfig
	json.Unmarshal([]byte(raw), &cfg)
	ctx := context.Background()
	db, err := storage.Open(ctx, cfg.DSN, storage.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sealer, _ := NewSealer(testSecret)
	var blobs blob.Store = blob.Files{Dir: cfg.Blobs}
	if db.Dialect() == storage.Postgres {
		blobs = blob.Database{DB: db}
	}
	tickets := ticket.NewService(ticket.Options{DB: db, Customers: customer.NewService(db, time.Now), Blobs: blobs})
	s := NewService(Options{
		DB: db, Tickets: tickets, Blobs: blobs, Sealer: sealer,
		Logger: slog.New(slog.NewTextHandler(crashLog(), &slog.HandlerOptions{Level: slog.LevelError})),
		// A restarted node is the same node: it takes its lease back at once.
		NodeID: "crash-child", PollInterval: 300 * time.Millisecond, LeaseTTL: 5 * time.Second,
	})
	fmt.Println(childReady) // the parent's random wait before the kill starts now
	s.Run(ctx)              // until killed
	return 0
}

// crashMail is one logical mail of the crash test, in one or two copies.
type crashMail struct {
	id, raw string
	copies  []string
}

func crashCorpus(n int) []crashMail {
	var out []crashMail
	for i := range n {
		id := fmt.Sprintf("crash-%d@example.cn", i)
		from := fmt.Sprintf("customer%d@example.cn", i%37)
		var raw string
		if i%3 == 0 {
			raw = rawMailText(from, "support@example.com", fmt.Sprintf("退款问题 %d", i), id, fmt.Sprintf("订单 %d 的退款还没到账。", i))
		} else {
			parent := fmt.Sprintf("crash-%d@example.cn", i-i%3)
			raw = rawMailText(from, "support@example.com", fmt.Sprintf("Re: 退款问题 %d", i-i%3), id, fmt.Sprintf("补充说明 %d", i),
				"In-Reply-To: <"+parent+">", "References: <"+parent+">")
		}
		m := crashMail{id: id, raw: raw, copies: []string{raw}}
		if i%10 == 7 { // the same mail again, through another relay (other raw bytes)
			m.copies = append(m.copies, "Received: from relay2.example.cn by mx.example.com\r\n"+raw)
		}
		out = append(out, m)
	}
	return out
}

// Mails keep arriving while the ingesting process is killed with SIGKILL at random points,
// connections are cut mid-session and the folder is renumbered (UIDVALIDITY) once; in the
// end every mail is a ticket message exactly once, and every reply sits on its thread.
func TestCrashIngestExactlyOnce(t *testing.T) {
	mails, kills := 200, 5
	if v := os.Getenv(crashLongEnv); v != "" {
		mails, kills = 2000, 1000
		if n, err := strconv.Atoi(v); err == nil && n > 1 {
			kills = n // a shorter long run: KEFU_MAIL_CRASH_LONG=50
		}
	}
	for _, d := range testutil.Engines() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := testutil.DSN(t, d)
			db, err := storage.Open(ctx, dsn, storage.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			blobDir := t.TempDir()
			ip := startIMAP(t)
			parent := newNode(t, db, blobDir)
			parent.mailbox(t, "售后", "support@example.com", ip, nil, nil)
			cfg, _ := json.Marshal(childConfig{DSN: dsn, Blobs: blobDir})

			corpus := crashCorpus(mails)
			var delivered []string // every raw copy on the server, in order
			rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
			next := 0
			deliver := func(k int) {
				for ; k > 0 && next < len(corpus); k-- {
					for _, c := range corpus[next].copies {
						ip.deliver(t, c)
						delivered = append(delivered, c)
					}
					next++
				}
			}
			drops := 0
			for k := range kills {
				deliver(max(1, mails/(kills+1)))
				if k == kills/2 {
					ip.renumber(t, delivered)
				}
				child := startCrashChild(t, string(cfg))
				time.Sleep(time.Duration(50+rng.IntN(400)) * time.Millisecond)
				if k%2 == 1 { // cut the connection, mid-fetch or mid-IDLE: the child reconnects
					drops += ip.dropConnections()
					time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
				}
				child.Process.Signal(syscall.SIGKILL)
				child.Wait()
				if testing.Verbose() && kills <= 20 {
					t.Logf("kill %d: %d copies on the server, %d stored, %d still to process", k+1, len(delivered),
						count(t, db, `SELECT count(*) FROM mail_messages`), count(t, db, `SELECT count(*) FROM mail_messages WHERE state = 'stored'`))
				}
			}
			deliver(len(corpus))
			child := startCrashChild(t, string(cfg))
			defer func() { child.Process.Signal(syscall.SIGKILL); child.Wait() }()
			// The last node must finish; it fails only when it stops making progress (no
			// mail handled for five minutes), not on a stopwatch: on a loaded machine a batch
			// of a hundred mails can take minutes.
			deadline, waiting := time.Now().Add(5*time.Minute), -1
			for count(t, db, `SELECT count(DISTINCT message_id) FROM mail_messages WHERE state = 'processed'`) != len(corpus) ||
				count(t, db, `SELECT count(*) FROM mail_messages WHERE state = 'stored'`) != 0 {
				if w := count(t, db, `SELECT count(*) FROM mail_messages WHERE state = 'stored'`); w != waiting {
					deadline, waiting = time.Now().Add(5*time.Minute), w
				}
				if time.Now().After(deadline) {
					rows, _ := db.Read().QueryContext(ctx, `SELECT state, error, count(*) FROM mail_messages GROUP BY state, error`)
					for rows.Next() {
						var state, reason string
						var n int
						rows.Scan(&state, &reason, &n)
						t.Logf("%d mails %s %s", n, state, reason)
					}
					rows.Close()
					var syncErr string
					db.Read().QueryRowContext(ctx, `SELECT last_error FROM mail_sync`).Scan(&syncErr)
					t.Fatalf("no progress for five minutes, not every mail ingested; last sync error %q", syncErr)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if got := count(t, db, `SELECT count(*) FROM messages`); got != len(corpus) {
				t.Errorf("%d messages for %d mails", got, len(corpus))
			}
			if got := count(t, db, `SELECT count(*) FROM mail_messages WHERE state = 'processed'`); got != len(corpus) {
				t.Errorf("%d mails processed for %d distinct mails", got, len(corpus))
			}
			if got := count(t, db, `SELECT count(*) FROM mail_messages WHERE state = 'failed'`); got != 0 {
				t.Errorf("%d mails failed", got)
			}
			threads := 0
			for i := range corpus {
				if i%3 == 0 {
					threads++
				}
			}
			if got := count(t, db, `SELECT count(*) FROM tickets`); got != threads {
				t.Errorf("%d tickets; want %d (replies must join their thread)", got, threads)
			}
			var mismatched int
			db.Read().QueryRowContext(ctx, `SELECT count(*) FROM mail_messages r JOIN mail_messages p ON p.message_id = 'crash-' || `+
				castInt(d, `(CAST(substr(r.message_id, 7, length(r.message_id) - 17) AS INTEGER) / 3 * 3)`)+` || '@example.cn'
				WHERE r.state = 'processed' AND p.state = 'processed' AND r.ticket_id <> p.ticket_id`).Scan(&mismatched)
			if mismatched != 0 {
				t.Errorf("%d replies on another ticket than their thread", mismatched)
			}
			t.Logf("%d mails (%d copies on the server), %d kills, %d connections cut, UIDVALIDITY changed once: each mail exactly once",
				len(corpus), len(delivered), kills, drops)
		})
	}
}

func castInt(d storage.Dialect, expr string) string {
	if d == storage.Postgres {
		return "CAST(" + expr + " AS TEXT)"
	}
	return expr
}

const childReady = "mail child ready"

// startCrashChild starts an ingesting node and returns once it is about to run, so that
// the random wait before its kill falls in its work and not in its start-up.
func startCrashChild(t *testing.T, cfg string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+cfg)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == childReady {
				ready <- true
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("the child ended before it was ready")
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the child did not start")
	}
	return cmd
}

// crashLog is where a crash child logs its errors: stderr when KEFU_MAIL_CRASH_LOG is set
// (to see why a run does not finish), else nowhere.
func crashLog() io.Writer {
	if os.Getenv("KEFU_MAIL_CRASH_LOG") != "" {
		return os.Stderr
	}
	return io.Discard
}
