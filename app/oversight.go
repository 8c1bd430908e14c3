package app

import (
	"context"
	"log/slog"
	"time"
)

// ReportStore is what Oversight keeps and reads, beyond Store, one small
// interface a concept. Implemented by app/store; the same error
// conventions as Store.
type ReportStore interface {
	Store
	LearnerStore
	StaffStore
	ReportsStore
	OrganisationStore
	PeopleStore
	CertificateStore
	AuditStore
}

// LearnerStore lists and finds learners' summaries (learners.go).
type LearnerStore interface {
	Learners(ctx context.Context, q LearnerQuery) ([]LearnerRow, int, error)
	// EachLearner streams every learner matching q (ignoring paging) in q's order.
	EachLearner(ctx context.Context, q LearnerQuery, fn func(*LearnerRow) error) error
	Learner(ctx context.Context, courseID string, userID int64) (*LearnerRow, error)
}

// StaffStore keeps what managers do with their staff (staff.go).
type StaffStore interface {
	// StaffOf returns the candidates for a manager's staff: learners who
	// named the manager's email, with whether the manager accepted them and
	// (for those) their progress. Oversight applies InStaffOf to them.
	StaffOf(ctx context.Context, courseID string, manager *User) ([]StaffRow, error)
	AcceptStaff(ctx context.Context, managerID, learnerID int64, at time.Time) error
	Confirmation(ctx context.Context, learnerID int64, courseID string) (*Confirmation, error)
	// Confirm records a manager's confirmation and refreshes the learner's
	// summary; a second confirmation is ECONFLICT.
	Confirm(ctx context.Context, c *Confirmation) error
}

// ReportsStore gives the coordinators' figures (dashboard.go, question_analysis.go).
type ReportsStore interface {
	Dashboard(ctx context.Context, c *Course, now time.Time, month string) (*Dashboard, error)
	QuestionStats(ctx context.Context, c *Course) ([]QuestionStat, error)
}

// OrganisationStore keeps the organisations (organisations.go).
type OrganisationStore interface {
	AddOrganisation(ctx context.Context, name string) (*Organisation, error)
	RenameOrganisation(ctx context.Context, id int64, name string) error
	MergeOrganisation(ctx context.Context, fromID, intoID int64) error
}

// PeopleStore changes people's records: roles, line manager, details
// (roles.go, line_manager.go, profile.go).
type PeopleStore interface {
	SetRoles(ctx context.Context, userID int64, roles []string) error
	SetManager(ctx context.Context, learnerID int64, managerEmail string, link *int64, at time.Time) error
	UpdateProfile(ctx context.Context, u *User) error
}

// CertificateStore revokes and reissues certificates (revoke.go).
type CertificateStore interface {
	// RevokeCertificate revokes a current certificate and refreshes its
	// holder's summary; ECONFLICT if it is already revoked.
	RevokeCertificate(ctx context.Context, code, reason string, at time.Time) error
	// ReissueCertificate marks the certificate with oldCode revoked and
	// replaced (if it is not revoked already), issues fresh, and refreshes
	// the holder's summary.
	ReissueCertificate(ctx context.Context, oldCode string, fresh *Certificate, at time.Time) error
}

// AuditStore keeps the audit trail (audit.go).
type AuditStore interface {
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
