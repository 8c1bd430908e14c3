package web_test

// Tests for the ASVS gaps of issue 14, one test (or subtest) per item.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/foundations/foundations/app/web"
	"github.com/gofiber/fiber/v2"
)

// infoLog keeps every line the server logs, to check security events.
type infoLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *infoLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, strings.TrimSpace(string(p)))
	return len(p), nil
}

// with returns the lines holding every one of parts.
func (l *infoLog) with(parts ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}

func (l *infoLog) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// logTo sends the server's log (and its services') to l.
func logTo(l *infoLog) func(*web.Config) {
	return func(c *web.Config) {
		log := slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.Logger, c.Accounts.Log, c.Oversight.Log = log, log, log
	}
}

func (c *client) signIn(email, password string) *response {
	c.t.Helper()
	c.get("/sign-in").wantStatus(c.t, fiber.StatusOK)
	return c.post("/sign-in", url.Values{"email": {email}, "password": {password}})
}

func wantRetryAfter(t *testing.T, r *response) int {
	t.Helper()
	n, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || n < 1 {
		t.Fatalf("%s %s: Retry-After %q, want a number of seconds", r.Request.Method, r.Request.URL, r.Header.Get("Retry-After"))
	}
	return n
}

// Items 1 and 2: sign-in limits are counted in the database, so they hold
// across instances and restarts; one address is limited whatever the
// email; one account slows down after failures, without locking out.
func TestSignInThrottling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		logs := &infoLog{}
		srv := newTestServer(t, st, logTo(logs))
		srv.signUp(t, "Tess Throttle", "tess@example.org")

		t.Run("one account slows down after failures, then lets its owner in", func(t *testing.T) {
			for i := range app.FreeFailures {
				// From a new browser each time: the limit is the account's.
				wantFieldError(t, srv.newClient(t).signIn("TESS@example.org", fmt.Sprintf("wrong guess %d", i)), "email")
			}
			// Even the right password waits now: a guess must not be able
			// to tell it is right.
			res := srv.newClient(t).signIn("tess@example.org", strongPassword)
			res.wantStatus(t, fiber.StatusTooManyRequests)
			if wait := wantRetryAfter(t, res); wait != 1 {
				t.Errorf("Retry-After %d after %d failures, want 1 second", wait, app.FreeFailures)
			}
			// A second instance and a restart (a new server on the same
			// database) see the same count.
			other := newTestServer(t, st)
			other.clock.t = srv.clock.Now()
			other.newClient(t).signIn("tess@example.org", strongPassword).wantStatus(t, fiber.StatusTooManyRequests)
			// Waiting is enough; there is no lockout.
			srv.clock.Advance(time.Second)
			c := srv.newClient(t)
			c.signIn("tess@example.org", strongPassword).wantRedirect(t, "/course")
			// The success cleared the failures.
			wantFieldError(t, srv.newClient(t).signIn("tess@example.org", "wrong again"), "email")
			srv.newClient(t).signIn("tess@example.org", strongPassword).wantRedirect(t, "/course")
			if got := logs.with("level=INFO", "throttled", `limit="sign-in per account"`); len(got) == 0 {
				t.Errorf("throttling was not logged at info:\n%s", logs.all())
			}
		})

		t.Run("an unknown email slows down the same way", func(t *testing.T) {
			// Otherwise the delay would tell who has an account.
			for i := range app.FreeFailures {
				wantFieldError(t, srv.newClient(t).signIn("nobody-here@example.org", fmt.Sprintf("guess %d", i)), "email")
			}
			res := srv.newClient(t).signIn("nobody-here@example.org", "guess again")
			res.wantStatus(t, fiber.StatusTooManyRequests)
			if wait := wantRetryAfter(t, res); wait != 1 {
				t.Errorf("Retry-After %d, want 1 as for an account that exists", wait)
			}
		})

		t.Run("one address, many emails", func(t *testing.T) {
			srv := newTestServer(t, st, func(c *web.Config) { c.Limits.SignInPerAddress = 8 })
			srv.clock.Advance(time.Hour)
			for i := range 8 {
				wantFieldError(t, srv.newClient(t).signIn(fmt.Sprintf("spray%d@example.org", i), "Summer2025Summer!"), "email")
			}
			res := srv.newClient(t).signIn("spray-next@example.org", "Summer2025Summer!")
			res.wantStatus(t, fiber.StatusTooManyRequests)
			wantRetryAfter(t, res)
			// The next minute starts again.
			srv.clock.Advance(time.Minute)
			wantFieldError(t, srv.newClient(t).signIn("spray-later@example.org", "Summer2025Summer!"), "email")
		})

		t.Run("one address and email", func(t *testing.T) {
			srv := newTestServer(t, st, func(c *web.Config) { c.Limits.SignInPerAddressAndEmail = 3 })
			srv.clock.Advance(2 * time.Hour)
			for range 3 {
				wantFieldError(t, srv.newClient(t).signIn("nobody@example.org", "Summer2025Summer!"), "email")
			}
			srv.newClient(t).signIn("nobody@example.org", "Summer2025Summer!").wantStatus(t, fiber.StatusTooManyRequests)
		})

		t.Run("certificate look-ups and registrations, across instances", func(t *testing.T) {
			tweak := func(c *web.Config) { c.Limits.VerifyPerAddress, c.Limits.RegisterPerAddress = 2, 1 }
			a, b := newTestServer(t, st, tweak), newTestServer(t, st, tweak)
			a.clock.Advance(3 * time.Hour)
			b.clock.Advance(3 * time.Hour)
			a.newClient(t).get("/verify/ABCD-EFGH-JKLM").wantStatus(t, fiber.StatusNotFound)
			b.newClient(t).get("/verify?code=ABCD-EFGH-JKLM").wantStatus(t, fiber.StatusNotFound)
			res := a.newClient(t).get("/verify/ABCD-EFGH-JKLM")
			res.wantStatus(t, fiber.StatusTooManyRequests)
			wantRetryAfter(t, res)
			ca, cb := a.newClient(t), b.newClient(t)
			ca.get("/register").wantStatus(t, fiber.StatusOK)
			cb.get("/register").wantStatus(t, fiber.StatusOK)
			ca.post("/register", registration("1", "reg-a@example.org")).wantRedirect(t, "/course")
			cb.post("/register", registration("1", "reg-b@example.org")).wantStatus(t, fiber.StatusTooManyRequests)
		})

		t.Run("the log names no one", func(t *testing.T) {
			for _, secret := range []string{"tess@example.org", "TESS@example.org", "spray", strongPassword, "wrong guess", "0.0.0.0"} {
				if strings.Contains(logs.all(), secret) {
					t.Errorf("the log holds %q", secret)
				}
			}
		})
	})
}

// Item 1: password hashing is bounded. With one hash at a time and almost
// no wait, a burst of sign-ins gets 503 with Retry-After for the ones that
// found no turn, never a 500, and the rest are answered as usual.
func TestPasswordHashingIsBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st, func(c *web.Config) {
			c.Accounts.Hashing = app.NewPasswordHashing(1, time.Millisecond)
			c.Limits.SignInPerAddress = 1000
		})
		var wg sync.WaitGroup
		var mu sync.Mutex
		statuses := map[int]int{}
		retry := true
		for i := range 12 {
			c := srv.newClient(t)
			c.get("/sign-in").wantStatus(t, fiber.StatusOK)
			wg.Add(1)
			go func() {
				defer wg.Done()
				form := url.Values{"_csrf": {c.csrf}, "email": {fmt.Sprintf("burst%d@example.org", i)}, "password": {"Summer2025Summer!"}}
				req, _ := http.NewRequest(http.MethodPost, "/sign-in", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for k, v := range c.cookies {
					req.AddCookie(&http.Cookie{Name: k, Value: v})
				}
				res, err := srv.app.Test(req, -1)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				mu.Lock()
				statuses[res.StatusCode]++
				if res.StatusCode == fiber.StatusServiceUnavailable && res.Header.Get("Retry-After") == "" {
					retry = false
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		if statuses[fiber.StatusServiceUnavailable] == 0 || statuses[fiber.StatusUnprocessableEntity] == 0 ||
			statuses[fiber.StatusServiceUnavailable]+statuses[fiber.StatusUnprocessableEntity] != 12 {
			t.Errorf("statuses %v: want some 503 (no turn) and some 422 (wrong password), nothing else", statuses)
		}
		if !retry {
			t.Error("a 503 without Retry-After")
		}
	})
}

// Item 3: a post-sign-in redirect stays on this site, whatever next says.
func TestOpenRedirect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		c := srv.signUp(t, "Reda Redirect", "reda@example.org")
		for _, next := range []string{
			"/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/ /evil.example", "//evil.example",
			"///evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example/", "http:evil.example",
			"javascript:alert(1)", "evil.example", "/%2F/evil.example", "/%5Cevil.example", "/\u00a0/evil.example",
			"/\u3000/evil.example", " /course", "",
		} {
			res := c.get("/sign-in?next=" + url.QueryEscape(next))
			res.wantStatus(t, fiber.StatusSeeOther)
			if loc := res.Header.Get("Location"); loc != "/course" {
				t.Errorf("next=%q: Location %q, want /course", next, loc)
			}
		}
		for next, want := range map[string]string{
			"/modules/" + module1:      "/modules/" + module1,
			"/reports/learners?page=2": "/reports/learners?page=2",
		} {
			if loc := c.get("/sign-in?next=" + url.QueryEscape(next)).Header.Get("Location"); loc != want {
				t.Errorf("next=%q: Location %q, want %q", next, loc, want)
			}
		}
	})
}

// Item 4: malformed text and numbers are refused with a 4xx before they
// reach the database, change nothing and log no error (newTestServer fails
// a test whose server logs an error).
func TestMalformedInputIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		c := srv.signUp(t, "Mal Formed", "mal@example.org")
		userID := srv.userID(t, "mal@example.org")
		coordID := srv.ovUser(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator)
		coord := srv.ovSignIn(t, coordID)
		anon := srv.newClient(t)
		anon.get("/register").wantStatus(t, fiber.StatusOK)
		c.get("/modules/"+module1).wantStatus(t, fiber.StatusOK)
		c.get("/profile").wantStatus(t, fiber.StatusOK)
		users, orgs := srv.count(t, "users", ""), srv.count(t, "organisations", "")

		for _, bad := range []string{"Ann\x00Smith", "Ann\xffSmith", "Ann\x1bSmith", "Ann\u202eSmith", "Ann\nSmith"} {
			t.Run(fmt.Sprintf("%q", bad), func(t *testing.T) {
				wantClientError := func(r *response) {
					t.Helper()
					if r.StatusCode < 400 || r.StatusCode >= 500 {
						t.Errorf("%s %s: status %d, want 4xx", r.Request.Method, r.Request.URL, r.StatusCode)
					}
				}
				reg := registration("1", "new-"+strconv.Itoa(len(bad))+"@example.org")
				reg.Set("name", bad)
				wantClientError(anon.post("/register", reg))
				reg = registration("1", "new2@example.org")
				reg.Set("job_role", bad)
				wantClientError(anon.post("/register", reg))
				wantClientError(anon.post("/sign-in", url.Values{"email": {bad + "@example.org"}, "password": {strongPassword}}))
				wantClientError(c.post("/profile", url.Values{"name": {bad}, "organisation": {"1"}, "job_role": {"Nurse"}}))
				wantClientError(coord.post("/reports/organisations", url.Values{"name": {bad}}))
				if strings.ContainsAny(bad, "\x00\xff\x1b") { // free text may have lines and any script, not these
					wantClientError(coord.get("/reports/learners?q=" + url.QueryEscape(bad)))
					wantClientError(c.fetch("/modules/"+module1+"/save", url.Values{"question": {"m1-reflection"}, "answer": {bad}}))
				}
			})
		}
		for _, q := range []string{"page=9223372036854775808", "page=99999999999", "organisation=9223372036854775808"} {
			if r := coord.get("/reports/learners?" + q); r.StatusCode != fiber.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", q, r.StatusCode)
			}
		}
		coord.get("/reports/learners?page=2").wantStatus(t, fiber.StatusOK)
		if n := srv.count(t, "users", ""); n != users {
			t.Errorf("%d users, want %d", n, users)
		}
		if n := srv.count(t, "organisations", ""); n != orgs {
			t.Errorf("%d organisations, want %d", n, orgs)
		}
		if n := srv.count(t, "answers", "user_id = ?", userID); n != 0 {
			t.Errorf("%d answers saved", n)
		}
		if n := srv.count(t, "users", "id = ? AND name = ?", userID, "Mal Formed"); n != 1 {
			t.Error("the profile changed")
		}
	})
}

// Item 5: a CSRF token belongs to one session and is read only from the
// form body or the header.
func TestCSRFTokenBoundToSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		logs := &infoLog{}
		srv := newTestServer(t, st, logTo(logs))
		ben := srv.signUp(t, "Ben Bound", "ben@example.org")
		ben.get("/course").wantStatus(t, fiber.StatusOK)
		ben.post("/sign-out", url.Values{}).wantStatus(t, fiber.StatusOK)

		c := srv.newClient(t)
		c.get("/sign-in").wantStatus(t, fiber.StatusOK)
		signedOut := c.csrf
		c.post("/sign-in", url.Values{"email": {"ben@example.org"}, "password": {strongPassword}}).wantRedirect(t, "/course")
		// The signed-out token does not work once signed in.
		c.post("/sign-out", url.Values{"_csrf": {signedOut}}).wantStatus(t, fiber.StatusForbidden)
		c.get("/course").wantStatus(t, fiber.StatusOK)
		session := c.csrf
		if session == signedOut {
			t.Fatal("signing in did not change the token")
		}
		// In the query string it is refused.
		c.postRaw("/sign-out?_csrf="+url.QueryEscape(session), "").wantStatus(t, fiber.StatusForbidden)
		c.get("/course").wantStatus(t, fiber.StatusOK)
		// After signing out, the next person in this browser cannot use it.
		c.post("/sign-out", url.Values{"_csrf": {session}}).wantStatus(t, fiber.StatusOK)
		reg := registration("1", "next-person@example.org")
		reg.Set("_csrf", session)
		c.post("/register", reg).wantStatus(t, fiber.StatusForbidden)
		c.post("/register", url.Values{"_csrf": {signedOut}}).wantStatus(t, fiber.StatusForbidden)
		// The page they see after signing out carries a fresh token that works.
		c.get("/register").wantStatus(t, fiber.StatusOK)
		if c.csrf == session || c.csrf == signedOut {
			t.Error("the token after signing out is an old one")
		}
		reg.Set("_csrf", c.csrf)
		reg.Set("organisation", firstOrganisation(t, c.get("/register")))
		c.post("/register", reg).wantRedirect(t, "/course")
		if got := logs.with("level=INFO", "csrf refused"); len(got) < 3 {
			t.Errorf("CSRF refusals logged %d times, want 3 or more:\n%s", len(got), logs.all())
		}
	})
}

// Item 6: the security headers are on every response, including those
// fasthttp answers itself, and cookies use the __Host- prefix over HTTPS.
func TestHeadersOnEveryResponse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		c := srv.signUp(t, "Hedy Headers", "hedy@example.org")
		c.get("/modules/"+module1).wantStatus(t, fiber.StatusOK)
		tooLarge := c.postOverListener("/modules/"+module1+"/save", url.Values{"_csrf": {c.csrf}, "answer": {strings.Repeat("a", 300*1024)}}.Encode())
		headerTooLarge := rawRequest(t, srv, "GET /course HTTP/1.1\r\nHost: localhost\r\nX-Big: "+strings.Repeat("b", 16*1024)+"\r\n\r\n")
		if tooLarge.StatusCode != fiber.StatusRequestEntityTooLarge || headerTooLarge.StatusCode != fiber.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("statuses %d and %d, want 413 and 431", tooLarge.StatusCode, headerTooLarge.StatusCode)
		}
		for _, res := range []*http.Response{tooLarge, headerTooLarge} {
			for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"} {
				if got := res.Header.Get(h); got != want {
					t.Errorf("%d: %s %q, want %q", res.StatusCode, h, got, want)
				}
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("%d: CSP %q", res.StatusCode, csp)
			}
		}

		https := newTestServer(t, st, func(c *web.Config) { c.BaseURL = "https://learn.example.org" })
		h := https.newClient(t)
		res := h.get("/sign-in")
		if hsts := res.Header.Get("Strict-Transport-Security"); !strings.Contains(hsts, "max-age=") {
			t.Errorf("HSTS %q over HTTPS", hsts)
		}
		res = h.post("/sign-in", url.Values{"email": {"hedy@example.org"}, "password": {strongPassword}})
		res.wantRedirect(t, "/course")
		names := map[string]*http.Cookie{}
		for _, ck := range res.Cookies() {
			names[ck.Name] = ck
		}
		for _, name := range []string{"__Host-foundations_session", "__Host-foundations_csrf"} {
			ck := names[name]
			if ck == nil {
				t.Errorf("no %s cookie in %v", name, res.Header.Values("Set-Cookie"))
				continue
			}
			if !ck.Secure || ck.Path != "/" || ck.Domain != "" || !ck.HttpOnly {
				t.Errorf("%s: %q, want Secure, Path=/, no Domain, HttpOnly", name, ck.Raw)
			}
		}
		if _, ok := names["foundations_session"]; ok {
			t.Error("an unprefixed session cookie over HTTPS")
		}
		h.get("/course").wantStatus(t, fiber.StatusOK)
	})
}

// rawRequest writes a raw HTTP request to the server over loopback and
// reads the answer (for requests net/http will not send).
func rawRequest(t *testing.T, srv *testServer, raw string) *http.Response {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.app.Listener(ln) }()
	defer func() { ln.Close(); <-done }()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go io.WriteString(conn, raw)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// Item 7: security events are logged at info with user IDs only.
func TestSecurityEventsLogged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		logs := &infoLog{}
		srv := newTestServer(t, st, logTo(logs))
		c := srv.signUp(t, "Eve Events", "eve@example.org")
		eveID := srv.userID(t, "eve@example.org")
		c.get("/course").wantStatus(t, fiber.StatusOK)
		c.post("/sign-out", url.Values{}).wantStatus(t, fiber.StatusOK)
		wantFieldError(t, c.signIn("eve@example.org", "not the password"), "email")
		c.signIn("eve@example.org", strongPassword).wantRedirect(t, "/course")
		c.postRaw("/sign-out", "_csrf=forged").wantStatus(t, fiber.StatusForbidden)
		adminID := srv.ovUser(t, "Ada Admin", "ada@example.org", "", app.RoleAdmin)
		admin := srv.ovSignIn(t, adminID)
		admin.get(fmt.Sprintf("/reports/learners/%d", eveID)).wantStatus(t, fiber.StatusOK)
		admin.post(fmt.Sprintf("/reports/learners/%d/roles", eveID), url.Values{"role": {app.RoleManager}}).wantStatus(t, fiber.StatusSeeOther)

		id := fmt.Sprintf("user_id=%d", eveID)
		for _, want := range [][]string{
			{"signed out", id},
			{"sign-in failed", id},
			{"signed in", id},
			{"csrf refused", id},
			{"audited change", `action="changed roles"`, fmt.Sprintf("actor_id=%d", adminID), fmt.Sprintf("subject_user_id=%d", eveID)},
		} {
			if got := logs.with(append([]string{"level=INFO"}, want...)...); len(got) == 0 {
				t.Errorf("no info line with %q in:\n%s", want, logs.all())
			}
		}
		for _, secret := range []string{"eve@example.org", "Eve Events", strongPassword, "not the password"} {
			if strings.Contains(logs.all(), secret) {
				t.Errorf("the log holds %q", secret)
			}
		}
	})
}

// Item 8: when the database stops answering, pages answer 503 with
// Retry-After, not 500. PostgreSQL is reached through a proxy the test cuts.
func TestDatabaseOutageAnswers503(t *testing.T) {
	dsn, _ := storetest.FreshSchema(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCuttableProxy(t, u.Host)
	u.Host = proxy.addr
	st, err := store.Open(u.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	logs := &infoLog{}
	srv := newTestServer(t, st, logTo(logs))
	c := srv.signUp(t, "Otto Outage", "otto@example.org")
	c.get("/course").wantStatus(t, fiber.StatusOK)

	proxy.cut()
	for _, res := range []*response{c.get("/course"), c.fetch("/modules/"+module1+"/save", url.Values{"question": {"m1-colour"}, "answer": {"b"}})} {
		res.wantStatus(t, fiber.StatusServiceUnavailable)
		wantRetryAfter(t, res)
		if strings.Contains(string(res.body), "dial") || strings.Contains(string(res.body), "connect") {
			t.Errorf("the page shows internals:\n%s", snippet(res.body))
		}
	}
	if len(logs.with("level=ERROR", "database unreachable")) == 0 {
		t.Errorf("the outage was not logged as an error:\n%s", logs.all())
	}
}

// cuttableProxy forwards TCP connections to a server until cut, then
// closes them all and refuses new ones, as a database outage would.
type cuttableProxy struct {
	addr  string
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	down  bool
}

func newCuttableProxy(t *testing.T, target string) *cuttableProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttableProxy{addr: ln.Addr().String(), ln: ln}
	t.Cleanup(p.cut)
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			if p.down {
				p.mu.Unlock()
				in.Close()
				out.Close()
				continue
			}
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	return p
}

func (p *cuttableProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
}
