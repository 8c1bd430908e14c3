package main

// The end-to-end tests in this package start the real program: the binary is
// built once per test run and each test starts it as a child process on a
// free port of 127.0.0.1, with its own database, exactly as it is deployed.
// This file holds the durability test and the helpers both tests share:
// building and starting the binary, the databases to run on, and reading the
// HTML it serves.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/content"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/foundations/foundations/courses"
	"golang.org/x/net/html"
)

// TestNoAcknowledgedSaveIsLost autosaves answers to module 1 from many
// concurrent requests, kills the server with SIGKILL while saves are in
// flight, restarts it on the same database and checks that every save the
// server acknowledged is still there. Several requests overlap on the same
// question, so "still there" means: the page shows a value that was sent and
// that was not superseded, in real time, by an acknowledged save (a save
// acknowledged before another acknowledged save was even sent must not win).
func TestNoAcknowledgedSaveIsLost(t *testing.T) {
	course := loadTestCourse(t)
	m := course.Modules[0]
	for _, b := range testBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			env := b.env(t)
			srv := startServer(t, env)
			c := newHTTPClient(t)
			email, password := "durable-"+b.name+"@example.org", "otter lantern quiet harbour"
			registerHTTP(t, c, srv.url, "Dana Durable", email, password)
			doc := getHTML(t, c, srv.url+"/modules/"+m.ID, http.StatusOK)
			csrf := csrfToken(t, doc)

			saves := autosaveUntilKilled(t, c, srv, m, csrf, 300)

			srv2 := startServer(t, env)
			c2 := newHTTPClient(t) // another device: sign in afresh
			signInHTTP(t, c2, srv2.url, email, password)
			got := moduleAnswers(getHTML(t, c2, srv2.url+"/modules/"+m.ID, http.StatusOK))
			checkNoAcknowledgedSaveLost(t, m, saves, got)
			srv2.stop(t)
		})
	}
}

// autoSave is one POST /modules/<id>/save and what became of it.
type autoSave struct {
	question   string
	values     []string
	sent       time.Time
	acked      time.Time // when the 200 arrived; zero if it never did
	worker     int
	sequenceNo int
}

func (s *autoSave) ok() bool { return !s.acked.IsZero() }

// autosaveUntilKilled runs one worker per choice question and several on the
// reflection question, each sending saves one after another with fresh
// values, and SIGKILLs the server once ackTarget saves have been
// acknowledged, at a moment when at least one request is in flight.
func autosaveUntilKilled(t *testing.T, c *http.Client, srv *server, m *app.Module, csrf string, ackTarget int64) []*autoSave {
	t.Helper()
	type worker struct {
		q     *app.Question
		value func(n int) []string
	}
	var workers []worker
	for _, q := range m.Questions() {
		switch q.Type {
		case app.QuestionReflection:
			for w := range 4 {
				workers = append(workers, worker{q, func(n int) []string {
					return []string{fmt.Sprintf("Reflection from writer %d, save %d: Zoë’s note ✓", w, n)}
				}})
			}
		case app.QuestionSingle:
			workers = append(workers, worker{q, func(n int) []string {
				return []string{q.Options[n%len(q.Options)].ID}
			}})
		case app.QuestionMultiple:
			workers = append(workers, worker{q, func(n int) []string {
				mask := n%(1<<len(q.Options)-1) + 1 // every non-empty subset in turn
				var v []string
				for i, o := range q.Options {
					if mask&(1<<i) != 0 {
						v = append(v, o.ID)
					}
				}
				return v
			}})
		}
	}
	if len(workers) < 2 {
		t.Fatalf("module %s has too few questions to save concurrently", m.ID)
	}

	var (
		mu       sync.Mutex
		saves    []*autoSave
		acks     atomic.Int64
		inFlight atomic.Int64
		killed   atomic.Bool
		wg       sync.WaitGroup
	)
	saveURL := srv.url + "/modules/" + m.ID + "/save"
	workerAcks := make([]atomic.Int64, len(workers)) // every question needs an acknowledged save before the kill
	for i, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				s := &autoSave{question: w.q.ID, values: w.value(n), worker: i, sequenceNo: n}
				form := url.Values{"_csrf": {csrf}, "question": {s.question}, "answer": s.values}
				req, _ := http.NewRequest(http.MethodPost, saveURL, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Requested-With", "fetch")
				inFlight.Add(1)
				s.sent = time.Now()
				resp, err := c.Do(req)
				var body []byte
				if err == nil {
					body, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				var reply struct{ Saved bool }
				if err == nil && resp.StatusCode == http.StatusOK && json.Unmarshal(body, &reply) == nil && reply.Saved {
					s.acked = time.Now()
				}
				inFlight.Add(-1)
				mu.Lock()
				saves = append(saves, s)
				mu.Unlock()
				switch {
				case s.ok():
					acks.Add(1)
					workerAcks[i].Add(1)
				case killed.Load():
					return // the server is gone: this save was never acknowledged
				case err != nil:
					t.Errorf("save %q to %s before the kill: %v", s.values, s.question, err)
					return
				default:
					t.Errorf("save %q to %s before the kill: HTTP %d: %s", s.values, s.question, resp.StatusCode, body)
					return
				}
			}
		}()
	}

	everyWorkerAcked := func() bool {
		for i := range workerAcks {
			if workerAcks[i].Load() == 0 {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(30 * time.Second)
	for acks.Load() < ackTarget || !everyWorkerAcked() || inFlight.Load() == 0 {
		if time.Now().After(deadline) {
			killed.Store(true)
			srv.kill(t)
			wg.Wait()
			t.Fatalf("only %d saves were acknowledged in 30s", acks.Load())
		}
		time.Sleep(200 * time.Microsecond)
	}
	killed.Store(true)
	flying := inFlight.Load()
	srv.kill(t)
	wg.Wait()
	unacked := 0
	for _, s := range saves {
		if !s.ok() {
			unacked++
		}
	}
	t.Logf("%d workers; SIGKILL with %d saves in flight; %d acknowledged, %d not", len(workers), flying, acks.Load(), unacked)
	return saves
}

// checkNoAcknowledgedSaveLost compares what the restarted server shows with
// the saves made before the kill. For each question the shown value must be
// that of some save S that was sent, where no acknowledged save X was sent
// after S had been acknowledged (that would make X strictly later than S).
func checkNoAcknowledgedSaveLost(t *testing.T, m *app.Module, saves []*autoSave, got map[string][]string) {
	t.Helper()
	byQuestion := map[string][]*autoSave{}
	for _, s := range saves {
		byQuestion[s.question] = append(byQuestion[s.question], s)
	}
	// The options chosen, as a set: the page lists them in the order it shows them.
	key := func(v []string) string { c := slices.Clone(v); slices.Sort(c); return strings.Join(c, "\x1f") }
	for _, q := range m.Questions() {
		list := byQuestion[q.ID]
		shown := key(got[q.ID])
		var acked []*autoSave
		var latest *autoSave
		for _, s := range list {
			if s.ok() {
				acked = append(acked, s)
				if latest == nil || s.acked.After(latest.acked) {
					latest = s
				}
			}
		}
		if len(acked) == 0 {
			t.Errorf("question %s: no save was acknowledged; the test needs at least one per question", q.ID)
			continue
		}
		allowed := false
		for _, s := range list {
			if key(s.values) != shown {
				continue
			}
			superseded := false
			for _, x := range acked {
				if s.ok() && s.acked.Before(x.sent) {
					superseded = true
					break
				}
			}
			if !superseded {
				allowed = true
				break
			}
		}
		if !allowed {
			t.Errorf("question %s: after the restart the page shows %q, but the last acknowledged save was %q (writer %d, save %d): an acknowledged save was lost",
				q.ID, got[q.ID], latest.values, latest.worker, latest.sequenceNo)
		}
	}
}

// ---- Shared by the end-to-end tests ----------------------------------------

var (
	buildDir  string
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	var err error
	if buildDir, err = os.MkdirTemp("", "foundations-e2e-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(buildDir)
	os.Exit(code)
}

// foundationsBinary builds this package's program once per test run.
func foundationsBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		binPath = filepath.Join(buildDir, "foundations")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// backend is a database the program can run on in a test.
type backend struct {
	name string
	env  func(t *testing.T) []string // DATA_DIR and DATABASE_URL for a fresh database
}

// testBackends is the embedded SQLite always, and PostgreSQL when
// TEST_DATABASE_URL is set (mandatory in CI).
func testBackends(t *testing.T) []backend {
	b := []backend{{name: "sqlite", env: func(t *testing.T) []string {
		return []string{"DATA_DIR=" + t.TempDir()}
	}}}
	if storetest.PostgresURL(t) != "" {
		b = append(b, backend{name: "postgres", env: func(t *testing.T) []string {
			dsn, _ := storetest.FreshSchema(t)
			return []string{"DATA_DIR=" + t.TempDir(), "DATABASE_URL=" + dsn}
		}})
	}
	return b
}

// loadTestCourse loads the course the program serves, with the
// placeholder defaults the program uses.
func loadTestCourse(t testing.TB) *app.Course {
	t.Helper()
	placeholders := map[string]string{}
	for _, p := range placeholderVars {
		placeholders[p.name] = p.def
	}
	c, err := content.Load(courses.FS, "neglect-foundations", content.DefaultOptions(placeholders))
	if err != nil {
		t.Fatalf("load course: %v", err)
	}
	return c
}

// server is the program running as a child process.
type server struct {
	url  string
	cmd  *exec.Cmd
	logs *lockedBuffer
	done chan struct{}
	err  error // from Wait, once done is closed
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startServer starts the program with env added to a minimal environment
// and waits until /readyz answers. The process is killed when the test ends
// if the test has not stopped it; its log is printed if the test failed.
func startServer(t testing.TB, env []string) *server {
	t.Helper()
	return startServerOn(t, strconv.Itoa(freePort(t)), env)
}

// kill ends the process with SIGKILL, as a crash or the OOM killer would.
func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	<-s.done
}

// stop sends SIGTERM and requires a graceful shutdown: exit status 0.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("foundations did not stop within 30s of SIGTERM")
	}
	if s.err != nil {
		t.Errorf("foundations did not shut down cleanly after SIGTERM: %v\n%s", s.err, s.logs.String())
	}
}

// newHTTPClient is a browser-like client: a cookie jar, redirects followed.
func newHTTPClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 15 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
}

func readHTML(t *testing.T, resp *http.Response, want int) *html.Node {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d:\n%s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, body)
	}
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse %s: %v", resp.Request.URL.Path, err)
	}
	return doc
}

func getHTML(t *testing.T, c *http.Client, u string, want int) *html.Node {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return readHTML(t, resp, want)
}

// postForm posts a form and follows the 303 like a browser; it returns the
// final response's page and path.
func postForm(t *testing.T, c *http.Client, u string, form url.Values, want int) (*html.Node, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	path := resp.Request.URL.Path
	return readHTML(t, resp, want), path
}

func registerHTTP(t *testing.T, c *http.Client, base, name, email, password string) {
	t.Helper()
	doc := getHTML(t, c, base+"/register", http.StatusOK)
	var org string
	for _, o := range findAll(doc, func(n *html.Node) bool { return n.Data == "option" && hasAncestorID(n, "field-organisation") }) {
		if v := attr(o, "value"); v != "" {
			org = v
			break
		}
	}
	if org == "" {
		t.Fatal("the registration form offers no organisation")
	}
	_, path := postForm(t, c, base+"/register", url.Values{
		"_csrf": {csrfToken(t, doc)}, "name": {name}, "email": {email}, "password": {password},
		"organisation": {org}, "job_role": {"Health visitor"},
	}, http.StatusOK)
	if path != "/course" {
		t.Fatalf("after registering, landed on %s, want /course", path)
	}
}

func signInHTTP(t *testing.T, c *http.Client, base, email, password string) {
	t.Helper()
	doc := getHTML(t, c, base+"/sign-in", http.StatusOK)
	_, path := postForm(t, c, base+"/sign-in", url.Values{
		"_csrf": {csrfToken(t, doc)}, "email": {email}, "password": {password}, "next": {"/course"},
	}, http.StatusOK)
	if path != "/course" {
		t.Fatalf("after signing in, landed on %s, want /course", path)
	}
}

// moduleAnswers reads a module page's form: each question's checked
// options, or its reflection text, by question ID.
func moduleAnswers(doc *html.Node) map[string][]string {
	got := map[string][]string{}
	for _, n := range findAll(doc, func(n *html.Node) bool { return strings.HasPrefix(attr(n, "name"), "q.") }) {
		q := strings.TrimPrefix(attr(n, "name"), "q.")
		switch n.Data {
		case "textarea":
			if v := textOf(n); v != "" {
				got[q] = append(got[q], v)
			}
		case "input":
			if _, checked := attrOK(n, "checked"); checked {
				got[q] = append(got[q], attr(n, "value"))
			}
		}
	}
	return got
}

func csrfToken(t *testing.T, doc *html.Node) string {
	t.Helper()
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == "_csrf" }) {
		if v := attr(n, "value"); v != "" {
			return v
		}
	}
	t.Fatal("no _csrf field on the page")
	return ""
}

func findAll(root *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return out
}

func attrOK(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

func attr(n *html.Node, name string) string { v, _ := attrOK(n, name); return v }

func hasAncestorID(n *html.Node, id string) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if attr(p, "id") == id {
			return true
		}
	}
	return false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}
