package web

import (
	"strconv"
	"strings"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// pendingCookie carries the token of an outside sign-in waiting for its
// link or setup step. A cookie, not the URL, so the token never reaches a
// log, a history or a Referer.
const pendingCookie = "foundations_pending"

// finishExternal completes an outside sign-in (app/oidc, app/lti) as a
// password sign-in would: a new session and cookie, then the page asked
// for or the person's landing page; or the page of the step still to do.
func (s *Server) finishExternal(c *fiber.Ctx, out *app.ExternalOutcome) error {
	if out.Token == "" {
		s.setCookie(c, pendingCookie, out.Pending, app.PendingTTL)
		return c.Redirect("/sign-in/"+out.Step, fiber.StatusSeeOther)
	}
	s.clearCookie(c, pendingCookie)
	if old := s.cookie(c, sessionCookie); old != "" {
		_ = s.cfg.Accounts.SignOut(c.UserContext(), old)
	}
	s.signedIn(c, out.Token)
	next := out.Next
	if next != "" {
		next = safeNext(next)
	} else {
		next = homeFor(out.User)
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

// pending loads the step the cookie points at; a gone step is a clear
// page (404) that says to start again.
func (s *Server) pending(c *fiber.Ctx, step string) (*app.PendingSignIn, error) {
	p, err := s.cfg.Accounts.PendingSignIn(c.UserContext(), s.cookie(c, pendingCookie))
	if err != nil {
		return nil, err
	}
	if p.Step != step {
		return nil, app.Errorf(app.ENOTFOUND, "This sign-in has moved on. Start again from the sign-in page.")
	}
	return p, nil
}

type linkPage struct {
	basePage
	Label string
	Email string
}

func (s *Server) handleLinkForm(c *fiber.Ctx) error {
	p, err := s.pending(c, app.StepLink)
	if err != nil {
		return err
	}
	return s.renderLink(c, fiber.StatusOK, p, nil)
}

func (s *Server) renderLink(c *fiber.Ctx, status int, p *app.PendingSignIn, errs []app.FieldError) error {
	owner, err := s.cfg.Learning.Store.UserByID(c.UserContext(), p.UserID)
	if err != nil {
		return err
	}
	return s.render(c, status, "sign_in_link", &linkPage{basePage: basePage{Title: "You already have an account", Errors: errs},
		Label: p.Account.Label, Email: owner.Email})
}

func (s *Server) handleLink(c *fiber.Ctx) error {
	token := s.cookie(c, pendingCookie)
	out, err := s.cfg.Accounts.LinkWithPassword(c.UserContext(), token, formValue(c, "password"))
	if app.ErrorCode(err) == app.EINVALID {
		p, perr := s.pending(c, app.StepLink)
		if perr != nil {
			return perr
		}
		return s.renderLink(c, fiber.StatusUnprocessableEntity, p, app.ErrorFields(err))
	}
	if err != nil {
		return err
	}
	s.log.Info("identity linked", "user_id", out.User.ID)
	return s.finishExternal(c, out)
}

type setupPage struct {
	basePage
	Label         string
	EmailGiven    string // the issuer's email, shown, not asked
	Form          app.ExternalSetup
	Organisations []app.Organisation
}

func (s *Server) handleSetupForm(c *fiber.Ctx) error {
	p, err := s.pending(c, app.StepSetup)
	if err != nil {
		return err
	}
	return s.renderSetup(c, fiber.StatusOK, p, app.ExternalSetup{Name: p.Account.Name, OrganisationID: p.Account.OrganisationID}, nil)
}

func (s *Server) renderSetup(c *fiber.Ctx, status int, p *app.PendingSignIn, form app.ExternalSetup, errs []app.FieldError) error {
	orgs, err := s.cfg.Learning.Store.Organisations(c.UserContext())
	if err != nil {
		return err
	}
	page := &setupPage{basePage: basePage{Title: "Tell us about your work", Errors: errs}, Label: p.Account.Label, Form: form, Organisations: orgs}
	if app.ValidEmail(p.Account.Email) {
		page.EmailGiven = strings.TrimSpace(p.Account.Email)
	}
	return s.render(c, status, "sign_in_setup", page)
}

func (s *Server) handleSetup(c *fiber.Ctx) error {
	orgID, _ := strconv.ParseInt(formValue(c, "organisation"), 10, 64)
	form := app.ExternalSetup{Name: formValue(c, "name"), Email: strings.TrimSpace(formValue(c, "email")), OrganisationID: orgID,
		JobRole: formValue(c, "job_role"), ManagerEmail: strings.TrimSpace(formValue(c, "manager_email"))}
	out, err := s.cfg.EmailVerification.CompleteSetup(c.UserContext(), s.cookie(c, pendingCookie), form)
	if app.ErrorCode(err) == app.EINVALID {
		p, perr := s.pending(c, app.StepSetup)
		if perr != nil {
			return perr
		}
		return s.renderSetup(c, fiber.StatusUnprocessableEntity, p, form, app.ErrorFields(err))
	}
	if err != nil {
		return err
	}
	return s.finishExternal(c, out)
}
