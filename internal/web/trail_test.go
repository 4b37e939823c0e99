package web

import (
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/i18n"
)

// The change trail names every field a ticket event carries in the page's language: no
// field identifier (rating, sla, chat…) shows through on a Chinese page.
func TestTrailNamesFieldsInTheUsersLanguage(t *testing.T) {
	tests := []struct {
		e      event.Event
		zh, en string
	}{
		{event.Event{Action: "rated", Field: "rating", New: event.Str("5")}, "评分", "Rating"},
		{event.Event{Action: "chat_ended", Field: "chat", New: event.Str("visitor")}, "在线会话", "Chat"},
		{event.Event{Action: "sla_policy", Field: "sla", Old: event.Str("标准"), New: event.Str("VIP")}, "服务级别", "Service level"},
		{event.Event{Action: "automation", Field: "rule", New: event.Str("自动关闭")}, "自动化规则", "Automation rule"},
		{event.Event{Action: "updated", Field: "links", New: event.Str("10002")}, "关联工单", "Linked tickets"},
	}
	for _, tt := range tests {
		for lang, want := range map[i18n.Lang]string{i18n.ZH: tt.zh, i18n.EN: tt.en} {
			got := describeEvent(lang, tt.e, nameBook{})
			if !strings.Contains(got, want) || strings.Contains(got, tt.e.Field+"：") || strings.HasPrefix(got, tt.e.Field) {
				t.Errorf("%s %s/%s: %q, want it to name the field %q", lang, tt.e.Action, tt.e.Field, got, want)
			}
		}
	}
}
