package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// Every instance ends up with the same secret key, and one with a
// different key is refused.
func TestSettleSecretKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, a *store.Store) {
		ctx := context.Background()
		b := a
		if a.Postgres() {
			b = reopen(t, a)
		}
		gen := func() string { return strings.Repeat("9f", 32) }
		key, err := a.SettleSecretKey(ctx, "", gen)
		if err != nil || key != gen() {
			t.Fatalf("first instance without a key: %q, %v; want a generated key", key, err)
		}
		if key2, err := b.SettleSecretKey(ctx, "", func() string { return "another generated key, must not be used" }); err != nil || key2 != key {
			t.Errorf("second instance without a key got %q, %v; want the shared %q", key2, err, key)
		}
		if _, err := b.SettleSecretKey(ctx, key, gen); err != nil {
			t.Errorf("the same key configured: %v", err)
		}
		if _, err := b.SettleSecretKey(ctx, strings.Repeat("ab", 32), gen); !errors.Is(err, store.ErrSecretKeyMismatch) {
			t.Errorf("a different key: %v, want ErrSecretKeyMismatch", err)
		}
		var stored []string
		if err := a.DB().Raw(`SELECT value FROM instance_settings WHERE name = 'secret_key_fingerprint'`).Scan(&stored).Error; err != nil || len(stored) != 1 || strings.Contains(stored[0], key) {
			t.Errorf("fingerprint %v, %v: want one, not holding the key", stored, err)
		}

		// Changing the key on purpose: forget, then the next start records it.
		if err := a.ForgetSecretKey(ctx); err != nil {
			t.Fatal(err)
		}
		configured := strings.Repeat("cd", 32)
		if _, err := a.SettleSecretKey(ctx, configured, gen); err != nil {
			t.Fatal(err)
		}
		if _, err := b.SettleSecretKey(ctx, "", gen); !errors.Is(err, store.ErrSecretKeyMissing) {
			t.Errorf("no key where the others configure one: %v, want ErrSecretKeyMissing", err)
		}
		if _, err := b.SettleSecretKey(ctx, strings.Repeat("ab", 32), gen); !errors.Is(err, store.ErrSecretKeyMismatch) {
			t.Errorf("a different configured key: %v, want ErrSecretKeyMismatch", err)
		}
	})
}

// A periodic job runs on one instance at a time and once per period,
// however many instances tick together.
func TestRunPeriodicOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, a *store.Store) {
		ctx := context.Background()
		b := a
		if a.Postgres() {
			b = reopen(t, a)
		}
		now := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
		var runs atomic.Int32
		job := func(ctx context.Context) error {
			runs.Add(1)
			time.Sleep(50 * time.Millisecond)
			return nil
		}
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st := a
				if i%2 == 1 {
					st = b
				}
				if _, err := st.RunPeriodic(ctx, "sweep", 10*time.Minute, now, job); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n := runs.Load(); n != 1 {
			t.Fatalf("six instances ticking together ran the job %d times, want 1", n)
		}
		if ran, err := b.RunPeriodic(ctx, "sweep", 10*time.Minute, now.Add(5*time.Minute), job); err != nil || ran {
			t.Errorf("within the period: ran %v, %v", ran, err)
		}
		if ran, err := b.RunPeriodic(ctx, "sweep", 10*time.Minute, now.Add(10*time.Minute), job); err != nil || !ran {
			t.Errorf("after the period: ran %v, %v", ran, err)
		}
	})
}

// Each prepared statement is planned once per connection, unless the
// database URL chooses otherwise; without prepared statements (for a
// pooler in transaction mode) nothing is set.
func TestPreparedStatementsArePlannedOnce(t *testing.T) {
	dsn, _ := storetest.FreshSchema(t)
	for _, c := range []struct {
		url       string
		noPrepare bool
		want      string
	}{
		{dsn, false, "force_generic_plan"},
		{dsn + "&plan_cache_mode=force_custom_plan", false, "force_custom_plan"},
		{dsn, true, "auto"},
	} {
		s, err := store.OpenWith(c.url, "", store.Options{NoPreparedStatements: c.noPrepare})
		if err != nil {
			t.Fatal(err)
		}
		var mode []string
		if err := s.DB().Raw(`SHOW plan_cache_mode`).Scan(&mode).Error; err != nil || len(mode) != 1 || mode[0] != c.want {
			t.Errorf("%+v: plan_cache_mode = %v, %v; want %s", c, mode, err, c.want)
		}
		_ = s.Close()
	}
	if _, err := store.Open("postgres://user:secret@[::1", ""); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("a URL that does not parse: %v, want an error that does not quote it", err)
	}
}
