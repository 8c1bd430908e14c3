package store

import (
	"context"
	"fmt"
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
	COALESCE(e.certificate_code, '') AS certificate_code, e.certificate_expires_at, e.certificate_revoked_at, COALESCE(e.cycle, 1) AS cycle,
	u.email_verified_at IS NOT NULL AS email_verified,
	u.password_hash LIKE '` + app.PasswordHashPrefix + `%' AS has_password,
	COALESCE((SELECT MIN(i.label) FROM identities i WHERE i.user_id = u.id AND i.method = '` + app.MethodOIDC + `'), '') AS oidc_label,
	COALESCE((SELECT MIN(i.label) FROM identities i WHERE i.user_id = u.id AND i.method = '` + app.MethodLTI + `'), '') AS lti_label`

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
	EmailVerified        bool
	HasPassword          bool
	OIDCLabel            string `gorm:"column:oidc_label"`
	LTILabel             string `gorm:"column:lti_label"`
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
	switch q.SignIn {
	case app.SignInPasswordOnly:
		conds = append(conds, "NOT EXISTS (SELECT 1 FROM identities i WHERE i.user_id = u.id)")
	case app.SignInOIDC, app.SignInLTI:
		conds = append(conds, "EXISTS (SELECT 1 FROM identities i WHERE i.user_id = u.id AND i.method = @signin)")
		args["signin"] = q.SignIn
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
			&r.CertificateCode, &r.CertificateExpiresAt, &r.CertificateRevokedAt, &r.Cycle, &r.EmailVerified,
			&r.HasPassword, &r.OIDCLabel, &r.LTILabel)
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
