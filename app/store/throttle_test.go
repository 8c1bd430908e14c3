package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// Counters are shared by every instance: concurrent hits from two store
// handles on one database (two instances) each count exactly once, and a
// new window starts again from one.
func TestThrottleCountsAcrossInstances(t *testing.T) {
	storetest.Each(t, func(t *testing.T, a *store.Store) {
		ctx := context.Background()
		b := a // SQLite is one process's file; on PostgreSQL, a second pool as a second instance
		if a.Postgres() {
			b = reopen(t, a)
		}
		now := time.Date(2025, 3, 14, 9, 30, 10, 0, time.UTC)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var got []int
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st := a
				if i%2 == 1 {
					st = b
				}
				n, err := st.HitThrottle(ctx, "k", time.Minute, now)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				got = append(got, n)
				mu.Unlock()
			}()
		}
		wg.Wait()
		slices.Sort(got)
		for i, n := range got {
			if n != i+1 {
				t.Fatalf("concurrent hits returned %v, want 1..20 each once", got)
			}
		}
		if n, err := b.HitThrottle(ctx, "k", time.Minute, now.Add(time.Minute)); err != nil || n != 1 {
			t.Errorf("first hit of the next window = %d, %v; want 1", n, err)
		}
		if n, err := a.HitThrottle(ctx, "other", time.Minute, now); err != nil || n != 1 {
			t.Errorf("another key = %d, %v; want 1", n, err)
		}
		if n, err := a.SweepThrottle(ctx, now.Add(3*time.Minute), now); err != nil || n != 2 {
			t.Errorf("sweep deleted %d, %v; want the 2 spent counters", n, err)
		}
	})
}

// Backoff: attempts are decided one at a time even when they arrive
// together, the wait doubles after the free failures, and a success clears it.
func TestBackoffClaims(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
		claim := func(at time.Time) time.Duration {
			t.Helper()
			w, err := st.ClaimBackoff(ctx, "acct", at, time.Hour, app.BackoffDelay)
			if err != nil {
				t.Fatal(err)
			}
			return w
		}
		for i := range app.FreeFailures {
			if w := claim(now); w != 0 {
				t.Fatalf("free attempt %d must wait %v", i+1, w)
			}
		}
		if w := claim(now); w != time.Second {
			t.Fatalf("after %d failures wait %v, want 1s", app.FreeFailures, w)
		}
		if w := claim(now.Add(time.Second)); w != 0 {
			t.Fatalf("after waiting, wait %v", w)
		}
		if w := claim(now.Add(time.Second)); w != 2*time.Second {
			t.Fatalf("next wait %v, want 2s", w)
		}

		// Ten attempts at the same moment on a fresh key: the free ones
		// and no more go through.
		later := now.Add(time.Hour * 3)
		var wg sync.WaitGroup
		var mu sync.Mutex
		allowed := 0
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w, err := st.ClaimBackoff(ctx, "burst", later, time.Hour, app.BackoffDelay)
				if err != nil {
					t.Error(err)
				}
				if w == 0 {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if allowed != app.FreeFailures {
			t.Errorf("%d of 10 simultaneous attempts allowed, want the %d free ones", allowed, app.FreeFailures)
		}

		if err := st.ForgetBackoff(ctx, "acct"); err != nil {
			t.Fatal(err)
		}
		if w := claim(now.Add(time.Second)); w != 0 {
			t.Errorf("after a success, wait %v", w)
		}
		// An hour without failures is forgotten.
		if w := claim(now.Add(2 * time.Hour)); w != 0 {
			t.Errorf("after an hour, wait %v", w)
		}
	})
}

// reopen opens a second pool on a PostgreSQL store's schema.
func reopen(t *testing.T, s *store.Store) *store.Store {
	t.Helper()
	var path string
	if err := s.DB().Raw(`SELECT current_schema()`).Scan(&path).Error; err != nil {
		t.Fatal(err)
	}
	dsn := storetest.PostgresURL(t)
	sep := "?"
	if slices.Contains([]rune(dsn), '?') {
		sep = "&"
	}
	b, err := store.Open(dsn+sep+"search_path="+path, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}
