package main

import (
	"fmt"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/foundations/foundations/app"
)

// TestWithoutJavaScript walks the whole learner's journey in Chromium with
// JavaScript switched off (Emulation.setScriptExecutionDisabled before the
// first page): the high-contrast toggle, registering, module 1 with "Save
// answers", a refused and a failed submit, every module, the evaluation and
// the certificate. The test reads the pages through DevTools, which works
// while the pages' own scripts cannot run.
func TestWithoutJavaScript(t *testing.T) {
	t.Parallel()
	chromium := requireTool(t, "chromium", "/usr/bin/chromium")
	course := loadTestCourse(t)
	srv := startServer(t, []string{"DATA_DIR=" + t.TempDir()})
	j := newTab(t, startBrowser(t, chromium), srv.url, course, tabOptions{noJS: true})

	j.openWant("/", 200)
	if eval[bool](j, "look for the script's mark", `document.documentElement.classList.contains('js-enabled')`) {
		t.Fatal("app.js ran: JavaScript is not switched off")
	}

	// The contrast toggle is a form: it works without JavaScript and the
	// choice follows the person from page to page. Its label says what it
	// will do: "Standard contrast" while high contrast is on.
	contrast := func() bool {
		return eval[bool](j, "read the theme", `document.documentElement.classList.contains('app-theme-contrast') && document.querySelector('.app-contrast-toggle').textContent === 'Standard contrast'`)
	}
	if label := eval[string](j, "read the toggle", `document.querySelector('.app-contrast-toggle').textContent`); label != "High contrast" {
		t.Errorf("in the standard theme the toggle says %q, want High contrast", label)
	}
	if contrast() {
		t.Fatal("the start page is in high contrast before asking")
	}
	j.follow("switch to high contrast", chromedp.Click(chromedp.CSS(".app-contrast-toggle")))
	j.expectPath("after switching to high contrast", "/")
	if !contrast() {
		t.Fatal("the High contrast button did not switch the page to high contrast")
	}
	if bg := eval[string](j, "read the background", `getComputedStyle(document.body).backgroundColor`); bg != "rgb(0, 0, 0)" {
		t.Errorf("high contrast: the page's background is %s, want black", bg)
	}
	j.follow("press Start now", chromedp.Click(chromedp.CSS("a.govuk-button--start")))
	j.expectPath("after Start now", "/register")
	if !contrast() {
		t.Error("high contrast did not persist to the next page")
	}
	j.follow("switch high contrast off", chromedp.Click(chromedp.CSS(".app-contrast-toggle")))
	j.expectPath("after switching high contrast off", "/register")
	if contrast() || eval[bool](j, "read the theme", `document.documentElement.classList.contains('app-theme-contrast')`) {
		t.Error("the High contrast button did not switch high contrast off")
	}

	// Register.
	j.do("fill in the registration form",
		chromedp.SendKeys(chromedp.CSS("#field-name"), learnerName),
		chromedp.SendKeys(chromedp.CSS("#field-email"), "nojs@example.org"),
		chromedp.SendKeys(chromedp.CSS("#field-password"), demoPassword),
		chromedp.Focus(chromedp.CSS("#field-organisation")),
		chromedp.KeyEvent(kb.ArrowDown),
		chromedp.SendKeys(chromedp.CSS("#field-job_role"), "Teacher"),
	)
	j.follow("create the account", chromedp.Click(chromedp.CSS(`form[action="/register"] button`)))
	j.expectPath("after registering", "/course")

	// Module 1: "Save answers" keeps them on the server.
	m1 := course.Modules[0]
	j.follow("open module 1", chromedp.Click(chromedp.CSS(`a[href="/modules/`+m1.ID+`"]`)))
	if got := j.text("#save-status"); got != "" {
		t.Errorf("without JavaScript the save status says %q", got)
	}
	// The module's links to the local contacts, glossary and its one-page
	// summary are plain links to pages that need no script.
	for _, l := range []struct{ href, h1 string }{
		{"/contacts", "If you are worried about a child"}, {"/glossary", "Glossary"}, {"/modules/" + m1.ID + "/summary", m1.Title},
	} {
		j.follow("open "+l.href+" from module 1", chromedp.Click(chromedp.CSS(`main a[href="`+l.href+`"]`)))
		if got := j.text("main h1"); got != l.h1 {
			t.Errorf("%s without JavaScript: heading %q, want %q", l.href, got, l.h1)
		}
		j.openWant("/modules/"+m1.ID, 200)
	}
	qs := m1.Questions()
	j.choose(qs[0], correctOptions(qs[0])...)
	j.choose(qs[1], wrongOptions(qs[1])...)
	j.follow("save answers", chromedp.Click(chromedp.CSS(`button[name="action"][value="save"]`)))
	j.expectPath("after Save answers", "/modules/"+m1.ID+"?saved=1")
	if got := j.text(".govuk-notification-banner__heading"); got != "Your answers have been saved." {
		t.Errorf("after Save answers the banner says %q", got)
	}
	// The page comes back at #save, by the buttons: the confirmation is
	// there, on screen, and in the module bar too.
	type landing struct {
		Note, Status string
		InView       bool
	}
	if l := eval[landing](j, "read where Save answers lands", `(() => {
		const n = document.querySelector('#save .app-saved-note'), r = n.getBoundingClientRect();
		return {note: getComputedStyle(n).display === 'none' ? '' : n.textContent, status: document.getElementById('save-status').textContent,
			inView: location.hash === '#save' && r.top >= 0 && r.bottom <= innerHeight};
	})()`); l.Note != "Your answers have been saved." || !l.InView || l.Status != "Your answers have been saved." {
		t.Errorf("where Save answers lands: %+v; want the confirmation shown there, on screen, and in the module bar", l)
	}
	for _, q := range qs[:2] {
		want := correctOptions(q)
		if q == qs[1] {
			want = wrongOptions(q)
		}
		for i, o := range q.Options {
			sel := optionSelector(q, i)
			sent := eval[bool](j, "read "+sel, fmt.Sprintf(`document.querySelector(%q).hasAttribute('checked')`, sel))
			if on := slices.Contains(want, o.ID); sent != on {
				t.Errorf("after Save answers, the server sent %s checked=%v, want %v", sel, sent, on)
			}
		}
	}

	// Submit with a question unanswered, then with wrong answers, then pass.
	var skip *app.Question
	for _, q := range qs {
		if q.Required && q.Scored() {
			skip = q
		}
	}
	j.answerModule(m1, nil, skip.ID)
	if status := j.submitModule("submit with a question unanswered"); status != 422 {
		t.Errorf("submitting with a question unanswered: status %d, want 422", status)
	}
	j.checkErrorSummary(m1, skip)
	wrong := map[string]bool{}
	for _, q := range qs {
		if q.Scored() && len(wrong) < 3 {
			wrong[q.ID] = true
		}
	}
	j.answerModule(m1, wrong, "")
	j.submitModule("submit with wrong answers")
	j.expectPath("after a failed attempt", "/modules/"+m1.ID+"/result")
	if got := j.text("main h1"); got != "You have not passed this module yet" {
		t.Errorf("failed result heading %q", got)
	}
	j.follow("go back to the module", chromedp.Click(chromedp.CSS(`main a.govuk-button[href="/modules/`+m1.ID+`"]`)))
	j.answerModule(m1, nil, "")
	j.submitModule("submit module 1 again")
	j.expectPassed(m1)

	for _, m := range course.Modules[1:] {
		j.follow("continue to module "+m.ID, chromedp.Click(chromedp.CSS(`main a.govuk-button[href="/modules/`+m.ID+`"]`)))
		j.answerModule(m, nil, "")
		j.submitModule("submit module " + m.ID)
		j.expectPassed(m)
	}

	// The evaluation, refused once, and the certificate.
	j.follow("continue to the evaluation", chromedp.Click(chromedp.CSS(`main a.govuk-button[href="/evaluation"]`)))
	if status := j.follow("send an empty evaluation", chromedp.Click(chromedp.CSS(`form[action="/evaluation"] button`))); status != 422 {
		t.Errorf("an empty evaluation: status %d, want 422", status)
	}
	if got := eval[int](j, "count the errors", `document.querySelectorAll('#error-summary li').length`); got == 0 {
		t.Error("an empty evaluation shows no error summary")
	}
	for _, it := range course.Evaluation {
		if it.Type == app.EvalLikert {
			j.do("rate "+it.ID, chromedp.Click(chromedp.CSS("#field-"+it.ID+"-4")))
		}
	}
	j.follow("send the evaluation", chromedp.Click(chromedp.CSS(`form[action="/evaluation"] button`)))
	j.expectPath("after the evaluation", "/certificate?issued=1")
	if got := j.text(".govuk-panel__title"); got != "Course complete" {
		t.Errorf("certificate panel %q, want Course complete", got)
	}
	if got := j.summaryValue("Name"); got != learnerName {
		t.Errorf("the certificate shows the name %q, want %q", got, learnerName)
	}
	j.follow("back to the course", chromedp.Click(chromedp.CSS(`main a[href="/course"]`)))
	if got := j.text("#certificate-status"); got != "Ready" {
		t.Errorf("task list: certificate status %q, want Ready", got)
	}
	srv.stop(t)
}
