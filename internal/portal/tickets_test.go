package portal

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/rating"
	"github.com/kefuhq/kefu/internal/ticket"
)

// Customer A tries everything of customer B's: the ticket, its messages, notes and
// attachments, its events, its rating, a reply. Every answer is the very page a ticket
// number that does not exist gets, and nothing is written.
func TestCustomerCannotReachAnothersTickets(t *testing.T) {
	forEachEngine(t, true, func(t *testing.T, e *env) {
		ctx := context.Background()
		agent := e.agent("wang@example.com", "王芳")
		a := e.customer("客户甲", "a@example.cn")
		bID := e.customer("客户乙", "b@example.cn")
		mine := e.ticketFor(a, "甲的工单", "甲的问题。")
		theirs := e.ticketFor(bID, "乙的秘密工单", "乙的问题：账号 6222-0000。")
		pub, err := e.tickets.AddMessage(ctx, agent, theirs, ticket.MessageInput{Body: "给乙的答复", Attachments: []ticket.AttachmentInput{{Filename: "乙的发票.pdf", Data: []byte("%PDF b")}}})
		if err != nil {
			t.Fatal(err)
		}
		note, err := e.tickets.AddMessage(ctx, agent, mine, ticket.MessageInput{Kind: ticket.KindNote, Body: "内部备注：甲是老客户，可以多赔", Attachments: []ticket.AttachmentInput{{Filename: "内部截图.png", Data: []byte("png")}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.tickets.Update(ctx, agent, mine, ticket.Patch{Tags: []string{"内部标签"}}); err != nil {
			t.Fatal(err)
		}
		status := ticket.StatusResolved
		for _, n := range []int64{mine, theirs} {
			if _, err := e.tickets.Update(ctx, agent, n, ticket.Patch{Status: &status}); err != nil {
				t.Fatal(err)
			}
		}
		ratings := rating.NewService(e.db, e.tickets, e.now)
		if _, err := ratings.Rate(ctx, e.customerActor(bID), theirs, rating.Input{Score: 2, Comment: "乙的评价"}); err != nil {
			t.Fatal(err)
		}

		b := e.browser()
		b.signIn("a@example.cn")
		csrf := b.csrf("/portal/")
		missing := b.get("/portal/tickets/99999").must(t, http.StatusNotFound, "a ticket that does not exist")
		missing.has(t, "not found", "页面不存在，或您无权查看")
		same := func(p *page, what string) {
			t.Helper()
			if p.status != missing.status || p.body != missing.body {
				t.Errorf("%s: %d, not the not-found page:\n%s", what, p.status, p.body)
			}
		}
		num := itoa(int(theirs))
		same(b.get("/portal/tickets/"+num), "B's ticket")
		same(b.get("/portal/tickets/"+num+"?before=999999"), "B's messages")
		same(b.get("/portal/tickets/"+num+"/events"), "B's events")
		same(b.get("/portal/tickets/abc"), "a ticket number that is no number")
		same(b.get("/portal/attachments/"+itoa(int(pub.Attachments[0].ID))), "B's attachment")
		same(b.get("/portal/attachments/"+itoa(int(note.Attachments[0].ID))), "an internal note's attachment on A's own ticket")
		same(b.get("/portal/attachments/999999"), "an attachment that does not exist")
		same(b.post("/portal/tickets/"+num+"/replies", "_csrf", csrf, "body", "甲冒充乙回复"), "a reply to B's ticket")
		same(b.post("/portal/tickets/99999/replies", "_csrf", csrf, "body", "回复不存在的工单"), "a reply to no ticket")
		same(b.post("/portal/tickets/"+num+"/rating", "_csrf", csrf, "score", "5"), "a rating of B's ticket")
		same(b.post("/portal/tickets/99999/rating", "_csrf", csrf, "score", "5"), "a rating of no ticket")
		// Bad input to B's ticket answers as bad input to a ticket that does not exist.
		bad := b.post("/portal/tickets/"+num+"/replies", "_csrf", csrf, "body", "")
		if none := b.post("/portal/tickets/99999/replies", "_csrf", csrf, "body", ""); bad.status != none.status || bad.body != none.body {
			t.Errorf("an empty reply: B's ticket %d, no ticket %d", bad.status, none.status)
		}
		if n := e.count(`SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.number = $1`, theirs); n != 2 {
			t.Fatalf("B's ticket has %d messages, want 2", n)
		}
		if got, _ := ratings.Get(ctx, e.customerActor(bID), theirs); got == nil || got.Score != 2 {
			t.Fatalf("B's rating: %+v", got)
		}

		list := b.get("/portal/").must(t, http.StatusOK, "A's list")
		list.has(t, "A's list", "甲的工单")
		list.lacks(t, "A's list", "乙的秘密工单", "/portal/tickets/"+num)

		own := b.get("/portal/tickets/"+itoa(int(mine))).must(t, http.StatusOK, "A's ticket")
		own.has(t, "A's ticket", "甲的问题。", "已解决")
		own.lacks(t, "A's ticket", "内部备注", "内部截图.png", "内部标签", "status_changed")
	})
}

func (e *env) customerActor(id int64) auth.Actor { return auth.Actor{Kind: auth.ActorCustomer, ID: id} }

var nextRE = regexp.MustCompile(`href="(/portal/\?cursor=[^"]+)"`)

func parseNumber(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }

// A customer opens a request with attachments (channel portal), replies with a file,
// reopens a resolved ticket by replying, downloads their files and rates the ticket.
func TestRequestReplyAndRate(t *testing.T) {
	forEachEngine(t, true, func(t *testing.T, e *env) {
		ctx := context.Background()
		agent := e.agent("wang@example.com", "王芳")
		e.customer("张伟", "zhang@example.cn")
		b := e.browser()
		b.signIn("zhang@example.cn")
		b.get("/portal/tickets/new").must(t, http.StatusOK, "new request form").has(t, "form", "提交新请求", "售后", "投诉")
		csrf := b.csrf("/portal/tickets/new")
		p := b.postMultipart("/portal/tickets", []upload{{"订单截图.png", []byte("\x89PNG fake")}},
			"_csrf", csrf, "type", "aftersale", "subject", "耳机左边没有声音", "body", "刚收到的耳机，左耳没有声音。").must(t, http.StatusSeeOther, "create")
		loc := p.header.Get("Location")
		number, err := parseNumber(strings.TrimPrefix(loc, "/portal/tickets/"))
		if err != nil {
			t.Fatalf("redirect %q", loc)
		}
		tk, err := e.tickets.Get(ctx, agent, number)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Channel != "portal" || tk.Type != "aftersale" || tk.Customer.Name != "张伟" {
			t.Fatalf("ticket: %+v", tk)
		}
		page := b.get(loc).must(t, http.StatusOK, "the new ticket")
		page.has(t, "new ticket", "耳机左边没有声音", "订单截图.png", "售后", "已提交")

		// The agent answers and resolves; the customer's reply reopens it.
		if _, err := e.tickets.AddMessage(ctx, agent, number, ticket.MessageInput{Body: "请寄回，我们换新。", Status: ticket.StatusResolved}); err != nil {
			t.Fatal(err)
		}
		page = b.get(loc).must(t, http.StatusOK, "resolved")
		page.has(t, "resolved", "请寄回，我们换新。", "王芳", "已解决", "直接回复即可重新打开", "服务评价")
		b.postMultipart(loc+"/replies", []upload{{"快递单.jpg", []byte("jpeg")}}, "_csrf", csrf, "body", "已经寄出，单号 SF123。").
			must(t, http.StatusSeeOther, "reply")
		tk, _ = e.tickets.Get(ctx, agent, number)
		if tk.Status != ticket.StatusOpen {
			t.Fatalf("status after the customer's reply: %s", tk.Status)
		}
		msgs, _ := e.tickets.Messages(ctx, agent, number, 0, 10)
		last := msgs[len(msgs)-1]
		if last.AuthorKind != "customer" || last.Channel != "portal" || len(last.Attachments) != 1 {
			t.Fatalf("last message: %+v", last)
		}
		file := b.get("/portal/attachments/"+itoa(int(last.Attachments[0].ID))).must(t, http.StatusOK, "download")
		if file.body != "jpeg" || !strings.HasPrefix(file.header.Get("Content-Disposition"), "attachment;") {
			t.Fatalf("download: %q %q", file.body, file.header.Get("Content-Disposition"))
		}

		// Not ratable while open; then resolved, rated, changed.
		b.post(loc+"/rating", "_csrf", csrf, "score", "5").must(t, http.StatusUnprocessableEntity, "rating too early").has(t, "too early", "对话结束或工单解决后才能评价")
		status := ticket.StatusResolved
		if _, err := e.tickets.Update(ctx, agent, number, ticket.Patch{Status: &status}); err != nil {
			t.Fatal(err)
		}
		b.post(loc+"/rating", "_csrf", csrf, "score", "9").must(t, http.StatusUnprocessableEntity, "score out of range").has(t, "out of range", "评分应在 1 到 5 之间")
		b.post(loc+"/rating", "_csrf", csrf, "score", "4", "comment", "换货很快").must(t, http.StatusSeeOther, "rate")
		b.get(loc).has(t, "rated", "感谢您的评价（4 分）", "换货很快", "修改评价")
		b.post(loc+"/rating", "_csrf", csrf, "score", "5", "comment", "换货很快").must(t, http.StatusSeeOther, "change rating")
		if n := e.count(`SELECT count(*) FROM events WHERE action = 'rated'`); n != 2 {
			t.Fatalf("%d rating events", n)
		}
	})
}

// Bad input comes back translated next to its field, keeps what was typed and writes nothing.
func TestBadInputWritesNothing(t *testing.T) {
	forEachEngine(t, true, func(t *testing.T, e *env) {
		zhang := e.customer("张伟", "zhang@example.cn")
		n := e.ticketFor(zhang, "发票", "请开发票。")
		b := e.browser()
		b.signIn("zhang@example.cn")
		csrf := b.csrf("/portal/")
		tickets, messages := e.count(`SELECT count(*) FROM tickets`), e.count(`SELECT count(*) FROM messages`)

		p := b.post("/portal/tickets", "_csrf", csrf, "type", "consultation", "subject", " ", "body", "只有正文").must(t, http.StatusUnprocessableEntity, "no subject")
		p.has(t, "no subject", "主题不能为空", "只有正文")
		p = b.post("/portal/tickets", "_csrf", csrf, "type", "nonsense", "subject", "主题", "body", "").must(t, http.StatusUnprocessableEntity, "bad type, no body")
		p.has(t, "bad type", "类型只能是", "不能为空", `value="主题"`)
		p = b.postMultipart("/portal/tickets", []upload{{"病毒.exe", []byte("MZ")}}, "_csrf", csrf, "subject", "附件", "body", "看附件").must(t, http.StatusUnprocessableEntity, "blocked file")
		p.has(t, "blocked file", "出于安全考虑，不能上传此类文件")
		p = b.post("/portal/tickets/"+itoa(int(n))+"/replies", "_csrf", csrf, "body", "   ").must(t, http.StatusUnprocessableEntity, "empty reply")
		p.has(t, "empty reply", "不能为空", "请开发票。")

		b.lang = "en"
		b.post("/portal/language", "_csrf", csrf, "lang", "en", "_back", "/portal/")
		p = b.post("/portal/tickets", "_csrf", csrf, "subject", "", "body", "x").must(t, http.StatusUnprocessableEntity, "English")
		p.has(t, "English", "Subject")
		p.lacks(t, "English", "主题不能为空")

		if e.count(`SELECT count(*) FROM tickets`) != tickets || e.count(`SELECT count(*) FROM messages`) != messages {
			t.Fatal("bad input wrote something")
		}
	})
}

// A long history pages by message; the list pages by cursor.
func TestPaging(t *testing.T) {
	forEachEngine(t, true, func(t *testing.T, e *env) {
		zhang := e.customer("张伟", "zhang@example.cn")
		for i := 0; i < 27; i++ {
			e.ticketFor(zhang, "工单 "+itoa(i), "内容")
		}
		b := e.browser()
		b.signIn("zhang@example.cn")
		first := b.get("/portal/").must(t, http.StatusOK, "first page")
		first.has(t, "first page", "工单 26", "更早的工单")
		first.lacks(t, "first page", "工单 0<")
		m := nextRE.FindStringSubmatch(first.body)
		if m == nil {
			t.Fatal("no next link")
		}
		second := b.get(strings.ReplaceAll(m[1], "&amp;", "&")).must(t, http.StatusOK, "second page")
		second.has(t, "second page", "工单 0<", "回到最新")
		b.get("/portal/?cursor=garbage").must(t, http.StatusNotFound, "a mangled cursor")
	})
}
