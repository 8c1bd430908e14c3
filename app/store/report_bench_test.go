package store_test

// Benchmarks of the coordinators' reports on PostgreSQL, over demo data
// of 100,000 learners (about 500,000 module attempts):
//
//	TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	  go test ./app/store -run XXX -bench . -benchtime 20x
//
// The first run creates the data in the schema bench_reports of that
// database (a few minutes) and leaves it there, so later runs start at
// once; it is rebuilt only when its size differs from BENCH_LEARNERS
// (default 100000). Drop it when done:
//
//	psql 'postgres://postgres@127.0.0.1:5432/test' -c 'DROP SCHEMA bench_reports CASCADE'
//
// Without TEST_DATABASE_URL the benchmarks are skipped: the targets are
// PostgreSQL's, where the service runs in production.

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/demo"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

const benchSchema = "bench_reports"

var bench struct {
	once  sync.Once
	s     *store.Store
	c     *app.Course
	orgID int64 // the largest organisation
	err   error
}

// benchStore opens the benchmark data, creating it once per process.
func benchStore(b *testing.B) (*store.Store, *app.Course) {
	b.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		b.Skip("TEST_DATABASE_URL is not set: the report benchmarks run on PostgreSQL only")
	}
	bench.once.Do(func() { bench.err = openBenchData(b, base) })
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.s, bench.c
}

func openBenchData(b *testing.B, base string) error {
	ctx := context.Background()
	learners := 100_000
	if v := os.Getenv("BENCH_LEARNERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 20 {
			return fmt.Errorf("BENCH_LEARNERS=%q: want a whole number, 20 or more", v)
		}
		learners = n
	}
	admin, err := store.Open(base, "")
	if err != nil {
		return err
	}
	defer admin.Close()
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("search_path", benchSchema)
	u.RawQuery = q.Encode()

	bench.c = storetest.RealCourse(b)
	for attempt := 0; ; attempt++ {
		if err := admin.DB().Exec(`CREATE SCHEMA IF NOT EXISTS ` + benchSchema).Error; err != nil {
			return fmt.Errorf("create schema %s: %w", benchSchema, err)
		}
		s, err := store.Open(u.String(), "")
		if err != nil {
			return err
		}
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return fmt.Errorf("migrate %s: %w", benchSchema, err)
		}
		var have int
		if err := s.DB().Raw(`SELECT COUNT(*) FROM users WHERE email_norm NOT LIKE 'coordinator%@demo.example'`).Scan(&have).Error; err != nil {
			s.Close()
			return err
		}
		switch {
		case have == learners:
			b.Logf("reusing %d demo learners in schema %s", have, benchSchema)
		case have == 0:
			start := time.Now()
			sum, err := demo.Run(ctx, s, bench.c, demo.Options{Workers: 2, Learners: learners, Now: time.Now(), Seed: 1, Password: "benchmark password"})
			if err != nil {
				s.Close()
				return fmt.Errorf("create benchmark data: %w", err)
			}
			b.Logf("created %d demo learners (%d module attempts) in schema %s in %s; it stays there for the next run",
				learners, sum.Attempts, benchSchema, time.Since(start).Round(time.Second))
		case attempt == 0:
			b.Logf("schema %s holds %d learners, not %d: rebuilding it", benchSchema, have, learners)
			s.Close()
			if err := admin.DB().Exec(`DROP SCHEMA ` + benchSchema + ` CASCADE`).Error; err != nil {
				return fmt.Errorf("drop schema %s: %w", benchSchema, err)
			}
			continue
		default:
			s.Close()
			return fmt.Errorf("schema %s still holds %d learners after rebuilding", benchSchema, have)
		}
		bench.s = s
		return s.DB().Raw(`SELECT organisation_id FROM users GROUP BY organisation_id ORDER BY COUNT(*) DESC, organisation_id LIMIT 1`).Scan(&bench.orgID).Error
	}
}

func BenchmarkDashboard(b *testing.B) {
	s, c := benchStore(b)
	ctx := context.Background()
	now := time.Now().UTC()
	month := now.AddDate(0, -1, 0).Format("2006-01")
	for b.Loop() {
		d, err := s.Dashboard(ctx, c, now, month)
		if err != nil {
			b.Fatal(err)
		}
		if d.Registered == 0 {
			b.Fatal("the dashboard counts no one")
		}
	}
}

// benchList runs one learner-list query as the coordinator's page does.
func benchList(b *testing.B, q app.LearnerQuery) {
	s, c := benchStore(b)
	ctx := context.Background()
	q.CourseID, q.Now = c.ID, time.Now().UTC()
	q.Normalise()
	total := 0
	for b.Loop() {
		rows, n, err := s.Learners(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		if len(rows) == 0 {
			b.Fatalf("%+v: no rows (of %d)", q, n)
		}
		total = n
	}
	b.ReportMetric(float64(total), "matches")
}

// BenchmarkLearnerListFiltered is page 3 of the largest organisation's
// completed learners, by name.
func BenchmarkLearnerListFiltered(b *testing.B) {
	benchStore(b)
	benchList(b, app.LearnerQuery{OrganisationID: bench.orgID, Status: app.LearnerCompleted, Sort: "name", Page: 3, PageSize: 50})
}

// BenchmarkLearnerListSearch finds learners by part of a name.
func BenchmarkLearnerListSearch(b *testing.B) {
	benchList(b, app.LearnerQuery{Search: "ahme", Sort: "name", Page: 1, PageSize: 50})
}

// BenchmarkLearnerListAll is the first page of everyone, latest completions first.
func BenchmarkLearnerListAll(b *testing.B) {
	benchList(b, app.LearnerQuery{Sort: "completed", Desc: true, Page: 1, PageSize: 50})
}

// BenchmarkExportAll streams every learner to CSV, as the export does.
func BenchmarkExportAll(b *testing.B) {
	s, c := benchStore(b)
	ctx := context.Background()
	now := time.Now().UTC()
	q := app.LearnerQuery{CourseID: c.ID, Now: now}
	q.Normalise()
	rows := 0
	for b.Loop() {
		w := csv.NewWriter(io.Discard)
		rows = 0
		if err := w.Write(app.ExportHeader); err != nil {
			b.Fatal(err)
		}
		err := s.EachLearner(ctx, q, func(r *app.LearnerRow) error {
			rows++
			return w.Write(app.ExportRecord(r, now))
		})
		if err != nil {
			b.Fatal(err)
		}
		w.Flush()
	}
	b.ReportMetric(float64(rows), "rows/op")
}

// BenchmarkLearnerListByStatus is the first page of the largest
// organisation's learners in each status, by name: the rarer the status,
// the more of the organisation a page by name has to look through.
func BenchmarkLearnerListByStatus(b *testing.B) {
	benchStore(b)
	for _, st := range app.LearnerStatuses {
		b.Run(string(st.Status), func(b *testing.B) {
			benchList(b, app.LearnerQuery{OrganisationID: bench.orgID, Status: st.Status, Sort: "name", Page: 1, PageSize: 50})
		})
	}
}
