package web_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/foundations/foundations/app/web"
	"github.com/gofiber/fiber/v2"
)

// TestMetrics: /metrics answers in Prometheus's text format only to a
// request bearing METRICS_TOKEN, counts requests by route pattern and the
// outcomes operators watch, and carries no personal data in its labels.
func TestMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		const token = "a-metrics-token-long-enough-1234"
		srv := newTestServer(t, st, func(c *web.Config) { c.Metrics, c.MetricsToken = web.NewMetrics(), token })
		anon := srv.newClient(t)
		anon.get("/metrics").wantStatus(t, fiber.StatusUnauthorized)
		anon.get("/metrics", "Authorization", "Bearer not-the-token").wantStatus(t, fiber.StatusUnauthorized)

		learner := srv.signUp(t, "Zoë Private", "zoe.private@example.org")
		learner.get("/course").wantStatus(t, fiber.StatusOK)
		learner.get("/modules/"+module1).wantStatus(t, fiber.StatusOK)
		learner.fetch("/modules/"+module1+"/save", url.Values{"question": {"m1-colour"}, "answer": {"b"}}).wantStatus(t, fiber.StatusOK)
		learner.fetch("/modules/"+module1+"/save", url.Values{"question": {"no-such-question"}, "answer": {"b"}})
		learner.passAllModules()
		learner.post("/evaluation", evaluationForm()).wantRedirect(t, "/certificate?issued=1")
		other := srv.newClient(t)
		other.get("/sign-in").wantStatus(t, fiber.StatusOK)
		other.post("/sign-in", url.Values{"email": {"zoe.private@example.org"}, "password": {"wrong password entirely"}}).wantStatus(t, fiber.StatusUnprocessableEntity)
		other.get("/no/such/page/zoe.private@example.org").wantStatus(t, fiber.StatusNotFound)

		req := httptest.NewRequest("GET", "/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res := anon.do(req)
		res.wantStatus(t, fiber.StatusOK)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type %q, want Prometheus's text format", ct)
		}
		body := string(res.body)
		for _, want := range []string{
			`foundations_http_requests_total{method="GET",route="/course",status="200"} 1`,
			`foundations_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
			`foundations_answer_saves_total{outcome="ok"} 1`,
			`foundations_answer_saves_total{outcome="refused"} 1`,
			`foundations_sign_ins_total{outcome="failed"} 1`,
			`foundations_module_submits_total{outcome="ok"} 2`,
			`foundations_certificates_issued_total 1`,
			`foundations_http_request_duration_seconds_bucket{method="GET",route="/modules/:module",le="10"} `,
			"go_goroutines ", "process_resident_memory_bytes ",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		for _, personal := range []string{"zoe", "Zoë", "example.org", module1} {
			if strings.Contains(strings.ToLower(body), strings.ToLower(personal)) {
				t.Errorf("/metrics contains %q", personal)
			}
		}
	})
}

// TestMailMetrics: the outbox's depth and failures are on /metrics, as
// counts by status only.
func TestMailMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		const token = "a-metrics-token-long-enough-1234"
		srv := newTestServer(t, st, func(c *web.Config) { c.Metrics, c.MetricsToken = web.NewMetrics(web.NewMailCollector(st)), token })
		ctx := context.Background()
		now := time.Now().UTC()
		for i, to := range []string{"queued.person@example.org", "failed.person@example.org"} {
			e := &app.Email{Message: app.Message{To: to, Kind: "password_reset", Subject: "Reset your password", Text: "body"},
				Status: app.EmailQueued, CreatedAt: now, UpdatedAt: now}
			if err := st.AddEmail(ctx, e); err != nil {
				t.Fatal(err)
			}
			if i == 1 {
				if err := st.MarkEmailFailure(ctx, e.ID, app.EmailFailed, 8, "550 no such mailbox", now); err != nil {
					t.Fatal(err)
				}
			}
		}
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res := srv.newClient(t).do(req)
		res.wantStatus(t, fiber.StatusOK)
		body := string(res.body)
		for _, want := range []string{`foundations_mail_emails{status="queued"} 1`, `foundations_mail_emails{status="failed"} 1`,
			`foundations_mail_emails{status="retrying"} 0`, `foundations_mail_emails{status="sent"} 0`} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		for _, secret := range []string{"queued.person", "failed.person", "Reset your password", "no such mailbox"} {
			if strings.Contains(body, secret) {
				t.Errorf("/metrics shows %q", secret)
			}
		}
	})
}
