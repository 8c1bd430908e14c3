package app_test

import (
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

func TestMayStartRefresher(t *testing.T) {
	now := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
	course := &app.Course{Modules: []*app.Module{{ID: "m"}}}
	passed := map[string]app.ModuleProgress{"m": {PassedAt: &now}}
	cert := func(expires time.Time, revoked bool) *app.Certificate {
		c := &app.Certificate{ExpiresAt: expires}
		if revoked {
			c.RevokedAt = &now
		}
		return c
	}
	tests := []struct {
		name string
		p    app.Progress
		want bool
	}{
		{"more than 60 days before expiry: not yet", app.Progress{Course: course, Modules: passed, Evaluated: true, Certificate: cert(now.Add(app.RefresherWindow+time.Hour), false)}, false},
		{"60 days before expiry: yes", app.Progress{Course: course, Modules: passed, Evaluated: true, Certificate: cert(now.Add(app.RefresherWindow), false)}, true},
		{"after expiry: yes", app.Progress{Course: course, Modules: passed, Evaluated: true, Certificate: cert(now.Add(-time.Hour), false)}, true},
		{"a revoked certificate: no", app.Progress{Course: course, Modules: passed, Evaluated: true, Certificate: cert(now.Add(-time.Hour), true)}, false},
		{"this cycle not complete: no", app.Progress{Course: course, Modules: passed, Certificate: cert(now.Add(-time.Hour), false)}, false},
		{"no certificate: no", app.Progress{Course: course, Modules: passed, Evaluated: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.MayStartRefresher(now); got != tt.want {
				t.Errorf("MayStartRefresher = %v, want %v", got, tt.want)
			}
		})
	}
}

// The refresher cycle end to end: complete, wait until the window opens,
// start again (modules reopened, answers cleared, the old certificate still
// valid), complete again, and hold two certificates with their own codes
// and expiry; reports count each completion in its own month.
func TestLearningRefresherCycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newOvFixture(t, s)
		manager := f.user(t, "Mo Manager", "mo@example.org", "", app.RoleManager)
		u := f.user(t, "Rhi Refresh", "rhi@example.org", "mo@example.org")
		if err := f.o.AcceptStaff(f.ctx, manager, u.ID); err != nil {
			t.Fatal(err)
		}
		first1 := f.complete(t, u)
		firstMonth := f.clock.Now().Format("2006-01")

		if err := f.learning.StartRefresher(f.ctx, u.ID); app.ErrorCode(err) != app.ECONFLICT {
			t.Fatalf("a refresher straight after completing: %v, want ECONFLICT", err)
		}
		// The window opens 60 days before expiry.
		f.clock.Advance(first1.ExpiresAt.Sub(f.clock.Now()) - app.RefresherWindow + time.Hour)
		if err := f.learning.StartRefresher(f.ctx, u.ID); err != nil {
			t.Fatalf("start the refresher in the window: %v", err)
		}
		p, err := f.learning.Progress(f.ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Cycle != 2 || p.Started() || p.Evaluated || p.Certificate != nil || p.Previous == nil || p.Previous.Code != first1.Code {
			t.Fatalf("after starting again: cycle %d, started %v, evaluated %v, certificate %v, previous %v", p.Cycle, p.Started(), p.Evaluated, p.Certificate, p.Previous)
		}
		if v, err := f.learning.Verify(f.ctx, first1.Code); err != nil || v.Status(f.clock.Now()) != app.CertificateValid {
			t.Fatalf("the first certificate during the refresher: %v, %v; want still valid", v, err)
		}
		view, err := f.learning.OpenModule(f.ctx, u.ID, first)
		if err != nil || len(view.Answers) != 0 || !view.CanAnswer || view.Attempts != 0 {
			t.Fatalf("module 1 in the refresher: %+v, %v; want open, no answers, no attempts", view, err)
		}
		if _, err := f.learning.OpenModule(f.ctx, u.ID, second); app.ErrorCode(err) != app.EFORBIDDEN {
			t.Fatalf("module 2 before passing module 1 again: %v, want EFORBIDDEN", err)
		}
		if _, err := f.learning.LatestResult(f.ctx, u.ID, first); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("the first cycle's result shown in the refresher: %v", err)
		}
		row, err := s.Learner(f.ctx, f.course.ID, u.ID)
		if err != nil || row.Status(f.clock.Now()) != app.LearnerRefresherInProgress {
			t.Fatalf("learner list status during the refresher: %v, %v", row, err)
		}
		rows, total, err := f.o.Learners(f.ctx, f.coordinator(t), app.LearnerQuery{CourseID: f.course.ID, Status: app.LearnerRefresherInProgress, Now: f.clock.Now()})
		if err != nil || total != 1 || rows[0].UserID != u.ID {
			t.Fatalf("filter refresher in progress: %v, %d, %v", rows, total, err)
		}
		staff, err := f.o.Staff(f.ctx, manager)
		if err != nil || len(staff) != 1 || staff[0].Status(f.clock.Now()) != app.LearnerRefresherInProgress {
			t.Fatalf("the manager's view: %+v, %v", staff, err)
		}

		f.clock.Advance(24 * time.Hour)
		second2 := f.complete(t, u)
		secondMonth := f.clock.Now().Format("2006-01")
		if second2.Code == first1.Code || second2.Cycle != 2 || !second2.ExpiresAt.After(first1.ExpiresAt) {
			t.Fatalf("second certificate %+v; want a new code, cycle 2, later expiry than %v", second2, first1.ExpiresAt)
		}
		for _, c := range []*app.Certificate{first1, second2} {
			if v, err := f.learning.Verify(f.ctx, c.Code); err != nil || v.Status(f.clock.Now()) != app.CertificateValid {
				t.Fatalf("certificate %s after the refresher: %v, %v", c.Code, v, err)
			}
		}
		f.clock.Advance(first1.ExpiresAt.Sub(f.clock.Now()) + time.Hour)
		if v, _ := f.learning.Verify(f.ctx, first1.Code); v.Status(f.clock.Now()) != app.CertificateExpired {
			t.Fatalf("the first certificate after its own expiry: %v", v.Status(f.clock.Now()))
		}
		if v, _ := f.learning.Verify(f.ctx, second2.Code); v.Status(f.clock.Now()) != app.CertificateValid {
			t.Fatalf("the second certificate then: %v", v.Status(f.clock.Now()))
		}
		if row, err := s.Learner(f.ctx, f.course.ID, u.ID); err != nil || row.Status(f.clock.Now()) != app.LearnerCompleted || row.CertificateCode != second2.Code {
			t.Fatalf("after the refresher: %+v, %v; want completed with the new certificate", row, err)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM attempts WHERE user_id = ?`, u.ID); n != 4 {
			t.Fatalf("%d attempts kept, want both cycles' 4", n)
		}
		// Each completion in its own month.
		d, err := f.o.Dashboard(f.ctx, f.coordinator(t), secondMonth)
		if err != nil {
			t.Fatal(err)
		}
		months := map[string]int{}
		for _, m := range d.PerMonth {
			months[m.Month] = m.Count
		}
		if months[secondMonth] != 1 || d.Completed != 1 {
			t.Fatalf("completions per month %v (first in %s, second in %s), %d completed; want the second counted in its month", months, firstMonth, secondMonth, d.Completed)
		}
	})
}

// coordinator creates (once) a coordinator to ask for reports.
func (f *ovFixture) coordinator(t *testing.T) *app.User {
	t.Helper()
	if u, err := f.store.UserByEmail(f.ctx, "coordinator@example.org"); err == nil {
		return u
	}
	return f.user(t, "Cora Coordinator", "coordinator@example.org", "", app.RoleCoordinator)
}
