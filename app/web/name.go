package web

import (
	"strings"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// askForPrintableName sends a signed-in person whose name was accepted
// before the name rule, and which a certificate cannot print, to confirm
// their name before any other page. Public pages, assets and signing out
// still work.
func (s *Server) askForPrintableName(c *fiber.Ctx) error {
	u := currentUser(c)
	if u == nil || app.NamePrintable(u.Name) || (c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead) || wantsJSON(c) {
		return c.Next()
	}
	switch p := c.Path(); {
	case p == "/confirm-name", p == "/accessibility", p == "/references", p == "/glossary", p == "/contacts",
		p == "/healthz", p == "/readyz", p == "/.well-known/jwks.json",
		strings.HasPrefix(p, "/static/"), strings.HasPrefix(p, "/verify"), strings.HasPrefix(p, "/badges/"):
		return c.Next()
	}
	return c.Redirect("/confirm-name", fiber.StatusSeeOther)
}

type confirmNamePage struct {
	basePage
	Name           string // what the form shows: as typed, or as stored
	Problem        string // why the stored name cannot print
	HasCertificate bool
}

func (s *Server) handleConfirmNameForm(c *fiber.Ctx) error {
	u := currentUser(c)
	if app.NamePrintable(u.Name) {
		return c.Redirect("/course", fiber.StatusSeeOther)
	}
	return s.render(c, fiber.StatusOK, "confirm_name", s.confirmNamePage(c, u, u.Name, nil))
}

func (s *Server) confirmNamePage(c *fiber.Ctx, u *app.User, name string, errs []app.FieldError) *confirmNamePage {
	_, err := s.cfg.Learning.Certificate(c.UserContext(), u.ID)
	return &confirmNamePage{basePage: basePage{Title: "Confirm your name", Errors: errs}, Name: name,
		Problem: app.NameProblemOf(u.Name), HasCertificate: err == nil}
}

func (s *Server) handleConfirmName(c *fiber.Ctx) error {
	u := currentUser(c)
	typed := c.FormValue("name")
	_, err := s.cfg.Oversight.ConfirmName(c.UserContext(), u, typed)
	if app.ErrorCode(err) == app.EINVALID {
		return s.render(c, fiber.StatusUnprocessableEntity, "confirm_name", s.confirmNamePage(c, u, typed, app.ErrorFields(err)))
	}
	if err != nil {
		return err
	}
	return c.Redirect("/profile?saved=1", fiber.StatusSeeOther)
}
