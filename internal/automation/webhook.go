package automation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/kefuhq/kefu/internal/job"
)

// WebhookKind is the job that calls a rule's webhook.
const WebhookKind = "automation.webhook"

// webhookPayload is both the job's payload and, less the URL, the body posted.
type webhookPayload struct {
	URL      string `json:"url,omitempty"`
	RuleID   int64  `json:"rule_id"`
	Rule     string `json:"rule"`
	TicketID int64  `json:"ticket_id"`
	Number   int64  `json:"number"`
	Event    string `json:"event"`
}

// webhookClient bounds a call well inside the job runner's lease.
var webhookClient = &http.Client{Timeout: 15 * time.Second}

// registerWebhook makes the runner call webhooks: a 2xx answer is done; anything else is
// retried with the runner's backoff. A receiver may see a call twice (at least once), so
// the body carries the job's id for it to de-duplicate.
func registerWebhook(r *job.Runner) {
	r.HandleOutside(WebhookKind, func(ctx context.Context, j *job.Job) error {
		var p webhookPayload
		if err := j.Decode(&p); err != nil {
			return err
		}
		target := p.URL
		p.URL = ""
		body, _ := json.Marshal(struct {
			webhookPayload
			Delivery int64 `json:"delivery"`
		}{p, j.ID})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "kefu-automation")
		resp, err := webhookClient.Do(req)
		if err != nil {
			return fmt.Errorf("webhook %s: %w", target, err)
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return fmt.Errorf("webhook %s answered %s", target, resp.Status)
		}
		return nil
	})
}
