package web

import (
	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// Temporary: the lead's finishExternal (app/web/external.go on main)
// replaces this file when it lands.
func (s *Server) finishExternal(c *fiber.Ctx, out *app.ExternalOutcome) error {
	if out.Token == "" {
		return app.Errorf(app.EINVALID, "pending step %s", out.Step)
	}
	s.signedIn(c, out.Token)
	return c.Redirect("/course", fiber.StatusSeeOther)
}
