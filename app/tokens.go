package app

import (
	"context"
	"time"
)

// TokenPurpose says what an emailed link does. A token of one purpose is
// never accepted for another.
type TokenPurpose string

// Token purposes and how long each link works.
const (
	TokenReset  TokenPurpose = "reset"  // choose a new password
	TokenVerify TokenPurpose = "verify" // confirm an email address (at registration or when changing it)
)

// Link lifetimes.
const (
	ResetTokenTTL      = time.Hour
	AssistedResetTTL   = 24 * time.Hour // a link a coordinator creates and passes on
	VerifyTokenTTL     = 48 * time.Hour
	MaxTokenLength     = 100
	linkUsedMessage    = "This link has already been used."
	linkExpiredMessage = "This link has expired."
	linkUnknownMessage = "This link is not recognised. Check you copied the whole address from the email."
)

// Token is a single-use link token as stored: only its SHA-256 hash is kept,
// so a copy of the database cannot be used to follow a link.
type Token struct {
	Hash      string
	Purpose   TokenPurpose
	UserID    int64
	Email     string // for TokenVerify: the address being confirmed
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// TokenStore keeps link tokens. Implemented by app/store.
type TokenStore interface {
	CreateToken(ctx context.Context, t *Token) error
	// Token returns a token by purpose and hash, used or not; ENOTFOUND if none.
	Token(ctx context.Context, purpose TokenPurpose, hash string) (*Token, error)
	// UseToken marks a token used if it is unused and unexpired at now, and
	// returns it. ENOTFOUND for none; ECONFLICT if used (or used by a
	// concurrent request first); EINVALID if expired.
	UseToken(ctx context.Context, purpose TokenPurpose, hash string, now time.Time) (*Token, error)
}

// TokenProblem is why a link cannot be followed, for the page that says so.
// Its Code is ENOTFOUND (unknown), ECONFLICT (already used) or EINVALID (late).
func tokenError(code string) error {
	switch code {
	case ECONFLICT:
		return Errorf(ECONFLICT, linkUsedMessage)
	case EINVALID:
		return Errorf(EINVALID, linkExpiredMessage)
	default:
		return Errorf(ENOTFOUND, linkUnknownMessage)
	}
}

// checkToken reads a token for a page that is about to use it: it must
// exist, be unused and be in date.
func checkToken(ctx context.Context, s TokenStore, purpose TokenPurpose, token string, now time.Time) (*Token, error) {
	if token == "" || len(token) > MaxTokenLength {
		return nil, tokenError(ENOTFOUND)
	}
	t, err := s.Token(ctx, purpose, HashToken(token))
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return nil, tokenError(ENOTFOUND)
		}
		return nil, err
	}
	switch {
	case t.UsedAt != nil:
		return nil, tokenError(ECONFLICT)
	case !now.Before(t.ExpiresAt):
		return nil, tokenError(EINVALID)
	}
	return t, nil
}

// useToken spends a token inside a transaction.
func useToken(ctx context.Context, s TokenStore, purpose TokenPurpose, token string, now time.Time) (*Token, error) {
	if token == "" || len(token) > MaxTokenLength {
		return nil, tokenError(ENOTFOUND)
	}
	t, err := s.UseToken(ctx, purpose, HashToken(token), now)
	if err != nil {
		switch ErrorCode(err) {
		case ENOTFOUND, ECONFLICT, EINVALID:
			return nil, tokenError(ErrorCode(err))
		}
		return nil, err
	}
	return t, nil
}

// newToken makes a 256-bit random link token and its stored form.
func newToken(purpose TokenPurpose, userID int64, email string, now time.Time, ttl time.Duration) (string, *Token) {
	token, hash := NewSessionToken()
	return token, &Token{Hash: hash, Purpose: purpose, UserID: userID, Email: email, CreatedAt: now, ExpiresAt: now.Add(ttl)}
}

// IsTokenProblem reports whether err is one of the answers about a link
// that cannot be followed (unknown, used or expired).
func IsTokenProblem(err error) bool {
	switch ErrorMessage(err) {
	case linkUsedMessage, linkExpiredMessage, linkUnknownMessage:
		return true
	}
	return false
}
