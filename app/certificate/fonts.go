package certificate

import (
	_ "embed"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/sfnt"
)

// The fonts are compiled into the binary (fonts/ holds their licences).
// Noto Sans covers Latin with every diacritic in use in Europe and Vietnam,
// Greek and Cyrillic; Droid Sans Fallback covers Chinese and Japanese
// (CJK ideographs and kana) and NanumSquare covers Korean Hangul. The two
// fallback fonts are large, so they are parsed only when a certificate
// first needs one of their characters, and each PDF carries only the
// glyphs it uses (gopdf subsets every font).
var (
	//go:embed fonts/NotoSans-Regular.ttf
	notoRegular []byte
	//go:embed fonts/NotoSans-Bold.ttf
	notoBold []byte
	//go:embed fonts/DroidSansFallbackFull.ttf
	droidFallback []byte
	//go:embed fonts/NanumSquareR.ttf
	nanumSquare []byte
)

// Font families as registered with gopdf. gopdf uses the family as the PDF
// font name, so each carries the six-letter tag that marks a subset font
// (PDF 32000-1:2008, 9.6.4).
const (
	fontRegular = "NOTOSR+NotoSans-Regular"
	fontBold    = "NOTOSB+NotoSans-Bold"
	fontCJK     = "DROIDF+DroidSansFallback"
	fontHangul  = "NANUMS+NanumSquare"
)

// face is one font file: parsed for gopdf (to copy into each PDF) and for
// its character map (to choose a font for each character).
type face struct {
	family string
	ttf    []byte
	once   sync.Once
	fonts  *gopdf.FontContainer
	cmap   *sfnt.Font
	ascent float64 // typographic ascender in ems, where gopdf puts the baseline below a cell's top
	err    error
}

// load parses the font once; it is safe to call from many goroutines.
func (f *face) load() error {
	f.once.Do(func() {
		f.fonts = &gopdf.FontContainer{}
		opt := gopdf.TtfOption{
			UseKerning: true,
			// Render chooses a font that has every character first (see
			// fontFor), so this only guards against a gap between the two
			// cmap readers: a visible '?' rather than gopdf's blank.
			OnGlyphNotFoundSubstitute: func(rune) rune { return '?' },
		}
		if err := f.fonts.AddTTFFontDataWithOption(f.family, f.ttf, opt); err != nil {
			f.err = fmt.Errorf("parse font %s: %w", f.family, err)
			return
		}
		if f.cmap, f.err = sfnt.Parse(f.ttf); f.err != nil {
			f.err = fmt.Errorf("parse font %s: %w", f.family, f.err)
			return
		}
		if f.ascent, f.err = typoAscent(f.ttf); f.err != nil {
			f.err = fmt.Errorf("parse font %s: %w", f.family, f.err)
		}
	})
	return f.err
}

// has reports whether the font has a glyph for c. The font must be loaded.
func (f *face) has(c rune) bool {
	i, err := f.cmap.GlyphIndex(nil, c)
	return err == nil && i != 0
}

// fontSet is every font a certificate may use. The primary fonts are
// loaded by newFontSet; the fallbacks when first needed.
type fontSet struct {
	regular, bold *face
	fallbacks     []*face // tried in order for a character Noto lacks
}

func newFontSet() (*fontSet, error) {
	fs := &fontSet{
		regular: &face{family: fontRegular, ttf: notoRegular},
		bold:    &face{family: fontBold, ttf: notoBold},
		fallbacks: []*face{
			{family: fontCJK, ttf: droidFallback},
			{family: fontHangul, ttf: nanumSquare},
		},
	}
	for _, f := range []*face{fs.regular, fs.bold} {
		if err := f.load(); err != nil {
			return nil, err
		}
	}
	return fs, nil
}

// fallbackFor returns the first fallback font that has c, loading fallbacks
// as it goes, or nil if none has it.
func (fs *fontSet) fallbackFor(c rune) (*face, error) {
	for _, f := range fs.fallbacks {
		if err := f.load(); err != nil {
			return nil, err
		}
		if f.has(c) {
			return f, nil
		}
	}
	return nil, nil
}

// style is how a piece of text is set: its primary font.
type style int

const (
	regular style = iota
	bold
)

func (fs *fontSet) primary(s style) *face {
	switch s {
	case bold:
		return fs.bold
	default:
		return fs.regular
	}
}

// run is a stretch of text set in one font.
type run struct {
	face *face
	text string
}

// runs splits s into stretches each set in one font: the style's primary
// font where it has the character, else the first fallback that has it.
// Spaces stay with the run they follow, so a name in one script is one run.
// A character no font has is an error naming it (printable checks first,
// so Render never gets here with one).
func (fs *fontSet) runs(st style, s string) ([]run, error) {
	p := fs.primary(st)
	var out []run
	start := 0
	var cur *face
	for i, c := range s {
		f := p
		if c != ' ' && !p.has(c) {
			var err error
			if f, err = fs.fallbackFor(c); err != nil {
				return nil, err
			}
			if f == nil {
				return nil, fmt.Errorf("no font has %q (U+%04X)", c, c)
			}
		} else if c == ' ' && cur != nil && cur.has(c) {
			f = cur
		}
		if f != cur {
			if cur != nil {
				out = append(out, run{cur, s[start:i]})
			}
			cur, start = f, i
		}
	}
	if cur != nil {
		out = append(out, run{cur, s[start:]})
	}
	return out, nil
}

// printableRune reports whether some font the certificate uses has c.
func (fs *fontSet) printableRune(c rune) (bool, error) {
	if fs.regular.has(c) && fs.bold.has(c) {
		return true, nil
	}
	f, err := fs.fallbackFor(c)
	return f != nil, err
}

// typoAscent reads a TrueType font's typographic ascender (OS/2
// sTypoAscender) in ems (head unitsPerEm). gopdf sets a cell's baseline
// that far below its top, so runs in different fonts on one line are
// shifted by the difference to share a baseline.
func typoAscent(ttf []byte) (float64, error) {
	table := func(tag string) []byte {
		if len(ttf) < 12 {
			return nil
		}
		n := int(binary.BigEndian.Uint16(ttf[4:]))
		for i := range n {
			rec := 12 + 16*i
			if rec+16 > len(ttf) {
				return nil
			}
			if string(ttf[rec:rec+4]) == tag {
				off, size := int(binary.BigEndian.Uint32(ttf[rec+8:])), int(binary.BigEndian.Uint32(ttf[rec+12:]))
				if off+size <= len(ttf) {
					return ttf[off : off+size]
				}
			}
		}
		return nil
	}
	head, os2 := table("head"), table("OS/2")
	if len(head) < 20 || len(os2) < 70 {
		return 0, fmt.Errorf("no head or OS/2 table")
	}
	upem := float64(binary.BigEndian.Uint16(head[18:]))
	asc := float64(int16(binary.BigEndian.Uint16(os2[68:]))) // #nosec G115 -- sTypoAscender is a signed 16-bit field: the wrap is the decoding
	if upem == 0 {
		return 0, fmt.Errorf("unitsPerEm is 0")
	}
	return asc / upem, nil
}
