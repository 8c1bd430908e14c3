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

// keyTable is a table of signing keys with signingKeyRow's columns: the
// badge keys (signing_keys) and the LTI tool's keys (lti_keys) are kept
// apart, so rotating one never retires the other, by the same code.
type keyTable string

const (
	badgeKeys keyTable = "signing_keys"
	ltiKeys   keyTable = "lti_keys"
)

func (t keyTable) current(ctx context.Context, db *gorm.DB) (*app.SigningKey, error) {
	var r signingKeyRow
	if err := db.WithContext(ctx).Table(string(t)).Where("current_slot = 1").Take(&r).Error; err != nil {
		return nil, wrap(err, string(t))
	}
	return r.key(), nil
}

// ensure returns the current key, making one with generate if there is
// none. The insert does nothing if another instance made a key first; the
// key read after it is the winner.
func (t keyTable) ensure(ctx context.Context, db *gorm.DB, generate func() (*app.SigningKey, error)) (*app.SigningKey, error) {
	k, err := t.current(ctx, db)
	if app.ErrorCode(err) != app.ENOTFOUND {
		return k, err
	}
	fresh, err := generate()
	if err != nil {
		return nil, err
	}
	err = db.WithContext(ctx).Exec(`INSERT INTO `+string(t)+` (kid, algorithm, private_jwk, current_slot, created_at) VALUES (?, ?, ?, 1, ?) ON CONFLICT DO NOTHING`,
		fresh.ID, fresh.Algorithm, fresh.PrivateJWK, fresh.CreatedAt.UTC()).Error
	if err != nil {
		return nil, wrap(err, string(t))
	}
	return t.current(ctx, db)
}

// rotate retires the current key and makes fresh current, in one
// transaction.
func (t keyTable) rotate(ctx context.Context, db *gorm.DB, fresh *app.SigningKey, at time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE `+string(t)+` SET current_slot = NULL, retired_at = ? WHERE current_slot = 1`, at.UTC()).Error; err != nil {
			return wrap(err, string(t))
		}
		return wrap(tx.Exec(`INSERT INTO `+string(t)+` (kid, algorithm, private_jwk, current_slot, created_at) VALUES (?, ?, ?, 1, ?)`,
			fresh.ID, fresh.Algorithm, fresh.PrivateJWK, fresh.CreatedAt.UTC()).Error, string(t))
	})
}

// all lists the keys: current first, then retired, newest first.
func (t keyTable) all(ctx context.Context, db *gorm.DB) ([]app.SigningKey, error) {
	var rows []signingKeyRow
	if err := db.WithContext(ctx).Table(string(t)).Order("CASE WHEN current_slot = 1 THEN 0 ELSE 1 END, created_at DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, wrap(err, string(t))
	}
	out := make([]app.SigningKey, len(rows))
	for i := range rows {
		out[i] = *rows[i].key()
	}
	return out, nil
}

// EnsureSigningKey implements app.SigningKeys.
func (s *Store) EnsureSigningKey(ctx context.Context, generate func() (*app.SigningKey, error)) (*app.SigningKey, error) {
	return badgeKeys.ensure(ctx, s.db, generate)
}

// RotateSigningKey implements app.SigningKeys.
func (s *Store) RotateSigningKey(ctx context.Context, fresh *app.SigningKey, at time.Time) error {
	return badgeKeys.rotate(ctx, s.db, fresh, at)
}

// SigningKeys implements app.SigningKeys: current first, then retired,
// newest first.
func (s *Store) SigningKeys(ctx context.Context) ([]app.SigningKey, error) {
	return badgeKeys.all(ctx, s.db)
}
