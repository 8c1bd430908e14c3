package web

import (
	"github.com/gofiber/fiber/v2"
)

// Rate limits, kept by app.Limits in the database so that every instance
// counts the same attempts. Each runs before the handler and answers 429
// with Retry-After (through handleError) once spent.

func (s *Server) limitSignIn(c *fiber.Ctx) error {
	if err := s.cfg.Limits.SignIn(c.UserContext(), c.IP(), formValue(c, "email")); err != nil {
		return err
	}
	return c.Next()
}

func (s *Server) limitRegister(c *fiber.Ctx) error {
	if err := s.cfg.Limits.Register(c.UserContext(), c.IP()); err != nil {
		return err
	}
	return c.Next()
}

func (s *Server) limitVerify(c *fiber.Ctx) error {
	if err := s.cfg.Limits.Verify(c.UserContext(), c.IP()); err != nil {
		return err
	}
	return c.Next()
}

// formValue is a field of the request body only: never the query string,
// so a link cannot stand in for a form (CSRF tokens, sign-in emails).
func formValue(c *fiber.Ctx, name string) string {
	if v := c.Request().PostArgs().Peek(name); v != nil {
		return string(v)
	}
	if f, err := c.MultipartForm(); err == nil && f != nil {
		if vs := f.Value[name]; len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}
