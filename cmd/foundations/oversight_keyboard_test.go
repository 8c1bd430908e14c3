package main

import (
	"strings"
	"testing"
)

// TestOversightByKeyboardWithoutJavaScript does the new manager and
// coordinator steps with JavaScript off and only the keyboard, checking
// the focus is visible at each press: a manager lands on "My staff",
// accepts one person, declines another who named them by mistake (are you
// sure, yes) and filters the list; a coordinator searches the audit trail, sorts the
// question analysis, and revokes a certificate (are you sure, yes).
func TestOversightByKeyboardWithoutJavaScript(t *testing.T) {
	t.Parallel()
	chromium := requireTool(t, "chromium", "/usr/bin/chromium")
	course := loadTestCourse(t)
	env := []string{"DATA_DIR=" + t.TempDir()}
	runCommand(t, env, "", "demo", "--learners", "30", "--password", demoPassword)
	managerEmail, coordinatorEmail := "kim.manager@example.org", "kit.coordinator@example.org"
	runCommand(t, env, demoPassword+"\n", "users", "add", "--role", "manager", "--email", managerEmail, "--name", "Kim Manager")
	runCommand(t, env, demoPassword+"\n", "users", "add", "--role", "coordinator", "--email", coordinatorEmail, "--name", "Kit Coordinator")
	srv := startServer(t, env)
	registerWithManager(t, newHTTPClient(t), srv.url, "Ned Named", "ned.named@example.org", managerEmail)
	registerWithManager(t, newHTTPClient(t), srv.url, "Ola Staff", "ola.staff@example.org", managerEmail)
	browser := startBrowser(t, chromium)

	manager := newTab(t, browser, srv.url, course, tabOptions{noJS: true})
	signInTab(manager, managerEmail)
	manager.expectPath("a manager after signing in", "/staff")
	k := &keyboard{j: manager, seen: map[string]bool{}}
	k.tabTo("reach Accept for Ola", `el.matches('form[action$="/accept"] button') && el.textContent.includes('Ola')`, 60)
	if got := k.enter("accept Ola"); got != 200 {
		t.Fatalf("accept: status %d", got)
	}
	if banner := eval[string](manager, "read the banner", `(document.querySelector('.govuk-notification-banner--success') || {textContent: ''}).textContent`); !strings.Contains(banner, "You accepted Ola Staff.") {
		t.Errorf("after accepting, the page says %q", banner)
	}
	manager.openWant("/staff", 200)
	k.tabTo("reach Not my staff", `el.matches('form[action$="/decline"] button')`, 60)
	if got := k.enter("not my staff"); got != 200 {
		t.Fatalf("Not my staff: status %d, want the question", got)
	}
	if h := eval[string](manager, "read the heading", `document.querySelector('h1').textContent`); h != "Are you sure you are not Ned Named's line manager?" {
		t.Errorf("declining asks %q", h)
	}
	k.tabTo("reach Yes", `el.matches('button.govuk-button--warning')`, 40)
	if got := k.enter("yes, not my staff"); got != 200 {
		t.Fatalf("confirming: status %d", got)
	}
	manager.expectPath("after declining", "/staff?done=declined")
	if eval[bool](manager, "look for Ned", `document.body.textContent.includes('ned.named@example.org')`) {
		t.Error("Ned is still on the manager's list")
	}
	k.tabTo("reach the Show filter", `el.id === 'field-show'`, 60)
	manager.press("Awaiting") // a select takes typed text without JavaScript too
	k.tabTo("reach the Show button", `el.matches('form[action="/staff"] button')`, 5)
	if got := k.enter("filter"); got != 200 {
		t.Fatalf("filter: status %d", got)
	}
	if p := manager.path(); !strings.Contains(p, "show=awaiting") {
		t.Errorf("after filtering, on %s", p)
	}

	coord := newTab(t, browser, srv.url, course, tabOptions{noJS: true})
	signInTab(coord, coordinatorEmail)
	kc := &keyboard{j: coord, seen: map[string]bool{}}
	coord.openWant("/reports/questions", 200)
	kc.tabTo("reach the Correct heading", `el.matches('th a[href^="/reports/questions?sort=correct"]')`, 60)
	if got := kc.enter("sort by share correct"); got != 200 {
		t.Fatalf("sort: status %d", got)
	}
	if sort := eval[string](coord, "read aria-sort", `[...document.querySelectorAll('th')].find(th => th.textContent.trim() === 'Correct').getAttribute('aria-sort')`); sort != "ascending" {
		t.Errorf("after sorting, the Correct column says aria-sort=%q", sort)
	}

	coord.openWant("/reports/learners?status=completed", 200)
	learner := eval[string](coord, "find a completed learner", `document.querySelector('table a[href^="/reports/learners/"]').getAttribute('href')`)
	if learner == "" {
		t.Fatal("no completed learner in the demo data")
	}
	coord.openWant(learner, 200)
	kc.tabTo("reach the reason", `el.id === 'field-reason'`, 80)
	kc.typeText("Issued to the wrong person")
	kc.tabTo("reach Revoke", `el.matches('form[action$="/revoke"] button')`, 5)
	if got := kc.enter("revoke"); got != 200 {
		t.Fatalf("revoke: status %d, want the question", got)
	}
	if h := eval[string](coord, "read the heading", `document.querySelector('h1').textContent`); !strings.HasPrefix(h, "Are you sure you want to revoke") {
		t.Errorf("revoking asks %q", h)
	}
	kc.tabTo("reach Yes, revoke", `el.matches('button.govuk-button--warning')`, 40)
	kc.enter("yes, revoke")
	coord.expectPath("after revoking", learner+"?done=revoked")

	coord.openWant("/reports/audit", 200)
	kc.tabTo("reach the audit search", `el.id === 'field-q'`, 60)
	kc.typeText("revoked")
	if got := coord.follow("search by Enter", keyPress("\r")); got != 200 {
		t.Fatalf("search: status %d", got)
	}
	if text := eval[string](coord, "read the table", `document.querySelector('tbody').textContent`); !strings.Contains(text, "revoked certificate") || !strings.Contains(text, "Issued to the wrong person") {
		t.Errorf("the audit search for 'revoked' shows %q", text[:min(200, len(text))])
	}
	if p := coord.path(); p != "/reports/audit?q=revoked" {
		t.Errorf("searching the audit trail: on %s", p)
	}
	srv.stop(t)
}
