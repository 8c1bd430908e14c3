package web

import (
	"strings"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// handleBadge downloads the learner's certificate as an Open Badges 3.0
// credential (a VC-JWT), for a digital wallet or another LMS. A revoked
// certificate's badge is still given, and says so.
func (s *Server) handleBadge(c *fiber.Ctx) error {
	u := currentUser(c)
	cert, err := s.cfg.Learning.Certificate(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	tok, err := s.cfg.Badges.Credential(c.UserContext(), cert, u.Email)
	if err != nil {
		return err
	}
	name := strings.NewReplacer(" ", "-").Replace(strings.ToLower(cert.CourseTitle)) + "-badge.jwt"
	c.Set(fiber.HeaderContentType, "application/vc+jwt")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.SendString(tok)
}

// handleBadgeIssuer is the issuer profile every badge names.
func (s *Server) handleBadgeIssuer(c *fiber.Ctx) error {
	b, err := s.cfg.Badges.IssuerProfile()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}

// handleBadgeStatus is a badge's credentialStatus: a 1EdTech revocation
// list naming the credential once it is revoked. A malformed code is 400,
// an unknown one 404.
func (s *Server) handleBadgeStatus(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	norm := app.NormaliseCode(c.Params("code"))
	if norm == "" {
		return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"error": app.EINVALID, "message": "That is not a certificate code."})
	}
	cert, err := s.cfg.Learning.Verify(c.UserContext(), norm)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return c.Status(fiber.StatusNotFound).JSON(fiber.Map{"error": app.ENOTFOUND, "message": app.ErrorMessage(err)})
	}
	if err != nil {
		return err
	}
	b, err := s.cfg.Badges.StatusList(cert)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}

// handleBadgeAchievement publishes the achievement every badge for the
// course names, at its id. Only the course this server teaches exists.
func (s *Server) handleBadgeAchievement(c *fiber.Ctx) error {
	course := s.cfg.Learning.Course
	if c.Params("course") != course.ID {
		return app.Errorf(app.ENOTFOUND, "There is no such achievement.")
	}
	b, err := s.cfg.Badges.Achievement(&app.Certificate{CourseID: course.ID, CourseTitle: course.Title,
		Modules: course.ModuleTitles(), CPDMinutes: course.CPDMinutes(), Partnership: s.cfg.Learning.Partnership})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}
