package app

import (
	"context"
	"time"
)

// Attempt is one submission of a module, kept forever.
type Attempt struct {
	ID        int64
	Cycle     int // the learner's time through the course
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
	Cycle       int // the learner's time through the course
	CourseID    string
	Ratings     map[string]int    // likert item ID → 1..5
	Comments    map[string]string // text item ID → text
	SubmittedAt time.Time
}

// ModuleKey names one learner's progress in one module of a course.
type ModuleKey struct {
	UserID   int64
	CourseID string
	ModuleID string
}

// LearnerRecord is what the store keeps of one learner in one course:
// enough for Progress to apply every eligibility rule.
type LearnerRecord struct {
	Cycle       int              // the learner's time through the course: 1, then 2 for the first refresher…
	Modules     []ModuleProgress // the modules the learner has opened in this cycle
	Evaluated   bool             // this cycle's evaluation is in
	Certificate *Certificate     // this cycle's certificate (unrevoked, or else the latest revoked one)
	Previous    *Certificate     // the latest certificate of an earlier cycle, during a refresher
}

// MarkFunc decides a submission inside SubmitModule's lock. It is given the
// learner's modules and the module's saved answers as they stand under the
// lock, and returns the attempt to record (the store numbers it) or an
// error, which records no attempt.
type MarkFunc func(modules []ModuleProgress, answers Answers) (*Attempt, error)

// CompleteFunc decides completion inside CompleteCourse's lock. It is given
// the learner's modules and whether the evaluation is already in, and
// returns the evaluation and the certificate to record, or an error, which
// changes nothing.
type CompleteFunc func(modules []ModuleProgress, evaluated bool) (*Evaluation, *Certificate, error)

// ErrNotAnswerable is what the store's answer operations return when the
// module is not open for answers (never opened, or already passed). The
// store writes nothing; Learning then says which it is.
var ErrNotAnswerable = &Error{Code: ECONFLICT, Message: "This module is not open for answers."}

// LearningStore keeps learners' progress. Each operation owns its
// transaction and its invariants: it changes fields in place and never
// writes back a row read earlier, so two requests for one learner at the
// same moment end as one order or the other would. Only Learning calls it.
//
// The invariant the answer operations rely on: a module_progress row exists
// only for a module the learner was allowed to open (StartModule is called
// only then), and a pass is never undone, so "started and not passed" is
// exactly "open for answers".
type LearningStore interface {
	// LearnerRecord loads a learner's modules, evaluation and certificate.
	LearnerRecord(ctx context.Context, userID int64, courseID string) (*LearnerRecord, error)
	// VisitModule records a visit to an open, unpassed module (time spent,
	// see MaxGap and VisitInterval) and returns the learner's modules as
	// they stood before it, and the learner's answers in the module.
	VisitModule(ctx context.Context, k ModuleKey, now time.Time) ([]ModuleProgress, Answers, error)
	// StartModule records that the learner opened a module for the first
	// time, creating its progress and the learner's enrolment summary; a
	// module already started is left as it is.
	StartModule(ctx context.Context, k ModuleKey, now time.Time) error
	// SaveAnswer inserts or replaces one answer (an empty answer deletes
	// it) and records the visit, in one statement, while the module is
	// open for answers. Returns ErrNotAnswerable otherwise.
	SaveAnswer(ctx context.Context, a Answer) error
	// SaveAnswerInSession is SaveAnswer for the learner holding the
	// session (by its token's hash), checking the session in the same
	// statement: a.UserID is taken from it. Returns the session as it
	// stood, and ENOTFOUND (nothing saved) if it is unknown or expired
	// at now, or the session and ErrNotAnswerable.
	SaveAnswerInSession(ctx context.Context, tokenHash string, now time.Time, a Answer) (*Session, error)
	// SaveAnswers replaces every answer of a module at once, under a lock
	// on the learner's module. Returns ErrNotAnswerable if it is not open
	// for answers.
	SaveAnswers(ctx context.Context, k ModuleKey, answers []Answer, now time.Time) error
	// Answers returns the learner's saved answers in a module.
	Answers(ctx context.Context, k ModuleKey) (Answers, error)
	// SubmitModule locks the learner's module, writes answers (if any)
	// as SaveAnswers does, calls mark with what it then holds, and records
	// the attempt it returns: attempt number, progress (in place), the
	// pass-time histogram and the enrolment summary, in one transaction.
	// Returns ErrNotAnswerable if the module is not open for answers
	// (nothing is written), or mark's error (the answers are kept, the
	// rest is not written). When the attempt passes, passed (if not nil)
	// is called with the transaction and the attempt, for what must happen
	// with the pass (the score owed to a learning platform); its error
	// undoes everything.
	SubmitModule(ctx context.Context, k ModuleKey, now time.Time, answers []Answer, mark MarkFunc, passed func(tx Store, att *Attempt) error) (*Attempt, error)
	// Attempts returns the learner's attempts at a module, oldest first.
	Attempts(ctx context.Context, k ModuleKey) ([]Attempt, error)
	// CompleteCourse locks the learner's enrolment, calls complete with
	// what it holds, and records the evaluation and certificate it returns
	// with the enrolment summary, then calls issued (if not nil) with the
	// transaction and the certificate, for what must happen with it (the
	// email saying so): all in one transaction. Returns complete's or
	// issued's error, or ECONFLICT if a current certificate already exists.
	CompleteCourse(ctx context.Context, userID int64, courseID string, now time.Time, complete CompleteFunc, issued func(tx Store, c *Certificate) error) (*Certificate, error)
	// StartCycle locks the learner's enrolment, calls decide with their
	// record as it stands under the lock, and if it returns nil starts the
	// next cycle: modules reopened, answers cleared, earlier cycles'
	// attempts, evaluations and certificates kept. Returns decide's error.
	StartCycle(ctx context.Context, userID int64, courseID string, now time.Time, decide func(*LearnerRecord) error) error
	// CertificateForUser returns the learner's current certificate, or
	// else the most recently issued one; ENOTFOUND if none.
	CertificateForUser(ctx context.Context, userID int64, courseID string) (*Certificate, error)
	// CertificateByCode returns the certificate with that code; ENOTFOUND if none.
	CertificateByCode(ctx context.Context, code string) (*Certificate, error)
	// Evaluation returns a learner's evaluation; ENOTFOUND if none.
	Evaluation(ctx context.Context, userID int64, courseID string) (*Evaluation, error)
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

	LearningStore
	IdentityStore

	Ping(ctx context.Context) error
}
