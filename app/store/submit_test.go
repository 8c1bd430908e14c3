package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// A submission writes the form's answers (clearing those left empty) and
// marks them exactly as the database then holds them; it records the
// attempt with its chosen answers, numbers it
// after the module's earlier attempts, counts it in the module row, and on
// a pass refreshes the learner's summary: the same whether the summary row
// was locked with the module row (it exists, as after any module start) or
// is missing (a learner left without one by an earlier version) and is
// created under its own lock.
func TestASubmissionRecordsTheAttemptAndRefreshesTheSummary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		for _, missing := range []bool{false, true} {
			name := "with a summary row"
			if missing {
				name = "without a summary row"
			}
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				email := "sam-with@example.org"
				if missing {
					email = "sam-without@example.org"
				}
				user := knowledgeCheckUser(t, st, email)
				k := app.ModuleKey{UserID: user, CourseID: "c", ModuleID: "m1"}
				start := time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC)
				if err := st.StartModule(ctx, k, start); err != nil {
					t.Fatal(err)
				}
				if missing {
					if err := st.DB().Exec(`DELETE FROM enrolments WHERE user_id = ?`, user).Error; err != nil {
						t.Fatal(err)
					}
				}
				// An answer saved earlier, which the form's Submit clears.
				if err := st.SaveAnswer(ctx, app.Answer{UserID: user, CourseID: "c", ModuleID: "m1", QuestionID: "q3", Options: []string{"x"},
					UpdatedAt: start.Add(time.Minute)}); err != nil {
					t.Fatal(err)
				}
				var underLock app.Answers
				submit := func(at time.Time, option string, passed bool) *app.Attempt {
					t.Helper()
					answers := []app.Answer{
						{UserID: user, CourseID: "c", ModuleID: "m1", QuestionID: "q1", Options: []string{option}, UpdatedAt: at.Add(123456 * time.Nanosecond)},
						{UserID: user, CourseID: "c", ModuleID: "m1", QuestionID: "q2", Options: []string{"a", "c"}, UpdatedAt: at},
						{UserID: user, CourseID: "c", ModuleID: "m1", QuestionID: "r1", Text: "I would ask the family.", UpdatedAt: at},
						{UserID: user, CourseID: "c", ModuleID: "m1", QuestionID: "q3", UpdatedAt: at},
					}
					att, err := st.SubmitModule(ctx, k, at, answers, func(modules []app.ModuleProgress, saved app.Answers) (*app.Attempt, error) {
						if len(modules) != 1 || modules[0].ModuleID != "m1" {
							t.Errorf("modules under the lock = %+v, want m1 alone", modules)
						}
						if got := saved["q1"].Options; len(got) != 1 || got[0] != option {
							t.Errorf("saved q1 under the lock = %v, want the answer just written, %s", got, option)
						}
						if _, ok := saved["q3"]; ok || len(saved) != 3 {
							t.Errorf("saved under the lock = %+v, want q1, q2 and r1, and q3 cleared", saved)
						}
						underLock = saved
						percent := 50
						if passed {
							percent = 100
						}
						return &app.Attempt{Correct: percent / 50, Total: 2, Percent: percent, Passed: passed, Answers: saved,
							Right: map[string]bool{"q1": passed, "q2": true}}, nil
					}, nil)
					if err != nil {
						t.Fatal(err)
					}
					return att
				}
				first := submit(start.Add(5*time.Minute), "b", false)
				// What the submission marked is what the database holds.
				stored, err := st.Answers(ctx, k)
				if err != nil {
					t.Fatal(err)
				}
				if len(stored) != len(underLock) {
					t.Errorf("stored answers = %+v, marked %+v", stored, underLock)
				}
				for id, a := range underLock {
					b := stored[id]
					if strings.Join(a.Options, ",") != strings.Join(b.Options, ",") || a.Text != b.Text || !a.UpdatedAt.Equal(b.UpdatedAt) || a.ModuleID != b.ModuleID {
						t.Errorf("answer %s marked as %+v, stored as %+v", id, a, b)
					}
				}
				second := submit(start.Add(9*time.Minute), "a", true)
				if first.Number != 1 || second.Number != 2 || first.Cycle != 1 || second.Cycle != 1 || first.ID == 0 || second.ID == first.ID {
					t.Fatalf("attempts = %+v, %+v; want numbers 1 and 2 in cycle 1 with their own IDs", first, second)
				}
				atts, err := st.Attempts(ctx, k)
				if err != nil {
					t.Fatal(err)
				}
				if len(atts) != 2 || atts[0].ID != first.ID || atts[1].ID != second.ID {
					t.Fatalf("Attempts = %+v, want the two, oldest first", atts)
				}
				for i, want := range []string{"b", "a"} {
					got := atts[i].Answers
					if len(got) != 2 || len(got["q1"].Options) != 1 || got["q1"].Options[0] != want || len(got["q2"].Options) != 2 {
						t.Errorf("attempt %d answers = %+v, want q1 %s and q2's two options (no reflection)", i+1, got, want)
					}
				}
				var right []struct {
					QuestionID string
					Correct    bool
				}
				if err := st.DB().Raw(`SELECT question_id, correct FROM attempt_answers WHERE attempt_id = ? ORDER BY question_id`, second.ID).Scan(&right).Error; err != nil {
					t.Fatal(err)
				}
				if len(right) != 2 || !right[0].Correct || !right[1].Correct {
					t.Errorf("the pass's marked answers = %+v, want q1 and q2 right", right)
				}
				rec, err := st.LearnerRecord(ctx, user, "c")
				if err != nil {
					t.Fatal(err)
				}
				if len(rec.Modules) != 1 || rec.Modules[0].Attempts != 2 || rec.Modules[0].PassedAt == nil || rec.Modules[0].PassPercent != 100 ||
					rec.Modules[0].LastPercent != 100 || rec.Modules[0].SecondsSpent != 9*60 {
					t.Errorf("module progress = %+v, want 2 attempts, passed at 100%%, 9 minutes spent", rec.Modules)
				}
				var sum []struct {
					ModulesStarted, ModulesPassed int
					Stage                         string
				}
				if err := st.DB().Raw(`SELECT modules_started, modules_passed, stage FROM enrolments WHERE user_id = ? AND course_id = 'c'`, user).Scan(&sum).Error; err != nil {
					t.Fatal(err)
				}
				if len(sum) != 1 || sum[0].ModulesStarted != 1 || sum[0].ModulesPassed != 1 {
					t.Errorf("summary = %+v, want one row: 1 module started, 1 passed", sum)
				}
				var minutes []struct{ Minutes, Learners int }
				if err := st.DB().Raw(`SELECT minutes, learners FROM module_minutes WHERE course_id = 'c' AND module_id = 'm1'`).Scan(&minutes).Error; err != nil {
					t.Fatal(err)
				}
				total := 0
				for _, m := range minutes {
					total += m.Learners
				}
				found := false
				for _, m := range minutes {
					found = found || m.Minutes == 9
				}
				if want := map[bool]int{false: 1, true: 2}[missing]; total != want || !found {
					t.Errorf("time to pass = %+v, want %d learner(s) counted so far, this one at 9 minutes", minutes, want)
				}
			})
		}
	})
}
