package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
)

var _ app.ReportStore = (*Store)(nil)

// learnerSelect is the per-learner summary: users (everyone registered)
// with their enrolment row (kept current by each submission), so lists and
// counts never join over attempts. Its columns are app.LearnerRow's, in
// order (EachLearner scans them so).
const learnerColumns = `SELECT u.id AS user_id, u.name, u.email, u.organisation_id, o.name AS organisation, u.job_role, u.manager_email,
	u.created_at AS registered_at, e.started_at, COALESCE(e.modules_started, 0) AS modules_started,
	COALESCE(e.modules_passed, 0) AS modules_passed, e.completed_at, e.confirmed_at,
	COALESCE(e.certificate_code, '') AS certificate_code, e.certificate_expires_at, e.certificate_revoked_at, COALESCE(e.cycle, 1) AS cycle`

const learnerFrom = `
FROM users u
JOIN organisations o ON o.id = u.organisation_id
LEFT JOIN enrolments e ON e.user_id = u.id AND e.course_id = @course`

const learnerSelect = learnerColumns + learnerFrom

type learnerRow struct {
	UserID               int64
	Name                 string
	Email                string
	OrganisationID       int64
	Organisation         string
	JobRole              string
	ManagerEmail         string
	RegisteredAt         time.Time
	StartedAt            *time.Time
	ModulesStarted       int
	ModulesPassed        int
	CompletedAt          *time.Time
	ConfirmedAt          *time.Time
	CertificateCode      string
	CertificateExpiresAt *time.Time
	CertificateRevokedAt *time.Time
	Cycle                int
}

func (r *learnerRow) row() app.LearnerRow { return app.LearnerRow(*r) }

// learnerWhere mirrors app.LearnerRow.Status in SQL, so a filter returns
// exactly the learners whose Status is that status (a test holds them
// together). The clause is over users u LEFT JOIN enrolments e.
func learnerWhere(q app.LearnerQuery) (string, map[string]any) {
	conds, args, _ := learnerConds(q, "u.organisation_id")
	return whereClause(conds), args
}

// learnerCount counts the learners learnerWhere matches. When every match
// has an enrolment (any status but not started, or a completion date) it
// counts from enrolments, filtering the organisation there, where
// enrolments_org_completed serves it: one organisation's learners are
// spread over the whole users table but together in that index. The result
// is the same because enrolments.organisation_id follows the learner's
// (StartEnrolment, UpdateProfile, MergeOrganisation) and every enrolment
// has its user; the join to users is even left out unless a search needs
// it. Otherwise it counts from users, looking up only the organisation's
// enrolments.
func learnerCount(q app.LearnerQuery) (string, map[string]any) {
	if conds, args, enrolled := learnerConds(q, "e.organisation_id"); enrolled {
		return `SELECT COUNT(*) FROM enrolments e LEFT JOIN users u ON u.id = e.user_id` +
			whereClause(append([]string{"e.course_id = @course"}, conds...)), args
	}
	conds, args, _ := learnerConds(q, "u.organisation_id")
	on := "e.user_id = u.id AND e.course_id = @course"
	if q.OrganisationID != 0 { // the same enrolments, for the same reason, found by organisation
		on += " AND e.organisation_id = @org"
	}
	return `SELECT COUNT(*) FROM users u LEFT JOIN enrolments e ON ` + on + whereClause(conds), args
}

// learnerConds are the conditions of a learner query, with the
// organisation's column named by orgColumn, and whether only learners
// with an enrolment can match.
func learnerConds(q app.LearnerQuery, orgColumn string) (conds []string, args map[string]any, enrolled bool) {
	expiredBy, dueBy := app.ValidityBounds(q.Now)
	args = map[string]any{"course": q.CourseID, "now": expiredBy.UTC(), "due": dueBy.UTC()}
	if q.OrganisationID != 0 {
		conds = append(conds, orgColumn+" = @org")
		args["org"] = q.OrganisationID
	}
	if q.Status != "" {
		conds = append(conds, statusCondition(q.Status))
	}
	enrolled = q.Status != "" && q.Status != app.LearnerNotStarted
	if q.Reached != "" {
		conds = append(conds, milestoneCondition(q.Reached))
		enrolled = true
	}
	if q.CompletedFrom != nil {
		conds = append(conds, "e.completed_at >= @from")
		args["from"] = q.CompletedFrom.UTC()
		enrolled = true
	}
	if q.CompletedTo != nil {
		conds = append(conds, "e.completed_at < @to")
		args["to"] = q.CompletedTo.UTC()
		enrolled = true
	}
	if q.Search != "" {
		esc := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q.Search)
		conds = append(conds, `(u.name_norm LIKE @search ESCAPE '\' OR u.email_norm LIKE @search ESCAPE '\')`)
		args["search"] = "%" + esc + "%"
	}
	return conds, args, enrolled
}

// statusCondition is the filter for a status, derived from the rule:
// the stage and validity combinations app.StatusCases gives for it. A
// learner with no enrolment row is at StageNotStarted (a row exists only
// once a module is started, so no row holds that stage).
func statusCondition(st app.LearnerStatus) string {
	var ors []string
	for _, c := range app.StatusCases(st) {
		stage := "e.stage = '" + string(c.Stage) + "'"
		if c.Stage == app.StageNotStarted {
			stage = "e.user_id IS NULL"
		}
		var validity string
		switch c.Validity {
		case app.NoCertificate:
			validity = "e.certificate_expires_at IS NULL"
		case app.Current:
			validity = "e.certificate_expires_at > @due"
		case app.RefresherDue:
			validity = "e.certificate_expires_at > @now AND e.certificate_expires_at <= @due"
		case app.Expired:
			validity = "e.certificate_expires_at <= @now"
		}
		if c.Stage == app.StageNotStarted {
			if c.Validity != app.NoCertificate {
				continue // no row, so no certificate
			}
			ors = append(ors, stage)
			continue
		}
		ors = append(ors, "("+stage+" AND "+validity+")")
	}
	if len(ors) == 0 {
		return "1 = 0"
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

// milestoneCondition is app.LearnerRow.Reached in SQL over an enrolment e
// (a row exists once a module is started, and started_at is never NULL in
// it). The dashboard's totals count with it too.
func milestoneCondition(m app.Milestone) string {
	switch m {
	case app.MilestoneStarted:
		return "e.started_at IS NOT NULL"
	case app.MilestoneCompleted:
		return "(e.completed_at IS NOT NULL OR e.cycle > 1)"
	case app.MilestoneConfirmed:
		return "e.confirmed_at IS NOT NULL"
	}
	return "1 = 0"
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

func learnerOrder(q app.LearnerQuery) string {
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	switch q.Sort {
	case "organisation":
		return fmt.Sprintf(" ORDER BY o.name %s, u.name_norm %s, u.id %s", dir, dir, dir)
	case "registered":
		return fmt.Sprintf(" ORDER BY u.created_at %s, u.id %s", dir, dir)
	case "completed":
		return fmt.Sprintf(" ORDER BY (e.completed_at IS NULL), e.completed_at %s, u.id %s", dir, dir)
	case "expires":
		return fmt.Sprintf(" ORDER BY (e.certificate_expires_at IS NULL), e.certificate_expires_at %s, u.id %s", dir, dir)
	default:
		return fmt.Sprintf(" ORDER BY u.name_norm %s, u.id %s", dir, dir)
	}
}

// Learners implements app.ReportStore: one page and the total.
func (s *Store) Learners(ctx context.Context, q app.LearnerQuery) ([]app.LearnerRow, int, error) {
	db := s.db.WithContext(ctx)
	var total int64
	countSQL, countArgs := learnerCount(q)
	if err := db.Raw(countSQL, countArgs).Scan(&total).Error; err != nil {
		return nil, 0, wrap(err, "count learners")
	}
	where, args := learnerWhere(q)
	args["limit"], args["offset"] = q.PageSize, (q.Page-1)*q.PageSize
	var rows []learnerRow
	if err := db.Raw(learnerSelect+where+learnerOrder(q)+" LIMIT @limit OFFSET @offset", args).Scan(&rows).Error; err != nil {
		return nil, 0, wrap(err, "list learners")
	}
	out := make([]app.LearnerRow, len(rows))
	for i := range rows {
		out[i] = rows[i].row()
	}
	return out, int(total), nil
}

// EachLearner implements app.ReportStore, reading row by row from a cursor
// so an export of every learner never sits in memory. It scans the columns
// itself, in learnerSelect's order: GORM's ScanRows, by reflection, took
// most of an export's time.
func (s *Store) EachLearner(ctx context.Context, q app.LearnerQuery, fn func(*app.LearnerRow) error) error {
	where, args := learnerWhere(q)
	rows, err := s.db.WithContext(ctx).Raw(learnerSelect+where+learnerOrder(q), args).Rows()
	if err != nil {
		return wrap(err, "export learners")
	}
	defer rows.Close()
	for rows.Next() {
		var r app.LearnerRow
		err := rows.Scan(&r.UserID, &r.Name, &r.Email, &r.OrganisationID, &r.Organisation, &r.JobRole, &r.ManagerEmail,
			&r.RegisteredAt, &r.StartedAt, &r.ModulesStarted, &r.ModulesPassed, &r.CompletedAt, &r.ConfirmedAt,
			&r.CertificateCode, &r.CertificateExpiresAt, &r.CertificateRevokedAt, &r.Cycle)
		if err != nil {
			return wrap(err, "scan learner")
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return wrap(rows.Err(), "export learners")
}

// Learner implements app.ReportStore.
func (s *Store) Learner(ctx context.Context, courseID string, userID int64) (*app.LearnerRow, error) {
	var r learnerRow
	err := s.db.WithContext(ctx).Raw(learnerSelect+" WHERE u.id = @id", map[string]any{"course": courseID, "id": userID}).Take(&r).Error
	if err != nil {
		return nil, wrap(err, "learner")
	}
	lr := r.row()
	return &lr, nil
}

// StaffOf implements app.ReportStore: learners who named the manager's
// email, with whether the manager has accepted them and, for accepted
// staff only, their module progress.
func (s *Store) StaffOf(ctx context.Context, courseID string, manager *app.User) ([]app.StaffRow, error) {
	db := s.db.WithContext(ctx)
	var rows []struct {
		L        learnerRow `gorm:"embedded"`
		Accepted bool
	}
	err := db.Raw(learnerColumns+`, EXISTS (SELECT 1 FROM manager_links ml WHERE ml.learner_id = u.id AND ml.manager_id = @manager) AS accepted`+learnerFrom+`
		WHERE u.manager_email = @email AND u.email_verified_at IS NOT NULL ORDER BY u.name_norm, u.id`,
		map[string]any{"course": courseID, "manager": manager.ID, "email": manager.EmailNorm}).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "staff")
	}
	out := make([]app.StaffRow, len(rows))
	var accepted []int64
	for i, r := range rows {
		out[i] = app.StaffRow{LearnerRow: r.L.row(), Accepted: r.Accepted}
		if r.Accepted {
			accepted = append(accepted, r.L.UserID)
		}
	}
	if len(accepted) == 0 {
		return out, nil
	}
	var progress []moduleProgressRow
	if err := db.Where("course_id = ? AND user_id IN ?", courseID, accepted).Find(&progress).Error; err != nil {
		return nil, wrap(err, "staff progress")
	}
	byUser := map[int64][]app.ModuleProgress{}
	for _, p := range progress {
		byUser[p.UserID] = append(byUser[p.UserID], app.ModuleProgress{UserID: p.UserID, CourseID: p.CourseID, ModuleID: p.ModuleID,
			StartedAt: p.StartedAt, SecondsSpent: p.SecondsSpent, Attempts: p.Attempts, LastPercent: p.LastPercent, PassedAt: p.PassedAt, PassPercent: p.PassPercent})
	}
	for i := range out {
		out[i].Modules = byUser[out[i].UserID]
	}
	return out, nil
}

// AcceptStaff implements app.ReportStore (idempotent).
func (s *Store) AcceptStaff(ctx context.Context, managerID, learnerID int64, at time.Time) error {
	return wrap(s.db.WithContext(ctx).Exec(`INSERT INTO manager_links (learner_id, manager_id, accepted_at) VALUES (?, ?, ?) ON CONFLICT (learner_id, manager_id) DO NOTHING`,
		learnerID, managerID, at.UTC()).Error, "manager link")
}

// Confirmation implements app.ReportStore.
func (s *Store) Confirmation(ctx context.Context, learnerID int64, courseID string) (*app.Confirmation, error) {
	var c app.Confirmation
	err := s.db.WithContext(ctx).Raw(`SELECT c.learner_id, c.course_id, c.manager_id, u.name AS manager_name, c.confirmed_at, c.note
		FROM confirmations c JOIN users u ON u.id = c.manager_id WHERE c.learner_id = ? AND c.course_id = ? AND c.cycle = `+cycleSQL,
		learnerID, courseID, learnerID, courseID).Take(&c).Error
	if err != nil {
		return nil, wrap(err, "confirmation")
	}
	return &c, nil
}

// Confirm implements app.ReportStore; a second confirmation is ECONFLICT.
func (s *Store) Confirm(ctx context.Context, c *app.Confirmation) error {
	return s.transact(ctx, func(tx *Store) error {
		if err := tx.db.Exec(`INSERT INTO confirmations (learner_id, course_id, cycle, manager_id, confirmed_at, note) VALUES (?, ?, `+cycleSQL+`, ?, ?, ?)`,
			c.LearnerID, c.CourseID, c.LearnerID, c.CourseID, c.ManagerID, c.ConfirmedAt.UTC(), c.Note).Error; err != nil {
			return wrap(err, "confirmation")
		}
		return tx.refreshEnrolment(ctx, c.LearnerID, c.CourseID, c.ConfirmedAt)
	})
}

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

// QuestionStats implements app.ReportStore: first attempts only.
func (s *Store) QuestionStats(ctx context.Context, c *app.Course) ([]app.QuestionStat, error) {
	var rows []struct {
		QuestionID string
		Options    string
		Correct    bool
		N          int
	}
	err := s.db.WithContext(ctx).Raw(`SELECT aa.question_id, aa.options, aa.correct, COUNT(*) AS n
		FROM attempts a JOIN attempt_answers aa ON aa.attempt_id = a.id
		WHERE a.course_id = ? AND a.number = 1 GROUP BY aa.question_id, aa.options, aa.correct`, c.ID).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "question stats")
	}
	type acc struct {
		n, right int
		wrong    map[string]int
	}
	by := map[string]*acc{}
	for _, r := range rows {
		a := by[r.QuestionID]
		if a == nil {
			a = &acc{wrong: map[string]int{}}
			by[r.QuestionID] = a
		}
		a.n += r.N
		if r.Correct {
			a.right += r.N
			continue
		}
		for _, o := range splitOptions(r.Options) {
			a.wrong[o] += r.N
		}
	}
	var out []app.QuestionStat
	for _, m := range c.Modules {
		for _, q := range m.Questions() {
			if !q.Scored() {
				continue
			}
			st := app.QuestionStat{Module: m, Question: q}
			if a := by[q.ID]; a != nil {
				st.FirstAttempts, st.FirstCorrect = a.n, a.right
				keys := make([]string, 0, len(a.wrong))
				for k := range a.wrong {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					if o := q.Option(k); o != nil && !o.Correct && a.wrong[k] > st.TopWrongCount {
						st.TopWrongOption, st.TopWrongCount = o, a.wrong[k]
					}
				}
			}
			out = append(out, st)
		}
	}
	return out, nil
}

// AddOrganisation implements app.ReportStore.
func (s *Store) AddOrganisation(ctx context.Context, name string) (*app.Organisation, error) {
	r := organisationRow{Name: name, NameNorm: strings.ToLower(name), CreatedAt: Now()}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return nil, wrap(err, "organisation")
	}
	return &app.Organisation{ID: r.ID, Name: r.Name}, nil
}

// RenameOrganisation implements app.ReportStore.
func (s *Store) RenameOrganisation(ctx context.Context, id int64, name string) error {
	res := s.db.WithContext(ctx).Exec(`UPDATE organisations SET name = ?, name_norm = ? WHERE id = ?`, name, strings.ToLower(name), id)
	if res.Error != nil {
		return wrap(res.Error, "organisation")
	}
	if res.RowsAffected == 0 {
		return app.Errorf(app.ENOTFOUND, "There is no such organisation.")
	}
	return nil
}

// MergeOrganisation implements app.ReportStore: moves every learner and
// summary row, then deletes the merged organisation.
func (s *Store) MergeOrganisation(ctx context.Context, fromID, intoID int64) error {
	db := s.db.WithContext(ctx)
	var n int64
	if err := db.Raw(`SELECT COUNT(*) FROM organisations WHERE id IN (?, ?)`, fromID, intoID).Scan(&n).Error; err != nil {
		return wrap(err, "organisations")
	}
	if n != 2 {
		return app.Errorf(app.ENOTFOUND, "There is no such organisation.")
	}
	return s.transact(ctx, func(tx *Store) error {
		var moved []int64
		if err := tx.db.Raw(`UPDATE users SET organisation_id = ? WHERE organisation_id = ? RETURNING id`, intoID, fromID).Scan(&moved).Error; err != nil {
			return wrap(err, "merge organisations")
		}
		now := Now()
		for _, id := range moved {
			if err := tx.refreshLearner(ctx, id, now); err != nil {
				return err
			}
		}
		return wrap(tx.db.Exec(`DELETE FROM organisations WHERE id = ?`, fromID).Error, "merge organisations")
	})
}

// SetRoles implements app.ReportStore.
func (s *Store) SetRoles(ctx context.Context, userID int64, roles []string) error {
	return wrap(s.db.WithContext(ctx).Exec(`UPDATE users SET roles = ?, updated_at = ? WHERE id = ?`, strings.Join(roles, ","), Now(), userID).Error, "user")
}

// SetManager implements app.ReportStore: a new manager email drops any
// previous acceptance; link, if set, is accepted at once.
func (s *Store) SetManager(ctx context.Context, learnerID int64, managerEmail string, link *int64, at time.Time) error {
	db := s.db.WithContext(ctx)
	if err := db.Exec(`UPDATE users SET manager_email = ?, updated_at = ? WHERE id = ?`, managerEmail, Now(), learnerID).Error; err != nil {
		return wrap(err, "user")
	}
	if err := db.Exec(`DELETE FROM manager_links WHERE learner_id = ?`, learnerID).Error; err != nil {
		return wrap(err, "manager links")
	}
	if link != nil {
		return s.AcceptStaff(ctx, *link, learnerID, at)
	}
	return nil
}

// UpdateProfile implements app.ReportStore: name, job role, organisation
// and manager email. Changing the manager email drops the old acceptance.
func (s *Store) UpdateProfile(ctx context.Context, u *app.User) error {
	return s.transact(ctx, func(tx *Store) error { return tx.updateProfile(ctx, u) })
}

func (s *Store) updateProfile(ctx context.Context, u *app.User) error {
	db := s.db.WithContext(ctx)
	var old string
	if err := db.Raw(`SELECT manager_email FROM users WHERE id = ?`+s.forUpdate(), u.ID).Scan(&old).Error; err != nil {
		return wrap(err, "user")
	}
	err := db.Exec(`UPDATE users SET name = ?, name_norm = ?, job_role = ?, organisation_id = ?, manager_email = ?, updated_at = ? WHERE id = ?`,
		u.Name, strings.ToLower(u.Name), u.JobRole, u.OrganisationID, u.ManagerEmail, Now(), u.ID).Error
	if err != nil {
		return wrap(err, "user")
	}
	if err := s.refreshLearner(ctx, u.ID, Now()); err != nil {
		return err
	}
	if old != u.ManagerEmail {
		return wrap(db.Exec(`DELETE FROM manager_links WHERE learner_id = ?`, u.ID).Error, "manager links")
	}
	return nil
}

// RevokeCertificate implements app.ReportStore.
func (s *Store) RevokeCertificate(ctx context.Context, code, reason string, at time.Time) error {
	return s.transact(ctx, func(tx *Store) error {
		_, err := tx.revoke(ctx, code, reason, at, "")
		return err
	})
}

// revoke marks a current certificate revoked and refreshes its holder's
// summary; ECONFLICT if it is not current.
func (s *Store) revoke(ctx context.Context, code, reason string, at time.Time, replacedBy string) (bool, error) {
	var holder []struct {
		UserID   int64
		CourseID string
	}
	if err := s.db.WithContext(ctx).Raw(`UPDATE certificates SET revoked_at = ?, revoked_reason = ?, replaced_by = ? WHERE code = ? AND revoked_at IS NULL RETURNING user_id, course_id`,
		at.UTC(), reason, replacedBy, code).Scan(&holder).Error; err != nil {
		return false, wrap(err, "certificate")
	}
	if len(holder) == 0 {
		return false, app.Errorf(app.ECONFLICT, "This certificate is already revoked.")
	}
	return true, s.refreshEnrolment(ctx, holder[0].UserID, holder[0].CourseID, at)
}

// ReissueCertificate implements app.ReportStore.
func (s *Store) ReissueCertificate(ctx context.Context, oldCode string, fresh *app.Certificate, at time.Time) error {
	return s.transact(ctx, func(tx *Store) error {
		if _, err := tx.revoke(ctx, oldCode, "Reissued", at, fresh.Code); err != nil && app.ErrorCode(err) != app.ECONFLICT {
			return err
		}
		if err := tx.createCertificate(ctx, fresh); err != nil {
			return err
		}
		return tx.refreshEnrolment(ctx, fresh.UserID, fresh.CourseID, at)
	})
}

type auditRow struct {
	ID            int64
	ActorID       int64
	Action        string
	SubjectUserID *int64
	Detail        string
	CreatedAt     time.Time
}

func (auditRow) TableName() string { return "audit_log" }

// AddAudit implements app.ReportStore.
func (s *Store) AddAudit(ctx context.Context, e *app.AuditEntry) error {
	r := auditRow{ActorID: e.ActorID, Action: e.Action, SubjectUserID: e.SubjectUserID, Detail: e.Detail, CreatedAt: e.CreatedAt.UTC()}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return wrap(err, "audit")
	}
	e.ID = r.ID
	return nil
}

// Audit implements app.ReportStore, newest first.
func (s *Store) Audit(ctx context.Context, limit int) ([]app.AuditEntry, error) {
	var rows []struct {
		ID            int64
		ActorID       int64
		ActorName     string
		Action        string
		SubjectUserID *int64
		SubjectName   sql.NullString
		Detail        string
		CreatedAt     time.Time
	}
	err := s.db.WithContext(ctx).Raw(`SELECT a.id, a.actor_id, actor.name AS actor_name, a.action, a.subject_user_id, subject.name AS subject_name, a.detail, a.created_at
		FROM audit_log a JOIN users actor ON actor.id = a.actor_id LEFT JOIN users subject ON subject.id = a.subject_user_id
		ORDER BY a.created_at DESC, a.id DESC LIMIT ?`, limit).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "audit")
	}
	out := make([]app.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = app.AuditEntry{ID: r.ID, ActorID: r.ActorID, ActorName: r.ActorName, Action: r.Action, SubjectUserID: r.SubjectUserID,
			SubjectName: r.SubjectName.String, Detail: r.Detail, CreatedAt: r.CreatedAt}
	}
	return out, nil
}
