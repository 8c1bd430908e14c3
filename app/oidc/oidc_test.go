package oidc_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/oidc"
	"github.com/foundations/foundations/app/oidc/oidctest"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

const baseURL = "http://127.0.0.1:9" // never called: the tests play the browser

type env struct {
	t      *testing.T
	st     *store.Store
	op     *oidctest.Provider
	signIn *app.OIDCSignIn
	org    app.Organisation
}

// newEnv runs a provider and an OIDCSignIn over a real store, with one
// provider "work" for the domain trust.example, whose new users join
// "Northshire Trust".
func newEnv(t *testing.T, st *store.Store, edit func(*oidc.ProviderConfig)) *env {
	t.Helper()
	ctx := context.Background()
	op := oidctest.New("foundations", "s3cret-value")
	t.Cleanup(op.Close)
	op.AllowRedirect(baseURL + "/sign-in/oidc/work/callback")
	op.AddUser(oidctest.User{Subject: "sub-1", Name: "Asha Rahman", Email: "asha@trust.example", EmailVerified: true})
	op.AddUser(oidctest.User{Subject: "sub-2", Name: "Ben Ode", Email: "ben@trust.example", EmailVerified: false})
	op.AddUser(oidctest.User{Subject: "sub-3", Name: "Cy Lee", Email: "cy@elsewhere.example", EmailVerified: true})
	if err := st.EnsureOrganisations(ctx, []string{"Northshire Trust", "Police"}); err != nil {
		t.Fatal(err)
	}
	orgs, err := st.Organisations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, op: op}
	for _, o := range orgs {
		if o.Name == "Northshire Trust" {
			e.org = o
		}
	}
	cfg := oidc.ProviderConfig{ID: "work", Name: "Work account", Issuer: op.Issuer(), ClientID: "foundations",
		ClientSecret: "s3cret-value", Domains: []string{"trust.example"}, Organisation: "northshire trust"}
	if edit != nil {
		edit(&cfg)
	}
	data := mustJSON(t, []oidc.ProviderConfig{cfg})
	ps, err := oidc.ParseProviders(data, func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
	accounts := &app.Accounts{Store: st, Now: now, IdleTimeout: time.Hour, MaxAge: 8 * time.Hour}
	e.signIn = &app.OIDCSignIn{Providers: oidc.Rules(ps), States: st, Accounts: accounts, Now: now,
		Protocol: oidc.New(ps, oidc.Options{BaseURL: baseURL, Timeout: 2 * time.Second, RetryAfter: time.Millisecond})}
	return e
}

// answer plays the browser: start, sign in at the provider as email, and
// return what the provider sent back to the callback.
func (e *env) answer(browser, email string) app.OIDCAnswer {
	e.t.Helper()
	to, err := e.signIn.Start(context.Background(), "work", browser, "/modules/2")
	if err != nil {
		e.t.Fatalf("start: %v", err)
	}
	u, _ := url.Parse(to)
	if q := u.Query(); q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		e.t.Fatalf("authorization request lacks PKCE, state or nonce: %s", u.RawQuery)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(to, url.Values{"email": {email}})
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		e.t.Fatalf("provider answered %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	q := back.Query()
	return app.OIDCAnswer{State: q.Get("state"), Code: q.Get("code"), Error: q.Get("error")}
}

func (e *env) finish(browser string, a app.OIDCAnswer) (*app.ExternalOutcome, error) {
	return e.signIn.Finish(context.Background(), "work", browser, a)
}

// users counts accounts and identities, to show a refusal wrote nothing.
func (e *env) counts() (users, identities int) {
	db := e.st.DB()
	db.Raw(`SELECT COUNT(*) FROM users`).Scan(&users)
	db.Raw(`SELECT COUNT(*) FROM identities`).Scan(&identities)
	return
}

func TestSignInThroughAProvider(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, nil)
		browser := app.NewOIDCBrowser()
		out, err := e.finish(browser, e.answer(browser, "asha@trust.example"))
		if err != nil {
			t.Fatal(err)
		}
		if out.Token == "" && out.Pending == "" {
			t.Fatalf("outcome %+v neither signs in nor asks for a next step", out)
		}
		if out.Token != "" && (out.User == nil || out.User.Email != "asha@trust.example" || out.User.OrganisationID != e.org.ID) {
			t.Fatalf("signed in as %+v, want asha in Northshire Trust", out.User)
		}
	})
}

// The same subject signs in to the account it is linked to, even when the
// provider's address for it has changed.
func TestALinkedSubjectSignsInToItsAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, nil)
		now := time.Now().UTC().Truncate(time.Microsecond)
		u := &app.User{Name: "Asha Rahman", Email: "asha.old@trust.example", EmailNorm: "asha.old@trust.example", PasswordHash: app.NoPasswordHash(),
			OrganisationID: e.org.ID, JobRole: "Nurse", Roles: []string{app.RoleLearner}, CreatedAt: now, EmailVerifiedAt: &now}
		if err := st.CreateUserWithIdentity(context.Background(), u, &app.Identity{Method: app.MethodOIDC, Issuer: e.op.Issuer(), Subject: "sub-1", Label: "Work account", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			browser := app.NewOIDCBrowser()
			out, err := e.finish(browser, e.answer(browser, "asha@trust.example"))
			if err != nil {
				t.Fatal(err)
			}
			if out.Token == "" || out.User == nil || out.User.ID != u.ID {
				t.Fatalf("outcome %+v, want a session for user %d", out, u.ID)
			}
		}
		if users, ids := e.counts(); users != 1 || ids != 1 {
			t.Fatalf("%d users and %d identities, want 1 and 1", users, ids)
		}
	})
}

// Two instances behind a load balancer: the answer may reach another
// instance than the one that started the sign-in.
func TestAnotherInstanceFinishes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, nil)
		other := *e.signIn
		ps, err := oidc.ParseProviders(mustJSON(t, []oidc.ProviderConfig{{ID: "work", Name: "Work account", Issuer: e.op.Issuer(),
			ClientID: "foundations", ClientSecret: "s3cret-value", Domains: []string{"trust.example"}}}), func(string) string { return "" }, nil)
		if err != nil {
			t.Fatal(err)
		}
		other.Protocol = oidc.New(ps, oidc.Options{BaseURL: baseURL}) // its own discovery, nothing in common but the database
		browser := app.NewOIDCBrowser()
		a := e.answer(browser, "asha@trust.example")
		out, err := other.Finish(context.Background(), "work", browser, a)
		if err != nil || (out.Token == "" && out.Pending == "") {
			t.Fatalf("the other instance: %+v, %v", out, err)
		}
	})
}

// Email only from UserInfo (as zitadel's provider sends it).
func TestEmailFromUserInfo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, nil)
		e.op.EmailInUserInfo = true
		browser := app.NewOIDCBrowser()
		out, err := e.finish(browser, e.answer(browser, "asha@trust.example"))
		if err != nil {
			t.Fatal(err)
		}
		if out.Token == "" && out.Pending == "" {
			t.Fatalf("outcome %+v", out)
		}
		// Unverified in UserInfo is still unverified.
		browser = app.NewOIDCBrowser()
		if _, err := e.finish(browser, e.answer(browser, "ben@trust.example")); app.ErrorCode(err) != app.EFORBIDDEN {
			t.Fatalf("unverified email from UserInfo: %v, want EFORBIDDEN", err)
		}
	})
}

// Every refusal: a clear EFORBIDDEN and nothing written.
func TestRefusals(t *testing.T) {
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	claims := func(f func(map[string]any)) oidctest.Tamper { return oidctest.Tamper{Claims: f} }
	cases := []struct {
		name   string
		email  string
		tamper *oidctest.Tamper
		play   func(e *env, browser string, a app.OIDCAnswer) app.OIDCAnswer
		want   string // words in the message
		reason string // words in the logged reason
	}{
		{name: "signed with another key", tamper: &oidctest.Tamper{Key: otherKey}, want: "could not confirm who you are", reason: "signature"},
		{name: "wrong issuer", tamper: ptr(claims(func(c map[string]any) { c["iss"] = "https://evil.example" })), want: "could not confirm", reason: "another issuer"},
		{name: "wrong audience", tamper: ptr(claims(func(c map[string]any) { c["aud"] = "another-client" })), want: "could not confirm", reason: "another client"},
		{name: "several audiences without azp", tamper: ptr(claims(func(c map[string]any) { c["aud"] = []string{"foundations", "other"} })), want: "could not confirm", reason: "several audiences"},
		{name: "expired", tamper: ptr(claims(func(c map[string]any) {
			c["iat"], c["exp"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-30*time.Minute).Unix()
		})), want: "could not confirm", reason: "expired"},
		{name: "no nonce", tamper: ptr(claims(func(c map[string]any) { delete(c, "nonce") })), want: "could not confirm", reason: "nonce"},
		{name: "unverified email", email: "ben@trust.example", want: "did not confirm your work email", reason: "email not verified"},
		{name: "email_verified as the string false", tamper: ptr(claims(func(c map[string]any) { c["email_verified"] = "false" })), want: "did not confirm your work email", reason: "email not verified"},
		{name: "disallowed domain", email: "cy@elsewhere.example", want: "not one of the organisations", reason: "domain not allowed"},
		{name: "provider error", email: "nobody@trust.example", want: "did not sign you in", reason: "provider error access_denied"},
		{name: "state from another browser", play: func(e *env, _ string, a app.OIDCAnswer) app.OIDCAnswer {
			if _, err := e.finish(app.NewOIDCBrowser(), a); app.ErrorCode(err) != app.EFORBIDDEN {
				e.t.Fatalf("other browser: %v", err)
			}
			return app.OIDCAnswer{State: "spent", Code: a.Code} // and the code alone is no use
		}, want: "expired, was already used", reason: "unknown, used or expired state"},
		{name: "no state", play: func(_ *env, _ string, a app.OIDCAnswer) app.OIDCAnswer { a.State = ""; return a }, want: "did not start here", reason: "no state"},
		{name: "replayed state", play: func(e *env, browser string, a app.OIDCAnswer) app.OIDCAnswer {
			// The first use signs in; replaying the same answer is refused.
			if _, err := e.finish(browser, a); err != nil {
				e.t.Fatal(err)
			}
			e.clear()
			return a
		}, want: "already used", reason: "unknown, used or expired state"},
		{name: "code tampered with", play: func(_ *env, _ string, a app.OIDCAnswer) app.OIDCAnswer { a.Code += "x"; return a }, want: "could not confirm", reason: "invalid_grant"},
		{name: "replayed nonce (an ID token from an earlier sign-in)", play: func(e *env, browser string, a app.OIDCAnswer) app.OIDCAnswer {
			// Sign in once, then have the provider issue a token carrying that
			// sign-in's nonce for a new one.
			if _, err := e.finish(browser, a); err != nil {
				e.t.Fatal(err)
			}
			e.clear()
			old := e.op.Nonces()[0]
			e.op.TamperNext(claims(func(c map[string]any) { c["nonce"] = old }))
			return e.answer(browser, "asha@trust.example")
		}, want: "could not confirm", reason: "nonce"},
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := newEnv(t, st, nil)
				var logged bytes.Buffer
				e.signIn.Log = slog.New(slog.NewTextHandler(&logged, nil))
				e.clear()
				email := c.email
				if email == "" {
					email = "asha@trust.example"
				}
				browser := app.NewOIDCBrowser()
				if c.tamper != nil {
					e.op.TamperNext(*c.tamper)
				}
				a := e.answer(browser, email)
				if c.play != nil {
					a = c.play(e, browser, a)
				}
				out, err := e.finish(browser, a)
				if app.ErrorCode(err) != app.EFORBIDDEN || !strings.Contains(app.ErrorMessage(err), c.want) {
					t.Fatalf("Finish = %+v, %v; want EFORBIDDEN saying %q", out, err, c.want)
				}
				if users, ids := e.counts(); users != 0 || ids != 0 {
					t.Fatalf("a refused sign-in left %d users and %d identities", users, ids)
				}
				log := logged.String()
				if !strings.Contains(log, "oidc sign-in refused") || !strings.Contains(log, c.reason) {
					t.Fatalf("log %q does not give the reason %q", log, c.reason)
				}
				for _, secret := range []string{email, a.Code, a.State, "s3cret-value"} {
					if secret != "" && strings.Contains(log, secret) {
						t.Fatalf("log %q holds %q", log, secret)
					}
				}
			})
		}
	})
}

// clear removes accounts so each case starts from none.
func (e *env) clear() {
	db := e.st.DB()
	for _, q := range []string{`DELETE FROM identities`, `DELETE FROM sessions`, `DELETE FROM users`} {
		if err := db.Exec(q).Error; err != nil {
			e.t.Fatal(err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// A provider that is down or slow: a clear EUNAVAILABLE within the time
// limit, and the next try works once it is back.
func TestProviderDownOrSlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, nil)
		ctx := context.Background()
		e.op.SetDown(true)
		_, err := e.signIn.Start(ctx, "work", app.NewOIDCBrowser(), "")
		if app.ErrorCode(err) != app.EUNAVAILABLE || !strings.Contains(app.ErrorMessage(err), "could not reach Work account") {
			t.Fatalf("provider down: %v, want EUNAVAILABLE", err)
		}
		e.op.SetDown(false)
		e.op.SetDelay(5 * time.Second)
		time.Sleep(5 * time.Millisecond) // past RetryAfter: this try reaches the provider
		slow := func(step string, call func() error) {
			t.Helper()
			began := time.Now()
			if err := call(); app.ErrorCode(err) != app.EUNAVAILABLE {
				t.Fatalf("%s: %v, want EUNAVAILABLE", step, err)
			}
			if took := time.Since(began); took < 1500*time.Millisecond || took > 4*time.Second {
				t.Fatalf("%s: answered after %v, want the 2 s time limit", step, took)
			}
		}
		slow("discovery slow", func() error { _, err := e.signIn.Start(ctx, "work", app.NewOIDCBrowser(), ""); return err })
		e.op.SetDelay(0)
		time.Sleep(5 * time.Millisecond)
		browser := app.NewOIDCBrowser()
		if _, err := e.finish(browser, e.answer(browser, "asha@trust.example")); err != nil {
			t.Fatalf("after the provider came back: %v", err)
		}
		// Slow, then down, between the redirect and the answer: the token endpoint.
		browser = app.NewOIDCBrowser()
		a := e.answer(browser, "asha@trust.example")
		e.op.SetDelay(5 * time.Second)
		slow("token endpoint slow", func() error { _, err := e.finish(browser, a); return err })
		e.op.SetDelay(0)
		a = e.answer(browser, "asha@trust.example")
		e.op.SetDown(true)
		if _, err := e.finish(browser, a); app.ErrorCode(err) != app.EUNAVAILABLE {
			t.Fatalf("token endpoint down: %v, want EUNAVAILABLE", err)
		}
	})
}

// A wrong client secret is our configuration's fault: an internal error
// that is logged, not a refusal blamed on the person.
func TestWrongClientSecretIsOurs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, func(c *oidc.ProviderConfig) { c.ClientSecret = "not-the-secret" })
		browser := app.NewOIDCBrowser()
		_, err := e.finish(browser, e.answer(browser, "asha@trust.example"))
		if app.ErrorCode(err) != app.EINTERNAL || !strings.Contains(err.Error(), "client credentials") || strings.Contains(err.Error(), "not-the-secret") {
			t.Fatalf("wrong client secret: %v, want an internal error naming the client credentials", err)
		}
	})
}

// Without allowed domains an address the provider does not vouch for is
// dropped (the learner is asked), never taken.
func TestUnverifiedEmailIsDroppedWithoutDomains(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, func(c *oidc.ProviderConfig) { c.Domains, c.Organisation = nil, "" })
		browser := app.NewOIDCBrowser()
		out, err := e.finish(browser, e.answer(browser, "ben@trust.example"))
		if err != nil {
			t.Fatal(err)
		}
		if out.Token != "" {
			t.Fatalf("signed in with an unverified address: %+v", out)
		}
		var n int
		st.DB().Raw(`SELECT COUNT(*) FROM users WHERE email_norm = 'ben@trust.example'`).Scan(&n)
		if n != 0 {
			t.Fatal("an account was made with an unverified address")
		}
	})
}

// trust_email takes the address Entra ID sends without email_verified,
// still only within the allowed domains.
func TestTrustEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, func(c *oidc.ProviderConfig) { c.TrustEmail = true })
		e.op.TamperNext(oidctest.Tamper{Claims: func(c map[string]any) { delete(c, "email_verified") }})
		browser := app.NewOIDCBrowser()
		out, err := e.finish(browser, e.answer(browser, "asha@trust.example"))
		if err != nil {
			t.Fatal(err)
		}
		if out.Token == "" && out.Pending == "" {
			t.Fatalf("outcome %+v", out)
		}
		browser = app.NewOIDCBrowser()
		if _, err := e.finish(browser, e.answer(browser, "cy@elsewhere.example")); app.ErrorCode(err) != app.EFORBIDDEN {
			t.Fatalf("trusted email outside the domains: %v, want EFORBIDDEN", err)
		}
	})
}
