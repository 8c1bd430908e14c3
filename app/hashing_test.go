package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
)

// No more than the bound hash at once; a request that finds no turn within
// the wait is told to come back (EUNAVAILABLE with a Retry-After), not queued.
func TestPasswordHashingBound(t *testing.T) {
	ctx := context.Background()
	hash := app.HashPassword("kettle meadow violin 42")
	h := app.NewPasswordHashing(2, 20*time.Millisecond)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, busy := 0, 0
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			match, err := h.Check(ctx, hash, "kettle meadow violin 42")
			mu.Lock()
			defer mu.Unlock()
			switch app.ErrorCode(err) {
			case "":
				if !match {
					t.Error("the right password did not match")
				}
				ok++
			case app.EUNAVAILABLE:
				var e *app.Error
				if ae, isApp := err.(*app.Error); isApp {
					e = ae
				}
				if e == nil || e.RetryAfter <= 0 {
					t.Errorf("busy error %v without RetryAfter", err)
				}
				busy++
			default:
				t.Errorf("Check: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok < 2 || busy == 0 || ok+busy != 16 {
		t.Errorf("%d checked, %d told to come back: want at least the 2 turns used and some refused", ok, busy)
	}
	// With room, nothing is refused.
	if _, err := app.NewPasswordHashing(1, time.Second).Hash(ctx, "x"); err != nil {
		t.Errorf("Hash with a free turn: %v", err)
	}
	var unbounded *app.PasswordHashing
	if match, err := unbounded.Check(ctx, hash, "wrong"); err != nil || match {
		t.Errorf("nil PasswordHashing: %v, %v", match, err)
	}
}

func TestHashConcurrencyFor(t *testing.T) {
	for _, tt := range []struct {
		cores  int
		memory int64
		want   int
	}{
		{2, 0, 2},
		{8, 0, 8},
		{8, 256 << 20, 3}, // a quarter of 256 MiB holds three 19 MiB hashes
		{8, 16 << 20, 1},  // never below one
		{0, 0, 1},
	} {
		if got := app.HashConcurrencyFor(tt.cores, tt.memory); got != tt.want {
			t.Errorf("HashConcurrencyFor(%d, %d) = %d, want %d", tt.cores, tt.memory, got, tt.want)
		}
	}
}

func TestBackoffDelay(t *testing.T) {
	for failures, want := range map[int]time.Duration{0: 0, 4: 0, 5: time.Second, 6: 2 * time.Second, 8: 8 * time.Second, 12: 128 * time.Second, 14: 512 * time.Second, 15: app.MaxBackoff, 1000: app.MaxBackoff} {
		if got := app.BackoffDelay(failures); got != min(want, app.MaxBackoff) {
			t.Errorf("BackoffDelay(%d) = %v, want %v", failures, got, min(want, app.MaxBackoff))
		}
	}
}
