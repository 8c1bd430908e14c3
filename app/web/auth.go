package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

type startPage struct {
	basePage
	Course *app.Course
}

func (s *Server) handleStart(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect("/course", fiber.StatusSeeOther)
	}
	return s.render(c, fiber.StatusOK, "start", &startPage{basePage: basePage{Title: s.cfg.Learning.Course.Title}, Course: s.cfg.Learning.Course})
}

type registerPage struct {
	basePage
	Form          app.Registration
	Organisations []app.Organisation
}

func (s *Server) handleRegisterForm(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect("/course", fiber.StatusSeeOther)
	}
	return s.renderRegister(c, fiber.StatusOK, app.Registration{}, nil)
}

func (s *Server) renderRegister(c *fiber.Ctx, status int, form app.Registration, errs []app.FieldError) error {
	orgs, err := s.cfg.Learning.Store.Organisations(c.UserContext())
	if err != nil {
		return err
	}
	form.Password = "" // never echoed back
	return s.render(c, status, "register", &registerPage{basePage: basePage{Title: "Create an account", Errors: errs}, Form: form, Organisations: orgs})
}

func (s *Server) handleRegister(c *fiber.Ctx) error {
	orgID, _ := strconv.ParseInt(c.FormValue("organisation"), 10, 64)
	form := app.Registration{
		Name: c.FormValue("name"), Email: strings.TrimSpace(c.FormValue("email")), Password: c.FormValue("password"),
		OrganisationID: orgID, JobRole: c.FormValue("job_role"), ManagerEmail: strings.TrimSpace(c.FormValue("manager_email")),
	}
	u, err := s.cfg.EmailVerification.Register(c.UserContext(), form)
	if app.ErrorCode(err) == app.EINVALID {
		return s.renderRegister(c, fiber.StatusUnprocessableEntity, form, app.ErrorFields(err))
	}
	if err != nil {
		return err
	}
	if u == nil { // email is on: the same answer whether or not the address had an account
		return s.renderRegistered(c, form.Email)
	}
	token, err := s.cfg.Accounts.StartSession(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	s.signedIn(c, token)
	s.log.Info("account registered", "user_id", u.ID)
	return c.Redirect("/course", fiber.StatusSeeOther)
}

type signInPage struct {
	basePage
	Email     string
	Next      string
	Timeout   bool
	Providers []app.OIDCProvider // a "Sign in with …" button each, above the password form
}

func (s *Server) handleSignInForm(c *fiber.Ctx) error {
	next := c.Query("next") // empty: where the person lands depends on who they are
	if next != "" {
		next = safeNext(next)
	}
	if u := currentUser(c); u != nil {
		if next == "" {
			next = homeFor(u)
		}
		return c.Redirect(next, fiber.StatusSeeOther)
	}
	s.allowFormsToProviders(c)
	return s.render(c, fiber.StatusOK, "sign_in", &signInPage{basePage: basePage{Title: "Sign in"}, Next: next, Timeout: c.Query("timeout") == "1", Providers: s.oidcProviders()})
}

func (s *Server) handleSignIn(c *fiber.Ctx) error {
	email, next := strings.TrimSpace(formValue(c, "email")), formValue(c, "next")
	if next != "" {
		next = safeNext(next)
	}
	u, token, err := s.cfg.Accounts.SignInWithPassword(c.UserContext(), email, formValue(c, "password"))
	if app.ErrorCode(err) == app.EINVALID {
		s.allowFormsToProviders(c)
		return s.render(c, fiber.StatusUnprocessableEntity, "sign_in", &signInPage{basePage: basePage{Title: "Sign in", Errors: app.ErrorFields(err)}, Email: email, Next: next, Providers: s.oidcProviders()})
	}
	if err != nil {
		return err
	}
	if old := s.cookie(c, sessionCookie); old != "" {
		_ = s.cfg.Accounts.SignOut(c.UserContext(), old)
	}
	s.signedIn(c, token)
	if next == "" {
		next = homeFor(u)
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

type messagePage struct {
	basePage
	Heading string
	Body    string
}

func (s *Server) handleSignOut(c *fiber.Ctx) error {
	if err := s.cfg.Accounts.SignOut(c.UserContext(), s.cookie(c, sessionCookie)); err != nil {
		return err
	}
	if u := currentUser(c); u != nil {
		s.log.Info("signed out", "user_id", u.ID)
	}
	s.clearCookie(c, sessionCookie)
	c.Locals("user", nil)
	s.rotateCSRF(c)
	return s.render(c, fiber.StatusOK, "message", &messagePage{basePage: basePage{Title: "You have signed out", SignedOut: true},
		Heading: "You have signed out", Body: "Your answers are saved. Sign in again to carry on where you left off."})
}

func (s *Server) handleKeepalive(c *fiber.Ctx) error {
	// loadUser has already extended the session.
	return c.JSON(fiber.Map{"ok": true, "timeout": int(s.cfg.Accounts.IdleTimeout.Seconds())})
}

func (s *Server) handleContrast(c *fiber.Ctx) error {
	if s.cookie(c, contrastCookie) == "high" {
		s.clearCookie(c, contrastCookie)
	} else {
		s.setCookie(c, contrastCookie, "high", 365*24*time.Hour)
	}
	return c.Redirect(safeNext(c.FormValue("return")), fiber.StatusSeeOther)
}

type accessibilityPage struct {
	basePage
	Statement app.AccessibilityStatement
}

func (s *Server) handleAccessibility(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "accessibility", &accessibilityPage{basePage: basePage{Title: "Accessibility statement"}, Statement: s.cfg.Accessibility})
}
