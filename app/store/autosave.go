package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/foundations/foundations/app"
)

// Autosaves on PostgreSQL are written in batches: the saves that arrive
// while the database is busy with earlier ones are sent together, as one
// statement (autosaveBatchSQL) in one transaction, so they share one round
// trip and one commit, the way PostgreSQL itself groups commits. A save
// that arrives while the worker is idle is sent at once, alone: nothing
// waits on a timer, so one learner saving on a quiet afternoon sees no
// delay. Each save is acknowledged only after the statement that wrote it
// has committed, so no acknowledged save is lost, and each row of the
// statement makes the same decisions as a save sent alone: the session
// found and unexpired, the learner's module row started, not passed and
// locked FOR KEY SHARE (openGuardSQL), then the answer written. One save's
// refusal (signed out, module passed) refuses only that save. If the
// statement fails as a whole, or takes longer than autosaveTimeout (a lock
// held by a long transaction), each of its saves is sent again alone, by
// its own request, which then gets its own answer; the worker goes on to
// the next batch.

// An instance has one worker, so one batch in flight. The fewer batches in
// flight, the more saves each gathers under load, and a batch's cost is
// mostly its commit (its WAL flush) and its round trip, whatever its size:
// with one connection and no flush, a save alone cost PostgreSQL about 90
// µs of CPU, a batch of 4 about 185 and a batch of 16 about 390, and each
// commit's flush added about 270 µs. Beside two workers, in turns at 16
// connections, one gathered about twice as many saves per statement for
// about 30% less CPU per save (README, Performance). A second worker would
// need each session's saves kept to one of them: two batches in flight
// holding saves of one session could each lock an answer row the other is
// about to write, and PostgreSQL breaks that deadlock only after
// deadlock_timeout (seen with four workers on one queue).

// autosaveTimeout is the longest a worker waits for one statement before
// its saves are sent again alone, each by its own request (a variable for
// tests).
var autosaveTimeout = 5 * time.Second

// visitInterval is app.VisitInterval as PostgreSQL's interval.
var visitInterval = fmt.Sprintf("%d microseconds", app.VisitInterval.Microseconds())

// autosaveMaxBatch bounds a batch's size (its arrays' length).
const autosaveMaxBatch = 128

// autosave is one save waiting for its batch.
type autosave struct {
	ctx       context.Context
	tokenHash string
	now       time.Time
	a         app.Answer

	// Set by the batch, then done is closed.
	se          app.Session
	found, open bool // the session was live; its module was open
	visit       bool // a visit is due (recordVisit)
	alone       bool // the batch did not write it: send it alone
	err         error
	done        chan struct{}
}

// autosaves gathers the saves that arrive while its worker is busy.
type autosaves struct {
	queue chan *autosave
	quit  chan struct{}
	wg    sync.WaitGroup

	mu     sync.RWMutex // held to read while queueing, to write by stop
	closed bool

	batches atomic.Int64 // sent, for tests
}

func (s *Store) startAutosaves() {
	b := &autosaves{queue: make(chan *autosave, 4*autosaveMaxBatch), quit: make(chan struct{})}
	s.saves = b
	b.wg.Add(1)
	go s.autosaveWorker(b)
}

// stop stops the worker once every save it has taken is written; a save
// still queued then, or sent after, is refused.
func (b *autosaves) stop() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true // no save is queued after this
	b.mu.Unlock()
	close(b.quit)
	b.wg.Wait()
	for len(b.queue) > 0 { // queued as the worker stopped
		r := <-b.queue
		r.err = errStoreClosed
		close(r.done)
	}
}

var errStoreClosed = errors.New("store closed")

// autosaveWorker takes the first save waiting, then every other one waiting
// at that moment (up to autosaveMaxBatch, one per session: a session's
// next save waits for the next batch, so it is written after the one
// before it, and a batch holds two saves of one answer row only when a
// learner saves it from two sessions at once, which the batch's statement
// refuses and writeAutosaves then hands back), and sends them as one
// batch.
func (s *Store) autosaveWorker(b *autosaves) {
	defer b.wg.Done()
	var carry []*autosave // saves of a session already in the last batch
	for {
		batch := carry
		carry = nil
		if len(batch) == 0 {
			select {
			case r := <-b.queue:
				batch = append(batch, r)
			case <-b.quit:
				return
			}
		}
		s.paused("autosave batch")
		tokens := make(map[string]bool, len(batch))
		for _, r := range batch {
			tokens[r.tokenHash] = true
		}
	gather:
		for len(batch) < autosaveMaxBatch {
			select {
			case r := <-b.queue:
				if tokens[r.tokenHash] {
					carry = append(carry, r)
					continue
				}
				tokens[r.tokenHash] = true
				batch = append(batch, r)
			default:
				break gather
			}
		}
		s.writeAutosaves(batch)
		b.batches.Add(1)
	}
}

// writeAutosaves sends a batch (a save alone when it is one) and closes
// each save's done; if the statement fails, or outlasts autosaveTimeout,
// each save is marked to be sent again alone. together is whether a batch
// of more than one was written as one statement.
func (s *Store) writeAutosaves(batch []*autosave) (together bool) {
	// The statement outlives any one request: it is not cancelled when the
	// first save's client goes away, as the others still wait on it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(batch[0].ctx), autosaveTimeout)
	defer cancel()
	var err error
	if len(batch) == 1 {
		err = s.autosaveAlone(ctx, batch[0])
	} else {
		err = s.autosaveBatch(ctx, batch)
	}
	for _, r := range batch {
		r.alone = err != nil
		close(r.done)
	}
	return err == nil && len(batch) > 1
}

// autosaveBatchSQL (PostgreSQL) is a batch of autosaves in one statement:
// r holds the saves as sent, one row each, numbered by i; s those whose
// session is live, with the session; p those of s whose module is open,
// the learner's module row locked FOR KEY SHARE as openGuardSQL locks it
// for a save alone; w writes the answers given, in the order of their key
// (so two batches that meet on answer rows lock them in one order), and d
// deletes those cleared. A row comes back for each save whose session is
// live.
const autosaveBatchSQL = `WITH r AS (SELECT * FROM unnest(?::text[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::boolean[])
		WITH ORDINALITY AS r(token_hash, now, course_id, module_id, question_id, options, text, updated_at, clear, i)),
	s AS (SELECT r.*, se.user_id, se.created_at, se.last_seen_at AS session_seen, se.expires_at
		FROM r JOIN sessions se ON se.token_hash = r.token_hash AND se.expires_at > r.now),
	p AS (SELECT s.i, s.user_id, s.course_id, s.question_id, s.module_id, s.options, s.text, s.updated_at, s.clear,
			mp.last_seen_at <= s.updated_at - CAST(? AS INTERVAL) AS due
		FROM s JOIN module_progress mp ON mp.user_id = s.user_id AND mp.course_id = s.course_id AND mp.module_id = s.module_id
		WHERE mp.passed_at IS NULL FOR KEY SHARE OF mp),
	w AS (` + answerUpsertSQL + `SELECT user_id, course_id, question_id, module_id, options, text, updated_at FROM p
		WHERE NOT clear ORDER BY user_id, question_id` + answerConflictSQL + `),
	d AS (DELETE FROM answers a USING p WHERE p.clear AND a.user_id = p.user_id AND a.course_id = p.course_id AND a.question_id = p.question_id)
	SELECT s.i, s.user_id, s.created_at, s.session_seen, s.expires_at, p.i IS NOT NULL, COALESCE(p.due, FALSE)
	FROM s LEFT JOIN p ON p.i = s.i`

// autosaveBatch sends a batch as one statement and fills in each save's
// outcome; on an error it fills in nothing.
func (s *Store) autosaveBatch(ctx context.Context, batch []*autosave) error {
	n := len(batch)
	tokens, nows, updated := make([]string, n), make([]time.Time, n), make([]time.Time, n)
	courses, modules, questions, options, texts := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	clear := make([]bool, n)
	for i, r := range batch {
		tokens[i], nows[i], updated[i] = r.tokenHash, r.now.UTC(), r.a.UpdatedAt.UTC()
		courses[i], modules[i], questions[i] = r.a.CourseID, r.a.ModuleID, r.a.QuestionID
		options[i], texts[i], clear[i] = strings.Join(r.a.Options, ","), r.a.Text, r.a.Empty()
	}
	rows, err := s.direct().QueryContext(ctx, s.bound(autosaveBatchSQL), tokens, nows, courses, modules, questions, options, texts, updated, clear, visitInterval)
	if err != nil {
		return err
	}
	defer rows.Close()
	type outcome struct {
		se          app.Session
		found, open bool
		visit       bool
	}
	out := make([]outcome, n) // a save with no row: no live session
	for rows.Next() {
		var i int
		var o outcome
		if err := rows.Scan(&i, &o.se.UserID, &o.se.CreatedAt, &o.se.LastSeenAt, &o.se.ExpiresAt, &o.open, &o.visit); err != nil {
			return err
		}
		if i < 1 || i > n {
			return errors.New("autosave batch: row out of range")
		}
		o.found = true
		out[i-1] = o
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i, r := range batch {
		r.se, r.found, r.open, r.visit = out[i].se, out[i].found, out[i].open, out[i].visit
		r.se.TokenHash = r.tokenHash
	}
	return nil
}

// autosaveAlone is one save in its own statement.
func (s *Store) autosaveAlone(ctx context.Context, r *autosave) error {
	r.found, r.open, r.visit = false, false, false
	guard, guardArgs := s.openGuardSQL(`(SELECT user_id FROM s)`, nil, r.a)
	write, writeArgs := guardedAnswerSQL(r.a)
	q := `WITH s AS (` + liveSessionSQL + `), ` + guard + `, ` + write
	args := append(append([]any{r.tokenHash, r.now.UTC()}, guardArgs...), writeArgs...)
	due, dueArg := s.dueFromGuardSQL(r.a.UpdatedAt)
	q += `SELECT s.user_id, s.created_at, s.last_seen_at, s.expires_at, (SELECT COUNT(*) FROM p), ` + due + ` FROM s`
	var open int64
	r.se.TokenHash = r.tokenHash
	err := s.direct().QueryRowContext(ctx, s.bound(q), append(args, dueArg)...).Scan(&r.se.UserID, &r.se.CreatedAt, &r.se.LastSeenAt, &r.se.ExpiresAt, &open, &r.visit)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // found stays false
	}
	if err != nil {
		return wrap(err, "answer in session")
	}
	r.found, r.open = true, open > 0
	return nil
}

// autosaved is SaveAnswerInSession's answer for a save sent (autosave):
// the session's absence, the module's refusal or the save, with a visit
// recorded if one is due.
func (s *Store) autosaved(ctx context.Context, r *autosave, err error) (*app.Session, error) {
	switch {
	case err != nil:
		return nil, err
	case !r.found:
		return nil, wrap(sql.ErrNoRows, "answer in session")
	case !r.open:
		return &r.se, app.ErrNotAnswerable
	case r.visit:
		return &r.se, s.recordVisit(ctx, app.ModuleKey{UserID: r.se.UserID, CourseID: r.a.CourseID, ModuleID: r.a.ModuleID}, r.a.UpdatedAt)
	}
	return &r.se, nil
}

// autosave sends one save through the worker (or alone, when the store
// has none) and waits until it is written or refused.
func (s *Store) autosave(ctx context.Context, tokenHash string, now time.Time, a app.Answer) (*autosave, error) {
	r := &autosave{ctx: ctx, tokenHash: tokenHash, now: now, a: a, done: make(chan struct{})}
	if s.saves == nil {
		return r, s.autosaveAlone(ctx, r)
	}
	b := s.saves
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return nil, errStoreClosed
	}
	select {
	case b.queue <- r:
	case <-ctx.Done():
		b.mu.RUnlock()
		return nil, ctx.Err()
	}
	b.mu.RUnlock()
	<-r.done // once queued it is written, refused or handed back: wait for which
	return r, s.takeBack(ctx, r)
}

// takeBack is a save's error once its batch is done: the save is sent
// alone, by the request that made it, if the batch handed it back.
func (s *Store) takeBack(ctx context.Context, r *autosave) error {
	if r.alone {
		return s.autosaveAlone(ctx, r)
	}
	return r.err
}
