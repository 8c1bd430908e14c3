package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/lti/ltitest"
)

// TestLTILaunchAndScores runs the real binary with an LTI 1.3 platform
// over HTTP on 127.0.0.1, in Chromium, on every available database: an
// administrator registers the platform; a platform-initiated launch lands
// a new learner in the course (after the one-off setup step); passing
// each module and completing the course post the expected scores, each
// exactly once, including a pass whose delivery fails while the platform
// is down and the app is restarted before it is delivered; a refused
// launch shows a clear page; Deep Linking returns the course to the
// platform's content picker.
func TestLTILaunchAndScores(t *testing.T) {
	chromium := requireTool(t, "chromium", "/usr/bin/chromium")
	course := loadTestCourse(t)
	for _, b := range testBackends(t) {
		t.Run(b.name, func(t *testing.T) { walkLTI(t, b, course, chromium) })
	}
}

const ltiLearnerRole = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"

func walkLTI(t *testing.T, b backend, course *app.Course, chromium string) {
	env := b.env(t)
	adminEmail := "ada.lti@example.org"
	runCommand(t, env, demoPassword+"\n", "users", "add", "--role", "admin", "--email", adminEmail, "--name", "Ada Admin")
	srv := startServer(t, env)
	plat := ltitest.Start(t, srv.url)
	learnerSub := "moodle-user-7"
	plat.AddUser(ltitest.User{Subject: learnerSub, Name: learnerName, Email: "zoe.lti." + b.name + "@example.org", Roles: []string{ltiLearnerRole}})
	plat.AddUser(ltitest.User{Subject: "moodle-teacher-2", Name: "Tam Teacher", Email: "tam@example.org",
		Roles: []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"}})
	axe := axeSource(t)
	browser := startBrowser(t, chromium)

	// The administrator registers the platform with what it gave them.
	admin := newTab(t, browser, srv.url, course, tabOptions{})
	signInTab(admin, adminEmail)
	admin.openWant("/admin/lti", 200)
	for _, want := range []string{srv.url + "/lti/login", srv.url + "/lti/launch", srv.url + "/.well-known/jwks.json"} {
		if !strings.Contains(admin.text("main"), want) {
			t.Errorf("the platforms page does not show %s to copy", want)
		}
	}
	admin.follow("register a platform", chromedp.Click(chromedp.CSS(`a.govuk-button[href="/admin/lti/new"]`)))
	if got := admin.follow("send the form empty", chromedp.Click(chromedp.CSS(`form[action="/admin/lti"] button`))); got != 422 {
		t.Errorf("an empty platform form: status %d, want 422", got)
	}
	if axe != "" {
		admin.checkAxe("platform form with errors", axe)
	}
	admin.do("fill in the platform",
		chromedp.SendKeys(chromedp.CSS("#field-name"), "Council Moodle"),
		chromedp.SendKeys(chromedp.CSS("#field-issuer"), plat.URL),
		chromedp.SendKeys(chromedp.CSS("#field-client_id"), plat.ClientID),
		chromedp.SendKeys(chromedp.CSS("#field-deployment_ids"), plat.DeploymentID),
		chromedp.SendKeys(chromedp.CSS("#field-auth_url"), plat.AuthURL()),
		chromedp.SendKeys(chromedp.CSS("#field-token_url"), plat.TokenURL()),
		chromedp.SendKeys(chromedp.CSS("#field-keyset_url"), plat.KeySetURL()))
	admin.follow("register it", chromedp.Click(chromedp.CSS(`form[action="/admin/lti"] button`)))
	if p := admin.path(); !strings.HasPrefix(p, "/admin/lti?done=") || !strings.Contains(admin.text("table"), "Council Moodle") {
		t.Fatalf("after registering: on %s, table %q", p, admin.text("table"))
	}
	if axe != "" {
		admin.checkAxe("learning platforms", axe)
	}
	admin.openWant("/reports/audit", 200)
	if !strings.Contains(admin.text("main"), "registered LTI platform") {
		t.Error("registering the platform is not in the audit trail")
	}

	// A refused launch: a clear page on this site, nothing signed in.
	plat.Mutate(func(c map[string]any) { c["https://purl.imsglobal.org/spec/lti/claim/version"] = "1.1" })
	refused := newTab(t, browser, srv.url, course, tabOptions{})
	refused.do("launch with the wrong version", chromedp.Navigate(plat.LaunchURL(learnerSub, "resource")),
		chromedp.Poll[chromedp.Void](`location.pathname === '/lti/launch' && document.querySelector('main h1') !== null`, chromedp.WithPollingTimeout(15*time.Second)))
	if got := refused.text("main"); !strings.Contains(got, "1.3.0") {
		t.Errorf("refused launch page says %q", got)
	}
	if axe != "" {
		refused.checkAxe("refused launch", axe)
	}
	plat.Mutate(nil)

	// The learner's first launch: the setup step, then the course.
	j := newTab(t, browser, srv.url, course, tabOptions{})
	j.do("launch from the platform", chromedp.Navigate(plat.LaunchURL(learnerSub, "resource")),
		chromedp.WaitVisible(chromedp.CSS("#field-organisation")))
	j.expectPath("first launch", "/sign-in/setup")
	if axe != "" {
		j.checkAxe("setup step", axe)
	}
	// Sent without a job role: the error summary, then the step again.
	if got := j.follow("continue without a job role", chromedp.Click(chromedp.CSS(`form[action="/sign-in/setup"] button`))); got != 422 {
		t.Errorf("setup without organisation or job role: status %d, want 422", got)
	}
	if axe != "" {
		j.checkAxe("setup step with errors", axe)
	}
	org := eval[string](j, "find an organisation", `[...document.querySelectorAll('#field-organisation option')].find(o => o.value !== '').value`)
	j.do("fill in the setup", chromedp.SetValue(chromedp.CSS("#field-organisation"), org),
		chromedp.SendKeys(chromedp.CSS("#field-job_role"), "Social worker"))
	j.follow("continue to the course", chromedp.Click(chromedp.CSS(`form[action="/sign-in/setup"] button`)))
	j.expectPath("after setup", "/course")
	if got := j.text("main h1"); got != course.Title {
		t.Errorf("landed on %q, want the course", got)
	}
	// A second launch signs the same account straight in.
	j.do("launch again", chromedp.Navigate(plat.LaunchURL(learnerSub, "resource")),
		chromedp.Poll[chromedp.Void](`location.pathname === '/course'`, chromedp.WithPollingTimeout(15*time.Second)))

	pass := func(m *app.Module) {
		t.Helper()
		j.openWant("/modules/"+m.ID, 200)
		j.answerModule(m, nil, "")
		j.submitModule("submit module " + m.ID)
		j.expectPassed(m)
	}
	total := len(course.Modules)
	pass(course.Modules[0])
	waitScores(t, plat, 1)

	// The platform is down when module 2 is passed: the pass is committed,
	// the delivery fails, and the app is restarted before it succeeds.
	plat.FailScores(1 << 30)
	tried := plat.ScoreAttempts()
	pass(course.Modules[1])
	deadline := time.Now().Add(30 * time.Second)
	for plat.ScoreAttempts() == tried {
		if time.Now().After(deadline) {
			t.Fatal("the score for module 2 was never attempted")
		}
		time.Sleep(50 * time.Millisecond)
	}
	srv.stop(t)
	plat.FailScores(0)
	srv = startServerOn(t, srv.port(), env)
	waitScores(t, plat, 2)

	for _, m := range course.Modules[2:] {
		pass(m)
	}
	j.openWant("/evaluation", 200)
	j.sendEvaluation(course)
	waitScores(t, plat, total+1)
	time.Sleep(3 * time.Second) // a doubled delivery would arrive by now
	got := plat.Scores()
	var want []string
	for i := 1; i <= total; i++ {
		want = append(want, fmt.Sprintf("%s %g/100 InProgress Pending", learnerSub, float64(i*100)/float64(total)))
	}
	want = append(want, learnerSub+" 100/100 Completed FullyGraded")
	var have []string
	for _, s := range got {
		have = append(have, fmt.Sprintf("%s %g/%g %s %s", s.UserID, s.ScoreGiven, s.ScoreMaximum, s.ActivityProgress, s.GradingProgress))
	}
	if strings.Join(have, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the platform received:\n%s\nwant each once:\n%s", strings.Join(have, "\n"), strings.Join(want, "\n"))
	}
	if errs := plat.Errors(); len(errs) > 0 {
		t.Errorf("the platform refused requests from the tool: %v", errs)
	}
	admin.openWant("/admin/lti", 200)
	if row := admin.text("table tbody tr"); !strings.Contains(row, fmt.Sprint(total+1)) {
		t.Errorf("platforms page row %q does not count %d scores sent", row, total+1)
	}

	// Deep Linking: a teacher adds the course from the platform's picker.
	teacher := newTab(t, browser, srv.url, course, tabOptions{})
	teacher.do("choose content from the platform", chromedp.Navigate(plat.LaunchURL("moodle-teacher-2", "deeplink")),
		chromedp.WaitVisible(chromedp.CSS(`main form button.govuk-button`)))
	teacher.expectPath("deep linking", "/lti/launch")
	if got := teacher.text("main h1"); got != "Add the course to Council Moodle" {
		t.Errorf("deep linking page heading %q", got)
	}
	if axe != "" {
		teacher.checkAxe("deep linking", axe)
	}
	if got := teacher.follow("add the course", chromedp.Click(chromedp.CSS(`main form button.govuk-button:not(.govuk-button--secondary)`))); got != 200 {
		t.Errorf("the platform answered the deep linking response with %d: %v", got, plat.Errors())
	}
	teacher.expectPath("after adding", "/deep-link-return")
	if got := teacher.text("h1"); got != "Added: "+course.Title {
		t.Errorf("the platform says %q", got)
	}
	links := plat.DeepLinks()
	if len(links) != 1 || len(links[0].Items) != 1 || links[0].Items[0]["url"] != srv.url+"/lti/launch" || links[0].Data != "opaque-data-42" {
		t.Fatalf("deep links received: %+v", links)
	}
	if li, _ := links[0].Items[0]["lineItem"].(map[string]any); li["scoreMaximum"] != float64(100) {
		t.Errorf("content item line item %v", li)
	}
	srv.stop(t)
}

// waitScores waits until the platform has accepted n scores.
func waitScores(t *testing.T, plat *ltitest.Platform, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for len(plat.Scores()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the platform has %d scores after 60s, want %d (refused: %v)", len(plat.Scores()), n, plat.Errors())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestLTIRotateKey: the command makes a new tool key current and the
// served key set keeps the previous one.
func TestLTIRotateKey(t *testing.T) {
	env := []string{"DATA_DIR=" + t.TempDir()}
	first := runCommand(t, env, "", "lti", "rotate-key")
	second := runCommand(t, env, "", "lti", "rotate-key")
	kid := func(out string) string {
		f := strings.Fields(strings.TrimPrefix(out, "LTI messages are now signed with key "))
		if len(f) == 0 {
			t.Fatalf("rotate-key printed %q", out)
		}
		return strings.TrimSuffix(f[0], ".")
	}
	srv := startServer(t, env)
	resp, err := http.Get(srv.url + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			Alg string `json:"alg"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var rsa []string
	for _, k := range set.Keys {
		if k.Alg == "RS256" {
			rsa = append(rsa, k.Kid)
		}
	}
	if len(rsa) != 2 || rsa[0] != kid(second) || rsa[1] != kid(first) {
		t.Fatalf("served RS256 keys %v; want %s (current) then %s", rsa, kid(second), kid(first))
	}
	srv.stop(t)
}
