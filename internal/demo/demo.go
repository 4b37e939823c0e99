// Package demo fills a Kefu installation with a living demo company: 禾悦家电 (Heyue
// Appliances), an appliance retailer with six service teams, five departments, about twenty
// staff, three hundred customers and two thousand tickets over the last ninety days, in
// Simplified Chinese with a handful of English-speaking customers.
//
// Everything goes through the domain services, acting as the right people at the right
// (simulated) time, so every ticket has its real event trail: first replies, transfers with
// reasons, hand-offs to departments, merges, splits, links, resolutions, reopenings and
// closings. The story is drawn from a fixed seed before anything is written; loading it again
// at the same moment gives the same help desk.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/app"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/sample"
	"github.com/kefuhq/kefu/internal/storage"
)

// Password is every demo staff member's password.
const Password = "kefu-demo-2026"

// Options size and place the demo; zero values take the defaults.
type Options struct {
	Tickets   int       // about this many tickets (default 2000)
	Customers int       // customers (default 300)
	Days      int       // how far back the story starts (default 90)
	Seed      uint64    // the story (default 2026)
	Now       time.Time // the present: the story is played up to here (default: now)
	Workers   int       // steps run side by side (default 48)
	Force     bool      // load even if the database already has tickets
}

func (o Options) withDefaults() Options {
	if o.Tickets <= 0 {
		o.Tickets = 2000
	}
	if o.Customers <= 0 {
		o.Customers = 300
	}
	if o.Days <= 0 {
		o.Days = 90
	}
	if o.Seed == 0 {
		o.Seed = 2026
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.Truncate(time.Millisecond)
	if o.Workers <= 0 {
		o.Workers = 48
	}
	return o
}

// NotEmptyError says the database already has tickets, so the demo was not loaded.
type NotEmptyError struct{ Tickets int }

func (e *NotEmptyError) Error() string {
	return fmt.Sprintf("数据库中已有 %d 张工单，未载入演示数据 / the database already has %d tickets: demo data not loaded", e.Tickets, e.Tickets)
}

// TicketCount returns how many tickets the database holds.
func TicketCount(ctx context.Context, db *storage.DB) (int, error) {
	var n int
	err := db.Read().QueryRowContext(ctx, `SELECT count(*) FROM tickets`).Scan(&n)
	return n, err
}

// Login is a demo staff member to sign in as.
type Login struct {
	Role         auth.Role
	Title, Name  string
	TitleEN      string
	Email        string
	Teams, Depts []string
}

// Summary is what a load created.
type Summary struct {
	Company, CompanyEN string
	Teams, Departments []string
	Staff              []Login
	Password           string
	Customers          int
	Tiers              map[string]int
	English            int
	Tickets            int
	Days               int
	Statuses           map[string]int
	Transfers          int // by agents, not counting routing rules
	HandOffs           int
	Merges             int
	Splits             int
	Links              int
	Reopened           int
	Elapsed            time.Duration
}

// Load writes the demo company into a's database. Unless o.Force is set it refuses (with a
// *NotEmptyError) when the database already has tickets.
func Load(ctx context.Context, a *app.App, o Options) (*Summary, error) {
	o = o.withDefaults()
	if !o.Force {
		n, err := TicketCount(ctx, a.DB)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			return nil, &NotEmptyError{Tickets: n}
		}
	}
	began := time.Now()
	p := newPlan(o)
	r := newRunner(a, p, o)
	if err := r.run(ctx); err != nil {
		return nil, err
	}
	s, err := r.summary(ctx)
	if err != nil {
		return nil, err
	}
	s.Elapsed = time.Since(began)
	return s, nil
}

// Loading is printed before a load, which takes a little while.
const Loading = "  正在载入演示数据（禾悦家电）… / loading the demo company…"

// LoadIfEmpty loads the demo unless the database already has tickets, and says which
// happened on out (for kefu serve --demo).
func LoadIfEmpty(ctx context.Context, a *app.App, out io.Writer) error {
	n, err := TicketCount(ctx, a.DB)
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintln(out, Loading)
		var s *Summary
		if s, err = Load(ctx, a, Options{}); err == nil {
			s.Print(out)
			return nil
		}
	}
	var full *NotEmptyError
	if n > 0 || errors.As(err, &full) {
		if full != nil {
			n = full.Tickets
		}
		fmt.Fprintf(out, "  数据库中已有 %d 张工单，跳过演示数据 / the database already has %d tickets: demo data skipped\n", n, n)
		return nil
	}
	return err
}

var tierNames = map[string]string{"vip": "VIP", "key": "重点 key", "ordinary": "普通 ordinary", "small": "小客户 small"}

var statusNames = []struct{ key, zh string }{
	{"new", "新建"}, {"open", "处理中"}, {"pending_customer", "待客户回复"}, {"pending_department", "待部门处理"},
	{"resolved", "已解决"}, {"closed", "已关闭"},
}

// Print writes the summary in Chinese and English, with the demo logins.
func (s *Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "\n  演示数据已载入 / demo data loaded: %s %s (%.1fs)\n", s.Company, s.CompanyEN, s.Elapsed.Seconds())
	fmt.Fprintf(w, "    客服组 teams (%d): %s\n", len(s.Teams), strings.Join(s.Teams, "、"))
	fmt.Fprintf(w, "    部门 departments (%d): %s\n", len(s.Departments), strings.Join(s.Departments, "、"))
	var tiers []string
	for _, t := range []string{"vip", "key", "ordinary", "small"} {
		tiers = append(tiers, fmt.Sprintf("%s %d", tierNames[t], s.Tiers[t]))
	}
	fmt.Fprintf(w, "    员工 staff: %d    客户 customers: %d (%s; 英文 English %d)\n", len(s.Staff), s.Customers, strings.Join(tiers, " · "), s.English)
	var st []string
	for _, x := range statusNames {
		st = append(st, fmt.Sprintf("%s %s %d", x.zh, x.key, s.Statuses[x.key]))
	}
	fmt.Fprintf(w, "    工单 tickets: %d，近 %d 天 / over %d days — %s\n", s.Tickets, s.Days, s.Days, strings.Join(st, " · "))
	fmt.Fprintf(w, "    转派 transfers %d · 转部门 department hand-offs %d · 合并 merges %d · 拆分 splits %d · 关联 links %d · 重新打开 reopened %d\n",
		s.Transfers, s.HandOffs, s.Merges, s.Splits, s.Links, s.Reopened)
	fmt.Fprintf(w, "\n  演示账号（密码均为 %s）/ demo logins (password %s for all):\n", s.Password, s.Password)
	for _, l := range s.Staff {
		where := strings.Join(append(append([]string{}, l.Teams...), l.Depts...), "、")
		fmt.Fprintf(w, "    %-34s %-11s %s%s  %s\n", l.Email, string(l.Role), l.Name, pad(l.Name, 4), l.Title+"（"+l.TitleEN+"）"+sep(where)+where)
	}
	fmt.Fprintln(w)
}

func sep(s string) string {
	if s == "" {
		return ""
	}
	return " "
}

// pad aligns names of two to four Chinese characters (each two columns wide).
func pad(name string, width int) string {
	n := len([]rune(name))
	if n >= width {
		return ""
	}
	return strings.Repeat("　", width-n)
}

func teamNames(idx []int, specs []sample.TeamSpec) []string {
	var out []string
	for _, i := range idx {
		out = append(out, specs[i].Name)
	}
	return out
}
