package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/foundations/foundations/app"
)

// learnerName has letters the certificate's fonts must carry.
const learnerName = "Zoë Ní Bhriain-Łukasz"

// screenshotDir is where the journey leaves the README's screenshots.
const screenshotDir = "../../docs/screenshots"

// TestJourney walks the whole course in headless Chromium as a learner
// would, on every available database: register, the task list, module 1
// (autosave, an unanswered question, a failed attempt, a pass), modules 2
// to 5, the evaluation, the certificate and its PDF, and the public
// verification page.
func TestJourney(t *testing.T) {
	chromium := requireTool(t, "chromium", "/usr/bin/chromium")
	pdftotext := requireTool(t, "pdftotext", "/usr/bin/pdftotext")
	course := loadTestCourse(t)
	for i, b := range testBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			shots := ""
			if i == 0 { // one set of screenshots is enough
				shots = screenshotDir
			}
			walkJourney(t, b, course, chromium, pdftotext, shots)
		})
	}
}

// requireTool finds a program the test needs: missing, it skips the test
// locally and fails it in CI (CI=true), where nothing may be skipped.
func requireTool(t *testing.T, name, fallback string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if _, err := os.Stat(fallback); err == nil {
		return fallback
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed: the end-to-end journey may not be skipped in CI", name)
	}
	t.Skipf("%s is not installed: end-to-end journey skipped (it is mandatory in CI)", name)
	return ""
}

// journey drives one browser tab through the course.
type journey struct {
	t      *testing.T
	ctx    context.Context // a chromedp context whose browser is running
	base   string
	course *app.Course
	shots  string
}

// stepTimeout bounds each browser step, so a missing element fails the test
// with the step's name instead of hanging.
const stepTimeout = 20 * time.Second

func newJourney(t *testing.T, base, chromium string, course *app.Course, shots string) *journey {
	t.Helper()
	ctx := startBrowser(t, chromium)
	return &journey{t: t, ctx: ctx, base: base, course: course, shots: shots}
}

func (j *journey) must(step string, err error) {
	j.t.Helper()
	if err != nil {
		loc, _ := chromedp.Run(j.ctx, chromedp.Location())
		j.t.Fatalf("%s (at %s): %v", step, loc, err)
	}
}

// do runs steps that return nothing.
func (j *journey) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, stepTimeout)
	defer cancel()
	j.must(step, chromedp.Do(ctx, actions...))
}

// follow runs an action that loads a page (a link, a form) and waits for
// it, returning the HTTP status of the page.
func (j *journey) follow(step string, action chromedp.Action[chromedp.Void]) int64 {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, action)
	j.must(step, err)
	if resp == nil {
		j.t.Fatalf("%s: no page loaded", step)
	}
	return resp.Status
}

// runStep runs an action that returns a value.
func runStep[T any](j *journey, step string, a chromedp.Action[T]) T {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	j.must(step, err)
	return v
}

// eval evaluates JavaScript in the page (awaiting a promise) and decodes the result.
func eval[T any](j *journey, step, js string) T {
	j.t.Helper()
	return runStep(j, step, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

func (j *journey) text(sel string) string {
	j.t.Helper()
	return strings.TrimSpace(runStep(j, "read "+sel, chromedp.Text(chromedp.CSS(sel))))
}

func (j *journey) path() string {
	j.t.Helper()
	return eval[string](j, "read the location", `location.pathname + location.search`)
}

func (j *journey) expectPath(step, want string) {
	j.t.Helper()
	if got := j.path(); got != want {
		j.t.Fatalf("%s: on %s, want %s", step, got, want)
	}
}

// shot takes the viewport as docs/screenshots/<name>.png, scrolled to the
// top of the page, or to the element at, when given. It checks the size
// every run but writes the file only with UPDATE_SCREENSHOTS=1, so a test
// run leaves the tracked screenshots alone.
func (j *journey) shot(name, at string) {
	j.t.Helper()
	if j.shots == "" {
		return
	}
	scroll := `window.scrollTo(0, 0)`
	if at != "" {
		scroll = fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: 'start'}); window.scrollBy(0, -20)`, at)
	}
	j.do("scroll for a screenshot", chromedp.Evaluate[chromedp.Void](scroll))
	png := runStep(j, "screenshot "+name, chromedp.CaptureScreenshot())
	if len(png) > 300*1024 {
		j.t.Errorf("screenshot %s is %d KB; keep README screenshots under 300 KB", name, len(png)/1024)
	}
	if os.Getenv("UPDATE_SCREENSHOTS") != "1" {
		return // tracked files change only when asked
	}
	if err := os.MkdirAll(j.shots, 0o755); err != nil {
		j.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(j.shots, name+".png"), png, 0o644); err != nil {
		j.t.Fatal(err)
	}
}

// optionSelector is the id the module template gives an option's input.
func optionSelector(q *app.Question, i int) string {
	if i == 0 {
		return "#field-" + q.ID
	}
	return "#field-" + q.ID + "-" + q.Options[i].ID
}

// shownOrder is the order in which the page shows a question's options, as
// indexes into q.Options (each learner sees their own order).
func (j *journey) shownOrder(q *app.Question) []int {
	j.t.Helper()
	values := eval[[]string](j, "read the order of "+q.ID, fmt.Sprintf(`[...document.getElementsByName(%q)].map(e => e.value)`, "q."+q.ID))
	out := make([]int, 0, len(values))
	for _, v := range values {
		i := slices.IndexFunc(q.Options, func(o *app.Option) bool { return o.ID == v })
		if i < 0 {
			j.t.Fatalf("question %s shows an option %q it does not have", q.ID, v)
		}
		out = append(out, i)
	}
	if len(out) != len(q.Options) {
		j.t.Fatalf("question %s shows %d of its %d options", q.ID, len(out), len(q.Options))
	}
	return out
}

func (j *journey) checked(sel string) bool {
	j.t.Helper()
	return eval[bool](j, "read "+sel, fmt.Sprintf(`document.querySelector(%q).checked`, sel))
}

// choose makes a question's checked options exactly want, clicking like a
// person (a radio cannot be unchecked, so a radio question must be given
// one option).
func (j *journey) choose(q *app.Question, want ...string) {
	j.t.Helper()
	for i, o := range q.Options {
		sel := optionSelector(q, i)
		on := slices.Contains(want, o.ID)
		if j.checked(sel) != on && (on || q.Type == app.QuestionMultiple) {
			j.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
		}
	}
	for i, o := range q.Options {
		sel := optionSelector(q, i)
		on := slices.Contains(want, o.ID)
		if j.checked(sel) != on {
			j.t.Fatalf("question %s option %s: checked is %v after clicking, want %v", q.ID, o.ID, !on, on)
		}
	}
}

func correctOptions(q *app.Question) []string {
	var ids []string
	for _, o := range q.Options {
		if o.Correct {
			ids = append(ids, o.ID)
		}
	}
	return ids
}

// wrongOptions is a choice that is marked wrong: one incorrect option.
func wrongOptions(q *app.Question) []string {
	for _, o := range q.Options {
		if !o.Correct {
			return []string{o.ID}
		}
	}
	panic("question " + q.ID + " has no incorrect option")
}

// answerModule answers every scored question, correctly unless wrong says
// otherwise; skip leaves a question untouched.
func (j *journey) answerModule(m *app.Module, wrong map[string]bool, skip string) {
	j.t.Helper()
	for _, q := range m.Questions() {
		switch {
		case q.ID == skip:
		case q.Type == app.QuestionReflection:
			if q.Required {
				j.do("write a reflection", chromedp.SendKeys(chromedp.CSS("#field-"+q.ID), "I will look at the whole picture over time."))
			}
		case wrong[q.ID]:
			j.choose(q, wrongOptions(q)...)
		default:
			j.choose(q, correctOptions(q)...)
		}
	}
}

// submitModule presses Submit module and returns the status of the page it leads to.
// sendEvaluation fills in the evaluation page (every rating 4, every
// comment a sentence) and sends it, which issues the certificate.
func (j *journey) sendEvaluation(course *app.Course) {
	j.t.Helper()
	for _, it := range course.Evaluation {
		switch it.Type {
		case app.EvalLikert:
			j.do("rate "+it.ID, chromedp.Click(chromedp.CSS("#field-"+it.ID+"-4")))
		case app.EvalText:
			j.do("comment on "+it.ID, chromedp.SendKeys(chromedp.CSS("#field-"+it.ID), "Clear and practical."))
		}
	}
	j.follow("send the evaluation", chromedp.Click(chromedp.CSS(`form[action="/evaluation"] button[type="submit"]`)))
	j.expectPath("after the evaluation", "/certificate?issued=1")
}

func (j *journey) submitModule(step string) int64 {
	j.t.Helper()
	return j.follow(step, chromedp.Click(chromedp.CSS(`button[name="action"][value="submit"]`)))
}

// waitSaved clears the save status, runs the action and waits until the
// page's script reports the answer saved.
func (j *journey) waitSaved(step string, action chromedp.Action[chromedp.Void]) {
	j.t.Helper()
	j.do("clear the save status", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('save-status'); s.textContent = ''; s.dataset.state = ''; })()`))
	j.do(step, action)
	j.do(step+": wait for Saved", chromedp.Poll[chromedp.Void](
		`document.getElementById('save-status').dataset.state === 'saved' && document.getElementById('save-status').textContent.startsWith('Saved')`,
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
}

func walkJourney(t *testing.T, b backend, course *app.Course, chromium, pdftotext, shots string) {
	srv := startServer(t, b.env(t))
	j := newJourney(t, srv.url, chromium, course, shots)
	email, password := "zoe."+b.name+"@example.org", "kettle meadow violin 42"

	// Register from the start page.
	j.do("open the start page", chromedp.Navigate(srv.url+"/"))
	j.follow("press Start now", chromedp.Click(chromedp.CSS("a.govuk-button--start")))
	j.expectPath("after Start now", "/register")
	org := eval[string](j, "find an organisation", `[...document.querySelectorAll('#field-organisation option')].find(o => o.value !== '').value`)
	j.do("fill in the registration form",
		chromedp.SendKeys(chromedp.CSS("#field-name"), learnerName),
		chromedp.SendKeys(chromedp.CSS("#field-email"), email),
		chromedp.SendKeys(chromedp.CSS("#field-password"), password),
		chromedp.SetValue(chromedp.CSS("#field-organisation"), org),
		chromedp.SendKeys(chromedp.CSS("#field-job_role"), "Health visitor"),
	)
	if got := runStep(j, "read the name", chromedp.Value(chromedp.CSS("#field-name"))); got != learnerName {
		t.Fatalf("typed name reads %q, want %q", got, learnerName)
	}
	j.follow("create the account", chromedp.Click(chromedp.CSS(`form[action="/register"] button[type="submit"]`)))
	j.expectPath("after registering", "/course")

	// The task list: module 1 open, the rest waiting.
	if got := j.text("main h1"); got != course.Title {
		t.Errorf("task list heading %q, want %q", got, course.Title)
	}
	for i, m := range course.Modules {
		want := "Cannot start yet"
		if i == 0 {
			want = "Not started"
		}
		if got := j.text("#module-" + m.ID + "-status"); got != want {
			t.Errorf("task list: module %d status %q, want %q", m.Number, got, want)
		}
	}
	j.shot("task-list", "")

	// Module 1.
	m1 := course.Modules[0]
	j.follow("open module 1", chromedp.Click(chromedp.CSS(`a.govuk-task-list__link[href="/modules/`+m1.ID+`"]`)))
	j.expectPath("module 1", "/modules/"+m1.ID)
	shown := j.checkAutosave(m1)
	j.shot("module", "#q-"+shown.ID)

	// Every question but one, then submit: the error summary names it.
	var skip *app.Question
	for _, q := range m1.Questions() {
		if q.Required && q.Scored() {
			skip = q // the last required question
		}
	}
	j.answerModule(m1, nil, skip.ID)
	if status := j.submitModule("submit with a question unanswered"); status != 422 {
		t.Errorf("submitting with a question unanswered: status %d, want 422", status)
	}
	j.checkErrorSummary(m1, skip)
	j.shot("error-summary", "")

	// Answer it, but get enough wrong to fail.
	var wrong []*app.Question
	wrongIDs := map[string]bool{}
	for _, q := range m1.Questions() {
		if q.Scored() && len(wrong) < 3 {
			wrong = append(wrong, q)
			wrongIDs[q.ID] = true
		}
	}
	j.answerModule(m1, wrongIDs, "")
	j.submitModule("submit with wrong answers")
	j.expectPath("after a failed attempt", "/modules/"+m1.ID+"/result")
	if got := j.text("main h1"); got != "You have not passed this module yet" {
		t.Errorf("failed result heading %q", got)
	}
	var wantRevisit []string
	for _, q := range wrong {
		if href := "/modules/" + m1.ID + "#section-" + q.SectionID; !slices.Contains(wantRevisit, href) {
			wantRevisit = append(wantRevisit, href)
		}
	}
	gotRevisit := eval[[]string](j, "read the sections to revisit", `[...document.querySelectorAll('main ul.govuk-list--bullet a')].map(a => a.getAttribute('href'))`)
	if !slices.Equal(gotRevisit, wantRevisit) {
		t.Errorf("sections to revisit %q, want %q", gotRevisit, wantRevisit)
	}
	j.shot("result", "")

	// Fix the answers and pass.
	j.follow("go back to the module", chromedp.Click(chromedp.CSS(`main a.govuk-button[href="/modules/`+m1.ID+`"]`)))
	j.answerModule(m1, nil, "")
	j.submitModule("submit module 1 again")
	j.expectPassed(m1)

	// Modules 2 to 5.
	for _, m := range course.Modules[1:] {
		j.follow("continue to module "+m.ID, chromedp.Click(chromedp.CSS(`main a.govuk-button[href="/modules/`+m.ID+`"]`)))
		j.expectPath("module "+m.ID, "/modules/"+m.ID)
		j.answerModule(m, nil, "")
		j.submitModule("submit module " + m.ID)
		j.expectPassed(m)
	}

	// The evaluation.
	j.follow("continue to the evaluation", chromedp.Click(chromedp.CSS(`main a.govuk-button[href="/evaluation"]`)))
	j.expectPath("evaluation", "/evaluation")
	j.sendEvaluation(course)

	// The certificate page.
	if got := j.text(".govuk-panel__title"); got != "Course complete" {
		t.Errorf("certificate panel %q, want Course complete", got)
	}
	code := j.text(".govuk-panel__body .app-code")
	if !regexp.MustCompile(`^[A-Z2-7]{4}(-[A-Z2-7]{4}){5}$`).MatchString(code) {
		t.Fatalf("certificate code %q is not grouped like ABCD-EFGH-JKLM-NPQR-STUV-WXYZ", code)
	}
	if got := j.summaryValue("Name"); got != learnerName {
		t.Errorf("certificate shows the name %q, want %q", got, learnerName)
	}
	verifyURL := eval[string](j, "read the verification link", `document.querySelector('main a.app-code').getAttribute('href')`)
	if want := srv.url + "/verify/" + code; verifyURL != want {
		t.Errorf("verification link %q, want %q", verifyURL, want)
	}
	j.shot("certificate", "")

	// The PDF, fetched with the learner's session.
	pdf := eval[struct {
		Status int
		Type   string
		Data   string
	}](j, "download the PDF", `(async () => {
		const r = await fetch('/certificate.pdf', {credentials: 'same-origin'});
		const b = new Uint8Array(await r.arrayBuffer());
		let s = '';
		for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
		return {status: r.status, type: r.headers.get('Content-Type'), data: btoa(s)};
	})()`)
	if pdf.Status != 200 || pdf.Type != "application/pdf" {
		t.Fatalf("GET /certificate.pdf: status %d, type %q", pdf.Status, pdf.Type)
	}
	text := pdfText(t, pdftotext, pdf.Data)
	for what, want := range map[string]string{"name": learnerName, "code": code, "verification URL": verifyURL} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks the %s %q:\n%s", what, want, text)
		}
	}

	// The verification page, as an employer would open it.
	j.do("open the verification link", chromedp.Navigate(verifyURL))
	if got := j.text(".govuk-panel__title"); got != "Valid certificate" {
		t.Errorf("verification says %q, want Valid certificate", got)
	}
	if got := j.summaryValue("Name"); got != learnerName {
		t.Errorf("verification shows the name %q, want %q", got, learnerName)
	}
	if got := j.summaryValue("Certificate code"); got != code {
		t.Errorf("verification shows the code %q, want %q", got, code)
	}
	j.shot("verification", "")

	srv.stop(t)
}

// checkAutosave chooses an answer and writes a reflection with JavaScript
// on, waits for "Saved", reloads, and checks the server sent both back.
// It returns the question it answered.
func (j *journey) checkAutosave(m *app.Module) *app.Question {
	j.t.Helper()
	var choice, reflection *app.Question
	for _, q := range m.Questions() {
		if q.Type == app.QuestionSingle && choice == nil {
			choice = q
		}
		if q.Type == app.QuestionReflection && reflection == nil {
			reflection = q
		}
	}
	idx := slices.IndexFunc(choice.Options, func(o *app.Option) bool { return o.Correct })
	sel := optionSelector(choice, idx)
	j.waitSaved("choose an answer", chromedp.Click(chromedp.CSS(sel)))
	note := "Zoë’s reflection: I will record small worries ✓"
	if reflection != nil {
		j.waitSaved("write a reflection", chromedp.SendKeys(chromedp.CSS("#field-"+reflection.ID), note))
	}
	j.do("reload the module", chromedp.Reload())
	// defaultChecked and defaultValue come from the HTML the server sent,
	// not from answers the script kept on this device.
	if !eval[bool](j, "read the saved choice", fmt.Sprintf(`document.querySelector(%q).defaultChecked`, sel)) {
		j.t.Errorf("after Saved and a reload, %s is not checked in the page the server sent", sel)
	}
	if reflection != nil {
		if got := eval[string](j, "read the saved reflection", fmt.Sprintf(`document.querySelector(%q).defaultValue`, "#field-"+reflection.ID)); got != note {
			j.t.Errorf("after Saved and a reload, the reflection reads %q, want %q", got, note)
		}
	}
	if pending := eval[bool](j, "read the device queue", fmt.Sprintf(`localStorage.getItem(%s) !== null`, pendingKeyJS(m.ID))); pending {
		j.t.Errorf("answers are still queued on the device after Saved")
	}
	return choice
}

// checkErrorSummary checks the page after submitting with q unanswered.
func (j *journey) checkErrorSummary(m *app.Module, q *app.Question) {
	j.t.Helper()
	title := runStep(j, "read the title", chromedp.Title())
	if !strings.HasPrefix(title, "Error: ") {
		j.t.Errorf("page title %q does not start with Error:", title)
	}
	j.do("see the error summary", chromedp.WaitVisible(chromedp.CSS("#error-summary")))
	where := eval[struct {
		Focused, First bool
		Top            float64
	}](j, "locate the error summary", `(() => {
		const e = document.getElementById('error-summary');
		return {focused: document.activeElement === e, first: document.querySelector('main').firstElementChild === e, top: e.getBoundingClientRect().top};
	})()`)
	if !where.Focused && !(where.First && where.Top >= 0 && where.Top < 400) {
		j.t.Errorf("the error summary neither has focus nor is at the top of the page: %+v", where)
	}
	links := eval[[]map[string]string](j, "read the error summary", `[...document.querySelectorAll('#error-summary a')].map(a => ({text: a.textContent.trim(), href: a.getAttribute('href')}))`)
	want := map[string]string{"text": fmt.Sprintf("Answer question %d: %s", m.QuestionNumber(q), q.Text), "href": "#field-" + q.ID}
	if len(links) != 1 || links[0]["text"] != want["text"] || links[0]["href"] != want["href"] {
		j.t.Errorf("error summary links %v, want one: %v", links, want)
	}
	if !eval[bool](j, "find the question's error", fmt.Sprintf(`!!document.getElementById(%q)`, "field-"+q.ID+"-error")) {
		j.t.Errorf("question %s has no error message beside it", q.ID)
	}
}

func (j *journey) expectPassed(m *app.Module) {
	j.t.Helper()
	j.expectPath("after submitting module "+m.ID, "/modules/"+m.ID+"/result")
	if got, want := j.text(".govuk-panel__title"), fmt.Sprintf("Module %d passed", m.Number); got != want {
		j.t.Fatalf("result says %q, want %q", got, want)
	}
}

// summaryValue reads a row of the certificate details by its label.
func (j *journey) summaryValue(key string) string {
	j.t.Helper()
	return strings.TrimSpace(eval[string](j, "read "+key, fmt.Sprintf(`(() => {
		const row = [...document.querySelectorAll('.govuk-summary-list__row')].find(r => r.querySelector('dt').textContent.trim() === %q);
		return row ? row.querySelector('dd').textContent : '';
	})()`, key)))
}

// pdfText extracts a PDF's text with pdftotext.
func pdfText(t *testing.T, pdftotext, b64 string) string {
	t.Helper()
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "certificate.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
