package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// Sign-in methods other than a password. An Identity ties an account here
// to a subject at an outside issuer: an OpenID Connect provider (an
// organisation's work accounts) or an LTI 1.3 platform (an agency's
// learning management system).
const (
	MethodPassword = "password"
	MethodOIDC     = "oidc"
	MethodLTI      = "lti"
)

// Identity is one outside account linked to a user. Subject is unique per
// method and issuer: the pair is the key, never the email, which the
// issuer may reassign.
type Identity struct {
	ID         int64
	UserID     int64
	Method     string // MethodOIDC or MethodLTI
	Issuer     string // the provider's or platform's issuer URL
	Subject    string // the "sub" claim
	Label      string // what people call it: "NHSmail", "City Council Moodle"
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// Kind names the sort of issuer, for people.
func (id Identity) Kind() string {
	if id.Method == MethodLTI {
		return "learning platform"
	}
	return "organisation account"
}

// IdentityStore keeps identities. ECONFLICT when the method, issuer and
// subject are already linked (to anyone), ENOTFOUND when no user has one.
type IdentityStore interface {
	// UserByIdentity returns the user linked to that subject.
	UserByIdentity(ctx context.Context, method, issuer, subject string) (*User, error)
	// CreateUserWithIdentity creates the user and links the identity in one
	// transaction (ECONFLICT if either the email or the identity exists,
	// and then neither is written). It sets u.ID and id.ID.
	CreateUserWithIdentity(ctx context.Context, u *User, id *Identity) error
	// LinkIdentity links an identity to an existing user.
	LinkIdentity(ctx context.Context, id *Identity) error
	// TouchIdentity records a sign-in through it.
	TouchIdentity(ctx context.Context, method, issuer, subject string, at time.Time) error
	// Identities lists a user's identities, oldest first.
	Identities(ctx context.Context, userID int64) ([]Identity, error)

	PendingStore
}

// NoPasswordHash is the stored password of an account made through an
// outside identity: random and not in the argon2id format, so no password
// matches it until the owner sets one through a reset link.
func NoPasswordHash() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "none$" + hex.EncodeToString(b)
}

// PasswordHashPrefix begins every stored hash that a password can match.
const PasswordHashPrefix = "$argon2id$"

// HasPassword reports whether a stored hash can ever match a password.
func HasPassword(hash string) bool {
	return strings.HasPrefix(hash, PasswordHashPrefix)
}
