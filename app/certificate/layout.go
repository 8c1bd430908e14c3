package certificate

import (
	"math"
	"strconv"

	"github.com/signintech/gopdf"
)

// The page is A4 landscape in points, y growing downwards. The design is
// print-first: near-black text on white, one dark accent for the border and
// rules, a centred statement above and the details in three columns below.
const (
	pageW  = 842.0
	pageH  = 595.0
	margin = 76.0 // left and right edge of the text
	textW  = pageW - 2*margin
	bandY  = 334.0 // highest top of the details band
	footY  = 522.0 // the verification line
)

type rgb struct{ r, g, b uint8 }

var (
	ink    = rgb{24, 27, 31}
	muted  = rgb{88, 94, 102}
	accent = rgb{30, 72, 88}
	red    = rgb{165, 20, 20}
	stamp  = rgb{246, 212, 212} // the REVOKED watermark, under the text
)

// page draws on one gopdf page. Its methods do nothing once one has failed;
// the caller checks err at the end.
type page struct {
	gp  *gopdf.GoPdf
	err error
}

func (p *page) font(family string, size float64) {
	if p.err == nil {
		p.err = p.gp.SetFont(family, "", size)
	}
}

func (p *page) color(c rgb) { p.gp.SetTextColor(c.r, c.g, c.b) }

func (p *page) width(s string) float64 {
	if p.err != nil {
		return 0
	}
	w, err := p.gp.MeasureTextWidth(s)
	p.err = err
	return w
}

// text draws s with the top of its line box at y.
func (p *page) text(x, y float64, s string) {
	if p.err != nil || s == "" {
		return
	}
	p.gp.SetXY(x, y)
	p.err = p.gp.Cell(nil, s)
}

func (p *page) centre(cx, y float64, s string) { p.text(cx-p.width(s)/2, y, s) }

// fit sets family at the largest size, from size down to min, at which s
// fits maxW, and returns s as lines at that size: one line if it fits at
// min or above, else two lines of similar width, else as many lines as
// word-wrapping at min needs. Text is made smaller or wrapped, never cut.
func (p *page) fit(family string, size, min, maxW float64, s string) ([]string, float64) {
	p.font(family, size)
	w := p.width(s)
	if w <= maxW {
		return []string{s}, size
	}
	if one := shrink(size, maxW/w); one >= min {
		p.font(family, one)
		return []string{s}, one
	}
	if a, b, ok := p.halves(s); ok {
		two := size
		if w := max(p.width(a), p.width(b)); w > maxW {
			two = shrink(size, maxW/w)
		}
		if two >= min {
			p.font(family, two)
			return []string{a, b}, two
		}
	}
	p.font(family, min)
	if p.err != nil {
		return nil, min
	}
	lines, err := p.gp.SplitTextWithWordWrap(s, maxW)
	p.err = err
	return lines, min
}

// shrink scales a font size by ratio (width is linear in size), rounding
// down to a half point so the text still fits.
func shrink(size, ratio float64) float64 { return math.Floor(size*ratio*2) / 2 }

// halves splits s at the space that makes its two halves closest in width,
// at the current font.
func (p *page) halves(s string) (string, string, bool) {
	best, bestW := -1, math.Inf(1)
	for i, r := range s {
		if r != ' ' {
			continue
		}
		if w := max(p.width(s[:i]), p.width(s[i+1:])); w < bestW {
			best, bestW = i, w
		}
	}
	if best < 0 {
		return "", "", false
	}
	return s[:best], s[best+1:], true
}

// block draws s centred on the page, fitted as by fit, and returns the y
// below it.
func (p *page) block(y float64, family string, size, min float64, s string) float64 {
	lines, size := p.fit(family, size, min, textW, s)
	for _, l := range lines {
		p.centre(pageW/2, y, l)
		y += size * 1.22
	}
	return y
}

func (p *page) draw(t *content, qrImage gopdf.ImageHolder) {
	gp := p.gp
	if t.revoked != "" {
		p.watermark()
	}

	// A thin double rule around the page.
	gp.SetStrokeColor(accent.r, accent.g, accent.b)
	gp.SetLineWidth(1.2)
	gp.RectFromUpperLeftWithStyle(24, 24, pageW-48, pageH-48, "D")
	gp.SetLineWidth(0.4)
	gp.RectFromUpperLeftWithStyle(30, 30, pageW-60, pageH-60, "D")

	// The statement, centred, each part as large as fits.
	p.color(muted)
	y := p.block(64, fontBold, 13, 10, t.partnership)
	p.color(ink)
	y = p.block(y+10, fontRegular, 36, 36, "Certificate of completion")
	if t.revoked != "" {
		p.color(red)
		y = p.block(y+8, fontBold, 13, 10, "REVOKED on "+t.revoked+": this certificate is no longer valid")
		if t.replacedBy != "" {
			y = p.block(y, fontRegular, 10, 8, "It was replaced by certificate "+t.replacedBy)
		}
	} else {
		gp.SetLineWidth(0.8)
		gp.Line(pageW/2-28, y+14, pageW/2+28, y+14)
		y += 18
	}
	p.color(muted)
	y = p.block(y+16, fontRegular, 11, 11, "This is to certify that")
	p.color(ink)
	y = p.block(y+6, fontBold, 32, 20, t.learner)
	p.color(muted)
	y = p.block(y+6, fontRegular, 11, 11, "has completed the course")
	p.color(ink)
	y = p.block(y+6, fontRegular, 20, 14, t.course)

	// The details, in three columns between a rule and the footer. The
	// band starts lower when the statement is short, and its parts close
	// up when the statement is long.
	top := max(bandY, y+34)
	gp.SetStrokeColor(accent.r, accent.g, accent.b)
	gp.SetLineWidth(0.4)
	gp.Line(margin, top-16, pageW-margin, top-16)
	bottom := footY - 18

	p.modules(top, bottom, t.modules)
	p.details(top, bottom, t)

	// The QR code, drawn square from the PNG's whole-pixel modules.
	qrSize := min(124, bottom-12-top)
	qrX := pageW - margin - qrSize
	if p.err == nil {
		p.err = gp.ImageByHolder(qrImage, qrX, top-4, &gopdf.Rect{W: qrSize, H: qrSize})
	}
	p.color(muted)
	p.font(fontRegular, 8)
	p.centre(qrX+qrSize/2, top+qrSize-2, "Scan to check this certificate")

	p.block(footY, fontRegular, 9.5, 7, "Check that this certificate is genuine at "+t.verifyURL)
}

// modules lists the module titles in the left column, numbered, shrinking
// the type until the list fits above the footer.
func (p *page) modules(top, bottom float64, titles []string) {
	const (
		x      = margin
		colW   = 300.0
		indent = 18.0
	)
	p.color(muted)
	p.font(fontBold, 9)
	p.text(x, top, "Modules completed")
	if len(titles) == 0 {
		return
	}
	top += 18
	for size := 11.0; ; size -= 0.5 {
		lead := size * 1.45
		var lines [][]string
		n := 0
		for _, m := range titles {
			l, _ := p.fit(fontRegular, size, size, colW-indent, m)
			lines = append(lines, l)
			n += len(l)
		}
		if top+float64(n)*lead > bottom && size > 6 {
			continue
		}
		p.color(ink)
		y := top
		for i, l := range lines {
			p.font(fontRegular, size)
			num := strconv.Itoa(i+1) + "."
			p.text(x+indent-4-p.width(num), y, num)
			for _, line := range l {
				p.text(x+indent, y, line)
				y += lead
			}
		}
		return
	}
}

// details prints the facts of the certificate in the middle column as
// label and value pairs.
func (p *page) details(top, bottom float64, t *content) {
	const x = 410.0
	step := min(40, (bottom-top)/4)
	y := top
	row := func(label, value, family string) {
		if value == "" {
			return
		}
		p.color(muted)
		p.font(fontRegular, 8.5)
		p.text(x, y, label)
		p.color(ink)
		p.font(family, 11.5)
		p.text(x, y+12, value)
		y += step
	}
	row("Completed on", t.completed, fontRegular)
	row("CPD time", t.cpd, fontRegular)
	row("Valid until", t.validUntil, fontRegular)
	row("Certificate code", t.code, fontMono)
}

// watermark writes REVOKED diagonally across the page in a pale red, under
// everything else so the certificate stays legible but cannot pass as valid.
func (p *page) watermark() {
	gp := p.gp
	p.color(stamp)
	p.font(fontBold, 150)
	const word = "REVOKED"
	w := p.width(word)
	gp.Rotate(24, pageW/2, pageH/2)
	p.text(pageW/2-w/2, pageH/2-75, word)
	gp.RotateReset()
}
