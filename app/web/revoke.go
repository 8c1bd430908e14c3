package web

import (
	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

type revokePage struct {
	basePage
	D            *app.LearnerDetail
	Reason       string
	PublicReason string
}

// confirmRevoke puts "are you sure" before revoke: a request without
// confirm=yes checks the reason and shows what will happen, with a button
// that sends the same reason confirmed and a way back that changes
// nothing. Anything it cannot confirm (no certificate, already revoked)
// goes to revoke, which gives the right error.
func (s *Server) confirmRevoke(revoke fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.FormValue("confirm") == "yes" {
			return revoke(c)
		}
		reason, err := app.RevokeReason(c.FormValue("reason"))
		if err != nil {
			return s.renderLearner(c, fiber.StatusUnprocessableEntity, app.ErrorFields(err))
		}
		public, err := app.PublicRevokeReason(c.FormValue("public_reason"))
		if err != nil {
			return s.renderLearner(c, fiber.StatusUnprocessableEntity, app.ErrorFields(err))
		}
		id, err := idParam(c)
		if err != nil {
			return err
		}
		d, err := s.cfg.Oversight.Learner(c.UserContext(), currentUser(c), id)
		if err != nil {
			return err
		}
		if d.Certificate == nil || d.Certificate.RevokedAt != nil {
			return revoke(c)
		}
		return s.render(c, fiber.StatusOK, "revoke", &revokePage{
			basePage: basePage{Title: "Are you sure you want to revoke " + d.Row.Name + "'s certificate?", NavReports: true},
			D:        d, Reason: reason, PublicReason: public,
		})
	}
}
