package certificate

import (
	"math"
	"strconv"
	"strings"

	"github.com/signintech/gopdf"
)

// The page is A4 landscape in points, y growing downwards. The design is
// print-first: near-black text on white inside a deep teal frame with a
// fine gold rule, the partnership's mark at the head, a centred statement
// with the learner's name largest, and the details in three columns above
// a footer with the signatory and the verification address.
const (
	pageW  = 842.0
	pageH  = 595.0
	margin = 72.0 // left and right edge of the text
	textW  = pageW - 2*margin
	bandY  = 318.0 // highest top of the details band
	footY  = 466.0 // top of the footer: signatory and verification

	// lineBox is the height of a line in ems: Noto Sans's ascent and
	// descent, so that lines set one under another never overlap.
	lineBox = 1.37
)

type rgb struct{ r, g, b uint8 }

var (
	ink    = rgb{24, 27, 31}
	muted  = rgb{84, 90, 98}
	accent = rgb{14, 72, 90}   // deep teal: frame, title, course
	gold   = rgb{178, 138, 48} // fine rules and the mark's ring
	red    = rgb{165, 20, 20}
	stamp  = rgb{246, 212, 212} // the REVOKED watermark, under the text
)

// page draws on one gopdf page. Its methods do nothing once one has failed;
// the caller checks err at the end.
type page struct {
	gp    *gopdf.GoPdf
	fonts *fontSet
	st    style
	size  float64
	err   error
}

// font sets the style and size of the text drawn next.
func (p *page) font(st style, size float64) { p.st, p.size = st, size }

func (p *page) color(c rgb) { p.gp.SetTextColor(c.r, c.g, c.b) }

// runs splits s into runs of one font each, at the current style.
func (p *page) runs(s string) []run {
	if p.err != nil {
		return nil
	}
	rs, err := p.fonts.runs(p.st, s)
	p.err = err
	return rs
}

func (p *page) setFont(f *face) {
	if p.err == nil {
		p.err = p.gp.SetFont(f.family, "", p.size)
	}
}

// width measures s at the current style and size.
func (p *page) width(s string) float64 {
	w := 0.0
	for _, r := range p.runs(s) {
		p.setFont(r.face)
		if p.err != nil {
			return 0
		}
		rw, err := p.gp.MeasureTextWidth(r.text)
		p.err = err
		w += rw
	}
	return w
}

// text draws s with the top of its line box at y, each run in its font on
// the baseline of the style's primary font.
func (p *page) text(x, y float64, s string) {
	base := p.fonts.primary(p.st).ascent
	for _, r := range p.runs(s) {
		p.setFont(r.face)
		if p.err != nil {
			return
		}
		rw, err := p.gp.MeasureTextWidth(r.text)
		if err != nil {
			p.err = err
			return
		}
		p.gp.SetXY(x, y+(base-r.face.ascent)*p.size)
		p.err = p.gp.Cell(nil, r.text)
		x += rw
	}
}

func (p *page) centre(cx, y float64, s string) { p.text(cx-p.width(s)/2, y, s) }

func (p *page) right(rx, y float64, s string) { p.text(rx-p.width(s), y, s) }

// fit sets st at the largest size, from size down to min, at which s fits
// maxW, and returns s as lines at that size: one line if it fits at min or
// above, else two lines of similar width, else as many lines as wrapping at
// spaces at min needs. A word is never broken: if one word alone is wider
// than maxW at min, the size goes on down until it fits. Text is made
// smaller or wrapped, never cut.
func (p *page) fit(st style, size, min, maxW float64, s string) ([]string, float64) {
	p.font(st, size)
	w := p.width(s)
	if w <= maxW {
		return []string{s}, size
	}
	if one := shrink(size, maxW/w); one >= min {
		p.font(st, one)
		return []string{s}, one
	}
	if a, b, ok := p.halves(s); ok {
		two := size
		if w := max(p.width(a), p.width(b)); w > maxW {
			two = shrink(size, maxW/w)
		}
		if two >= min {
			p.font(st, two)
			return []string{a, b}, two
		}
	}
	p.font(st, min)
	widest := 0.0
	for _, word := range strings.Split(s, " ") {
		widest = max(widest, p.width(word))
	}
	if widest > maxW {
		min = shrink(min, maxW/widest)
		p.font(st, min)
	}
	return p.wrap(s, maxW), min
}

// wrap breaks s into lines at spaces, each as long as fits maxW at the
// current font.
func (p *page) wrap(s string, maxW float64) []string {
	var lines []string
	line := ""
	for _, word := range strings.Split(s, " ") {
		if line == "" {
			line = word
			continue
		}
		if p.width(line+" "+word) <= maxW {
			line += " " + word
			continue
		}
		lines = append(lines, line)
		line = word
	}
	return append(lines, line)
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
func (p *page) block(y float64, st style, size, min float64, s string) float64 {
	lines, size := p.fit(st, size, min, textW, s)
	for _, l := range lines {
		p.centre(pageW/2, y, l)
		y += size * lineBox
	}
	return y
}

func (p *page) draw(t *content, qrImage gopdf.ImageHolder, logo, signature *picture) {
	gp := p.gp
	if t.revoked != "" {
		p.watermark()
	}
	p.frame()

	// The head: the partnership's mark and name, and the title.
	p.mark(logo, 40, 50)
	p.color(muted)
	y := p.block(96, bold, 11, 8, t.partnership)
	p.color(accent)
	y = p.block(y+6, regular, 30, 30, "Certificate of completion")
	if t.revoked != "" {
		p.color(red)
		y = p.block(y+4, bold, 13, 10, "REVOKED on "+t.revoked+": this certificate is no longer valid")
		if t.replaced {
			y = p.block(y, regular, 10, 8, "It was replaced by a reissued certificate")
		}
	} else {
		gp.SetStrokeColor(gold.r, gold.g, gold.b)
		gp.SetLineWidth(1)
		gp.Line(pageW/2-36, y+8, pageW/2+36, y+8)
		y += 12
	}

	// The statement, centred, the name largest.
	p.color(muted)
	y = p.block(y+8, regular, 11, 11, "This is to certify that")
	p.color(ink)
	y = p.block(y+4, bold, 34, 16, t.learner)
	p.color(muted)
	y = p.block(y+4, regular, 11, 11, "has completed the course")
	p.color(accent)
	y = p.block(y+4, bold, 20, 13, t.course)

	// The details, in three columns between a rule and the footer. The
	// band starts lower when the statement is short, and its parts close
	// up when the statement is long.
	top := max(bandY, y+26)
	gp.SetStrokeColor(gold.r, gold.g, gold.b)
	gp.SetLineWidth(0.5)
	gp.Line(margin, top-14, pageW-margin, top-14)
	bottom := footY - 12

	p.modules(top, bottom, t.modules)
	p.details(top, bottom, t)

	// The QR code, drawn square from the PNG's whole-pixel modules.
	qrSize := min(112, bottom-14-top)
	qrX := pageW - margin - qrSize
	if p.err == nil {
		p.err = gp.ImageByHolder(qrImage, qrX, top-4, &gopdf.Rect{W: qrSize, H: qrSize})
	}
	p.color(muted)
	p.font(regular, 7.5)
	p.centre(qrX+qrSize/2, top+qrSize-2, "Scan to check this certificate")

	p.signatory(t, signature)
	p.verification(t.verifyURL)
}

// frame draws the border: a deep teal rule, a fine gold one inside it and
// small gold squares at the inner corners.
func (p *page) frame() {
	gp := p.gp
	gp.SetStrokeColor(accent.r, accent.g, accent.b)
	gp.SetLineWidth(6)
	gp.RectFromUpperLeftWithStyle(15, 15, pageW-30, pageH-30, "D")
	gp.SetStrokeColor(gold.r, gold.g, gold.b)
	gp.SetLineWidth(0.8)
	gp.RectFromUpperLeftWithStyle(25, 25, pageW-50, pageH-50, "D")
	gp.SetFillColor(gold.r, gold.g, gold.b)
	for _, c := range [][2]float64{{25, 25}, {pageW - 25, 25}, {25, pageH - 25}, {pageW - 25, pageH - 25}} {
		gp.RectFromUpperLeftWithStyle(c[0]-3, c[1]-3, 6, 6, "F")
	}
}

// mark draws the partnership's mark centred at the top, inside a box h
// high starting at y: the configured logo scaled to fit, or else the drawn
// default, three linked rings (the agencies of a partnership working
// together) in a teal disc with a gold ring.
func (p *page) mark(logo *picture, y, h float64) {
	gp := p.gp
	if logo != nil {
		w := min(logo.w*h/logo.h, 200)
		hh := logo.h * w / logo.w
		holder, err := gopdf.ImageHolderByBytes(logo.data)
		if err == nil && p.err == nil {
			err = gp.ImageByHolder(holder, pageW/2-w/2, y+(h-hh)/2, &gopdf.Rect{W: w, H: hh})
		}
		if p.err == nil {
			p.err = err
		}
		return
	}
	cx, cy, r := pageW/2, y+h/2-2, h/2-4
	gp.SetFillColor(accent.r, accent.g, accent.b)
	gp.SetStrokeColor(gold.r, gold.g, gold.b)
	gp.SetLineWidth(1.6)
	circle(gp, cx, cy, r, "FD")
	gp.SetStrokeColor(255, 255, 255)
	gp.SetLineWidth(1.4)
	ring := r * 0.36
	for i := range 3 {
		a := -math.Pi/2 + float64(i)*2*math.Pi/3
		circle(gp, cx+math.Cos(a)*ring*0.62, cy+math.Sin(a)*ring*0.62+1, ring, "D")
	}
}

// circle draws a circle of radius r centred at (cx, cy) as a closed
// polygon fine enough to look round at any print size; style is "D"
// (stroke), "F" (fill) or "FD".
func circle(gp *gopdf.GoPdf, cx, cy, r float64, style string) {
	const n = 72
	pts := make([]gopdf.Point, 0, n)
	for i := range n {
		a := float64(i) * 2 * math.Pi / n
		pts = append(pts, gopdf.Point{X: cx + r*math.Cos(a), Y: cy + r*math.Sin(a)})
	}
	gp.Polygon(pts, style)
}

// modules lists the module titles in the left column, numbered, shrinking
// the type until the list fits above the footer.
func (p *page) modules(top, bottom float64, titles []string) {
	const (
		x      = margin
		colW   = 296.0
		indent = 18.0
	)
	p.color(accent)
	p.font(bold, 8.5)
	p.text(x, top, "Modules completed")
	if len(titles) == 0 {
		return
	}
	top += 17
	for size := 10.5; ; size -= 0.5 {
		lead := size * lineBox
		var lines [][]string
		n := 0
		for _, m := range titles {
			l, _ := p.fit(regular, size, size, colW-indent, m)
			lines = append(lines, l)
			n += len(l)
		}
		if top+float64(n)*lead > bottom && size > 6 {
			continue
		}
		p.color(ink)
		y := top
		for i, l := range lines {
			p.font(regular, size)
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
// label and value pairs. The code is set in one piece, in groups of four,
// at the largest size that fits the column: it is never broken.
func (p *page) details(top, bottom float64, t *content) {
	const (
		x    = 398.0
		colW = 250.0
	)
	// Each row is a label and a value; when the statement above is long
	// the band is shorter and the rows shrink to fit it.
	step := min(36, (bottom-top)/4)
	labelSize, valueSize := min(8.5, step*0.24), min(11.5, step*0.33)
	y := top
	row := func(label, value string, st style) {
		if value == "" {
			return
		}
		p.color(accent)
		p.font(bold, labelSize)
		p.text(x, y, label)
		p.color(ink)
		p.font(st, valueSize)
		if w := p.width(value); w > colW {
			p.font(st, shrink(valueSize, colW/w))
		}
		p.text(x, y+labelSize*lineBox, value)
		y += step
	}
	row("Completed on", t.completed, regular)
	row("CPD time", t.cpd, regular)
	if t.revoked == "" {
		row("Valid until", t.validUntil, regular)
	} else {
		row("Revoked on", t.revoked, regular)
	}
	row("Certificate code", t.code, bold)
}

// signatory prints the signature (if configured) over a rule, and the
// signatory's name and role under it, at the left of the footer. With no
// signatory configured the certificate is signed for the partnership.
func (p *page) signatory(t *content, signature *picture) {
	const (
		x    = margin
		colW = 230.0
	)
	gp := p.gp
	line := footY + 42
	if signature != nil {
		h := 36.0
		w := min(signature.w*h/signature.h, colW)
		h = signature.h * w / signature.w
		holder, err := gopdf.ImageHolderByBytes(signature.data)
		if err == nil && p.err == nil {
			err = gp.ImageByHolder(holder, x, line-2-h, &gopdf.Rect{W: w, H: h})
		}
		if p.err == nil {
			p.err = err
		}
	}
	gp.SetStrokeColor(muted.r, muted.g, muted.b)
	gp.SetLineWidth(0.6)
	gp.Line(x, line, x+colW, line)
	name, role := t.signatory, t.role
	if name == "" {
		name, role = "For "+t.partnership, ""
	}
	p.color(ink)
	lines, size := p.fit(bold, 10, 7, colW, name)
	y := line + 4
	for _, l := range lines[:1] {
		p.text(x, y, l)
		y += size * 1.3
	}
	if role != "" {
		p.color(muted)
		p.fit(regular, 8.5, 6.5, colW, role)
		p.text(x, y, role)
	}
}

// verification prints where to check the certificate at the right of the
// footer.
func (p *page) verification(url string) {
	const rx = pageW - margin
	const maxW = 420.0
	p.color(muted)
	p.font(regular, 8.5)
	p.right(rx, footY+30, "Check that this certificate is genuine at")
	p.color(accent)
	lines, size := p.fit(regular, 9.5, 6, maxW, url)
	y := footY + 42
	for _, l := range lines {
		p.font(regular, size)
		p.right(rx, y, l)
		y += size * 1.25
	}
}

// watermark writes REVOKED diagonally across the page in a pale red, under
// everything else so the certificate stays legible but cannot pass as valid.
func (p *page) watermark() {
	gp := p.gp
	p.color(stamp)
	p.font(bold, 150)
	const word = "REVOKED"
	w := p.width(word)
	gp.Rotate(24, pageW/2, pageH/2)
	p.text(pageW/2-w/2, pageH/2-75, word)
	gp.RotateReset()
}
