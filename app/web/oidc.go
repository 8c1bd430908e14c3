package web

import (
	"net/url"
	"strings"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// oidcCookie ties sign-ins under way at a provider to this browser: the
// provider's answer is accepted only with it, so a callback address
// copied to another browser signs no one in. It holds nothing else.
const oidcCookie = "foundations_oidc"

func (s *Server) oidcProviders() []app.OIDCProvider {
	if s.cfg.OIDC == nil {
		return nil
	}
	return s.cfg.OIDC.Providers
}

// allowFormsToProviders widens the sign-in page's form-action to the
// providers' origins: browsers apply form-action to where a form's answer
// redirects, and each button's answer redirects to its provider.
func (s *Server) allowFormsToProviders(c *fiber.Ctx) {
	var origins []string
	for _, p := range s.oidcProviders() {
		if u, err := url.Parse(p.Issuer); err == nil && u.Host != "" {
			origins = append(origins, u.Scheme+"://"+u.Host)
		}
	}
	if len(origins) == 0 {
		return
	}
	csp := string(c.Response().Header.Peek("Content-Security-Policy"))
	c.Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self' "+strings.Join(origins, " "), 1))
}

func (s *Server) limitOIDCStart(c *fiber.Ctx) error {
	if err := s.cfg.Limits.SignInAtProvider(c.UserContext(), c.IP()); err != nil {
		return err
	}
	return c.Next()
}

func (s *Server) limitOIDCCallback(c *fiber.Ctx) error {
	if err := s.cfg.Limits.SignInFromProvider(c.UserContext(), c.IP()); err != nil {
		return err
	}
	return c.Next()
}

// handleOIDCStart sends the browser to the provider (the button on the
// sign-in page posts here, with the form's CSRF token).
func (s *Server) handleOIDCStart(c *fiber.Ctx) error {
	p, err := s.cfg.OIDC.Provider(c.Params("provider"))
	if err != nil {
		return err
	}
	next := formValue(c, "next")
	if next != "" {
		next = safeNext(next)
	}
	browser := s.cookie(c, oidcCookie)
	if len(browser) < 32 || len(browser) > 64 {
		browser = app.NewOIDCBrowser()
	}
	to, err := s.cfg.OIDC.Start(c.UserContext(), p.ID, browser, next)
	if err != nil {
		return s.oidcProblem(c, p, err)
	}
	s.setCookie(c, oidcCookie, browser, app.OIDCStateTTL)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(to, fiber.StatusSeeOther)
}

// handleOIDCCallback takes the provider's answer: a verified sign-in goes
// on as any other outside sign-in (finishExternal); a refused one is a
// clear page that changes nothing.
func (s *Server) handleOIDCCallback(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	p, err := s.cfg.OIDC.Provider(c.Params("provider"))
	if err != nil {
		return err
	}
	if c.Method() == fiber.MethodHead {
		return c.SendStatus(fiber.StatusOK) // a HEAD (a link checker) must not spend the state
	}
	out, err := s.cfg.OIDC.Finish(c.UserContext(), p.ID, s.cookie(c, oidcCookie),
		app.OIDCAnswer{State: c.Query("state"), Code: c.Query("code"), Error: c.Query("error")})
	if err != nil {
		return s.oidcProblem(c, p, err)
	}
	return s.finishExternal(c, out)
}

type oidcProblemPage struct {
	basePage
	Heading string
	Message string
}

// oidcProblem shows a refused or failed sign-in at a provider: 403 when
// its answer was refused, 503 when it could not be reached, each with the
// way back to the sign-in page. Anything else goes to handleError.
func (s *Server) oidcProblem(c *fiber.Ctx, p *app.OIDCProvider, err error) error {
	var status int
	var heading string
	switch app.ErrorCode(err) {
	case app.EFORBIDDEN:
		status, heading = fiber.StatusForbidden, "You have not been signed in"
	case app.EUNAVAILABLE:
		status, heading = fiber.StatusServiceUnavailable, "Sorry, we could not reach "+p.Name
		c.Set(fiber.HeaderRetryAfter, "30")
	default:
		return err
	}
	return s.render(c, status, "sign_in_problem", &oidcProblemPage{basePage: basePage{Title: heading}, Heading: heading, Message: app.ErrorMessage(err)})
}

type oidcSettingsPage struct {
	basePage
	Providers []oidcProviderRow
}

type oidcProviderRow struct {
	app.OIDCProvider
	RedirectURI string
}

// handleOIDCSettings shows administrators the configured providers and
// the redirect URI to register at each; never a secret.
func (s *Server) handleOIDCSettings(c *fiber.Ctx) error {
	ps, err := s.cfg.OIDC.ProvidersFor(currentUser(c))
	if err != nil {
		return err
	}
	page := &oidcSettingsPage{basePage: basePage{Title: "Sign-in providers", NavReports: true}}
	for _, p := range ps {
		page.Providers = append(page.Providers, oidcProviderRow{OIDCProvider: p, RedirectURI: s.cfg.BaseURL + "/sign-in/oidc/" + p.ID + "/callback"})
	}
	return s.render(c, fiber.StatusOK, "sign_in_providers", page)
}
