// Package store keeps Foundations' data with GORM, on PostgreSQL in
// production or an embedded pure-Go SQLite file by default. It implements
// app.Store and is the only package that imports GORM.
package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Store implements app.Store over one GORM handle (or one transaction).
type Store struct {
	db       *gorm.DB
	postgres bool
	pause    func(op string) // tests only: see PauseAfterDecision
}

// PauseAfterDecision makes the store call fn inside its locking operations
// ("submit", "save answers", "complete") after they have read what they
// decide on and before they write, so a test can hold one there while
// another request runs, then release it. For tests only; nil turns it off.
// Set it before the store is shared.
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

// Open connects to databaseURL (postgres://… or postgresql://…), or when it
// is empty to the SQLite file sqlitePath, creating its folder. It does not
// migrate: call Migrate.
func Open(databaseURL, sqlitePath string) (*Store, error) {
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
		db, err := gorm.Open(postgres.Open(databaseURL), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetMaxIdleConns(32)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		return &Store{db: db, postgres: true}, nil
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

// Close closes the database.
func (s *Store) Close() error {
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
	case errors.Is(err, gorm.ErrRecordNotFound):
		return &app.Error{Code: app.ENOTFOUND, Message: what + " not found"}
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return &app.Error{Code: app.ECONFLICT, Message: what + " already exists"}
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
}
