package store

import (
	"context"
	"time"

	"github.com/foundations/foundations/app"
)

var _ app.AccountStore = (*Store)(nil)

type tokenRow struct {
	TokenHash string `gorm:"primaryKey"`
	Purpose   string
	UserID    int64
	Email     string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

func (tokenRow) TableName() string { return "link_tokens" }

func (r *tokenRow) token() *app.Token {
	return &app.Token{Hash: r.TokenHash, Purpose: app.TokenPurpose(r.Purpose), UserID: r.UserID, Email: r.Email,
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, UsedAt: r.UsedAt}
}

// CreateToken implements app.TokenStore.
func (s *Store) CreateToken(ctx context.Context, t *app.Token) error {
	r := tokenRow{TokenHash: t.Hash, Purpose: string(t.Purpose), UserID: t.UserID, Email: t.Email, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC()}
	return wrap(s.db.WithContext(ctx).Create(&r).Error, "token")
}

// Token implements app.TokenStore.
func (s *Store) Token(ctx context.Context, purpose app.TokenPurpose, hash string) (*app.Token, error) {
	var r tokenRow
	if err := s.db.WithContext(ctx).Where("token_hash = ? AND purpose = ?", hash, string(purpose)).Take(&r).Error; err != nil {
		return nil, wrap(err, "token")
	}
	return r.token(), nil
}

// UseToken implements app.TokenStore: one conditional UPDATE spends the
// token, so of two requests racing with it exactly one succeeds.
func (s *Store) UseToken(ctx context.Context, purpose app.TokenPurpose, hash string, now time.Time) (*app.Token, error) {
	db := s.db.WithContext(ctx)
	res := db.Exec(`UPDATE link_tokens SET used_at = ? WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`,
		now.UTC(), hash, string(purpose), now.UTC())
	if res.Error != nil {
		return nil, wrap(res.Error, "token")
	}
	t, err := s.Token(ctx, purpose, hash)
	if err != nil {
		return nil, err
	}
	if res.RowsAffected == 1 {
		return t, nil
	}
	if t.UsedAt != nil {
		return nil, &app.Error{Code: app.ECONFLICT, Message: "token already used"}
	}
	return nil, &app.Error{Code: app.EINVALID, Message: "token expired"}
}

// SetPassword implements app.AccountStore.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string, at time.Time) error {
	res := s.db.WithContext(ctx).Exec(`UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, at.UTC(), userID)
	if res.Error != nil {
		return wrap(res.Error, "user")
	}
	return s.exactlyOne(res.RowsAffected, "user")
}

// DeleteUserSessions implements app.AccountStore.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64, keepHash string) error {
	return wrap(s.db.WithContext(ctx).Exec(`DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, userID, keepHash).Error, "sessions")
}

// SetEmailVerified implements app.AccountStore.
func (s *Store) SetEmailVerified(ctx context.Context, userID int64, emailNorm string, at time.Time) error {
	res := s.db.WithContext(ctx).Exec(`UPDATE users SET email_verified_at = ?, updated_at = ? WHERE id = ? AND email_norm = ?`, at.UTC(), at.UTC(), userID, emailNorm)
	if res.Error != nil {
		return wrap(res.Error, "user")
	}
	if res.RowsAffected == 0 {
		return &app.Error{Code: app.ECONFLICT, Message: "the account's address has changed"}
	}
	return nil
}

// ChangeEmail implements app.AccountStore.
func (s *Store) ChangeEmail(ctx context.Context, userID int64, email string, verifiedAt *time.Time) error {
	res := s.db.WithContext(ctx).Exec(`UPDATE users SET email = ?, email_norm = ?, email_verified_at = ?, updated_at = ? WHERE id = ?`,
		email, app.NormaliseEmail(email), utcPtr(verifiedAt), Now(), userID)
	if res.Error != nil {
		return wrap(res.Error, "user")
	}
	return s.exactlyOne(res.RowsAffected, "user")
}

func (s *Store) exactlyOne(n int64, what string) error {
	if n == 0 {
		return &app.Error{Code: app.ENOTFOUND, Message: what + " not found"}
	}
	return nil
}

// DeleteExpiredTokens removes link tokens that expired before a day ago
// (a late link is still told apart from an unknown one for that day).
func (s *Store) DeleteExpiredTokens(ctx context.Context, now time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`DELETE FROM link_tokens WHERE expires_at < ?`, now.Add(-24*time.Hour).UTC())
	return res.RowsAffected, wrap(res.Error, "link tokens")
}
