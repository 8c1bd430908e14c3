package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
)

// The few statements every request makes (the session look-up, an answer
// save, a module's answers) go straight to the connection or transaction
// GORM holds, past its statement builder and reflection, which cost more
// CPU than the database's own work for them (a profile of autosaves
// under load: GORM's clause building and Scan were a third of the app's
// time). They still use GORM's pool, pgx's prepared-statement cache and the
// current transaction. Everything else stays on GORM.

// direct is the connection pool or transaction of s.
func (s *Store) direct() interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
} {
	return s.db.Statement.ConnPool
}

// bound is q with its ? placeholders as the database wants them: $1, $2…
// on PostgreSQL. Statements given here hold no ? anywhere else.
func (s *Store) bound(q string) string {
	if !s.postgres {
		return q
	}
	if v, ok := pgBound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	pgBound.Store(q, b.String())
	return b.String()
}

var pgBound sync.Map // statement with ? → with $n
