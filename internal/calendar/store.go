package calendar

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
)

// The calendars shipped by migration 0005.
const (
	OfficeID     int64 = 1 // 中国大陆办公时间: weekdays 09:00–12:00, 13:30–18:00, statutory holidays and 调休
	AlwaysOpenID int64 = 2 // 7×24
)

// Kinds of dated exception.
const (
	DayHoliday = "holiday" // closed all day
	DayWorkday = "workday" // a make-up working day (调休上班)
)

// Day is a dated exception of a stored calendar.
type Day struct {
	Date Date   `json:"date"`
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// Record is a calendar as stored and edited by admins.
type Record struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
	// Week lists each day's opening hours, Sunday first ("09:00-12:00").
	Week         [7][]Range `json:"week"`
	WorkdayHours []Range    `json:"workday_hours"`
	Days         []Day      `json:"days"`
	Version      int64      `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// Input is a new or replaced calendar. Days, when nil on an update, are kept.
type Input struct {
	Name         string     `json:"name"`
	TimeZone     string     `json:"time_zone"`
	Week         [7][]Range `json:"week"`
	WorkdayHours []Range    `json:"workday_hours"`
	Days         []Day      `json:"days"`
	Version      *int64     `json:"version"`
}

// Calendar builds the business-time calculator of the record.
func (r *Record) Calendar() (*Calendar, error) {
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("calendar %q: time zone %q: %w", r.Name, r.TimeZone, err)
	}
	c := &Calendar{Name: r.Name, Location: loc, Week: r.Week, WorkdayHours: r.WorkdayHours,
		Holidays: map[Date]string{}, Workdays: map[Date]string{}}
	for _, d := range r.Days {
		if d.Kind == DayWorkday {
			c.Workdays[d.Date] = d.Name
		} else {
			c.Holidays[d.Date] = d.Name
		}
	}
	return c, nil
}

// Store keeps calendars in the database.
type Store struct {
	db  *storage.DB
	now func() time.Time
}

// NewStore makes the calendar store.
func NewStore(db *storage.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}
}

func mayRead(a auth.Actor) error {
	if a.IsAdmin() || (a.Kind == auth.ActorUser && a.Role == auth.RoleSupervisor) {
		return nil
	}
	return apperr.Forbidden("")
}

func mayWrite(a auth.Actor) error {
	if a.IsAdmin() {
		return nil
	}
	return apperr.Forbidden("")
}

// List returns every calendar, by id.
func (s *Store) List(ctx context.Context, a auth.Actor) ([]Record, error) {
	if err := mayRead(a); err != nil {
		return nil, err
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id FROM calendars ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list calendars: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]Record, 0, len(ids))
	for _, id := range ids {
		r, err := Load(ctx, s.db.Read(), id)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}

// Get returns one calendar.
func (s *Store) Get(ctx context.Context, a auth.Actor, id int64) (*Record, error) {
	if err := mayRead(a); err != nil {
		return nil, err
	}
	return Load(ctx, s.db.Read(), id)
}

// Load reads a calendar with its days; it checks no permission (for the SLA clock).
func Load(ctx context.Context, q storage.Querier, id int64) (*Record, error) {
	r := &Record{ID: id, Days: []Day{}}
	var week, workday string
	var created, updated int64
	err := q.QueryRowContext(ctx, `SELECT name, time_zone, week, workday_hours, version, created_at, updated_at FROM calendars WHERE id = $1`, id).
		Scan(&r.Name, &r.TimeZone, &week, &workday, &r.Version, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("calendar")
	}
	if err != nil {
		return nil, fmt.Errorf("load calendar %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(week), &r.Week); err != nil {
		return nil, fmt.Errorf("calendar %d week: %w", id, err)
	}
	if err := json.Unmarshal([]byte(workday), &r.WorkdayHours); err != nil {
		return nil, fmt.Errorf("calendar %d workday hours: %w", id, err)
	}
	for wd := range r.Week {
		r.Week[wd] = orEmpty(r.Week[wd])
	}
	r.WorkdayHours = orEmpty(r.WorkdayHours)
	r.CreatedAt, r.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	rows, err := q.QueryContext(ctx, `SELECT day, kind, name FROM calendar_days WHERE calendar_id = $1 ORDER BY day`, id)
	if err != nil {
		return nil, fmt.Errorf("calendar %d days: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var d Day
		var day string
		if err := rows.Scan(&day, &d.Kind, &d.Name); err != nil {
			return nil, err
		}
		if d.Date, err = ParseDate(day); err != nil {
			return nil, err
		}
		r.Days = append(r.Days, d)
	}
	return r, rows.Err()
}

// validate checks an input; the stored result is checked again as a whole (checkStored).
func validate(in *Input) error {
	in.Name = strings.TrimSpace(in.Name)
	if in.TimeZone == "" {
		in.TimeZone = "Asia/Shanghai"
	}
	f := apperr.Fields{}
	f.Check(in.Name != "", "name", "required", nil)
	f.Check(utf8.RuneCountInString(in.Name) <= 100, "name", "too_long", map[string]any{"max": 100})
	loc, err := time.LoadLocation(in.TimeZone)
	f.Check(err == nil && in.TimeZone != "Local", "time_zone", "invalid_time_zone", nil)
	seen := map[Date]bool{}
	for i, d := range in.Days {
		field := fmt.Sprintf("days[%d]", i)
		if !d.Date.Valid() {
			f.Add(field+".date", "required", nil)
			continue
		}
		if !slices.Contains([]string{DayHoliday, DayWorkday}, d.Kind) {
			f.Add(field+".kind", "one_of", map[string]any{"values": DayHoliday + ", " + DayWorkday})
		}
		f.Check(!seen[d.Date], field+".date", "duplicate_day", map[string]any{"date": d.Date.String()})
		f.Check(utf8.RuneCountInString(d.Name) <= 100, field+".name", "too_long", map[string]any{"max": 100})
		seen[d.Date] = true
	}
	if err := f.Err(); err != nil {
		return err
	}
	for wd := range in.Week {
		in.Week[wd] = orEmpty(in.Week[wd])
	}
	in.WorkdayHours = orEmpty(in.WorkdayHours)
	c := &Calendar{Name: in.Name, Location: loc, Week: in.Week, WorkdayHours: in.WorkdayHours}
	if err := c.Validate(); err != nil {
		return apperr.Invalid("week", "bad_hours", map[string]any{"reason": err.Error()})
	}
	return nil
}

// checkStored validates the calendar as stored, hours and days together (a make-up day
// needs hours, a date cannot be both kinds), so that a bad edit rolls back.
func checkStored(tx *storage.Tx, id int64) error {
	rec, err := Load(tx.Context(), tx, id)
	if err != nil {
		return err
	}
	c, err := rec.Calendar()
	if err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return apperr.Invalid("days", "bad_days", map[string]any{"reason": err.Error()})
	}
	return nil
}

// Create adds a calendar.
func (s *Store) Create(ctx context.Context, a auth.Actor, in Input) (*Record, error) {
	if err := mayWrite(a); err != nil {
		return nil, err
	}
	if err := validate(&in); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		week, _ := json.Marshal(in.Week)
		wh, _ := json.Marshal(in.WorkdayHours)
		now := s.now().UnixMilli()
		err := tx.QueryRowContext(ctx, `INSERT INTO calendars (name, time_zone, week, workday_hours, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, in.Name, in.TimeZone, string(week), string(wh), now).Scan(&id)
		if storage.IsUniqueViolation(err) {
			return apperr.Invalid("name", "taken", nil)
		}
		if err != nil {
			return fmt.Errorf("insert calendar: %w", err)
		}
		if err := replaceDays(tx, id, in.Days); err != nil {
			return err
		}
		return checkStored(tx, id)
	})
	if err != nil {
		return nil, err
	}
	return Load(ctx, s.db.Read(), id)
}

// Update replaces a calendar's name, zone and hours, and its days when in.Days is not nil.
func (s *Store) Update(ctx context.Context, a auth.Actor, id int64, in Input) (*Record, error) {
	if err := mayWrite(a); err != nil {
		return nil, err
	}
	if err := validate(&in); err != nil {
		return nil, err
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		cur, err := Load(ctx, tx, id)
		if err != nil {
			return err
		}
		if in.Version != nil && *in.Version != cur.Version {
			return apperr.Conflict("stale_version", map[string]any{"current": cur.Version})
		}
		week, _ := json.Marshal(in.Week)
		wh, _ := json.Marshal(in.WorkdayHours)
		_, err = tx.ExecContext(ctx, `UPDATE calendars SET name = $1, time_zone = $2, week = $3, workday_hours = $4,
			updated_at = $5, version = version + 1 WHERE id = $6`, in.Name, in.TimeZone, string(week), string(wh), s.now().UnixMilli(), id)
		if storage.IsUniqueViolation(err) {
			return apperr.Invalid("name", "taken", nil)
		}
		if err != nil {
			return fmt.Errorf("update calendar %d: %w", id, err)
		}
		if in.Days != nil {
			if err := replaceDays(tx, id, in.Days); err != nil {
				return err
			}
		}
		return checkStored(tx, id)
	})
	if err != nil {
		return nil, err
	}
	return Load(ctx, s.db.Read(), id)
}

// Delete removes a calendar no service-level policy uses.
func (s *Store) Delete(ctx context.Context, a auth.Actor, id int64) error {
	if err := mayWrite(a); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		var used int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sla_policies WHERE calendar_id = $1`, id).Scan(&used); err != nil {
			return err
		}
		if used > 0 {
			return apperr.Conflict("calendar_in_use", map[string]any{"policies": used})
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM calendars WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete calendar %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("calendar")
		}
		return nil
	})
}

// ImportICS adds the all-day events of an iCalendar feed to a calendar as holidays (or, with
// kind DayWorkday, as make-up working days), replacing what those dates held. It returns the
// calendar and how many dates it set.
func (s *Store) ImportICS(ctx context.Context, a auth.Actor, id int64, kind string, r io.Reader) (*Record, int, error) {
	if err := mayWrite(a); err != nil {
		return nil, 0, err
	}
	if kind == "" {
		kind = DayHoliday
	}
	if kind != DayHoliday && kind != DayWorkday {
		return nil, 0, apperr.Invalid("kind", "one_of", map[string]any{"values": DayHoliday + ", " + DayWorkday})
	}
	days, err := ParseICalendar(r)
	if err != nil {
		return nil, 0, apperr.Invalid("file", "bad_icalendar", map[string]any{"reason": err.Error()})
	}
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		cur, err := Load(ctx, tx, id)
		if err != nil {
			return err
		}
		merged := map[Date]Day{}
		for _, d := range cur.Days {
			merged[d.Date] = d
		}
		for d, name := range days {
			merged[d] = Day{Date: d, Kind: kind, Name: name}
		}
		all := make([]Day, 0, len(merged))
		for _, d := range merged {
			all = append(all, d)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE calendars SET updated_at = $1, version = version + 1 WHERE id = $2`, s.now().UnixMilli(), id); err != nil {
			return err
		}
		if err := replaceDays(tx, id, all); err != nil {
			return err
		}
		return checkStored(tx, id)
	})
	if err != nil {
		return nil, 0, err
	}
	rec, err := Load(ctx, s.db.Read(), id)
	return rec, len(days), err
}

func replaceDays(tx *storage.Tx, id int64, days []Day) error {
	ctx := tx.Context()
	if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_days WHERE calendar_id = $1`, id); err != nil {
		return fmt.Errorf("clear calendar %d days: %w", id, err)
	}
	for _, d := range days {
		if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_days (calendar_id, day, kind, name) VALUES ($1, $2, $3, $4)`,
			id, d.Date.String(), d.Kind, d.Name); err != nil {
			return fmt.Errorf("store calendar %d day %s: %w", id, d.Date, err)
		}
	}
	return nil
}

func orEmpty(rs []Range) []Range {
	if rs == nil {
		return []Range{}
	}
	return rs
}
