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

// The preference upsert writes only what the request chose (enabled, and
// when): two people's worth of toggles at once, on and off for one topic,
// leave one row holding one of the values sent, never a mix or a copy.
func TestConcurrentEmailPreferenceTogglesEndAsOneOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.EnsureOrganisations(ctx, []string{"Police"}); err != nil {
			t.Fatal(err)
		}
		orgs, _ := s.Organisations(ctx)
		now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		u := &app.User{Name: "Sam Patel", Email: "sam@police.example", EmailNorm: "sam@police.example", PasswordHash: app.NoPasswordHash(),
			OrganisationID: orgs[0].ID, JobRole: "Officer", Roles: []string{app.RoleLearner}, CreatedAt: now}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		for round := range 10 {
			var wg sync.WaitGroup
			for i, on := range []bool{true, false, true, false} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					at := now.Add(time.Duration(round*10+i) * time.Second)
					if err := s.SetEmailPreference(ctx, u.ID, app.TopicDigest, on, at); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			var rows int64
			if err := s.DB().Table("email_preferences").Where("user_id = ?", u.ID).Count(&rows).Error; err != nil || rows != 1 {
				t.Fatalf("round %d: %d preference rows (%v), want 1", round, rows, err)
			}
			prefs, err := s.EmailPreferences(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := prefs[app.TopicDigest]; !ok {
				t.Fatalf("round %d: the digest preference is gone: %v", round, prefs)
			}
		}
	})
}
