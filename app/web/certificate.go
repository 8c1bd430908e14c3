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
	Certificate  *app.Certificate
	Verification *app.Verification
	VerifyURL    string
	LinkedInURL  string
	Issued       bool
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
		Certificate: cert, Verification: cert.Verify(s.cfg.Learning.Now()), VerifyURL: s.verifyURL(cert.Code),
		LinkedInURL: app.LinkedInURL(cert, s.verifyURL(cert.Code)), Issued: c.Query("issued") == "1"})
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
	Code         string
	Verification *app.Verification
	Message      string // verifyMessage(Verification)
	NotFound     bool
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

// handleVerify answers /verify/<code> as a page, and /verify/<code>.json as
// the same answer for systems that check certificates.
func (s *Server) handleVerify(c *fiber.Ctx) error {
	code := c.Params("code")
	if strings.HasSuffix(code, ".json") {
		return s.handleVerifyJSON(c, strings.TrimSuffix(code, ".json"))
	}
	cert, err := s.cfg.Learning.Verify(c.UserContext(), code)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return s.render(c, fiber.StatusNotFound, "verify", &verifyPage{basePage: basePage{Title: "Certificate not found"}, Code: code, NotFound: true})
	}
	if err != nil {
		return err
	}
	v := cert.Verify(s.cfg.Learning.Now())
	return s.render(c, fiber.StatusOK, "verify", &verifyPage{basePage: basePage{Title: "Certificate " + v.State}, Code: code, Verification: v, Message: verifyMessage(v)})
}

// verifyJSON is the machine-readable form of the verification page: the
// same facts from the same app.Verification. Dates are UK calendar days
// (YYYY-MM-DD); a field that does not apply is left out, so a revoked or
// expired certificate has no valid_until.
type verifyJSON struct {
	Code            string   `json:"code"`
	Status          string   `json:"status"`
	Message         string   `json:"message"`
	LearnerName     string   `json:"learner_name"`
	CourseTitle     string   `json:"course_title"`
	Modules         []string `json:"modules"`
	CompletedOn     string   `json:"completed_on"`
	CPDMinutes      int      `json:"cpd_minutes"`
	IssuedOn        string   `json:"issued_on"`
	IssuedBy        string   `json:"issued_by"`
	ValidUntil      string   `json:"valid_until,omitempty"`
	ExpiredOn       string   `json:"expired_on,omitempty"`
	RevokedOn       string   `json:"revoked_on,omitempty"`
	RevokedReason   string   `json:"revocation_reason,omitempty"`
	VerificationURL string   `json:"verification_url"`
	CheckedAt       string   `json:"checked_at"`
}

func (s *Server) handleVerifyJSON(c *fiber.Ctx, code string) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	norm := app.NormaliseCode(code)
	if norm == "" {
		return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"error": app.EINVALID,
			"message": "A certificate code is 24 letters and numbers, for example ABCD-EFGH-JKLM-NPQR-STUV-WXYZ."})
	}
	cert, err := s.cfg.Learning.Verify(c.UserContext(), norm)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return c.Status(fiber.StatusNotFound).JSON(fiber.Map{"error": app.ENOTFOUND, "message": app.ErrorMessage(err)})
	}
	if err != nil {
		return err
	}
	v := cert.Verify(s.cfg.Learning.Now())
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(london).Format(time.DateOnly)
	}
	return c.JSON(verifyJSON{
		Code: app.FormatCode(cert.Code), Status: v.State, Message: verifyMessage(v),
		LearnerName: cert.LearnerName, CourseTitle: cert.CourseTitle, Modules: cert.Modules,
		CompletedOn: day(&cert.CompletedAt), CPDMinutes: cert.CPDMinutes, IssuedOn: day(&cert.IssuedAt), IssuedBy: cert.Partnership,
		ValidUntil: day(v.ValidUntil), ExpiredOn: day(v.ExpiredOn), RevokedOn: day(v.RevokedOn), RevokedReason: v.PublicReason,
		VerificationURL: s.verifyURL(cert.Code), CheckedAt: v.CheckedAt.UTC().Format(time.RFC3339),
	})
}

// verifyMessage is the verification page's status sentence, in words.
func verifyMessage(v *app.Verification) string {
	date := func(t *time.Time) string { return t.In(london).Format("2 January 2006") }
	switch v.State {
	case app.VerifyValid:
		return "This certificate is genuine and valid until " + date(v.ValidUntil) + "."
	case app.VerifyExpired:
		return "This certificate is genuine but expired on " + date(v.ExpiredOn) + "."
	case app.VerifyReplaced:
		return "This certificate was replaced by a reissued certificate on " + date(v.RevokedOn) + ". Ask the holder for their current certificate."
	default:
		msg := "This certificate was revoked on " + date(v.RevokedOn) + " and is not valid."
		if v.PublicReason != "" {
			msg += " Reason: " + v.PublicReason
		}
		return msg
	}
}
