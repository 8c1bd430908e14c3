package app

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Roles. A person can hold several: every user is a learner; manager,
// coordinator and admin are granted.
const (
	RoleLearner     = "learner"
	RoleManager     = "manager"
	RoleCoordinator = "coordinator"
	RoleAdmin       = "admin"
)

// User is a person with an account.
type User struct {
	ID             int64
	Name           string
	Email          string // as typed
	EmailNorm      string // lower-case, trimmed: the unique key
	PasswordHash   string
	OrganisationID int64
	Organisation   string // name, when loaded with the user
	JobRole        string
	ManagerEmail   string // normalised email of the line manager, optional
	Roles          []string
	CreatedAt      time.Time
	// EmailVerifiedAt is when the owner of Email proved they receive mail
	// there (nil: not yet). See CertificateAllowed.
	EmailVerifiedAt *time.Time
}

// Has reports whether the user holds a role.
func (u *User) Has(role string) bool { return u != nil && slices.Contains(u.Roles, role) }

// Organisation is an employer or agency a learner belongs to.
type Organisation struct {
	ID   int64
	Name string
}

// StarterOrganisations are the agency types offered at registration until a
// partnership configures its own list.
var StarterOrganisations = []string{
	"Children's social care",
	"Early help service",
	"Early years and childcare",
	"Primary school",
	"Secondary school",
	"Further education college",
	"Health visiting and school nursing",
	"GP practice",
	"Hospital trust",
	"Mental health service",
	"Police",
	"Probation service",
	"Housing provider",
	"Adult social care",
	"Substance use service",
	"Domestic abuse service",
	"Youth service",
	"Voluntary, community or faith organisation",
	"Other",
}

// NormaliseEmail is the form an email is stored and looked up in.
func NormaliseEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Registration is what a person types to register.
type Registration struct {
	Name           string
	Email          string
	Password       string
	OrganisationID int64
	JobRole        string
	ManagerEmail   string
}

// Validate checks a registration and returns EINVALID naming each field at
// fault, in the order the form shows them. organisations are the valid IDs.
func (r *Registration) Validate(organisations []Organisation) error {
	var f []FieldError
	var problem string
	r.Name, problem = PrintableName(r.Name)
	r.JobRole = strings.TrimSpace(r.JobRole)
	if problem != "" {
		f = append(f, FieldError{"name", problem})
	}
	if msg := emailProblem(r.Email); msg != "" {
		f = append(f, FieldError{"email", msg})
	}
	if msg := PasswordProblem(r.Password, r.Email, r.Name); msg != "" {
		f = append(f, FieldError{"password", msg})
	}
	if !slices.ContainsFunc(organisations, func(o Organisation) bool { return o.ID == r.OrganisationID }) {
		f = append(f, FieldError{"organisation", "Select your organisation"})
	}
	switch {
	case r.JobRole == "":
		f = append(f, FieldError{"job_role", "Enter your job role"})
	case utf8.RuneCountInString(r.JobRole) > 100:
		f = append(f, FieldError{"job_role", "Job role must be 100 characters or fewer"})
	case !ValidName(r.JobRole):
		f = append(f, FieldError{"job_role", "Job role must not contain line breaks, tabs or special control characters"})
	}
	if strings.TrimSpace(r.ManagerEmail) != "" {
		if msg := emailProblem(r.ManagerEmail); msg != "" {
			f = append(f, FieldError{"manager_email", "Enter your line manager's email address in the correct format, like name@example.org"})
		} else if NormaliseEmail(r.ManagerEmail) == NormaliseEmail(r.Email) {
			f = append(f, FieldError{"manager_email", "Enter your line manager's email address, not your own"})
		}
	}
	return Invalid(f)
}

// ValidEmail reports whether s could be an account's address.
func ValidEmail(s string) bool { return emailProblem(s) == "" }

func emailProblem(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "Enter your work email address"
	}
	if !ValidName(s) {
		return "Enter an email address in the correct format, like name@example.org"
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") || len(s) > 254 {
		return "Enter an email address in the correct format, like name@example.org"
	}
	return ""
}

// MinPasswordLength is the shortest password accepted. There are no
// composition rules (NCSC and NIST advice): length and a deny-list do more.
const MinPasswordLength = 12

//go:embed common-passwords.txt
var commonPasswordsText string

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(commonPasswordsText, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			m[strings.ToLower(l)] = true
		}
	}
	return m
}()

// PasswordProblem returns why a password is refused, or "". Beyond the
// length rules it refuses, case-insensitively: a password in the breached
// corpus or the short common list, one that repeats a short pattern
// ("abc123abc123", "zzzzzzzzzzzz") or runs straight along the alphabet or
// the digits, and one that contains the email's local part (or a part of
// it) or a word of the person's name, of 4 characters or more.
func PasswordProblem(password, email string, names ...string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case password == "":
		return "Enter a password"
	case n < MinPasswordLength:
		return fmt.Sprintf("Password must be %d characters or more", MinPasswordLength)
	case n > 256:
		return "Password must be 256 characters or fewer"
	}
	lower := strings.ToLower(password)
	if commonPasswords[lower] || Breached(lower) || repeatsPattern(lower) || straightRun(lower) || containsPersonal(lower, email, names) {
		return "Choose a password that is harder to guess: avoid common passwords, repeated patterns, and your name or email address"
	}
	return ""
}

// repeatsPattern reports whether s is one short unit (at most half of s)
// repeated, the last repeat perhaps cut short.
func repeatsPattern(s string) bool {
	r := []rune(s)
	for p := 1; p <= len(r)/2; p++ {
		same := true
		for i := p; i < len(r) && same; i++ {
			same = r[i] == r[i-p]
		}
		if same {
			return true
		}
	}
	return false
}

// straightRun reports whether every character of s is the one after (or
// every one the one before) the character before it, digits wrapping from
// 9 to 0: "abcdefghijkl", "345678901234".
func straightRun(s string) bool {
	r := []rune(s)
	next := func(a, b rune, step rune) bool {
		if a >= '0' && a <= '9' && b >= '0' && b <= '9' {
			return (a-'0'+10+step)%10 == b-'0'
		}
		return a+step == b
	}
	for _, step := range []rune{1, -1} {
		all := true
		for i := 1; i < len(r) && all; i++ {
			all = next(r[i-1], r[i], step)
		}
		if all {
			return true
		}
	}
	return false
}

// containsPersonal reports whether lower holds the email's local part, a
// part of it split at . _ - or +, or a word of a name, each of 4
// characters or more.
func containsPersonal(lower, email string, names []string) bool {
	var parts []string
	if local, _, ok := strings.Cut(strings.TrimSpace(email), "@"); ok {
		parts = append(parts, local)
		parts = append(parts, strings.FieldsFunc(local, func(r rune) bool { return strings.ContainsRune("._-+", r) })...)
	}
	for _, n := range names {
		parts = append(parts, strings.FieldsFunc(n, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune("-'.,", r) })...)
	}
	for _, p := range parts {
		if p = strings.ToLower(p); utf8.RuneCountInString(p) >= 4 && strings.Contains(lower, p) {
			return true
		}
	}
	return false
}

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// CheckPassword reports whether password matches a hash from HashPassword,
// in constant time.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	// Bounds, so a malformed stored hash cannot ask for gigabytes or hours.
	if err1 != nil || err2 != nil || len(want) < 16 || len(want) > 64 || m > 256*1024 || t > 10 || p < 1 || p > 8 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want))) // #nosec G115 -- len(want) is at most 64, checked above
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when an email is unknown, so that signing in
// takes as long whether or not the account exists.
var dummyHash = HashPassword("not a real password, only for timing")

// Session is a signed-in browser. The cookie holds a random token; the
// database holds only its SHA-256, so a copy of the database cannot be used
// to sign in.
type Session struct {
	TokenHash  string
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // idle expiry: LastSeenAt + idle timeout, capped by the absolute limit
}

// NewSessionToken returns a random cookie token and the hash to store.
func NewSessionToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the stored form of a session token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
