package demo_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/demo"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

const demoPassword = "demo password for tests"

var demoNow = time.Date(2026, 3, 15, 10, 30, 0, 0, time.UTC)

// TestDemo fills each database with 300 demo learners and checks that the
// reports read them consistently: every status occurs, the SQL status
// filter agrees with app.LearnerRow.Status for every learner, the
// dashboard adds up, and the question analysis has something to show.
func TestDemo(t *testing.T) {
	c := storetest.RealCourse(t)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sum, err := demo.Run(ctx, s, c, demo.Options{Learners: 300, Now: demoNow, Seed: 7, Password: demoPassword, Partnership: "Test Partnership"})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("summary: %+v", sum)
		if sum.Learners != 300 || sum.Managers < 6 || sum.Coordinators != 1 || sum.CoordinatorEmail != "coordinator1@demo.example" || sum.ManagerEmail == "" {
			t.Errorf("summary = %+v, want 300 learners, some managers, one coordinator", sum)
		}
		if per := float64(sum.Attempts) / 300; per < 3.5 || per > 6.5 {
			t.Errorf("%.2f module attempts per learner, want about 5", per)
		}

		// Every learner's status, by the rule in app.
		status := map[int64]app.LearnerStatus{}
		err = s.EachLearner(ctx, app.LearnerQuery{CourseID: c.ID, Now: demoNow, Sort: "name"}, func(r *app.LearnerRow) error {
			status[r.UserID] = r.Status(demoNow)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(status) != 301 {
			t.Fatalf("%d learners listed, want 300 and the coordinator", len(status))
		}
		for _, st := range app.LearnerStatuses {
			want := map[int64]bool{}
			for id, x := range status {
				if x == st.Status {
					want[id] = true
				}
			}
			if len(want) == 0 {
				t.Errorf("no demo learner is %q", st.Status)
			}
			q := app.LearnerQuery{CourseID: c.ID, Status: st.Status, Now: demoNow, Sort: "name"}
			got := map[int64]bool{}
			err := s.EachLearner(ctx, q, func(r *app.LearnerRow) error {
				got[r.UserID] = true
				if r.Status(demoNow) != st.Status {
					t.Errorf("filter %q returned learner %d whose Status is %q", st.Status, r.UserID, r.Status(demoNow))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Errorf("filter %q returned %d learners; %d have that Status", st.Status, len(got), len(want))
			}
			for id := range want {
				if !got[id] {
					t.Errorf("learner %d has Status %q but the filter left them out", id, st.Status)
				}
			}
			q.Page, q.PageSize = 1, 50
			rows, total, err := s.Learners(ctx, q)
			if err != nil || total != len(want) || len(rows) != min(50, len(want)) {
				t.Errorf("Learners(%q) = %d rows of %d, %v; want %d in all", st.Status, len(rows), total, err, len(want))
			}
			demoWant := len(want)
			if st.Status == app.LearnerNotStarted {
				demoWant-- // the coordinator, who is not a demo learner
			}
			if n := sum.Statuses[st.Status]; n != demoWant {
				t.Errorf("summary counts %d %q, the database %d", n, st.Status, demoWant)
			}
		}

		// Within one organisation too, counted and listed alike, and a page
		// holds the same rows as the export.
		var orgID int64
		for id := range status {
			if l, err := s.Learner(ctx, c.ID, id); err == nil && l.Organisation == "Eastshire Police" {
				orgID = l.OrganisationID
				break
			}
		}
		for _, st := range append(app.LearnerStatuses, struct {
			Status app.LearnerStatus
			Label  string
		}{"", "anyone"}) {
			q := app.LearnerQuery{CourseID: c.ID, OrganisationID: orgID, Status: st.Status, Now: demoNow, Sort: "name", Page: 1, PageSize: 200}
			var all []app.LearnerRow
			err := s.EachLearner(ctx, q, func(r *app.LearnerRow) error {
				all = append(all, *r)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			rows, total, err := s.Learners(ctx, q)
			if same := len(rows)+len(all) == 0 || reflect.DeepEqual(rows, all); err != nil || total != len(all) || !same {
				t.Errorf("organisation %d, %q: Learners gives %d rows of %d, %v; EachLearner %d rows (same: %v)",
					orgID, st.Status, len(rows), total, err, len(all), same)
			}
			for _, r := range all {
				if r.OrganisationID != orgID || (st.Status != "" && r.Status(demoNow) != st.Status) {
					t.Errorf("organisation %d, %q: listed %+v", orgID, st.Status, r)
				}
			}
		}

		// The dashboard adds up.
		d, err := s.Dashboard(ctx, c, demoNow, "2026-02")
		if err != nil {
			t.Fatal(err)
		}
		if d.Registered != 301 || d.Started > d.Registered || d.Completed > d.Started || d.Completed == 0 || d.Confirmed > d.Completed {
			t.Errorf("dashboard registered %d, started %d, completed %d, confirmed %d: want completed ≤ started ≤ registered = 301",
				d.Registered, d.Started, d.Completed, d.Confirmed)
		}
		byStatus := map[app.LearnerStatus]int{}
		for _, x := range status {
			byStatus[x]++
		}
		if d.RefresherDue != byStatus[app.LearnerRefresherDue] || d.Started != 301-byStatus[app.LearnerNotStarted] {
			t.Errorf("dashboard: %d refresher due, %d started; statuses say %d and %d", d.RefresherDue, d.Started,
				byStatus[app.LearnerRefresherDue], 301-byStatus[app.LearnerNotStarted])
		}
		if len(d.Funnel) != len(c.Modules) || d.Funnel[0].Reached != d.Started {
			t.Fatalf("funnel %+v, want %d steps starting with %d reached", d.Funnel, len(c.Modules), d.Started)
		}
		for i, f := range d.Funnel {
			if f.Passed > f.Reached || (i > 0 && f.Reached > d.Funnel[i-1].Passed) {
				t.Errorf("funnel step %d: reached %d, passed %d, previous passed %d: want it to narrow", i+1, f.Reached, f.Passed, d.Funnel[i-1].Passed)
			}
			if d.MedianMinutes[f.Module.ID] < 3 || d.MedianMinutes[f.Module.ID] > 4*f.Module.Minutes {
				t.Errorf("median minutes on %s = %d", f.Module.ID, d.MedianMinutes[f.Module.ID])
			}
		}
		// (a refresher under way is back at the start of the funnel)
		if last := d.Funnel[len(d.Funnel)-1].Passed; last < d.Completed-byStatus[app.LearnerRefresherInProgress] {
			t.Errorf("%d passed the last module but %d completed", last, d.Completed)
		}
		var reg, started, completed, inMonth, perMonth int
		for _, o := range d.PerOrganisation {
			reg, started, completed, inMonth = reg+o.Registered, started+o.Started, completed+o.Completed, inMonth+o.InMonth
		}
		for _, m := range d.PerMonth {
			perMonth += m.Count
		}
		if reg != d.Registered || started != d.Started || completed != d.Completed {
			t.Errorf("organisations add up to %d registered, %d started, %d completed; totals %d, %d, %d", reg, started, completed, d.Registered, d.Started, d.Completed)
		}
		if feb := d.PerMonth[len(d.PerMonth)-2]; feb.Month != "2026-02" || feb.Count != inMonth || perMonth > d.Completed || perMonth == 0 {
			t.Errorf("per month %+v (February %d in the organisation table), %d completed in all", d.PerMonth, inMonth, d.Completed)
		}
		// One evaluation for each completion: the first time, and each refresher.
		if d.Evaluation.Responses != count(t, s, `SELECT COUNT(*) FROM evaluations`) || d.Evaluation.Responses < d.Completed || len(d.Evaluation.Comments) == 0 {
			t.Errorf("%d evaluations and %d comments for %d completions", d.Evaluation.Responses, len(d.Evaluation.Comments), d.Completed)
		}
		for _, m := range d.Evaluation.Means {
			if m.Count == 0 || m.Mean < 1 || m.Mean > 5 {
				t.Errorf("evaluation item %s: mean %.2f of %d", m.Item.ID, m.Mean, m.Count)
			}
		}

		// The question analysis shows first attempts, mostly right, some not.
		stats, err := s.QuestionStats(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		wrong := 0
		for _, q := range stats {
			if q.FirstAttempts == 0 || q.FirstCorrect > q.FirstAttempts || q.PercentCorrect() < 0 || q.PercentCorrect() > 100 {
				t.Errorf("question %s: %d of %d right first time", q.Question.ID, q.FirstCorrect, q.FirstAttempts)
			}
			if q.TopWrongOption != nil {
				wrong++
				if q.TopWrongOption.Correct || q.TopWrongCount == 0 {
					t.Errorf("question %s: top wrong option %+v chosen %d times", q.Question.ID, q.TopWrongOption, q.TopWrongCount)
				}
			}
		}
		if wrong < len(stats)/2 {
			t.Errorf("only %d of %d questions have a wrong option chosen at the first attempt", wrong, len(stats))
		}

		checkDemoConsistency(t, s, c)

		// Every dashboard figure is the count of the list it links to.
		listed := func(q app.LearnerQuery) int {
			t.Helper()
			q.CourseID, q.Now, q.PageSize = c.ID, demoNow, 1
			q.Normalise()
			_, n, err := s.Learners(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, f := range []struct {
			name  string
			shown int
			q     app.LearnerQuery
		}{
			{"registered", d.Registered, app.LearnerQuery{}},
			{"started", d.Started, app.LearnerQuery{Reached: app.MilestoneStarted}},
			{"completed", d.Completed, app.LearnerQuery{Reached: app.MilestoneCompleted}},
			{"confirmed", d.Confirmed, app.LearnerQuery{Reached: app.MilestoneConfirmed}},
			{"refresher due", d.RefresherDue, app.LearnerQuery{Status: app.LearnerRefresherDue}},
		} {
			if got := listed(f.q); got != f.shown {
				t.Errorf("dashboard %s: %d, but its list has %d", f.name, f.shown, got)
			}
		}
		for _, o := range d.PerOrganisation {
			for _, f := range []struct {
				name  string
				shown int
				q     app.LearnerQuery
			}{
				{"registered", o.Registered, app.LearnerQuery{OrganisationID: o.OrganisationID}},
				{"started", o.Started, app.LearnerQuery{OrganisationID: o.OrganisationID, Reached: app.MilestoneStarted}},
				{"completed", o.Completed, app.LearnerQuery{OrganisationID: o.OrganisationID, Reached: app.MilestoneCompleted}},
			} {
				if got := listed(f.q); got != f.shown {
					t.Errorf("%s %s: %d on the dashboard, %d in its list", o.Organisation, f.name, f.shown, got)
				}
			}
		}
		counts, err := s.StatusCounts(ctx, c.ID, demoNow)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range app.LearnerStatuses {
			if got := listed(app.LearnerQuery{Status: st.Status}); got != counts[st.Status] {
				t.Errorf("status %s: %d in the breakdown, %d in its list", st.Status, counts[st.Status], got)
			}
		}
		// And the milestone filter is app.LearnerRow.Reached, both ways.
		byRule := map[app.Milestone]int{}
		if err := s.EachLearner(ctx, app.LearnerQuery{CourseID: c.ID, Now: demoNow, Sort: "name"}, func(r *app.LearnerRow) error {
			for _, m := range app.Milestones {
				if r.Reached(m.Milestone) {
					byRule[m.Milestone]++
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, m := range app.Milestones {
			if got := listed(app.LearnerQuery{Reached: m.Milestone}); got != byRule[m.Milestone] {
				t.Errorf("milestone %s: %d listed, %d by the rule", m.Milestone, got, byRule[m.Milestone])
			}
		}
		for _, m := range app.Milestones {
			q := app.LearnerQuery{CourseID: c.ID, Now: demoNow, Reached: m.Milestone, Sort: "name"}
			err := s.EachLearner(ctx, q, func(r *app.LearnerRow) error {
				if !r.Reached(m.Milestone) {
					t.Errorf("learner %d is listed as %s but has not reached it by the rule", r.UserID, m.Milestone)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}

		// The manager named in the summary sees their staff.
		m, err := s.UserByEmail(ctx, sum.ManagerEmail)
		if err != nil || !m.Has(app.RoleManager) {
			t.Fatalf("demo manager %s: %+v, %v", sum.ManagerEmail, m, err)
		}
		staff, err := s.StaffOf(ctx, c.ID, m)
		if err != nil {
			t.Fatal(err)
		}
		accepted := 0
		for _, r := range staff {
			if r.Accepted {
				accepted++
			}
		}
		if accepted != sum.ManagerStaff || accepted == 0 {
			t.Errorf("manager %s has %d accepted staff, summary says %d", sum.ManagerEmail, accepted, sum.ManagerStaff)
		}
		coord, err := s.UserByEmail(ctx, sum.CoordinatorEmail)
		if err != nil || !coord.Has(app.RoleCoordinator) || !app.CheckPassword(coord.PasswordHash, demoPassword) {
			t.Errorf("coordinator %s: %+v, %v; want the coordinator role and the demo password", sum.CoordinatorEmail, coord, err)
		}

		// A database with users is refused, unless appending.
		if _, err := demo.Run(ctx, s, c, demo.Options{Learners: 20, Now: demoNow, Seed: 8, Password: demoPassword}); app.ErrorCode(err) != app.ECONFLICT {
			t.Errorf("Demo on a database with users = %v, want ECONFLICT", err)
		}
		more, err := demo.Run(ctx, s, c, demo.Options{Learners: 40, Now: demoNow, Seed: 8, Password: demoPassword, Append: true})
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM users`); n != 341 || more.CoordinatorEmail != sum.CoordinatorEmail {
			t.Errorf("after appending 40: %d users, coordinator %s; want 341 and the same coordinator", n, more.CoordinatorEmail)
		}
		checkDemoConsistency(t, s, c)
	})
}

func count(t *testing.T, s *store.Store, q string) int {
	t.Helper()
	var n int
	if err := s.DB().Raw(q).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// checkDemoConsistency checks that the summary and aggregate tables agree
// with the rows they summarise, as the real code paths keep them.
func checkDemoConsistency(t *testing.T, s *store.Store, c *app.Course) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{
		// enrolments summarise module_progress
		`SELECT COUNT(*) FROM enrolments e WHERE modules_started <> (SELECT COUNT(*) FROM module_progress p WHERE p.user_id = e.user_id)
			OR modules_passed <> (SELECT COUNT(*) FROM module_progress p WHERE p.user_id = e.user_id AND p.passed_at IS NOT NULL)
			OR started_at <> (SELECT MIN(started_at) FROM module_progress p WHERE p.user_id = e.user_id)`,
		`SELECT COUNT(*) FROM module_progress p WHERE NOT EXISTS (SELECT 1 FROM enrolments e WHERE e.user_id = p.user_id)`,
		`SELECT COUNT(*) FROM enrolments e JOIN users u ON u.id = e.user_id WHERE e.organisation_id <> u.organisation_id`,
		// attempts agree with progress
		// (module_progress is the current cycle's; attempts are kept from every cycle)
		`SELECT COUNT(*) FROM module_progress p JOIN enrolments e ON e.user_id = p.user_id
			WHERE attempts <> (SELECT COUNT(*) FROM attempts a WHERE a.user_id = p.user_id AND a.module_id = p.module_id AND a.cycle = e.cycle)
			OR (passed_at IS NOT NULL) <> EXISTS (SELECT 1 FROM attempts a WHERE a.user_id = p.user_id AND a.module_id = p.module_id AND a.cycle = e.cycle AND a.passed)`,
		`SELECT COUNT(*) FROM (SELECT user_id, module_id, cycle FROM attempts WHERE passed GROUP BY user_id, module_id, cycle HAVING COUNT(*) > 1) x`,
		`SELECT COUNT(*) FROM attempts a WHERE (SELECT COUNT(*) FROM attempt_answers aa WHERE aa.attempt_id = a.id) <> a.total
			OR (SELECT COUNT(*) FROM attempt_answers aa WHERE aa.attempt_id = a.id AND aa.correct) <> a.correct`,
		// completion, evaluation, certificate and confirmation go together
		`SELECT COUNT(*) FROM enrolments e WHERE (completed_at IS NOT NULL) <> EXISTS (SELECT 1 FROM evaluations v WHERE v.user_id = e.user_id AND v.cycle = e.cycle)
			OR (completed_at IS NOT NULL AND modules_passed <> 5)`,
		`SELECT COUNT(*) FROM evaluations v WHERE NOT EXISTS (SELECT 1 FROM certificates c WHERE c.user_id = v.user_id AND c.cycle = v.cycle AND c.completed_at = v.submitted_at)`,
		`SELECT COUNT(*) FROM enrolments e WHERE (certificate_code <> '') <> EXISTS (SELECT 1 FROM certificates c WHERE c.code = e.certificate_code AND c.revoked_at IS NULL AND c.user_id = e.user_id)`,
		`SELECT COUNT(*) FROM certificates c JOIN enrolments e ON e.user_id = c.user_id AND e.cycle = c.cycle WHERE c.completed_at <> e.completed_at
			OR (c.revoked_at IS NULL AND c.expires_at <> e.certificate_expires_at) OR (c.revoked_at IS NOT NULL AND e.certificate_revoked_at IS NULL)`,
		`SELECT COUNT(*) FROM enrolments e WHERE (confirmed_at IS NOT NULL) <> EXISTS (SELECT 1 FROM confirmations f WHERE f.learner_id = e.user_id AND f.cycle = e.cycle)`,
		// a confirming manager accepted the learner, who named them
		`SELECT COUNT(*) FROM confirmations f WHERE NOT EXISTS (SELECT 1 FROM manager_links l WHERE l.learner_id = f.learner_id AND l.manager_id = f.manager_id AND l.accepted_at <= f.confirmed_at)`,
		`SELECT COUNT(*) FROM manager_links l JOIN users u ON u.id = l.learner_id JOIN users m ON m.id = l.manager_id
			WHERE u.manager_email <> m.email_norm OR m.roles NOT LIKE '%manager%' OR l.accepted_at < u.created_at`,
		// the aggregates equal what they aggregate
		// (every cycle's pass is in the histogram: one per passing attempt)
		`SELECT COUNT(*) FROM (SELECT module_id, COUNT(*) AS n FROM attempts WHERE passed GROUP BY 1) x
			FULL JOIN (SELECT module_id, SUM(learners) AS n FROM module_minutes GROUP BY 1) mm ON mm.module_id = x.module_id WHERE x.n IS DISTINCT FROM mm.n`,
		`SELECT COUNT(*) FROM (SELECT item_id, COUNT(*) AS n, SUM(rating) AS total FROM evaluation_responses WHERE rating IS NOT NULL GROUP BY item_id) x
			FULL JOIN evaluation_totals et ON et.item_id = x.item_id WHERE x.n IS DISTINCT FROM et.responses OR x.total IS DISTINCT FROM et.total`,
	} {
		if !s.Postgres() {
			q = sqliteDialect(q)
		}
		if n := count(t, s, q); n != 0 {
			t.Errorf("%d inconsistent rows: %s", n, q)
		}
	}

	// Normalised copies are made in Go (SQLite's LOWER knows only ASCII).
	var names []struct{ Name, NameNorm, Email, EmailNorm string }
	if err := s.DB().Raw(`SELECT name, name_norm, email, email_norm FROM users`).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	for _, u := range names {
		if u.NameNorm != strings.ToLower(u.Name) || u.EmailNorm != app.NormaliseEmail(u.Email) {
			t.Errorf("user %+v: normalised columns differ", u)
		}
	}

	// Every recorded attempt is marked as app.ScoreModule marks it.
	var users []int64
	if err := s.DB().Raw(`SELECT DISTINCT user_id FROM attempts ORDER BY user_id LIMIT 60`).Scan(&users).Error; err != nil {
		t.Fatal(err)
	}
	for _, id := range users {
		for _, m := range c.Modules {
			atts, err := s.Attempts(ctx, app.ModuleKey{UserID: id, CourseID: c.ID, ModuleID: m.ID})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range atts {
				sc := app.ScoreModule(m, a.Answers, c.PassMark)
				if sc.Passed != a.Passed || sc.Correct != a.Correct || sc.Percent() != a.Percent {
					t.Errorf("user %d, %s attempt %d recorded %d/%d passed=%v; marking gives %d/%d passed=%v",
						id, m.ID, a.Number, a.Correct, a.Total, a.Passed, sc.Correct, sc.Total, sc.Passed)
				}
			}
		}
	}
}

// sqliteDialect rewrites the two PostgreSQL spellings the checks use.
var sqliteDialect = strings.NewReplacer("FULL JOIN", "FULL OUTER JOIN", "IS DISTINCT FROM", "IS NOT").Replace
