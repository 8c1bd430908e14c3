package main

import (
	"fmt"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/foundations/foundations/app"
)

// TestKeyboardOnly walks the start of the learner's journey in Chromium
// with the keyboard alone (Tab, Shift+Tab, Enter, Space and the arrow keys;
// no clicks): register, open module 1, answer it, submit it with a
// required question unanswered, follow the error summary to the question,
// answer it and pass. After every key press that moves focus, the focused
// element must show a visible focus indicator whose text stays readable.
func TestKeyboardOnly(t *testing.T) {
	t.Parallel()
	chromium := requireTool(t, "chromium", "/usr/bin/chromium")
	course := loadTestCourse(t)
	srv := startServer(t, []string{"DATA_DIR=" + t.TempDir()})
	j := newTab(t, startBrowser(t, chromium), srv.url, course, tabOptions{})
	k := &keyboard{j: j, seen: map[string]bool{}}

	j.openWant("/", 200)
	k.tabTo("the skip link", `el.matches('a.govuk-skip-link')`, 1)
	k.tabTo("Start now", `el.matches('a.govuk-button--start')`, 30)
	k.enter("press Start now")
	j.expectPath("after Start now", "/register")

	// Register: type into each field, choose an organisation with the arrow key.
	k.tabTo("the name field", `el.id === 'field-name'`, 30)
	k.typeText(learnerName)
	k.tab("the email field", `el.id === 'field-email'`)
	k.typeText("keys@example.org")
	k.tab("the password field", `el.id === 'field-password'`)
	k.typeText("kettle meadow violin 42")
	k.tab("the organisation", `el.id === 'field-organisation'`)
	j.press(kb.ArrowDown)
	if v := eval[string](j, "read the organisation", `document.getElementById('field-organisation').value`); v == "" {
		t.Fatalf("the down arrow did not choose an organisation")
	}
	k.tab("the job role", `el.id === 'field-job_role'`)
	k.typeText("Youth worker")
	k.shiftTab("back to the organisation", `el.id === 'field-organisation'`)
	k.tab("the job role again", `el.id === 'field-job_role'`)
	k.tabTo("Create account", `el.matches('form[action="/register"] button')`, 5)
	k.enter("create the account")
	j.expectPath("after registering", "/course")

	// Module 1 from the task list.
	m1 := course.Modules[0]
	k.tabTo("module 1 in the task list", fmt.Sprintf(`el.matches('a[href="/modules/%s"]')`, m1.ID), 40)
	k.enter("open module 1")
	j.expectPath("module 1", "/modules/"+m1.ID)

	var skip *app.Question
	for _, q := range m1.Questions() {
		if q.Required && q.Scored() {
			skip = q
		}
	}
	for _, q := range m1.Questions() {
		if q != skip {
			k.answer(q)
		}
	}
	k.tabTo("Submit module", `el.matches('button[name="action"][value="submit"]')`, 60)
	if status := k.enter("submit with a question unanswered"); status != 422 {
		t.Fatalf("submitting with a question unanswered: status %d, want 422", status)
	}
	j.do("wait for the error summary", chromedp.WaitVisible(chromedp.CSS("#error-summary")))
	k.expectFocus("the error summary after the refused submit", `el.id === 'error-summary'`)

	// The error summary leads to the question.
	k.tab("the error summary's link", `el.matches('#error-summary a[href="#field-`+skip.ID+`"]')`)
	j.press(kb.Enter)
	if hash := eval[string](j, "read the location", `location.hash`); hash != "#field-"+skip.ID {
		t.Errorf("the error summary's link led to %q, want #field-%s", hash, skip.ID)
	}
	k.expectFocus("after following the error summary's link", fmt.Sprintf(`el.name === %q`, "q."+skip.ID))
	k.answer(skip)
	k.tabTo("Submit module", `el.matches('button[name="action"][value="submit"]')`, 60)
	k.enter("submit module 1")
	j.expectPassed(m1)
	k.tabTo("continue to module 2", fmt.Sprintf(`el.matches('main a.govuk-button[href="/modules/%s"]')`, course.Modules[1].ID), 40)
	srv.stop(t)
}

// keyboard drives a tab by key presses and checks the focus after each.
type keyboard struct {
	j    *journey
	seen map[string]bool // elements already reported without a visible focus
}

// focusState describes document.activeElement.
type focusState struct {
	Match   bool   `json:"match"`
	What    string `json:"what"`
	Visible bool   `json:"visible"`
	Style   string `json:"style"`
	Problem string `json:"problem"`
}

// focusJS evaluates match (an expression over el, the focused element) and
// checks that el shows focus: an outline that is not transparent, or a box
// shadow (for the GOV.UK radios and checkboxes, whose native input is
// invisible, on the label's ::before). Where the focus style gives the
// element a background, its text must keep a contrast of 4.5:1 on it.
const focusJS = `(() => {
	const el = document.activeElement;
	if (!el || el === document.body) return {match: false, what: 'nothing (body)', visible: false, style: '', problem: ''};
	const match = !!(%s);
	const what = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.getAttribute('href') ? '[href="' + el.getAttribute('href') + '"]' : '') + ' "' + (el.textContent || el.value || '').trim().slice(0, 40) + '"';
	let s = getComputedStyle(el);
	if (el.matches('input[type=radio], input[type=checkbox]')) s = getComputedStyle(document.querySelector('label[for="' + el.id + '"]'), '::before');
	const rgba = c => { const m = c.match(/[\d.]+/g) || [0, 0, 0, 0]; return m.map(Number).concat([1]).slice(0, 4); };
	const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && rgba(s.outlineColor)[3] > 0;
	const shadow = s.boxShadow && s.boxShadow !== 'none';
	const style = 'outline: ' + s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor + '; box-shadow: ' + s.boxShadow;
	let problem = '';
	const t = getComputedStyle(el), bg = rgba(t.backgroundColor);
	if (bg[3] === 1 && el.textContent.trim() !== '') {
		const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
		const a = lum(rgba(t.color)), b = lum(bg), ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
		if (ratio < 4.5) problem = 'text ' + t.color + ' on ' + t.backgroundColor + ' has a contrast of ' + ratio.toFixed(2) + ':1';
	}
	return {match, what, visible: outline || !!shadow, style, problem};
})()`

// focus reads the focused element and reports, once per element, one
// without a visible focus indicator.
func (k *keyboard) focus(step, match string) focusState {
	k.j.t.Helper()
	f := eval[focusState](k.j, step+": read the focus", fmt.Sprintf(focusJS, match))
	if !k.seen[f.What] && (!f.Visible || f.Problem != "") {
		k.seen[f.What] = true
		if !f.Visible {
			k.j.t.Errorf("%s (%s): focus on %s is not visible (%s)", step, k.j.path(), f.What, f.Style)
		}
		if f.Problem != "" {
			k.j.t.Errorf("%s (%s): focused %s: %s", step, k.j.path(), f.What, f.Problem)
		}
	}
	return f
}

// tab presses Tab once and requires focus to land on match.
func (k *keyboard) tab(step, match string) {
	k.j.t.Helper()
	k.j.press(kb.Tab)
	if f := k.focus(step, match); !f.Match {
		k.j.t.Fatalf("%s: Tab moved focus to %s", step, f.What)
	}
}

// shiftTab presses Shift+Tab once and requires focus to land on match.
func (k *keyboard) shiftTab(step, match string) {
	k.j.t.Helper()
	k.j.shiftTab()
	if f := k.focus(step, match); !f.Match {
		k.j.t.Fatalf("%s: Shift+Tab moved focus to %s", step, f.What)
	}
}

// tabTo presses Tab until focus is on match, at most max times.
func (k *keyboard) tabTo(step, match string, max int) {
	k.j.t.Helper()
	var f focusState
	for range max {
		k.j.press(kb.Tab)
		if f = k.focus(step, match); f.Match {
			return
		}
	}
	k.j.t.Fatalf("%s: not reached after %d presses of Tab; focus is on %s", step, max, f.What)
}

// expectFocus requires focus to be on match now.
func (k *keyboard) expectFocus(step, match string) {
	k.j.t.Helper()
	if f := k.focus(step, match); !f.Match {
		k.j.t.Fatalf("%s: focus is on %s", step, f.What)
	}
}

// enter presses Enter on a link or button that loads a page, and returns its status.
func (k *keyboard) enter(step string) int64 {
	k.j.t.Helper()
	return k.j.follow(step, keyPress(kb.Enter))
}

// typeText types into the focused field.
func (k *keyboard) typeText(s string) {
	k.j.t.Helper()
	k.j.press(s)
}

// answer answers q correctly from the keyboard: Tab into the question, then
// Space and the arrow keys for radios, Space for each checkbox, typing for
// a reflection.
func (k *keyboard) answer(q *app.Question) {
	j := k.j
	j.t.Helper()
	inQuestion := fmt.Sprintf(`el.name === %q`, "q."+q.ID)
	if !eval[bool](j, "read the focus", fmt.Sprintf(`(el => !!el && %s)(document.activeElement)`, inQuestion)) {
		k.tabTo("question "+q.ID, inQuestion, 80)
	}
	// Options are shown in the learner's own order; keys move through them so.
	var shown []int
	if q.Scored() {
		shown = j.shownOrder(q)
	}
	switch q.Type {
	case app.QuestionReflection:
		k.typeText("I will look at the whole picture over time.")
	case app.QuestionSingle:
		correct := slices.IndexFunc(q.Options, func(o *app.Option) bool { return o.Correct })
		want := slices.Index(shown, correct)
		at := eval[int](j, "read the focused option", `[...document.getElementsByName(document.activeElement.name)].indexOf(document.activeElement)`)
		if !j.checked(optionSelector(q, shown[at])) {
			j.press(" ")
		}
		for ; at < want; at++ {
			j.press(kb.ArrowDown)
			k.focus("question "+q.ID, inQuestion)
		}
		for ; at > want; at-- {
			j.press(kb.ArrowUp)
			k.focus("question "+q.ID, inQuestion)
		}
	case app.QuestionMultiple:
		for n, i := range shown {
			if n > 0 {
				k.tab(fmt.Sprintf("question %s option %d shown", q.ID, n+1), fmt.Sprintf(`el.matches(%q)`, optionSelector(q, i)))
			}
			if q.Options[i].Correct != j.checked(optionSelector(q, i)) {
				j.press(" ")
			}
		}
	}
	for i, o := range q.Options {
		if got := j.checked(optionSelector(q, i)); got != o.Correct {
			j.t.Fatalf("question %s option %s: checked is %v after the keys, want %v", q.ID, o.ID, got, o.Correct)
		}
	}
}
