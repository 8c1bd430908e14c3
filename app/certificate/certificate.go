// Package certificate renders an app.Certificate to a PDF with gopdf. It is
// the only package that imports gopdf.
package certificate

import (
	"bytes"
	"fmt"
	"io"
	"time"
	_ "time/tzdata" // dates are printed in UK time whatever the host has installed

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"rsc.io/qr"

	"github.com/foundations/foundations/app"
)

// Font families as registered with gopdf. The Go fonts are compiled into the
// binary by their packages, cover WGL4 (Latin including Latin Extended-A,
// Greek, Cyrillic) and are subset into each PDF. gopdf uses the family as
// the PDF font name, so each carries the six-letter tag that marks a subset
// font (PDF 32000-1:2008, 9.6.4).
const (
	fontRegular = "GOFREG+GoRegular"
	fontBold    = "GOFBLD+GoBold"
	fontMono    = "GOFMNO+GoMono"
)

// Renderer draws certificates. NewRenderer parses its fonts once; Render may
// be called from many goroutines at once.
type Renderer struct {
	fonts    *gopdf.FontContainer // parsed for gopdf, copied into each PDF
	coverage []*sfnt.Font         // every printed character must be in all of these
	loc      *time.Location       // where dates are read as calendar days
}

// NewRenderer parses the embedded fonts. It fails only if they are corrupt.
func NewRenderer() (*Renderer, error) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return nil, fmt.Errorf("load UK time zone: %w", err)
	}
	r := &Renderer{fonts: &gopdf.FontContainer{}, loc: loc}
	for _, f := range []struct {
		family string
		ttf    []byte
	}{
		{fontRegular, goregular.TTF},
		{fontBold, gobold.TTF},
		{fontMono, gomono.TTF},
	} {
		opt := gopdf.TtfOption{
			UseKerning: true,
			// Render checks every character first (see printable), so
			// this only guards against a gap between the two cmap readers:
			// a visible '?' rather than gopdf's default blank.
			OnGlyphNotFoundSubstitute: func(rune) rune { return '?' },
		}
		if err := r.fonts.AddTTFFontDataWithOption(f.family, f.ttf, opt); err != nil {
			return nil, fmt.Errorf("parse font %s: %w", f.family, err)
		}
		sf, err := sfnt.Parse(f.ttf)
		if err != nil {
			return nil, fmt.Errorf("parse font %s: %w", f.family, err)
		}
		r.coverage = append(r.coverage, sf)
	}
	return r, nil
}

// has reports whether every font has a glyph for c.
func (r *Renderer) has(c rune) bool {
	if c >= 0x20 && c < 0x7f {
		return true // the Go fonts cover printable ASCII
	}
	for _, f := range r.coverage {
		if i, err := f.GlyphIndex(nil, c); err != nil || i == 0 {
			return false
		}
	}
	return true
}

// content is everything the page prints, already made printable.
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
	replacedBy  string // grouped code of the replacement, if any
}

func (r *Renderer) content(c *app.Certificate, verifyURL string) (*content, error) {
	var err error
	text := func(field, s string) string {
		if err != nil {
			return ""
		}
		var out string
		out, err = printable(field, s, r.has)
		return out
	}
	t := &content{
		partnership: text("partnership name", c.Partnership),
		learner:     text("learner name", c.LearnerName),
		course:      text("course title", c.CourseTitle),
		completed:   formatDate(c.CompletedAt, r.loc),
		validUntil:  formatDate(c.ExpiresAt, r.loc),
		code:        text("certificate code", app.FormatCode(c.Code)),
		verifyURL:   text("verification address", verifyURL),
	}
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
		if c.ReplacedBy != "" {
			t.replacedBy = text("replacement code", app.FormatCode(c.ReplacedBy))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("certificate %d: %w", c.ID, err)
	}
	return t, nil
}

// Render writes c as a one-page A4 landscape PDF to w: the partnership,
// the learner, the course and its modules, the completion date, CPD time,
// the certificate code, the expiry date, and verifyURL both printed in full
// and as a QR code. A revoked certificate is marked REVOKED across the page.
//
// A character that the fonts cannot print and that has no close printable
// form is an EINVALID *app.Error naming the field; letters whose accents the
// fonts lack are printed with fewer accents. Nothing is written to w unless
// the whole PDF was built. The PDF's creation date is c.IssuedAt, so the
// same certificate always gives the same bytes.
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
		Subject:      t.learner,
		Author:       t.partnership,
		Creator:      "Foundations",
		CreationDate: c.IssuedAt,
	})
	for _, family := range []string{fontRegular, fontBold, fontMono} {
		if err := gp.AddTTFFontFromFontContainer(family, r.fonts); err != nil {
			return fmt.Errorf("certificate %d: add font %s: %w", c.ID, family, err)
		}
	}
	gp.AddPage()
	p := &page{gp: gp}
	p.draw(t, qrImage)
	if p.err != nil {
		return fmt.Errorf("certificate %d: draw: %w", c.ID, p.err)
	}
	var buf bytes.Buffer
	if _, err := gp.WriteTo(&buf); err != nil {
		return fmt.Errorf("certificate %d: write PDF: %w", c.ID, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}
