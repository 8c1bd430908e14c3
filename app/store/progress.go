package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	"gorm.io/gorm"
)

// The learner's progress operations (app.LearningStore). Each owns its
// transaction, changes fields in place, and where a decision depends on
// what it read, reads it under a lock on the learner's module row
// (SELECT … FOR UPDATE on PostgreSQL; on SQLite every write transaction is
// BEGIN IMMEDIATE and so already exclusive).

const progressColumns = `user_id, course_id, module_id, started_at, last_seen_at, seconds_spent, attempts, last_percent, passed_at, pass_percent`

func (r moduleProgressRow) progress() app.ModuleProgress {
	return app.ModuleProgress{UserID: r.UserID, CourseID: r.CourseID, ModuleID: r.ModuleID, StartedAt: r.StartedAt,
		LastSeenAt: r.LastSeenAt, SecondsSpent: r.SecondsSpent, Attempts: r.Attempts, LastPercent: r.LastPercent,
		PassedAt: r.PassedAt, PassPercent: r.PassPercent}
}

func progressList(rows []moduleProgressRow) []app.ModuleProgress {
	out := make([]app.ModuleProgress, len(rows))
	for i, r := range rows {
		out[i] = r.progress()
	}
	return out
}

// transact runs fn in a transaction of its own (a savepoint when s is
// already a transaction).
func (s *Store) transact(ctx context.Context, fn func(tx *Store) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&Store{db: tx, postgres: s.postgres, pause: s.pause})
	})
}

// forUpdate is the row-lock suffix of a SELECT that a decision depends on.
func (s *Store) forUpdate() string {
	if s.postgres {
		return " FOR UPDATE"
	}
	return "" // the transaction is already the only writer
}

// gapSQL is app's time-spent rule in SQL: the seconds since last_seen_at,
// at least 0 and at most app.MaxGap. Its arguments are now and MaxGap in
// seconds.
func (s *Store) gapSQL() string {
	if s.postgres {
		return `CAST(LEAST(GREATEST(FLOOR(EXTRACT(EPOCH FROM (CAST(? AS TIMESTAMPTZ) - last_seen_at))), 0), ?) AS INTEGER)`
	}
	return `MIN(MAX(CAST(ROUND((julianday(?) - julianday(last_seen_at)) * 86400000) AS INTEGER) / 1000, 0), ?)` // to the millisecond first: julianday is a float
}

// dueSQL is true when a visit is due (app.VisitInterval has passed since
// the last one recorded). Its argument is now − VisitInterval.
func (s *Store) dueSQL() string {
	if s.postgres {
		return `last_seen_at <= ?`
	}
	return `julianday(last_seen_at) <= julianday(?)`
}

func maxGapSeconds() int { return int(app.MaxGap / time.Second) }

// openGuardSQL (PostgreSQL) is the WITH clause that makes an answer's
// write depend on its module being open: p is the learner's module row
// if it is started and not passed, locked FOR KEY SHARE so that a submit
// (which locks it FOR UPDATE) cannot pass the module between this check
// and the write, while visits and other saves, which do not change the
// key, go on beside it. userSQL is the learner's id (a ? whose argument
// is userArgs, or a subquery of an earlier WITH clause, with none).
func (s *Store) openGuardSQL(userSQL string, userArgs []any, a app.Answer) (string, []any) {
	q := `p AS (SELECT user_id, last_seen_at FROM module_progress WHERE user_id = ` + userSQL + ` AND course_id = ? AND module_id = ? AND passed_at IS NULL FOR KEY SHARE)`
	return q, append(append([]any{}, userArgs...), a.CourseID, a.ModuleID)
}

// guardedAnswerSQL (PostgreSQL) is the WITH clause w that writes the
// answer for openGuardSQL's row p, and only if there is one: the upsert,
// or the delete of an answer cleared.
func guardedAnswerSQL(a app.Answer) (string, []any) {
	if a.Empty() {
		return `w AS (DELETE FROM answers WHERE user_id = (SELECT user_id FROM p) AND course_id = ? AND question_id = ?) `, []any{a.CourseID, a.QuestionID}
	}
	return `w AS (` + answerUpsertSQL + `SELECT p.user_id, ?, ?, ?, ?, ?, ? FROM p` + answerConflictSQL + `) `, answerArgs(a)[1:]
}

// dueFromGuardSQL (PostgreSQL) is whether openGuardSQL's row is due a
// visit at now (false without a row), with its argument.
func (s *Store) dueFromGuardSQL(now time.Time) (string, any) {
	return `COALESCE((SELECT ` + s.dueSQL() + ` FROM p), FALSE)`, now.Add(-app.VisitInterval).UTC()
}

// recordVisit records a visit to the learner's module at now, if one is
// due and the module is not passed; otherwise it writes nothing. A page
// or an autosave calls it when what it read says a visit is due, at most
// once a minute per learner, rather than as a data-modifying WITH of its
// statement: the UPDATE cost every page and autosave, on a row other
// saves held locked, even when it changed nothing.
func (s *Store) recordVisit(ctx context.Context, k app.ModuleKey, now time.Time) error {
	// A row with no visit due is not matched, so no new row version is
	// written.
	return wrap(s.db.WithContext(ctx).Exec(`UPDATE module_progress SET seconds_spent = seconds_spent + `+s.gapSQL()+`, last_seen_at = ?
		WHERE `+s.dueSQL()+` AND `+keyWhere+` AND passed_at IS NULL`,
		append([]any{now.UTC(), maxGapSeconds(), now.UTC(), now.Add(-app.VisitInterval).UTC()}, keyArgs(k)...)...).Error, "module visit")
}

// visitSet is the SET clause that records a visit at now: it adds the gap
// and moves last_seen_at only when a visit is due, and otherwise leaves
// both as they are (the next due visit counts the time since).
func (s *Store) visitSet(now time.Time) (string, []any) {
	cutoff := now.Add(-app.VisitInterval).UTC()
	sql := `seconds_spent = seconds_spent + CASE WHEN ` + s.dueSQL() + ` THEN ` + s.gapSQL() + ` ELSE 0 END,
		last_seen_at = CASE WHEN ` + s.dueSQL() + ` THEN ? ELSE last_seen_at END`
	return sql, []any{cutoff, now.UTC(), maxGapSeconds(), cutoff, now.UTC()}
}

func keyArgs(k app.ModuleKey) []any { return []any{k.UserID, k.CourseID, k.ModuleID} }

const keyWhere = `user_id = ? AND course_id = ? AND module_id = ?`

// learnerRecordSQL is the learner's cycle, whether its evaluation is in,
// and a row per module started (none: one row whose module columns are
// NULL); its arguments are the user's ID and the course's, three times.
const learnerRecordSQL = `SELECT c.cycle,
		EXISTS (SELECT 1 FROM evaluations v WHERE v.user_id = ? AND v.course_id = ? AND v.cycle = c.cycle) AS evaluated,
		mp.module_id, mp.started_at, mp.last_seen_at, mp.seconds_spent, mp.attempts, mp.last_percent, mp.passed_at, mp.pass_percent
	FROM (SELECT ` + cycleSQL + ` AS cycle) c
	LEFT JOIN module_progress mp ON mp.user_id = ? AND mp.course_id = ?`

type learnerRecordRow struct {
	Cycle        int
	Evaluated    bool
	ModuleID     *string
	StartedAt    *time.Time
	LastSeenAt   *time.Time
	SecondsSpent *int
	Attempts     *int
	LastPercent  *int
	PassedAt     *time.Time
	PassPercent  *int
}

// learnerModules is a LearnerRecord without its certificates, in one
// statement.
func (s *Store) learnerModules(ctx context.Context, userID int64, courseID string) (*app.LearnerRecord, error) {
	db := s.db.WithContext(ctx)
	var rows []learnerRecordRow
	if err := db.Raw(learnerRecordSQL, userID, courseID, userID, courseID, userID, courseID).Scan(&rows).Error; err != nil {
		return nil, wrap(err, "learner record")
	}
	if len(rows) == 0 {
		return nil, wrap(errors.New("no row"), "learner record") // the FROM is one row
	}
	rec := &app.LearnerRecord{Cycle: rows[0].Cycle, Evaluated: rows[0].Evaluated, Modules: []app.ModuleProgress{}}
	for _, r := range rows {
		if r.ModuleID == nil {
			continue
		}
		rec.Modules = append(rec.Modules, app.ModuleProgress{UserID: userID, CourseID: courseID, ModuleID: *r.ModuleID,
			StartedAt: deref(r.StartedAt), LastSeenAt: deref(r.LastSeenAt), SecondsSpent: deref(r.SecondsSpent), Attempts: deref(r.Attempts),
			LastPercent: deref(r.LastPercent), PassedAt: r.PassedAt, PassPercent: deref(r.PassPercent)})
	}
	return rec, nil
}

// LearnerRecord implements app.LearningStore: two statements,
// learnerModules and the certificates.
func (s *Store) LearnerRecord(ctx context.Context, userID int64, courseID string) (*app.LearnerRecord, error) {
	rec, err := s.learnerModules(ctx, userID, courseID)
	if err != nil {
		return nil, err
	}
	var certs []certificateRow
	if err := s.db.WithContext(ctx).Raw(`SELECT * FROM certificates WHERE user_id = ? AND course_id = ? AND cycle <= ?
		ORDER BY cycle DESC, CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, issued_at DESC`, userID, courseID, rec.Cycle).Scan(&certs).Error; err != nil {
		return nil, wrap(err, "certificates")
	}
	for i := range certs {
		switch c := &certs[i]; {
		case c.Cycle == rec.Cycle && rec.Certificate == nil:
			rec.Certificate = c.certificate()
		case c.Cycle < rec.Cycle && rec.Previous == nil:
			rec.Previous = c.certificate()
		}
	}
	return rec, nil
}

// VisitModule implements app.LearningStore. It reads the learner's
// modules and the module's answers (on PostgreSQL in one statement,
// straight on the connection: direct.go), and records the visit with a
// second statement only when the row read says one is due, so a page
// seen again within app.VisitInterval is one read. The visit's UPDATE
// checks again that it is due, so two pages at once count the time once.
// (As a data-modifying WITH of the read, a visit that wrote nothing still
// cost PostgreSQL a quarter of the page's time there.)
func (s *Store) VisitModule(ctx context.Context, k app.ModuleKey, now time.Time) ([]app.ModuleProgress, app.Answers, error) {
	modules, answers, err := s.moduleAndAnswers(ctx, k)
	if err != nil {
		return nil, nil, err
	}
	for _, mp := range modules {
		if mp.ModuleID == k.ModuleID && mp.PassedAt == nil && app.VisitDue(mp.LastSeenAt, now) {
			if err := s.recordVisit(ctx, k, now); err != nil {
				return nil, nil, err
			}
			break
		}
	}
	return modules, answers, nil
}

// moduleAndAnswers reads the learner's modules and the module's answers:
// on PostgreSQL in one statement (readModuleFor).
func (s *Store) moduleAndAnswers(ctx context.Context, k app.ModuleKey) ([]app.ModuleProgress, app.Answers, error) {
	if s.postgres {
		return s.readModuleFor(ctx, k, nil, nil)
	}
	var rows []moduleProgressRow
	if err := s.db.WithContext(ctx).Raw(`SELECT `+progressColumns+` FROM module_progress WHERE user_id = ? AND course_id = ?`, k.UserID, k.CourseID).Scan(&rows).Error; err != nil {
		return nil, nil, wrap(err, "module progress")
	}
	answers, err := s.Answers(ctx, k)
	if err != nil {
		return nil, nil, err
	}
	return progressList(rows), answers, nil
}

// readModuleSQL is a row per module the learner has started (kind 0) and
// per answer in the module (kind 1).
const readModuleSQL = `SELECT 0, module_id, started_at, last_seen_at, seconds_spent, attempts, last_percent, passed_at, pass_percent,
		CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)
	FROM module_progress WHERE user_id = ? AND course_id = ?
	UNION ALL
	SELECT 1, question_id, updated_at, CAST(NULL AS TIMESTAMPTZ), 0, 0, 0, CAST(NULL AS TIMESTAMPTZ), 0, module_id, options, text
	FROM answers WHERE ` + keyWhere

// readModuleNextSQL is readModuleSQL and one more row (kind 2), the
// nextAttempt: its cycle as seconds_spent, its number as attempts.
const readModuleNextSQL = readModuleSQL + `
	UNION ALL
	SELECT 2, '', CAST(NULL AS TIMESTAMPTZ), CAST(NULL AS TIMESTAMPTZ), n.cycle, n.number, 0, CAST(NULL AS TIMESTAMPTZ), 0, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)
	FROM (` + nextAttemptSQL + `) n`

// readModuleFor (PostgreSQL) reads the learner's modules and the module's
// answers in one statement, and where the next attempt goes into next
// unless it is nil. The answers in write, if any, are written first by the
// same statement (as writeAnswers would: data-modifying WITH clauses); its
// SELECT sees the rows as they were before, so those answers are laid over
// what it read exactly as the writes leave them.
func (s *Store) readModuleFor(ctx context.Context, k app.ModuleKey, next *nextAttempt, write []app.Answer) ([]app.ModuleProgress, app.Answers, error) {
	q, args := answerWritesSQL(k, write)
	if next != nil {
		q += readModuleNextSQL
	} else {
		q += readModuleSQL
	}
	args = append(args, k.UserID, k.CourseID, k.UserID, k.CourseID, k.ModuleID)
	if next != nil {
		args = append(args, k.UserID, k.CourseID, k.UserID, k.CourseID, k.ModuleID)
	}
	rows, err := s.direct().QueryContext(ctx, s.bound(q), args...)
	if err != nil {
		return nil, nil, wrap(err, "module visit")
	}
	defer rows.Close()
	var modules []app.ModuleProgress
	answers := app.Answers{}
	for rows.Next() {
		var (
			kind                  int
			id                    string
			at, lastSeen, passed  sql.NullTime
			spent, tries, last    int
			passPercent           int
			module, options, text sql.NullString
		)
		if err := rows.Scan(&kind, &id, &at, &lastSeen, &spent, &tries, &last, &passed, &passPercent, &module, &options, &text); err != nil {
			return nil, nil, wrap(err, "module visit")
		}
		if kind == 2 {
			next.Cycle, next.Number = spent, tries
			continue
		}
		if kind == 1 {
			answers[id] = app.Answer{UserID: k.UserID, CourseID: k.CourseID, QuestionID: id, ModuleID: module.String,
				Options: splitOptions(options.String), Text: text.String, UpdatedAt: at.Time}
			continue
		}
		mp := app.ModuleProgress{UserID: k.UserID, CourseID: k.CourseID, ModuleID: id, StartedAt: at.Time, LastSeenAt: lastSeen.Time,
			SecondsSpent: spent, Attempts: tries, LastPercent: last, PassPercent: passPercent}
		if passed.Valid {
			t := passed.Time
			mp.PassedAt = &t
		}
		modules = append(modules, mp)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, wrap(err, "module visit")
	}
	for _, a := range write {
		if a.Empty() || a.ModuleID != k.ModuleID {
			delete(answers, a.QuestionID)
			continue
		}
		a.UserID, a.CourseID = k.UserID, k.CourseID
		a.Options = splitOptions(strings.Join(a.Options, ","))
		a.UpdatedAt = a.UpdatedAt.UTC().Truncate(time.Microsecond) // as PostgreSQL keeps it
		answers[a.QuestionID] = a
	}
	return modules, answers, nil
}

// answerWritesSQL (PostgreSQL) is answerWrites as the WITH clauses of one
// statement, with their arguments, or nothing when there are none.
func answerWritesSQL(k app.ModuleKey, answers []app.Answer) (string, []any) {
	upsert, upsertArgs, del, delArgs := answerWrites(k, answers)
	var clauses []string
	if upsert != "" {
		clauses = append(clauses, `w AS (`+upsert+`)`)
	}
	if del != "" {
		clauses = append(clauses, `d AS (`+del+`)`)
	}
	if len(clauses) == 0 {
		return "", nil
	}
	return `WITH ` + strings.Join(clauses, ", ") + ` `, append(upsertArgs, delArgs...)
}

// StartModule implements app.LearningStore.
func (s *Store) StartModule(ctx context.Context, k app.ModuleKey, now time.Time) error {
	const start = `INSERT INTO module_progress (` + progressColumns + `) VALUES (?, ?, ?, ?, ?, 0, 0, 0, NULL, 0)
		ON CONFLICT (user_id, course_id, module_id) DO NOTHING`
	return s.transact(ctx, func(tx *Store) error {
		if tx.postgres {
			// One statement locks the learner's summary row (when there is
			// one: after the first module) and then starts the module, so
			// the summary is refreshed under the lock with no statement of
			// its own to take it.
			var r struct{ Locked, Started int }
			if err := tx.db.Raw(`WITH l AS (SELECT user_id FROM enrolments WHERE user_id = ? AND course_id = ? FOR UPDATE),
				s AS (`+start+` RETURNING 1)
				SELECT (SELECT COUNT(*) FROM l) AS locked, (SELECT COUNT(*) FROM s) AS started`,
				k.UserID, k.CourseID, k.UserID, k.CourseID, k.ModuleID, now.UTC(), now.UTC()).Scan(&r).Error; err != nil {
				return wrap(err, "module progress")
			}
			if r.Started == 0 {
				return nil // started by another request a moment ago
			}
			return tx.refreshSummary(ctx, k.UserID, k.CourseID, now, r.Locked == 1)
		}
		res := tx.db.Exec(start, k.UserID, k.CourseID, k.ModuleID, now.UTC(), now.UTC())
		if res.Error != nil {
			return wrap(res.Error, "module progress")
		}
		if res.RowsAffected == 0 {
			return nil // started by another request a moment ago
		}
		return tx.refreshEnrolment(ctx, k.UserID, k.CourseID, now)
	})
}

const answerUpsertSQL = `INSERT INTO answers (user_id, course_id, question_id, module_id, options, text, updated_at) `

const answerConflictSQL = ` ON CONFLICT (user_id, course_id, question_id) DO UPDATE SET module_id = excluded.module_id,
	options = excluded.options, text = excluded.text, updated_at = excluded.updated_at`

func answerArgs(a app.Answer) []any {
	return []any{a.UserID, a.CourseID, a.QuestionID, a.ModuleID, strings.Join(a.Options, ","), a.Text, a.UpdatedAt.UTC()}
}

// SaveAnswer implements app.LearningStore. On PostgreSQL it is one
// statement: the learner's module row, locked FOR KEY SHARE, is the
// condition (openGuardSQL: it matches only while the module is started and
// not passed, and waits for a submit holding that row, then sees its pass),
// and the answer is written only if the row matched; a visit due is then
// recorded by a second statement (recordVisit). On SQLite, whose
// transaction is the only writer, the visit's UPDATE is the condition.
func (s *Store) SaveAnswer(ctx context.Context, a app.Answer) error {
	k := app.ModuleKey{UserID: a.UserID, CourseID: a.CourseID, ModuleID: a.ModuleID}
	if s.postgres { // straight on the connection: every autosave is this (direct.go)
		guard, args := s.openGuardSQL("?", []any{a.UserID}, a)
		write, writeArgs := guardedAnswerSQL(a)
		due, dueArg := s.dueFromGuardSQL(a.UpdatedAt)
		q := `WITH ` + guard + `, ` + write
		args = append(args, writeArgs...)
		var n int64
		var visit bool
		if err := s.direct().QueryRowContext(ctx, s.bound(q+`SELECT COUNT(*), `+due+` FROM p`), append(args, dueArg)...).Scan(&n, &visit); err != nil {
			return wrap(err, "answer")
		}
		if n == 0 {
			return app.ErrNotAnswerable
		}
		if visit {
			return s.recordVisit(ctx, k, a.UpdatedAt)
		}
		return nil
	}
	set, setArgs := s.visitSet(a.UpdatedAt)
	guard := `UPDATE module_progress SET ` + set + ` WHERE ` + keyWhere + ` AND passed_at IS NULL`
	guardArgs := append(setArgs, keyArgs(k)...)
	return s.transact(ctx, func(tx *Store) error {
		res := tx.db.Exec(guard, guardArgs...)
		if res.Error != nil {
			return wrap(res.Error, "module visit")
		}
		if res.RowsAffected == 0 {
			return app.ErrNotAnswerable
		}
		return tx.writeAnswer(a)
	})
}

// liveSessionSQL is the session a request holds, while unexpired.
const liveSessionSQL = `SELECT user_id, created_at, last_seen_at, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?`

// SaveAnswerInSession implements app.LearningStore. On PostgreSQL it is
// one statement, shared with the other autosaves sent at the same moment
// (autosave.go): the session is found, that learner's module row is
// locked if it is open (openGuardSQL, as in SaveAnswer), and the answer is
// written only if it was; what comes back is the session, with whether
// the module was open and due a visit. A visit due (at most once a minute
// per learner) is a second statement (recordVisit).
func (s *Store) SaveAnswerInSession(ctx context.Context, tokenHash string, now time.Time, a app.Answer) (*app.Session, error) {
	se := &app.Session{TokenHash: tokenHash}
	if !s.postgres {
		set, setArgs := s.visitSet(a.UpdatedAt)
		err := s.transact(ctx, func(tx *Store) error {
			err := tx.direct().QueryRowContext(ctx, liveSessionSQL, tokenHash, now.UTC()).Scan(&se.UserID, &se.CreatedAt, &se.LastSeenAt, &se.ExpiresAt)
			if err != nil {
				return wrap(err, "session")
			}
			a.UserID = se.UserID
			res := tx.db.Exec(`UPDATE module_progress SET `+set+` WHERE `+keyWhere+` AND passed_at IS NULL`,
				append(setArgs, a.UserID, a.CourseID, a.ModuleID)...)
			if res.Error != nil {
				return wrap(res.Error, "module visit")
			}
			if res.RowsAffected == 0 {
				return app.ErrNotAnswerable
			}
			return tx.writeAnswer(a)
		})
		if se.UserID == 0 {
			return nil, err
		}
		return se, err
	}
	// Straight on the connection, like SaveAnswer (direct.go), in a batch
	// with the saves sent at the same moment (autosave.go).
	r, err := s.autosave(ctx, tokenHash, now, a)
	return s.autosaved(ctx, r, err)
}

func (s *Store) writeAnswer(a app.Answer) error {
	if a.Empty() {
		return wrap(s.db.Exec(`DELETE FROM answers WHERE user_id = ? AND course_id = ? AND question_id = ?`, a.UserID, a.CourseID, a.QuestionID).Error, "answer")
	}
	return wrap(s.db.Exec(answerUpsertSQL+`VALUES (?, ?, ?, ?, ?, ?, ?)`+answerConflictSQL, answerArgs(a)...).Error, "answer")
}

// lockModule locks the learner's module row and returns it, or
// app.ErrNotAnswerable if it is not started or already passed.
func (s *Store) lockModule(k app.ModuleKey) (*moduleProgressRow, error) {
	var rows []moduleProgressRow
	if err := s.db.Raw(`SELECT `+progressColumns+` FROM module_progress WHERE `+keyWhere+s.forUpdate(), keyArgs(k)...).Scan(&rows).Error; err != nil {
		return nil, wrap(err, "module progress")
	}
	if len(rows) == 0 || rows[0].PassedAt != nil {
		return nil, app.ErrNotAnswerable
	}
	return &rows[0], nil
}

// lockModuleAndEnrolment locks the learner's enrolment summary row (which
// the module's start created) and, in the same statement, the learner's
// module row, so a submission that passes needs no lock of its own to
// refresh the summary. The summary row comes first in the FROM, so it is
// locked first, in the order a new cycle (StartCycle) takes the two.
// enrolment is false, and only the module row is locked, when there is no
// summary row; the errors are lockModule's.
func (s *Store) lockModuleAndEnrolment(k app.ModuleKey) (row *moduleProgressRow, enrolment bool, err error) {
	var rows []moduleProgressRow
	if err := s.db.Raw(`SELECT mp.`+strings.ReplaceAll(progressColumns, ", ", ", mp.")+`
		FROM enrolments e JOIN module_progress mp ON mp.user_id = e.user_id AND mp.course_id = e.course_id
		WHERE mp.user_id = ? AND mp.course_id = ? AND mp.module_id = ?`+s.forUpdate(), keyArgs(k)...).Scan(&rows).Error; err != nil {
		return nil, false, wrap(err, "module progress")
	}
	if len(rows) == 0 {
		row, err := s.lockModule(k)
		return row, false, err
	}
	if rows[0].PassedAt != nil {
		return nil, false, app.ErrNotAnswerable
	}
	return &rows[0], true, nil
}

// SaveAnswers implements app.LearningStore.
func (s *Store) SaveAnswers(ctx context.Context, k app.ModuleKey, answers []app.Answer, now time.Time) error {
	return s.transact(ctx, func(tx *Store) error {
		if _, err := tx.lockModule(k); err != nil {
			return err
		}
		tx.paused("save answers")
		if err := tx.recordVisit(ctx, k, now); err != nil {
			return err
		}
		return tx.writeAnswers(k, answers)
	})
}

// answerWrites is how a module's answers are written: one upsert of
// those given and one delete of those left empty, each with its
// arguments, or "" when there is nothing of that kind.
func answerWrites(k app.ModuleKey, answers []app.Answer) (upsert string, upsertArgs []any, del string, delArgs []any) {
	var values, empty []string
	for _, a := range answers {
		if a.Empty() {
			empty = append(empty, "?")
			delArgs = append(delArgs, a.QuestionID)
			continue
		}
		values = append(values, "(?, ?, ?, ?, ?, ?, ?)")
		upsertArgs = append(upsertArgs, answerArgs(a)...)
	}
	if len(values) > 0 {
		upsert = answerUpsertSQL + `VALUES ` + strings.Join(values, ", ") + answerConflictSQL
	}
	if len(empty) > 0 {
		del = `DELETE FROM answers WHERE user_id = ? AND course_id = ? AND question_id IN (` + strings.Join(empty, ", ") + `)`
		delArgs = append([]any{k.UserID, k.CourseID}, delArgs...)
	}
	return upsert, upsertArgs, del, delArgs
}

// writeAnswers writes a module's answers in two statements at most
// (answerWrites).
func (s *Store) writeAnswers(k app.ModuleKey, answers []app.Answer) error {
	upsert, upsertArgs, del, delArgs := answerWrites(k, answers)
	for _, w := range []struct {
		q    string
		args []any
	}{{upsert, upsertArgs}, {del, delArgs}} {
		if w.q == "" {
			continue
		}
		if err := s.db.Exec(w.q, w.args...).Error; err != nil {
			return wrap(err, "answers")
		}
	}
	return nil
}

// Answers implements app.LearningStore.
func (s *Store) Answers(ctx context.Context, k app.ModuleKey) (app.Answers, error) {
	// Every module page reads these: straight on the connection (direct.go).
	rows, err := s.direct().QueryContext(ctx, s.bound(`SELECT question_id, module_id, options, text, updated_at FROM answers WHERE `+keyWhere), keyArgs(k)...)
	if err != nil {
		return nil, wrap(err, "answers")
	}
	defer rows.Close()
	out := app.Answers{}
	for rows.Next() {
		a := app.Answer{UserID: k.UserID, CourseID: k.CourseID}
		var options string
		if err := rows.Scan(&a.QuestionID, &a.ModuleID, &options, &a.Text, &a.UpdatedAt); err != nil {
			return nil, wrap(err, "answers")
		}
		a.Options = splitOptions(options)
		out[a.QuestionID] = a
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "answers")
	}
	return out, nil
}

// SubmitModule implements app.LearningStore.
func (s *Store) SubmitModule(ctx context.Context, k app.ModuleKey, now time.Time, answers []app.Answer, mark app.MarkFunc, passed func(tx app.Store, att *app.Attempt) error) (*app.Attempt, error) {
	var att *app.Attempt
	var refused error // mark's: the answers written are kept
	err := s.transact(ctx, func(tx *Store) error {
		locked, enrolment, err := tx.lockModuleAndEnrolment(k)
		if err != nil {
			return err
		}
		// The number is derived under the lock from the attempts themselves.
		modules, saved, next, err := tx.writeAndReadModule(ctx, k, answers)
		if err != nil {
			return err
		}
		if att, refused = mark(modules, saved); refused != nil {
			// The answers are kept, and so is the visit that brought them
			// (a submission that goes on counts the time itself, below).
			if len(answers) > 0 && app.VisitDue(locked.LastSeenAt, now) {
				return tx.recordVisit(ctx, k, now)
			}
			return nil
		}
		tx.paused("submit")
		att.UserID, att.CourseID, att.ModuleID, att.CreatedAt = k.UserID, k.CourseID, k.ModuleID, now
		att.Cycle, att.Number = next.Cycle, next.Number
		if err := tx.addAttempt(att); err != nil {
			return err
		}
		if err := tx.recordAttempt(k, now, att); err != nil {
			return err
		}
		if !att.Passed {
			return nil
		}
		if err := tx.refreshSummary(ctx, k.UserID, k.CourseID, now, enrolment); err != nil {
			return err
		}
		if passed != nil {
			return passed(tx, att)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return nil, refused
	}
	return att, nil
}

// nextAttempt is where the next attempt at a module goes: the learner's
// current cycle, and one more than the highest number so far in any cycle.
type nextAttempt struct{ Cycle, Number int }

// nextAttemptSQL reads a nextAttempt; its arguments are the user's ID and
// the course's, then keyArgs.
const nextAttemptSQL = `SELECT ` + cycleSQL + ` AS cycle, COALESCE((SELECT MAX(number) FROM attempts WHERE ` + keyWhere + `), 0) + 1 AS number`

// writeAndReadModule writes the answers given (writeAnswers) and reads
// the learner's modules, the module's answers as they now stand, and where
// the next attempt goes: on PostgreSQL in one statement (readModuleFor).
func (s *Store) writeAndReadModule(ctx context.Context, k app.ModuleKey, write []app.Answer) ([]app.ModuleProgress, app.Answers, nextAttempt, error) {
	var next nextAttempt
	if s.postgres {
		modules, answers, err := s.readModuleFor(ctx, k, &next, write)
		return modules, answers, next, err
	}
	if len(write) > 0 {
		if err := s.writeAnswers(k, write); err != nil {
			return nil, nil, next, err
		}
	}
	modules, answers, err := s.moduleAndAnswers(ctx, k)
	if err != nil {
		return nil, nil, next, err
	}
	if err := s.db.Raw(nextAttemptSQL, append([]any{k.UserID, k.CourseID}, keyArgs(k)...)...).Scan(&next).Error; err != nil {
		return nil, nil, next, wrap(err, "attempt number")
	}
	return modules, answers, next, nil
}

// recordAttempt counts an attempt just added in the learner's module row,
// with the time since the last visit, and a pass in the module's
// time-to-pass distribution: on PostgreSQL in one statement.
func (s *Store) recordAttempt(k app.ModuleKey, now time.Time, att *app.Attempt) error {
	var passedAt *time.Time
	if att.Passed {
		t := now.UTC()
		passedAt = &t
	}
	update := `UPDATE module_progress SET seconds_spent = seconds_spent + ` + s.gapSQL() + `, last_seen_at = ?,
		attempts = attempts + 1, last_percent = ?,
		pass_percent = CASE WHEN passed_at IS NULL AND ? THEN ? ELSE pass_percent END,
		passed_at = COALESCE(passed_at, ?)
		WHERE ` + keyWhere
	args := append([]any{now.UTC(), maxGapSeconds(), now.UTC(), att.Percent, att.Passed, att.Percent, passedAt}, keyArgs(k)...)
	const minutes = `INSERT INTO module_minutes (course_id, module_id, minutes, learners) SELECT ?, ?, (seconds_spent + 30) / 60, 1 FROM `
	const counted = ` ON CONFLICT (course_id, module_id, minutes) DO UPDATE SET learners = module_minutes.learners + 1`
	if s.postgres {
		// The INSERT reads the row as the UPDATE left it, from RETURNING.
		return wrap(s.db.Exec(`WITH u AS (`+update+` RETURNING seconds_spent) `+minutes+`u WHERE ?`+counted,
			append(args, k.CourseID, k.ModuleID, att.Passed)...).Error, "module progress")
	}
	if err := s.db.Exec(update, args...).Error; err != nil {
		return wrap(err, "module progress")
	}
	if !att.Passed {
		return nil
	}
	return wrap(s.db.Exec(minutes+`module_progress WHERE `+keyWhere+counted, append([]any{k.CourseID, k.ModuleID}, keyArgs(k)...)...).Error, "module minutes")
}

// addAttempt records an attempt with the chosen options of every answered
// choice question and whether it was right (for the question analysis);
// reflections stay only in answers, private.
func (s *Store) addAttempt(a *app.Attempt) error {
	r := attemptRow{UserID: a.UserID, CourseID: a.CourseID, ModuleID: a.ModuleID, Number: a.Number, Correct: a.Correct,
		Total: a.Total, Percent: a.Percent, Passed: a.Passed, CreatedAt: a.CreatedAt.UTC(), Cycle: max(a.Cycle, 1)}
	var rows []attemptAnswerRow
	for qid, ans := range a.Answers {
		if len(ans.Options) == 0 { // reflections and unanswered optional questions
			continue
		}
		rows = append(rows, attemptAnswerRow{QuestionID: qid, Options: strings.Join(ans.Options, ","), Correct: a.Right[qid]})
	}
	if s.postgres && len(rows) > 0 {
		// One statement: the attempt, and its answers under its new ID.
		values, args := make([]string, len(rows)), []any{r.UserID, r.CourseID, r.ModuleID, r.Number, r.Correct, r.Total, r.Percent, r.Passed, r.CreatedAt, r.Cycle}
		for i, row := range rows {
			values[i] = "(CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BOOLEAN))"
			args = append(args, row.QuestionID, row.Options, row.Correct)
		}
		var ids []int64
		if err := s.db.Raw(`WITH a AS (INSERT INTO attempts (user_id, course_id, module_id, number, correct, total, percent, passed, created_at, cycle)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id),
			x AS (INSERT INTO attempt_answers (attempt_id, question_id, options, correct)
				SELECT a.id, v.question_id, v.options, v.correct FROM a, (VALUES `+strings.Join(values, ", ")+`) AS v (question_id, options, correct))
			SELECT id FROM a`, args...).Scan(&ids).Error; err != nil {
			return wrap(err, "attempt")
		}
		if len(ids) != 1 {
			return wrap(errors.New("no attempt ID returned"), "attempt")
		}
		a.ID = ids[0]
		return nil
	}
	if err := s.db.Create(&r).Error; err != nil {
		return wrap(err, "attempt")
	}
	a.ID = r.ID
	for i := range rows {
		rows[i].AttemptID = r.ID
	}
	if len(rows) > 0 {
		if err := s.db.Create(&rows).Error; err != nil {
			return wrap(err, "attempt answers")
		}
	}
	return nil
}

// attemptsSQL is the current cycle's attempts at a module, oldest first,
// a row per chosen answer (an attempt with none: one row, its answer
// columns NULL); its arguments are keyArgs, then the user's ID and the
// course's.
const attemptsSQL = `SELECT a.id, a.user_id, a.course_id, a.module_id, a.number, a.correct, a.total, a.percent, a.passed, a.created_at, a.cycle,
		aa.question_id AS answer_question_id, aa.options AS answer_options
	FROM attempts a LEFT JOIN attempt_answers aa ON aa.attempt_id = a.id
	WHERE a.user_id = ? AND a.course_id = ? AND a.module_id = ? AND a.cycle = ` + cycleSQL + `
	ORDER BY a.number, aa.question_id`

// Attempts implements app.LearningStore: the current cycle's, oldest
// first, with their answers, in one statement.
func (s *Store) Attempts(ctx context.Context, k app.ModuleKey) ([]app.Attempt, error) {
	var rows []struct {
		ID, UserID                      int64
		CourseID, ModuleID              string
		Number, Correct, Total, Percent int
		Passed                          bool
		CreatedAt                       time.Time
		Cycle                           int
		AnswerQuestionID, AnswerOptions *string
	}
	if err := s.db.WithContext(ctx).Raw(attemptsSQL, append(keyArgs(k), k.UserID, k.CourseID)...).Scan(&rows).Error; err != nil {
		return nil, wrap(err, "attempts")
	}
	var out []app.Attempt
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].ID != r.ID {
			out = append(out, app.Attempt{ID: r.ID, UserID: r.UserID, CourseID: r.CourseID, ModuleID: r.ModuleID, Number: r.Number,
				Correct: r.Correct, Total: r.Total, Percent: r.Percent, Passed: r.Passed, CreatedAt: r.CreatedAt, Answers: app.Answers{}, Cycle: r.Cycle})
		}
		if r.AnswerQuestionID != nil {
			out[len(out)-1].Answers[*r.AnswerQuestionID] = app.Answer{QuestionID: *r.AnswerQuestionID, ModuleID: k.ModuleID, Options: splitOptions(deref(r.AnswerOptions))}
		}
	}
	return out, nil
}

// CompleteCourse implements app.LearningStore. It locks the learner's
// enrolment row, which every module start created, so two evaluations
// sent at once are decided one after the other.
func (s *Store) CompleteCourse(ctx context.Context, userID int64, courseID string, now time.Time, complete app.CompleteFunc, issued func(tx app.Store, c *app.Certificate) error) (*app.Certificate, error) {
	var cert *app.Certificate
	err := s.transact(ctx, func(tx *Store) error {
		var locked []int
		if err := tx.db.Raw(`SELECT cycle FROM enrolments WHERE user_id = ? AND course_id = ?`+tx.forUpdate(), userID, courseID).Scan(&locked).Error; err != nil {
			return wrap(err, "enrolment")
		}
		cycle := 1
		if len(locked) == 1 {
			cycle = locked[0]
		}
		rec, err := tx.learnerModules(ctx, userID, courseID)
		if err != nil {
			return err
		}
		ev, c, err := complete(rec.Modules, rec.Evaluated)
		if err != nil {
			return err
		}
		tx.paused("complete")
		ev.Cycle, c.Cycle = cycle, cycle
		if err := tx.saveEvaluation(ctx, ev); err != nil {
			return err
		}
		if err := tx.createCertificate(ctx, c); err != nil {
			return err
		}
		cert = c
		if err := tx.refreshSummary(ctx, userID, courseID, now, len(locked) == 1); err != nil {
			return err
		}
		if issued != nil {
			return issued(tx, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cert, nil
}

// StartCycle implements app.LearningStore.
func (s *Store) StartCycle(ctx context.Context, userID int64, courseID string, now time.Time, decide func(*app.LearnerRecord) error) error {
	return s.transact(ctx, func(tx *Store) error {
		var locked []int
		if err := tx.db.Raw(`SELECT cycle FROM enrolments WHERE user_id = ? AND course_id = ?`+tx.forUpdate(), userID, courseID).Scan(&locked).Error; err != nil {
			return wrap(err, "enrolment")
		}
		rec, err := tx.LearnerRecord(ctx, userID, courseID)
		if err != nil {
			return err
		}
		if err := decide(rec); err != nil {
			return err
		}
		if len(locked) == 0 {
			return app.Errorf(app.ECONFLICT, "There is no course to take again.")
		}
		for _, q := range []string{
			`UPDATE enrolments SET cycle = cycle + 1 WHERE user_id = ? AND course_id = ?`,
			`DELETE FROM answers WHERE user_id = ? AND course_id = ?`,
			`DELETE FROM module_progress WHERE user_id = ? AND course_id = ?`,
		} {
			if err := tx.db.Exec(q, userID, courseID).Error; err != nil {
				return wrap(err, "start a cycle")
			}
		}
		return tx.refreshLockedEnrolment(ctx, userID, courseID)
	})
}

// deref is *p, or the zero value of a NULL.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
