package app_test

import (
	"strings"
	"testing"

	"github.com/foundations/foundations/app"
)

func TestPrintableNameAccepts(t *testing.T) {
	for typed, want := range map[string]string{
		"Nguyễn Thị Minh Khai":         "Nguyễn Thị Minh Khai",
		"Nguye\u0302\u0303n Thi\u0323": "Nguyễn Thị", // decomposed input is stored composed
		"  Ann  Lee\u00a0Smith\u2003 ": "Ann Lee Smith",
		"Siobhán O’Neill-D'Arcy":       "Siobhán O’Neill-D'Arcy",
		"Ọlọ́fin":                      "Ọlọ́fin", // an accent with no precomposed form, on a letter
		"Γιώργος":                      "Γιώργος",
		"Олена":                        "Олена",
		"王小明":                          "王小明",
		"김민준":                          "김민준",
		"タナカ ケンジ":                      "タナカ ケンジ",
		"Mary Smith 2nd":               "Mary Smith 2nd",
		strings.Repeat("a", 100):       strings.Repeat("a", 100),
	} {
		got, problem := app.PrintableName(typed)
		if problem != "" || got != want {
			t.Errorf("PrintableName(%q) = %q, %q; want %q accepted", typed, got, problem, want)
		}
		if !app.NamePrintable(got) {
			t.Errorf("NamePrintable(%q) = false for a name PrintableName accepts", got)
		}
	}
}

// TestPrintableNameRefuses checks that a name a certificate could not print
// exactly is refused with a message that names the character and says what
// to do.
func TestPrintableNameRefuses(t *testing.T) {
	for _, tt := range []struct {
		why, typed string
		says       []string
	}{
		{"empty", "   ", []string{"Enter your full name"}},
		{"too long", strings.Repeat("a", 101), []string{"100 characters or fewer"}},
		{"Arabic needs shaping and right-to-left layout", "محمد علي", []string{"Arabic script", "م", "Latin letters"}},
		{"Hebrew is right to left", "דוד", []string{"Hebrew script", "ד", "Latin letters"}},
		{"Devanagari needs shaping", "प्रिया", []string{"Devanagari script", "Latin letters"}},
		{"Thai needs shaping", "สมชาย", []string{"Thai script"}},
		{"emoji", "Sam 😀 Lee", []string{"😀", "grinning face", "letters only"}},
		{"symbol", "Sam ✓", []string{"✓", "check mark", "letters only"}},
		{"control character", "Sam\u0007Lee", []string{"control characters"}},
		{"line break", "Ann\nSmith", []string{"on one line"}},
		{"tab", "Ann\tSmith", []string{"on one line"}},
		{"zero-width joiner", "Sam\u200dLee", []string{"invisible character", "zero width joiner"}},
		{"bidirectional override", "Sam\u202eLee", []string{"invisible character", "U+202E"}},
		{"accent on nothing", "\u0301Sam", []string{"accent", "U+0301", "not joined"}},
		{"punctuation", "Sam@Lee", []string{"@", "letters, spaces, hyphens, apostrophes"}},
		{"Coptic", "Ϣ", []string{"Coptic script"}},
		{"Hangul jamo alone", "ᄀ", []string{"U+1100", "Enter your name without it"}},
	} {
		t.Run(tt.why, func(t *testing.T) {
			_, problem := app.PrintableName(tt.typed)
			if problem == "" {
				t.Fatalf("PrintableName(%q) accepted it", tt.typed)
			}
			for _, s := range tt.says {
				if !strings.Contains(problem, s) {
					t.Errorf("message %q does not say %q", problem, s)
				}
			}
		})
	}
}

func TestRegistrationUsesTheNameRule(t *testing.T) {
	orgs := []app.Organisation{{ID: 1, Name: "Police"}}
	r := app.Registration{Name: "Zoe\u0308 😀", Email: "zoe@example.org", Password: "correct horse battery", OrganisationID: 1, JobRole: "Officer"}
	err := r.Validate(orgs)
	fields := app.ErrorFields(err)
	if len(fields) != 1 || fields[0].Field != "name" || !strings.Contains(fields[0].Message, "😀") {
		t.Fatalf("Validate = %v, want one error on the name naming the emoji", fields)
	}
	r.Name = "Zoe\u0308 Ní Bhriain"
	if err := r.Validate(orgs); err != nil {
		t.Fatal(err)
	}
	if r.Name != "Zoë Ní Bhriain" {
		t.Errorf("Validate left the name as %q, want it in NFC", r.Name)
	}
}
