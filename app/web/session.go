package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

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
	token := c.Cookies(sessionCookie)
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
		return err
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

func (s *Server) setCookie(c *fiber.Ctx, name, value string, maxAge time.Duration) {
	ck := &fiber.Cookie{Name: name, Value: value, Path: "/", HTTPOnly: true, Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode}
	if maxAge > 0 {
		ck.MaxAge = int(maxAge / time.Second)
	}
	c.Cookie(ck)
}

func (s *Server) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", HTTPOnly: true, Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode, MaxAge: -1, Expires: time.Unix(1, 0)})
}

// CSRF: every browser gets a random, HttpOnly cookie; a form's token is the
// HMAC of that cookie under the secret key. A cross-site page can neither
// read the cookie nor compute the token. Checking costs no database query.

func (s *Server) csrfToken(c *fiber.Ctx) string {
	seed, _ := c.Locals("csrfSeed").(string)
	if seed == "" {
		seed = c.Cookies(csrfCookie)
		if len(seed) < 20 {
			b := make([]byte, 24)
			rand.Read(b)
			seed = base64.RawURLEncoding.EncodeToString(b)
			s.setCookie(c, csrfCookie, seed, 0)
		}
		c.Locals("csrfSeed", seed)
	}
	return s.csrfFor(seed)
}

func (s *Server) csrfFor(seed string) string {
	m := hmac.New(sha256.New, []byte(s.cfg.SecretKey))
	m.Write([]byte("csrf:" + seed))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF refuses unsafe requests without a valid token (403), before
// anything is read or written.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	seed := c.Cookies(csrfCookie)
	got := c.Get("X-CSRF-Token")
	if got == "" {
		got = c.FormValue(csrfField)
	}
	if seed == "" || got == "" || !hmac.Equal([]byte(got), []byte(s.csrfFor(seed))) {
		return app.Errorf(app.EFORBIDDEN, "This form has expired or was not sent from this site. Go back, reload the page and try again.")
	}
	return c.Next()
}

func wantsJSON(c *fiber.Ctx) bool {
	return c.Get("X-Requested-With") == "fetch" || strings.Contains(c.Get(fiber.HeaderAccept), "application/json")
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/course"
	}
	return next
}
