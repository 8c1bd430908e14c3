package jobs_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/jobs"
	"github.com/foundations/foundations/app/mail"
	"github.com/foundations/foundations/app/mail/mailtest"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// outbox is a store, a mail service and a running queue on one database.
type outbox struct {
	store *store.Store
	mail  *app.Mail
	queue *jobs.Queue
	smtp  *mailtest.Server
}

func startOutbox(t *testing.T, st *store.Store, smtpURL string) *outbox {
	t.Helper()
	ctx := context.Background()
	db, err := st.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(ctx, db, st.Postgres()); err != nil {
		t.Fatal(err)
	}
	sender, err := mail.New(mail.Config{URL: smtpURL, From: "Training <training@example.org>", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	m := &app.Mail{Store: st, Sender: sender, Partnership: "Example Partnership", BaseURL: "http://127.0.0.1", Now: store.Now}
	q, err := jobs.New(jobs.Config{DB: db, Postgres: st.Postgres(), Mail: m, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	m.Jobs = q
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
	return &outbox{store: st, mail: m, queue: q}
}

func message(to string) app.Message {
	return app.Message{To: to, Kind: "test", Subject: "Your training", Text: "Hello in text", HTML: "<p>Hello in HTML</p>"}
}

func waitStatus(t *testing.T, st *store.Store, want app.EmailStatus) app.Email {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		es, err := st.Emails(context.Background(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) > 0 && es[0].Status == want {
			return es[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("email status = %+v, want %s", es, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// An email queued in a transaction that commits is delivered once, with
// both parts, and its body is then removed; one whose transaction rolls
// back is never sent.
func TestOutboxDeliversCommittedEmailOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		smtp := mailtest.Start(t)
		o := startOutbox(t, st, smtp.URL())
		ctx := context.Background()
		boom := errors.New("the cause failed")
		err := st.InTx(ctx, func(tx app.Store) error {
			if err := o.mail.Queue(ctx, tx, message("rolled-back@example.org")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("rolled-back transaction: %v", err)
		}
		if err := st.InTx(ctx, func(tx app.Store) error { return o.mail.Queue(ctx, tx, message("sam@example.org")) }); err != nil {
			t.Fatal(err)
		}
		got := smtp.Wait(t, "sam@example.org", "Your training", 15*time.Second)
		if !strings.Contains(got.Text, "Hello in text") || !strings.Contains(got.HTML, "<p>Hello in HTML</p>") {
			t.Errorf("parts: text %q, html %q", got.Text, got.HTML)
		}
		if got.Header.Get("From") != `"Training" <training@example.org>` && got.Header.Get("From") != "Training <training@example.org>" {
			t.Errorf("From = %q", got.Header.Get("From"))
		}
		if got.Header.Get("X-Mailer") != "" || got.Header.Get("User-Agent") != "" {
			t.Errorf("mailer headers leak the software: %q %q", got.Header.Get("X-Mailer"), got.Header.Get("User-Agent"))
		}
		e := waitStatus(t, st, app.EmailSent)
		full, err := st.Email(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if full.Text != "" || full.HTML != "" || full.SentAt == nil || full.Attempts != 1 {
			t.Errorf("sent email kept %+v, want no body, a sent time and 1 attempt", full)
		}
		time.Sleep(300 * time.Millisecond)
		if n := len(smtp.Messages()); n != 1 {
			t.Errorf("server received %d messages, want exactly 1 (none from the rolled-back transaction)", n)
		}
		// Delivering the same email again (a retry after a crash) sends nothing.
		if err := o.mail.Deliver(ctx, e.ID, 2, false); err != nil {
			t.Fatal(err)
		}
		if n := len(smtp.Messages()); n != 1 {
			t.Errorf("redelivery sent again: %d messages", n)
		}
	})
}

// A permanent refusal (550) marks the email failed with the server's reply
// and is not retried; a temporary one (451) is retried with back-off.
func TestOutboxRecordsRefusals(t *testing.T) {
	st := storetest.SQLite(t)
	smtp := mailtest.Start(t)
	o := startOutbox(t, st, smtp.URL())
	ctx := context.Background()

	smtp.Refuse(func(string) error { return mailtest.Reject })
	if err := st.InTx(ctx, func(tx app.Store) error { return o.mail.Queue(ctx, tx, message("gone@example.org")) }); err != nil {
		t.Fatal(err)
	}
	e := waitStatus(t, st, app.EmailFailed)
	if !strings.Contains(e.LastReply, "550") || strings.Contains(e.LastReply, "gone@example.org") {
		t.Errorf("last reply = %q, want the 550 reply without the address", e.LastReply)
	}
	if e.Text != "" || e.HTML != "" {
		t.Errorf("the administrators' list carries bodies: %+v", e)
	}

	smtp.Refuse(func(string) error { return mailtest.TryLater })
	if err := st.InTx(ctx, func(tx app.Store) error { return o.mail.Queue(ctx, tx, message("busy@example.org")) }); err != nil {
		t.Fatal(err)
	}
	e = waitStatus(t, st, app.EmailRetrying)
	if !strings.Contains(e.LastReply, "451") || e.Attempts != 1 {
		t.Errorf("temporary refusal recorded as %+v, want retrying after 1 attempt with the 451 reply", e)
	}
	var counts map[string]int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var err error
		if counts, err = o.queue.JobCounts(ctx, "email"); err != nil {
			t.Fatal(err)
		}
		if counts["retryable"] == 1 && counts["cancelled"] == 1 {
			break
		}
	}
	if counts["retryable"] != 1 || counts["cancelled"] != 1 {
		t.Errorf("job states = %v, want one retryable (451) and one cancelled (550)", counts)
	}
}

// A mail server that is down or never answers costs the request that
// caused the email nothing: queueing touches only the database.
func TestQueueDoesNotWaitForTheMailServer(t *testing.T) {
	st := storetest.SQLite(t)
	o := startOutbox(t, st, "smtp://127.0.0.1:1?tls=off") // nothing listens on port 1
	ctx := context.Background()
	start := time.Now()
	if err := st.InTx(ctx, func(tx app.Store) error { return o.mail.Queue(ctx, tx, message("sam@example.org")) }); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("queueing took %s", d)
	}
	e := waitStatus(t, st, app.EmailRetrying)
	if e.LastReply == "" {
		t.Errorf("no reason recorded for the failed attempt: %+v", e)
	}
}
