package store

import (
	"context"
	"fmt"
	"time"

	"github.com/foundations/foundations/app"
	"gorm.io/gorm"
)

var _ app.Throttle = (*Store)(nil)

// HitThrottle implements app.Throttle in one statement, so concurrent hits
// from any number of instances each count once. Windows are whole
// multiples of their length since the Unix epoch, kept as integers
// (seconds) so both databases compare them alike.
func (s *Store) HitThrottle(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	start := now.Truncate(window)
	var hits int
	err := s.db.WithContext(ctx).Raw(`INSERT INTO throttle_counters (throttle_key, window_start, hits, expires_at) VALUES (?, ?, 1, ?)
		ON CONFLICT (throttle_key) DO UPDATE SET
			hits = CASE WHEN throttle_counters.window_start >= excluded.window_start THEN throttle_counters.hits + 1 ELSE 1 END,
			window_start = CASE WHEN throttle_counters.window_start >= excluded.window_start THEN throttle_counters.window_start ELSE excluded.window_start END,
			expires_at = CASE WHEN throttle_counters.expires_at >= excluded.expires_at THEN throttle_counters.expires_at ELSE excluded.expires_at END
		RETURNING hits`, key, start.Unix(), start.Add(window).Unix()).Scan(&hits).Error
	if err != nil {
		return 0, fmt.Errorf("hit throttle: %w", err)
	}
	return hits, nil
}

// ClaimBackoff implements app.Throttle. The row is created if missing and
// locked (FOR UPDATE on PostgreSQL; SQLite's immediate transaction), so two
// attempts at the same moment are decided one after the other. Times are
// Unix microseconds.
func (s *Store) ClaimBackoff(ctx context.Context, key string, now time.Time, forgetAfter time.Duration, delay func(int) time.Duration) (time.Duration, error) {
	var wait time.Duration
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO throttle_backoff (throttle_key, failures, next_at, updated_at) VALUES (?, 0, 0, 0) ON CONFLICT (throttle_key) DO NOTHING`, key).Error; err != nil {
			return err
		}
		lock := ""
		if s.postgres {
			lock = " FOR UPDATE"
		}
		var row struct {
			Failures          int
			NextAt, UpdatedAt int64
		}
		if err := tx.Raw(`SELECT failures, next_at, updated_at FROM throttle_backoff WHERE throttle_key = ?`+lock, key).Scan(&row).Error; err != nil {
			return err
		}
		nowU := now.UnixMicro()
		if row.UpdatedAt < now.Add(-forgetAfter).UnixMicro() {
			row.Failures, row.NextAt = 0, 0
		}
		if row.NextAt > nowU {
			wait = time.Duration(row.NextAt-nowU) * time.Microsecond
			return nil
		}
		f := row.Failures + 1
		return tx.Exec(`UPDATE throttle_backoff SET failures = ?, next_at = ?, updated_at = ? WHERE throttle_key = ?`,
			f, now.Add(delay(f)).UnixMicro(), nowU, key).Error
	})
	if err != nil {
		return 0, fmt.Errorf("claim backoff: %w", err)
	}
	return wait, nil
}

// ForgetBackoff implements app.Throttle.
func (s *Store) ForgetBackoff(ctx context.Context, key string) error {
	return wrap(s.db.WithContext(ctx).Exec(`DELETE FROM throttle_backoff WHERE throttle_key = ?`, key).Error, "backoff")
}

// SweepThrottle implements app.Throttle.
func (s *Store) SweepThrottle(ctx context.Context, now, olderThan time.Time) (int64, error) {
	db := s.db.WithContext(ctx)
	a := db.Exec(`DELETE FROM throttle_counters WHERE expires_at < ?`, now.Unix())
	if a.Error != nil {
		return 0, wrap(a.Error, "throttle counters")
	}
	b := db.Exec(`DELETE FROM throttle_backoff WHERE updated_at < ?`, olderThan.UnixMicro())
	return a.RowsAffected + b.RowsAffected, wrap(b.Error, "backoff")
}
