package main

// The concurrency test of the real program: several requests for one
// learner and module sent at the same moment, as a double click on
// "Submit", two tabs or a slow network send them (issue 8).

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store/storetest"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// raceTrials is how many learners each go through one burst of requests.
const raceTrials = 20

// raceRequest is one kind of request a learner's browser may send while
// another is in flight.
type raceRequest string

const (
	raceSubmit   raceRequest = "submit"   // POST /modules/<id> action=submit, every answer correct
	raceSave     raceRequest = "save"     // POST /modules/<id> action=save ("Save answers"), the same answers
	raceAutosave raceRequest = "autosave" // POST /modules/<id>/save, one answer, the correct one
	raceView     raceRequest = "view"     // GET /modules/<id>
)

// raceMixes are the bursts the trials take in turn: double submits first
// and most often, then a submit beside each other kind of request.
var raceMixes = [][]raceRequest{
	{raceSubmit, raceSubmit},
	{raceSubmit, raceAutosave},
	{raceSubmit, raceSubmit},
	{raceSubmit, raceSave},
	{raceSubmit, raceSubmit, raceAutosave, raceSave, raceView},
}

// TestConcurrentSubmitsNeverStrandALearner answers module 1 correctly for
// each of 20 learners, then sends a burst of two to five requests
// together (submit and submit; submit beside an autosave, a "Save
// answers", a page view), each on its own open connection released at the
// same instant. After every burst the learner must not be stuck: the
// attempts record a pass, the learner's progress on module 1 says passed
// with as many attempts as there are attempt rows, the enrolment counts
// one module passed, and module 2 opens. It runs on PostgreSQL, where
// requests truly run in parallel (mandatory in CI).
func TestConcurrentSubmitsNeverStrandALearner(t *testing.T) {
	dsn, _ := storetest.FreshSchema(t)
	srv := startServer(t, []string{"DATA_DIR=" + t.TempDir(), "DATABASE_URL=" + dsn})
	db, err := gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if sqlDB, err := db.DB(); err == nil {
		t.Cleanup(func() { sqlDB.Close() })
	}
	course := loadTestCourse(t)
	m1, m2 := course.Modules[0], course.Modules[1]
	correct := correctAnswers(m1)

	stuck := 0
	for trial := range raceTrials {
		mix := raceMixes[trial%len(raceMixes)]
		email := fmt.Sprintf("race-%d@example.org", trial)
		// Each learner registers from its own loopback address: registration
		// is rate limited per address.
		jar, csrf := raceLearner(t, srv.url, trial, email, m1)
		statuses := fireTogether(t, srv.url, jar, csrf, m1, correct, mix)

		var problems []string
		submitted := false
		for i, code := range statuses {
			if code >= 500 {
				problems = append(problems, fmt.Sprintf("%s answered HTTP %d", mix[i], code))
			}
			if mix[i] == raceSubmit && code == http.StatusSeeOther {
				submitted = true
			}
		}
		if !submitted {
			problems = append(problems, "no submit was answered with a result (303)")
		}
		problems = append(problems, progressProblems(t, db, email, course.ID, m1.ID)...)
		if code := raceGet(t, srv.url, jar, "/modules/"+m2.ID); code != http.StatusOK {
			problems = append(problems, fmt.Sprintf("module 2 answers HTTP %d, want 200", code))
		}
		t.Logf("trial %d: %s answered %v", trial+1, strings.Join(mixNames(mix), " + "), statuses)
		if len(problems) > 0 {
			stuck++
			t.Errorf("trial %d (%s, statuses %v): %s", trial+1, strings.Join(mixNames(mix), " + "), statuses, strings.Join(problems, "; "))
		}
	}
	if stuck > 0 {
		t.Errorf("%d of %d learners were left inconsistent or stuck by concurrent requests", stuck, raceTrials)
	}
}

func mixNames(mix []raceRequest) []string {
	s := make([]string, len(mix))
	for i, r := range mix {
		s[i] = string(r)
	}
	return s
}

// correctAnswers is module m's form with every question answered
// correctly (a reflection gets a sentence).
func correctAnswers(m *app.Module) url.Values {
	form := url.Values{}
	for _, q := range m.Questions() {
		if q.Type == app.QuestionReflection {
			form.Set("q."+q.ID, "I would write down what I saw and talk to my safeguarding lead the same day.")
			continue
		}
		for _, o := range q.Options {
			if o.Correct {
				form.Add("q."+q.ID, o.ID)
			}
		}
	}
	return form
}

// raceLearner registers a learner from source address 127.0.0.(10+n),
// opens module m (which starts it) and returns the learner's cookies and
// the page's CSRF token.
func raceLearner(t *testing.T, base string, n int, email string, m *app.Module) (http.CookieJar, string) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	from := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(10+n))}
	c := &http.Client{Jar: jar, Timeout: 15 * time.Second,
		Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: from}).DialContext}}
	registerHTTP(t, c, base, fmt.Sprintf("Race Learner %d", n), email, "otter lantern quiet harbour")
	return jar, csrfToken(t, getHTML(t, c, base+"/modules/"+m.ID, http.StatusOK))
}

// fireTogether sends the requests of mix for one learner, each from its
// own client on a connection opened beforehand, released at the same
// instant. Redirects are not followed. It returns each request's status.
func fireTogether(t *testing.T, base string, jar http.CookieJar, csrf string, m *app.Module, correct url.Values, mix []raceRequest) []int {
	t.Helper()
	reqs := make([]*http.Request, len(mix))
	for i, kind := range mix {
		var req *http.Request
		switch kind {
		case raceSubmit, raceSave:
			form := url.Values{"_csrf": {csrf}, "action": {string(kind)}}
			for k, v := range correct {
				form[k] = v
			}
			req, _ = http.NewRequest(http.MethodPost, base+"/modules/"+m.ID, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		case raceAutosave:
			q := m.Questions()[0]
			form := url.Values{"_csrf": {csrf}, "question": {q.ID}, "answer": correct["q."+q.ID]}
			req, _ = http.NewRequest(http.MethodPost, base+"/modules/"+m.ID+"/save", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Requested-With", "fetch")
		case raceView:
			req, _ = http.NewRequest(http.MethodGet, base+"/modules/"+m.ID, nil)
		}
		reqs[i] = req
	}
	clients := make([]*http.Client, len(mix))
	for i := range clients {
		clients[i] = &http.Client{Jar: jar, Timeout: 30 * time.Second,
			Transport:     &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		// Open the connection now, so the burst is not spread by handshakes.
		resp, err := clients[i].Get(base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	statuses := make([]int, len(mix))
	errs := make([]error, len(mix))
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	for i := range mix {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			resp, err := clients[i].Do(reqs[i])
			if err != nil {
				errs[i] = err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", mix[i], err)
		}
	}
	for _, c := range clients {
		c.CloseIdleConnections()
	}
	return statuses
}

// raceGet fetches a page with the learner's cookies and returns its status.
func raceGet(t *testing.T, base string, jar http.CookieJar, path string) int {
	t.Helper()
	c := &http.Client{Jar: jar, Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// progressProblems compares what the database holds for one learner and
// module with the learner's attempts, which are the record: progress must
// count every attempt and say passed when one passed (and only then), and
// the enrolment summary must count the modules passed.
func progressProblems(t *testing.T, db *gorm.DB, email, courseID, moduleID string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db = db.WithContext(ctx)
	var userID int64
	if err := db.Raw(`SELECT id FROM users WHERE email = ?`, email).Row().Scan(&userID); err != nil {
		t.Fatalf("find %s: %v", email, err)
	}
	var (
		attempts, maxNumber int
		anyPassed           bool
	)
	if err := db.Raw(`SELECT COUNT(*), COALESCE(MAX(number), 0), COALESCE(BOOL_OR(passed), false) FROM attempts
		WHERE user_id = ? AND course_id = ? AND module_id = ?`, userID, courseID, moduleID).Row().Scan(&attempts, &maxNumber, &anyPassed); err != nil {
		t.Fatalf("read attempts: %v", err)
	}
	var (
		progressAttempts int
		progressPassed   bool
	)
	if err := db.Raw(`SELECT attempts, passed_at IS NOT NULL FROM module_progress WHERE user_id = ? AND course_id = ? AND module_id = ?`,
		userID, courseID, moduleID).Row().Scan(&progressAttempts, &progressPassed); err != nil {
		t.Fatalf("read module_progress: %v", err)
	}
	var modulesPassed, progressRowsPassed int
	if err := db.Raw(`SELECT modules_passed FROM enrolments WHERE user_id = ? AND course_id = ?`, userID, courseID).Row().Scan(&modulesPassed); err != nil {
		t.Fatalf("read enrolments: %v", err)
	}
	if err := db.Raw(`SELECT COUNT(*) FROM module_progress WHERE user_id = ? AND course_id = ? AND passed_at IS NOT NULL`, userID, courseID).Row().Scan(&progressRowsPassed); err != nil {
		t.Fatalf("count passed modules: %v", err)
	}

	var p []string
	if attempts == 0 {
		p = append(p, "no attempt was recorded")
	}
	if !anyPassed {
		p = append(p, "no attempt records a pass, though every answer was correct")
	}
	if maxNumber != attempts {
		p = append(p, fmt.Sprintf("%d attempt rows numbered up to %d", attempts, maxNumber))
	}
	if progressAttempts != attempts {
		p = append(p, fmt.Sprintf("module_progress counts %d attempts, the attempts table holds %d", progressAttempts, attempts))
	}
	if progressPassed != anyPassed {
		p = append(p, fmt.Sprintf("module_progress says passed=%v, the attempts say passed=%v", progressPassed, anyPassed))
	}
	if modulesPassed != progressRowsPassed || modulesPassed != 1 {
		p = append(p, fmt.Sprintf("enrolments.modules_passed is %d; module_progress has %d passed, want 1", modulesPassed, progressRowsPassed))
	}
	return p
}
