package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/jobs"
	"github.com/foundations/foundations/app/mail"
	"github.com/foundations/foundations/app/mail/mailtest"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/foundations/foundations/app/web"
	"github.com/gofiber/fiber/v2"
)

const mailWait = 15 * time.Second

// newMailTestServer is newTestServer with email on: an outbox delivered
// by a running job queue to a real SMTP server on 127.0.0.1.
func newMailTestServer(t *testing.T, st *store.Store) (*testServer, *mailtest.Server) {
	t.Helper()
	smtp := mailtest.Start(t)
	db, err := st.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(context.Background(), db, st.Postgres()); err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t, st, func(c *web.Config) {
		sender, err := mail.New(mail.Config{URL: smtp.URL(), From: "Training <training@example.org>", Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		m := &app.Mail{Store: st, Sender: sender, Partnership: c.Partnership, BaseURL: c.BaseURL, HelpContact: c.HelpContact, Now: c.Accounts.Now}
		q, err := jobs.New(jobs.Config{DB: db, Postgres: st.Postgres(), Mail: m, PollInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		m.Jobs = q
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			q.Stop(ctx)
		})
		c.Mail = m
		c.Learning.Mail, c.Oversight.Mail = m, m
		c.Recovery = &app.Recovery{Store: st, Accounts: c.Accounts, Mail: m, Now: c.Accounts.Now}
		c.EmailVerification = &app.EmailVerification{Store: st, Accounts: c.Accounts, Mail: m, Now: c.Accounts.Now}
	})
	return srv, smtp
}

// linkPath is the path and query of a link in an email, for the test client.
func linkPath(t *testing.T, m mailtest.Message, part string) string {
	t.Helper()
	l := m.Link(part)
	if l == "" {
		t.Fatalf("email %q has no link containing %q:\n%s", m.Subject, part, m.Text)
	}
	u, err := url.Parse(l)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

// registerWithMail fills the registration form; with email on it answers
// "check your email" and signs no one in.
func registerWithMail(t *testing.T, s *testServer, name, email string) *response {
	t.Helper()
	c := s.newClient(t)
	page := c.get("/register")
	form := registration(firstOrganisation(t, page), email)
	form.Set("name", name)
	if strings.EqualFold(email, form.Get("manager_email")) {
		form.Del("manager_email") // one cannot be one's own manager
	}
	r := c.post("/register", form)
	r.wantStatus(t, fiber.StatusOK)
	if _, ok := c.cookies["foundations_session"]; ok {
		t.Errorf("registration with email on signed %s in before they confirmed anything", email)
	}
	return r
}

func signIn(t *testing.T, s *testServer, email, password string) *client {
	t.Helper()
	c := s.newClient(t)
	c.get("/sign-in")
	c.post("/sign-in", url.Values{"email": {email}, "password": {password}}).wantRedirect(t, "/course")
	return c
}

// Registering answers the same whether or not the address has an
// account; the new person is sent a verification link and the owner of an
// existing account is told by email instead (issue 14 item 9).
func TestRegistrationAnswersTheSameAndTellsTheOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s, smtp := newMailTestServer(t, st)
		first := registerWithMail(t, s, "Alex Learner", "alex@example.org")
		again := registerWithMail(t, s, "Someone Else", "Alex@Example.org")
		if heading(t, first) != "Check your email" || heading(t, again) != heading(t, first) || pageTitle(t, again) != pageTitle(t, first) {
			t.Errorf("registration answers differ: %q / %q", heading(t, first), heading(t, again))
		}
		csrf := regexp.MustCompile(`(name="_csrf" value|name="csrf-token" content)="[^"]*"`)
		stripCSRF := func(b []byte) string {
			return strings.ReplaceAll(csrf.ReplaceAllString(string(b), ""), "Alex@Example.org", "alex@example.org")
		}
		if stripCSRF(first.body) != stripCSRF(again.body) {
			t.Errorf("the page for an address with an account differs from the page for a new one")
		}
		verify := smtp.Wait(t, "alex@example.org", "Confirm your email address", mailWait)
		owner := smtp.Wait(t, "alex@example.org", "You already have an account", mailWait)
		if !strings.Contains(owner.Text, "/sign-in") || strings.Contains(owner.Text, "token=") {
			t.Errorf("owner's email should point to sign-in without a token:\n%s", owner.Text)
		}
		if verify.HTML == "" || !strings.Contains(verify.HTML, `lang="en"`) || !strings.Contains(verify.Text, "Test Partnership") {
			t.Errorf("verification email lacks an accessible HTML part or the partnership's name")
		}
		if n := s.count(t, "users", "email_norm = ?", "alex@example.org"); n != 1 {
			t.Errorf("%d accounts for the address, want 1", n)
		}
		// The registrant may sign in and learn at once, unverified.
		c := signIn(t, s, "alex@example.org", strongPassword)
		course := c.get("/course")
		course.wantStatus(t, fiber.StatusOK)
		if findFirst(course.html(t), element("div", "id", "verify-task")) == nil {
			t.Error("the course page does not tell an unverified learner to confirm their address")
		}
	})
}

// Forgot password → email → link → new password → signed in; every other
// session ends; the link works once and not after an hour; the page says
// the same for an unknown address.
func TestPasswordRecovery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s, smtp := newMailTestServer(t, st)
		s.signUpVerified(t, smtp, "Alex Learner", "alex@example.org")
		other := signIn(t, s, "alex@example.org", strongPassword) // another device

		anon := s.newClient(t)
		anon.get("/forgot-password").wantStatus(t, fiber.StatusOK)
		known := anon.post("/forgot-password", url.Values{"email": {"alex@example.org"}})
		unknown := anon.post("/forgot-password", url.Values{"email": {"nobody@example.org"}})
		known.wantStatus(t, fiber.StatusOK)
		unknown.wantStatus(t, fiber.StatusOK)
		if heading(t, known) != "Check your email" || heading(t, unknown) != heading(t, known) {
			t.Errorf("answers for known and unknown addresses differ: %q, %q", heading(t, known), heading(t, unknown))
		}
		anon.post("/forgot-password", url.Values{"email": {"not an address"}}).wantStatus(t, fiber.StatusUnprocessableEntity)

		reset := smtp.Wait(t, "alex@example.org", "Reset your password", mailWait)
		if strings.Contains(reset.Subject, "alex") {
			t.Errorf("subject %q names the person", reset.Subject)
		}
		link := linkPath(t, reset, "/reset-password")
		token := strings.TrimPrefix(link, "/reset-password?token=")
		if len(token) < 43 {
			t.Errorf("token %q is shorter than 256 bits", token)
		}
		if n := s.count(t, "link_tokens", "token_hash = ?", token); n != 0 {
			t.Error("the token is stored as it is, not hashed")
		}

		browser := s.newClient(t)
		browser.get(link).wantStatus(t, fiber.StatusOK)
		browser.post("/reset-password", url.Values{"token": {token}, "password": {"short"}}).wantStatus(t, fiber.StatusUnprocessableEntity)
		newPassword := "a brand new passphrase for me"
		browser.post("/reset-password", url.Values{"token": {token}, "password": {newPassword}}).wantRedirect(t, "/course?password=reset")
		browser.get("/course").wantStatus(t, fiber.StatusOK)
		if r := other.get("/course"); r.StatusCode != fiber.StatusSeeOther {
			t.Errorf("the other device is still signed in after the reset: %d", r.StatusCode)
		}
		smtp.Wait(t, "alex@example.org", "Your password was changed", mailWait)

		// Used once: refused with a clear page, and the password is not changed again.
		again := s.newClient(t)
		used := again.get(link)
		used.wantStatus(t, fiber.StatusGone)
		if heading(t, used) != "This link cannot be used again" {
			t.Errorf("reused link: heading %q", heading(t, used))
		}
		again.post("/reset-password", url.Values{"token": {token}, "password": {"yet another passphrase here"}}).wantStatus(t, fiber.StatusGone)
		signIn(t, s, "alex@example.org", newPassword)

		// Late: a new link followed after an hour is refused.
		anon.post("/forgot-password", url.Values{"email": {"alex@example.org"}})
		deadline := time.Now().Add(mailWait)
		var late string
		for late == "" || late == link {
			if time.Now().After(deadline) {
				t.Fatal("no second reset email")
			}
			late = linkPath(t, smtp.Wait(t, "alex@example.org", "Reset your password", mailWait), "/reset-password")
			time.Sleep(20 * time.Millisecond)
		}
		s.clock.Advance(61 * time.Minute)
		expired := s.newClient(t).get(late)
		expired.wantStatus(t, fiber.StatusGone)
		if heading(t, expired) != "This link has expired" {
			t.Errorf("expired link: heading %q", heading(t, expired))
		}
		s.newClient(t).get("/reset-password?token=made-up").wantStatus(t, fiber.StatusNotFound)
	})
}

// signUpVerified registers through the form and follows the emailed link.
func (s *testServer) signUpVerified(t *testing.T, smtp *mailtest.Server, name, email string) int64 {
	t.Helper()
	registerWithMail(t, s, name, email)
	link := linkPath(t, smtp.Wait(t, email, "Confirm your email address", mailWait), "/verify-email")
	c := s.newClient(t)
	page := c.get(link)
	page.wantStatus(t, fiber.StatusOK)
	token, _ := url.ParseQuery(strings.TrimPrefix(link, "/verify-email?"))
	c.post("/verify-email", url.Values{"token": {token.Get("token")}}).wantStatus(t, fiber.StatusOK)
	return s.userID(t, email)
}

// A certificate goes only to a verified address, managers see only
// verified staff, and a verification link works once.
func TestVerificationGatesCertificateAndStaffList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s, smtp := newMailTestServer(t, st)
		mgr := s.ovUser(t, "Mo Manager", "manager@example.org", "", app.RoleManager)
		registerWithMail(t, s, "Alex Learner", "alex@example.org")
		c := signIn(t, s, "alex@example.org", strongPassword)
		c.passAllModules()
		c.get("/evaluation")
		refused := c.post("/evaluation", evaluationForm())
		refused.wantStatus(t, fiber.StatusForbidden)
		if !strings.Contains(string(refused.body), "Confirm your email address") {
			t.Error("the refusal does not say what to do")
		}
		manager := s.ovSignIn(t, mgr)
		if strings.Contains(string(manager.get("/staff").body), "Alex Learner") {
			t.Error("a manager sees an unverified learner who named them")
		}

		link := linkPath(t, smtp.Wait(t, "alex@example.org", "Confirm your email address", mailWait), "/verify-email")
		token, _ := url.ParseQuery(strings.TrimPrefix(link, "/verify-email?"))
		c.get(link).wantStatus(t, fiber.StatusOK)
		c.post("/verify-email", url.Values{"token": {token.Get("token")}}).wantRedirect(t, "/course?email=confirmed")
		c.post("/verify-email", url.Values{"token": {token.Get("token")}}).wantStatus(t, fiber.StatusGone)

		c.get("/evaluation").wantStatus(t, fiber.StatusOK)
		c.post("/evaluation", evaluationForm()).wantRedirect(t, "/certificate?issued=1")
		if !strings.Contains(string(manager.get("/staff").body), "Alex Learner") {
			t.Error("the manager does not see the learner once verified")
		}
	})
}

// Changing one's password asks for the current one and ends every other
// session; changing one's email verifies the new address and tells the old.
func TestChangePasswordAndEmail(t *testing.T) {
	st := storetest.SQLite(t)
	s, smtp := newMailTestServer(t, st)
	s.signUpVerified(t, smtp, "Alex Learner", "alex@example.org")
	here := signIn(t, s, "alex@example.org", strongPassword)
	there := signIn(t, s, "alex@example.org", strongPassword)

	here.get("/profile/password").wantStatus(t, fiber.StatusOK)
	r := here.post("/profile/password", url.Values{"current_password": {"wrong one entirely"}, "password": {"a new long passphrase"}})
	r.wantStatus(t, fiber.StatusUnprocessableEntity)
	wantFieldError(t, r, "current_password")
	here.post("/profile/password", url.Values{"current_password": {strongPassword}, "password": {"a new long passphrase"}}).wantRedirect(t, "/profile?changed=password")
	here.get("/course").wantStatus(t, fiber.StatusOK)
	if there.get("/course").StatusCode != fiber.StatusSeeOther {
		t.Error("the other session survived a change of password")
	}

	here.get("/profile/email")
	here.post("/profile/email", url.Values{"email": {"alex.new@example.org"}, "current_password": {"a new long passphrase"}}).wantStatus(t, fiber.StatusOK)
	if u, _ := st.UserByID(context.Background(), s.userID(t, "alex@example.org")); u.Email != "alex@example.org" {
		t.Errorf("the address changed before the new one was confirmed: %s", u.Email)
	}
	link := linkPath(t, smtp.Wait(t, "alex.new@example.org", "Confirm your new email address", mailWait), "/verify-email")
	token, _ := url.ParseQuery(strings.TrimPrefix(link, "/verify-email?"))
	here.get(link).wantStatus(t, fiber.StatusOK)
	here.post("/verify-email", url.Values{"token": {token.Get("token")}}).wantRedirect(t, "/course?email=confirmed")
	told := smtp.Wait(t, "alex@example.org", "Your email address was changed", mailWait)
	if strings.Contains(told.Text, "alex.new@example.org") {
		t.Error("the old address is told the whole new address")
	}
	signIn(t, s, "alex.new@example.org", "a new long passphrase")
}

// A coordinator can give a learner a one-time reset link (shown once,
// audited) and correct their address (audited, verification sent); an
// administrator sees delivery status without bodies.
func TestCoordinatorAssistsAndAdminSeesDelivery(t *testing.T) {
	st := storetest.SQLite(t)
	s, smtp := newMailTestServer(t, st)
	learner := s.signUpVerified(t, smtp, "Alex Learner", "alex@example.org")
	coord := s.ovSignIn(t, s.ovUser(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator))
	coord.get("/reports/learners/"+itoa(learner)).wantStatus(t, fiber.StatusOK)
	page := coord.post("/reports/learners/"+itoa(learner)+"/reset-link", url.Values{})
	page.wantStatus(t, fiber.StatusOK)
	in := findFirst(page.html(t), element("input", "id", "reset-link"))
	if in == nil {
		t.Fatal("no reset link shown")
	}
	u, _ := url.Parse(attr(in, "value"))
	if n := s.count(t, "audit_log", "action = ? AND subject_user_id = ?", "created a password reset link", learner); n != 1 {
		t.Errorf("%d audit entries for the reset link, want 1", n)
	}
	b := s.newClient(t)
	b.get(u.RequestURI()).wantStatus(t, fiber.StatusOK)
	b.post("/reset-password", url.Values{"token": {u.Query().Get("token")}, "password": {"chosen with help desk"}}).wantRedirect(t, "/course?password=reset")

	coord.get("/reports/learners/" + itoa(learner))
	coord.post("/reports/learners/"+itoa(learner)+"/email", url.Values{"email": {"not-an-address"}}).wantStatus(t, fiber.StatusUnprocessableEntity)
	coord.post("/reports/learners/"+itoa(learner)+"/email", url.Values{"email": {"alex.l@example.org"}}).wantRedirect(t, "/reports/learners/"+itoa(learner)+"?done=email")
	if n := s.count(t, "audit_log", "action = ? AND subject_user_id = ?", "corrected email address", learner); n != 1 {
		t.Errorf("%d audit entries for the corrected address, want 1", n)
	}
	smtp.Wait(t, "alex.l@example.org", "Confirm your email address", mailWait)

	admin := s.ovSignIn(t, s.ovUser(t, "Ada Admin", "ada@example.org", "", app.RoleAdmin))
	deadline := time.Now().Add(mailWait)
	for {
		d := admin.get("/admin/email")
		d.wantStatus(t, fiber.StatusOK)
		body := string(d.body)
		if strings.Contains(body, "token=") || strings.Contains(body, "Choose a new password") {
			t.Fatal("the delivery page shows message bodies")
		}
		if strings.Count(body, ">sent<") >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery page never showed the sent emails:\n%s", snippet(d.body))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// A notification carries List-Unsubscribe headers whose one-click POST
// (no cookies, no form token) turns the topic off; a security email has none.
func TestOneClickUnsubscribe(t *testing.T) {
	st := storetest.SQLite(t)
	s, smtp := newMailTestServer(t, st)
	learner := s.signUpVerified(t, smtp, "Alex Learner", "alex@example.org")
	c := signIn(t, s, "alex@example.org", strongPassword)
	c.passAllModules()
	c.get("/evaluation")
	c.post("/evaluation", evaluationForm()).wantRedirect(t, "/certificate?issued=1")
	issued := smtp.Wait(t, "alex@example.org", "Your certificate is ready", mailWait)
	verify := smtp.Wait(t, "alex@example.org", "Confirm your email address", mailWait)
	if verify.Header.Get("List-Unsubscribe") != "" {
		t.Error("a verification email offers to unsubscribe")
	}
	h := issued.Header.Get("List-Unsubscribe")
	if !strings.HasPrefix(h, "<http://localhost:3000/unsubscribe?token=") || issued.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe %q, List-Unsubscribe-Post %q", h, issued.Header.Get("List-Unsubscribe-Post"))
	}
	u, err := url.Parse(strings.Trim(h, "<>"))
	if err != nil {
		t.Fatal(err)
	}
	provider := s.newClient(t) // a mail provider: no cookies, no CSRF token
	provider.postRaw(u.RequestURI(), "List-Unsubscribe=One-Click").wantStatus(t, fiber.StatusOK)
	provider.postRaw(u.RequestURI(), "List-Unsubscribe=One-Click").wantStatus(t, fiber.StatusOK)
	prefs, err := st.EmailPreferences(context.Background(), learner)
	if err != nil {
		t.Fatal(err)
	}
	if app.Wants(prefs, app.TopicUpdates) || !app.Wants(prefs, app.TopicReminders) {
		t.Errorf("preferences after unsubscribing from updates: %v", prefs)
	}
	provider.postRaw("/unsubscribe?token=forged", "List-Unsubscribe=One-Click").wantStatus(t, fiber.StatusNotFound)
}

// The privacy notice is linked from every page and the registration form;
// a learner downloads their data; after an administrator erases the
// account, its certificate's page says the holder's details were removed.
func TestPrivacyPages(t *testing.T) {
	st := storetest.SQLite(t)
	s := newTestServer(t, st)
	c := s.signUp(t, "Alex Learner", "alex@example.org")
	anon := s.newClient(t)
	if n := len(findAll(anon.get("/register").html(t), element("a", "href", "/privacy"))); n != 2 {
		t.Errorf("the registration page links to the privacy notice %d times, want 2 (form and footer)", n)
	}
	for _, path := range []string{"/course", "/privacy"} {
		if findFirst(c.get(path).html(t), element("a", "href", "/privacy")) == nil {
			t.Errorf("%s has no link to the privacy notice", path)
		}
	}
	c.passAllModules()
	c.get("/evaluation")
	c.post("/evaluation", evaluationForm()).wantRedirect(t, "/certificate?issued=1")
	j := c.get("/profile/data.json")
	j.wantStatus(t, fiber.StatusOK)
	if !strings.Contains(string(j.body), `"email": "alex@example.org"`) || !strings.Contains(string(j.body), "I will look more carefully.") {
		t.Errorf("the JSON download lacks the account or the reflection:\n%s", snippet(j.body))
	}
	csvFile := c.get("/profile/data.csv")
	csvFile.wantStatus(t, fiber.StatusOK)
	if !strings.HasPrefix(csvFile.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(csvFile.body), "alex@example.org") {
		t.Errorf("the CSV download: %s\n%s", csvFile.Header.Get("Content-Type"), snippet(csvFile.body))
	}
	id := s.userID(t, "alex@example.org")
	cert, err := s.learning.Certificate(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	admin := s.ovSignIn(t, s.ovUser(t, "Ada Admin", "ada@example.org", "", app.RoleAdmin))
	admin.get("/reports/learners/"+itoa(id)).wantStatus(t, fiber.StatusOK)
	admin.post("/reports/learners/"+itoa(id)+"/erase", url.Values{}).wantStatus(t, fiber.StatusUnprocessableEntity)
	admin.post("/reports/learners/"+itoa(id)+"/erase", url.Values{"erase_reason": {"letter to the DPO"}}).wantRedirect(t, "/reports/learners/"+itoa(id)+"?done=erased")
	v := s.newClient(t).get("/verify/" + app.FormatCode(cert.Code))
	v.wantStatus(t, fiber.StatusOK)
	if !strings.Contains(string(v.body), "The holder's details were removed at their request.") || strings.Contains(string(v.body), "Alex Learner") {
		i := strings.Index(string(v.body), "Name")
		t.Errorf("verification after erasure:\n%s", string(v.body)[max(0, i-100):min(len(v.body), i+400)])
	}
	if c.get("/course").StatusCode != fiber.StatusSeeOther {
		t.Error("the erased account's session survived")
	}
}

// A verified learner who names a manager gets them an email with a link
// to accept; someone with no account gets an invitation, and once they
// have an account with that verified address the link makes them the
// learner's manager. The learner is told when accepted.
func TestManagerNamedAndInvited(t *testing.T) {
	st := storetest.SQLite(t)
	s, smtp := newMailTestServer(t, st)
	learner := s.signUpVerified(t, smtp, "Alex Learner", "alex@example.org") // names manager@example.org
	inv := smtp.Wait(t, "manager@example.org", "Someone named you as their line manager", mailWait)
	if !strings.Contains(inv.Text, "Alex Learner") || !strings.Contains(inv.Text, "do not have an account") {
		t.Errorf("invitation text:\n%s", inv.Text)
	}
	link := linkPath(t, inv, "/manager-invitation")
	page := s.newClient(t).get(link)
	page.wantStatus(t, fiber.StatusOK)
	if findFirst(page.html(t), element("a", "href", "/register")) == nil {
		t.Error("the invitation page does not offer to create an account")
	}
	// The manager registers with the invited address and confirms it.
	s.signUpVerified(t, smtp, "Mo Manager", "manager@example.org")
	mo := signIn(t, s, "manager@example.org", strongPassword)
	mo.get(link).wantStatus(t, fiber.StatusOK)
	token, _ := url.ParseQuery(strings.TrimPrefix(link, "/manager-invitation?"))
	mo.post("/manager-invitation", url.Values{"token": {token.Get("token")}}).wantRedirect(t, "/staff")
	if !strings.Contains(string(mo.get("/staff/"+itoa(learner)).body), "Alex Learner") {
		t.Error("the invited manager cannot see the learner after accepting")
	}
	smtp.Wait(t, "alex@example.org", "Your manager can now see your training", mailWait)
	if n := s.count(t, "audit_log", "action = ?", "became a manager by accepting an invitation"); n != 1 {
		t.Errorf("%d audit entries for the new manager role, want 1", n)
	}
	mo.post("/manager-invitation", url.Values{"token": {token.Get("token")}}).wantStatus(t, fiber.StatusGone)
}
