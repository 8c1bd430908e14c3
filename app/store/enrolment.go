package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/foundations/foundations/app"
)

// enrolments is the per-learner summary that reports read. refreshEnrolment
// is the only code that writes it: every operation that changes one of its
// inputs (module progress, the evaluation, a certificate, a confirmation,
// the learner's organisation) calls it inside its own transaction, and it
// recomputes the whole summary from those inputs with app.Summarise, the
// rule. It locks the summary row first, so of two transactions changing
// inputs at once, the second recomputes after the first has committed and
// sees both changes. An operation that has already taken that lock, before
// reading anything the summary depends on (a submission, a module start,
// the course's completion, a new cycle), calls its second half,
// refreshLockedEnrolment, and saves the lock's round trip.

type enrolmentFactsRow struct {
	OrganisationID   int64
	Cycle            int
	FirstStartedAt   dbTime
	ModulesStarted   int
	ModulesPassed    int
	EvaluatedAt      dbTime
	ConfirmedAt      dbTime
	CurrentCode      *string
	CurrentExpiresAt dbTime
	LastRevokedAt    dbTime
}

// enrolmentFactsSQL reads the inputs of one learner's summary; module
// progress holds only the current cycle's modules.
const enrolmentFactsSQL = `SELECT u.organisation_id, e.cycle,
	(SELECT MIN(started_at) FROM module_progress WHERE user_id = u.id AND course_id = @course) AS first_started_at,
	(SELECT COUNT(*) FROM module_progress WHERE user_id = u.id AND course_id = @course) AS modules_started,
	(SELECT COUNT(*) FROM module_progress WHERE user_id = u.id AND course_id = @course AND passed_at IS NOT NULL) AS modules_passed,
	(SELECT submitted_at FROM evaluations WHERE user_id = u.id AND course_id = @course AND cycle = e.cycle) AS evaluated_at,
	(SELECT confirmed_at FROM confirmations WHERE learner_id = u.id AND course_id = @course AND cycle = e.cycle) AS confirmed_at,
	(SELECT code FROM certificates WHERE user_id = u.id AND course_id = @course AND revoked_at IS NULL ORDER BY cycle DESC, issued_at DESC LIMIT 1) AS current_code,
	(SELECT expires_at FROM certificates WHERE user_id = u.id AND course_id = @course AND revoked_at IS NULL ORDER BY cycle DESC, issued_at DESC LIMIT 1) AS current_expires_at,
	(SELECT MAX(revoked_at) FROM certificates WHERE user_id = u.id AND course_id = @course) AS last_revoked_at
FROM users u JOIN enrolments e ON e.user_id = u.id AND e.course_id = @course WHERE u.id = @user`

// cycleSQL is the learner's current cycle; its arguments are the user's
// ID and the course's.
const cycleSQL = `COALESCE((SELECT cycle FROM enrolments WHERE user_id = ? AND course_id = ?), 1)`

func (r enrolmentFactsRow) facts() app.EnrolmentFacts {
	f := app.EnrolmentFacts{OrganisationID: r.OrganisationID, Cycle: r.Cycle, FirstStartedAt: r.FirstStartedAt.t, ModulesStarted: r.ModulesStarted,
		ModulesPassed: r.ModulesPassed, EvaluatedAt: r.EvaluatedAt.t, ConfirmedAt: r.ConfirmedAt.t,
		CurrentExpiresAt: r.CurrentExpiresAt.t, LastRevokedAt: r.LastRevokedAt.t}
	if r.CurrentCode != nil {
		f.CurrentCode = *r.CurrentCode
	}
	return f
}

// refreshEnrolment recomputes one learner's summary in one course. It must
// run inside the transaction that changed the inputs, after the change. A
// learner who has started nothing has no summary row.
func (s *Store) refreshEnrolment(ctx context.Context, userID int64, courseID string, now time.Time) error {
	db := s.db.WithContext(ctx)
	// Lock the row, creating it first if there is none (its columns are
	// set below). A row that exists, as it does after the first module, is
	// one statement.
	lock := func() ([]int64, error) {
		var locked []int64
		err := db.Raw(`SELECT user_id FROM enrolments WHERE user_id = ? AND course_id = ?`+s.forUpdate(), userID, courseID).Scan(&locked).Error
		return locked, wrap(err, "enrolment")
	}
	locked, err := lock()
	if err != nil {
		return err
	}
	if len(locked) == 0 {
		if err := db.Exec(`INSERT INTO enrolments (user_id, course_id, organisation_id, started_at, stage)
			SELECT id, ?, organisation_id, ?, ? FROM users WHERE id = ? ON CONFLICT (user_id, course_id) DO NOTHING`,
			courseID, now.UTC(), string(app.StageInProgress), userID).Error; err != nil {
			return wrap(err, "enrolment")
		}
		if _, err := lock(); err != nil { // a row another transaction created meanwhile is locked too
			return err
		}
	}
	return s.refreshLockedEnrolment(ctx, userID, courseID)
}

// refreshSummary is refreshLockedEnrolment when the transaction locked the
// learner's summary row before reading anything (locked), and
// refreshEnrolment otherwise.
func (s *Store) refreshSummary(ctx context.Context, userID int64, courseID string, now time.Time, locked bool) error {
	if locked {
		return s.refreshLockedEnrolment(ctx, userID, courseID)
	}
	return s.refreshEnrolment(ctx, userID, courseID, now)
}

// refreshLockedEnrolment is refreshEnrolment for a transaction that has
// already locked the learner's summary row, before reading any of its
// inputs (so every statement here sees the inputs as they stand under
// the lock).
func (s *Store) refreshLockedEnrolment(ctx context.Context, userID int64, courseID string) error {
	db := s.db.WithContext(ctx)
	var rows []enrolmentFactsRow
	if err := db.Raw(enrolmentFactsSQL, map[string]any{"user": userID, "course": courseID}).Scan(&rows).Error; err != nil {
		return wrap(err, "enrolment facts")
	}
	if len(rows) == 0 {
		return app.Errorf(app.ENOTFOUND, "There is no such learner.")
	}
	sum := app.Summarise(rows[0].facts())
	if sum.StartedAt == nil && sum.Cycle == 1 { // nothing started (a repair of a row with no modules): no summary
		return wrap(db.Exec(`DELETE FROM enrolments WHERE user_id = ? AND course_id = ?`, userID, courseID).Error, "enrolment")
	}
	// A refresher not yet begun keeps the date the learner first started.
	return wrap(db.Exec(`UPDATE enrolments SET organisation_id = ?, stage = ?, started_at = COALESCE(?, started_at), modules_started = ?, modules_passed = ?,
		completed_at = ?, confirmed_at = ?, certificate_code = ?, certificate_expires_at = ?, certificate_revoked_at = ?
		WHERE user_id = ? AND course_id = ?`,
		sum.OrganisationID, string(sum.Stage), utcPtr(sum.StartedAt), sum.ModulesStarted, sum.ModulesPassed,
		utcPtr(sum.CompletedAt), utcPtr(sum.ConfirmedAt), sum.CertificateCode, utcPtr(sum.CertificateExpiresAt), utcPtr(sum.CertificateRevokedAt),
		userID, courseID).Error, "enrolment")
}

// refreshLearner recomputes every summary a learner has (after a change to
// the learner's own row, such as the organisation).
func (s *Store) refreshLearner(ctx context.Context, userID int64, now time.Time) error {
	var courses []string
	if err := s.db.WithContext(ctx).Raw(`SELECT course_id FROM enrolments WHERE user_id = ?`, userID).Scan(&courses).Error; err != nil {
		return wrap(err, "enrolments")
	}
	for _, c := range courses {
		if err := s.refreshEnrolment(ctx, userID, c, now); err != nil {
			return err
		}
	}
	return nil
}

// repairAttempt matches the attempts of a module_progress row: the same
// learner, course and module, in the learner's current cycle.
const repairAttempt = `a.user_id = module_progress.user_id AND a.course_id = module_progress.course_id AND a.module_id = module_progress.module_id
	AND a.cycle = COALESCE((SELECT e.cycle FROM enrolments e WHERE e.user_id = module_progress.user_id AND e.course_id = module_progress.course_id), 1)`

// RepairProgress recomputes every learner's module progress from their
// attempts, and then every summary, so a learner left inconsistent by an
// earlier version (a pass recorded in attempts but not in progress) is
// consistent again. It is idempotent; migration 3 runs it once.
func (s *Store) RepairProgress(ctx context.Context) error {
	return s.transact(ctx, func(tx *Store) error {
		db := tx.db
		for _, q := range []string{
			// Attempts counted, the latest score, and the first pass.
			`UPDATE module_progress SET
				attempts = (SELECT COUNT(*) FROM attempts a WHERE ` + repairAttempt + `),
				last_percent = COALESCE((SELECT a.percent FROM attempts a WHERE ` + repairAttempt + ` ORDER BY a.number DESC LIMIT 1), 0)
			WHERE EXISTS (SELECT 1 FROM attempts a WHERE ` + repairAttempt + `)`,
			`UPDATE module_progress SET
				passed_at = (SELECT MIN(a.created_at) FROM attempts a WHERE ` + repairAttempt + ` AND a.passed),
				pass_percent = COALESCE((SELECT a.percent FROM attempts a WHERE ` + repairAttempt + ` AND a.passed ORDER BY a.number LIMIT 1), 0)
			WHERE passed_at IS NULL AND EXISTS (SELECT 1 FROM attempts a WHERE ` + repairAttempt + ` AND a.passed)`,
		} {
			if err := db.Exec(q).Error; err != nil {
				return wrap(err, "repair module progress")
			}
		}
		type key struct {
			UserID   int64
			CourseID string
		}
		var keys []key
		if err := db.Raw(`SELECT user_id, course_id FROM enrolments UNION SELECT DISTINCT user_id, course_id FROM module_progress`).Scan(&keys).Error; err != nil {
			return wrap(err, "enrolments")
		}
		now := Now()
		for _, k := range keys {
			if err := tx.refreshEnrolment(ctx, k.UserID, k.CourseID, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// dbTime scans a time that SQLite returns as text when it comes from an
// expression (MIN, a sub-select) rather than a column with a declared
// type. PostgreSQL returns a time.Time either way.
type dbTime struct{ t *time.Time }

var dbTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05"}

// Scan implements sql.Scanner.
func (d *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		d.t = nil
		return nil
	case time.Time:
		u := x.UTC()
		d.t = &u
		return nil
	case []byte:
		return d.parse(string(x))
	case string:
		return d.parse(x)
	}
	return fmt.Errorf("cannot scan %T as a time", v)
}

func (d *dbTime) parse(s string) error {
	for _, layout := range dbTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			u := t.UTC()
			d.t = &u
			return nil
		}
	}
	return fmt.Errorf("cannot parse %q as a time", s)
}

// Value implements driver.Valuer (GORM asks for it; dbTime is only read).
func (d dbTime) Value() (driver.Value, error) {
	if d.t == nil {
		return nil, nil
	}
	return *d.t, nil
}
