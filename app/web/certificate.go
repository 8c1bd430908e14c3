package web

import (
	"bytes"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

type certificatePage struct {
	basePage
	Certificate *app.Certificate
	Status      app.CertificateStatus
	VerifyURL   string
	Issued      bool
}

func (s *Server) verifyURL(code string) string {
	return s.cfg.BaseURL + "/verify/" + app.FormatCode(code)
}

func (s *Server) handleCertificate(c *fiber.Ctx) error {
	cert, err := s.cfg.Learning.Certificate(c.UserContext(), currentUser(c).ID)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return s.certificatePending(c)
	}
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "certificate", &certificatePage{basePage: basePage{Title: "Your certificate", NavCourse: true},
		Certificate: cert, Status: cert.Status(s.cfg.Learning.Now()), VerifyURL: s.verifyURL(cert.Code), Issued: c.Query("issued") == "1"})
}

func (s *Server) handleCertificatePDF(c *fiber.Ctx) error {
	cert, err := s.cfg.Learning.Certificate(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.cfg.Certificates.Render(&buf, cert, s.verifyURL(cert.Code)); err != nil {
		return err
	}
	name := strings.NewReplacer(" ", "-").Replace(strings.ToLower(cert.CourseTitle)) + "-certificate.pdf"
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(buf.Bytes())
}

type verifyPage struct {
	basePage
	Code        string
	Certificate *app.Certificate
	Status      app.CertificateStatus
	NotFound    bool
	Now         time.Time
}

func (s *Server) handleVerifyForm(c *fiber.Ctx) error {
	if code := strings.TrimSpace(c.Query("code")); code != "" {
		if norm := app.NormaliseCode(code); norm != "" {
			return c.Redirect("/verify/"+app.FormatCode(norm), fiber.StatusSeeOther)
		}
		return s.render(c, fiber.StatusNotFound, "verify", &verifyPage{basePage: basePage{Title: "Check a certificate",
			Errors: []app.FieldError{{Field: "code", Message: "Enter a certificate code like ABCD-EFGH-JKLM-NPQR-STUV-WXYZ"}}}, Code: code})
	}
	return s.render(c, fiber.StatusOK, "verify", &verifyPage{basePage: basePage{Title: "Check a certificate"}})
}

func (s *Server) handleVerify(c *fiber.Ctx) error {
	code := c.Params("code")
	cert, err := s.cfg.Learning.Verify(c.UserContext(), code)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return s.render(c, fiber.StatusNotFound, "verify", &verifyPage{basePage: basePage{Title: "Certificate not found"}, Code: code, NotFound: true})
	}
	if err != nil {
		return err
	}
	now := s.cfg.Learning.Now()
	return s.render(c, fiber.StatusOK, "verify", &verifyPage{basePage: basePage{Title: "Certificate " + string(cert.Status(now))},
		Code: code, Certificate: cert, Status: cert.Status(now), Now: now})
}
