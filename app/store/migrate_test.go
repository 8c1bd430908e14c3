package store_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// openEmpty opens a database with no tables at all, not migrated.
func openEmpty(t *testing.T, backend string) *store.Store {
	t.Helper()
	var s *store.Store
	var err error
	switch backend {
	case "sqlite":
		s, err = store.Open("", filepath.Join(t.TempDir(), "empty.db"))
	case "postgres":
		dsn, _ := storetest.FreshSchema(t)
		s, err = store.Open(dsn, "")
	default:
		t.Fatalf("unknown backend %q", backend)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type migrationRecord struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

func records(t *testing.T, s *store.Store) []migrationRecord {
	t.Helper()
	var rs []migrationRecord
	if err := s.DB().Raw(`SELECT version, name, applied_at FROM schema_migrations ORDER BY version`).Scan(&rs).Error; err != nil {
		t.Fatal(err)
	}
	return rs
}

// tables are the tables the application reads and writes.
var tables = []string{"organisations", "users", "sessions", "enrolments", "module_progress", "answers",
	"attempts", "attempt_answers", "evaluations", "evaluation_responses", "certificates",
	"manager_declines"}

func TestMigrate(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := openEmpty(t, b.Name)

			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("migrate an empty database: %v", err)
			}
			version, err := s.SchemaVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if version < 1 {
				t.Fatalf("SchemaVersion = %d after migrating, want 1 or more", version)
			}
			rs := records(t, s)
			versions := store.MigrationVersions() // helpers own ranges of versions, so there are gaps
			slices.Sort(versions)
			if len(rs) != len(versions) || version != versions[len(versions)-1] {
				t.Errorf("schema_migrations holds %d rows up to version %d, want one for each of the %d migrations up to %d", len(rs), version, len(versions), versions[len(versions)-1])
			}
			for i, r := range rs {
				if i >= len(versions) || r.Version != versions[i] || r.Name == "" || r.AppliedAt.IsZero() {
					t.Errorf("schema_migrations row %d = %+v, want version %d with a name and a time", i, r, versions[min(i, len(versions)-1)])
				}
			}
			for _, table := range tables {
				var n int64
				if err := s.DB().Raw("SELECT COUNT(*) FROM " + table).Scan(&n).Error; err != nil || n != 0 {
					t.Errorf("table %s after migrating: %d rows, %v; want it there and empty", table, n, err)
				}
			}

			if err := s.EnsureOrganisations(ctx, []string{"Police"}); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("migrate a second time: %v", err)
			}
			if again, err := s.SchemaVersion(ctx); err != nil || again != version {
				t.Errorf("SchemaVersion after migrating again = %d, %v; want %d unchanged", again, err, version)
			}
			if again := records(t, s); len(again) != len(rs) || !again[len(again)-1].AppliedAt.Equal(rs[len(rs)-1].AppliedAt) {
				t.Errorf("migrating again changed schema_migrations: %+v, was %+v", again, rs)
			}
			if orgs, err := s.Organisations(ctx); err != nil || len(orgs) != 1 {
				t.Errorf("organisations after migrating again = %v, %v; want the one that was there", orgs, err)
			}
		})
	}
}
