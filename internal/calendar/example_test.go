package calendar_test

import (
	"fmt"
	"time"

	"github.com/kefuhq/kefu/internal/calendar"
)

func ExampleOffice() {
	office := calendar.Office(nil) // Monday–Friday 09:00–12:00, 13:30–18:00, China Standard Time
	cst := office.Location

	// A ticket opened at 17:00 on the last working day before 国庆 2026 with a two-working-hour
	// target: one hour that evening, then October 1–7 are holidays.
	opened := time.Date(2026, 9, 30, 17, 0, 0, 0, cst)
	due := office.Add(opened, 2*time.Hour)
	fmt.Println(due.Format("2006-01-02 Mon 15:04"))

	// 2026-01-04 is a Sunday, but a make-up working day (调休上班).
	fmt.Println(office.IsOpen(time.Date(2026, 1, 4, 10, 0, 0, 0, cst)))

	// Time still left on the target at a given "now" (injected, never time.Now inside).
	now := time.Date(2026, 10, 8, 9, 20, 0, 0, cst)
	fmt.Println(office.Between(now, due))
	// Output:
	// 2026-10-08 Thu 10:00
	// true
	// 40m0s
}
