package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/foundations/foundations/app"
	"gorm.io/gorm"
)

type identityRow struct {
	ID         int64 `gorm:"primaryKey"`
	UserID     int64
	Method     string
	Issuer     string
	Subject    string
	Label      string
	CreatedAt  time.Time
	LastUsedAt time.Time
}

func (identityRow) TableName() string { return "identities" }

func (r identityRow) identity() app.Identity {
	return app.Identity{ID: r.ID, UserID: r.UserID, Method: r.Method, Issuer: r.Issuer, Subject: r.Subject,
		Label: r.Label, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt}
}

// UserByIdentity implements app.IdentityStore.
func (s *Store) UserByIdentity(ctx context.Context, method, issuer, subject string) (*app.User, error) {
	var r userRow
	err := s.db.WithContext(ctx).Raw(userSelect+` JOIN identities i ON i.user_id = users.id
		WHERE i.method = ? AND i.issuer = ? AND i.subject = ? AND users.erased_at IS NULL`, method, issuer, subject).Take(&r).Error
	if err != nil {
		return nil, wrap(err, "user")
	}
	return r.user(), nil
}

// CreateUserWithIdentity implements app.IdentityStore.
func (s *Store) CreateUserWithIdentity(ctx context.Context, u *app.User, id *app.Identity) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ts := &Store{db: tx, postgres: s.postgres, pause: s.pause}
		if err := ts.CreateUser(ctx, u); err != nil {
			return err
		}
		id.UserID = u.ID
		return ts.LinkIdentity(ctx, id)
	})
}

// LinkIdentity implements app.IdentityStore.
func (s *Store) LinkIdentity(ctx context.Context, id *app.Identity) error {
	r := identityRow{UserID: id.UserID, Method: id.Method, Issuer: id.Issuer, Subject: id.Subject, Label: id.Label,
		CreatedAt: id.CreatedAt.UTC(), LastUsedAt: id.LastUsedAt.UTC()}
	if r.LastUsedAt.IsZero() {
		r.LastUsedAt = r.CreatedAt
	}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return wrap(err, "identity")
	}
	id.ID = r.ID
	return nil
}

// TouchIdentity implements app.IdentityStore.
func (s *Store) TouchIdentity(ctx context.Context, method, issuer, subject string, at time.Time) error {
	return wrap(s.db.WithContext(ctx).Exec(`UPDATE identities SET last_used_at = ? WHERE method = ? AND issuer = ? AND subject = ? AND last_used_at < ?`,
		at.UTC(), method, issuer, subject, at.UTC()).Error, "identity")
}

// Identities implements app.IdentityStore.
func (s *Store) Identities(ctx context.Context, userID int64) ([]app.Identity, error) {
	var rows []identityRow
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, wrap(err, "identities")
	}
	out := make([]app.Identity, len(rows))
	for i, r := range rows {
		out[i] = r.identity()
	}
	return out, nil
}

type pendingRow struct {
	TokenHash string `gorm:"primaryKey"`
	Step      string
	Account   string
	UserID    *int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

func (pendingRow) TableName() string { return "pending_sign_ins" }

func (r pendingRow) pending() (*app.PendingSignIn, error) {
	p := &app.PendingSignIn{TokenHash: r.TokenHash, Step: r.Step, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt}
	if r.UserID != nil {
		p.UserID = *r.UserID
	}
	if err := json.Unmarshal([]byte(r.Account), &p.Account); err != nil {
		return nil, fmt.Errorf("pending sign-in account: %w", err)
	}
	return p, nil
}

// AddPendingSignIn implements app.PendingStore.
func (s *Store) AddPendingSignIn(ctx context.Context, p *app.PendingSignIn) error {
	acct, err := json.Marshal(p.Account)
	if err != nil {
		return err
	}
	r := pendingRow{TokenHash: p.TokenHash, Step: p.Step, Account: string(acct), CreatedAt: p.CreatedAt.UTC(), ExpiresAt: p.ExpiresAt.UTC()}
	if p.UserID != 0 {
		r.UserID = &p.UserID
	}
	return wrap(s.db.WithContext(ctx).Create(&r).Error, "pending sign-in")
}

// PendingSignIn implements app.PendingStore.
func (s *Store) PendingSignIn(ctx context.Context, tokenHash string, now time.Time) (*app.PendingSignIn, error) {
	var r pendingRow
	if err := s.db.WithContext(ctx).Where("token_hash = ? AND expires_at > ?", tokenHash, now.UTC()).Take(&r).Error; err != nil {
		return nil, wrap(err, "pending sign-in")
	}
	return r.pending()
}

// TakePendingSignIn implements app.PendingStore: one DELETE … RETURNING
// on PostgreSQL, a read and a delete that must remove the row on SQLite
// (whose writers take turns), so two requests never both take it.
func (s *Store) TakePendingSignIn(ctx context.Context, tokenHash string, now time.Time) (*app.PendingSignIn, error) {
	var r pendingRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.postgres {
			res := tx.Raw(`DELETE FROM pending_sign_ins WHERE token_hash = ? AND expires_at > ? RETURNING *`, tokenHash, now.UTC()).Scan(&r)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return gorm.ErrRecordNotFound
			}
			return nil
		}
		if err := tx.Where("token_hash = ? AND expires_at > ?", tokenHash, now.UTC()).Take(&r).Error; err != nil {
			return err
		}
		res := tx.Exec(`DELETE FROM pending_sign_ins WHERE token_hash = ?`, tokenHash)
		if res.Error == nil && res.RowsAffected == 0 {
			return gorm.ErrRecordNotFound
		}
		return res.Error
	})
	if err != nil {
		return nil, wrap(err, "pending sign-in")
	}
	return r.pending()
}
