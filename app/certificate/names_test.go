package certificate

import (
	"strings"
	"testing"
	"unicode"

	"github.com/foundations/foundations/app"
)

// TestNamesPrintExactly renders a name in each script the name rule
// accepts and checks that the PDF's text, as pdftotext extracts it, holds
// the stored name character for character.
func TestNamesPrintExactly(t *testing.T) {
	r := newRenderer(t)
	for _, tt := range []struct{ script, typed string }{
		{"Vietnamese", "Nguyễn Thị Minh Khai"},
		{"Vietnamese, typed decomposed", "Nguye\u0302\u0303n Thi\u0323 Minh Khai"},
		{"Polish", "Grzegorz Brzęczyszczykiewicz-Żółć"},
		{"Turkish", "İsmail Şahin Ayşe Gül Yıldırım"},
		{"Welsh", "Siân Llŷr ap Gwŵn Ẁyn"},
		{"Irish", "Seán Ó Briain Zoë Ní Bhriain-Łukasz"},
		{"Romanian", "Ștefan Țurcanu"},
		{"Czech and Slovak", "Jiří Dvořák Ľudmila Ťažká"},
		{"Icelandic and German", "Þórunn Guðmundsdóttir Groß"},
		{"Hawaiian and Yoruba", "Kaʻiulani Adéwálé Ọlọ́fin"},
		{"Akan", "Kwabena Ɔsɛe Ŋkansah"},
		{"Greek", "Γιώργος Παπαδόπουλος"},
		{"Cyrillic", "Олена Шевченко Ёлкин Щукин"},
		{"Serbian and Ukrainian", "Ђорђе Јовановић Ґалина Їжак"},
		{"Chinese", "王小明"},
		{"Chinese, traditional", "李小龍"},
		{"Japanese", "山田 はなこ タナカ ケンジ"},
		{"Korean", "김민준"},
		{"Mixed scripts", "王 Wang Ли Nguyễn"},
		{"Apostrophes and hyphens", "Siobhán O’Neill-D'Arcy"},
	} {
		t.Run(tt.script, func(t *testing.T) {
			name, problem := app.PrintableName(tt.typed)
			if problem != "" {
				t.Fatalf("PrintableName(%q) refused it: %s", tt.typed, problem)
			}
			c := sample()
			c.LearnerName = name
			text := words(t, render(t, r, c))
			if !strings.Contains(text, name) {
				t.Errorf("PDF text lacks the name %q (%U); it is:\n%s", name, []rune(name), text)
			}
		})
	}
}

// TestLongSingleWordFits checks that a name of one long word is shrunk to
// fit, never broken inside the word or run off the page.
func TestLongSingleWordFits(t *testing.T) {
	r := newRenderer(t)
	c := sample()
	c.LearnerName = strings.Repeat("Wolfeschlegelsteinhausenbergerdorff", 3)[:80]
	pdf := render(t, r, c)
	text := words(t, pdf)
	if !strings.Contains(" "+text+" ", " "+c.LearnerName+" ") {
		t.Errorf("PDF text lacks the whole word %q; it is:\n%s", c.LearnerName, text)
	}
	checkInsideBorder(t, pdf)
}

// TestNameRuleMatchesFonts checks every character the name rule accepts
// against the embedded fonts, so an accepted name can always be printed.
func TestNameRuleMatchesFonts(t *testing.T) {
	r := newRenderer(t)
	var missing []rune
	for c := rune(0); c <= unicode.MaxRune; c++ {
		if !app.NameLetter(c) {
			continue
		}
		ok, err := r.fonts.printableRune(c)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		t.Errorf("the name rule accepts %d characters no font has: %U", len(missing), missing[:min(len(missing), 200)])
	}
}
