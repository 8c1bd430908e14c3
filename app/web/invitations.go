package web

import (
	"net/url"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

type invitationPage struct {
	basePage
	View  *app.InvitationView
	Token string
	Next  string // this page, for signing in and coming back
}

// handleInvitation shows a named manager what to do with their link.
func (s *Server) handleInvitation(c *fiber.Ctx) error {
	token := c.Query("token")
	v, err := s.cfg.Invitations.View(c.UserContext(), currentUser(c), token)
	if app.IsTokenProblem(err) || app.ErrorCode(err) == app.ENOTFOUND {
		return s.renderLinkProblem(c, err, app.TokenManager)
	}
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "manager_invitation", &invitationPage{basePage: basePage{Title: "Line manager invitation"}, View: v, Token: token,
		Next: "/manager-invitation?token=" + url.QueryEscape(token)})
}

func (s *Server) handleInvitationAccept(c *fiber.Ctx) error {
	err := s.cfg.Invitations.Accept(c.UserContext(), currentUser(c), c.FormValue("token"))
	if app.IsTokenProblem(err) || app.ErrorCode(err) == app.ENOTFOUND {
		return s.renderLinkProblem(c, err, app.TokenManager)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/staff", fiber.StatusSeeOther)
}
