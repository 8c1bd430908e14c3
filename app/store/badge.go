package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/foundations/foundations/app"
)

var _ app.SigningKeys = (*Store)(nil)

// signingKeyRow is one badge signing key. current_slot is 1 for the
// current key and NULL once retired: its unique index lets only one key be
// current, on PostgreSQL and SQLite alike.
type signingKeyRow struct {
	ID          int64
	Kid         string
	Algorithm   string
	PrivateJWK  string `gorm:"column:private_jwk"`
	CurrentSlot *int
	CreatedAt   time.Time
	RetiredAt   *time.Time
}

func (signingKeyRow) TableName() string { return "signing_keys" }

func (r *signingKeyRow) key() *app.SigningKey {
	return &app.SigningKey{ID: r.Kid, Algorithm: r.Algorithm, PrivateJWK: r.PrivateJWK, CreatedAt: r.CreatedAt, RetiredAt: r.RetiredAt}
}

func (s *Store) currentSigningKey(ctx context.Context) (*app.SigningKey, error) {
	var r signingKeyRow
	if err := s.db.WithContext(ctx).Where("current_slot = 1").Take(&r).Error; err != nil {
		return nil, wrap(err, "signing key")
	}
	return r.key(), nil
}

// EnsureSigningKey implements app.SigningKeys. The insert does nothing if
// another instance made a key first; the key read after it is the winner.
func (s *Store) EnsureSigningKey(ctx context.Context, generate func() (*app.SigningKey, error)) (*app.SigningKey, error) {
	k, err := s.currentSigningKey(ctx)
	if app.ErrorCode(err) != app.ENOTFOUND {
		return k, err
	}
	fresh, err := generate()
	if err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Exec(`INSERT INTO signing_keys (kid, algorithm, private_jwk, current_slot, created_at) VALUES (?, ?, ?, 1, ?) ON CONFLICT DO NOTHING`,
		fresh.ID, fresh.Algorithm, fresh.PrivateJWK, fresh.CreatedAt.UTC()).Error
	if err != nil {
		return nil, wrap(err, "signing key")
	}
	return s.currentSigningKey(ctx)
}

// RotateSigningKey implements app.SigningKeys.
func (s *Store) RotateSigningKey(ctx context.Context, fresh *app.SigningKey, at time.Time) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE signing_keys SET current_slot = NULL, retired_at = ? WHERE current_slot = 1`, at.UTC()).Error; err != nil {
			return wrap(err, "signing key")
		}
		return wrap(tx.Exec(`INSERT INTO signing_keys (kid, algorithm, private_jwk, current_slot, created_at) VALUES (?, ?, ?, 1, ?)`,
			fresh.ID, fresh.Algorithm, fresh.PrivateJWK, fresh.CreatedAt.UTC()).Error, "signing key")
	})
}

// SigningKeys implements app.SigningKeys.
func (s *Store) SigningKeys(ctx context.Context) ([]app.SigningKey, error) {
	var rows []signingKeyRow
	if err := s.db.WithContext(ctx).Order("CASE WHEN current_slot = 1 THEN 0 ELSE 1 END, created_at DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, wrap(err, "signing keys")
	}
	out := make([]app.SigningKey, len(rows))
	for i := range rows {
		out[i] = *rows[i].key()
	}
	return out, nil
}
