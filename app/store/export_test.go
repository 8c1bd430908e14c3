package store

import (
	"context"
	"time"

	"github.com/foundations/foundations/app"
)

// SessionAnswer is one autosave: the session's token hash, the moment and
// the answer.
type SessionAnswer struct {
	TokenHash string
	Now       time.Time
	Answer    app.Answer
}

// AutosaveBatch sends saves as one batch, as a worker sends the saves that
// arrive together, and returns what SaveAnswerInSession would return for
// each, and whether they were written as one statement (or, after it
// failed, one by one).
func (s *Store) AutosaveBatch(ctx context.Context, saves []SessionAnswer) ([]*app.Session, []error, bool) {
	batch := make([]*autosave, len(saves))
	for i, sa := range saves {
		batch[i] = &autosave{ctx: ctx, tokenHash: sa.TokenHash, now: sa.Now, a: sa.Answer, done: make(chan struct{})}
	}
	together := s.writeAutosaves(batch)
	sessions, errs := make([]*app.Session, len(saves)), make([]error, len(saves))
	for i, r := range batch {
		sessions[i], errs[i] = s.autosaved(ctx, r, s.takeBack(ctx, r))
	}
	return sessions, errs, together
}

// AutosaveBatches is how many batches the worker has sent, and
// AutosavesQueued how many saves wait for one.
func (s *Store) AutosaveBatches() int64 { return s.saves.batches.Load() }
func (s *Store) AutosavesQueued() int   { return len(s.saves.queue) }

// SetAutosaveTimeout sets autosaveTimeout until the test ends.
func SetAutosaveTimeout(t interface{ Cleanup(func()) }, d time.Duration) {
	was := autosaveTimeout
	autosaveTimeout = d
	t.Cleanup(func() { autosaveTimeout = was })
}
