package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// An identity is the key to an account: the same subject at the same
// issuer finds the same user, a second link of it is a conflict, and a
// failed creation leaves neither the user nor the identity behind.
func TestIdentitiesLinkOneSubjectToOneAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.EnsureOrganisations(ctx, []string{"Police"}); err != nil {
			t.Fatal(err)
		}
		orgs, err := s.Organisations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		newUser := func(email string) *app.User {
			return &app.User{Name: "Sam Patel", Email: email, EmailNorm: app.NormaliseEmail(email), PasswordHash: app.NoPasswordHash(),
				OrganisationID: orgs[0].ID, JobRole: "Officer", Roles: []string{app.RoleLearner}, CreatedAt: now, EmailVerifiedAt: &now}
		}
		u := newUser("sam@police.example")
		id := &app.Identity{Method: app.MethodOIDC, Issuer: "https://login.example", Subject: "abc", Label: "Police accounts", CreatedAt: now}
		if err := s.CreateUserWithIdentity(ctx, u, id); err != nil {
			t.Fatal(err)
		}
		got, err := s.UserByIdentity(ctx, app.MethodOIDC, "https://login.example", "abc")
		if err != nil || got.ID != u.ID {
			t.Fatalf("UserByIdentity = %v, %v; want user %d", got, err, u.ID)
		}
		if _, err := s.UserByIdentity(ctx, app.MethodLTI, "https://login.example", "abc"); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("same subject under another method: %v, want ENOTFOUND", err)
		}
		// The same identity for a second new user: nothing is written.
		other := newUser("other@police.example")
		dup := &app.Identity{Method: app.MethodOIDC, Issuer: "https://login.example", Subject: "abc", Label: "x", CreatedAt: now}
		if err := s.CreateUserWithIdentity(ctx, other, dup); app.ErrorCode(err) != app.ECONFLICT {
			t.Fatalf("duplicate identity: %v, want ECONFLICT", err)
		}
		if _, err := s.UserByEmail(ctx, "other@police.example"); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("user of a refused identity was kept: %v", err)
		}
		lti := &app.Identity{UserID: u.ID, Method: app.MethodLTI, Issuer: "https://moodle.example", Subject: "7", Label: "Moodle", CreatedAt: now.Add(time.Hour)}
		if err := s.LinkIdentity(ctx, lti); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchIdentity(ctx, app.MethodLTI, "https://moodle.example", "7", now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		ids, err := s.Identities(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 2 || ids[0].Method != app.MethodOIDC || ids[1].Label != "Moodle" || !ids[1].LastUsedAt.Equal(now.Add(2*time.Hour)) {
			t.Fatalf("Identities = %+v", ids)
		}
		if app.HasPassword(u.PasswordHash) {
			t.Fatal("an account made through an identity has a usable password")
		}
	})
}
