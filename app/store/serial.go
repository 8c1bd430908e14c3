package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"gorm.io/gorm"
)

// serialWrites makes this process's writes to SQLite take turns in Go, in
// arrival order, instead of racing for SQLite's write lock. SQLite allows
// one writer at a time; left to its busy handler (which sleeps and retries),
// a writer could be starved for seconds under load. Reads are not
// serialised: WAL lets them run beside the writer. A transaction holds the
// turn from BEGIN to COMMIT or ROLLBACK.
type serialWrites struct {
	gorm.ConnPool
	mu *sync.Mutex
}

func installSerialWrites(db *gorm.DB) {
	w := &serialWrites{ConnPool: db.ConnPool, mu: &sync.Mutex{}}
	db.ConnPool = w
	db.Statement.ConnPool = w
}

func (w *serialWrites) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ConnPool.ExecContext(ctx, query, args...)
}

// QueryContext serialises statements that write and return rows
// (INSERT … RETURNING, which GORM uses on create).
func (w *serialWrites) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if !isWrite(query) {
		return w.ConnPool.QueryContext(ctx, query, args...)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ConnPool.QueryContext(ctx, query, args...)
}

func (w *serialWrites) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if !isWrite(query) {
		return w.ConnPool.QueryRowContext(ctx, query, args...)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ConnPool.QueryRowContext(ctx, query, args...)
}

func isWrite(query string) bool {
	for i := 0; i < len(query); i++ {
		switch query[i] {
		case ' ', '\t', '\n', '\r', '(':
			continue
		case 'S', 's', 'W', 'w': // SELECT, WITH
			return false
		default:
			return true
		}
	}
	return false
}

// BeginTx takes the turn and keeps it until the transaction ends.
func (w *serialWrites) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	w.mu.Lock()
	var (
		tx  gorm.ConnPool
		err error
	)
	switch b := w.ConnPool.(type) {
	case gorm.ConnPoolBeginner:
		tx, err = b.BeginTx(ctx, opts)
	case gorm.TxBeginner:
		tx, err = b.BeginTx(ctx, opts)
	default:
		err = fmt.Errorf("connection pool %T cannot begin transactions", w.ConnPool)
	}
	if err != nil {
		w.mu.Unlock()
		return nil, err
	}
	return &serialTx{ConnPool: tx, release: sync.OnceFunc(w.mu.Unlock)}, nil
}

// GetDBConn lets gorm.DB.DB() reach the *sql.DB underneath.
func (w *serialWrites) GetDBConn() (*sql.DB, error) {
	if g, ok := w.ConnPool.(gorm.GetDBConnector); ok {
		return g.GetDBConn()
	}
	if db, ok := w.ConnPool.(*sql.DB); ok {
		return db, nil
	}
	return nil, gorm.ErrInvalidDB
}

type serialTx struct {
	gorm.ConnPool
	release func()
}

func (t *serialTx) Commit() error {
	defer t.release()
	return t.ConnPool.(gorm.TxCommitter).Commit()
}

func (t *serialTx) Rollback() error {
	defer t.release()
	return t.ConnPool.(gorm.TxCommitter).Rollback()
}
