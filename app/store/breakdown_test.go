package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/demo"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

var statusNow = time.Date(2026, 3, 15, 10, 30, 0, 0, time.UTC)

// TestStatusCounts: the dashboard's status breakdown counts exactly the
// learners whose app.LearnerRow.Status is each status, and adds up to
// everyone registered.
func TestStatusCounts(t *testing.T) {
	c := storetest.RealCourse(t)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := demo.Run(ctx, s, c, demo.Options{Learners: 150, Now: statusNow, Seed: 3, Password: "status counts test password", Partnership: "Test Partnership"}); err != nil {
			t.Fatal(err)
		}
		want := map[app.LearnerStatus]int{}
		everyone := 0
		err := s.EachLearner(ctx, app.LearnerQuery{CourseID: c.ID, Now: statusNow, Sort: "name"}, func(r *app.LearnerRow) error {
			want[r.Status(statusNow)]++
			everyone++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.StatusCounts(ctx, c.ID, statusNow)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, st := range app.LearnerStatuses {
			sum += got[st.Status]
			if got[st.Status] != want[st.Status] {
				t.Errorf("%s: counted %d, %d learners have that status", st.Status, got[st.Status], want[st.Status])
			}
		}
		if sum != everyone {
			t.Errorf("the counts add up to %d, want everyone registered (%d)", sum, everyone)
		}
	})
}
