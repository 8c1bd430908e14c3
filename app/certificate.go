package app

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"io"
	"strings"
	"time"
)

// Certificate is the immutable record of a completed course, as it stood
// when it was issued. Only RevokedAt, RevokedReason and ReplacedBy change
// afterwards (issue 4: revocation and reissue).
type Certificate struct {
	ID            int64
	Code          string // CodeBytes random bytes, base32 (Crockford-free alphabet), no separators
	UserID        int64
	CourseID      string
	LearnerName   string // as it stood at issue
	CourseTitle   string
	Modules       []string  // module titles, in course order
	CompletedAt   time.Time // date the course was completed
	CPDMinutes    int       // continuing professional development time
	IssuedAt      time.Time
	ExpiresAt     time.Time
	Partnership   string // partnership name at issue
	RevokedAt     *time.Time
	RevokedReason string // kept for the audit trail, never shown to verifiers
	PublicReason  string // what verifiers are told about a revocation, if anything
	ReplacedBy    string // code of the certificate that replaced this one, if reissued
	Cycle         int    // which time through the course it records: 1, then 2 for the first refresher…
}

// CertificateStatus is what a verifier is told about a certificate.
type CertificateStatus string

// Certificate statuses.
const (
	CertificateValid   CertificateStatus = "valid"
	CertificateExpired CertificateStatus = "expired"
	CertificateRevoked CertificateStatus = "revoked"
)

// Status is valid, expired or revoked at the given time. Revocation wins
// over expiry.
func (c *Certificate) Status(now time.Time) CertificateStatus {
	switch {
	case c.RevokedAt != nil:
		return CertificateRevoked
	case ValidityAt(&c.ExpiresAt, now) == Expired:
		return CertificateExpired
	default:
		return CertificateValid
	}
}

// CodeBytes is how many random bytes a certificate code carries: 15 bytes is
// 120 bits, well above the 80 bits an unguessable code needs, and encodes
// to exactly 24 base32 characters with no padding.
const CodeBytes = 15

var codeEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewCertificateCode returns a fresh code from the operating system's CSPRNG.
func NewCertificateCode() string {
	b := make([]byte, CodeBytes)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // rand.Read never fails on supported platforms
	}
	return codeEncoding.EncodeToString(b)
}

// FormatCode groups a code in fours for reading aloud or typing:
// ABCD-EFGH-IJKL-MNOP-QRST-UVWX.
func FormatCode(code string) string {
	var b strings.Builder
	for i, r := range code {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// NormaliseCode turns what a person typed (any case, with spaces, hyphens,
// or the easily confused 0/1/8 for O/I/B) into the stored form. It returns
// "" if the result cannot be a code.
func NormaliseCode(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			continue
		case r == '0':
			r = 'O'
		case r == '1':
			r = 'I'
		case r == '8':
			r = 'B'
		}
		if !(r >= 'A' && r <= 'Z' || r >= '2' && r <= '7') {
			return ""
		}
		b.WriteRune(r)
	}
	out := b.String()
	if len(out) != codeEncoding.EncodedLen(CodeBytes) {
		return ""
	}
	return out
}

// CertificateRenderer draws a certificate as a PDF (app/certificate).
type CertificateRenderer interface {
	Render(w io.Writer, c *Certificate, verifyURL string) error
}

// Verification states: what a verifier is told. Replaced is a revocation
// made by reissuing the certificate (a new code, for example for a changed
// name); the verifier is told so, but not the new code, which would lead
// to the learner's current record.
const (
	VerifyValid    = "valid"
	VerifyExpired  = "expired"
	VerifyRevoked  = "revoked"
	VerifyReplaced = "replaced"
)

// Verification is the answer to "is this certificate genuine and current?",
// worked out once from the immutable record and the clock, so the page and
// its JSON can never disagree with each other or with themselves: a revoked
// or replaced certificate has no ValidUntil, an expired one has ExpiredOn
// and no ValidUntil.
type Verification struct {
	State        string
	Certificate  *Certificate
	CheckedAt    time.Time
	ValidUntil   *time.Time // valid only
	ExpiredOn    *time.Time // expired only
	RevokedOn    *time.Time // revoked or replaced
	PublicReason string     // revoked only: what the coordinator chose to make public, if anything
}

// Verify works out what a verifier is told about c at now. Revocation wins
// over expiry: a revoked certificate is never described as merely expired.
func (c *Certificate) Verify(now time.Time) *Verification {
	v := &Verification{Certificate: c, CheckedAt: now}
	switch {
	case c.RevokedAt != nil && c.ReplacedBy != "":
		v.State, v.RevokedOn = VerifyReplaced, c.RevokedAt
	case c.RevokedAt != nil:
		v.State, v.RevokedOn, v.PublicReason = VerifyRevoked, c.RevokedAt, c.PublicReason
	case ValidityAt(&c.ExpiresAt, now) == Expired:
		v.State, v.ExpiredOn = VerifyExpired, &c.ExpiresAt
	default:
		v.State, v.ValidUntil = VerifyValid, &c.ExpiresAt
	}
	return v
}

// IsValid, IsExpired, IsRevoked and IsReplaced ask the state, for templates.
func (v *Verification) IsValid() bool { return v.State == VerifyValid }

// IsExpired reports whether the certificate has expired (and is not revoked).
func (v *Verification) IsExpired() bool { return v.State == VerifyExpired }

// IsRevoked reports whether the certificate was revoked (not by a reissue).
func (v *Verification) IsRevoked() bool { return v.State == VerifyRevoked }

// IsReplaced reports whether the certificate was replaced by a reissue.
func (v *Verification) IsReplaced() bool { return v.State == VerifyReplaced }

// Headline is the one-line answer, as a verifier reads it.
func (v *Verification) Headline() string {
	switch v.State {
	case VerifyValid:
		return "Valid certificate"
	case VerifyExpired:
		return "Expired certificate"
	case VerifyReplaced:
		return "Replaced certificate"
	default:
		return "Revoked certificate"
	}
}

// MaxPublicReasonLength is the longest public revocation reason accepted.
const MaxPublicReasonLength = 200

// CertificateNotices keeps the public reason given for a revocation,
// beside the record. Implemented by app/store; called by Oversight inside
// the revoking transaction. Returns ENOTFOUND for an unknown code.
type CertificateNotices interface {
	SetPublicReason(ctx context.Context, code, reason string) error
}
