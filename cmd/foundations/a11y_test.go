package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/foundations/foundations/app"
	_ "github.com/glebarez/sqlite" // registers the "sqlite" driver, to break the database for the 500 page
	"golang.org/x/net/html"
)

// demoPassword is every demo and test account's password in the browser tests.
const demoPassword = "kettle meadow violin 42"

// TestAccessibility shows every page of the service, in every state a
// person meets it in, to axe-core in Chromium (WCAG 2.2 A and AA: no
// violations allowed), in the default and the high-contrast theme, and
// checks that at 320 CSS pixels wide no page scrolls sideways. The data
// comes from the program's own commands (demo, users add) and from people
// using the pages. It runs on the embedded SQLite only: the pages are the
// same on PostgreSQL, which the journey test covers.
func TestAccessibility(t *testing.T) {
	t.Parallel()
	chromium := requireTool(t, "chromium", "/usr/bin/chromium")
	axe := axeSource(t)
	course := loadTestCourse(t)
	exit := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<!DOCTYPE html><title>Weather</title><p>Sunny spells.")
	}))
	defer exit.Close()

	dataDir := t.TempDir()
	env := []string{"DATA_DIR=" + dataDir, "QUICK_EXIT_URL=" + exit.URL + "/weather"}
	runCommand(t, env, "", "demo", "--learners", "60", "--password", demoPassword)
	managerEmail, coordinatorEmail := "mo.manager@example.org", "cora.coordinator@example.org"
	runCommand(t, env, demoPassword+"\n", "users", "add", "--role", "manager", "--email", managerEmail, "--name", "Mo Manager")
	runCommand(t, env, demoPassword+"\n", "users", "add", "--role", "coordinator", "--email", coordinatorEmail, "--name", "Cora Coordinator")
	adminEmail := "ada.admin@example.org"
	runCommand(t, env, demoPassword+"\n", "users", "add", "--role", "admin", "--email", adminEmail, "--name", "Ada Admin")
	srv := startServer(t, env)

	browser := startBrowser(t, chromium)
	a := &a11yRun{t: t, axe: axe}
	anon := newTab(t, browser, srv.url, course, tabOptions{})
	learner := newTab(t, browser, srv.url, course, tabOptions{})
	manager := newTab(t, browser, srv.url, course, tabOptions{})
	coordinator := newTab(t, browser, srv.url, course, tabOptions{})
	admin := newTab(t, browser, srv.url, course, tabOptions{})
	start := time.Now()

	// Signed out.
	a.page(anon, "start page", "/", 200)
	a.page(anon, "register", "/register", 200)
	a.state(anon, "register with errors", func() {
		anon.openWant("/register", 200)
		anon.do("type a short password", chromedp.SendKeys(chromedp.CSS("#field-password"), "short"))
		if got := anon.follow("submit an incomplete registration", chromedp.Click(chromedp.CSS(`form[action="/register"] button`))); got != 422 {
			t.Errorf("an incomplete registration: status %d, want 422", got)
		}
	})
	a.page(anon, "sign in", "/sign-in", 200)
	a.page(anon, "sign in after a time-out", "/sign-in?timeout=1&next=%2Fcourse", 200)
	a.state(anon, "sign in with errors", func() {
		anon.openWant("/sign-in", 200)
		anon.do("type a wrong password",
			chromedp.SendKeys(chromedp.CSS("#field-email"), "nobody@example.org"),
			chromedp.SendKeys(chromedp.CSS("#field-password"), "not the password at all"))
		if got := anon.follow("sign in wrongly", chromedp.Click(chromedp.CSS(`form[action="/sign-in"] button`))); got != 422 {
			t.Errorf("a wrong password: status %d, want 422", got)
		}
	})
	a.page(anon, "accessibility statement", "/accessibility", 200)
	a.page(anon, "references and further reading", "/references", 200)
	a.page(anon, "glossary", "/glossary", 200)
	a.page(anon, "local contacts", "/contacts", 200)
	a.page(anon, "check a certificate", "/verify", 200)
	a.page(anon, "check a certificate with a malformed code", "/verify?code=nonsense", 404)
	a.page(anon, "verification of an unknown code", "/verify/ABCD-EFGH-JKLM-NPQR-STUV-WXYZ", 404)
	a.page(anon, "404 signed out", "/no-such-page", 404)
	a.page(anon, "forgotten password, no mail server", "/forgot-password", 200)
	a.page(anon, "privacy notice", "/privacy", 200)
	a.page(anon, "a reset link that is not valid", "/reset-password?token=not-a-token", 404)

	// A learner, from registering to the certificate.
	learnerEmail := "zoe.a11y@example.org"
	learner.openWant("/register", 200)
	org := eval[string](learner, "find an organisation", `[...document.querySelectorAll('#field-organisation option')].find(o => o.value !== '').value`)
	learner.do("fill in the registration form",
		chromedp.SendKeys(chromedp.CSS("#field-name"), learnerName),
		chromedp.SendKeys(chromedp.CSS("#field-email"), learnerEmail),
		chromedp.SendKeys(chromedp.CSS("#field-password"), demoPassword),
		chromedp.SetValue(chromedp.CSS("#field-organisation"), org),
		chromedp.SendKeys(chromedp.CSS("#field-job_role"), "Health visitor"),
		chromedp.SendKeys(chromedp.CSS("#field-manager_email"), managerEmail),
	)
	learner.follow("create the account", chromedp.Click(chromedp.CSS(`form[action="/register"] button`)))
	learner.expectPath("after registering", "/course")
	a.page(learner, "task list, nothing started", "/course", 200)
	a.page(learner, "knowledge check before the course", "/knowledge-check/before", 200)
	learner.follow("send the knowledge check", chromedp.Click(chromedp.CSS(`form[action="/knowledge-check/before"] button`)))
	learner.expectPath("after the knowledge check", "/course?checked=before")
	a.page(learner, "task list after the knowledge check", "/course?checked=before", 200)

	m1 := course.Modules[0]
	a.page(learner, "module 1 without answers", "/modules/"+m1.ID, 200)
	for _, m := range course.Modules {
		a.page(learner, fmt.Sprintf("module %d one-page summary", m.Number), "/modules/"+m.ID+"/summary", 200)
	}
	learner.openWant("/modules/"+m1.ID, 200)
	first := m1.Questions()[0]
	learner.choose(first, correctOptions(first)...)
	learner.settleSaves(m1)
	a.page(learner, "task list, in progress", "/course", 200)
	a.page(learner, "certificate before completing the course", "/certificate", 404)

	var skip *app.Question
	for _, q := range m1.Questions() {
		if q.Required && q.Scored() {
			skip = q
		}
	}
	learner.openWant("/modules/"+m1.ID, 200)
	learner.answerModule(m1, nil, skip.ID)
	learner.settleSaves(m1)
	a.page(learner, "module 1 with answers", "/modules/"+m1.ID, 200)
	a.state(learner, "module 1 after Save answers (where it lands)", func() {
		learner.openWant("/modules/"+m1.ID+"?saved=1", 200)
		learner.do("go to #save", chromedp.Evaluate[chromedp.Void](`location.hash = 'save'`))
	})
	a.state(learner, "module 1 error summary after a refused submit", func() {
		learner.openWant("/modules/"+m1.ID, 200)
		if got := learner.submitModule("submit with a question unanswered"); got != 422 {
			t.Errorf("submitting with a question unanswered: status %d, want 422", got)
		}
	})
	wrong := map[string]bool{}
	for _, q := range m1.Questions() {
		if q.Scored() && len(wrong) < 3 {
			wrong[q.ID] = true
		}
	}
	learner.answerModule(m1, wrong, "")
	learner.submitModule("submit module 1 with wrong answers")
	a.page(learner, "result, not passed", "/modules/"+m1.ID+"/result", 200)
	learner.openWant("/modules/"+m1.ID, 200)
	learner.answerModule(m1, nil, "")
	learner.submitModule("submit module 1 again")
	learner.expectPassed(m1)
	a.page(learner, "result, passed", "/modules/"+m1.ID+"/result", 200)
	a.page(learner, "module 1 after passing (read only)", "/modules/"+m1.ID, 200)
	for _, m := range course.Modules[1:] {
		a.page(learner, fmt.Sprintf("module %d without answers", m.Number), "/modules/"+m.ID, 200)
		learner.answerModule(m, nil, "")
		learner.settleSaves(m)
		a.page(learner, fmt.Sprintf("module %d with answers", m.Number), "/modules/"+m.ID, 200)
		learner.submitModule(fmt.Sprintf("submit module %d", m.Number))
		learner.expectPassed(m)
	}
	a.page(learner, "result of the last module", "/modules/"+course.Modules[len(course.Modules)-1].ID+"/result", 200)
	a.page(learner, "task list, all passed, evaluation open", "/course", 200)
	a.page(learner, "knowledge check after the course", "/knowledge-check/after", 200)
	learner.follow("send the knowledge check again", chromedp.Click(chromedp.CSS(`form[action="/knowledge-check/after"] button`)))
	learner.expectPath("after the second knowledge check", "/course?checked=after")
	a.page(learner, "evaluation", "/evaluation", 200)
	a.state(learner, "evaluation with errors", func() {
		learner.openWant("/evaluation", 200)
		if got := learner.follow("send an empty evaluation", chromedp.Click(chromedp.CSS(`form[action="/evaluation"] button`))); got != 422 {
			t.Errorf("an empty evaluation: status %d, want 422", got)
		}
	})
	learner.openWant("/evaluation", 200)
	for _, it := range course.Evaluation {
		if it.Type == app.EvalLikert {
			learner.do("rate "+it.ID, chromedp.Click(chromedp.CSS("#field-"+it.ID+"-4")))
		}
	}
	learner.follow("send the evaluation", chromedp.Click(chromedp.CSS(`form[action="/evaluation"] button`)))
	learner.expectPath("after the evaluation", "/certificate?issued=1")
	a.page(learner, "certificate, just issued", "/certificate?issued=1", 200)
	a.page(learner, "certificate", "/certificate", 200)
	a.page(learner, "task list, completed", "/course", 200)
	code := learner.summaryValue("Certificate code")
	a.page(anon, "verification of a valid certificate", "/verify/"+code, 200)
	a.page(learner, "your details", "/profile", 200)
	a.state(learner, "your details with errors", func() {
		learner.openWant("/profile", 200)
		learner.do("clear the name", chromedp.Evaluate[chromedp.Void](`document.getElementById('field-name').value = ''`))
		if got := learner.follow("save without a name", chromedp.Click(chromedp.CSS(`form[action="/profile"] button`))); got != 422 {
			t.Errorf("details without a name: status %d, want 422", got)
		}
	})
	a.page(learner, "accessibility statement signed in", "/accessibility", 200)
	a.page(learner, "change your password", "/profile/password", 200)
	a.page(learner, "emails you get", "/profile/emails", 200)
	a.state(learner, "change your password with errors", func() {
		learner.openWant("/profile/password", 200)
		if got := learner.follow("change without the current password", chromedp.Click(chromedp.CSS(`form[action="/profile/password"] button`))); got != 422 {
			t.Errorf("a change of password without the current one: status %d, want 422", got)
		}
	})
	a.page(learner, "404 signed in", "/modules/no-such-module", 404)

	// Another learner names the same manager and is left waiting.
	other := newHTTPClient(t)
	registerWithManager(t, other, srv.url, "Ola Other", "ola.other@example.org", managerEmail)

	// The manager accepts the first learner and confirms their training.
	signInTab(manager, managerEmail)
	manager.openWant("/staff", 200)
	learnerID := eval[string](manager, "find the learner's accept button", fmt.Sprintf(`(() => {
		const row = [...document.querySelectorAll('tr')].find(r => r.textContent.includes(%q));
		return row ? row.querySelector('form').getAttribute('action').split('/')[2] : '';
	})()`, learnerEmail))
	if learnerID == "" {
		t.Fatalf("the learner who named the manager is not waiting on /staff")
	}
	manager.follow("accept the learner", chromedp.Click(chromedp.CSS(`form[action="/staff/`+learnerID+`/accept"] button`)))
	a.page(manager, "my staff, waiting and accepted", "/staff", 200)
	manager.shots = screenshotDir
	manager.openWant("/staff", 200) // in the default theme for the README
	manager.shot("staff", "")
	a.page(manager, "a member of staff", "/staff/"+learnerID, 200)
	manager.do("write a note", chromedp.SendKeys(chromedp.CSS("#field-note"), "Discussed in supervision."))
	manager.follow("confirm the training", chromedp.Click(chromedp.CSS(`form[action="/staff/`+learnerID+`/confirm"] button`)))
	a.page(manager, "a member of staff, training confirmed", "/staff/"+learnerID+"?confirmed=1", 200)
	a.page(manager, "my staff, after accepting someone", "/staff?done=accepted&id="+learnerID, 200)
	a.page(manager, "my staff, awaiting confirmation", "/staff?show=awaiting", 200)
	a.page(manager, "my staff, sorted by completion, none matching", "/staff?show=expired&sort=completed&dir=desc", 200)
	a.page(learner, "course page, accepted and confirmed by the manager", "/course", 200)
	// Ola named this manager by mistake: "Not my staff", are you sure, yes.
	declineOla := `form[action$="/decline"]:has(button) button`
	a.state(manager, "my staff: are you sure they are not your staff?", func() {
		manager.openWant("/staff", 200)
		if got := manager.follow("not my staff", chromedp.Click(chromedp.CSS(declineOla))); got != 200 {
			t.Errorf("asking to decline: status %d, want the confirmation page", got)
		}
	})
	manager.follow("confirm declining", chromedp.Click(chromedp.CSS(`form[action$="/decline"] button.govuk-button--warning`)))
	a.page(manager, "my staff, after declining someone", "/staff?done=declined", 200)
	declined := newTab(t, browser, srv.url, course, tabOptions{})
	signInTab(declined, "ola.other@example.org")
	a.page(declined, "course page after the named manager declined", "/course", 200)

	// An administrator, while the local contacts are the example defaults
	// (this server sets none of them).
	signInTab(admin, adminEmail)
	a.page(admin, "task list with the administrator's local contacts warning", "/course", 200)
	if !strings.Contains(eval[string](admin, "read the warning", `document.body.innerText`), "Local contacts are not set up yet") {
		t.Error("the administrator is not warned that the local contacts are unset")
	}

	// The coordinator's reports.
	signInTab(coordinator, coordinatorEmail)
	a.page(coordinator, "reports dashboard", "/reports", 200)
	coordinator.shots = screenshotDir
	coordinator.openWant("/reports", 200)
	coordinator.shot("dashboard", "")
	a.page(coordinator, "learners", "/reports/learners", 200)
	coordinator.openWant("/reports/learners", 200)
	coordinator.shot("learners", "")
	a.page(coordinator, "learners, page 2", "/reports/learners?page=2", 200)
	a.page(coordinator, "learners, filtered", "/reports/learners?q=zoe&status=completed&sort=completed&dir=desc", 200)
	a.page(coordinator, "reports dashboard, with organisations that have no learners", "/reports?empty=show&month=2026-01", 200)
	a.page(coordinator, "reports dashboard, a month that is not one", "/reports?month=March", 422)
	a.page(coordinator, "learners, a date that is not one", "/reports/learners?from=yesterday&to=2020-01-01", 422)
	a.page(coordinator, "a learner's record", "/reports/learners/"+learnerID, 200)
	a.page(coordinator, "question analysis", "/reports/questions", 200)
	a.page(coordinator, "question analysis, weakest first", "/reports/questions?sort=correct", 200)
	a.page(coordinator, "organisations", "/reports/organisations", 200)
	a.state(coordinator, "organisations with errors", func() {
		coordinator.openWant("/reports/organisations", 200)
		if got := coordinator.follow("add an organisation without a name", chromedp.Click(chromedp.CSS(`form[action="/reports/organisations"] button`))); got != 422 {
			t.Errorf("an organisation without a name: status %d, want 422", got)
		}
	})
	a.state(coordinator, "revoking a certificate: are you sure?", func() {
		coordinator.openWant("/reports/learners/"+learnerID, 200)
		coordinator.do("give a reason", chromedp.SendKeys(chromedp.CSS("#field-reason"), "Issued to the wrong person"),
			chromedp.SendKeys(chromedp.CSS("#field-public_reason"), "Issued in error"))
		if got := coordinator.follow("revoke the certificate", chromedp.Click(chromedp.CSS(`form[action$="/revoke"] button`))); got != 200 {
			t.Errorf("asking to revoke: status %d, want the confirmation page", got)
		}
	})
	coordinator.follow("confirm revoking", chromedp.Click(chromedp.CSS(`form[action$="/revoke"] button.govuk-button--warning`)))
	a.page(coordinator, "a learner's record after revoking", "/reports/learners/"+learnerID+"?done=revoked", 200)
	a.page(coordinator, "audit trail", "/reports/audit", 200)
	a.page(coordinator, "audit trail, searched", "/reports/audit?q=revoked", 200)
	a.page(admin, "email delivery", "/admin/email", 200)
	a.page(admin, "learning platforms (LTI)", "/admin/lti", 200)
	a.page(admin, "register a learning platform", "/admin/lti/new", 200)
	a.page(admin, "a learner's record as administrator", "/reports/learners/"+learnerID, 200)
	a.state(coordinator, "a one-time password reset link", func() {
		coordinator.openWant("/reports/learners/"+learnerID, 200)
		if got := coordinator.follow("create a reset link", chromedp.Click(chromedp.CSS(`form[action$="/reset-link"] button`))); got != 200 {
			t.Errorf("creating a reset link: status %d, want 200", got)
		}
	})
	a.page(anon, "verification of a revoked certificate", "/verify/"+code, 200)
	a.page(learner, "certificate, revoked", "/certificate", 200)

	// 500: the database loses a table under the running server (the
	// program has no test-only way to fail), then gets it back.
	db, err := sql.Open("sqlite", filepath.Join(dataDir, "foundations.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`ALTER TABLE answers RENAME TO answers_away`); err != nil {
		t.Fatalf("break the database: %v", err)
	}
	a.page(learner, "500", "/modules/"+m1.ID, 500)
	if _, err := db.Exec(`ALTER TABLE answers_away RENAME TO answers`); err != nil {
		t.Fatalf("mend the database: %v", err)
	}
	learner.openWant("/modules/"+m1.ID, 200)

	// A name accepted before the name rule, which a certificate cannot
	// print: at sign-in the learner is asked to confirm their name.
	if _, err := db.Exec(`UPDATE users SET name = 'Ola 😀 Other' WHERE email_norm = 'ola.other@example.org'`); err != nil {
		t.Fatalf("give a learner an unprintable name: %v", err)
	}
	ola := newTab(t, browser, srv.url, course, tabOptions{})
	signInTab(ola, "ola.other@example.org")
	ola.expectPath("signing in with an unprintable name", "/confirm-name")
	a.page(ola, "confirm your name", "/confirm-name", 200)
	a.state(ola, "confirm your name with errors", func() {
		ola.openWant("/confirm-name", 200)
		ola.do("type a name with a symbol", chromedp.Evaluate[chromedp.Void](`document.getElementById('field-name').value = 'Ola ✓ Other'`))
		if got := ola.follow("confirm an unprintable name", chromedp.Click(chromedp.CSS(`form[action="/confirm-name"] button`))); got != 422 {
			t.Errorf("confirming an unprintable name: status %d, want 422", got)
		}
	})

	// A demo learner whose certificate expired ten days ago is offered the
	// refresher and starts it (renewing after expiry, as the issue asks).
	var dueEmail string
	var dueID int64
	if err := db.QueryRow(`SELECT u.email_norm, u.id FROM users u JOIN enrolments e ON e.user_id = u.id WHERE e.stage = 'completed' ORDER BY u.id LIMIT 1`).Scan(&dueEmail, &dueID); err != nil {
		t.Fatalf("find a demo learner who has completed: %v", err)
	}
	if _, err := db.Exec(`UPDATE certificates SET expires_at = ? WHERE user_id = ? AND revoked_at IS NULL`, time.Now().UTC().Add(-10*24*time.Hour).Truncate(time.Microsecond), dueID); err != nil {
		t.Fatalf("let the certificate expire: %v", err)
	}
	renew := newTab(t, browser, srv.url, course, tabOptions{})
	signInTab(renew, dueEmail)
	a.page(renew, "task list, certificate expired, refresher open", "/course", 200)
	if !strings.Contains(eval[string](renew, "read the course page", `document.body.innerText`), "Start your refresher") {
		t.Error("an expired certificate's holder is not offered the refresher")
	}
	renew.follow("start the refresher", chromedp.Click(chromedp.CSS(`form[action="/course/refresher"] button`)))
	renew.expectPath("after starting the refresher", "/course?done=refresher")
	a.page(renew, "task list, refresher started", "/course?done=refresher", 200)

	t.Logf("checked %d pages and states with axe-core and at 320px, each also in high contrast, in %s", a.pages, time.Since(start).Round(time.Second))
	recordAccessibilityResults(t, axe, chromium, a.pages)
	srv.stop(t)
}

// a11yRun checks pages and counts them.
type a11yRun struct {
	t     *testing.T
	axe   string
	pages int
}

// page checks a page reached by its URL; see state.
func (a *a11yRun) page(j *journey, name, path string, status int64) {
	a.t.Helper()
	a.state(j, name, func() { j.openWant(path, status) })
}

// state brings the tab into a state with load and checks it with axe-core
// and at 320px wide, then loads it again in the high-contrast theme and
// checks that the same way.
func (a *a11yRun) state(j *journey, name string, load func()) {
	a.t.Helper()
	load()
	if !strings.Contains(eval[string](j, "read the theme", `document.documentElement.className`), "govuk-template") {
		a.t.Fatalf("%s: not a page of the service", name)
	}
	j.checkAxe(name, a.axe)
	j.checkNarrow(name)
	a.pages++

	j.setContrast(true)
	load()
	if !eval[bool](j, "read the theme", `document.documentElement.classList.contains('app-theme-contrast')`) {
		a.t.Errorf("%s: the contrast cookie did not switch the page to high contrast", name)
	}
	j.checkAxe(name+" (high contrast)", a.axe)
	j.checkNarrow(name + " (high contrast)")
	j.setContrast(false)
}

// settleSaves waits until the page's script has sent every answer it holds
// for module m.
func (j *journey) settleSaves(m *app.Module) {
	j.t.Helper()
	j.do("wait for the answers to be saved", chromedp.Poll[chromedp.Void](fmt.Sprintf(
		`localStorage.getItem(%s) === null && document.getElementById('save-status').dataset.state !== 'saving'`, pendingKeyJS(m.ID)),
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
}

// signInTab signs in on the sign-in page with the browser tests' password.
func signInTab(j *journey, email string) {
	j.t.Helper()
	j.openWant("/sign-in", 200)
	j.do("type the email and password",
		chromedp.SendKeys(chromedp.CSS("#field-email"), email),
		chromedp.SendKeys(chromedp.CSS("#field-password"), demoPassword))
	if got := j.follow("sign in as "+email, chromedp.Click(chromedp.CSS(`form[action="/sign-in"] button`))); got != 200 {
		j.t.Fatalf("signing in as %s: status %d", email, got)
	}
}

// registerWithManager registers a learner over HTTP who names a line manager.
func registerWithManager(t *testing.T, c *http.Client, base, name, email, managerEmail string) {
	t.Helper()
	doc := getHTML(t, c, base+"/register", http.StatusOK)
	var org string
	for _, o := range findAll(doc, func(n *html.Node) bool { return n.Data == "option" && hasAncestorID(n, "field-organisation") }) {
		if v := attr(o, "value"); v != "" {
			org = v
			break
		}
	}
	_, path := postForm(t, c, base+"/register", url.Values{
		"_csrf": {csrfToken(t, doc)}, "name": {name}, "email": {email}, "password": {demoPassword},
		"organisation": {org}, "job_role": {"Teacher"}, "manager_email": {managerEmail},
	}, http.StatusOK)
	if path != "/course" {
		t.Fatalf("after registering %s, landed on %s, want /course", email, path)
	}
}
