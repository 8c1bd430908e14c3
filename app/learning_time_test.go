package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// Time spent on a module is added in place by the store, at most MaxGap
// for one gap and at most once per VisitInterval; the gap is measured from
// the last time recorded, so nothing is lost by skipping.
func TestLearningTimeSpent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		u := f.register(t, "Tim Timer", "tim@example.org")
		seconds := func() int {
			t.Helper()
			var n int
			if err := s.DB().Raw(`SELECT seconds_spent FROM module_progress WHERE user_id = ? AND module_id = ?`, u.ID, first).Scan(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		save := func() {
			t.Helper()
			if err := f.learning.SaveAnswer(ctx, u.ID, first, "m1-colour", []string{"b"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.learning.OpenModule(ctx, u.ID, first); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			name    string
			advance time.Duration
			act     func()
			want    int
		}{
			{"an interaction within VisitInterval writes nothing yet", 30 * time.Second, save, 0},
			{"the next one counts the whole gap since the last write", 40 * time.Second, save, 70},
			{"a page view counts like an autosave", 2 * time.Minute, func() {
				if _, err := f.learning.OpenModule(ctx, u.ID, first); err != nil {
					t.Fatal(err)
				}
			}, 190},
			{"overnight counts as MaxGap", 14 * time.Hour, save, 190 + int(app.MaxGap/time.Second)},
			{"a clock going backwards counts nothing", -time.Hour, save, 190 + int(app.MaxGap/time.Second)},
		}
		for _, st := range steps {
			f.clock.Advance(st.advance)
			st.act()
			if got := seconds(); got != st.want {
				t.Fatalf("%s: %d seconds, want %d", st.name, got, st.want)
			}
		}
	})
}

// A learner left stuck by the version-2 double-submit race (a pass in
// attempts, progress saying not passed and no attempts) is repaired by
// migration 3's RepairProgress.
func TestRepairProgressUnsticksALearner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		u := f.register(t, "Stu Stuck", "stu@example.org")
		f.pass(t, u, first, rightFirst)
		healthy := f.register(t, "Hal Healthy", "hal@example.org")
		if _, err := f.learning.OpenModule(ctx, healthy.ID, first); err != nil {
			t.Fatal(err)
		}
		// Plant the stuck state exactly as the issue found it.
		if err := s.DB().Exec(`UPDATE module_progress SET passed_at = NULL, attempts = 0, last_percent = 0, pass_percent = 0 WHERE user_id = ?`, u.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.DB().Exec(`UPDATE enrolments SET modules_passed = 0, stage = 'in_progress' WHERE user_id = ?`, u.ID).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := f.learning.OpenModule(ctx, u.ID, second); app.ErrorCode(err) != app.EFORBIDDEN {
			t.Fatalf("the planted state should refuse module 2: %v", err)
		}
		if err := s.RepairProgress(ctx); err != nil {
			t.Fatal(err)
		}
		f.consistent(t, u, first)
		var p struct {
			Attempts    int
			PassPercent int
		}
		if err := s.DB().Raw(`SELECT attempts, pass_percent FROM module_progress WHERE user_id = ? AND module_id = ?`, u.ID, first).Scan(&p).Error; err != nil {
			t.Fatal(err)
		}
		if p.Attempts != 1 || p.PassPercent != 100 {
			t.Fatalf("repaired progress: %+v, want 1 attempt passed at 100%%", p)
		}
		row, err := s.Learner(ctx, f.course.ID, healthy.ID)
		if err != nil || row.Status(f.clock.Now()) != app.LearnerInProgress || row.ModulesStarted != 1 {
			t.Fatalf("a healthy learner after the repair: %+v, %v", row, err)
		}
	})
}
