package store

import (
	"context"
	"time"

	"github.com/foundations/foundations/app"
)

// monthCounts is the SQL for completions per calendar month (UTC) since a
// date, as "YYYY-MM" and a count. PostgreSQL truncates each date and
// formats only the twelve groups: to_char on every row cost more than the
// scan.
func (s *Store) monthCounts() string {
	if s.postgres {
		return `SELECT to_char(m, 'YYYY-MM') AS month, n AS count FROM (SELECT date_trunc('month', submitted_at AT TIME ZONE 'UTC') AS m, COUNT(*) AS n
			FROM evaluations WHERE course_id = ? AND submitted_at >= ? GROUP BY 1) x`
	}
	return `SELECT strftime('%Y-%m', submitted_at) AS month, COUNT(*) AS count FROM evaluations WHERE course_id = ? AND submitted_at >= ? GROUP BY 1`
}

// Dashboard implements app.ReportStore. Every figure comes from the
// per-learner summary rows or a pre-aggregated table, never from a scan of
// attempts, so it stays fast as attempts grow: users are read once (by
// organisation, from its index) and enrolments once, grouped by
// organisation and modules started and passed, which gives the totals,
// the organisations' figures and the funnel together.
func (s *Store) Dashboard(ctx context.Context, c *app.Course, now time.Time, month string) (*app.Dashboard, error) {
	db := s.db.WithContext(ctx)
	d := &app.Dashboard{Month: month, MedianMinutes: map[string]int{}}
	course := c.ID
	mStart, _ := time.Parse("2006-01", month)
	mEnd := mStart.AddDate(0, 1, 0)
	expiredBy, dueBy := app.ValidityBounds(now)

	var registered []struct {
		OrganisationID int64
		Registered     int
	}
	if err := db.Raw(`SELECT organisation_id, COUNT(*) AS registered FROM users GROUP BY organisation_id`).Scan(&registered).Error; err != nil {
		return nil, wrap(err, "count users")
	}
	var groups []struct {
		OrganisationID                                        int64
		ModulesStarted, ModulesPassed                         int
		Learners, Started, Completed, Confirmed, Due, InMonth int
	}
	// Completed counts everyone who has completed the course, a refresher
	// under way or not; due is exactly the learner list's "refresher due".
	err := db.Raw(`SELECT e.organisation_id, e.modules_started, e.modules_passed, COUNT(*) AS learners,
			SUM(CASE WHEN `+milestoneCondition(app.MilestoneStarted)+` THEN 1 ELSE 0 END) AS started,
			SUM(CASE WHEN `+milestoneCondition(app.MilestoneCompleted)+` THEN 1 ELSE 0 END) AS completed,
			SUM(CASE WHEN `+milestoneCondition(app.MilestoneConfirmed)+` THEN 1 ELSE 0 END) AS confirmed,
			SUM(CASE WHEN `+statusCondition(app.LearnerRefresherDue)+` THEN 1 ELSE 0 END) AS due
		FROM enrolments e WHERE e.course_id = @course GROUP BY e.organisation_id, e.modules_started, e.modules_passed`,
		map[string]any{"now": expiredBy.UTC(), "due": dueBy.UTC(), "course": course}).Scan(&groups).Error
	if err != nil {
		return nil, wrap(err, "count enrolments")
	}
	// Completions in the month, each cycle's in its own month, by the
	// learner's organisation.
	var inMonth []struct {
		OrganisationID int64
		N              int
	}
	if err := db.Raw(`SELECT u.organisation_id, COUNT(*) AS n FROM evaluations e JOIN users u ON u.id = e.user_id
		WHERE e.course_id = ? AND e.submitted_at >= ? AND e.submitted_at < ? GROUP BY u.organisation_id`, course, mStart, mEnd).Scan(&inMonth).Error; err != nil {
		return nil, wrap(err, "completions in the month")
	}
	var orgs []organisationRow
	if err := db.Raw(`SELECT id, name FROM organisations ORDER BY name`).Scan(&orgs).Error; err != nil {
		return nil, wrap(err, "organisations")
	}

	byOrg := map[int64]*app.OrgCount{}
	for _, o := range orgs {
		d.PerOrganisation = append(d.PerOrganisation, app.OrgCount{OrganisationID: o.ID, Organisation: o.Name})
	}
	for i := range d.PerOrganisation {
		byOrg[d.PerOrganisation[i].OrganisationID] = &d.PerOrganisation[i]
	}
	for _, r := range registered {
		d.Registered += r.Registered
		if o := byOrg[r.OrganisationID]; o != nil {
			o.Registered = r.Registered
		}
	}
	// Module funnel: modules open in order, so "reached module k" is
	// "started at least k modules".
	d.Funnel = make([]app.FunnelStep, len(c.Modules))
	for i, m := range c.Modules {
		d.Funnel[i].Module = m
	}
	for _, g := range groups {
		d.Started, d.Completed, d.Confirmed, d.RefresherDue = d.Started+g.Started, d.Completed+g.Completed, d.Confirmed+g.Confirmed, d.RefresherDue+g.Due
		if o := byOrg[g.OrganisationID]; o != nil {
			o.Started, o.Completed = o.Started+g.Started, o.Completed+g.Completed
		}
		for i := range d.Funnel {
			if g.ModulesStarted > i {
				d.Funnel[i].Reached += g.Learners
			}
			if g.ModulesPassed > i {
				d.Funnel[i].Passed += g.Learners
			}
		}
	}

	for _, m := range inMonth {
		if o := byOrg[m.OrganisationID]; o != nil {
			o.InMonth += m.N
		}
	}

	// Completions per month, the last app.DashboardMonths.
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1-app.DashboardMonths, 0)
	var months []struct {
		Month string
		Count int
	}
	if err := db.Raw(s.monthCounts(), course, first).Scan(&months).Error; err != nil {
		return nil, wrap(err, "completions per month")
	}
	counts := map[string]int{}
	for _, m := range months {
		counts[m.Month] = m.Count
	}
	for i := 0; i < app.DashboardMonths; i++ {
		k := first.AddDate(0, i, 0).Format("2006-01")
		d.PerMonth = append(d.PerMonth, app.MonthCount{Month: k, Count: counts[k]})
	}

	// Median minutes per module, from the pass-time histogram.
	var hist []struct {
		ModuleID          string
		Minutes, Learners int
	}
	if err := db.Raw(`SELECT module_id, minutes, learners FROM module_minutes WHERE course_id = ? ORDER BY module_id, minutes`, course).Scan(&hist).Error; err != nil {
		return nil, wrap(err, "module minutes")
	}
	totalBy := map[string]int{}
	for _, h := range hist {
		totalBy[h.ModuleID] += h.Learners
	}
	seen := map[string]int{}
	for _, h := range hist {
		if _, done := d.MedianMinutes[h.ModuleID]; done {
			continue
		}
		seen[h.ModuleID] += h.Learners
		if seen[h.ModuleID]*2 >= totalBy[h.ModuleID] {
			d.MedianMinutes[h.ModuleID] = h.Minutes
		}
	}

	ev, err := s.evaluationSummary(ctx, c)
	if err != nil {
		return nil, err
	}
	d.Evaluation = *ev
	return d, nil
}

func (s *Store) evaluationSummary(ctx context.Context, c *app.Course) (*app.EvaluationSummary, error) {
	db := s.db.WithContext(ctx)
	ev := &app.EvaluationSummary{}
	if err := db.Raw(`SELECT COUNT(*) FROM evaluations WHERE course_id = ?`, c.ID).Scan(&ev.Responses).Error; err != nil {
		return nil, wrap(err, "count evaluations")
	}
	var totals []struct {
		ItemID           string
		Responses, Total int
	}
	if err := db.Raw(`SELECT item_id, responses, total FROM evaluation_totals WHERE course_id = ?`, c.ID).Scan(&totals).Error; err != nil {
		return nil, wrap(err, "evaluation totals")
	}
	byItem := map[string]struct{ n, t int }{}
	for _, t := range totals {
		byItem[t.ItemID] = struct{ n, t int }{t.Responses, t.Total}
	}
	items := map[string]*app.EvaluationItem{}
	for _, it := range c.Evaluation {
		items[it.ID] = it
		if it.Type != app.EvalLikert {
			continue
		}
		m := app.ItemMean{Item: it, Count: byItem[it.ID].n}
		if m.Count > 0 {
			m.Mean = float64(byItem[it.ID].t) / float64(m.Count)
		}
		ev.Means = append(ev.Means, m)
	}
	var comments []struct {
		ItemID      string
		Comment     string
		SubmittedAt time.Time
	}
	err := db.Raw(`SELECT r.item_id, r.comment, e.submitted_at FROM evaluations e
		JOIN evaluation_responses r ON r.user_id = e.user_id AND r.course_id = e.course_id AND r.cycle = e.cycle
		WHERE e.course_id = ? AND r.comment IS NOT NULL AND r.comment <> ''
		ORDER BY e.submitted_at DESC LIMIT 20`, c.ID).Scan(&comments).Error
	if err != nil {
		return nil, wrap(err, "evaluation comments")
	}
	for _, cm := range comments {
		if it := items[cm.ItemID]; it != nil {
			ev.Comments = append(ev.Comments, app.Comment{Item: it, Text: cm.Comment, At: cm.SubmittedAt})
		}
	}
	return ev, nil
}
