package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store/storetest"
)

// On PostgreSQL a module page seen again, or an answer saved, within
// app.VisitInterval of the last visit recorded writes no new version of
// the learner's module row (its xmin stays), so a page view is a read and
// its commit waits for no WAL flush; once a visit is due, each of them
// records it, and the time spent grows by the gap.
func TestAVisitWritesTheModuleRowOnlyWhenDue(t *testing.T) {
	st := storetest.Postgres(t)
	ctx := context.Background()
	user := knowledgeCheckUser(t, st, "vic@example.org")
	k := app.ModuleKey{UserID: user, CourseID: "c", ModuleID: "m1"}
	start := time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC)
	if err := st.StartModule(ctx, k, start); err != nil {
		t.Fatal(err)
	}
	_, hash := app.NewSessionToken()
	if err := st.CreateSession(ctx, &app.Session{TokenHash: hash, UserID: user, CreatedAt: start, LastSeenAt: start,
		ExpiresAt: start.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Xmin         string
		SecondsSpent int
		LastSeenAt   time.Time
	}
	read := func() row {
		t.Helper()
		var r []row
		if err := st.DB().Raw(`SELECT xmin::text AS xmin, seconds_spent, last_seen_at FROM module_progress WHERE user_id = ? AND module_id = ?`,
			user, k.ModuleID).Scan(&r).Error; err != nil || len(r) != 1 {
			t.Fatalf("module row: %v, %v", r, err)
		}
		return r[0]
	}
	answer := func(at time.Time, opts ...string) app.Answer {
		return app.Answer{UserID: user, CourseID: k.CourseID, ModuleID: k.ModuleID, QuestionID: "q1", Options: opts, UpdatedAt: at}
	}
	steps := []struct {
		name string
		at   time.Duration
		do   func(at time.Time) error
	}{
		{"module page", 10 * time.Second, func(at time.Time) error { _, _, err := st.VisitModule(ctx, k, at); return err }},
		{"autosave", 20 * time.Second, func(at time.Time) error { return st.SaveAnswer(ctx, answer(at, "a")) }},
		{"autosave in the session", 30 * time.Second, func(at time.Time) error {
			_, err := st.SaveAnswerInSession(ctx, hash, at, answer(at, "b"))
			return err
		}},
		{"clearing an answer", 40 * time.Second, func(at time.Time) error { return st.SaveAnswer(ctx, answer(at)) }},
	}
	before := read()
	for _, s := range steps {
		if err := s.do(start.Add(s.at)); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if after := read(); after != before {
			t.Errorf("%s %v after the last visit: the module row went from %+v to %+v, want it untouched", s.name, s.at, before, after)
		}
	}
	// A visit due: each kind records it, once.
	last := start
	for i, s := range steps {
		at := last.Add(app.VisitInterval + time.Duration(i+1)*time.Second)
		if err := s.do(at); err != nil {
			t.Fatalf("%s when a visit is due: %v", s.name, err)
		}
		after := read()
		if want := before.SecondsSpent + int(at.Sub(last)/time.Second); after.SecondsSpent != want || !after.LastSeenAt.Equal(at) || after.Xmin == before.Xmin {
			t.Errorf("%s when a visit is due: the module row is %+v, want %d s spent and last seen at %v in a new row version", s.name, after, want, at)
		}
		before, last = after, at
	}
}
