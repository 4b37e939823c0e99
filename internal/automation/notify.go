package automation

import (
	"strconv"
	"strings"

	"github.com/kefuhq/kefu/internal/notify"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// sendNotify does a notify action: the message, with the ticket's number, subject and
// customer filled in, to the action's users, the active members of its team and the
// ticket's assignee as it is now (an earlier action may have assigned it). Nobody to tell
// (no assignee yet) is not an error.
func (s *Service) sendNotify(tx *storage.Tx, r *Rule, a Action, ticketID int64) error {
	cur, err := ticket.LoadTx(tx, ticketID)
	if err != nil {
		return err
	}
	to := append([]int64(nil), a.UserIDs...)
	if a.TeamID > 0 {
		rows, err := tx.QueryContext(tx.Context(), `SELECT user_id FROM team_members WHERE team_id = $1`, a.TeamID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			to = append(to, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	if a.ToAssignee && cur.Assignee != nil {
		to = append(to, cur.Assignee.ID)
	}
	body := strings.NewReplacer("{number}", strconv.FormatInt(cur.Number, 10), "{subject}", cur.Subject,
		"{customer}", cur.Customer.Name).Replace(a.Body)
	_, err = s.notify.SendTx(tx, to, notify.Input{Kind: notify.KindAutomation, Body: body, TicketID: cur.ID, RuleID: r.ID})
	return err
}
