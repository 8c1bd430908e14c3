package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/badge"
	"github.com/foundations/foundations/app/certificate"
	"github.com/foundations/foundations/app/content"
	"github.com/foundations/foundations/app/lti"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/foundations/foundations/app/web"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The small test course (app/content/testdata/small-course) and its right
// answers: module 1 first-steps, module 2 next-steps, pass mark 80%.
const (
	module1 = "first-steps"
	module2 = "next-steps"
)

func module1Right() url.Values {
	return url.Values{"q.m1-colour": {"b"}, "q.m1-fruits": {"a", "b"}, "q.m1-count": {"b"}}
}

func module2Right() url.Values {
	return url.Values{"q.m2-day": {"a"}, "q.m2-shapes": {"a", "c"}, "q.m2-reflection": {"I will look more carefully."}}
}

func evaluationForm() url.Values {
	return url.Values{"eval-useful": {"4"}, "eval-confidence-after": {"5"}, "eval-comments": {"Clear and short."}}
}

const strongPassword = "correct horse battery staple"

// ---------------------------------------------------------------------------
// The server, built as cmd/foundations builds it.

// testClock is the injected clock: it stands still until a test moves it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testServer is the Fiber app with the handles tests look behind it with.
type testServer struct {
	app       *fiber.App
	store     *store.Store
	clock     *testClock
	course    *app.Course
	learning  *app.Learning
	accounts  *app.Accounts
	oversight *app.Oversight
}

// logWriter remembers the server's error lines: none of these tests should
// make the server log an error.
type logWriter struct {
	mu     sync.Mutex
	errors []string
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	line := strings.TrimSpace(string(p))
	if strings.Contains(line, "level=ERROR") {
		w.errors = append(w.errors, line)
	}
	return len(p), nil
}

func loadSmallCourse(t testing.TB) *app.Course {
	t.Helper()
	c, err := content.Load(os.DirFS("../content/testdata"), "small-course",
		content.Options{Placeholders: map[string]string{"partnership_name": "Test Partnership"}})
	if err != nil {
		t.Fatalf("load small course: %v", err)
	}
	return c
}

// newTestServer wires the server the way cmd/foundations does (starter
// organisations, certificate renderer, services, web.New), on st, with an
// injected clock. Several servers may share one store.
func newTestServer(t *testing.T, st *store.Store, tweaks ...func(*web.Config)) *testServer {
	t.Helper()
	ctx := context.Background()
	if existing, err := st.Organisations(ctx); err != nil {
		t.Fatal(err)
	} else if len(existing) == 0 {
		if err := st.EnsureOrganisations(ctx, app.StarterOrganisations); err != nil {
			t.Fatal(err)
		}
	}
	renderer, err := certificate.NewRenderer(certificate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clk := &testClock{t: time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)}
	course := loadSmallCourse(t)
	learning := &app.Learning{Store: st, Course: course, Now: clk.Now, Partnership: "Test Partnership"}
	limits := app.DefaultLimits(st, clk.Now)
	accounts := &app.Accounts{Store: st, Now: clk.Now, IdleTimeout: 30 * time.Minute, MaxAge: 12 * time.Hour, Limits: limits}
	oversight := &app.Oversight{Store: st, Learning: learning, Now: clk.Now}
	logs := &logWriter{}
	t.Cleanup(func() {
		for _, l := range logs.errors {
			t.Errorf("server logged an error: %s", l)
		}
	})
	cfg := web.Config{
		Learning: learning, Accounts: accounts, Oversight: oversight, Store: st, Certificates: renderer,
		Breakdown: &app.Breakdown{Store: st, Course: course, Now: clk.Now}, AuditTrail: &app.AuditTrail{Store: st},
		StaffDecisions: &app.StaffDecisions{Oversight: oversight, Store: st},
		Badges:         &badge.Issuer{Keys: st, BaseURL: "http://localhost:3000", Partnership: "Test Partnership", Now: clk.Now},
		Logger:         slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		BaseURL:        "http://localhost:3000", SecretKey: "a-test-secret-key-that-is-long-enough-0123456789",
		Partnership: "Test Partnership", HelpContact: "training@example.org", QuickExitURL: "https://www.bbc.co.uk/weather",
		Limits:          limits,
		KnowledgeChecks: st,
		LTI: &app.LTI{Store: st, Protocol: lti.New(st, "http://localhost:3000", clk.Now), Accounts: accounts, Course: course,
			BaseURL: "http://localhost:3000", Now: clk.Now},
	}
	for _, tweak := range tweaks {
		tweak(&cfg)
	}
	f, err := web.New(cfg)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	return &testServer{app: f, store: st, clock: clk, course: course, learning: learning, accounts: accounts, oversight: oversight}
}

// count returns how many rows of table match where.
func (s *testServer) count(t *testing.T, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := s.store.DB().Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// ---------------------------------------------------------------------------
// A browser: keeps cookies and the page's CSRF token.

type client struct {
	t   *testing.T
	srv *testServer
	*browser
}

// browser is what a client keeps between requests.
type browser struct {
	cookies map[string]string
	csrf    string // the _csrf value of the last page
}

func (s *testServer) newClient(t *testing.T) *client {
	return &client{t: t, srv: s, browser: &browser{cookies: map[string]string{}}}
}

// in returns the same browser reporting to a subtest's t.
func (c *client) in(t *testing.T) *client {
	return &client{t: t, srv: c.srv, browser: c.browser}
}

type response struct {
	*http.Response
	body []byte
	doc  *html.Node
}

func (c *client) do(req *http.Request) *response {
	c.t.Helper()
	var parts []string
	for k, v := range c.cookies {
		parts = append(parts, k+"="+v)
	}
	if len(parts) > 0 {
		req.Header.Set("Cookie", strings.Join(parts, "; "))
	}
	res, err := c.srv.app.Test(req, -1)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, ck := range res.Cookies() {
		if ck.Value == "" || ck.MaxAge < 0 || (!ck.Expires.IsZero() && ck.Expires.Before(time.Now())) {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	r := &response{Response: res, body: body}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		doc, err := html.Parse(bytes.NewReader(body))
		if err != nil {
			c.t.Fatalf("%s %s: parse HTML: %v", req.Method, req.URL, err)
		}
		r.doc = doc
		if in := findFirst(doc, element("input", "name", "_csrf")); in != nil {
			c.csrf = attr(in, "value")
		}
	}
	return r
}

func (c *client) get(path string, headers ...string) *response {
	c.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// post sends a form as a browser would, adding the CSRF token of the last
// page unless the form sets _csrf itself.
func (c *client) post(path string, form url.Values, headers ...string) *response {
	c.t.Helper()
	if _, ok := form["_csrf"]; !ok {
		form = cloneValues(form)
		form.Set("_csrf", c.csrf)
	}
	return c.postRaw(path, form.Encode(), headers...)
}

// fetch posts as the page's script does: form-encoded, asking for JSON.
func (c *client) fetch(path string, form url.Values) *response {
	c.t.Helper()
	return c.post(path, form, "X-Requested-With", "fetch", "Accept", "application/json")
}

func (c *client) postRaw(path, body string, headers ...string) *response {
	c.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// postOverListener sends a form to the same server over a loopback
// connection and reads the answer while the body is still being written,
// as a browser would. app.Test cannot be used for a body over the server's
// limit: fasthttp answers 413, then ServeConn reports the error, which
// app.Test returns instead of the response.
func (c *client) postOverListener(path, body string) *http.Response {
	c.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		c.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = c.srv.app.Listener(ln)
	}()
	defer func() {
		ln.Close()
		<-done
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		c.t.Fatal(err)
	}
	defer conn.Close()
	req, err := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Requested-With", "fetch")
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	go req.Write(conn) // fails once the server has answered and closed: expected
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	return res
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func merge(vs ...url.Values) url.Values {
	out := url.Values{}
	for _, v := range vs {
		for k, x := range v {
			out[k] = append(out[k], x...)
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// Assertions.

func (r *response) wantStatus(t *testing.T, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body:\n%s", r.Request.Method, r.Request.URL, r.StatusCode, want, snippet(r.body))
	}
}

func (r *response) wantRedirect(t *testing.T, location string) {
	t.Helper()
	r.wantStatus(t, fiber.StatusSeeOther)
	if got := r.Header.Get("Location"); got != location {
		t.Fatalf("%s %s: Location %q, want %q", r.Request.Method, r.Request.URL, got, location)
	}
}

func (r *response) html(t *testing.T) *html.Node {
	t.Helper()
	if r.doc == nil {
		t.Fatalf("%s %s: not an HTML page (Content-Type %q)", r.Request.Method, r.Request.URL, r.Header.Get("Content-Type"))
	}
	return r.doc
}

func (r *response) jsonBody(t *testing.T) map[string]any {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s %s: Content-Type %q, want JSON; body:\n%s", r.Request.Method, r.Request.URL, ct, snippet(r.body))
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("%s %s: %v", r.Request.Method, r.Request.URL, err)
	}
	return m
}

// wantJSONError checks a JSON error answer: status and app error code.
func (r *response) wantJSONError(t *testing.T, status int, code string) {
	t.Helper()
	r.wantStatus(t, status)
	if got := r.jsonBody(t)["error"]; got != code {
		t.Errorf("%s %s: error %v, want %q", r.Request.Method, r.Request.URL, got, code)
	}
}

func snippet(b []byte) string {
	if len(b) > 3000 {
		return string(b[:3000]) + "…"
	}
	return string(b)
}

// pageTitle is the text of <title>.
func pageTitle(t *testing.T, r *response) string {
	t.Helper()
	n := findFirst(r.html(t), element("title"))
	if n == nil {
		t.Fatal("page has no <title>")
	}
	return textOf(n)
}

// errorSummary returns the error summary's links as href → text; nil when
// the page has no summary.
func errorSummary(t *testing.T, r *response) map[string]string {
	t.Helper()
	box := findFirst(r.html(t), element("div", "class", "govuk-error-summary"))
	if box == nil {
		return nil
	}
	links := map[string]string{}
	for _, a := range findAll(box, element("a")) {
		links[attr(a, "href")] = textOf(a)
	}
	return links
}

// wantFieldError checks a 422 page: "Error:" title, a summary linking to
// #field-<field>, and an element with that id on the page.
func wantFieldError(t *testing.T, r *response, field string) string {
	t.Helper()
	r.wantStatus(t, fiber.StatusUnprocessableEntity)
	if title := pageTitle(t, r); !strings.HasPrefix(title, "Error:") {
		t.Errorf("title %q does not start with Error:", title)
	}
	links := errorSummary(t, r)
	msg, ok := links["#field-"+field]
	if !ok {
		t.Fatalf("error summary links %v, want one to #field-%s", links, field)
	}
	if msg == "" {
		t.Errorf("error summary link to #field-%s has no text", field)
	}
	if findFirst(r.html(t), element("", "id", "field-"+field)) == nil {
		t.Errorf("the summary links to #field-%s, but no element has that id", field)
	}
	return msg
}

func heading(t *testing.T, r *response) string {
	t.Helper()
	h := findFirst(r.html(t), element("h1"))
	if h == nil {
		t.Fatalf("%s %s: page has no h1", r.Request.Method, r.Request.URL)
	}
	return textOf(h)
}

// checkedValues lists the checked inputs named name, by value.
func checkedValues(doc *html.Node, name string) []string {
	var out []string
	for _, in := range findAll(doc, element("input", "name", name)) {
		if hasAttr(in, "checked") {
			out = append(out, attr(in, "value"))
		}
	}
	return out
}

func textareaText(t *testing.T, doc *html.Node, name string) string {
	t.Helper()
	n := findFirst(doc, element("textarea", "name", name))
	if n == nil {
		t.Fatalf("no textarea %q", name)
	}
	return textOf(n)
}

// ---------------------------------------------------------------------------
// A small element finder over golang.org/x/net/html.

// element matches a tag ("" for any) and attribute pairs; "class" matches
// one of the element's classes.
func element(tag string, attrs ...string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		if n.Type != html.ElementNode || (tag != "" && n.DataAtom != atom.Lookup([]byte(tag)) && n.Data != tag) {
			return false
		}
		for i := 0; i+1 < len(attrs); i += 2 {
			k, v := attrs[i], attrs[i+1]
			if !hasAttr(n, k) {
				return false
			}
			if k == "class" {
				if !containsField(attr(n, k), v) {
					return false
				}
			} else if attr(n, k) != v {
				return false
			}
		}
		return true
	}
}

func containsField(s, f string) bool {
	for _, x := range strings.Fields(s) {
		if x == f {
			return true
		}
	}
	return false
}

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func findFirst(n *html.Node, match func(*html.Node) bool) *html.Node {
	if all := findAll(n, match); len(all) > 0 {
		return all[0]
	}
	return nil
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf is the element's text with white space collapsed.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// ---------------------------------------------------------------------------
// Journeys.

// firstOrganisation is the value of the first real option of the
// registration form's organisation list.
func firstOrganisation(t *testing.T, r *response) string {
	t.Helper()
	sel := findFirst(r.html(t), element("select", "name", "organisation"))
	if sel == nil {
		t.Fatal("registration form has no organisation list")
	}
	for _, o := range findAll(sel, element("option")) {
		if v := attr(o, "value"); v != "" {
			return v
		}
	}
	t.Fatal("organisation list is empty")
	return ""
}

func registration(org string, email string) url.Values {
	return url.Values{"name": {"Alex Learner"}, "email": {email}, "password": {strongPassword},
		"organisation": {org}, "job_role": {"Health visitor"}, "manager_email": {"manager@example.org"}}
}

// signUp registers a learner through the form and returns their browser.
func (s *testServer) signUp(t *testing.T, name, email string) *client {
	t.Helper()
	c := s.newClient(t)
	page := c.get("/register")
	page.wantStatus(t, fiber.StatusOK)
	form := registration(firstOrganisation(t, page), email)
	form.Set("name", name)
	c.post("/register", form).wantRedirect(t, "/course")
	return c
}

func (s *testServer) userID(t *testing.T, email string) int64 {
	t.Helper()
	u, err := s.store.UserByEmail(context.Background(), app.NormaliseEmail(email))
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return u.ID
}

// submitModule opens a module and submits answers with the no-JS form.
func (c *client) submitModule(moduleID string, answers url.Values) *response {
	c.t.Helper()
	c.get("/modules/"+moduleID).wantStatus(c.t, fiber.StatusOK)
	return c.post("/modules/"+moduleID, merge(answers, url.Values{"action": {"submit"}}))
}

func (c *client) passAllModules() {
	c.t.Helper()
	c.submitModule(module1, module1Right()).wantRedirect(c.t, "/modules/"+module1+"/result")
	c.submitModule(module2, module2Right()).wantRedirect(c.t, "/modules/"+module2+"/result")
}

// ---------------------------------------------------------------------------
// Tests.

func TestRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)

		t.Run("valid", func(t *testing.T) {
			c := srv.newClient(t)
			page := c.get("/register")
			page.wantStatus(t, fiber.StatusOK)
			res := c.post("/register", registration(firstOrganisation(t, page), "valid@example.org"))
			res.wantRedirect(t, "/course")
			var session *http.Cookie
			for _, ck := range res.Cookies() {
				if ck.Name == "foundations_session" {
					session = ck
				}
			}
			if session == nil || session.Value == "" {
				t.Fatalf("no session cookie in %v", res.Header.Values("Set-Cookie"))
			}
			if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
				t.Errorf("session cookie %q: want HttpOnly, SameSite=Lax, Path=/", session.Raw)
			}
			if n := srv.count(t, "users", "email_norm = ?", "valid@example.org"); n != 1 {
				t.Errorf("%d users, want 1", n)
			}
			if n := srv.count(t, "sessions", "token_hash = ?", app.HashToken(session.Value)); n != 1 {
				t.Errorf("%d sessions with the cookie's token, want 1", n)
			}
			course := c.get("/course")
			course.wantStatus(t, fiber.StatusOK)
			if h := heading(t, course); h != "Small Course" {
				t.Errorf("course page h1 %q", h)
			}
		})

		t.Run("invalid", func(t *testing.T) {
			users := srv.count(t, "users", "")
			sessions := srv.count(t, "sessions", "")
			for _, tc := range []struct {
				name, field string
				change      func(url.Values)
			}{
				{"no name", "name", func(v url.Values) { v.Set("name", "  ") }},
				{"long name", "name", func(v url.Values) { v.Set("name", strings.Repeat("x", 101)) }},
				{"no email", "email", func(v url.Values) { v.Del("email") }},
				{"bad email", "email", func(v url.Values) { v.Set("email", "not-an-email") }},
				{"no password", "password", func(v url.Values) { v.Set("password", "") }},
				{"short password", "password", func(v url.Values) { v.Set("password", "elevenchars") }},
				{"common password", "password", func(v url.Values) { v.Set("password", "qwertyuiop123") }},
				{"no organisation", "organisation", func(v url.Values) { v.Set("organisation", "") }},
				{"unknown organisation", "organisation", func(v url.Values) { v.Set("organisation", "987654") }},
				{"no job role", "job_role", func(v url.Values) { v.Set("job_role", "") }},
				{"bad manager email", "manager_email", func(v url.Values) { v.Set("manager_email", "boss@") }},
				{"own email as manager", "manager_email", func(v url.Values) { v.Set("manager_email", "NEW@example.org") }},
				{"email taken", "email", func(v url.Values) { v.Set("email", " Valid@Example.org ") }},
			} {
				t.Run(tc.name, func(t *testing.T) {
					// A server per case: registration is rate limited per address.
					c := newTestServer(t, st).newClient(t)
					page := c.get("/register")
					form := registration(firstOrganisation(t, page), "new@example.org")
					tc.change(form)
					res := c.post("/register", form)
					wantFieldError(t, res, tc.field)
					if _, ok := c.cookies["foundations_session"]; ok {
						t.Error("a refused registration set a session cookie")
					}
					if pw := form.Get("password"); pw != "" && bytes.Contains(res.body, []byte(pw)) {
						t.Error("the password was echoed back")
					}
					if len(errorSummary(t, res)) != 1 {
						t.Errorf("error summary %v, want exactly the one field", errorSummary(t, res))
					}
				})
			}
			if n := srv.count(t, "users", ""); n != users {
				t.Errorf("%d users after refused registrations, want %d", n, users)
			}
			if n := srv.count(t, "sessions", ""); n != sessions {
				t.Errorf("%d sessions after refused registrations, want %d", n, sessions)
			}
		})

		t.Run("form values kept", func(t *testing.T) {
			c := newTestServer(t, st).newClient(t)
			page := c.get("/register")
			org := firstOrganisation(t, page)
			form := registration(org, "kept@example.org")
			form.Set("job_role", "")
			res := c.post("/register", form)
			wantFieldError(t, res, "job_role")
			doc := res.html(t)
			if in := findFirst(doc, element("input", "name", "email")); in == nil || attr(in, "value") != "kept@example.org" {
				t.Error("the email was not kept")
			}
			if o := findFirst(doc, element("option", "value", org)); o == nil || !hasAttr(o, "selected") {
				t.Error("the organisation was not kept")
			}
		})
	})
}

func TestSignInAndOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		srv.signUp(t, "Sam Signin", "sam@example.org")
		userID := srv.userID(t, "sam@example.org")

		t.Run("wrong password or unknown email", func(t *testing.T) {
			before := srv.count(t, "sessions", "user_id = ?", userID)
			var messages []string
			for _, form := range []url.Values{
				{"email": {"sam@example.org"}, "password": {"not the right password"}},
				{"email": {"nobody@example.org"}, "password": {strongPassword}},
			} {
				c := srv.newClient(t)
				c.get("/sign-in").wantStatus(t, fiber.StatusOK)
				res := c.post("/sign-in", form)
				messages = append(messages, wantFieldError(t, res, "email"))
				if _, ok := c.cookies["foundations_session"]; ok {
					t.Error("a failed sign-in set a session cookie")
				}
			}
			if messages[0] != messages[1] {
				t.Errorf("wrong password says %q but unknown email says %q: they must not differ", messages[0], messages[1])
			}
			if n := srv.count(t, "sessions", "user_id = ?", userID); n != before {
				t.Errorf("%d sessions after failed sign-ins, want %d", n, before)
			}
		})

		t.Run("next stays on this site", func(t *testing.T) {
			c := srv.newClient(t)
			c.get("/sign-in?next=%2Fmodules%2F"+module1).wantStatus(t, fiber.StatusOK)
			c.post("/sign-in", url.Values{"email": {"SAM@example.org"}, "password": {strongPassword}, "next": {"/modules/" + module1}}).
				wantRedirect(t, "/modules/"+module1)
			c = srv.newClient(t)
			c.get("/sign-in").wantStatus(t, fiber.StatusOK)
			c.post("/sign-in", url.Values{"email": {"sam@example.org"}, "password": {strongPassword}, "next": {"//evil.example/"}}).
				wantRedirect(t, "/course")
		})

		t.Run("redirects stay on this site", func(t *testing.T) {
			c := srv.newClient(t)
			c.get("/accessibility").wantStatus(t, fiber.StatusOK)
			c.post("/preferences/contrast", url.Values{"return": {"/accessibility"}}).wantRedirect(t, "/accessibility")
			if c.cookies["foundations_contrast"] != "high" {
				t.Error("the contrast toggle did not set its cookie")
			}
			res := c.get("/accessibility")
			if html := findFirst(res.html(t), element("html", "class", "app-theme-contrast")); html == nil {
				t.Error("high contrast is not applied")
			}
			for _, evil := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example/", "evil.example"} {
				c.post("/preferences/contrast", url.Values{"return": {evil}}).wantRedirect(t, "/course")
			}
		})

		t.Run("sign out ends the session on the server", func(t *testing.T) {
			c := srv.newClient(t)
			c.get("/sign-in").wantStatus(t, fiber.StatusOK)
			c.post("/sign-in", url.Values{"email": {"sam@example.org"}, "password": {strongPassword}}).wantRedirect(t, "/course")
			old := c.cookies["foundations_session"]
			if n := srv.count(t, "sessions", "token_hash = ?", app.HashToken(old)); n != 1 {
				t.Fatalf("%d sessions for the cookie, want 1", n)
			}
			c.get("/course").wantStatus(t, fiber.StatusOK)
			res := c.post("/sign-out", url.Values{})
			res.wantStatus(t, fiber.StatusOK)
			if h := heading(t, res); h != "You have signed out" {
				t.Errorf("h1 %q", h)
			}
			if _, ok := c.cookies["foundations_session"]; ok {
				t.Error("sign out did not clear the session cookie")
			}
			if n := srv.count(t, "sessions", "token_hash = ?", app.HashToken(old)); n != 0 {
				t.Errorf("%d sessions for the old cookie after sign out, want 0", n)
			}
			// Replaying the old cookie does not work.
			c.cookies["foundations_session"] = old
			res = c.get("/course")
			res.wantStatus(t, fiber.StatusSeeOther)
			if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/sign-in?next=%2Fcourse") {
				t.Errorf("Location %q, want the sign-in page", loc)
			}
		})

		t.Run("idle session times out", func(t *testing.T) {
			c := srv.newClient(t)
			c.get("/sign-in").wantStatus(t, fiber.StatusOK)
			c.post("/sign-in", url.Values{"email": {"sam@example.org"}, "password": {strongPassword}}).wantRedirect(t, "/course")
			srv.clock.Advance(29 * time.Minute)
			c.get("/course").wantStatus(t, fiber.StatusOK) // extends the session
			srv.clock.Advance(29 * time.Minute)
			c.get("/course").wantStatus(t, fiber.StatusOK)
			srv.clock.Advance(31 * time.Minute)
			c.get("/course").wantRedirect(t, "/sign-in?next=%2Fcourse&timeout=1")
		})
	})
}

func TestCSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		c := srv.signUp(t, "Cara Csrf", "cara@example.org")
		userID := srv.userID(t, "cara@example.org")
		c.get("/modules/"+module1).wantStatus(t, fiber.StatusOK)
		valid := c.csrf
		changed := "x" + valid[1:]
		if valid[0] == 'x' {
			changed = "y" + valid[1:]
		}
		other := srv.newClient(t)
		other.get("/sign-in").wantStatus(t, fiber.StatusOK)

		for _, tc := range []struct {
			name, token string
			omit        bool
		}{
			{name: "no token", omit: true},
			{name: "empty token", token: ""},
			{name: "wrong token", token: "bm90LXRoZS10b2tlbg"},
			{name: "another browser's token", token: other.csrf},
			{name: "token with a character changed", token: changed},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := c.in(t)
				// encode sends the form with the case's token, or none.
				encode := func(v url.Values) string {
					v = cloneValues(v)
					if !tc.omit {
						v.Set("_csrf", tc.token)
					}
					return v.Encode()
				}
				c.postRaw("/modules/"+module1+"/save", encode(url.Values{"question": {"m1-colour"}, "answer": {"b"}}),
					"X-Requested-With", "fetch").wantJSONError(t, fiber.StatusForbidden, app.EFORBIDDEN)
				c.postRaw("/modules/"+module1, encode(merge(module1Right(), url.Values{"action": {"submit"}}))).
					wantStatus(t, fiber.StatusForbidden)
				c.postRaw("/sign-out", encode(url.Values{})).wantStatus(t, fiber.StatusForbidden)
				anon := srv.newClient(t)
				anon.get("/register").wantStatus(t, fiber.StatusOK)
				anon.postRaw("/register", encode(registration("1", "csrf-victim@example.org"))).
					wantStatus(t, fiber.StatusForbidden)

				if n := srv.count(t, "answers", "user_id = ?", userID); n != 0 {
					t.Errorf("%d answers saved without a valid token", n)
				}
				if n := srv.count(t, "attempts", "user_id = ?", userID); n != 0 {
					t.Errorf("%d attempts without a valid token", n)
				}
				if n := srv.count(t, "users", "email_norm = ?", "csrf-victim@example.org"); n != 0 {
					t.Error("registered without a valid token")
				}
				c.get("/course").wantStatus(t, fiber.StatusOK) // still signed in
			})
		}

		// The token's seed is a cookie scripts cannot read.
		res0 := srv.newClient(t).get("/sign-in")
		var seed *http.Cookie
		for _, ck := range res0.Cookies() {
			if ck.Name == "foundations_csrf" {
				seed = ck
			}
		}
		if seed == nil || !seed.HttpOnly || seed.SameSite != http.SameSiteLaxMode {
			t.Errorf("CSRF cookie %v: want HttpOnly and SameSite=Lax", seed)
		}

		// The header the page's script sends is accepted in place of the field.
		res := c.postRaw("/modules/"+module1+"/save", url.Values{"question": {"m1-colour"}, "answer": {"b"}}.Encode(),
			"X-Requested-With", "fetch", "X-CSRF-Token", valid)
		res.wantStatus(t, fiber.StatusOK)
		if n := srv.count(t, "answers", "user_id = ?", userID); n != 1 {
			t.Errorf("%d answers after a valid autosave, want 1", n)
		}
	})
}

func TestAnonymous(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		c := srv.newClient(t)
		c.get("/course").wantRedirect(t, "/sign-in?next=%2Fcourse")
		c.get("/modules/"+module1).wantRedirect(t, "/sign-in?next=%2Fmodules%2F"+module1)
		c.get("/sign-in").wantStatus(t, fiber.StatusOK) // a CSRF token, as a stale page would have
		c.fetch("/modules/"+module1+"/save", url.Values{"question": {"m1-colour"}, "answer": {"b"}}).
			wantJSONError(t, fiber.StatusUnauthorized, app.EUNAUTHORIZED)
		c.post("/evaluation", evaluationForm()).wantStatus(t, fiber.StatusUnauthorized)
		c.get("/certificate.pdf").wantRedirect(t, "/sign-in?next=%2Fcertificate.pdf")
		if n := srv.count(t, "answers", ""); n != 0 {
			t.Errorf("%d answers saved anonymously", n)
		}
		start := c.get("/")
		start.wantStatus(t, fiber.StatusOK)
		if h := heading(t, start); h != "Small Course" {
			t.Errorf("start page h1 %q", h)
		}
	})
}

func TestEligibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		c := srv.signUp(t, "Eli Early", "eli@example.org")
		userID := srv.userID(t, "eli@example.org")
		c.get("/course").wantStatus(t, fiber.StatusOK)

		c.get("/modules/"+module2).wantStatus(t, fiber.StatusForbidden)
		if n := srv.count(t, "module_progress", "user_id = ? AND module_id = ?", userID, module2); n != 0 {
			t.Errorf("opening a locked module recorded progress")
		}
		c.fetch("/modules/"+module2+"/save", url.Values{"question": {"m2-day"}, "answer": {"a"}}).
			wantJSONError(t, fiber.StatusForbidden, app.EFORBIDDEN)
		c.post("/modules/"+module2, merge(module2Right(), url.Values{"action": {"save"}})).wantStatus(t, fiber.StatusForbidden)
		c.post("/modules/"+module2, merge(module2Right(), url.Values{"action": {"submit"}})).wantStatus(t, fiber.StatusForbidden)
		if n := srv.count(t, "answers", "user_id = ?", userID); n != 0 {
			t.Errorf("%d answers saved to a locked module", n)
		}
		if n := srv.count(t, "attempts", "user_id = ?", userID); n != 0 {
			t.Errorf("%d attempts at a locked module", n)
		}

		c.get("/evaluation").wantStatus(t, fiber.StatusForbidden)
		c.post("/evaluation", evaluationForm()).wantStatus(t, fiber.StatusForbidden)
		// Not yet is not yet, whatever the form says: no evaluation form
		// with errors for a learner who may not send it.
		c.post("/evaluation", url.Values{}).wantStatus(t, fiber.StatusForbidden)
		if n := srv.count(t, "evaluations", "user_id = ?", userID); n != 0 {
			t.Errorf("%d evaluations before passing", n)
		}
		if n := srv.count(t, "certificates", "user_id = ?", userID); n != 0 {
			t.Errorf("%d certificates before passing", n)
		}
		c.get("/certificate").wantStatus(t, fiber.StatusNotFound)
		c.get("/certificate.pdf").wantStatus(t, fiber.StatusNotFound)

		// Passing module 1 opens module 2, and only module 2.
		c.submitModule(module1, module1Right()).wantRedirect(t, "/modules/"+module1+"/result")
		c.get("/modules/"+module2).wantStatus(t, fiber.StatusOK)
		c.get("/evaluation").wantStatus(t, fiber.StatusForbidden)
	})
}

func TestBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		c := srv.signUp(t, "Bea Bad", "bea@example.org")
		userID := srv.userID(t, "bea@example.org")
		c.get("/modules/"+module1).wantStatus(t, fiber.StatusOK)
		save := "/modules/" + module1 + "/save"

		for _, tc := range []struct {
			name string
			form url.Values
		}{
			{"unknown question", url.Values{"question": {"no-such-question"}, "answer": {"a"}}},
			{"no question", url.Values{"answer": {"a"}}},
			{"question from another module", url.Values{"question": {"m2-day"}, "answer": {"a"}}},
			{"option the question does not have", url.Values{"question": {"m1-colour"}, "answer": {"z"}}},
			{"two answers to a single-choice question", url.Values{"question": {"m1-colour"}, "answer": {"a", "b"}}},
			{"the same option twice", url.Values{"question": {"m1-fruits"}, "answer": {"a", "a"}}},
			{"two texts for a reflection", url.Values{"question": {"m1-reflection"}, "answer": {"one", "two"}}},
			{"over-long reflection", url.Values{"question": {"m1-reflection"}, "answer": {strings.Repeat("é", app.MaxReflectionLength+1)}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := c.in(t)
				c.fetch(save, tc.form).wantJSONError(t, fiber.StatusUnprocessableEntity, app.EINVALID)
			})
		}
		if n := srv.count(t, "answers", "user_id = ?", userID); n != 0 {
			t.Errorf("%d answers saved from bad autosaves", n)
		}

		t.Run("unknown module", func(t *testing.T) {
			c := c.in(t)
			c.get("/modules/no-such-module").wantStatus(t, fiber.StatusNotFound)
			c.get("/modules/no-such-module/result").wantStatus(t, fiber.StatusNotFound)
			c.post("/modules/no-such-module", url.Values{"action": {"save"}}).wantStatus(t, fiber.StatusNotFound)
			c.fetch("/modules/no-such-module/save", url.Values{"question": {"m1-colour"}, "answer": {"b"}}).
				wantJSONError(t, fiber.StatusNotFound, app.ENOTFOUND)
		})

		t.Run("no result before a submission", func(t *testing.T) {
			c := c.in(t)
			c.get("/modules/"+module1+"/result").wantStatus(t, fiber.StatusNotFound)
		})

		t.Run("oversized body", func(t *testing.T) {
			c := c.in(t)
			form := url.Values{"_csrf": {c.csrf}, "question": {"m1-reflection"}, "answer": {strings.Repeat("a", 300*1024)}}
			res := c.postOverListener(save, form.Encode())
			if res.StatusCode != fiber.StatusRequestEntityTooLarge {
				t.Errorf("status %d, want 413", res.StatusCode)
			}
			// Just under the limit is read, and refused by the rules.
			form.Set("answer", strings.Repeat("a", 200*1024))
			c.fetch(save, form).wantJSONError(t, fiber.StatusUnprocessableEntity, app.EINVALID)
		})

		t.Run("malformed form", func(t *testing.T) {
			c := c.in(t)
			for _, body := range []string{
				"_csrf=" + url.QueryEscape(c.csrf) + "&action=save&q.m1-colour=%zz",
				"_csrf=" + url.QueryEscape(c.csrf) + "&action=save&q.m1-reflection=%E2%28%A1",
				"_csrf=" + url.QueryEscape(c.csrf) + "&action=save&q.m1-colour=b%",
				"_csrf=%zz" + url.QueryEscape(c.csrf) + "&action=save&q.m1-colour=b",
			} {
				res := c.postRaw("/modules/"+module1, body)
				if res.StatusCode < 400 || res.StatusCode >= 500 {
					t.Errorf("body %q: status %d, want 4xx", body, res.StatusCode)
				}
			}
		})

		t.Run("unknown action", func(t *testing.T) {
			c := c.in(t)
			for _, action := range []string{"bogus", ""} {
				form := merge(module1Right(), url.Values{"action": {action}})
				c.post("/modules/"+module1, form).wantStatus(t, fiber.StatusUnprocessableEntity)
			}
		})

		t.Run("unknown field in the module form", func(t *testing.T) {
			c := c.in(t)
			form := merge(module1Right(), url.Values{"action": {"save"}, "q.no-such-question": {"a"}})
			c.post("/modules/"+module1, form).wantStatus(t, fiber.StatusUnprocessableEntity)
		})

		if n := srv.count(t, "answers", "user_id = ?", userID); n != 0 {
			t.Errorf("%d answers saved from bad requests", n)
		}
		if n := srv.count(t, "attempts", "user_id = ?", userID); n != 0 {
			t.Errorf("%d attempts from bad requests", n)
		}
	})
}

func TestModuleFormWithoutJavaScript(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		c := srv.signUp(t, "Nora Nojs", "nora@example.org")
		userID := srv.userID(t, "nora@example.org")
		path := "/modules/" + module1

		page := c.get(path)
		page.wantStatus(t, fiber.StatusOK)
		form := findFirst(page.html(t), element("form", "action", path))
		if form == nil || attr(form, "method") != "post" {
			t.Fatal("the module page has no form posting to the module")
		}
		for _, action := range []string{"save", "submit"} {
			if findFirst(form, element("button", "name", "action", "value", action)) == nil {
				t.Errorf("the form has no %s button", action)
			}
		}

		t.Run("save keeps every answer", func(t *testing.T) {
			c := c.in(t)
			c.post(path, url.Values{"action": {"save"}, "q.m1-colour": {"b"}, "q.m1-fruits": {"a", "c"}, "q.m1-reflection": {"Line one\r\nline two"}}).
				wantRedirect(t, path+"?saved=1#save")
			if n := srv.count(t, "answers", "user_id = ?", userID); n != 3 {
				t.Errorf("%d answers saved, want 3", n)
			}
			res := c.get(path + "?saved=1")
			res.wantStatus(t, fiber.StatusOK)
			doc := res.html(t)
			if findFirst(doc, element("div", "class", "govuk-notification-banner--success")) == nil {
				t.Error("no saved banner")
			}
			if got := checkedValues(doc, "q.m1-colour"); len(got) != 1 || got[0] != "b" {
				t.Errorf("m1-colour checked %v, want [b]", got)
			}
			if got := checkedValues(doc, "q.m1-fruits"); strings.Join(got, ",") != "a,c" {
				t.Errorf("m1-fruits checked %v, want [a c]", got)
			}
			if got := checkedValues(doc, "q.m1-count"); len(got) != 0 {
				t.Errorf("m1-count checked %v, want none", got)
			}
			if got := textareaText(t, doc, "q.m1-reflection"); got != "Line one line two" {
				t.Errorf("reflection %q", got)
			}
		})

		t.Run("submit with a missing answer", func(t *testing.T) {
			c := c.in(t)
			res := c.post(path, url.Values{"action": {"submit"}, "q.m1-colour": {"b"}, "q.m1-fruits": {"a", "b"}})
			msg := wantFieldError(t, res, "m1-count")
			if !strings.Contains(msg, "What is two and two?") {
				t.Errorf("summary message %q does not name the question", msg)
			}
			if links := errorSummary(t, res); len(links) != 1 {
				t.Errorf("summary %v, want only m1-count", links)
			}
			doc := res.html(t)
			if got := checkedValues(doc, "q.m1-colour"); len(got) != 1 || got[0] != "b" {
				t.Errorf("posted answer to m1-colour not kept: checked %v", got)
			}
			if got := checkedValues(doc, "q.m1-fruits"); strings.Join(got, ",") != "a,b" {
				t.Errorf("posted answer to m1-fruits not kept: checked %v", got)
			}
			if findFirst(doc, element("p", "id", "field-m1-count-error")) == nil {
				t.Error("no error message at the question")
			}
			if n := srv.count(t, "attempts", "user_id = ?", userID); n != 0 {
				t.Errorf("%d attempts recorded for an incomplete submit", n)
			}
			if n := srv.count(t, "answers", "user_id = ? AND question_id = ?", userID, "m1-fruits"); n != 1 {
				t.Error("the posted answer was not saved")
			}
		})

		t.Run("fail then pass", func(t *testing.T) {
			c := c.in(t)
			wrong := module1Right()
			wrong.Set("q.m1-colour", "a")
			c.post(path, merge(wrong, url.Values{"action": {"submit"}})).wantRedirect(t, path+"/result")
			res := c.get(path + "/result")
			res.wantStatus(t, fiber.StatusOK)
			if h := heading(t, res); h != "You have not passed this module yet" {
				t.Errorf("failed result h1 %q", h)
			}
			if p := findFirst(res.html(t), element("p", "class", "govuk-body-l")); p == nil || !strings.Contains(textOf(p), "66%") {
				t.Errorf("failed result does not show 66%%")
			}

			c.get(path).wantStatus(t, fiber.StatusOK)
			c.post(path, merge(module1Right(), url.Values{"action": {"submit"}})).wantRedirect(t, path+"/result")
			res = c.get(path + "/result")
			res.wantStatus(t, fiber.StatusOK)
			if h := heading(t, res); h != "Module 1 passed" {
				t.Errorf("passed result h1 %q", h)
			}
			panel := findFirst(res.html(t), element("div", "class", "govuk-panel__body"))
			if panel == nil || !strings.Contains(textOf(panel), "100%") {
				t.Error("passed result does not show the score 100%")
			}

			var attempts []struct {
				Number int
				Passed bool
			}
			if err := st.DB().Table("attempts").Where("user_id = ?", userID).Order("number").Find(&attempts).Error; err != nil {
				t.Fatal(err)
			}
			if len(attempts) != 2 || attempts[0].Number != 1 || attempts[0].Passed || attempts[1].Number != 2 || !attempts[1].Passed {
				t.Errorf("attempts %+v, want a failed attempt 1 and a passed attempt 2", attempts)
			}
			course := c.get("/course")
			if tag := findFirst(course.html(t), element("div", "id", "module-"+module1+"-status")); tag == nil || textOf(tag) != "Passed (100%)" {
				t.Error("the course page does not show module 1 passed")
			}
			if findFirst(course.html(t), element("a", "href", "/modules/"+module2)) == nil {
				t.Error("the course page does not link to module 2")
			}
		})

		t.Run("a passed module's answers cannot change", func(t *testing.T) {
			c := c.in(t)
			before := srv.count(t, "answers", "user_id = ? AND question_id = ? AND options = ?", userID, "m1-colour", "b")
			c.post(path, url.Values{"action": {"save"}, "q.m1-colour": {"a"}}).wantStatus(t, fiber.StatusConflict)
			c.fetch(path+"/save", url.Values{"question": {"m1-colour"}, "answer": {"a"}}).wantJSONError(t, fiber.StatusConflict, app.ECONFLICT)
			if n := srv.count(t, "answers", "user_id = ? AND question_id = ? AND options = ?", userID, "m1-colour", "b"); n != before || n != 1 {
				t.Error("a passed module's answer changed")
			}
			if n := srv.count(t, "attempts", "user_id = ?", userID); n != 2 {
				t.Errorf("%d attempts, want 2", n)
			}
		})
	})
}

func TestAutosave(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		c := srv.signUp(t, "Ada Auto", "ada@example.org")
		userID := srv.userID(t, "ada@example.org")
		c.get("/modules/"+module1).wantStatus(t, fiber.StatusOK)
		res := c.fetch("/modules/"+module1+"/save", url.Values{"question": {"m1-fruits"}, "answer": {"b", "a"}})
		res.wantStatus(t, fiber.StatusOK)
		if got := res.jsonBody(t); got["saved"] != true || got["question"] != "m1-fruits" {
			t.Errorf("autosave answered %v", got)
		}
		if n := srv.count(t, "answers", "user_id = ? AND question_id = ? AND options = ?", userID, "m1-fruits", "a,b"); n != 1 {
			t.Error("the autosaved answer is not stored in the question's order")
		}
		// No values clears the answer.
		c.fetch("/modules/"+module1+"/save", url.Values{"question": {"m1-fruits"}}).wantStatus(t, fiber.StatusOK)
		if n := srv.count(t, "answers", "user_id = ?", userID); n != 0 {
			t.Errorf("%d answers after clearing, want 0", n)
		}
	})
}

func TestIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		a := srv.signUp(t, "Anna First", "anna@example.org")
		const secret = "Anna's private reflection 7f3c"
		a.get("/modules/"+module1).wantStatus(t, fiber.StatusOK)
		a.post("/modules/"+module1, url.Values{"action": {"save"}, "q.m1-colour": {"a"}, "q.m1-fruits": {"a", "c"}, "q.m1-count": {"c"}, "q.m1-reflection": {secret}}).
			wantRedirect(t, "/modules/"+module1+"?saved=1#save")

		b := srv.signUp(t, "Ben Second", "ben@example.org")
		res := b.get("/modules/" + module1)
		res.wantStatus(t, fiber.StatusOK)
		doc := res.html(t)
		for _, q := range []string{"q.m1-colour", "q.m1-fruits", "q.m1-count"} {
			if got := checkedValues(doc, q); len(got) != 0 {
				t.Errorf("B sees %s checked %v: A's answers leaked", q, got)
			}
		}
		if got := textareaText(t, doc, "q.m1-reflection"); got != "" {
			t.Errorf("B sees reflection %q", got)
		}
		if bytes.Contains(res.body, []byte(secret)) {
			t.Error("A's reflection appears on B's page")
		}
		b.get("/modules/"+module1+"/result").wantStatus(t, fiber.StatusNotFound)

		// B's saves do not touch A's answers.
		aID := srv.userID(t, "anna@example.org")
		b.fetch("/modules/"+module1+"/save", url.Values{"question": {"m1-colour"}, "answer": {"b"}}).wantStatus(t, fiber.StatusOK)
		if n := srv.count(t, "answers", "user_id = ? AND question_id = ? AND options = ?", aID, "m1-colour", "a"); n != 1 {
			t.Error("B's autosave changed A's answer")
		}

		// No URL a learner may use takes a user (or any other record) ID: a
		// learner's routes take only a module of the course or a
		// certificate code, and every route that takes anything else
		// refuses a learner, even with a real ID.
		for _, r := range srv.app.GetRoutes(true) {
			if r.Method != http.MethodGet && r.Method != http.MethodPost {
				continue
			}
			path, other := r.Path, false
			for _, p := range r.Params {
				switch {
				case p == "module" || p == "code" || (r.Path == "/static/*" && strings.HasPrefix(p, "*")):
				default:
					other = true
					path = strings.ReplaceAll(path, ":"+p, fmt.Sprint(aID))
				}
			}
			if !other {
				continue
			}
			var res *response
			if r.Method == http.MethodGet {
				res = b.get(path)
			} else {
				res = b.post(path, url.Values{"role": {"admin"}, "manager_email": {"ben@example.org"}})
			}
			if res.StatusCode != fiber.StatusForbidden && res.StatusCode != fiber.StatusNotFound {
				t.Errorf("learner B: %s %s (route %s): status %d, want 403 or 404", r.Method, path, r.Path, res.StatusCode)
			}
			if bytes.Contains(res.body, []byte("Anna First")) || bytes.Contains(res.body, []byte(secret)) {
				t.Errorf("learner B: %s %s shows A's data", r.Method, path)
			}
		}
		if n := srv.count(t, "users", "id = ? AND name = ? AND roles = ?", aID, "Anna First", "learner"); n != 1 {
			t.Error("learner B's requests changed A's record")
		}
		for _, q := range []string{"/course?user=1", "/course?user_id=1", "/modules/" + module1 + "?user_id=1"} {
			res := b.get(q)
			res.wantStatus(t, fiber.StatusOK)
			if bytes.Contains(res.body, []byte(secret)) || bytes.Contains(res.body, []byte("Anna First")) {
				t.Errorf("%s shows A's data to B", q)
			}
		}
	})
}

func TestEvaluationAndCertificate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		c := srv.signUp(t, "Chloé O'Brien", "chloe@example.org")
		userID := srv.userID(t, "chloe@example.org")
		c.passAllModules()

		page := c.get("/evaluation")
		page.wantStatus(t, fiber.StatusOK)
		if findFirst(page.html(t), element("form", "action", "/evaluation")) == nil {
			t.Fatal("no evaluation form")
		}

		t.Run("a missing rating is refused", func(t *testing.T) {
			c := c.in(t)
			form := evaluationForm()
			form.Del("eval-useful")
			wantFieldError(t, c.post("/evaluation", form), "eval-useful")
			if n := srv.count(t, "evaluations", "user_id = ?", userID); n != 0 {
				t.Errorf("%d evaluations from a refused form", n)
			}
			form = evaluationForm()
			form.Set("eval-useful", "6")
			wantFieldError(t, c.post("/evaluation", form), "eval-useful")
			form = merge(evaluationForm(), url.Values{"eval-unknown": {"1"}})
			c.post("/evaluation", form).wantStatus(t, fiber.StatusUnprocessableEntity)
			if n := srv.count(t, "certificates", "user_id = ?", userID); n != 0 {
				t.Errorf("%d certificates from refused forms", n)
			}
		})

		c.post("/evaluation", evaluationForm()).wantRedirect(t, "/certificate?issued=1")
		if n := srv.count(t, "certificates", "user_id = ?", userID); n != 1 {
			t.Fatalf("%d certificates, want 1", n)
		}
		var code string
		if err := st.DB().Table("certificates").Where("user_id = ?", userID).Select("code").Scan(&code).Error; err != nil {
			t.Fatal(err)
		}
		grouped := app.FormatCode(code)

		res := c.get("/certificate?issued=1")
		res.wantStatus(t, fiber.StatusOK)
		if h := heading(t, res); h != "Course complete" {
			t.Errorf("certificate page h1 %q", h)
		}
		if el := findFirst(res.html(t), element("strong", "class", "app-code")); el == nil || textOf(el) != grouped {
			t.Errorf("the certificate page does not show the code %s", grouped)
		}

		t.Run("issued once", func(t *testing.T) {
			c := c.in(t)
			c.get("/evaluation").wantRedirect(t, "/certificate")
			c.post("/evaluation", evaluationForm()).wantStatus(t, fiber.StatusConflict)
			c.post("/evaluation", url.Values{}).wantStatus(t, fiber.StatusConflict)
			if n := srv.count(t, "certificates", "user_id = ?", userID); n != 1 {
				t.Errorf("%d certificates after a second evaluation, want 1", n)
			}
			if n := srv.count(t, "evaluations", "user_id = ?", userID); n != 1 {
				t.Errorf("%d evaluations, want 1", n)
			}
		})

		t.Run("PDF", func(t *testing.T) {
			c := c.in(t)
			res := c.get("/certificate.pdf")
			res.wantStatus(t, fiber.StatusOK)
			if ct := res.Header.Get("Content-Type"); ct != "application/pdf" {
				t.Errorf("Content-Type %q", ct)
			}
			if !bytes.HasPrefix(res.body, []byte("%PDF")) {
				t.Errorf("body starts %q, want %%PDF", snippet(res.body[:min(len(res.body), 16)]))
			}
			if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".pdf") {
				t.Errorf("Content-Disposition %q", cd)
			}
		})

		t.Run("verify", func(t *testing.T) {
			anon := srv.newClient(t)
			lower := strings.ToLower(code)
			for _, path := range []string{"/verify/" + grouped, "/verify/" + lower, "/verify/" + url.PathEscape(strings.ToLower(grouped))} {
				res := anon.get(path)
				res.wantStatus(t, fiber.StatusOK)
				doc := res.html(t)
				panel := findFirst(doc, element("h2", "class", "govuk-panel__title"))
				if panel == nil || textOf(panel) != "Valid certificate" {
					t.Errorf("%s: no Valid panel", path)
				}
				var name string
				for _, row := range findAll(doc, element("div", "class", "govuk-summary-list__row")) {
					if k := findFirst(row, element("dt")); k != nil && textOf(k) == "Name" {
						name = textOf(findFirst(row, element("dd")))
					}
				}
				if name != "Chloé O'Brien" {
					t.Errorf("%s: name %q", path, name)
				}
				if !strings.HasPrefix(pageTitle(t, res), "Certificate valid") {
					t.Errorf("%s: title %q", path, pageTitle(t, res))
				}
			}

			res := anon.get("/verify/NOTACODE")
			res.wantStatus(t, fiber.StatusNotFound)
			if h := heading(t, res); h != "Certificate not found" {
				t.Errorf("not-found h1 %q", h)
			}
			// A well-formed code that was never issued.
			anon.get("/verify/"+app.FormatCode(app.NewCertificateCode())).wantStatus(t, fiber.StatusNotFound)

			anon.get("/verify?code="+url.QueryEscape(" "+strings.ToLower(grouped)+" ")).wantRedirect(t, "/verify/"+grouped)
			anon.get("/verify?code="+url.QueryEscape(lower)).wantRedirect(t, "/verify/"+grouped)
			res = anon.get("/verify?code=NOTACODE")
			res.wantStatus(t, fiber.StatusNotFound)
			wantSummaryLink(t, res, "code")
			anon.get("/verify").wantStatus(t, fiber.StatusOK)
		})
	})
}

func wantSummaryLink(t *testing.T, r *response, field string) {
	t.Helper()
	if _, ok := errorSummary(t, r)["#field-"+field]; !ok {
		t.Errorf("error summary %v has no link to #field-%s", errorSummary(t, r), field)
	}
}

func TestHealthAndNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		c := srv.newClient(t)
		c.get("/healthz").wantStatus(t, fiber.StatusOK)
		c.get("/readyz").wantStatus(t, fiber.StatusOK)

		for _, path := range []string{"/no/such/page", "/modules", "/admin/users/1", "/static"} {
			res := c.get(path)
			res.wantStatus(t, fiber.StatusNotFound)
			if h := heading(t, res); h != "Page not found" {
				t.Errorf("%s: h1 %q", path, h)
			}
			// Words in what the page says; random tokens in its attributes
			// (CSRF, learner keys) may spell "sql" by chance, so short words
			// are looked for in the text only.
			text := strings.ToLower(textOf(res.html(t)))
			for _, leak := range []string{"Cannot GET", "goroutine", ".go:", "runtime.", "fiber", "gorm", "sql"} {
				if strings.Contains(text, strings.ToLower(leak)) {
					t.Errorf("%s: the 404 page says %q", path, leak)
				}
			}
			for _, leak := range []string{"Cannot GET", "goroutine", ".go:", "runtime."} {
				if bytes.Contains(bytes.ToLower(res.body), []byte(strings.ToLower(leak))) {
					t.Errorf("%s: the 404 page contains %q", path, leak)
				}
			}
		}
	})
}

var hashedAsset = regexp.MustCompile(`^/static/css/app\.[0-9a-f]{12}\.css$`)

func TestStaticAssets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		c := srv.newClient(t)
		page := c.get("/")
		page.wantStatus(t, fiber.StatusOK)
		link := findFirst(page.html(t), element("link", "rel", "stylesheet"))
		if link == nil || !hashedAsset.MatchString(attr(link, "href")) {
			t.Fatalf("stylesheet link %v is not a hashed URL", link)
		}
		res := c.get(attr(link, "href"))
		res.wantStatus(t, fiber.StatusOK)
		cc := res.Header.Get("Cache-Control")
		if !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("Cache-Control %q", cc)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
			t.Errorf("Content-Type %q", ct)
		}
		if len(res.body) == 0 {
			t.Error("empty stylesheet")
		}
		script := findFirst(page.html(t), element("script"))
		if script == nil {
			t.Fatal("no script")
		}
		c.get(attr(script, "src")).wantStatus(t, fiber.StatusOK)

		for _, path := range []string{"/static/css/app.css", "/static/css/app.000000000000.css", "/static/static.go", "/static/", "/static/js/app.js"} {
			res := c.get(path)
			res.wantStatus(t, fiber.StatusNotFound)
			if strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
				t.Errorf("%s: a 404 is cached as immutable", path)
			}
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		c := srv.signUp(t, "Hedda Headers", "hedda@example.org")
		c.get("/modules/"+module1).wantStatus(t, fiber.StatusOK)
		for _, res := range []*response{
			c.get("/"),
			c.get("/course"),
			c.get("/no-such-page"),
			c.fetch("/modules/"+module1+"/save", url.Values{"question": {"nope"}}),
			c.get("/healthz"),
		} {
			where := res.Request.Method + " " + res.Request.URL.Path
			csp := res.Header.Get("Content-Security-Policy")
			for _, d := range []string{"default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, d) {
					t.Errorf("%s: CSP %q lacks %q", where, csp, d)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("%s: CSP %q allows unsafe code", where, csp)
			}
			for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
				if got := res.Header.Get(h); got != want {
					t.Errorf("%s: %s %q, want %q", where, h, got, want)
				}
			}
		}
		if cc := c.get("/course").Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("a signed-in page has Cache-Control %q, want no-store", cc)
		}
	})
}

// TestPagesRender walks every page a learner sees with the small course,
// so a template that fails on real data fails here.
func TestPagesRender(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		anon := srv.newClient(t)
		for _, p := range []string{"/", "/register", "/sign-in", "/sign-in?timeout=1", "/verify", "/accessibility"} {
			res := anon.get(p)
			res.wantStatus(t, fiber.StatusOK)
			heading(t, res)
		}
		c := srv.signUp(t, "Petra Pages", "petra@example.org")
		c.passAllModules()
		c.post("/evaluation", evaluationForm()).wantRedirect(t, "/certificate?issued=1")
		for _, p := range []string{"/course", "/modules/" + module1, "/modules/" + module2, "/modules/" + module1 + "/result",
			"/modules/" + module2 + "/result", "/certificate", "/accessibility"} {
			res := c.get(p)
			res.wantStatus(t, fiber.StatusOK)
			if title := pageTitle(t, res); strings.HasPrefix(title, "Error") || !strings.Contains(title, "Test Partnership") {
				t.Errorf("%s: title %q", p, title)
			}
		}
		// A passed module is read-only: no autosave, no buttons.
		res := c.get("/modules/" + module1)
		if f := findFirst(res.html(t), element("form", "action", "/modules/"+module1)); f == nil || hasAttr(f, "data-autosave-url") {
			t.Error("a passed module still autosaves")
		}
		if findFirst(res.html(t), element("button", "name", "action")) != nil {
			t.Error("a passed module still has submit buttons")
		}
	})
}
