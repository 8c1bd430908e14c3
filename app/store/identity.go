package store

import (
	"context"
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
func (s *Store) TouchIdentity(ctx context.Context, identityID int64, at time.Time) error {
	return wrap(s.db.WithContext(ctx).Exec(`UPDATE identities SET last_used_at = ? WHERE id = ? AND last_used_at < ?`,
		at.UTC(), identityID, at.UTC()).Error, "identity")
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
