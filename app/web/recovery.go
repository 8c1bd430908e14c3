package web

import (
	"strings"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

type forgotPasswordPage struct {
	basePage
	Email       string
	MailEnabled bool
}

func (s *Server) handleForgotPasswordForm(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "forgot_password", &forgotPasswordPage{basePage: basePage{Title: "Reset your password"}, MailEnabled: s.cfg.Mail.Enabled()})
}

// handleForgotPassword answers the same whether or not the address has an
// account.
func (s *Server) handleForgotPassword(c *fiber.Ctx) error {
	if !s.cfg.Mail.Enabled() {
		return s.handleForgotPasswordForm(c)
	}
	email := strings.TrimSpace(c.FormValue("email"))
	err := s.cfg.Recovery.RequestReset(c.UserContext(), email)
	if app.ErrorCode(err) == app.EINVALID {
		return s.render(c, fiber.StatusUnprocessableEntity, "forgot_password", &forgotPasswordPage{basePage: basePage{Title: "Reset your password", Errors: app.ErrorFields(err)}, Email: email, MailEnabled: true})
	}
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "check_email", &checkEmailPage{basePage: basePage{Title: "Check your email"}, Heading: "Check your email",
		Paragraphs: []string{"If " + email + " has an account, we have sent it a link to choose a new password. The link works once, for 1 hour."},
		Next:       "/sign-in", NextLabel: "Back to sign in"})
}

type checkEmailPage struct {
	basePage
	Heading    string
	Paragraphs []string
	Next       string
	NextLabel  string
}

type linkProblemPage struct {
	basePage
	Heading string
	Message string
	Purpose string
}

// renderLinkProblem shows why an emailed link cannot be used: 404 for an
// unknown link, 410 for one used or out of date.
func (s *Server) renderLinkProblem(c *fiber.Ctx, err error, purpose app.TokenPurpose) error {
	status, heading := fiber.StatusGone, "This link cannot be used again"
	switch app.ErrorCode(err) {
	case app.ENOTFOUND:
		status, heading = fiber.StatusNotFound, "This link is not valid"
	case app.EINVALID:
		heading = "This link has expired"
	}
	return s.render(c, status, "link_problem", &linkProblemPage{basePage: basePage{Title: heading}, Heading: heading, Message: app.ErrorMessage(err), Purpose: string(purpose)})
}

type resetPasswordPage struct {
	basePage
	Token string
}

func (s *Server) handleResetPasswordForm(c *fiber.Ctx) error {
	token := c.Query("token")
	if err := s.cfg.Recovery.CheckReset(c.UserContext(), token); err != nil {
		if app.IsTokenProblem(err) {
			return s.renderLinkProblem(c, err, app.TokenReset)
		}
		return err
	}
	return s.render(c, fiber.StatusOK, "reset_password", &resetPasswordPage{basePage: basePage{Title: "Choose a new password"}, Token: token})
}

func (s *Server) handleResetPassword(c *fiber.Ctx) error {
	token := c.FormValue("token")
	u, session, err := s.cfg.Recovery.ResetPassword(c.UserContext(), token, c.FormValue("password"))
	switch {
	case app.IsTokenProblem(err):
		return s.renderLinkProblem(c, err, app.TokenReset)
	case app.ErrorCode(err) == app.EINVALID:
		return s.render(c, fiber.StatusUnprocessableEntity, "reset_password", &resetPasswordPage{basePage: basePage{Title: "Choose a new password", Errors: app.ErrorFields(err)}, Token: token})
	case err != nil:
		return err
	}
	s.setCookie(c, sessionCookie, session, 0)
	s.log.Info("password reset", "user_id", u.ID)
	return c.Redirect("/course?password=reset", fiber.StatusSeeOther)
}

func (s *Server) handleChangePasswordForm(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "change_password", &messagePage{basePage: basePage{Title: "Change your password", NavProfile: true, BackLink: "/profile"}})
}

func (s *Server) handleChangePassword(c *fiber.Ctx) error {
	u := currentUser(c)
	err := s.cfg.Recovery.ChangePassword(c.UserContext(), u, app.HashToken(c.Cookies(sessionCookie)), c.FormValue("current_password"), c.FormValue("password"))
	if app.ErrorCode(err) == app.EINVALID {
		return s.render(c, fiber.StatusUnprocessableEntity, "change_password", &messagePage{basePage: basePage{Title: "Change your password", NavProfile: true, BackLink: "/profile", Errors: app.ErrorFields(err)}})
	}
	if err != nil {
		return err
	}
	s.log.Info("password changed", "user_id", u.ID)
	return c.Redirect("/profile?changed=password", fiber.StatusSeeOther)
}

type resetLinkPage struct {
	basePage
	Learner *app.User
	Link    string
}

// handleAssistedReset shows a coordinator a one-time reset link for a
// learner, once: it is not stored and cannot be shown again.
func (s *Server) handleAssistedReset(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	link, err := s.cfg.Recovery.AssistedReset(c.UserContext(), currentUser(c), id)
	if err != nil {
		return err
	}
	learner, err := s.cfg.Learning.Store.UserByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	s.log.Info("assisted password reset link created", "user_id", currentUser(c).ID, "subject_user_id", id)
	return s.render(c, fiber.StatusOK, "reset_link", &resetLinkPage{basePage: basePage{Title: "Password reset link", NavReports: true, BackLink: "/reports/learners/" + c.Params("id")}, Learner: learner, Link: link})
}
