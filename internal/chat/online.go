package chat

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/calendar"
	"github.com/kefuhq/kefu/internal/routing"
	"github.com/kefuhq/kefu/internal/sla"
	"github.com/kefuhq/kefu/internal/storage"
)

// TeamFor returns the team that takes a widget's chats: the team the widget names, else the
// default chat team setting, else none (0: the chat waits in the shared queue).
func (s *Service) TeamFor(ctx context.Context, name string) (int64, error) {
	q := s.db.Read()
	if name = strings.TrimSpace(name); name != "" && len(name) <= 200 {
		var id int64
		err := q.QueryRowContext(ctx, `SELECT id FROM teams WHERE name = $1 AND kind = 'team'`, name).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("chat team: %w", err)
		}
	}
	return s.DefaultTeam(ctx)
}

// DefaultTeam returns the default chat team (0 when not set or gone).
func (s *Service) DefaultTeam(ctx context.Context) (int64, error) {
	var v string
	err := s.db.Read().QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, SettingDefaultTeam).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("default chat team: %w", err)
	}
	id, _ := strconv.ParseInt(v, 10, 64)
	var n int
	if err := s.db.Read().QueryRowContext(ctx, `SELECT count(*) FROM teams WHERE id = $1 AND kind = 'team'`, id).Scan(&n); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	return id, nil
}

// SetDefaultTeam sets the team that takes chats when a widget names none (admins; 0 clears).
func (s *Service) SetDefaultTeam(ctx context.Context, a auth.Actor, teamID int64) error {
	if !a.IsAdmin() {
		return apperr.Forbidden("")
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		if teamID == 0 {
			_, err := tx.ExecContext(tx.Context(), `DELETE FROM settings WHERE key = $1`, SettingDefaultTeam)
			return err
		}
		var n int
		if err := tx.QueryRowContext(tx.Context(), `SELECT count(*) FROM teams WHERE id = $1 AND kind = 'team'`, teamID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return apperr.Invalid("team_id", "unknown_team", nil)
		}
		_, err := tx.ExecContext(tx.Context(), `INSERT INTO settings (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, SettingDefaultTeam, strconv.FormatInt(teamID, 10))
		return err
	})
}

// Online reports whether a chat for the team would be answered now: the team is within the
// business hours of its calendar and one of its agents is online with room for a chat. The
// team's calendar is that of the first active service-level policy that applies to the
// team's chats; a team no policy names keeps no hours. Without a team nobody is online.
func (s *Service) Online(ctx context.Context, teamID int64) (bool, error) {
	if teamID == 0 {
		return false, nil
	}
	q := s.db.Read()
	open, err := s.withinHours(ctx, q, teamID)
	if err != nil || !open {
		return false, err
	}
	return routing.ChatAvailable(ctx, q, teamID)
}

func (s *Service) withinHours(ctx context.Context, q storage.Querier, teamID int64) (bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT conditions, calendar_id FROM sla_policies WHERE active = $1 ORDER BY position, id`, true)
	if err != nil {
		return false, fmt.Errorf("chat hours: %w", err)
	}
	calID := int64(0)
	for rows.Next() {
		var conds string
		var id int64
		if err := rows.Scan(&conds, &id); err != nil {
			rows.Close()
			return false, err
		}
		var c sla.Conditions
		if json.Unmarshal([]byte(conds), &c) != nil {
			continue
		}
		// Only the channel and the team are known before the chat exists.
		if (len(c.Channels) == 0 || slices.Contains(c.Channels, "chat")) && (len(c.TeamIDs) == 0 || slices.Contains(c.TeamIDs, teamID)) {
			calID = id
			break
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	if calID == 0 {
		return true, nil
	}
	rec, err := calendar.Load(ctx, q, calID)
	if err != nil {
		return false, err
	}
	cal, err := rec.Calendar()
	if err != nil {
		return false, err
	}
	return cal.IsOpen(s.now()), nil
}
