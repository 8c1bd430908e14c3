package certificate

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/foundations/foundations/app"
)

// punctuation holds the ASCII stand-ins for characters that have no Unicode
// decomposition but an obvious plain form. They are used only when a font
// lacks the character itself.
var punctuation = map[rune]string{
	'\u2010': "-", '\u2011': "-", '\u2012': "-", '\u2013': "-", '\u2014': "-", '\u2212': "-",
	'\u2018': "'", '\u2019': "'", '\u201A': "'", '\u201B': "'", '\u02BC': "'",
	'\u201C': `"`, '\u201D': `"`, '\u201E': `"`,
	'\u1E9E': "SS", // capital sharp s
}

// printable returns s as the certificate's fonts can print it. has reports
// whether every font covers a character.
//
// The text is put in NFC form, so a letter typed as a base and a combining
// accent prints as one glyph. White space of any kind becomes one space and
// invisible format and control characters are dropped. A character the fonts
// lack is replaced by its nearest printable form: the same letter with fewer
// accents (ễ → ê, ị → i), its compatibility decomposition (ǅ → Dž, ﬁ → fi) or
// an ASCII stand-in for punctuation. A character with no such form (CJK,
// emoji, symbols) is an EINVALID *app.Error naming it and field: it is never
// dropped or printed as a blank.
func printable(field, s string, has func(rune) bool) (string, error) {
	var b strings.Builder
	space := false
	for _, r := range norm.NFC.String(s) {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if has(r) {
			b.WriteRune(r)
			continue
		}
		alt, ok := approximate(r, has)
		if !ok {
			return "", app.Errorf(app.EINVALID,
				"The %s contains the character %q (U+%04X), which certificates cannot print yet.", field, r, r)
		}
		b.WriteString(alt)
	}
	return b.String(), nil
}

// approximate returns the nearest form of r that has covers: the
// compatibility decomposition of r with as many of its accents as the fonts
// can print, else an ASCII stand-in.
func approximate(r rune, has func(rune) bool) (string, bool) {
	var base, marks []rune
	for _, d := range norm.NFKD.String(string(r)) {
		if unicode.Is(unicode.Mn, d) {
			marks = append(marks, d)
		} else {
			base = append(base, d)
		}
	}
	if len(base) > 0 && !(len(base) == 1 && base[0] == r) {
		for keep := len(marks); keep >= 0; keep-- {
			alt := norm.NFC.String(string(base) + string(marks[:keep]))
			if covered(alt, has) {
				return alt, true
			}
		}
	}
	if alt, ok := punctuation[r]; ok && covered(alt, has) {
		return alt, true
	}
	return "", false
}

func covered(s string, has func(rune) bool) bool {
	for _, r := range s {
		if !has(r) {
			return false
		}
	}
	return true
}

// formatDate prints t's calendar day in loc the way UK readers expect:
// "21 November 2026".
func formatDate(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2 January 2006")
}

// formatMinutes prints a CPD time in words: "1 hour 40 minutes", "2 hours",
// "45 minutes".
func formatMinutes(total int) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return fmt.Sprintf("1 %s", unit)
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	h, m := total/60, total%60
	switch {
	case h == 0:
		return plural(m, "minute")
	case m == 0:
		return plural(h, "hour")
	default:
		return plural(h, "hour") + " " + plural(m, "minute")
	}
}
