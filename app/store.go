package app

import (
	"context"
	"time"
)

// Attempt is one submission of a module, kept forever.
type Attempt struct {
	ID        int64
	UserID    int64
	CourseID  string
	ModuleID  string
	Number    int // 1 for the first attempt at this module
	Correct   int
	Total     int
	Percent   int
	Passed    bool
	Answers   Answers         // the choice answers as submitted
	Right     map[string]bool // scored question ID → answered right
	CreatedAt time.Time
}

// Evaluation is a learner's end-of-course evaluation.
type Evaluation struct {
	UserID      int64
	CourseID    string
	Ratings     map[string]int    // likert item ID → 1..5
	Comments    map[string]string // text item ID → text
	SubmittedAt time.Time
}

// Store is everything the domain needs to keep. Implementations (app/store)
// return *Error with ENOTFOUND for a missing row and ECONFLICT for a
// duplicate key; anything else is internal. Only the services in this
// package call it.
type Store interface {
	// InTx runs fn with a Store bound to one transaction, committed when fn
	// returns nil and rolled back otherwise.
	InTx(ctx context.Context, fn func(Store) error) error

	Organisations(ctx context.Context) ([]Organisation, error)
	EnsureOrganisations(ctx context.Context, names []string) error

	CreateUser(ctx context.Context, u *User) error
	UserByEmail(ctx context.Context, emailNorm string) (*User, error)
	UserByID(ctx context.Context, id int64) (*User, error)

	CreateSession(ctx context.Context, s *Session) error
	// SessionUser returns the live session with that token hash and its user.
	SessionUser(ctx context.Context, tokenHash string, now time.Time) (*Session, *User, error)
	TouchSession(ctx context.Context, tokenHash string, lastSeen, expires time.Time) error
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)

	// Progress loads a learner's modules, evaluation and certificate.
	ModuleProgress(ctx context.Context, userID int64, courseID string) ([]ModuleProgress, error)
	SaveModuleProgress(ctx context.Context, p *ModuleProgress) error
	Answers(ctx context.Context, userID int64, courseID, moduleID string) (Answers, error)
	// SaveAnswer inserts or replaces one answer; an empty answer deletes it.
	SaveAnswer(ctx context.Context, a Answer) error
	AddAttempt(ctx context.Context, a *Attempt) error
	Attempts(ctx context.Context, userID int64, courseID, moduleID string) ([]Attempt, error)
	// StartEnrolment records that a learner began a course (idempotent).
	StartEnrolment(ctx context.Context, userID int64, courseID string, at time.Time) error
	// UpdateEnrolment keeps the per-learner summary row current.
	UpdateEnrolment(ctx context.Context, userID int64, courseID string, modulesPassed int, completedAt *time.Time) error

	// SetEnrolmentCertificate keeps the summary row's certificate columns current.
	SetEnrolmentCertificate(ctx context.Context, userID int64, courseID, code string, expiresAt, revokedAt *time.Time) error
	// RecordPassTime adds one learner's minutes on a passed module to the
	// histogram behind the median-time report.
	RecordPassTime(ctx context.Context, courseID, moduleID string, minutes int) error

	Evaluation(ctx context.Context, userID int64, courseID string) (*Evaluation, error)
	SaveEvaluation(ctx context.Context, e *Evaluation) error

	CreateCertificate(ctx context.Context, c *Certificate) error
	CertificateForUser(ctx context.Context, userID int64, courseID string) (*Certificate, error)
	CertificateByCode(ctx context.Context, code string) (*Certificate, error)

	Ping(ctx context.Context) error
}
