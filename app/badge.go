package app

import (
	"context"
	"net/url"
	"time"
)

// SigningKey is a key badges are signed with. The app generates one the
// first time it issues a badge and keeps it in the database, so every
// instance signs with the same key; a rotated key is kept, retired, so
// badges it signed still verify against the published key set.
type SigningKey struct {
	ID         string // key ID ("kid"), as published in the JWK Set
	Algorithm  string // JOSE algorithm, "ES256"
	PrivateJWK string // the key as a JWK, private part included; never published
	CreatedAt  time.Time
	RetiredAt  *time.Time // when a newer key took over; nil for the current key
}

// SigningKeys keeps the badge signing keys. Implemented by app/store; called
// by app/badge.
type SigningKeys interface {
	// EnsureSigningKey returns the current key. If there is none it stores
	// one made by generate as the current key; when several instances race,
	// one key wins and every caller gets that one.
	EnsureSigningKey(ctx context.Context, generate func() (*SigningKey, error)) (*SigningKey, error)
	// RotateSigningKey retires the current key at at and makes fresh the
	// current key, in one transaction.
	RotateSigningKey(ctx context.Context, fresh *SigningKey, at time.Time) error
	// SigningKeys lists every key: the current one first, then retired
	// keys, newest first.
	SigningKeys(ctx context.Context) ([]SigningKey, error)
}

// Badges issues Open Badges 3.0 credentials for certificates (app/badge).
type Badges interface {
	// Credential returns c as a signed OpenBadgeCredential (a VC-JWT)
	// naming the learner by name and by a salted hash of email.
	Credential(ctx context.Context, c *Certificate, email string) (string, error)
	// KeySet returns the JWK Set of every key badges were signed with,
	// public parts only.
	KeySet(ctx context.Context) ([]byte, error)
	// StatusList returns the 1EdTech revocation list for c: empty while it
	// is current, else naming it (with the public reason, if any).
	StatusList(c *Certificate) ([]byte, error)
	// IssuerProfile returns the partnership's issuer profile (JSON).
	IssuerProfile() ([]byte, error)
	// Achievement returns the achievement a certificate of c's course
	// records (JSON), as published at the achievement's id.
	Achievement(c *Certificate) ([]byte, error)
}

// LinkedInURL is LinkedIn's "add to profile" address for a certification,
// prefilled from c: the certification name, the issuing organisation, the
// issue and expiry month, the credential ID (the grouped code) and the
// verification address.
func LinkedInURL(c *Certificate, verifyURL string) string {
	q := url.Values{
		"startTask":        {"CERTIFICATION_NAME"},
		"name":             {c.CourseTitle},
		"organizationName": {c.Partnership},
		"issueYear":        {c.IssuedAt.UTC().Format("2006")},
		"issueMonth":       {c.IssuedAt.UTC().Format("1")},
		"expirationYear":   {c.ExpiresAt.UTC().Format("2006")},
		"expirationMonth":  {c.ExpiresAt.UTC().Format("1")},
		"certUrl":          {verifyURL},
		"certId":           {FormatCode(c.Code)},
	}
	return "https://www.linkedin.com/profile/add?" + q.Encode()
}
