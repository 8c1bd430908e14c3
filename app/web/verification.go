package web

import (
	"strings"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// registeredPage is what registration answers when email is on: the same
// page whether or not the address already had an account.
func (s *Server) renderRegistered(c *fiber.Ctx, email string) error {
	return s.render(c, fiber.StatusOK, "check_email", &checkEmailPage{basePage: basePage{Title: "Check your email"}, Heading: "Check your email",
		Paragraphs: []string{"We have sent an email to " + email + ". Follow the link in it to confirm your address.",
			"You can sign in and start the course now. Confirm your address before you finish: your certificate is issued to a confirmed address."},
		Next: "/sign-in", NextLabel: "Sign in"})
}

type verifyEmailPage struct {
	basePage
	Token string
}

// handleVerifyEmailForm shows a button rather than confirming at once, so
// a mail scanner that opens every link cannot spend it.
func (s *Server) handleVerifyEmailForm(c *fiber.Ctx) error {
	token := c.Query("token")
	if err := s.cfg.EmailVerification.CheckVerify(c.UserContext(), token); err != nil {
		if app.IsTokenProblem(err) {
			return s.renderLinkProblem(c, err, app.TokenVerify)
		}
		return err
	}
	return s.render(c, fiber.StatusOK, "verify_email", &verifyEmailPage{basePage: basePage{Title: "Confirm your email address"}, Token: token})
}

func (s *Server) handleVerifyEmail(c *fiber.Ctx) error {
	u, err := s.cfg.EmailVerification.Verify(c.UserContext(), c.FormValue("token"))
	if app.IsTokenProblem(err) {
		return s.renderLinkProblem(c, err, app.TokenVerify)
	}
	if err != nil {
		return err
	}
	s.log.Info("email address verified", "user_id", u.ID)
	if cur := currentUser(c); cur != nil && cur.ID == u.ID {
		return c.Redirect("/course?email=confirmed", fiber.StatusSeeOther)
	}
	return s.render(c, fiber.StatusOK, "message", &messagePage{basePage: basePage{Title: "Email address confirmed"},
		Heading: "Email address confirmed", Body: "Thank you: " + u.Email + " is confirmed. Sign in to carry on with the course."})
}

func (s *Server) handleResendVerification(c *fiber.Ctx) error {
	if err := s.cfg.EmailVerification.ResendVerification(c.UserContext(), currentUser(c)); err != nil {
		return err
	}
	return c.Redirect("/course?email=sent", fiber.StatusSeeOther)
}

type changeEmailPage struct {
	basePage
	Email string
}

func (s *Server) handleChangeEmailForm(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "change_email", &changeEmailPage{basePage: basePage{Title: "Change your email address", NavProfile: true, BackLink: "/profile"}})
}

func (s *Server) handleChangeEmail(c *fiber.Ctx) error {
	email := strings.TrimSpace(c.FormValue("email"))
	err := s.cfg.EmailVerification.RequestEmailChange(c.UserContext(), currentUser(c), email, c.FormValue("current_password"))
	if app.ErrorCode(err) == app.EINVALID {
		return s.render(c, fiber.StatusUnprocessableEntity, "change_email", &changeEmailPage{basePage: basePage{Title: "Change your email address", NavProfile: true, BackLink: "/profile", Errors: app.ErrorFields(err)}, Email: email})
	}
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "check_email", &checkEmailPage{basePage: basePage{Title: "Check your email", NavProfile: true}, Heading: "Check your email",
		Paragraphs: []string{"We have sent a link to " + email + ". Your email address changes when you follow it; until then it stays as it is."},
		Next:       "/profile", NextLabel: "Back to your details"})
}

// correctEmail lets a coordinator correct a learner's address.
func (s *Server) correctEmail() fiber.Handler {
	return s.learnerAction(func(c *fiber.Ctx, a *app.User, id int64) error {
		return s.cfg.EmailVerification.CorrectEmail(c.UserContext(), a, id, c.FormValue("email"))
	}, "email")
}

// accountNotice names the banner the course page shows after an account
// action that comes back to it.
func accountNotice(c *fiber.Ctx) string {
	switch {
	case c.Query("email") == "sent":
		return "sent"
	case c.Query("email") == "confirmed":
		return "confirmed"
	case c.Query("password") == "reset":
		return "reset"
	}
	return ""
}
