package web

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/web/phrase"
)

func TestTicketPage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		ctx := context.Background()
		if _, err := n.UI.Phrases.Create(ctx, auth.System(), phrase.Input{Category: "greeting", Title: "问候", Body: "{customer}您好，我是客服{agent}，工单{ticket}已收到。"}); err != nil {
			t.Fatal(err)
		}
		b := n.signIn(n.AgentA)
		path := "/tickets/" + itoa(n.Ticket.Number)
		p := b.get(path)
		p.must(t, http.StatusOK, "耳机左声道没有声音", "请帮忙处理", "售后一组", "张三", "普通客户", `data-phrases`,
			`data-body="{customer}您好，我是客服{agent}，工单{ticket}已收到。"`, `data-customer="张三"`, `data-agent="王小明"`, "zhang@example.com")

		// A reply and an internal note; the note looks different.
		b.post(path+"/messages", url.Values{"kind": {"reply"}, "body": {"张三您好，我们马上处理。"}}).must(t, http.StatusSeeOther)
		b.post(path+"/messages", url.Values{"kind": {"note"}, "body": {"内部：需要换货"}}).must(t, http.StatusSeeOther)
		p = b.get(path + "?done=sent")
		p.must(t, http.StatusOK, "已发送", "张三您好，我们马上处理。", `class="msg note by-agent"`, "内部备注", "首问负责人：王小明")
		// The first agent to act became the owner.
		if !strings.Contains(p.Body, `id="ticket-owner">王小明`) {
			t.Fatal("owner not shown")
		}

		// The same form sent twice (a double click, a resend) stores one message.
		before := n.count("messages")
		twice := url.Values{"kind": {"reply"}, "body": {"请问还有其他问题吗？"}, "idem": {"k1"}}
		b.post(path+"/messages", twice).must(t, http.StatusSeeOther)
		b.post(path+"/messages", twice).must(t, http.StatusSeeOther)
		if n.count("messages") != before+1 {
			t.Fatalf("double submit stored %d messages", n.count("messages")-before)
		}

		// An empty reply is refused next to the composer; nothing is written.
		before = n.count("messages")
		b.post(path+"/messages", url.Values{"kind": {"reply"}, "body": {"  "}}).must(t, http.StatusUnprocessableEntity, `id="composer-error"`)
		if n.count("messages") != before {
			t.Fatal("an invalid reply wrote a message")
		}

		// Transfer to team B with a reason: the owner stays.
		cur, _ := n.Tickets.Get(ctx, auth.System(), n.Ticket.Number)
		b.post(path+"/transfer", url.Values{"team_id": {itoa(n.TeamB)}, "reason": {""}, "version": {itoa(cur.Version)}}).
			must(t, http.StatusUnprocessableEntity, "原因")
		b.post(path+"/transfer", url.Values{"team_id": {itoa(n.TeamB)}, "reason": {"需要二组处理换货"}, "version": {itoa(cur.Version)}}).must(t, http.StatusSeeOther)
		p = b.get(path)
		p.must(t, http.StatusOK, "转给 售后二组 · 原因：需要二组处理换货", `id="ticket-team">售后二组`, `id="ticket-owner">王小明`)

		// The owner still sees it after the transfer; agent B of the new team too.
		nb := n.signIn(n.AgentB)
		nb.get(path).must(t, http.StatusOK, "耳机左声道没有声音")

		// Close through the fields form.
		cur, _ = n.Tickets.Get(ctx, auth.System(), n.Ticket.Number)
		f := url.Values{"status": {"closed"}, "priority": {"high"}, "type": {"aftersale"}, "subtype": {"exchange"}, "assignee_id": {""},
			"department_id": {""}, "tags": {"换货, 加急"}, "version": {itoa(cur.Version)}}
		b.post(path+"/fields", f).must(t, http.StatusSeeOther)
		p = b.get(path)
		p.must(t, http.StatusOK, `id="ticket-status">已关闭`, "换货", "加急")
		got, _ := n.Tickets.Get(ctx, auth.System(), n.Ticket.Number)
		if got.Status != ticket.StatusClosed || got.Priority != "high" || got.Owner.ID != n.AgentA.ID {
			t.Fatalf("after save: %s %s owner %v", got.Status, got.Priority, got.Owner)
		}

		// The same form again carries an old version: refused with a reload offer.
		f.Set("priority", "low")
		b.post(path+"/fields", f).must(t, http.StatusConflict, `id="stale"`, "已被他人修改")
		got, _ = n.Tickets.Get(ctx, auth.System(), n.Ticket.Number)
		if got.Priority != "high" {
			t.Fatal("a stale form overwrote the ticket")
		}
	})
}

func TestTicketPermissions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		bTicket := n.newTicket("二组的工单", "赵六", "zhao@example.com", n.TeamB)
		a := n.signIn(n.AgentA)
		path := "/tickets/" + itoa(bTicket.Number)
		// Another team's ticket does not exist for this agent, for reading or writing.
		a.get(path).must(t, http.StatusNotFound, "找不到")
		before := n.count("messages")
		a.post(path+"/messages", url.Values{"kind": {"reply"}, "body": {"hi"}}).must(t, http.StatusNotFound)
		a.post(path+"/fields", url.Values{"status": {"closed"}}).must(t, http.StatusNotFound)
		if n.count("messages") != before {
			t.Fatal("wrote to an invisible ticket")
		}
		a.get("/tickets/abc").must(t, http.StatusNotFound)
		a.get("/no/such/page").must(t, http.StatusNotFound)
		// Agents do not administer.
		for _, p := range []string{"/admin/users", "/admin/teams", "/admin/tags", "/admin/fields", "/admin/phrases"} {
			a.get(p).must(t, http.StatusForbidden)
		}
		a.post("/admin/phrases", url.Values{"category": {"greeting"}, "title": {"x"}, "body": {"y"}}).must(t, http.StatusForbidden)
	})
}

func TestTicketMergeSplitLinkAttachment(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		other := n.newTicket("同一客户的第二个问题", "张三", "zhang@example.com", n.TeamA)
		b := n.signIn(n.AgentA)
		path := "/tickets/" + itoa(n.Ticket.Number)

		// Attachments through a multipart form.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("_csrf", b.csrf)
		mw.WriteField("kind", "reply")
		mw.WriteField("body", "请查看附件")
		fw, _ := mw.CreateFormFile("attachments", "说明.txt")
		fw.Write([]byte("保修说明"))
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, n.URL+path+"/messages", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		b.do(req).must(t, http.StatusSeeOther)
		p := b.get(path)
		p.must(t, http.StatusOK, "说明.txt")
		i := strings.Index(p.Body, `href="/attachments/`)
		link := p.Body[i+6 : i+6+strings.Index(p.Body[i+6:], `"`)]
		res, err := b.c.Get(n.URL + link)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(data) != "保修说明" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("download: %q %q", data, res.Header.Get("Content-Disposition"))
		}
		// Another team's agent cannot download it.
		nb := n.signIn(n.AgentB)
		nb.get(link).must(t, http.StatusNotFound)

		// Link, then merge the other ticket into this one.
		b.post(path+"/links", url.Values{"other": {"#" + itoa(other.Number)}}).must(t, http.StatusSeeOther)
		b.get(path).must(t, http.StatusOK, "相关", "#"+itoa(other.Number))
		b.post(path+"/links", url.Values{"other": {itoa(n.Ticket.Number)}}).must(t, http.StatusUnprocessableEntity)
		b.post("/tickets/"+itoa(other.Number)+"/merge", url.Values{"into": {itoa(n.Ticket.Number)}}).must(t, http.StatusSeeOther)
		if p := b.get("/tickets/" + itoa(other.Number)); p.Status != http.StatusFound || p.Location != path {
			t.Fatalf("merged ticket: %d %q", p.Status, p.Location)
		}
		b.post(path+"/merge", url.Values{"into": {itoa(n.Ticket.Number)}}).must(t, http.StatusUnprocessableEntity, "合并")

		// Split the attachment message out into a new ticket.
		msgs, _ := n.Tickets.Messages(context.Background(), auth.System(), n.Ticket.Number, 0, 50)
		last := msgs[len(msgs)-1]
		p = b.post(path+"/split", url.Values{"message_id": {itoa(last.ID)}, "subject": {"附件问题"}})
		p.must(t, http.StatusSeeOther)
		b.get(strings.TrimSuffix(p.Location, "?done=saved")).must(t, http.StatusOK, "附件问题", "请查看附件")
	})
}
