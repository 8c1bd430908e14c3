package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
)

// TestOfflineAnswersArrive gives answers to module 1, with JavaScript on,
// while the page cannot reach the server, twice. First the server is stopped
// (SIGTERM): the answer says "Not saved yet", and when the server is back on
// the same database and port the page's retries deliver it. Then the browser
// loses its network (DevTools network emulation): more answers and a typed
// reflection wait on the device, Submit keeps the learner on the page, and
// when the network returns they are sent. The status says "Saved" and a
// fresh page from the server shows every answer.
func TestOfflineAnswersArrive(t *testing.T) {
	t.Parallel()
	chromium := requireTool(t, "chromium", "/usr/bin/chromium")
	course := loadTestCourse(t)
	env := []string{"DATA_DIR=" + t.TempDir()}
	srv := startServer(t, env)
	j := newTab(t, startBrowser(t, chromium), srv.url, course, tabOptions{})
	registerTab(j, "offline@example.org")

	m1 := course.Modules[0]
	j.openWant("/modules/"+m1.ID, 200)
	var choices []*app.Question
	var reflection *app.Question
	for _, q := range m1.Questions() {
		switch {
		case q.Type == app.QuestionReflection:
			reflection = q
		case len(choices) < 3:
			choices = append(choices, q)
		}
	}
	if reflection == nil {
		t.Fatalf("module %s has no reflection question to type into", m1.ID)
	}
	notSaved := `document.getElementById('save-status').dataset.state === 'offline' && document.getElementById('save-status').textContent.startsWith('Not saved yet')`
	saved := `document.getElementById('save-status').dataset.state === 'saved' && document.getElementById('save-status').textContent.startsWith('Saved')`

	// The server goes away and comes back.
	srv.stop(t)
	j.choose(choices[0], correctOptions(choices[0])...)
	j.waitFor("Not saved yet with the server stopped", notSaved, 10*time.Second)
	srv = startServerOn(t, srv.port(), env)
	j.waitFor("Saved once the server is back", saved, 30*time.Second)

	// The network goes away and comes back.
	j.setOffline(true)
	for _, q := range choices[1:] {
		j.choose(q, correctOptions(q)...)
	}
	note := "Written while offline: Zoë’s note ✓"
	j.do("type a reflection", chromedp.SendKeys(chromedp.CSS("#field-"+reflection.ID), note))
	j.waitFor("Not saved yet with the network down", notSaved, 10*time.Second)
	pending := eval[map[string][]string](j, "read the device queue", fmt.Sprintf(`JSON.parse(localStorage.getItem(%s) || '{}')`, pendingKeyJS(m1.ID)))
	for _, q := range append(choices[1:], reflection) {
		if len(pending[q.ID]) == 0 {
			t.Errorf("offline, question %s is not kept on the device: %v", q.ID, pending)
		}
	}
	j.do("press Submit module offline", chromedp.Click(chromedp.CSS(`button[name="action"][value="submit"]`)))
	j.waitFor("the offline message, focused", `document.getElementById('save-status').textContent.startsWith('You seem to be offline') && document.activeElement === document.getElementById('save-status')`, 10*time.Second)
	j.expectPath("after Submit offline", "/modules/"+m1.ID)
	j.setOffline(false)
	j.waitFor("Saved once the network is back", saved, 40*time.Second)
	if left := eval[bool](j, "read the device queue", fmt.Sprintf(`localStorage.getItem(%s) !== null`, pendingKeyJS(m1.ID))); left {
		t.Error("after Saved, answers are still queued on the device")
	}

	j.do("reload the module", chromedp.Reload())
	for _, q := range choices {
		for i, o := range q.Options {
			sel := optionSelector(q, i)
			if got := eval[bool](j, "read "+sel, fmt.Sprintf(`document.querySelector(%q).defaultChecked`, sel)); got != o.Correct {
				t.Errorf("after coming back online, the page the server sent has %s checked=%v, want %v", sel, got, o.Correct)
			}
		}
	}
	if got := eval[string](j, "read the reflection", fmt.Sprintf(`document.querySelector(%q).defaultValue`, "#field-"+reflection.ID)); got != note {
		t.Errorf("after coming back online, the reflection reads %q, want %q", got, note)
	}
	srv.stop(t)
}

// waitFor waits up to timeout for a JavaScript condition on the page.
func (j *journey) waitFor(step, condition string, timeout time.Duration) {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, timeout+time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](condition,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		status, _ := chromedp.Run(j.ctx, chromedp.Evaluate[string](`(document.getElementById('save-status') || {}).textContent || ''`))
		j.t.Fatalf("%s: not within %s (save status: %q): %v", step, timeout, status, err)
	}
}

// setOffline cuts the tab off the network, or reconnects it, as a phone
// losing its signal would: requests fail and navigator.onLine changes.
func (j *journey) setOffline(off bool) {
	j.t.Helper()
	j.do("set the network offline="+fmt.Sprint(off), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		var rules []*network.Conditions
		if off {
			rules = []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}
		}
		if err := call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: rules}); err != nil {
			return err
		}
		return call(ctx, tg, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1})
	}))
}

// clockShim lets a test move the page's clock forward: Date.now() (which
// the session time-out uses) runs ahead by what window.advanceClock(ms) adds.
// It is injected by the test through DevTools, never served.
const clockShim = `(() => {
	const realNow = Date.now.bind(Date);
	let offset = 0;
	window.advanceClock = ms => { offset += ms; };
	Date.now = () => realNow() + offset;
})();`

// TestSessionTimeout runs the server with SESSION_IDLE_TIMEOUT=3m (the
// least allowed) and fast-forwards the page's clock instead of waiting: the
// warning dialog opens two minutes before the end, takes focus, passes
// axe-core, and "Stay signed in" (pressed with Enter) closes it. Then the
// server ends the session (its rows are deleted through the store, as the
// sweeper would), an answer given afterwards is kept on the device, the page
// goes to sign in when time runs out, and signing in returns to the module
// with every answer.
func TestSessionTimeout(t *testing.T) {
	t.Parallel()
	chromium := requireTool(t, "chromium", "/usr/bin/chromium")
	axe := optionalAxe(t)
	course := loadTestCourse(t)
	dataDir := t.TempDir()
	srv := startServer(t, []string{"DATA_DIR=" + dataDir, "SESSION_IDLE_TIMEOUT=3m"})
	j := newTab(t, startBrowser(t, chromium), srv.url, course, tabOptions{onLoad: clockShim})
	email := "timeout@example.org"
	registerTab(j, email)

	m1 := course.Modules[0]
	j.openWant("/modules/"+m1.ID, 200)
	if got := eval[string](j, "read the time-out", `document.body.dataset.sessionTimeout`); got != "180" {
		t.Fatalf("body data-session-timeout=%q, want 180", got)
	}
	qs := m1.Questions()
	j.waitSaved("answer the first question", chromedp.Click(chromedp.CSS(optionSelector(qs[0], 0))))

	// 100 seconds left: the warning opens.
	j.do("move the clock on 80s", chromedp.Evaluate[chromedp.Void](`advanceClock(80000)`))
	j.do("wait for the warning", chromedp.Poll[chromedp.Void](`document.querySelector('dialog.app-timeout-dialog') && document.querySelector('dialog.app-timeout-dialog').open`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second)))
	d := eval[struct {
		Role, Modal, Title, Text string
		Focus                    bool
	}](j, "read the warning", `(() => {
		const d = document.querySelector('dialog.app-timeout-dialog');
		return {role: d.getAttribute('role'), modal: d.getAttribute('aria-modal'), title: document.getElementById(d.getAttribute('aria-labelledby')).textContent,
			text: d.textContent.replace(/\s+/g, ' '), focus: document.activeElement === d.querySelector('[data-timeout-stay]')};
	})()`)
	if d.Role != "alertdialog" || d.Modal != "true" || d.Title != "You will be signed out soon" || !d.Focus {
		t.Errorf("the warning dialog: %+v; want an alertdialog, modal, titled, with focus on Stay signed in", d)
	}
	if !strings.Contains(d.Text, "1 minute") {
		t.Errorf("the warning does not say how long is left: %q", d.Text)
	}
	if axe != "" {
		j.checkAxe("session time-out warning", axe)
	}
	j.press(kb.Enter)
	j.do("wait for the warning to close", chromedp.Poll[chromedp.Void](`!document.querySelector('dialog.app-timeout-dialog').open`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second)))

	// The server ends the session; an answer given now stays on the device.
	st, err := store.Open("", filepath.Join(dataDir, "foundations.db"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := st.DeleteExpiredSessions(context.Background(), time.Now().Add(24*time.Hour))
	st.Close()
	if err != nil || n == 0 {
		t.Fatalf("end the session in the database: %d sessions deleted, %v", n, err)
	}
	second := qs[1]
	j.do("answer after the session ended", chromedp.Click(chromedp.CSS(optionSelector(second, 0))))
	j.do("wait for the signed-out message", chromedp.Poll[chromedp.Void](`document.getElementById('save-status').textContent.startsWith('You have been signed out')`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))

	// Time runs out: the page goes to sign in, which leads back.
	j.follow("let the time run out", chromedp.Evaluate[chromedp.Void](`advanceClock(200000)`))
	j.expectPath("after the time-out", "/sign-in?next=%2Fmodules%2F"+m1.ID+"&timeout=1")
	if got := j.text(".govuk-notification-banner__heading"); !strings.HasPrefix(got, "You were signed out because you were inactive") {
		t.Errorf("the sign-in page after a time-out says %q", got)
	}
	j.do("type the email and password",
		chromedp.SendKeys(chromedp.CSS("#field-email"), email),
		chromedp.SendKeys(chromedp.CSS("#field-password"), demoPassword))
	j.follow("sign in again", chromedp.Click(chromedp.CSS(`form[action="/sign-in"] button`)))
	j.expectPath("after signing in again", "/modules/"+m1.ID)
	j.settleSaves(m1)
	j.do("reload the module", chromedp.Reload())
	for _, sel := range []string{optionSelector(qs[0], 0), optionSelector(second, 0)} {
		if !eval[bool](j, "read "+sel, fmt.Sprintf(`document.querySelector(%q).defaultChecked`, sel)) {
			t.Errorf("after signing in again, %s is not checked in the page the server sent", sel)
		}
	}
	srv.stop(t)
}

// optionalAxe is axe-core's source, or "" outside CI when it is not installed.
func optionalAxe(t *testing.T) string {
	t.Helper()
	if os.Getenv("CI") == "true" {
		return axeSource(t)
	}
	var src string
	t.Run("axe-core", func(t *testing.T) { src = axeSource(t) })
	return src
}

// registerTab registers a learner through the form and lands on the task list.
func registerTab(j *journey, email string) {
	j.t.Helper()
	j.openWant("/register", 200)
	org := eval[string](j, "find an organisation", `[...document.querySelectorAll('#field-organisation option')].find(o => o.value !== '').value`)
	j.do("fill in the registration form",
		chromedp.SendKeys(chromedp.CSS("#field-name"), learnerName),
		chromedp.SendKeys(chromedp.CSS("#field-email"), email),
		chromedp.SendKeys(chromedp.CSS("#field-password"), demoPassword),
		chromedp.SetValue(chromedp.CSS("#field-organisation"), org),
		chromedp.SendKeys(chromedp.CSS("#field-job_role"), "Health visitor"),
	)
	j.follow("create the account", chromedp.Click(chromedp.CSS(`form[action="/register"] button`)))
	j.expectPath("after registering", "/course")
}
