// Package storetest opens real databases for tests: the embedded SQLite in
// a temporary folder always, and PostgreSQL too when TEST_DATABASE_URL is
// set, each test in its own fresh schema that is dropped afterwards. In CI
// (CI=true) TEST_DATABASE_URL is required.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/content"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/courses"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Backend is one database a test runs against.
type Backend struct {
	Name string // "sqlite" or "postgres"
	Open func(t testing.TB) *store.Store
}

// Backends lists the databases available to this run.
func Backends(t testing.TB) []Backend {
	b := []Backend{{Name: "sqlite", Open: SQLite}}
	if PostgresURL(t) != "" {
		b = append(b, Backend{Name: "postgres", Open: Postgres})
	}
	return b
}

// PostgresURL returns TEST_DATABASE_URL; in CI its absence fails the test.
func PostgresURL(t testing.TB) string {
	u := os.Getenv("TEST_DATABASE_URL")
	if u == "" && os.Getenv("CI") == "true" {
		t.Fatal("TEST_DATABASE_URL must be set in CI: PostgreSQL tests may not be skipped there")
	}
	return u
}

// Each runs fn as a subtest on every available database, migrated.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.Open(t)) })
	}
}

// SQLite opens a fresh, migrated SQLite database in a temporary folder.
func SQLite(t testing.TB) *store.Store {
	s, err := store.Open("", filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// Postgres opens a migrated store in a fresh schema of TEST_DATABASE_URL.
func Postgres(t testing.TB) *store.Store { return PostgresWith(t, store.Options{}) }

// PostgresWith is Postgres with the pool's Options.
func PostgresWith(t testing.TB, opt store.Options) *store.Store {
	dsn, _ := FreshSchema(t)
	s, err := store.OpenWith(dsn, "", opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// FreshSchema creates an empty schema in TEST_DATABASE_URL's database,
// dropped when the test ends, and returns a URL whose connections use it.
func FreshSchema(t testing.TB) (dsn, schema string) {
	base := PostgresURL(t)
	if base == "" {
		t.Skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped (they are mandatory in CI)")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema = "test_" + hex.EncodeToString(b)
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("PostgreSQL at TEST_DATABASE_URL is unreachable: %v", err)
	}
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		if db, err := admin.DB(); err == nil {
			_ = db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema
}

// RealCourse loads the real course (courses/neglect-foundations) with
// obviously placeholder local settings, for tests that need its size.
func RealCourse(t testing.TB) *app.Course {
	t.Helper()
	placeholders := map[string]string{
		"partnership_name":       "Example Safeguarding Children Partnership",
		"partnership_short_name": "ESCP",
		"front_door_name":        "Example Children's Front Door",
		"front_door_phone":       "01632 960000",
		"front_door_url":         "https://example.org/worried-about-a-child",
		"out_of_hours_phone":     "01632 960001",
		"escalation_policy_url":  "https://example.org/escalation",
		"neglect_toolkit_url":    "https://example.org/neglect-toolkit",
		"training_contact":       "training@example.org",
	}
	c, err := content.Load(courses.FS, "neglect-foundations", content.DefaultOptions(placeholders))
	if err != nil {
		t.Fatalf("load course: %v", err)
	}
	return c
}
