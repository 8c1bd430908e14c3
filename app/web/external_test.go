package web_test

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/gofiber/fiber/v2"
)

// The steps an outside sign-in (OpenID Connect, LTI) may need before the
// person is signed in: the protocol packages call Accounts.SignInExternal
// and hand the outcome to finishExternal, which puts a pending step's token
// in a cookie. Here the outcome is made directly and the cookie set as
// finishExternal sets it.
func pendingStep(t *testing.T, srv *testServer, c *client, ext app.ExternalAccount, step string) {
	t.Helper()
	out, err := srv.accounts.SignInExternal(context.Background(), ext)
	if err != nil {
		t.Fatal(err)
	}
	if out.Step != step || out.Pending == "" {
		t.Fatalf("outcome = %+v, want step %s", out, step)
	}
	c.cookies["foundations_pending"] = out.Pending
}

func TestSetupStepAsksOnceThenSignsIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		c := srv.newClient(t)
		pendingStep(t, srv, c, app.ExternalAccount{Method: app.MethodLTI, Issuer: "https://moodle.example", Subject: "42",
			Label: "City Moodle", Name: "Jo Bloggs", Next: "/course"}, app.StepSetup)
		page := c.get("/sign-in/setup")
		page.wantStatus(t, fiber.StatusOK)
		if h := heading(t, page); h != "Tell us about your work" {
			t.Fatalf("setup heading %q", h)
		}
		if !strings.Contains(string(page.body), "City Moodle") || !strings.Contains(string(page.body), `value="Jo Bloggs"`) {
			t.Error("setup page does not say where the person came from or keep the name it was given")
		}
		org := firstOrganisation(t, page)
		bad := c.post("/sign-in/setup", url.Values{"name": {"Jo Bloggs"}, "email": {"jo@council.example"}, "organisation": {org}})
		bad.wantStatus(t, fiber.StatusUnprocessableEntity)
		wantFieldError(t, bad, "job_role")
		if n := srv.count(t, "users", "email_norm = ?", "jo@council.example"); n != 0 {
			t.Fatalf("an invalid setup made %d accounts", n)
		}
		c.post("/sign-in/setup", url.Values{"name": {"Jo Bloggs"}, "email": {"jo@council.example"}, "organisation": {org},
			"job_role": {"Family support worker"}}).wantRedirect(t, "/course")
		c.get("/course").wantStatus(t, fiber.StatusOK)
		if _, ok := c.cookies["foundations_pending"]; ok {
			t.Error("the pending cookie outlived its step")
		}
		if n := srv.count(t, "identities", "user_id = ? AND method = ?", srv.userID(t, "jo@council.example"), app.MethodLTI); n != 1 {
			t.Fatalf("identities linked: %d, want 1", n)
		}
		// The step is spent: a second browser holding the old token is told to start again.
		again := srv.newClient(t)
		again.cookies["foundations_pending"] = "spent"
		again.get("/sign-in/setup").wantStatus(t, fiber.StatusNotFound)
	})
}

func TestLinkStepNeedsTheAccountsPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		srv.signUp(t, "Alex Learner", "alex@nhs.example")
		c := srv.newClient(t)
		pendingStep(t, srv, c, app.ExternalAccount{Method: app.MethodOIDC, Issuer: "https://login.nhs.example", Subject: "s-1",
			Label: "NHSmail", Name: "Alex Learner", Email: "alex@nhs.example", EmailVerified: true}, app.StepLink)
		page := c.get("/sign-in/link")
		page.wantStatus(t, fiber.StatusOK)
		if !strings.Contains(string(page.body), "alex@nhs.example") || !strings.Contains(string(page.body), "NHSmail") {
			t.Error("link page does not name the account and the provider")
		}
		bad := c.post("/sign-in/link", url.Values{"password": {"not the password"}})
		bad.wantStatus(t, fiber.StatusUnprocessableEntity)
		wantFieldError(t, bad, "password")
		if n := srv.count(t, "identities", ""); n != 0 {
			t.Fatalf("a wrong password linked %d identities", n)
		}
		c.post("/sign-in/link", url.Values{"password": {strongPassword}}).wantRedirect(t, "/course")
		c.get("/course").wantStatus(t, fiber.StatusOK)
		if n := srv.count(t, "identities", "user_id = ?", srv.userID(t, "alex@nhs.example")); n != 1 {
			t.Fatalf("identities linked: %d, want 1", n)
		}
	})
}

func TestPendingStepPagesWithoutAStep(t *testing.T) {
	srv := newTestServer(t, storetest.SQLite(t))
	c := srv.newClient(t)
	c.get("/sign-in/setup").wantStatus(t, fiber.StatusNotFound)
	c.get("/sign-in/link").wantStatus(t, fiber.StatusNotFound)
	c.get("/sign-in") // a CSRF token for the form
	c.post("/sign-in/link", url.Values{"password": {"x"}}).wantStatus(t, fiber.StatusNotFound)
}

// Coordinators see where learners came from: on the learner's page, as a
// filter of the list, and in the exports.
func TestCoordinatorsSeeHowLearnersSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		ctx := context.Background()
		srv.ovUser(t, "Pat Password", "pat@example.org", "")
		orgs, _ := st.Organisations(ctx)
		out, err := srv.accounts.SignInExternal(ctx, app.ExternalAccount{Method: app.MethodLTI, Issuer: "https://moodle.example", Subject: "9",
			Label: "City Moodle", Name: "Lee Launch", Email: "lee@council.example", EmailVerified: true, OrganisationID: orgs[0].ID})
		if err != nil || out.User == nil {
			t.Fatalf("LTI sign-in: %+v, %v", out, err)
		}
		coord := srv.ovSignIn(t, srv.ovUser(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator))

		emails := func(path string) []string {
			var got []string
			for _, r := range csvRecords(t, coord.get(path))[1:] {
				got = append(got, r[1])
			}
			return got
		}
		if got := emails("/reports/learners.csv?signin=lti"); len(got) != 1 || got[0] != "lee@council.example" {
			t.Errorf("learning-platform learners: %v, want Lee only", got)
		}
		if got := emails("/reports/learners.csv?signin=password"); len(got) != 2 || slices.Contains(got, "lee@council.example") {
			t.Errorf("password-only learners: %v, want Pat and Cora", got)
		}
		if got := emails("/reports/learners.csv?signin=oidc"); len(got) != 0 {
			t.Errorf("organisation-account learners: %v, want none", got)
		}
		recs := byEmail(csvRecords(t, coord.get("/reports/learners.csv")))
		if got := recs["lee@council.example"][12]; got != "City Moodle (learning platform)" {
			t.Errorf("Lee signs in with %q in the export", got)
		}
		if got := recs["pat@example.org"][12]; got != "Password" {
			t.Errorf("Pat signs in with %q in the export", got)
		}
		list := coord.get("/reports/learners?signin=lti")
		list.wantStatus(t, fiber.StatusOK)
		if body := string(list.body); !strings.Contains(body, "Lee Launch") || strings.Contains(body, "Pat Password") {
			t.Error("the list's sign-in filter does not match the export's")
		}
		page := coord.get("/reports/learners/" + strconv.FormatInt(out.User.ID, 10))
		page.wantStatus(t, fiber.StatusOK)
		if !strings.Contains(textOf(page.html(t)), "City Moodle (learning platform), linked") {
			t.Error("the learner's page does not say they came from City Moodle")
		}
	})
}
