package i18n

import (
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/apperr"
)

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pref string
		want Lang
	}{
		{"en-US,en;q=0.9", EN},
		{"en", EN},
		{"en-GB", EN},
		{"zh-CN,zh;q=0.9,en;q=0.8", ZH},
		{"zh-CN", ZH},
		{"zh", ZH},
		{"zh-TW", ZH},
		{"zh-Hant-HK", ZH},
		{"fr-FR,de;q=0.8,en;q=0.5", EN},
		{"", ZH},
		{"fr", ZH},
		{"de-DE", ZH},
		{"*", ZH},
		{"!!garbage;;q=x", ZH},
		{"en;q=abc", ZH},
		{"\x00\xff", ZH},
	} {
		if got := Match(c.pref); got != c.want {
			t.Errorf("Match(%q) = %q, want %q", c.pref, got, c.want)
		}
	}
}

func TestError(t *testing.T) {
	for _, c := range []struct {
		name      string
		lang      Lang
		err       error
		msg       string
		field     string
		fieldCode string
		fieldMsg  string
	}{
		{"invalid email zh", ZH, apperr.Invalid("customer.email", "invalid_email", nil),
			"请求有误，请检查标出的字段。", "customer.email", "invalid_email", "邮箱格式不正确"},
		{"invalid email en", EN, apperr.Invalid("customer.email", "invalid_email", nil),
			"Some fields need attention.", "customer.email", "invalid_email", "Email is not a valid email address"},
		{"nested field zh", ZH, apperr.Invalid("message.attachments[2].filename", "too_long", map[string]any{"max": 255}),
			"请求有误，请检查标出的字段。", "message.attachments[2].filename", "too_long", "文件名最多 255 个字"},
		{"nested field en", EN, apperr.Invalid("message.attachments[2].filename", "too_long", map[string]any{"max": 255}),
			"Some fields need attention.", "message.attachments[2].filename", "too_long", "File name must be at most 255 characters"},
		{"unknown field name shown raw", EN, apperr.Invalid("colour", "unknown_field", nil),
			"Some fields need attention.", "colour", "unknown_field", "colour is not accepted here"},
		{"list item named by its list zh", ZH, apperr.Invalid("emails[2]", "invalid_email", nil),
			"请求有误，请检查标出的字段。", "emails[2]", "invalid_email", "邮箱格式不正确"},
		{"values zh", ZH, apperr.Invalid("priority", "one_of", map[string]any{"values": "low, normal"}),
			"请求有误，请检查标出的字段。", "priority", "one_of", "优先级只能是：low, normal"},
		{"not found zh", ZH, apperr.NotFound("ticket"), "工单不存在或您无权查看。", "", "", ""},
		{"not found en", EN, apperr.NotFound("customer"), "Customer not found.", "", "", ""},
		{"rule with number en", EN, apperr.Rule("ticket_merged", map[string]any{"number": 42}),
			"This ticket was merged into #42; please continue there.", "", "", ""},
		{"forbidden default zh", ZH, apperr.Forbidden(""), "您没有权限执行此操作。", "", "", ""},
		{"stale zh", ZH, apperr.ErrStale, "内容已被他人修改，请刷新后重试。", "", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, ok := apperr.As(c.err)
			if !ok {
				t.Fatalf("%v is not an *apperr.Error", c.err)
			}
			msg, fields := Error(c.lang, e)
			if msg != c.msg {
				t.Errorf("message = %q, want %q", msg, c.msg)
			}
			if c.field == "" {
				if len(fields) != 0 {
					t.Errorf("fields = %v, want none", fields)
				}
				return
			}
			fm, ok := fields[c.field]
			if !ok || len(fields) != 1 {
				t.Fatalf("fields = %v, want only %q", fields, c.field)
			}
			if fm.Code != c.fieldCode || fm.Message != c.fieldMsg {
				t.Errorf("field %q = %+v, want {%s %s}", c.field, fm, c.fieldCode, c.fieldMsg)
			}
			if strings.ContainsAny(fm.Message, "{}") {
				t.Errorf("field message %q has an unfilled placeholder", fm.Message)
			}
		})
	}
}
