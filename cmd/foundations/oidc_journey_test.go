package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/oidc/oidctest"
)

// TestOIDCJourney signs in through an organisation's OpenID provider in
// Chromium against the real program, on every database: the sign-in
// page's "Sign in with NHSmail" button, the provider's own login page,
// back signed in to the course; signing in again lands in the same
// account. A provider that is down and a refused answer are clear pages
// (checked with axe-core), and password sign-in still works.
func TestOIDCJourney(t *testing.T) {
	chromium := requireTool(t, "chromium", "/usr/bin/chromium")
	axe := axeSource(t)
	course := loadTestCourse(t)
	for _, b := range testBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			op := oidctest.New("foundations", "journey-client-secret")
			t.Cleanup(op.Close)
			port := strconv.Itoa(freePort(t))
			base := "http://127.0.0.1:" + port
			op.AllowRedirect(base + "/sign-in/oidc/nhsmail/callback")
			op.AddUser(oidctest.User{Subject: "nia-1", Name: "Nia Okafor", Email: "nia.okafor@nhs.example", EmailVerified: true})
			secret := filepath.Join(t.TempDir(), "nhsmail-secret")
			if err := os.WriteFile(secret, []byte("journey-client-secret\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			providers, _ := json.Marshal([]map[string]any{
				{"id": "nhsmail", "name": "NHSmail", "issuer": op.Issuer(), "client_id": "foundations", "client_secret_file": secret,
					"domains": []string{"nhs.example"}, "organisation": app.StarterOrganisations[0], "password_sign_in": false},
				{"id": "council", "name": "Council account", "issuer": "http://127.0.0.1:" + strconv.Itoa(freePort(t)),
					"client_id": "foundations", "client_secret_env": "COUNCIL_SECRET"},
			})
			env := append(b.env(t), "OIDC_PROVIDERS="+string(providers), "COUNCIL_SECRET=council-client-secret")
			srv := startServerOn(t, port, env)

			browser := startBrowser(t, chromium)
			j := newTab(t, browser, base, course, tabOptions{})
			signIn := func(step string) {
				t.Helper()
				j.openWant("/sign-in", 200)
				if step == "first" {
					j.checkAxe("sign-in page with providers", axe)
					j.checkNarrow("sign-in page with providers")
				}
				if got := j.follow("press Sign in with NHSmail", chromedp.Click(chromedp.CSS(`form[action="/sign-in/oidc/nhsmail"] button`))); got != 200 {
					t.Fatalf("%s: the provider's login page answered %d", step, got)
				}
				if loc := eval[string](j, "read the location", `location.origin`); loc != op.Issuer() {
					t.Fatalf("%s: on %s, want the provider's login page at %s", step, loc, op.Issuer())
				}
				j.do("type the work email at the provider", chromedp.SendKeys(chromedp.CSS("#email"), "nia.okafor@nhs.example"))
				if got := j.follow("continue at the provider", chromedp.Click(chromedp.CSS("#continue"))); got != 200 {
					t.Fatalf("%s: back from the provider with status %d", step, got)
				}
				j.expectPath(step+" sign-in lands in the course", "/course")
				if h := j.text("h1"); h != course.Title {
					t.Fatalf("%s: heading %q, want the course %q", step, h, course.Title)
				}
			}
			signIn("first")
			j.follow("sign out", chromedp.Click(chromedp.CSS(`form[action="/sign-out"] button`)))
			signIn("second")

			// Both sign-ins are the one account made by the first.
			var created, signedIn []float64
			for _, line := range strings.Split(srv.logs.String(), "\n") {
				var ev map[string]any
				if json.Unmarshal([]byte(line), &ev) != nil || ev["method"] != app.MethodOIDC {
					continue
				}
				id, _ := ev["user_id"].(float64)
				switch ev["msg"] {
				case "account created":
					created = append(created, id)
				case "signed in":
					signedIn = append(signedIn, id)
				}
			}
			if len(created) != 1 || len(signedIn) != 2 || signedIn[0] != created[0] || signedIn[1] != created[0] {
				t.Fatalf("accounts created %v and signed in %v: want one account, signed in to twice", created, signedIn)
			}
			for _, secret := range []string{"journey-client-secret", "council-client-secret", "nia.okafor@nhs.example", "Nia Okafor"} {
				if strings.Contains(srv.logs.String(), secret) {
					t.Errorf("the log holds %q", secret)
				}
			}

			// The other provider is down: a clear page, and passwords still work.
			j.follow("sign out", chromedp.Click(chromedp.CSS(`form[action="/sign-out"] button`)))
			j.openWant("/sign-in", 200)
			if got := j.follow("press Sign in with Council account", chromedp.Click(chromedp.CSS(`form[action="/sign-in/oidc/council"] button`))); got != 503 {
				t.Fatalf("an unreachable provider answered %d, want 503", got)
			}
			if h := j.text("h1"); h != "Sorry, we could not reach Council account" {
				t.Fatalf("heading %q", h)
			}
			j.checkAxe("provider unreachable", axe)
			if got := j.open("/sign-in/oidc/nhsmail/callback?state=not-ours&code=x"); got != 403 {
				t.Fatalf("a callback this browser did not start answered %d, want 403", got)
			}
			j.checkAxe("sign-in refused", axe)
			j.openWant("/sign-in", 200)
			j.do("type an NHSmail address with a password",
				chromedp.SendKeys(chromedp.CSS("#field-email"), "nia.okafor@nhs.example"),
				chromedp.SendKeys(chromedp.CSS("#field-password"), "a password that is not used"))
			if got := j.follow("sign in with a password", chromedp.Click(chromedp.CSS(`form[action="/sign-in"] button`))); got != 422 {
				t.Fatalf("password sign-in for a provider's domain answered %d, want 422", got)
			}
			if msg := j.text(".govuk-error-summary"); !strings.Contains(msg, "Sign in with NHSmail") {
				t.Fatalf("error summary %q does not point to the NHSmail button", msg)
			}
			j.checkAxe("password sign-in off for the domain", axe)
			const password = "tangerine kestrel harbour 47"
			runCommand(t, env, password+"\n", "users", "add", "--role", "admin", "--email", "pat@example.org", "--name", "Pat Password")
			j.openWant("/sign-in", 200)
			j.do("type a password account's email and password",
				chromedp.SendKeys(chromedp.CSS("#field-email"), "pat@example.org"),
				chromedp.SendKeys(chromedp.CSS("#field-password"), password))
			j.follow("sign in with a password", chromedp.Click(chromedp.CSS(`form[action="/sign-in"] button`)))
			j.expectPath("password sign-in while a provider is down", "/course")

			// The administrator's view of the providers: no secret on it.
			j.openWant("/admin/sign-in", 200)
			page := j.text("main")
			if !strings.Contains(page, base+"/sign-in/oidc/nhsmail/callback") || strings.Contains(page, "journey-client-secret") || strings.Contains(page, "council-client-secret") {
				t.Fatalf("providers page: %q", page)
			}
			j.checkAxe("sign-in providers", axe)
			j.checkNarrow("sign-in providers")
		})
	}
}

// A mistake in OIDC_PROVIDERS stops the program at start-up, saying what
// is wrong, and never echoes the secret.
func TestOIDCConfigurationFailsLoudly(t *testing.T) {
	for _, c := range []struct{ providers, want string }{
		{`[{"id":"nhsmail","name":"NHSmail","issuer":"http://login.example","client_id":"c","client_secret":"do-not-print-me"}]`, "issuer \"http://login.example\" must use https"},
		{`[{"id":"nhsmail","name":"NHSmail","issuer":"https://login.example","client_id":"c"}]`, "OIDC provider nhsmail: give the client secret"},
		{`{"id":"nhsmail"}`, "OIDC providers: not a JSON array"},
	} {
		cmd := exec.Command(foundationsBinary(t))
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "DATA_DIR=" + t.TempDir(),
			"SECRET_KEY=" + strings.Repeat("5e", 32), "PORT=" + strconv.Itoa(freePort(t)), "OIDC_PROVIDERS=" + c.providers}
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("started with OIDC_PROVIDERS=%s", c.providers)
		}
		if !strings.Contains(string(out), c.want) {
			t.Errorf("output %q does not say %q", out, c.want)
		}
		if strings.Contains(string(out), "do-not-print-me") {
			t.Errorf("output shows the secret: %s", out)
		}
	}
}
