package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// A sign-in under way is taken once, only by the browser that started it
// and only before it expires; a refused take leaves it in place, and
// expired ones are swept when the next is saved.
func TestOIDCStatesAreSingleUseAndBoundToTheBrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		save := func(state string, at time.Time) {
			t.Helper()
			st := &app.OIDCState{StateHash: app.HashToken(state), BrowserHash: app.HashToken("browser-1"), Provider: "nhsmail",
				Nonce: "n-" + state, Verifier: "v-" + state, Next: "/modules/1", CreatedAt: at, ExpiresAt: at.Add(app.OIDCStateTTL)}
			if err := s.SaveOIDCState(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		save("a", now)
		if _, err := s.TakeOIDCState(ctx, app.HashToken("a"), app.HashToken("browser-2"), now.Add(time.Minute)); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("another browser took the state: %v", err)
		}
		if _, err := s.TakeOIDCState(ctx, app.HashToken("a"), app.HashToken("browser-1"), now.Add(app.OIDCStateTTL)); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("an expired state was taken: %v", err)
		}
		got, err := s.TakeOIDCState(ctx, app.HashToken("a"), app.HashToken("browser-1"), now.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if got.Provider != "nhsmail" || got.Nonce != "n-a" || got.Verifier != "v-a" || got.Next != "/modules/1" {
			t.Fatalf("state came back as %+v", got)
		}
		if _, err := s.TakeOIDCState(ctx, app.HashToken("a"), app.HashToken("browser-1"), now.Add(time.Minute)); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("a used state was taken again: %v", err)
		}

		// Racing takes of one state: exactly one wins.
		save("b", now)
		var wg sync.WaitGroup
		wins := make(chan bool, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.TakeOIDCState(ctx, app.HashToken("b"), app.HashToken("browser-1"), now.Add(time.Second))
				if err != nil && app.ErrorCode(err) != app.ENOTFOUND {
					t.Error(err)
				}
				wins <- err == nil
			}()
		}
		wg.Wait()
		close(wins)
		n := 0
		for w := range wins {
			if w {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d racing takes won, want 1", n)
		}

		// Saving a state an hour later sweeps the expired one.
		save("c", now)
		save("d", now.Add(time.Hour))
		var left int
		if err := s.DB().Raw(`SELECT COUNT(*) FROM oidc_states`).Scan(&left).Error; err != nil {
			t.Fatal(err)
		}
		if left != 1 {
			t.Fatalf("%d states left after the sweep, want 1", left)
		}
	})
}
