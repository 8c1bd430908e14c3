package certificate

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/foundations/foundations/app"
)

// printable returns s as the certificate prints it, or an EINVALID
// *app.Error naming field and the first character no embedded font has.
// The text is put in NFC form, so a letter typed as a base and a combining
// accent prints as one glyph; white space of any kind becomes one space and
// invisible format and control characters are dropped. Nothing else is
// changed: a name is never printed with fewer accents or a blank. The
// fallback fonts the text needs are added to need.
func (r *Renderer) printable(field, s string, need map[*face]bool) (string, error) {
	var b strings.Builder
	space := false
	for _, c := range norm.NFC.String(s) {
		switch {
		case unicode.IsSpace(c):
			space = b.Len() > 0
			continue
		case unicode.Is(unicode.Cc, c) || unicode.Is(unicode.Cf, c):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if !r.fonts.regular.has(c) || !r.fonts.bold.has(c) {
			f, err := r.fonts.fallbackFor(c)
			if err != nil {
				return "", err
			}
			if f == nil {
				return "", app.Errorf(app.EINVALID,
					"The %s contains the character %q (U+%04X), which certificates cannot print.", field, c, c)
			}
			need[f] = true
		}
		b.WriteRune(c)
	}
	return b.String(), nil
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
