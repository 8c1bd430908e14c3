package app_test

import (
	"strings"
	"testing"

	"github.com/foundations/foundations/app"
)

// longPassphrase is n characters of words that never settle into a pattern.
func longPassphrase(n int) string {
	words := []string{"kettle", "meadow", "violin", "harbour", "lantern", "copper", "thistle", "orchard", "falcon", "ember"}
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString(words[(i*7+i/10)%len(words)])
		b.WriteByte(byte('a' + i%26))
	}
	return b.String()[:n]
}

// The password policy of issue 14: a real breached corpus, no repeated
// short patterns or straight runs, nothing of the person's name or email.
func TestPasswordPolicy(t *testing.T) {
	for _, tt := range []struct {
		name, password, email, person string
		refused                       bool
	}{
		{"a short pattern twice", "abc123abc123", "", "", true},
		{"a word and digit twice", "trustno1trustno1", "", "", true},
		{"a pair repeated", "abababababab", "", "", true},
		{"a pattern repeated, cut short at the end", "qwe1qwe1qwe1q", "", "", true},
		{"in the breached corpus", "123456789abc", "", "", true},
		{"in the breached corpus, typed in capitals", "1QAZ2WSX3EDC", "", "", true},
		{"in the breached corpus: a long keyboard walk", "qwertyuiop123", "", "", true},
		{"a straight run of letters", "abcdefghijklm", "", "", true},
		{"a straight run of digits that wraps", "345678901234", "", "", true},
		{"a straight run backwards", "zyxwvutsrqpo", "", "", true},
		{"the person's surname", "Okonkwo-rules-2025", "", "Adaeze Okonkwo", true},
		{"the person's first name in another case", "i am ADAEZE forever", "", "Adaeze Okonkwo", true},
		{"a part of the email's local part", "bluesmith-harbour", "jane.bluesmith@example.org", "", true},
		{"the whole local part", "jbluesmith 4 ever", "jbluesmith@example.org", "", true},
		{"a name word under 4 letters is not checked", "lantern for ann", "", "Ann Lee", false},
		{"a passphrase", "kettle meadow violin 42", "jane.bluesmith@example.org", "Adaeze Okonkwo", false},
		{"a random string", "T4#vq!9mLp2@", "", "", false},
		{"a word pair with a pattern inside but not only a pattern", "abcabc lantern", "", "", false},
		{"long and varied", longPassphrase(200), "", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := app.PasswordProblem(tt.password, tt.email, tt.person)
			if (got != "") != tt.refused {
				t.Errorf("PasswordProblem(%q, %q, %q) = %q, want refused %v", tt.password, tt.email, tt.person, got, tt.refused)
			}
		})
	}
}

// The corpus ships in the binary and is searched exactly.
func TestBreachedCorpus(t *testing.T) {
	for pw, want := range map[string]bool{
		"123qweasdzxc": true, "1qaz2wsx3edc": true, "qwerty123456": true, "password1234": true,
		"123qweasdzx": false, "kettle meadow violin 42": false, "": false,
	} {
		if got := app.Breached(pw); got != want {
			t.Errorf("Breached(%q) = %v, want %v", pw, got, want)
		}
	}
}

// Registration applies the name rule with the person's own name.
func TestRegistrationRefusesPasswordWithName(t *testing.T) {
	r := app.Registration{Name: "Adaeze Okonkwo", Email: "ada@example.org", Password: "okonkwo family 1970", OrganisationID: 1, JobRole: "Nurse"}
	err := r.Validate([]app.Organisation{{ID: 1, Name: "Police"}})
	if f := app.ErrorFields(err); len(f) != 1 || f[0].Field != "password" {
		t.Errorf("Validate = %v, want the password refused", err)
	}
}
