// Package store keeps Foundations' data with GORM, on PostgreSQL in
// production or an embedded pure-Go SQLite file by default. It implements
// app.Store and is the only package that imports GORM.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Store implements app.Store over one GORM handle (or one transaction).
type Store struct {
	db       *gorm.DB
	postgres bool
	pause    func(op string) // tests only: see PauseAfterDecision
	saves    *autosaves      // PostgreSQL's root store only: autosave.go
}

// PauseAfterDecision makes the store call fn inside its locking operations
// ("submit", "save answers", "complete") after they have read what they
// decide on and before they write, so a test can hold one there while
// another request runs, then release it; and ("autosave batch") in an
// autosave worker that has taken the first save waiting, before it
// gathers the others. For tests only; nil turns it off. Set it before the
// store is shared.
func (s *Store) PauseAfterDecision(fn func(op string)) { s.pause = fn }

func (s *Store) paused(op string) {
	if s.pause != nil {
		s.pause(op)
	}
}

var _ app.Store = (*Store)(nil)

// Now is the store's clock for row timestamps it sets itself: UTC, to the
// microsecond, which both databases keep exactly.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Options tune the PostgreSQL connection pool.
type Options struct {
	// MaxConns is the most connections this instance opens (0: 20, so four
	// instances fit in PostgreSQL's default max_connections of 100).
	MaxConns int
	// NoPreparedStatements sends every query with the simple protocol and
	// caches no prepared statement, as PgBouncer in transaction mode needs.
	NoPreparedStatements bool
}

// Open connects to databaseURL (postgres://… or postgresql://…), or when it
// is empty to the SQLite file sqlitePath, creating its folder, with the
// default Options. It does not migrate: call Migrate.
func Open(databaseURL, sqlitePath string) (*Store, error) {
	return OpenWith(databaseURL, sqlitePath, Options{})
}

// OpenWith is Open with Options.
func OpenWith(databaseURL, sqlitePath string, opt Options) (*Store, error) {
	cfg := &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true, // single writes need no BEGIN/COMMIT; rules that need one use InTx
		PrepareStmt:            true,
		NowFunc:                Now,
		Logger:                 logger.Discard, // queries carry personal data: never log them
	}
	if databaseURL != "" {
		if !strings.HasPrefix(databaseURL, "postgres://") && !strings.HasPrefix(databaseURL, "postgresql://") {
			return nil, fmt.Errorf("DATABASE_URL must start with postgres:// (leave it empty for the embedded database)")
		}
		if opt.MaxConns <= 0 {
			opt.MaxConns = 20
		}
		// Statements are prepared by pgx, once per connection, in its
		// statement cache. GORM's PrepareStmt is off here: inside a
		// transaction it goes through database/sql's Tx.Stmt, which
		// prepares again on the transaction's connection and deallocates
		// at commit, so every statement of every transaction was parsed
		// again and cost two extra round trips (a module submit spent most
		// of its 13 ms waiting on them).
		cfg.PrepareStmt = false
		connCfg, err := pgx.ParseConfig(databaseURL)
		if err != nil { // not wrapped: the error may quote the URL
			return nil, errors.New("DATABASE_URL is not a valid PostgreSQL URL")
		}
		var opts []stdlib.OptionOpenDB
		if opt.NoPreparedStatements {
			connCfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
		} else if _, set := connCfg.RuntimeParams["plan_cache_mode"]; !set {
			opts = append(opts, stdlib.OptionAfterConnect(planOnce))
		}
		db, err := gorm.Open(postgres.New(postgres.Config{Conn: stdlib.OpenDB(*connCfg, opts...)}), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(opt.MaxConns)
		sqlDB.SetMaxIdleConns(opt.MaxConns)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		st := &Store{db: db, postgres: true}
		st.startAutosaves()
		return st, nil
	}
	if dir := filepath.Dir(sqlitePath); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	dsn := sqlitePath + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate"
	db, err := gorm.Open(sqlite.Open(dsn), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", sqlitePath, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(8)
	installSerialWrites(db)
	return &Store{db: db}, nil
}

// Close closes the database, once the autosaves queued are written.
func (s *Store) Close() error {
	if s.saves != nil {
		s.saves.stop()
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Postgres reports whether the store is on PostgreSQL.
func (s *Store) Postgres() bool { return s.postgres }

// DB exposes the GORM handle to this package's tests and commands.
func (s *Store) DB() *gorm.DB { return s.db }

// InTx implements app.Store.
func (s *Store) InTx(ctx context.Context, fn func(app.Store) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&Store{db: tx, postgres: s.postgres, pause: s.pause})
	})
}

// Ping implements app.Store.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// wrap turns GORM's errors into app codes.
func wrap(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound), errors.Is(err, sql.ErrNoRows):
		return &app.Error{Code: app.ENOTFOUND, Message: what + " not found"}
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return &app.Error{Code: app.ECONFLICT, Message: what + " already exists"}
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
}

// PlanEachExecution asks PostgreSQL, for the rest of the transaction, to
// plan each statement for its own arguments and the tables' current size
// (plan_cache_mode = force_custom_plan), for a bulk load that outgrows
// within one transaction the statistics its plans would otherwise be
// made from: the demo's batches of 250 learners, whose manager pages read
// an enrolments table grown from nothing, made plans for an empty table
// and took a second per look-up. It does nothing on SQLite or outside a
// transaction's store.
func (s *Store) PlanEachExecution(ctx context.Context) error {
	if !s.postgres {
		return nil
	}
	return wrap(s.db.WithContext(ctx).Exec(`SET LOCAL plan_cache_mode = force_custom_plan`).Error, "plan cache mode")
}

// planOnce asks PostgreSQL to plan each prepared statement once per
// connection (plan_cache_mode = force_generic_plan), on every new
// connection unless the URL sets plan_cache_mode itself. Every statement
// here looks rows up by key or filters on values whose spread does not
// change the best plan, and by default PostgreSQL plans a prepared
// statement afresh at each of its first five executions on each
// connection: a pool of 20 connections replans every statement a hundred
// times, and the enrolment summary's eight subqueries took 0.5-0.9 ms to
// plan and 0.1 ms to run. Measured on the learner journey, the handlers'
// time besides the password hash went from 79-92 ms to 65-74 ms. It is a
// SET after connecting, not a startup parameter, so a connection pooler
// in session mode passes it on; without prepared statements
// (DB_PREPARED_STATEMENTS=false, for a pooler in transaction mode) it is
// not sent at all.
func planOnce(ctx context.Context, c *pgx.Conn) error {
	_, err := c.Exec(ctx, "SET plan_cache_mode = force_generic_plan")
	return err
}
