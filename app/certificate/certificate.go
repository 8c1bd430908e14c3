// Package certificate renders an app.Certificate to a PDF with gopdf. It is
// the only package that imports gopdf.
package certificate

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // CERTIFICATE_LOGO and CERTIFICATE_SIGNATURE may be JPEG
	_ "image/png"
	"io"
	"time"
	_ "time/tzdata" // dates are printed in UK time whatever the host has installed

	"github.com/signintech/gopdf"
	"rsc.io/qr"

	"github.com/foundations/foundations/app"
)

// Options are the parts of the design a partnership configures.
type Options struct {
	Logo          []byte // PNG or JPEG printed instead of the drawn mark; optional
	SignatoryName string // who signs the certificates; optional
	SignatoryRole string // their role, printed under the name
	Signature     []byte // PNG or JPEG of their signature; optional
}

// picture is a configured image and its shape.
type picture struct {
	data []byte
	w, h float64 // pixels
}

func newPicture(what string, data []byte) (*picture, error) {
	if len(data) == 0 {
		return nil, nil
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "png" && format != "jpeg") || cfg.Width == 0 || cfg.Height == 0 {
		return nil, fmt.Errorf("the %s must be a PNG or JPEG image", what)
	}
	if _, err := gopdf.ImageHolderByBytes(data); err != nil {
		return nil, fmt.Errorf("the %s: %w", what, err)
	}
	return &picture{data: data, w: float64(cfg.Width), h: float64(cfg.Height)}, nil
}

// Renderer draws certificates. NewRenderer parses its fonts and images
// once; Render may be called from many goroutines at once.
type Renderer struct {
	fonts           *fontSet
	loc             *time.Location // where dates are read as calendar days
	logo            *picture
	signature       *picture
	signatory, role string
}

// NewRenderer parses the embedded fonts and the configured images. It fails
// if an image is not a PNG or JPEG (or the fonts are corrupt).
func NewRenderer(opt Options) (*Renderer, error) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return nil, fmt.Errorf("load UK time zone: %w", err)
	}
	fs, err := newFontSet()
	if err != nil {
		return nil, err
	}
	r := &Renderer{fonts: fs, loc: loc, signatory: opt.SignatoryName, role: opt.SignatoryRole}
	if r.logo, err = newPicture("certificate logo", opt.Logo); err != nil {
		return nil, err
	}
	if r.signature, err = newPicture("signature image", opt.Signature); err != nil {
		return nil, err
	}
	return r, nil
}

// content is everything the page prints, already checked printable.
type content struct {
	partnership string
	learner     string
	course      string
	modules     []string
	completed   string
	cpd         string // "" when the course carries no CPD time
	validUntil  string
	code        string
	verifyURL   string
	revoked     string // "" unless revoked
	replaced    bool   // revoked because a reissued certificate replaced it
	signatory   string
	role        string
	fallbacks   map[*face]bool // fonts beyond the primary ones the text needs
}

func (r *Renderer) content(c *app.Certificate, verifyURL string) (*content, error) {
	t := &content{fallbacks: map[*face]bool{}}
	var err error
	text := func(field, s string) string {
		if err != nil {
			return ""
		}
		var out string
		out, err = r.printable(field, s, t.fallbacks)
		return out
	}
	t.partnership = text("partnership name", c.Partnership)
	t.learner = text("learner name", c.LearnerName)
	t.course = text("course title", c.CourseTitle)
	t.completed = formatDate(c.CompletedAt, r.loc)
	t.validUntil = formatDate(c.ExpiresAt, r.loc)
	t.code = text("certificate code", app.FormatCode(c.Code))
	t.verifyURL = text("verification address", verifyURL)
	t.signatory = text("signatory's name", r.signatory)
	t.role = text("signatory's role", r.role)
	for _, m := range c.Modules {
		t.modules = append(t.modules, text("module title", m))
	}
	if c.CPDMinutes > 0 {
		t.cpd = formatMinutes(c.CPDMinutes)
	}
	// The status is taken from RevokedAt alone: revocation does not depend
	// on the clock (app.Certificate.Status), and a PDF of a certificate that
	// has merely expired still truthfully says when it was valid until.
	if c.RevokedAt != nil {
		t.revoked = formatDate(*c.RevokedAt, r.loc)
		t.replaced = c.ReplacedBy != ""
	}
	if err != nil {
		return nil, fmt.Errorf("certificate %d: %w", c.ID, err)
	}
	return t, nil
}

// Render writes c as a one-page A4 landscape PDF to w: the partnership's
// mark and name, the learner, the course and its modules, the completion
// date, CPD time, the certificate code, the expiry date, the signatory, and
// verifyURL both printed in full and as a QR code. A revoked certificate is
// marked REVOKED across the page and gives no expiry date.
//
// Every character is printed exactly as stored (after NFC normalisation),
// each in the first of the embedded fonts that has it; one that no font has
// is an EINVALID *app.Error naming the field and the character. Nothing is
// written to w unless the whole PDF was built. The PDF's creation date is
// c.IssuedAt, so the same certificate always gives the same bytes.
func (r *Renderer) Render(w io.Writer, c *app.Certificate, verifyURL string) error {
	t, err := r.content(c, verifyURL)
	if err != nil {
		return err
	}
	code, err := qr.Encode(verifyURL, qr.M)
	if err != nil {
		return fmt.Errorf("certificate %d: encode QR code: %w", c.ID, err)
	}
	// Whole pixels per module and a 1-bit PNG keep the edges sharp. At
	// 8 pixels a module the image has about 300 dpi where it is printed.
	code.Scale = 8
	qrImage, err := gopdf.ImageHolderByBytes(code.PNG())
	if err != nil {
		return fmt.Errorf("certificate %d: QR image: %w", c.ID, err)
	}

	gp := &gopdf.GoPdf{}
	gp.Start(gopdf.Config{Unit: gopdf.UnitPT, PageSize: *gopdf.PageSizeA4Landscape})
	gp.SetInfo(gopdf.PdfInfo{
		Title:        "Certificate of completion: " + t.course,
		Subject:      t.course + " completed by " + t.learner + " on " + t.completed,
		Author:       t.partnership,
		Creator:      "Foundations",
		Producer:     "Foundations",
		CreationDate: c.IssuedAt,
	})
	faces := []*face{r.fonts.regular, r.fonts.bold}
	for _, f := range r.fonts.fallbacks {
		if t.fallbacks[f] {
			faces = append(faces, f)
		}
	}
	for _, f := range faces {
		if err := gp.AddTTFFontFromFontContainer(f.family, f.fonts); err != nil {
			return fmt.Errorf("certificate %d: add font %s: %w", c.ID, f.family, err)
		}
	}
	gp.AddPage()
	p := &page{gp: gp, fonts: r.fonts}
	p.draw(t, qrImage, r.logo, r.signature)
	if p.err != nil {
		return fmt.Errorf("certificate %d: draw: %w", c.ID, p.err)
	}
	var buf bytes.Buffer
	if _, err := gp.WriteTo(&buf); err != nil {
		return fmt.Errorf("certificate %d: write PDF: %w", c.ID, err)
	}
	_, err = w.Write(setLanguage(buf.Bytes()))
	return err
}

// catalog is the document catalog exactly as gopdf v0.33 writes it (with
// no outlines), and catalogWithLang the same dictionary with the document's
// language (PDF 32000-1:2008, 14.9.2), in exactly as many bytes so that the
// cross-reference table's offsets stay right. gopdf has no way to set it.
var (
	catalog         = []byte("<<\n  /Type /Catalog\n  /Pages 2 0 R\n>>\n")
	catalogWithLang = []byte("<</Type/Catalog/Pages 2 0 R/Lang(en)>>")
)

// setLanguage marks the PDF as English, for screen readers. If gopdf ever
// writes its catalog differently the PDF is returned unchanged (a test
// notices).
func setLanguage(pdf []byte) []byte {
	if len(catalog) != len(catalogWithLang) {
		panic("catalog patch changes the length of the PDF")
	}
	i := bytes.Index(pdf, catalog)
	if i < 0 {
		return pdf
	}
	copy(pdf[i:], catalogWithLang)
	return pdf
}
