package app_test

import (
	"context"
	"sync"
	"testing"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// Signing in through an outside issuer, on both databases.

func nhsmail(sub, email string, orgID int64) app.ExternalAccount {
	return app.ExternalAccount{Method: app.MethodOIDC, Issuer: "https://login.nhs.example", Subject: sub, Label: "NHSmail",
		Name: "Ada Okafor", Email: email, EmailVerified: true, OrganisationID: orgID, Next: "/modules/m1"}
}

func firstOrg(t *testing.T, f *fixture) int64 {
	t.Helper()
	orgs, err := f.store.Organisations(context.Background())
	if err != nil || len(orgs) == 0 {
		t.Fatalf("organisations: %v, %v", orgs, err)
	}
	return orgs[0].ID
}

// A first sign-in with everything known makes the account; the next one
// signs in to the same account and makes nothing.
func TestExternalSignInMakesTheAccountOnceAndSignsItInAfter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		org := firstOrg(t, f)
		out, err := f.accounts.SignInExternal(ctx, nhsmail("sub-1", "ada@nhs.example", org))
		if err != nil {
			t.Fatal(err)
		}
		if !out.Created || out.Token == "" || out.User == nil || out.Next != "/modules/m1" || out.Pending != "" {
			t.Fatalf("first sign-in = %+v, want a new account signed in", out)
		}
		if out.User.EmailVerifiedAt == nil {
			t.Error("the provider vouched for the email, but the account's address is not verified")
		}
		if app.HasPassword(out.User.PasswordHash) {
			t.Error("an account made by a provider has a password nobody chose")
		}
		if _, u, err := f.accounts.SessionUser(ctx, out.Token); err != nil || u.ID != out.User.ID {
			t.Fatalf("session of the first sign-in: %v, %v", u, err)
		}
		again, err := f.accounts.SignInExternal(ctx, nhsmail("sub-1", "ada@nhs.example", org))
		if err != nil {
			t.Fatal(err)
		}
		if again.Created || again.User.ID != out.User.ID || again.Token == "" || again.Token == out.Token {
			t.Fatalf("second sign-in = %+v, want the same account in a new session", again)
		}
		// The provider may change the address it sends; the subject is the key.
		moved, err := f.accounts.SignInExternal(ctx, nhsmail("sub-1", "ada.okafor@nhs.example", org))
		if err != nil || moved.User.ID != out.User.ID {
			t.Fatalf("sign-in after the provider changed the email: %+v, %v", moved, err)
		}
		// A password never signs in to it.
		if _, _, err := f.accounts.SignIn(ctx, "ada@nhs.example", app.NoPasswordHash()); app.ErrorCode(err) != app.EINVALID {
			t.Fatalf("password sign-in to a provider's account: %v, want EINVALID", err)
		}
	})
}

// An account that already has the email is never taken over by the
// provider's say-so: its owner proves it with the password, once.
func TestExternalSignInLinksAnExistingAccountOnlyWithItsPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		owner := f.register(t, "Ada Okafor", "ada@nhs.example")
		out, err := f.accounts.SignInExternal(ctx, nhsmail("sub-1", "ADA@nhs.example", firstOrg(t, f)))
		if err != nil {
			t.Fatal(err)
		}
		if out.Token != "" || out.Step != app.StepLink || out.Pending == "" {
			t.Fatalf("sign-in with an existing account's email = %+v, want the link step", out)
		}
		if _, err := f.accounts.LinkWithPassword(ctx, out.Pending, "wrong password"); app.ErrorCode(err) != app.EINVALID {
			t.Fatalf("link with a wrong password: %v, want EINVALID", err)
		}
		if ids, _ := s.Identities(ctx, owner.ID); len(ids) != 0 {
			t.Fatalf("a wrong password linked %+v", ids)
		}
		linked, err := f.accounts.LinkWithPassword(ctx, out.Pending, "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		if linked.User.ID != owner.ID || linked.Token == "" || linked.Next != "/modules/m1" {
			t.Fatalf("link = %+v, want the owner's account signed in", linked)
		}
		if _, err := f.accounts.LinkWithPassword(ctx, out.Pending, "correct horse battery"); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("the link step used twice: %v, want ENOTFOUND", err)
		}
		next, err := f.accounts.SignInExternal(ctx, nhsmail("sub-1", "ada@nhs.example", 0))
		if err != nil || next.User == nil || next.User.ID != owner.ID {
			t.Fatalf("sign-in after linking: %+v, %v", next, err)
		}
	})
}

// What the provider did not send is asked once; the answers are checked
// as registration checks them.
func TestExternalSignInAsksOnceForWhatIsMissing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		ext := nhsmail("sub-2", "", 0) // a platform that sends no email and no organisation
		ext.Method, ext.Label = app.MethodLTI, "City Moodle"
		out, err := f.accounts.SignInExternal(ctx, ext)
		if err != nil {
			t.Fatal(err)
		}
		if out.Step != app.StepSetup || out.Pending == "" || out.Token != "" {
			t.Fatalf("sign-in with nothing known = %+v, want the setup step", out)
		}
		p, err := f.accounts.PendingSignIn(ctx, out.Pending)
		if err != nil || p.Account.Name != "Ada Okafor" || p.Account.Label != "City Moodle" {
			t.Fatalf("pending step = %+v, %v", p, err)
		}
		_, err = f.accounts.CompleteSetup(ctx, out.Pending, app.ExternalSetup{Name: "Ada Okafor", Email: "not an email", JobRole: ""})
		if fields := app.ErrorFields(err); app.ErrorCode(err) != app.EINVALID || len(fields) != 3 {
			t.Fatalf("setup with a bad email, no organisation and no job role: %v %+v, want 3 field errors", err, fields)
		}
		done, err := f.accounts.CompleteSetup(ctx, out.Pending, app.ExternalSetup{Name: "Ada Okafor", Email: "ada@council.example",
			OrganisationID: firstOrg(t, f), JobRole: "Family support worker"})
		if err != nil {
			t.Fatal(err)
		}
		if !done.Created || done.Token == "" || done.User.JobRole != "Family support worker" {
			t.Fatalf("setup = %+v", done)
		}
		if done.User.EmailVerifiedAt != nil {
			t.Error("an address typed in, which nobody vouched for, counts as verified")
		}
		if _, err := f.accounts.CompleteSetup(ctx, out.Pending, app.ExternalSetup{}); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("setup used twice: %v, want ENOTFOUND", err)
		}
		ids, err := s.Identities(ctx, done.User.ID)
		if err != nil || len(ids) != 1 || ids[0].Method != app.MethodLTI || ids[0].Label != "City Moodle" {
			t.Fatalf("identities = %+v, %v", ids, err)
		}
	})
}

// Two first sign-ins of one subject at once make one account.
func TestConcurrentFirstExternalSignInsMakeOneAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		org := firstOrg(t, f)
		var wg sync.WaitGroup
		ids := make([]int64, 4)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := f.accounts.SignInExternal(ctx, nhsmail("sub-3", "sam@nhs.example", org))
				if err != nil {
					t.Error(err)
					return
				}
				if out.User == nil {
					t.Errorf("sign-in %d = %+v, want signed in", i, out)
					return
				}
				ids[i] = out.User.ID
			}()
		}
		wg.Wait()
		for _, id := range ids[1:] {
			if id != ids[0] {
				t.Fatalf("concurrent first sign-ins signed in to accounts %v, want one", ids)
			}
		}
	})
}
