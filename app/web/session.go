package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

const (
	sessionCookie  = "foundations_session"
	csrfCookie     = "foundations_csrf"
	contrastCookie = "foundations_contrast"
	csrfField      = "_csrf"
)

// loadUser resolves the session cookie, if any, to the signed-in user. A
// stale cookie is cleared; the request goes on as anonymous.
func (s *Server) loadUser(c *fiber.Ctx) error {
	token := s.cookie(c, sessionCookie)
	if token == "" {
		return c.Next()
	}
	_, u, err := s.cfg.Accounts.SessionUser(c.UserContext(), token)
	switch app.ErrorCode(err) {
	case "":
		c.Locals("user", u)
	case app.EUNAUTHORIZED:
		s.clearCookie(c, sessionCookie)
		c.Locals("sessionEnded", true)
	default:
		// The session could not be checked (the database is down): the
		// error page's forms keep the session's token, so a page already
		// open still saves once the database is back.
		c.Locals("csrfSeed", "session:"+token)
		return err
	}
	return c.Next()
}

// sessionCSRFSeed takes the form token's seed from the session cookie,
// for a route that checks the session itself rather than through
// loadUser. A cookie for a session that has ended passes the form check
// and is then refused by the route as signed out.
func (s *Server) sessionCSRFSeed(c *fiber.Ctx) error {
	if token := s.cookie(c, sessionCookie); token != "" {
		c.Locals("csrfSeed", "session:"+token)
	}
	return c.Next()
}

func currentUser(c *fiber.Ctx) *app.User {
	u, _ := c.Locals("user").(*app.User)
	return u
}

// requireUser refuses anonymous requests: pages redirect to sign in and
// come back; anything else gets 401.
func (s *Server) requireUser(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Next()
	}
	if (c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead) && !wantsJSON(c) {
		next := c.OriginalURL()
		q := "?next=" + queryEscape(next)
		if c.Locals("sessionEnded") != nil {
			q += "&timeout=1"
		}
		return c.Redirect("/sign-in"+q, fiber.StatusSeeOther)
	}
	return app.Errorf(app.EUNAUTHORIZED, "You have been signed out. Sign in again to continue.")
}

// cookieName is a cookie's name on the wire: over HTTPS with the __Host-
// prefix, which browsers accept only from a secure origin, for path / and
// with no Domain, so no subdomain or plain-HTTP page can set or shadow it.
func (s *Server) cookieName(name string) string {
	if s.secure {
		return "__Host-" + name
	}
	return name
}

func (s *Server) cookie(c *fiber.Ctx, name string) string { return c.Cookies(s.cookieName(name)) }

func (s *Server) setCookie(c *fiber.Ctx, name, value string, maxAge time.Duration) {
	ck := &fiber.Cookie{Name: s.cookieName(name), Value: value, Path: "/", HTTPOnly: true, Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode}
	if maxAge > 0 {
		ck.MaxAge = int(maxAge / time.Second)
	}
	c.Cookie(ck)
}

func (s *Server) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: s.cookieName(name), Value: "", Path: "/", HTTPOnly: true, Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode, MaxAge: -1, Expires: time.Unix(1, 0)})
}

// CSRF: a form's token is an HMAC under the secret key of what identifies
// the browser's state: the session token when signed in, otherwise a
// random, HttpOnly "signed-out" cookie that is replaced at every sign-in
// and sign-out. So a token belongs to one session: it dies when the
// session ends and never serves the next person in the same browser. A
// cross-site page can neither read the cookies nor compute the token, and
// checking costs no database query. The token is accepted from the form
// body or the X-CSRF-Token header, never from the query string.

// csrfSeed is what the current request's token is bound to.
func (s *Server) csrfSeed(c *fiber.Ctx) string {
	if seed, _ := c.Locals("csrfSeed").(string); seed != "" {
		return seed
	}
	if currentUser(c) != nil {
		return "session:" + s.cookie(c, sessionCookie)
	}
	if anon := s.cookie(c, csrfCookie); len(anon) >= 20 {
		return "anon:" + anon
	}
	return ""
}

// csrfToken is the token for the forms of the page being rendered.
func (s *Server) csrfToken(c *fiber.Ctx) string {
	seed := s.csrfSeed(c)
	if seed == "" {
		seed = s.rotateCSRF(c)
	}
	return s.csrfFor(seed)
}

// rotateCSRF gives the browser a new signed-out seed, ending any token made
// from the old one; the page rendered next uses it.
func (s *Server) rotateCSRF(c *fiber.Ctx) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	anon := base64.RawURLEncoding.EncodeToString(b)
	s.setCookie(c, csrfCookie, anon, 0)
	c.Locals("csrfSeed", "anon:"+anon)
	return "anon:" + anon
}

// signedIn switches the request to a new session: the session cookie, a
// fresh signed-out seed for after it ends, and tokens bound to the session
// from the next page on.
func (s *Server) signedIn(c *fiber.Ctx, token string) {
	s.setCookie(c, sessionCookie, token, 0)
	s.rotateCSRF(c)
	c.Locals("csrfSeed", "session:"+token)
}

func (s *Server) csrfFor(seed string) string {
	m := hmac.New(sha256.New, []byte(s.cfg.SecretKey))
	m.Write([]byte("csrf:" + seed))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF refuses unsafe requests without a valid token (403), before
// anything is read or written. A request from a page whose session has
// since ended is told it is signed out (401), as it would be without CSRF.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	seed := s.csrfSeed(c)
	got := c.Get("X-CSRF-Token")
	if got == "" {
		got = formValue(c, csrfField)
	}
	if seed == "" || got == "" || !hmac.Equal([]byte(got), []byte(s.csrfFor(seed))) {
		var userID int64
		if u := currentUser(c); u != nil {
			userID = u.ID
		}
		s.log.Info("csrf refused", "method", c.Method(), "route", c.Path(), "user_id", userID)
		if c.Locals("sessionEnded") != nil {
			return app.Errorf(app.EUNAUTHORIZED, "You have been signed out. Sign in again to continue.")
		}
		return app.Errorf(app.EFORBIDDEN, "This form has expired or was not sent from this site. Go back, reload the page and try again.")
	}
	return c.Next()
}

func wantsJSON(c *fiber.Ctx) bool {
	return c.Get("X-Requested-With") == "fetch" || strings.Contains(c.Get(fiber.HeaderAccept), "application/json")
}

// safeNext keeps a post-sign-in redirect on this site: a path on this
// site, or /course. It refuses, before and after parsing, anything with a
// scheme or host, a backslash (browsers read it as a slash), a
// protocol-relative start (//), whitespace or any control character
// (browsers drop tabs and newlines, so "/\t/evil.example" becomes
// "//evil.example"), and percent-encoded slashes or backslashes at the
// start.
func safeNext(next string) string {
	const home = "/course"
	if next == "" || len(next) > 2000 || next[0] != '/' || strings.HasPrefix(next, "//") {
		return home
	}
	for _, r := range next {
		if r == '\\' || unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError {
			return home
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return home
	}
	if lower := strings.ToLower(next); strings.HasPrefix(lower, "/%2f") || strings.HasPrefix(lower, "/%5c") {
		return home
	}
	return u.RequestURI()
}
