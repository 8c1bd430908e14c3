package app

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// LearnerStatus is where a learner stands in a course, for coordinators'
// filters and managers' lists.
type LearnerStatus string

// Learner statuses. Derived, never stored: see StatusOf in status.go.
const (
	LearnerNotStarted   LearnerStatus = "not_started"
	LearnerInProgress   LearnerStatus = "in_progress"
	LearnerCompleted    LearnerStatus = "completed"
	LearnerConfirmed    LearnerStatus = "confirmed"
	LearnerRefresherDue LearnerStatus = "refresher_due"
	LearnerExpired      LearnerStatus = "expired"
	LearnerRevoked      LearnerStatus = "revoked"

	LearnerRefresherInProgress LearnerStatus = "refresher_in_progress"
)

// LearnerStatuses in the order filters offer them, with their labels.
var LearnerStatuses = []struct {
	Status LearnerStatus
	Label  string
}{
	{LearnerNotStarted, "Not started"},
	{LearnerInProgress, "In progress"},
	{LearnerCompleted, "Completed"},
	{LearnerConfirmed, "Confirmed by manager"},
	{LearnerRefresherDue, "Refresher due"},
	{LearnerExpired, "Expired"},
	{LearnerRevoked, "Certificate revoked"},
	{LearnerRefresherInProgress, "Refresher in progress"},
}

// Label is the status as people read it.
func (s LearnerStatus) Label() string {
	for _, x := range LearnerStatuses {
		if x.Status == s {
			return x.Label
		}
	}
	return string(s)
}

// LearnerRow is one learner's summary in a course, as lists and exports show it.
type LearnerRow struct {
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
	Cycle                int // 1, then 2 for the first refresher…
}

// LearnerQuery filters, sorts and pages the learner list. Zero values mean
// "any". CompletedFrom/To bound the completion date (To exclusive).
type LearnerQuery struct {
	CourseID       string
	OrganisationID int64
	Status         LearnerStatus
	Reached        Milestone // learners who have reached it, whatever their status
	CompletedFrom  *time.Time
	CompletedTo    *time.Time
	Search         string // name or email, case-insensitive, normalised here
	Sort           string // "name" (default), "organisation", "registered", "completed", "expires"
	Desc           bool
	Page           int // 1-based
	PageSize       int
	Now            time.Time
}

// LearnerSorts are the sort keys a query may use.
var LearnerSorts = []string{"name", "organisation", "registered", "completed", "expires"}

// Normalise makes a query safe to run: known sort, sane page bounds,
// lower-case trimmed search.
func (q *LearnerQuery) Normalise() {
	if !slices.Contains(LearnerSorts, q.Sort) {
		q.Sort = "name"
	}
	if q.PageSize <= 0 || q.PageSize > 200 {
		q.PageSize = 50
	}
	if q.Page < 1 {
		q.Page = 1
	}
	q.Page = min(q.Page, 1_000_000) // (page-1)*size must not overflow
	q.Search = strings.ToLower(strings.TrimSpace(q.Search))
	if utf8.RuneCountInString(q.Search) > 100 {
		q.Search = string([]rune(q.Search)[:100])
	}
	if !slices.ContainsFunc(Milestones, func(m struct {
		Milestone Milestone
		Label     string
	}) bool {
		return m.Milestone == q.Reached
	}) {
		q.Reached = ""
	}
	if !slices.ContainsFunc(LearnerStatuses, func(s struct {
		Status LearnerStatus
		Label  string
	}) bool {
		return s.Status == q.Status
	}) {
		q.Status = ""
	}
}

// StaffRow is a manager's view of one of their staff.
type StaffRow struct {
	LearnerRow
	Accepted bool
	Modules  []ModuleProgress // by course order; zero value when not opened
}

// Dashboard is the coordinator's overview.
type Dashboard struct {
	Registered, Started, Completed, Confirmed int
	PerMonth                                  []MonthCount // last DashboardMonths months, oldest first
	PerOrganisation                           []OrgCount
	Month                                     string // "2026-10": the month PerOrganisation's Month column counts
	Funnel                                    []FunnelStep
	MedianMinutes                             map[string]int // module ID → median minutes of those who passed
	RefresherDue                              int
	Evaluation                                EvaluationSummary
}

// CompletionRate is completed ÷ registered, as a whole percentage.
func (d *Dashboard) CompletionRate() int {
	if d.Registered == 0 {
		return 0
	}
	return d.Completed * 100 / d.Registered
}

// MonthCount is completions in one calendar month (UTC).
type MonthCount struct {
	Month string // "2026-10"
	Count int
}

// OrgCount is one organisation's figures.
type OrgCount struct {
	OrganisationID                          int64
	Organisation                            string
	Registered, Started, Completed, InMonth int
}

// FunnelStep is how many learners reached (opened) and passed one module.
type FunnelStep struct {
	Module          *Module
	Reached, Passed int
}

// EvaluationSummary summarises evaluations without names.
type EvaluationSummary struct {
	Responses int
	Means     []ItemMean // likert items, course order
	Comments  []Comment  // most recent first
}

// ItemMean is the mean rating of one likert item.
type ItemMean struct {
	Item  *EvaluationItem
	Mean  float64
	Count int
}

// Comment is one evaluation comment, shown without the learner's name.
type Comment struct {
	Item *EvaluationItem
	Text string
	At   time.Time
}

// QuestionStat is the first-attempt analysis of one question.
type QuestionStat struct {
	Module         *Module
	Question       *Question
	FirstAttempts  int
	FirstCorrect   int
	TopWrongOption *Option
	TopWrongCount  int
}

// PercentCorrect is the share right at the first attempt.
func (q QuestionStat) PercentCorrect() int {
	if q.FirstAttempts == 0 {
		return 0
	}
	return q.FirstCorrect * 100 / q.FirstAttempts
}

// AuditEntry is one change someone made to another person's record.
type AuditEntry struct {
	ID            int64
	ActorID       int64
	ActorName     string
	Action        string
	SubjectUserID *int64
	SubjectName   string
	Detail        string
	CreatedAt     time.Time
}

// Confirmation is a manager's record that a learner completed the training.
type Confirmation struct {
	LearnerID   int64
	CourseID    string
	ManagerID   int64
	ManagerName string
	ConfirmedAt time.Time
	Note        string
}

// ReportStore is what Oversight keeps and reads, beyond Store. Implemented
// by app/store; the same error conventions as Store.
type ReportStore interface {
	Store
	Learners(ctx context.Context, q LearnerQuery) ([]LearnerRow, int, error)
	// EachLearner streams every learner matching q (ignoring paging) in q's order.
	EachLearner(ctx context.Context, q LearnerQuery, fn func(*LearnerRow) error) error
	Learner(ctx context.Context, courseID string, userID int64) (*LearnerRow, error)
	// StaffOf returns the candidates for a manager's staff: learners who
	// named the manager's email, with whether the manager accepted them and
	// (for those) their progress. Oversight applies InStaffOf to them.
	StaffOf(ctx context.Context, courseID string, manager *User) ([]StaffRow, error)
	AcceptStaff(ctx context.Context, managerID, learnerID int64, at time.Time) error
	Confirmation(ctx context.Context, learnerID int64, courseID string) (*Confirmation, error)
	// Confirm records a manager's confirmation and refreshes the learner's
	// summary; a second confirmation is ECONFLICT.
	Confirm(ctx context.Context, c *Confirmation) error
	Dashboard(ctx context.Context, c *Course, now time.Time, month string) (*Dashboard, error)
	QuestionStats(ctx context.Context, c *Course) ([]QuestionStat, error)
	AddOrganisation(ctx context.Context, name string) (*Organisation, error)
	RenameOrganisation(ctx context.Context, id int64, name string) error
	MergeOrganisation(ctx context.Context, fromID, intoID int64) error
	SetRoles(ctx context.Context, userID int64, roles []string) error
	SetManager(ctx context.Context, learnerID int64, managerEmail string, link *int64, at time.Time) error
	UpdateProfile(ctx context.Context, u *User) error
	// RevokeCertificate revokes a current certificate and refreshes its
	// holder's summary; ECONFLICT if it is already revoked.
	RevokeCertificate(ctx context.Context, code, reason string, at time.Time) error
	// ReissueCertificate marks the certificate with oldCode revoked and
	// replaced (if it is not revoked already), issues fresh, and refreshes
	// the holder's summary.
	ReissueCertificate(ctx context.Context, oldCode string, fresh *Certificate, at time.Time) error
	AddAudit(ctx context.Context, e *AuditEntry) error
	Audit(ctx context.Context, limit int) ([]AuditEntry, error)
}

// Oversight is what managers, coordinators and administrators do: see
// progress, confirm training, report, and change other people's records,
// each change written to the audit trail. Every method checks the actor's
// role and scope itself, so no handler can forget to.
type Oversight struct {
	Store    ReportStore
	Learning *Learning
	Now      func() time.Time
	Mail     *Mail // tells learners when they are accepted and confirmed; nil sends nothing
	// Log receives each audited change at info level, with user IDs only
	// (nil: not logged).
	Log *slog.Logger
}

// Who may do what. Roles are checked here, once.
func mayCoordinate(u *User) bool { return u.Has(RoleCoordinator) || u.Has(RoleAdmin) }

// MayCoordinate reports whether u may see coordinators' reports and manage records.
func MayCoordinate(u *User) bool { return mayCoordinate(u) }

// MayManage reports whether u may use the manager's pages.
func MayManage(u *User) bool { return u.Has(RoleManager) }

func forbidden() error { return Errorf(EFORBIDDEN, "You do not have permission to do that.") }

// Staff lists a manager's staff: learners who named the manager's email,
// accepted or waiting to be accepted. Managers see progress and results,
// never reflections.
func (o *Oversight) Staff(ctx context.Context, manager *User) ([]StaffRow, error) {
	if !MayManage(manager) {
		return nil, forbidden()
	}
	candidates, err := o.Store.StaffOf(ctx, o.Learning.Course.ID, manager)
	if err != nil {
		return nil, fmt.Errorf("list staff of manager %d: %w", manager.ID, err)
	}
	rows := candidates[:0]
	for _, r := range candidates {
		if !InStaffOf(manager, &r.LearnerRow) {
			continue
		}
		if !MaySeeProgress(manager, &r) {
			r.Modules = nil
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// staffMember returns one learner if, and only if, they are the manager's
// staff; anyone else is ENOTFOUND, so a manager cannot even learn whether
// another person exists.
func (o *Oversight) staffMember(ctx context.Context, manager *User, learnerID int64, mustBeAccepted bool) (*StaffRow, error) {
	rows, err := o.Staff(ctx, manager)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		if rows[i].UserID == learnerID && (!mustBeAccepted || MaySeeProgress(manager, &rows[i])) {
			return &rows[i], nil
		}
	}
	return nil, Errorf(ENOTFOUND, "That person is not in your staff list.")
}

// AcceptStaff records that the manager accepts a learner who named them.
func (o *Oversight) AcceptStaff(ctx context.Context, manager *User, learnerID int64) error {
	row, err := o.staffMember(ctx, manager, learnerID, false)
	if err != nil {
		return err
	}
	if row.Accepted {
		return nil
	}
	return o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if err := rs.AcceptStaff(ctx, manager.ID, learnerID, o.Now()); err != nil {
			return fmt.Errorf("accept staff: %w", err)
		}
		if err := o.Mail.StaffAccepted(ctx, tx, learnerID, manager); err != nil {
			return err
		}
		return rs.AddAudit(ctx, &AuditEntry{ActorID: manager.ID, Action: "manager accepted staff member", SubjectUserID: &learnerID, CreatedAt: o.Now()})
	})
}

// StaffMember returns an accepted staff member's details with progress.
func (o *Oversight) StaffMember(ctx context.Context, manager *User, learnerID int64) (*StaffRow, *Confirmation, error) {
	row, err := o.staffMember(ctx, manager, learnerID, true)
	if err != nil {
		return nil, nil, err
	}
	conf, err := o.Store.Confirmation(ctx, learnerID, o.Learning.Course.ID)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return nil, nil, err
	}
	return row, conf, nil
}

// MaxNoteLength bounds a confirmation note.
const MaxNoteLength = 1000

// ConfirmTraining records the manager's confirmation that a staff member
// completed the course. Only for accepted staff whose course is complete
// (ECONFLICT otherwise); confirming again changes nothing.
func (o *Oversight) ConfirmTraining(ctx context.Context, manager *User, learnerID int64, note string) (*Confirmation, error) {
	row, err := o.staffMember(ctx, manager, learnerID, true)
	if err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxNoteLength {
		return nil, Invalid([]FieldError{{Field: "note", Message: "The note must be 1,000 characters or fewer"}})
	}
	if row.CompletedAt == nil {
		return nil, Errorf(ECONFLICT, "%s has not completed the course yet, so their training cannot be confirmed.", row.Name)
	}
	if existing, err := o.Store.Confirmation(ctx, learnerID, o.Learning.Course.ID); err == nil {
		return existing, nil
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	now := o.Now()
	c := &Confirmation{LearnerID: learnerID, CourseID: o.Learning.Course.ID, ManagerID: manager.ID, ManagerName: manager.Name, ConfirmedAt: now, Note: note}
	err = o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if err := rs.Confirm(ctx, c); err != nil {
			return err
		}
		if err := o.Mail.TrainingConfirmed(ctx, tx, learnerID, manager); err != nil {
			return err
		}
		return rs.AddAudit(ctx, &AuditEntry{ActorID: manager.ID, Action: "manager confirmed training", SubjectUserID: &learnerID, Detail: note, CreatedAt: now})
	})
	if ErrorCode(err) == ECONFLICT { // confirmed at the same moment by another request
		return o.Store.Confirmation(ctx, learnerID, o.Learning.Course.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("confirm training of user %d: %w", learnerID, err)
	}
	return c, nil
}

// Dashboard returns the coordinator's overview; month is "YYYY-MM" for the
// per-organisation column, defaulting to last month.
func (o *Oversight) Dashboard(ctx context.Context, actor *User, month string) (*Dashboard, error) {
	if !mayCoordinate(actor) {
		return nil, forbidden()
	}
	if month == "" {
		month = o.Now().Format("2006-01")
	} else if _, err := time.Parse("2006-01", month); err != nil {
		return nil, Invalid([]FieldError{{Field: "month", Message: "Enter the month as a year and month, like " + o.Now().Format("2006-01")}})
	}
	return o.Store.Dashboard(ctx, o.Learning.Course, o.Now(), month)
}

// Learners lists learners for a coordinator.
func (o *Oversight) Learners(ctx context.Context, actor *User, q LearnerQuery) ([]LearnerRow, int, error) {
	if !mayCoordinate(actor) {
		return nil, 0, forbidden()
	}
	q.CourseID, q.Now = o.Learning.Course.ID, o.Now()
	q.Normalise()
	return o.Store.Learners(ctx, q)
}

// ExportLearners streams every learner matching q to fn, for CSV and XLSX.
func (o *Oversight) ExportLearners(ctx context.Context, actor *User, q LearnerQuery, fn func(*LearnerRow) error) error {
	if !mayCoordinate(actor) {
		return forbidden()
	}
	q.CourseID, q.Now = o.Learning.Course.ID, o.Now()
	q.Normalise()
	return o.Store.EachLearner(ctx, q, fn)
}

// LearnerDetail is a coordinator's view of one learner.
type LearnerDetail struct {
	Row          *LearnerRow
	User         *User
	Attempts     map[string][]Attempt // by module ID
	Progress     *Progress
	Confirmation *Confirmation
	Certificate  *Certificate
}

// Learner returns one learner's detail with attempts per module (never
// reflections).
func (o *Oversight) Learner(ctx context.Context, actor *User, userID int64) (*LearnerDetail, error) {
	if !mayCoordinate(actor) {
		return nil, forbidden()
	}
	row, err := o.Store.Learner(ctx, o.Learning.Course.ID, userID)
	if err != nil {
		return nil, err
	}
	u, err := o.Store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	d := &LearnerDetail{Row: row, User: u, Attempts: map[string][]Attempt{}}
	if d.Progress, err = o.Learning.Progress(ctx, userID); err != nil {
		return nil, err
	}
	d.Certificate = d.Progress.Certificate
	for _, m := range o.Learning.Course.Modules {
		atts, err := o.Store.Attempts(ctx, o.Learning.key(userID, m))
		if err != nil {
			return nil, err
		}
		d.Attempts[m.ID] = atts
	}
	if c, err := o.Store.Confirmation(ctx, userID, o.Learning.Course.ID); err == nil {
		d.Confirmation = c
	}
	return d, nil
}

// QuestionStats is the question analysis for a coordinator.
func (o *Oversight) QuestionStats(ctx context.Context, actor *User) ([]QuestionStat, error) {
	if !mayCoordinate(actor) {
		return nil, forbidden()
	}
	return o.Store.QuestionStats(ctx, o.Learning.Course)
}

func (o *Oversight) audit(ctx context.Context, s ReportStore, actor *User, action string, subject *int64, detail string) error {
	if err := s.AddAudit(ctx, &AuditEntry{ActorID: actor.ID, Action: action, SubjectUserID: subject, Detail: detail, CreatedAt: o.Now()}); err != nil {
		return err
	}
	if o.Log != nil {
		var subjectID int64
		if subject != nil {
			subjectID = *subject
		}
		o.Log.Info("audited change", "action", action, "actor_id", actor.ID, "subject_user_id", subjectID)
	}
	return nil
}

func orgName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 120 || !ValidName(name) {
		return "", Invalid([]FieldError{{Field: "name", Message: "Enter an organisation name of 120 characters or fewer"}})
	}
	return name, nil
}

// AddOrganisation adds an organisation to the registration list.
func (o *Oversight) AddOrganisation(ctx context.Context, actor *User, name string) error {
	if !mayCoordinate(actor) {
		return forbidden()
	}
	name, err := orgName(name)
	if err != nil {
		return err
	}
	return o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if _, err := rs.AddOrganisation(ctx, name); err != nil {
			if ErrorCode(err) == ECONFLICT {
				return Invalid([]FieldError{{Field: "name", Message: "There is already an organisation with that name"}})
			}
			return err
		}
		return o.audit(ctx, rs, actor, "added organisation", nil, name)
	})
}

// RenameOrganisation renames one; learners keep it.
func (o *Oversight) RenameOrganisation(ctx context.Context, actor *User, id int64, name string) error {
	if !mayCoordinate(actor) {
		return forbidden()
	}
	name, err := orgName(name)
	if err != nil {
		return err
	}
	return o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if err := rs.RenameOrganisation(ctx, id, name); err != nil {
			if ErrorCode(err) == ECONFLICT {
				return Invalid([]FieldError{{Field: "name", Message: "There is already an organisation with that name"}})
			}
			return err
		}
		return o.audit(ctx, rs, actor, "renamed organisation", nil, fmt.Sprintf("organisation %d renamed to %q", id, name))
	})
}

// MergeOrganisation moves every learner of one organisation into another
// and removes the first. Learners keep their history.
func (o *Oversight) MergeOrganisation(ctx context.Context, actor *User, fromID, intoID int64) error {
	if !mayCoordinate(actor) {
		return forbidden()
	}
	if fromID == intoID {
		return Invalid([]FieldError{{Field: "into", Message: "Choose a different organisation to merge into"}})
	}
	return o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if err := rs.MergeOrganisation(ctx, fromID, intoID); err != nil {
			return err
		}
		return o.audit(ctx, rs, actor, "merged organisations", nil, fmt.Sprintf("organisation %d merged into %d", fromID, intoID))
	})
}

// GrantableRoles are the roles an actor may grant or remove: administrators
// any; coordinators manager and coordinator, never admin.
func GrantableRoles(actor *User) []string {
	switch {
	case actor.Has(RoleAdmin):
		return []string{RoleManager, RoleCoordinator, RoleAdmin}
	case actor.Has(RoleCoordinator):
		return []string{RoleManager, RoleCoordinator}
	default:
		return nil
	}
}

// SetRoles changes another user's granted roles within what the actor may
// grant: a role the actor may not grant is kept as it is when want leaves it
// out (a coordinator's form does not offer admin), and asking for it is
// EFORBIDDEN.
func (o *Oversight) SetRoles(ctx context.Context, actor *User, userID int64, want []string) error {
	grantable := GrantableRoles(actor)
	if len(grantable) == 0 {
		return forbidden()
	}
	u, err := o.Store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	roles := []string{RoleLearner}
	for _, r := range []string{RoleManager, RoleCoordinator, RoleAdmin} {
		has, wanted := u.Has(r), slices.Contains(want, r)
		if !slices.Contains(grantable, r) {
			if wanted && !has {
				return forbidden()
			}
			wanted = has
		}
		if wanted {
			roles = append(roles, r)
		}
	}
	if userID == actor.ID && actor.Has(RoleAdmin) && !slices.Contains(roles, RoleAdmin) {
		return Errorf(ECONFLICT, "You cannot remove your own administrator role.")
	}
	return o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if err := rs.SetRoles(ctx, userID, roles); err != nil {
			return err
		}
		return o.audit(ctx, rs, actor, "changed roles", &userID, strings.Join(roles, ", "))
	})
}

// AssignManager sets (or, with an empty email, removes) a learner's line
// manager. A manager assigned by a coordinator is accepted at once.
func (o *Oversight) AssignManager(ctx context.Context, actor *User, learnerID int64, managerEmail string) error {
	if !mayCoordinate(actor) {
		return forbidden()
	}
	managerEmail = NormaliseEmail(managerEmail)
	var link *int64
	if managerEmail != "" {
		if msg := emailProblem(managerEmail); msg != "" {
			return Invalid([]FieldError{{Field: "manager_email", Message: "Enter the manager's email address in the correct format"}})
		}
		m, err := o.Store.UserByEmail(ctx, managerEmail)
		if err == nil && m.ID != learnerID {
			link = &m.ID
		}
	}
	if _, err := o.Store.UserByID(ctx, learnerID); err != nil {
		return err
	}
	return o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if err := rs.SetManager(ctx, learnerID, managerEmail, link, o.Now()); err != nil {
			return err
		}
		detail := "manager removed"
		if managerEmail != "" {
			detail = "manager set to " + managerEmail
		}
		return o.audit(ctx, rs, actor, "assigned manager", &learnerID, detail)
	})
}

// Revoke revokes a certificate with a reason; verification then says so.
func (o *Oversight) Revoke(ctx context.Context, actor *User, learnerID int64, reason string) error {
	return o.RevokeWithNotice(ctx, actor, learnerID, reason, "")
}

// RevokeWithNotice is Revoke with a public reason, which the verification
// page and its JSON show (optional; the reason itself stays in the audit
// trail).
func (o *Oversight) RevokeWithNotice(ctx context.Context, actor *User, learnerID int64, reason, publicReason string) error {
	if !mayCoordinate(actor) {
		return forbidden()
	}
	reason, err := RevokeReason(reason)
	if err != nil {
		return err
	}
	if publicReason, err = PublicRevokeReason(publicReason); err != nil {
		return err
	}
	cert, err := o.Learning.Certificate(ctx, learnerID)
	if err != nil {
		return err
	}
	if cert.RevokedAt != nil {
		return Errorf(ECONFLICT, "This certificate is already revoked.")
	}
	now := o.Now()
	return o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if err := rs.RevokeCertificate(ctx, cert.Code, reason, now); err != nil {
			return err
		}
		if publicReason != "" {
			notices, ok := tx.(CertificateNotices)
			if !ok {
				return fmt.Errorf("store %T cannot keep a public revocation reason", tx)
			}
			if err := notices.SetPublicReason(ctx, cert.Code, publicReason); err != nil {
				return err
			}
		}
		return o.audit(ctx, rs, actor, "revoked certificate", &learnerID, reason)
	})
}

// Reissue issues a fresh certificate (new code, the learner's current name,
// the original completion date and expiry) and marks the previous one
// revoked and replaced. For a changed name or a revoked-in-error certificate.
func (o *Oversight) Reissue(ctx context.Context, actor *User, learnerID int64) (*Certificate, error) {
	if !mayCoordinate(actor) {
		return nil, forbidden()
	}
	old, err := o.Learning.Certificate(ctx, learnerID)
	if err != nil {
		return nil, err
	}
	u, err := o.Store.UserByID(ctx, learnerID)
	if err != nil {
		return nil, err
	}
	now := o.Now()
	fresh := o.Learning.newCertificate(u, now)
	fresh.CompletedAt, fresh.ExpiresAt, fresh.Cycle = old.CompletedAt, old.ExpiresAt, old.Cycle
	err = o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if err := rs.ReissueCertificate(ctx, old.Code, fresh, now); err != nil {
			return err
		}
		return o.audit(ctx, rs, actor, "reissued certificate", &learnerID, "")
	})
	if err != nil {
		return nil, fmt.Errorf("reissue certificate for user %d: %w", learnerID, err)
	}
	return fresh, nil
}

// Audit lists the most recent audit entries.
func (o *Oversight) Audit(ctx context.Context, actor *User) ([]AuditEntry, error) {
	if !mayCoordinate(actor) {
		return nil, forbidden()
	}
	return o.Store.Audit(ctx, 200)
}

// CSVCell neutralises a value that a spreadsheet would run as a formula:
// a cell beginning with =, +, -, @, tab or carriage return gets a leading
// apostrophe, and so does each part after a semicolon (spreadsheets set
// to a ";" list separator split "Nurse;=1+1" into two cells).
func CSVCell(s string) string {
	parts := strings.Split(s, ";")
	for i, p := range parts {
		parts[i] = neutralisePart(p)
	}
	return strings.Join(parts, ";")
}

// ExportHeader and ExportRecord define the columns of the learner export,
// once, for CSV and XLSX alike.
var ExportHeader = []string{"Name", "Email", "Organisation", "Job role", "Status", "Registered", "Started", "Modules passed", "Completed", "Confirmed by manager", "Certificate code", "Certificate expires"}

// ExportRecord is one learner's export row.
func ExportRecord(r *LearnerRow, now time.Time) []string {
	d := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2006-01-02")
	}
	code := ""
	if r.CertificateCode != "" {
		code = FormatCode(r.CertificateCode)
	}
	return []string{r.Name, r.Email, r.Organisation, r.JobRole, r.Status(now).Label(), r.RegisteredAt.UTC().Format("2006-01-02"),
		d(r.StartedAt), fmt.Sprint(r.ModulesPassed), d(r.CompletedAt), d(r.ConfirmedAt), code, d(r.CertificateExpiresAt)}
}

// UpdateProfile changes a learner's own details: name (future certificates
// use it; an issued one keeps the name it was issued with), organisation,
// job role and line manager's email. A changed manager must accept again.
func (o *Oversight) UpdateProfile(ctx context.Context, u *User, form Registration) error {
	orgs, err := o.Store.Organisations(ctx)
	if err != nil {
		return err
	}
	// The form has no email or password: only the fields it has are
	// checked (a placeholder password could otherwise clash with the email).
	form.Email, form.Password = u.Email, "a placeholder long enough"
	if err := form.Validate(orgs); err != nil {
		var fields []FieldError
		for _, fe := range ErrorFields(err) {
			if fe.Field != "email" && fe.Field != "password" {
				fields = append(fields, fe)
			}
		}
		if err := Invalid(fields); err != nil {
			return err
		}
	}
	updated := *u
	updated.Name, updated.OrganisationID, updated.JobRole, updated.ManagerEmail = form.Name, form.OrganisationID, form.JobRole, NormaliseEmail(form.ManagerEmail)
	return o.Store.InTx(ctx, func(tx Store) error {
		if err := tx.(ReportStore).UpdateProfile(ctx, &updated); err != nil {
			return err
		}
		if updated.ManagerEmail != u.ManagerEmail {
			return o.Mail.ManagerNamed(ctx, tx, &updated)
		}
		return nil
	})
}
