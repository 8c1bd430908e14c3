package web

import (
	"net/url"
	"strconv"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// ltiParam reads a login initiation parameter: platforms send it as a
// query (GET) or a form (POST).
func ltiParam(c *fiber.Ctx, name string) string {
	if c.Method() == fiber.MethodPost {
		return formValue(c, name)
	}
	return c.Query(name)
}

// ltiStateCookie binds a login's state to the browser. Behind https it is
// SameSite=None (and Secure): the launch is a cross-site form post from
// the platform, which a Lax cookie would not accompany. Over plain http a
// browser refuses SameSite=None without Secure, so it is Lax: that works
// when the platform and the tool are the same site (127.0.0.1 in tests, a
// development machine), and nowhere else, which is as it should be.
func (s *Server) ltiStateCookie(c *fiber.Ctx, name, value string, maxAge int) {
	ck := &fiber.Cookie{Name: s.cookieName(name), Value: value, Path: "/", HTTPOnly: true, Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode, MaxAge: maxAge}
	if s.secure {
		ck.SameSite = fiber.CookieSameSiteNoneMode
	}
	c.Cookie(ck)
}

// handleLTILogin answers a platform's third-party initiated login: it
// records the state and nonce and sends the browser to the platform's
// authentication request.
func (s *Server) handleLTILogin(c *fiber.Ctx) error {
	if !s.cfg.LTI.Enabled() {
		return fiber.ErrNotFound
	}
	start, err := s.cfg.LTI.Login(c.UserContext(), app.LTILoginRequest{
		Issuer: ltiParam(c, "iss"), LoginHint: ltiParam(c, "login_hint"), TargetLinkURI: ltiParam(c, "target_link_uri"),
		MessageHint: ltiParam(c, "lti_message_hint"), ClientID: ltiParam(c, "client_id"), DeploymentID: ltiParam(c, "lti_deployment_id"),
	})
	if err != nil {
		return s.ltiRefusal(c, err)
	}
	s.ltiStateCookie(c, start.CookieName, start.BrowserSecret, int(app.LTILoginTTL.Seconds()))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(start.RedirectURL, fiber.StatusFound)
}

// ltiRefusal logs a refused launch by its reason's code only (never the
// token or who it named) and lets the error handler show the page.
func (s *Server) ltiRefusal(c *fiber.Ctx, err error) error {
	if code := app.ErrorCode(err); code != app.EINTERNAL {
		s.log.Info("lti launch refused", "route", c.Route().Path, "code", code)
	}
	return err
}

type ltiDeepLinkPage struct {
	basePage
	Link     *app.LTIDeepLink
	Platform string
}

// handleLTILaunch takes the platform's form post of the id_token and the
// state: a resource link signs the learner in and lands them in the
// course; a Deep Linking request shows the course to add.
func (s *Server) handleLTILaunch(c *fiber.Ctx) error {
	if !s.cfg.LTI.Enabled() {
		return fiber.ErrNotFound
	}
	if code := formValue(c, "error"); code != "" {
		return s.ltiRefusal(c, app.LTIRequestError(code, formValue(c, "error_description")))
	}
	state := formValue(c, "state")
	cookie := ""
	if state != "" {
		cookie = s.cookie(c, app.LTIStateCookie(state))
	}
	res, err := s.cfg.LTI.Launch(c.UserContext(), formValue(c, "id_token"), state, cookie)
	if err != nil {
		return s.ltiRefusal(c, err)
	}
	s.ltiStateCookie(c, app.LTIStateCookie(state), "", -1)
	if res.DeepLink != nil {
		// The page's two forms post to the platform: only there.
		if u, err := url.Parse(res.DeepLink.ReturnURL); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
			s.setSecurityHeaders(c)
			c.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self' "+u.Scheme+"://"+u.Host)
		}
		return s.render(c, fiber.StatusOK, "lti_deep_link", &ltiDeepLinkPage{basePage: basePage{Title: "Add the course to " + res.Platform.Name}, Link: res.DeepLink, Platform: res.Platform.Name})
	}
	return s.finishExternal(c, res.SignIn)
}

// handleKeySet publishes the keys badges and LTI messages are signed with
// (RFC 7517), at one address.
func (s *Server) handleKeySet(c *fiber.Ctx) error {
	b, err := s.cfg.Badges.KeySet(c.UserContext())
	if err != nil {
		return err
	}
	if s.cfg.LTI.Enabled() {
		if b, err = s.cfg.LTI.KeySet(c.UserContext(), b); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderContentType, "application/jwk-set+json")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(b)
}

// ToolValues are what an administrator copies into a platform.
type ToolValues struct {
	ToolURL, LoginURL, RedirectURL, KeySetURL, DeepLinkURL string
}

type ltiPlatformsPage struct {
	basePage
	Tool      ToolValues
	Admin     *app.LTIAdmin
	KeyRotate string // the new key's ID, after a rotation
}

type ltiPlatformPage struct {
	basePage
	ID   int64
	Form app.LTIPlatformForm
	Tool ToolValues
}

func (s *Server) toolValues() ToolValues {
	b := s.cfg.BaseURL
	return ToolValues{ToolURL: b + app.LTILaunchPath, LoginURL: b + app.LTILoginPath, RedirectURL: b + app.LTILaunchPath,
		KeySetURL: b + app.LTIKeySetPath, DeepLinkURL: b + app.LTILaunchPath}
}

// handleLTIPlatforms lists the registered platforms with the values to
// copy into a new one.
func (s *Server) handleLTIPlatforms(c *fiber.Ctx) error {
	if !s.cfg.LTI.Enabled() {
		return fiber.ErrNotFound
	}
	adm, err := s.cfg.LTI.Platforms(c.UserContext(), currentUser(c))
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "lti_platforms", &ltiPlatformsPage{basePage: basePage{Title: "Learning platforms (LTI)", NavReports: true, Flash: c.Query("done")},
		Tool: s.toolValues(), Admin: adm, KeyRotate: c.Query("key")})
}

func platformID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, app.Errorf(app.ENOTFOUND, "There is no such platform.")
	}
	return id, nil
}

// handleLTIPlatformForm shows the form for a new platform, or one to
// change.
func (s *Server) handleLTIPlatformForm(c *fiber.Ctx) error {
	if !s.cfg.LTI.Enabled() {
		return fiber.ErrNotFound
	}
	page := &ltiPlatformPage{basePage: basePage{Title: "Register a learning platform", NavReports: true, BackLink: "/admin/lti"}, Tool: s.toolValues()}
	if c.Params("id") != "" {
		id, err := platformID(c)
		if err != nil {
			return err
		}
		p, err := s.cfg.LTI.Platform(c.UserContext(), currentUser(c), id)
		if err != nil {
			return err
		}
		page.ID, page.Title = p.ID, "Change "+p.Name
		page.Form = app.LTIPlatformForm{Name: p.Name, Issuer: p.Issuer, ClientID: p.ClientID, AuthURL: p.AuthURL, TokenURL: p.TokenURL, KeySetURL: p.KeySetURL}
		for i, d := range p.DeploymentIDs {
			if i > 0 {
				page.Form.DeploymentIDs += "\n"
			}
			page.Form.DeploymentIDs += d
		}
	} else if _, err := s.cfg.LTI.Platforms(c.UserContext(), currentUser(c)); err != nil { // administrators only
		return err
	}
	return s.render(c, fiber.StatusOK, "lti_platform", page)
}

// handleLTIPlatformSave registers or changes a platform.
func (s *Server) handleLTIPlatformSave(c *fiber.Ctx) error {
	if !s.cfg.LTI.Enabled() {
		return fiber.ErrNotFound
	}
	var id int64
	if c.Params("id") != "" {
		var err error
		if id, err = platformID(c); err != nil {
			return err
		}
	}
	f := app.LTIPlatformForm{Name: formValue(c, "name"), Issuer: formValue(c, "issuer"), ClientID: formValue(c, "client_id"),
		DeploymentIDs: formValue(c, "deployment_ids"), AuthURL: formValue(c, "auth_url"), TokenURL: formValue(c, "token_url"), KeySetURL: formValue(c, "keyset_url")}
	p, err := s.cfg.LTI.SavePlatform(c.UserContext(), currentUser(c), id, f)
	if app.ErrorCode(err) == app.EINVALID {
		title := "Register a learning platform"
		if id != 0 {
			title = "Change the learning platform"
		}
		return s.render(c, fiber.StatusUnprocessableEntity, "lti_platform", &ltiPlatformPage{basePage: basePage{Title: title, NavReports: true, BackLink: "/admin/lti", Errors: app.ErrorFields(err)},
			ID: id, Form: f, Tool: s.toolValues()})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/lti?done="+url.QueryEscape(p.Name+" saved"), fiber.StatusSeeOther)
}

// handleLTIKeyRotate makes a fresh tool key current; the old one stays
// published for a week.
func (s *Server) handleLTIKeyRotate(c *fiber.Ctx) error {
	if !s.cfg.LTI.Enabled() {
		return fiber.ErrNotFound
	}
	kid, err := s.cfg.LTI.RotateKey(c.UserContext(), currentUser(c))
	if err != nil {
		return err
	}
	return c.Redirect("/admin/lti?key="+url.QueryEscape(kid), fiber.StatusSeeOther)
}
