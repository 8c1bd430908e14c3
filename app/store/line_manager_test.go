package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// What a learner's course page says about their line manager: the email
// they name; who accepted them, only when it is the person with that
// email; who confirmed their training, only in the current cycle (a
// refresher needs confirming again); and the latest decline.
func TestLineManagerSaysWhoAcceptedConfirmedAndDeclined(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		learner := knowledgeCheckUser(t, st, "lena@example.org")
		person := func(name, email string) int64 {
			t.Helper()
			u, err := st.UserByID(ctx, learner)
			if err != nil {
				t.Fatal(err)
			}
			m := &app.User{Name: name, Email: email, EmailNorm: email, PasswordHash: "x", OrganisationID: u.OrganisationID,
				JobRole: "Manager", Roles: []string{app.RoleLearner, app.RoleManager}, CreatedAt: u.CreatedAt}
			if err := st.CreateUser(ctx, m); err != nil {
				t.Fatal(err)
			}
			return m.ID
		}
		mo, xena := person("Mo Manager", "mo@example.org"), person("Xena Other", "xena@example.org")
		day := func(d int) time.Time { return time.Date(2025, 3, d, 9, 30, 0, 0, time.UTC) }
		lookIn := func(course, when string) *app.LineManager {
			t.Helper()
			lm, err := st.LineManager(ctx, learner, course)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			return lm
		}
		look := func(when string) *app.LineManager { t.Helper(); return lookIn("c", when) }
		same := func(a, b *time.Time) bool { return a == nil && b == nil || a != nil && b != nil && a.Equal(*b) }
		want := func(when string, got *app.LineManager, w app.LineManager) {
			t.Helper()
			if got.Email != w.Email || got.AcceptedBy != w.AcceptedBy || !same(got.AcceptedAt, w.AcceptedAt) ||
				got.ConfirmedBy != w.ConfirmedBy || !same(got.ConfirmedAt, w.ConfirmedAt) ||
				got.DeclinedBy != w.DeclinedBy || got.DeclinedEmail != w.DeclinedEmail || !same(got.DeclinedAt, w.DeclinedAt) {
				t.Errorf("%s: line manager = %+v, want %+v", when, *got, w)
			}
		}
		at := func(d int) *time.Time { t := day(d); return &t }

		want("naming no one", look("naming no one"), app.LineManager{})
		if err := st.StartModule(ctx, app.ModuleKey{UserID: learner, CourseID: "c", ModuleID: "m1"}, day(1)); err != nil {
			t.Fatal(err)
		}
		if err := st.SetManager(ctx, learner, "mo@example.org", nil, day(2)); err != nil {
			t.Fatal(err)
		}
		// Xena accepted Lena, but Lena names Mo: that acceptance is not Mo's.
		if err := st.AcceptStaff(ctx, xena, learner, day(2)); err != nil {
			t.Fatal(err)
		}
		want("named, not yet accepted", look("named"), app.LineManager{Email: "mo@example.org"})
		if err := st.AcceptStaff(ctx, mo, learner, day(3)); err != nil {
			t.Fatal(err)
		}
		want("accepted", look("accepted"), app.LineManager{Email: "mo@example.org", AcceptedBy: "Mo Manager", AcceptedAt: at(3)})
		if err := st.Confirm(ctx, &app.Confirmation{LearnerID: learner, CourseID: "c", ManagerID: mo, ConfirmedAt: day(4), Note: "Discussed"}); err != nil {
			t.Fatal(err)
		}
		confirmed := app.LineManager{Email: "mo@example.org", AcceptedBy: "Mo Manager", AcceptedAt: at(3), ConfirmedBy: "Mo Manager", ConfirmedAt: at(4)}
		want("confirmed", look("confirmed"), confirmed)
		if lm := lookIn("other", "another course"); lm.ConfirmedBy != "" || lm.AcceptedBy != "Mo Manager" {
			t.Errorf("in another course: %+v, want Mo's acceptance and no confirmation", *lm)
		}

		if err := st.StartCycle(ctx, learner, "c", day(5), func(*app.LearnerRecord) error { return nil }); err != nil {
			t.Fatal(err)
		}
		want("in the refresher's cycle", look("refresher"), app.LineManager{Email: "mo@example.org", AcceptedBy: "Mo Manager", AcceptedAt: at(3)})

		if err := st.DeclineStaff(ctx, app.Decline{LearnerID: learner, ManagerID: mo, ManagerEmail: "mo@example.org", WasAccepted: true, At: day(6)}); err != nil {
			t.Fatal(err)
		}
		want("removed by Mo", look("removed"), app.LineManager{DeclinedBy: "Mo Manager", DeclinedEmail: "mo@example.org", DeclinedAt: at(6)})
		if err := st.SetManager(ctx, learner, "xena@example.org", nil, day(7)); err != nil {
			t.Fatal(err)
		}
		if err := st.DeclineStaff(ctx, app.Decline{LearnerID: learner, ManagerID: xena, ManagerEmail: "xena@example.org", At: day(8)}); err != nil {
			t.Fatal(err)
		}
		want("declined again", look("declined again"), app.LineManager{DeclinedBy: "Xena Other", DeclinedEmail: "xena@example.org", DeclinedAt: at(8)})
	})
}
