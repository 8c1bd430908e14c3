package app_test

import (
	"context"
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

func TestReminderDue(t *testing.T) {
	expires := time.Date(2028, 6, 30, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, c := range []struct {
		before time.Duration // how long before expiry "now" is (negative: after)
		want   app.ReminderStage
	}{
		{61 * day, ""},
		{60*day + time.Second, ""},
		{60 * day, app.Reminder60Days},
		{15 * day, app.Reminder60Days},
		{14 * day, app.Reminder14Days},
		{2 * day, app.Reminder14Days},
		{day, app.ReminderDayBefore},
		{time.Second, app.ReminderDayBefore},
		{0, app.ReminderExpired},
		{-29 * day, app.ReminderExpired},
		{-31 * day, ""},
	} {
		got, ok := app.ReminderDue(expires, expires.Add(-c.before))
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%s before expiry: %q, %v; want %q", c.before, got, ok, c.want)
		}
	}
}

// mailOutbox is an enabled Mail whose queue is never started: tests read
// the outbox rather than wait for delivery.
func mailOutbox(t *testing.T, s *store.Store, now func() time.Time) *app.Mail {
	t.Helper()
	db, err := s.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(context.Background(), db, s.Postgres()); err != nil {
		t.Fatal(err)
	}
	sender, err := mail.New(mail.Config{URL: mailtest.Start(t).URL(), From: "training@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	m := &app.Mail{Store: s, Sender: sender, Partnership: "Test Partnership", BaseURL: "http://localhost", Now: now}
	q, err := jobs.New(jobs.Config{DB: db, Postgres: s.Postgres(), Mail: m})
	if err != nil {
		t.Fatal(err)
	}
	m.Jobs = q
	return m
}

func outboxKinds(t *testing.T, s *store.Store) map[string][]string {
	t.Helper()
	es, err := s.Emails(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, e := range es {
		out[e.To] = append(out[e.To], e.Kind)
	}
	return out
}

// Reminders go 60 days, 14 days and the day before expiry and once after
// it, to the learner and their accepted manager, each exactly once however
// often the job runs; an unsubscribed learner gets none while the
// manager still does.
func TestRefresherReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newOvFixture(t, s)
		ctx := context.Background()
		m := mailOutbox(t, s, f.clock.Now)
		f.learning.Mail = m
		mia := f.user(t, "Mia Manager", "mia@example.org", "", app.RoleManager)
		lena := f.user(t, "Lena Learner", "lena@example.org", "mia@example.org")
		if err := f.o.AcceptStaff(ctx, mia, lena.ID); err != nil {
			t.Fatal(err)
		}
		f.pass(t, lena, first, rightFirst)
		f.pass(t, lena, second, rightSecond)
		cert, err := f.learning.SubmitEvaluation(ctx, lena, evaluation)
		if err != nil {
			t.Fatal(err)
		}
		r := &app.Reminders{Store: s, Mail: m, Course: f.course, Now: f.clock.Now}
		at := func(before time.Duration) {
			f.clock.now = cert.ExpiresAt.Add(-before)
		}
		run := func(want int) {
			t.Helper()
			for i := range 2 { // a second run at the same moment sends nothing more
				n, err := r.Run(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 && n != want || i == 1 && n != 0 {
					t.Fatalf("run %d at %s: reminded about %d certificates, want %d", i+1, f.clock.Now(), n, map[int]int{0: want, 1: 0}[i])
				}
			}
		}
		day := 24 * time.Hour
		at(61 * day)
		run(0)
		at(59 * day)
		run(1)
		at(20 * day)
		run(0)
		at(13 * day)
		run(1)
		at(12 * time.Hour)
		run(1)
		at(-time.Hour)
		run(1)
		at(-40 * day)
		run(0)
		got := outboxKinds(t, s)
		wantLearner := []string{"reminder_expired", "reminder_1d", "reminder_14d", "reminder_60d", "certificate_issued"}
		if len(got["lena@example.org"]) != len(wantLearner) {
			t.Fatalf("learner's emails %v, want %v", got["lena@example.org"], wantLearner)
		}
		for i, k := range wantLearner {
			if got["lena@example.org"][i] != k {
				t.Errorf("learner's email %d is %s, want %s", i, got["lena@example.org"][i], k)
			}
		}
		if n := len(got["mia@example.org"]); n != 4 {
			t.Errorf("manager got %d reminders, want 4: %v", n, got["mia@example.org"])
		}
	})
}

// Unsubscribing from reminders stops them for that person only.
func TestUnsubscribeFromReminders(t *testing.T) {
	s := storetest.SQLite(t)
	f := newOvFixture(t, s)
	ctx := context.Background()
	m := mailOutbox(t, s, f.clock.Now)
	mia := f.user(t, "Mia Manager", "mia@example.org", "", app.RoleManager)
	lena := f.user(t, "Lena Learner", "lena@example.org", "mia@example.org")
	if err := f.o.AcceptStaff(ctx, mia, lena.ID); err != nil {
		t.Fatal(err)
	}
	f.pass(t, lena, first, rightFirst)
	f.pass(t, lena, second, rightSecond)
	cert, err := f.learning.SubmitEvaluation(ctx, lena, evaluation)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetPreferences(ctx, s, lena, []app.Topic{app.TopicUpdates}); err != nil {
		t.Fatal(err)
	}
	f.clock.now = cert.ExpiresAt.Add(-10 * 24 * time.Hour)
	r := &app.Reminders{Store: s, Mail: m, Course: f.course, Now: f.clock.Now}
	if _, err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	got := outboxKinds(t, s)
	if len(got["lena@example.org"]) != 0 || len(got["mia@example.org"]) != 1 {
		t.Errorf("emails %v: want none to the unsubscribed learner and one to the manager", got)
	}
}

// A manager who chose the digest gets one a week listing accepted staff
// waiting for confirmation; nobody else gets one, and a second run in the
// same week sends nothing.
func TestManagerDigest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newOvFixture(t, s)
		ctx := context.Background()
		m := mailOutbox(t, s, f.clock.Now)
		mia := f.user(t, "Mia Manager", "mia@example.org", "", app.RoleManager)
		f.user(t, "Max Manager", "max@example.org", "", app.RoleManager) // did not choose the digest
		lena := f.user(t, "Lena Learner", "lena@example.org", "mia@example.org")
		if err := f.o.AcceptStaff(ctx, mia, lena.ID); err != nil {
			t.Fatal(err)
		}
		if err := m.SetPreferences(ctx, s, mia, []app.Topic{app.TopicUpdates, app.TopicReminders, app.TopicDigest}); err != nil {
			t.Fatal(err)
		}
		d := &app.Digest{Store: s, Mail: m, Course: f.course, Now: f.clock.Now}
		run := func(want int) {
			t.Helper()
			if n, err := d.Run(ctx); err != nil || n != want {
				t.Fatalf("digest run at %s: %d, %v; want %d", f.clock.Now().Format("Mon 2006-01-02"), n, err, want)
			}
		}
		run(0) // nothing to do: no email
		f.pass(t, lena, first, rightFirst)
		f.pass(t, lena, second, rightSecond)
		if _, err := f.learning.SubmitEvaluation(ctx, lena, evaluation); err != nil {
			t.Fatal(err)
		}
		run(1)
		f.clock.Advance(24 * time.Hour)
		if _, wk := f.clock.Now().ISOWeek(); wk == func() int { _, w := f.clock.Now().Add(-24 * time.Hour).ISOWeek(); return w }() {
			run(0)
		}
		f.clock.Advance(7 * 24 * time.Hour)
		run(1)
		if got := outboxKinds(t, s); len(got["mia@example.org"]) != 2 || len(got["max@example.org"]) != 0 {
			t.Errorf("digests %v: want two to Mia (two weeks) and none to Max", got)
		}
	})
}

// A certificate whose notice a crash lost (completed, but never told) is
// told by the next reminders run, once.
func TestUntoldCertificateIsToldOnce(t *testing.T) {
	s := storetest.SQLite(t)
	f := newOvFixture(t, s)
	ctx := context.Background()
	m := mailOutbox(t, s, f.clock.Now)
	lena := f.user(t, "Lena Learner", "lena@example.org", "")
	f.pass(t, lena, first, rightFirst)
	f.pass(t, lena, second, rightSecond)
	if _, err := f.learning.SubmitEvaluation(ctx, lena, evaluation); err != nil { // learning.Mail is nil: as if the notice were lost
		t.Fatal(err)
	}
	r := &app.Reminders{Store: s, Mail: m, Course: f.course, Now: f.clock.Now}
	for range 2 {
		if _, err := r.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := outboxKinds(t, s)["lena@example.org"]; len(got) != 1 || got[0] != "certificate_issued" {
		t.Errorf("emails to the learner %v, want one certificate_issued", got)
	}
}

func TestCertificateAllowed(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := app.CertificateAllowed(&app.User{EmailVerifiedAt: &at}); err != nil {
		t.Errorf("a verified address: %v, want allowed", err)
	}
	if err := app.CertificateAllowed(&app.User{}); app.ErrorCode(err) != app.EFORBIDDEN || !strings.Contains(app.ErrorMessage(err), "Confirm your email address") {
		t.Errorf("an unverified address: %v, want EFORBIDDEN saying what to do", err)
	}
}
