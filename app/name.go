package app

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/runenames"
)

// MaxNameLength is the longest full name accepted, in characters.
const MaxNameLength = 100

// nameLetters are the letters a certificate can print exactly: Latin with
// every diacritic (including Vietnamese, Polish, Turkish, Welsh and Irish),
// Greek, Cyrillic, Chinese and Japanese ideographs, kana and Korean Hangul.
// These scripts are set letter by letter, left to right, with no shaping,
// which is all the PDF renderer does. Arabic, Hebrew and the Indic and
// South-East Asian scripts need right-to-left layout or shaping, so they are
// not here. app/certificate's tests check that its fonts have a glyph for
// every letter in this table: keep the two in step.
var nameLetters = &unicode.RangeTable{R16: []unicode.Range16{
	{Lo: 0x0041, Hi: 0x005A, Stride: 1}, // A–Z
	{Lo: 0x0061, Hi: 0x007A, Stride: 1}, // a–z
	{Lo: 0x00C0, Hi: 0x00D6, Stride: 1}, // Latin-1 letters
	{Lo: 0x00D8, Hi: 0x00F6, Stride: 1},
	{Lo: 0x00F8, Hi: 0x02AF, Stride: 1}, // Latin Extended-A and -B, IPA (ɛ, ɔ)
	{Lo: 0x0370, Hi: 0x03E1, Stride: 1}, // Greek (03E2–03EF are Coptic)
	{Lo: 0x03F0, Hi: 0x03FF, Stride: 1},
	{Lo: 0x0400, Hi: 0x052F, Stride: 1}, // Cyrillic and its supplement
	{Lo: 0x1E00, Hi: 0x1EFF, Stride: 1}, // Latin Extended Additional (Vietnamese, Welsh ŵ ŷ)
	{Lo: 0x1F00, Hi: 0x1FFF, Stride: 1}, // Greek Extended
	{Lo: 0x3005, Hi: 0x3006, Stride: 1}, // 々 〆
	{Lo: 0x3041, Hi: 0x3094, Stride: 1}, // hiragana
	{Lo: 0x309D, Hi: 0x309E, Stride: 1},
	{Lo: 0x30A1, Hi: 0x30F6, Stride: 1}, // katakana
	{Lo: 0x30FC, Hi: 0x30FE, Stride: 1}, // ー ヽ ヾ
	{Lo: 0x3400, Hi: 0x4DB5, Stride: 1}, // CJK Extension A, as in Unicode 3.0
	{Lo: 0x4E00, Hi: 0x9FA5, Stride: 1}, // CJK Unified Ideographs, as in Unicode 3.0
	{Lo: 0xAC00, Hi: 0xD7A3, Stride: 1}, // Hangul syllables
}}

// nameMarks are the combining accents a name may hold after a Latin, Greek
// or Cyrillic letter that has no precomposed form with them, such as
// Yoruba's ọ́. Noto Sans draws them over the letter before.
var nameMarks = &unicode.RangeTable{R16: []unicode.Range16{{Lo: 0x0300, Hi: 0x036F, Stride: 1}}}

// namePunctuation are the characters other than letters a name may hold.
const namePunctuation = " -'’ʼʻ.,()·‐0123456789"

// NameLetter reports whether c may appear in a name (and so on a
// certificate): a letter of a script in nameLetters, a space or one of the
// few punctuation marks names use.
func NameLetter(c rune) bool {
	if strings.ContainsRune(namePunctuation, c) {
		return true
	}
	return unicode.IsLetter(c) && unicode.Is(nameLetters, c) || unicode.Is(nameMarks, c)
}

// PrintableName is the one rule for a person's full name, used wherever a
// name is entered (registration, "Your details", confirming a name). It
// returns the name as it is stored and printed — Unicode NFC, trimmed, each
// run of spaces one space — and, if the name cannot be accepted, a
// message for the person that names the first character at fault and says
// what to do. A name that passes prints exactly on a certificate.
func PrintableName(s string) (name, problem string) {
	name = strings.Join(strings.FieldsFunc(norm.NFC.String(s), isNameSpace), " ")
	switch {
	case !utf8.ValidString(s):
		return name, "Enter your full name using letters only"
	case strings.ContainsFunc(name, unicode.IsControl):
		return name, "Enter your full name on one line, without tabs or other control characters"
	case name == "":
		return name, "Enter your full name"
	case utf8.RuneCountInString(name) > MaxNameLength:
		return name, fmt.Sprintf("Full name must be %d characters or fewer", MaxNameLength)
	}
	carries := false // whether the character before can carry an accent
	for _, c := range name {
		if !NameLetter(c) || unicode.Is(nameMarks, c) && !carries {
			return name, nameCharProblem(c)
		}
		carries = unicode.Is(nameMarks, c) || c < 0x2000 && unicode.IsLetter(c)
	}
	return name, ""
}

// isNameSpace is the white space a name may be typed with and that is
// stored as one space: spaces of any width (Zs), not line breaks or tabs.
func isNameSpace(c rune) bool { return unicode.Is(unicode.Zs, c) }

// NamePrintable reports whether a stored name passes PrintableName
// unchanged: false for names accepted before the rule that a certificate
// cannot print exactly.
func NamePrintable(s string) bool {
	name, problem := PrintableName(s)
	return problem == "" && name == s
}

func nameCharProblem(c rune) string {
	desc := fmt.Sprintf("U+%04X", c)
	if n := runenames.Name(c); n != "" {
		desc = strings.ToLower(n) + ", " + desc
	}
	switch {
	case unicode.Is(unicode.Mn, c) || unicode.Is(unicode.Me, c) || unicode.Is(unicode.Mc, c):
		if script := scriptOf(c); script != "" && script != "Inherited" && script != "Common" {
			return scriptProblem(c, script)
		}
		return fmt.Sprintf("Your name contains an accent (%s) that is not joined to a letter. Type the accented letter as one character, for example by choosing it from your keyboard's accented letters", desc)
	case unicode.IsControl(c) || unicode.Is(unicode.Cf, c) || unicode.Is(unicode.Co, c) || unicode.Is(unicode.Cs, c) || !unicode.IsPrint(c) && !unicode.IsLetter(c):
		return fmt.Sprintf("Your name contains an invisible character (%s). Type your name again rather than pasting it", desc)
	case unicode.IsLetter(c):
		if script := scriptOf(c); script != "" && !printedScripts[script] {
			return scriptProblem(c, script)
		}
		return fmt.Sprintf("Certificates cannot print the letter “%c” (%s). Enter your name without it, spelled as you would like it printed", c, desc)
	case unicode.Is(unicode.So, c) || unicode.Is(unicode.Sk, c) || unicode.Is(unicode.Sm, c) || unicode.Is(unicode.Sc, c) || c >= 0x1F000:
		return fmt.Sprintf("Your name contains “%c” (%s), a symbol or emoji. Enter your name using letters only", c, desc)
	default:
		return fmt.Sprintf("Your name contains “%c” (%s). A name can contain letters, spaces, hyphens, apostrophes and full stops", c, desc)
	}
}

// printedScripts are the scripts nameLetters draws on.
var printedScripts = map[string]bool{"Latin": true, "Greek": true, "Cyrillic": true, "Han": true, "Hiragana": true, "Katakana": true, "Hangul": true}

func scriptProblem(c rune, script string) string {
	return fmt.Sprintf("Certificates cannot yet print names written in %s script, such as “%c”. Enter your name in Latin letters (A to Z, with any accents), as you would like it printed on your certificate",
		strings.ReplaceAll(script, "_", " "), c)
}

// scriptOf names the Unicode script of c, or "" if it has none.
func scriptOf(c rune) string {
	names := make([]string, 0, len(unicode.Scripts))
	for n := range unicode.Scripts {
		names = append(names, n)
	}
	sort.Strings(names) // a deterministic answer for characters in two tables
	for _, n := range names {
		if n != "Common" && n != "Inherited" && unicode.Is(unicode.Scripts[n], c) {
			return n
		}
	}
	for _, n := range []string{"Inherited", "Common"} {
		if unicode.Is(unicode.Scripts[n], c) {
			return n
		}
	}
	return ""
}
