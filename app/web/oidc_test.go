package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/oidc"
	"github.com/foundations/foundations/app/oidc/oidctest"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/foundations/foundations/app/web"
	"github.com/gofiber/fiber/v2"
)

// withOIDC adds a provider "work" (Work account) for trust.example, its
// new users placed in the first organisation, and a second provider
// "other" with no domain rules. passwordOff turns password sign-in off
// for trust.example.
func withOIDC(t *testing.T, st *store.Store, op *oidctest.Provider, passwordOff bool) func(*web.Config) {
	return func(cfg *web.Config) {
		orgs, err := st.Organisations(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		off := !passwordOff
		ps, err := oidc.ParseProviders(mustJSON(t, []oidc.ProviderConfig{
			{ID: "work", Name: "Work account", Issuer: op.Issuer(), ClientID: op.ClientID, ClientSecret: op.ClientSecret,
				Domains: []string{"trust.example"}, Organisation: orgs[0].Name, PasswordSignIn: &off},
			{ID: "other", Name: "Other place", Issuer: "http://127.0.0.1:1", ClientID: "x", ClientSecret: "never-shown-secret"},
		}), func(string) string { return "" }, nil)
		if err != nil {
			t.Fatal(err)
		}
		op.AllowRedirect(cfg.BaseURL + "/sign-in/oidc/work/callback")
		cfg.Accounts.OIDCProviders = oidc.Rules(ps)
		cfg.OIDC = &app.OIDCSignIn{Providers: oidc.Rules(ps), States: st, Accounts: cfg.Accounts, Now: cfg.Accounts.Now,
			Protocol: oidc.New(ps, oidc.Options{BaseURL: cfg.BaseURL, Timeout: 2 * time.Second, RetryAfter: time.Millisecond})}
	}
}

func newOIDCProvider(t *testing.T) *oidctest.Provider {
	op := oidctest.New("foundations", "client-secret-value")
	t.Cleanup(op.Close)
	op.AddUser(oidctest.User{Subject: "sub-asha", Name: "Asha Rahman", Email: "asha@trust.example", EmailVerified: true})
	op.AddUser(oidctest.User{Subject: "sub-ben", Name: "Ben Ode", Email: "ben@trust.example", EmailVerified: false})
	return op
}

// startOIDC presses the provider's button on the sign-in page and signs in
// at the provider as email; it returns the callback path the provider
// sent the browser back to.
func (c *client) startOIDC(t *testing.T, provider, email string) string {
	t.Helper()
	return c.startOIDCTo(t, provider, email, "")
}

func (c *client) startOIDCTo(t *testing.T, provider, email, next string) string {
	t.Helper()
	page := c.get("/sign-in")
	page.wantStatus(t, fiber.StatusOK)
	res := c.post("/sign-in/oidc/"+provider, url.Values{"next": {next}})
	res.wantStatus(t, fiber.StatusSeeOther)
	to := res.Header.Get("Location")
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	back, err := noFollow.PostForm(to, url.Values{"email": {email}})
	if err != nil {
		t.Fatal(err)
	}
	back.Body.Close()
	u, err := url.Parse(back.Header.Get("Location"))
	if err != nil || back.StatusCode != http.StatusFound {
		t.Fatalf("provider answered %d, %q", back.StatusCode, back.Header.Get("Location"))
	}
	return u.RequestURI()
}

func TestOIDCSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		op := newOIDCProvider(t)
		srv := newTestServer(t, st, withOIDC(t, st, op, false))

		t.Run("the sign-in page has a button per provider above the password form", func(t *testing.T) {
			c := srv.newClient(t)
			res := c.get("/sign-in?next=%2Fmodules%2F" + module1)
			res.wantStatus(t, fiber.StatusOK)
			forms := findAll(res.html(t), element("form"))
			var actions, buttons []string
			for _, f := range forms {
				actions = append(actions, attr(f, "action"))
				if b := findFirst(f, element("button")); b != nil {
					buttons = append(buttons, strings.TrimSpace(textOf(b)))
				}
				if strings.HasPrefix(attr(f, "action"), "/sign-in") {
					if findFirst(f, element("input", "name", "_csrf")) == nil {
						t.Errorf("form %s has no CSRF token", attr(f, "action"))
					}
				}
			}
			want := []string{"/sign-in/oidc/work", "/sign-in/oidc/other", "/sign-in"}
			if len(actions) < 3 || strings.Join(actions[len(actions)-3:], " ") != strings.Join(want, " ") {
				t.Fatalf("forms %v, want the providers' then the password form: %v", actions, want)
			}
			if got := strings.Join(buttons[len(buttons)-3:], "|"); got != "Sign in with Work account|Sign in with Other place|Sign in" {
				t.Errorf("buttons %q", got)
			}
			next := findFirst(forms[len(forms)-3], element("input", "name", "next"))
			if attr(next, "value") != "/modules/"+module1 {
				t.Errorf("the provider's button carries next %q", attr(next, "value"))
			}
			csp := res.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "form-action 'self' "+op.Issuer()+" http://127.0.0.1:1") {
				t.Errorf("CSP %q does not let the buttons' answers go to the providers", csp)
			}
			if strings.Contains(string(res.body), "client-secret-value") || strings.Contains(string(res.body), "never-shown-secret") {
				t.Error("the sign-in page shows a client secret")
			}
		})

		t.Run("administrators see the providers, never a secret", func(t *testing.T) {
			admin := srv.signUp(t, "Ada Admin", "ada@example.org")
			if err := st.DB().Exec(`UPDATE users SET roles = 'learner,admin' WHERE email_norm = 'ada@example.org'`).Error; err != nil {
				t.Fatal(err)
			}
			res := admin.get("/admin/sign-in")
			res.wantStatus(t, fiber.StatusOK)
			page := textOf(res.html(t))
			for _, want := range []string{"Work account", op.Issuer(), "http://localhost:3000/sign-in/oidc/work/callback", "trust.example", "Other place"} {
				if !strings.Contains(page, want) {
					t.Errorf("the settings page does not show %q", want)
				}
			}
			for _, secret := range []string{op.ClientSecret, "never-shown-secret"} {
				if strings.Contains(string(res.body), secret) {
					t.Errorf("the settings page shows the secret %q", secret)
				}
			}
			srv.signUp(t, "Lee Learner", "lee@example.org").get("/admin/sign-in").wantStatus(t, fiber.StatusForbidden)
		})

		t.Run("the button needs the form's CSRF token", func(t *testing.T) {
			c := srv.newClient(t)
			c.get("/sign-in").wantStatus(t, fiber.StatusOK)
			c.post("/sign-in/oidc/work", url.Values{"_csrf": {"forged"}}).wantStatus(t, fiber.StatusForbidden)
			c.get("/sign-in/oidc/work").wantStatus(t, fiber.StatusMethodNotAllowed) // no GET start: a link cannot start one
		})

		t.Run("an unknown provider is not found", func(t *testing.T) {
			c := srv.newClient(t)
			c.get("/sign-in").wantStatus(t, fiber.StatusOK)
			c.post("/sign-in/oidc/nope", url.Values{}).wantStatus(t, fiber.StatusNotFound)
			c.get("/sign-in/oidc/nope/callback?state=x&code=y").wantStatus(t, fiber.StatusNotFound)
		})

		var userID int64
		t.Run("first sign-in makes the account and lands in the course", func(t *testing.T) {
			c := srv.newClient(t)
			back := c.startOIDC(t, "work", "asha@trust.example")
			if !strings.HasPrefix(back, "/sign-in/oidc/work/callback?") {
				t.Fatalf("provider sent the browser to %s", back)
			}
			c.get(back).wantRedirect(t, "/course")
			if c.cookies["foundations_session"] == "" {
				t.Fatal("no session cookie after signing in")
			}
			res := c.get("/course")
			res.wantStatus(t, fiber.StatusOK)
			userID = srv.userID(t, "asha@trust.example")
			// The same answer again (a copied callback address) is refused.
			again := c.get(back)
			again.wantStatus(t, fiber.StatusForbidden)
			if h := heading(t, again); h != "You have not been signed in" {
				t.Errorf("replayed callback heading %q", h)
			}
		})

		t.Run("a second sign-in is the same account", func(t *testing.T) {
			c := srv.newClient(t)
			c.get(c.startOIDC(t, "work", "asha@trust.example")).wantRedirect(t, "/course")
			if n := srv.count(t, "users", "email_norm = ?", "asha@trust.example"); n != 1 {
				t.Fatalf("%d accounts for asha", n)
			}
			if n := srv.count(t, "sessions", "user_id = ?", userID); n != 2 {
				t.Fatalf("%d sessions for asha's account, want 2", n)
			}
		})

		t.Run("the page asked for is where the sign-in lands", func(t *testing.T) {
			c := srv.newClient(t)
			back := c.startOIDCTo(t, "work", "asha@trust.example", "/modules/"+module1)
			c.do(httptest.NewRequest(http.MethodHead, back, nil)).wantStatus(t, fiber.StatusOK) // a HEAD spends nothing
			c.get(back).wantRedirect(t, "/modules/"+module1)
			c = srv.newClient(t)
			c.get(c.startOIDCTo(t, "work", "asha@trust.example", "//evil.example/")).wantRedirect(t, "/course")
		})

		t.Run("a callback opened in another browser is refused", func(t *testing.T) {
			c := srv.newClient(t)
			back := c.startOIDC(t, "work", "asha@trust.example")
			thief := srv.newClient(t)
			res := thief.get(back)
			res.wantStatus(t, fiber.StatusForbidden)
			if !strings.Contains(textOf(res.html(t)), "started in another browser") {
				t.Errorf("page says %q", textOf(res.html(t)))
			}
			if thief.cookies["foundations_session"] != "" {
				t.Fatal("the other browser was signed in")
			}
			// The real browser still can.
			c.get(back).wantRedirect(t, "/course")
		})

		t.Run("a refused token changes nothing", func(t *testing.T) {
			before := srv.count(t, "users", "1 = 1")
			c := srv.newClient(t)
			back := c.startOIDC(t, "work", "ben@trust.example") // unverified email
			res := c.get(back)
			res.wantStatus(t, fiber.StatusForbidden)
			if !strings.Contains(textOf(res.html(t)), "did not confirm your work email") {
				t.Errorf("page says %q", textOf(res.html(t)))
			}
			op.TamperNext(oidctest.Tamper{Claims: func(c map[string]any) { c["aud"] = "someone-else" }})
			back = c.startOIDC(t, "work", "asha@trust.example")
			c.get(back).wantStatus(t, fiber.StatusForbidden)
			if c.cookies["foundations_session"] != "" {
				t.Fatal("a refused sign-in set a session")
			}
			if n := srv.count(t, "users", "1 = 1"); n != before {
				t.Fatalf("%d users after refusals, want %d", n, before)
			}
		})

		t.Run("the provider's error is a clear page", func(t *testing.T) {
			c := srv.newClient(t)
			back := c.startOIDC(t, "work", "nobody@trust.example")
			res := c.get(back)
			res.wantStatus(t, fiber.StatusForbidden)
			if !strings.Contains(textOf(res.html(t)), "Work account did not sign you in") {
				t.Errorf("page says %q", textOf(res.html(t)))
			}
		})

		t.Run("a provider that is down: a clear page, and passwords still work", func(t *testing.T) {
			srv.signUp(t, "Pat Password", "pat@example.org")
			c := srv.newClient(t)
			c.get("/sign-in").wantStatus(t, fiber.StatusOK)
			// "other" is at an address nothing answers (port 1 on loopback).
			res := c.post("/sign-in/oidc/other", url.Values{})
			res.wantStatus(t, fiber.StatusServiceUnavailable)
			if h := heading(t, res); h != "Sorry, we could not reach Other place" {
				t.Errorf("heading %q", h)
			}
			if !strings.Contains(textOf(res.html(t)), "sign in with your email address and password") || res.Header.Get("Retry-After") == "" {
				t.Errorf("page %q, Retry-After %q", textOf(res.html(t)), res.Header.Get("Retry-After"))
			}
			c.get("/sign-in").wantStatus(t, fiber.StatusOK)
			c.post("/sign-in", url.Values{"email": {"pat@example.org"}, "password": {strongPassword}}).wantRedirect(t, "/course")
		})
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOIDCPasswordSignInOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		op := newOIDCProvider(t)
		srv := newTestServer(t, st, withOIDC(t, st, op, true))
		// An account made before the provider's rule: registration now refuses the domain.
		orgs, err := st.Organisations(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		now := srv.clock.Now()
		old := &app.User{Name: "Old Account", Email: "old@trust.example", EmailNorm: "old@trust.example", PasswordHash: app.HashPassword(strongPassword),
			OrganisationID: orgs[0].ID, JobRole: "Nurse", Roles: []string{app.RoleLearner}, CreatedAt: now, EmailVerifiedAt: &now}
		if err := st.CreateUser(t.Context(), old); err != nil {
			t.Fatal(err)
		}
		srv.signUp(t, "Elsewhere", "someone@elsewhere.example")
		c := srv.newClient(t)
		c.get("/sign-in").wantStatus(t, fiber.StatusOK)
		res := c.post("/sign-in", url.Values{"email": {"Old@Trust.example"}, "password": {strongPassword}})
		msg := wantFieldError(t, res, "email")
		if !strings.Contains(msg, "Sign in with Work account") {
			t.Errorf("message %q does not point to the provider's button", msg)
		}
		if findFirst(res.html(t), element("form", "action", "/sign-in/oidc/work")) == nil {
			t.Error("the refusal page has no button for the provider")
		}
		if c.cookies["foundations_session"] != "" {
			t.Fatal("signed in with a password for a domain that may not")
		}
		// Unknown addresses of that domain get the same answer: the rule is the domain's.
		c.get("/sign-in").wantStatus(t, fiber.StatusOK)
		if msg2 := wantFieldError(t, c.post("/sign-in", url.Values{"email": {"nobody@trust.example"}, "password": {"x"}}), "email"); msg2 != msg {
			t.Errorf("unknown address says %q, known says %q", msg2, msg)
		}
		c.get("/sign-in").wantStatus(t, fiber.StatusOK)
		c.post("/sign-in", url.Values{"email": {"someone@elsewhere.example"}, "password": {strongPassword}}).wantRedirect(t, "/course")

		// Nor can a new password account be made for the domain.
		reg := srv.newClient(t)
		page := reg.get("/register")
		if msg := wantFieldError(t, reg.post("/register", registration(firstOrganisation(t, page), "new@trust.example")), "email"); !strings.Contains(msg, "Sign in with Work account") {
			t.Errorf("registration refusal says %q", msg)
		}
		if n := srv.count(t, "users", "email_norm = ?", "new@trust.example"); n != 0 {
			t.Fatal("a password account was made for a domain whose password sign-in is off")
		}

		// The existing password account links on its first sign-in with the
		// provider: the password proves it is theirs, once.
		op.AddUser(oidctest.User{Subject: "sub-old", Name: "Old Account", Email: "old@trust.example", EmailVerified: true})
		c = srv.newClient(t)
		c.get(c.startOIDC(t, "work", "old@trust.example")).wantRedirect(t, "/sign-in/link")
		c.get("/sign-in/link").wantStatus(t, fiber.StatusOK)
		c.post("/sign-in/link", url.Values{"password": {strongPassword}}).wantRedirect(t, "/course")
		c = srv.newClient(t)
		c.get(c.startOIDC(t, "work", "old@trust.example")).wantRedirect(t, "/course")
		if n := srv.count(t, "identities", "user_id = ?", srv.userID(t, "old@trust.example")); n != 1 {
			t.Fatalf("%d identities for the linked account", n)
		}
	})
}

func TestOIDCThrottled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		op := newOIDCProvider(t)
		srv := newTestServer(t, st, withOIDC(t, st, op, false), func(cfg *web.Config) { cfg.Limits.SignInPerAddress = 2 })
		c := srv.newClient(t)
		c.get("/sign-in").wantStatus(t, fiber.StatusOK)
		for range 2 {
			c.post("/sign-in/oidc/work", url.Values{}).wantStatus(t, fiber.StatusSeeOther)
		}
		res := c.post("/sign-in/oidc/work", url.Values{})
		res.wantStatus(t, fiber.StatusTooManyRequests)
		if res.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		for range 2 {
			c.get("/sign-in/oidc/work/callback?state=x&code=y").wantStatus(t, fiber.StatusForbidden)
		}
		c.get("/sign-in/oidc/work/callback?state=x&code=y").wantStatus(t, fiber.StatusTooManyRequests)
	})
}
