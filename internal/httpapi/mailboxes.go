package httpapi

import (
	"net/http"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/mail"
)

// The email channel's admin API: mailboxes, the received-mail queue (failed mail and its
// reprocessing) and the outbox with delivery states.

func (a *API) listMailboxes(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	ms, err := a.Mail.Mailboxes(r.Context(), actor)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ms})
	return nil
}

func (a *API) createMailbox(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	var in mail.MailboxInput
	if err := decode(w, r, &in, 64<<10); err != nil {
		return err
	}
	m, err := a.Mail.CreateMailbox(r.Context(), actor, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}

func (a *API) getMailbox(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("mailbox")
	}
	m, err := a.Mail.Mailbox(r.Context(), actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (a *API) updateMailbox(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("mailbox")
	}
	var in mail.MailboxInput
	if err := decode(w, r, &in, 64<<10); err != nil {
		return err
	}
	m, err := a.Mail.UpdateMailbox(r.Context(), actor, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (a *API) listInboundMail(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	ms, err := a.Mail.Inbound(r.Context(), actor, r.URL.Query().Get("state"), int(limit))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ms})
	return nil
}

func (a *API) reprocessMail(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("mail")
	}
	if err := a.Mail.Reprocess(r.Context(), actor, id); err != nil {
		return err
	}
	m, err := a.Mail.InboundMail(r.Context(), actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, m)
	return nil
}

func (a *API) listOutbox(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	number, err := queryInt(r, "ticket")
	if err != nil {
		return err
	}
	items, err := a.Mail.Outbox(r.Context(), actor, number, r.URL.Query().Get("state"), int(limit))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (a *API) retryOutbox(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("outgoing_mail")
	}
	o, err := a.Mail.Retry(r.Context(), actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, o)
	return nil
}
