package app

import (
	"unicode"
	"unicode/utf8"
)

// TextProblem returns why s cannot be accepted as text from a form or a
// web address, or "": it must be valid UTF-8 and hold no NUL or other
// control character except tab, line feed and carriage return (free text
// such as a reflection has lines). The web layer refuses any request whose
// values fail this before a handler runs, so nothing malformed reaches the
// database.
func TextProblem(s string) string {
	if !utf8.ValidString(s) {
		return "Text must be valid UTF-8"
	}
	for _, r := range s {
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		if unicode.IsControl(r) {
			return "Text must not contain control characters"
		}
	}
	return ""
}

// isBidiControl reports the characters that reorder the text around them
// (embeddings, overrides and isolates): in a name they can make a
// certificate or a report read differently from what was typed.
func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// ValidName reports whether s may be a name (of a person, a job role or an
// organisation): on top of TextProblem, a name is one line and has no
// bidirectional controls.
func ValidName(s string) bool {
	if TextProblem(s) != "" {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || isBidiControl(r) {
			return false
		}
	}
	return true
}
