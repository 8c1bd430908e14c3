package store

import (
	"context"
	"database/sql"
	"errors"
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
// that arrives while a worker is idle is sent at once, alone: nothing
// waits on a timer, so one learner saving on a quiet afternoon sees no
// delay. Each save is acknowledged only after the statement that wrote it
// has committed, so no acknowledged save is lost, and each row of the
// statement makes the same decisions as a save sent alone: the session
// found and unexpired, the learner's module row started, not passed and
// locked FOR KEY SHARE (openGuardSQL), then the answer written. One save's
// refusal (signed out, module passed) refuses only that save. If the
// statement fails as a whole, each of its saves is sent again alone and
// gets its own answer.

// autosaveWorkers is how many batches are in flight at once: enough to keep
// PostgreSQL's cores busy while a batch is in the network, few enough to
// leave the pool for everything else (4 of the default 20 connections).
const autosaveWorkers = 4

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
	err         error
	done        chan struct{}
}

// autosaves gathers the saves that arrive while its workers are busy.
type autosaves struct {
	queue chan *autosave
	quit  chan struct{}
	wg    sync.WaitGroup

	mu     sync.RWMutex // held to read while queueing, to write by stop
	closed bool

	batches atomic.Int64 // sent, for tests
}

func (s *Store) startAutosaves(workers int) {
	b := &autosaves{queue: make(chan *autosave, 4*autosaveMaxBatch), quit: make(chan struct{})}
	s.saves = b
	for range workers {
		b.wg.Add(1)
		go s.autosaveWorker(b)
	}
}

// stop stops the workers once every save queued is written; a save after
// it is refused.
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
	for {
		select {
		case r := <-b.queue: // queued as the workers stopped
			r.err = errStoreClosed
			close(r.done)
		default:
			return
		}
	}
}

var errStoreClosed = errors.New("store closed")

// autosaveWorker takes the first save waiting, then every other one waiting
// at that moment (up to autosaveMaxBatch, one per session: a session's
// next save waits for the next batch, so a batch never holds two saves that
// could write the same answer row), and sends them as one batch.
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

// writeAutosaves sends a batch and closes each save's done; if the batch
// fails as a whole (a deadlock, two sessions of one learner writing one
// answer in it), each save is sent again alone. together is whether the
// batch was written as one statement.
func (s *Store) writeAutosaves(batch []*autosave) (together bool) {
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	if len(batch) > 1 {
		if err := s.autosaveBatch(batch); err == nil {
			return true
		}
	}
	for _, r := range batch {
		r.found, r.open, r.visit = false, false, false
		r.err = s.autosaveAlone(r)
	}
	return len(batch) == 1
}

// autosaveBatchSQL (PostgreSQL) is a batch of autosaves in one statement:
// r holds the saves as sent, one row each, numbered by i; s the live
// session of each; p the learner's module row of each save whose module is
// open, locked FOR KEY SHARE, as openGuardSQL locks it for a save alone;
// w writes the answers given and d deletes those cleared, only for saves
// in p. One row comes back per save.
const autosaveBatchSQL = `WITH r AS (SELECT * FROM unnest(?::text[], ?::timestamptz[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::boolean[])
		WITH ORDINALITY AS r(token_hash, now, cutoff, course_id, module_id, question_id, options, text, updated_at, clear, i)),
	s AS (SELECT r.i, se.user_id, se.created_at, se.last_seen_at, se.expires_at FROM r JOIN sessions se ON se.token_hash = r.token_hash AND se.expires_at > r.now),
	p AS (SELECT s.i, s.user_id, mp.last_seen_at <= r.cutoff AS due FROM s JOIN r ON r.i = s.i
		JOIN module_progress mp ON mp.user_id = s.user_id AND mp.course_id = r.course_id AND mp.module_id = r.module_id
		WHERE mp.passed_at IS NULL FOR KEY SHARE OF mp),
	w AS (` + answerUpsertSQL + `SELECT p.user_id, r.course_id, r.question_id, r.module_id, r.options, r.text, r.updated_at FROM p JOIN r ON r.i = p.i
		WHERE NOT r.clear` + answerConflictSQL + `),
	d AS (DELETE FROM answers a USING p JOIN r ON r.i = p.i WHERE r.clear AND a.user_id = p.user_id AND a.course_id = r.course_id AND a.question_id = r.question_id)
	SELECT r.i, s.user_id, s.created_at, s.last_seen_at, s.expires_at, p.i IS NOT NULL, COALESCE(p.due, FALSE)
	FROM r LEFT JOIN s ON s.i = r.i LEFT JOIN p ON p.i = r.i`

// autosaveBatch sends a batch as one statement and fills in each save's
// outcome; on an error it fills in nothing.
func (s *Store) autosaveBatch(batch []*autosave) error {
	n := len(batch)
	tokens, nows, cutoffs := make([]string, n), make([]time.Time, n), make([]time.Time, n)
	courses, modules, questions, options, texts := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	updated, clear := make([]time.Time, n), make([]bool, n)
	for i, r := range batch {
		tokens[i], nows[i], cutoffs[i] = r.tokenHash, r.now.UTC(), r.a.UpdatedAt.Add(-app.VisitInterval).UTC()
		courses[i], modules[i], questions[i] = r.a.CourseID, r.a.ModuleID, r.a.QuestionID
		options[i], texts[i], updated[i], clear[i] = strings.Join(r.a.Options, ","), r.a.Text, r.a.UpdatedAt.UTC(), r.a.Empty()
	}
	// The statement outlives any one request: it is not cancelled when the
	// first save's client goes away, as the others still wait on it.
	ctx := context.WithoutCancel(batch[0].ctx)
	rows, err := s.direct().QueryContext(ctx, s.bound(autosaveBatchSQL), tokens, nows, cutoffs, courses, modules, questions, options, texts, updated, clear)
	if err != nil {
		return err
	}
	defer rows.Close()
	type outcome struct {
		se          app.Session
		found, open bool
		visit       bool
	}
	out := make([]outcome, n)
	for rows.Next() {
		var i int
		var uid sql.NullInt64
		var created, seen, expires sql.NullTime
		var o outcome
		if err := rows.Scan(&i, &uid, &created, &seen, &expires, &o.open, &o.visit); err != nil {
			return err
		}
		if i < 1 || i > n {
			return errors.New("autosave batch: row out of range")
		}
		if uid.Valid {
			o.found = true
			o.se = app.Session{UserID: uid.Int64, CreatedAt: created.Time, LastSeenAt: seen.Time, ExpiresAt: expires.Time}
		}
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

// autosaveAlone is one save in its own statement (autosaveSQL).
func (s *Store) autosaveAlone(r *autosave) error {
	guard, guardArgs := s.openGuardSQL(`(SELECT user_id FROM s)`, nil, r.a)
	write, writeArgs := guardedAnswerSQL(r.a)
	q := `WITH s AS (` + liveSessionSQL + `), ` + guard + `, ` + write
	args := append(append([]any{r.tokenHash, r.now.UTC()}, guardArgs...), writeArgs...)
	due, dueArg := s.dueFromGuardSQL(r.a.UpdatedAt)
	q += `SELECT s.user_id, s.created_at, s.last_seen_at, s.expires_at, (SELECT COUNT(*) FROM p), ` + due + ` FROM s`
	var open int64
	r.se.TokenHash = r.tokenHash
	err := s.direct().QueryRowContext(r.ctx, s.bound(q), append(args, dueArg)...).Scan(&r.se.UserID, &r.se.CreatedAt, &r.se.LastSeenAt, &r.se.ExpiresAt, &open, &r.visit)
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

// autosave sends one save through the batches (or alone, when the store
// has none) and waits until it is written or refused.
func (s *Store) autosave(ctx context.Context, tokenHash string, now time.Time, a app.Answer) (*autosave, error) {
	r := &autosave{ctx: ctx, tokenHash: tokenHash, now: now, a: a, done: make(chan struct{})}
	if s.saves == nil {
		return r, s.autosaveAlone(r)
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
	<-r.done // once queued it is written or refused: wait for which
	return r, r.err
}
