package web

import (
	"strconv"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// Access: the guards routes put in front of handlers.

// requireRole refuses signed-in users without the permission (403); the
// Oversight service checks again, so a missing guard here cannot leak data.
func (s *Server) requireRole(may func(*app.User) bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !may(currentUser(c)) {
			return app.Errorf(app.EFORBIDDEN, "You do not have permission to see this page.")
		}
		return c.Next()
	}
}

func idParam(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, app.Errorf(app.ENOTFOUND, "There is no such person.")
	}
	return id, nil
}
