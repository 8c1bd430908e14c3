package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/foundations/foundations/app"
	"gorm.io/gorm"
)

// ErrSecretKeyMismatch is SettleSecretKey's answer when this instance's
// key is not the one the other instances use.
var ErrSecretKeyMismatch = errors.New("SECRET_KEY differs from the key the other instances use " +
	"(the database holds a different key's fingerprint): set the same SECRET_KEY on every instance; " +
	"to change the key on purpose, stop every instance, run `foundations secret-key forget`, and start them with the new key")

// ErrSecretKeyMissing is SettleSecretKey's answer when other instances use
// a key set in their environment and this one has none.
var ErrSecretKeyMissing = errors.New("SECRET_KEY is set on the other instances but not on this one: set the same SECRET_KEY here")

// SettleSecretKey agrees this instance's secret key with the database, so
// every instance uses the same one. With a configured key it records the
// key's fingerprint (app.KeyFingerprint) the first time and afterwards
// refuses to start with a different key (ErrSecretKeyMismatch). Without
// one (configured == ""), it uses the key a previous instance generated
// and kept in the database, or generates one with generate and keeps it;
// if the other instances use a configured key instead, ErrSecretKeyMissing.
// One instance at a time decides (an advisory lock on PostgreSQL).
func (s *Store) SettleSecretKey(ctx context.Context, configured string, generate func() string) (string, error) {
	key := configured
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.postgres {
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(7245191)`).Error; err != nil {
				return err
			}
		}
		get := func(name string) (string, error) {
			var v []string
			err := tx.Raw(`SELECT value FROM instance_settings WHERE name = ?`, name).Scan(&v).Error
			if err != nil || len(v) == 0 {
				return "", err
			}
			return v[0], nil
		}
		put := func(name, value string) error {
			return tx.Exec(`INSERT INTO instance_settings (name, value, updated_at) VALUES (?, ?, ?)`, name, value, Now()).Error
		}
		fingerprint, err := get("secret_key_fingerprint")
		if err != nil {
			return err
		}
		if key == "" {
			generated, err := get("secret_key")
			switch {
			case err != nil:
				return err
			case generated != "":
				key = generated
				return nil
			case fingerprint != "":
				return ErrSecretKeyMissing
			}
			key = generate()
			if err := put("secret_key", key); err != nil {
				return err
			}
			return put("secret_key_fingerprint", app.KeyFingerprint(key))
		}
		if fingerprint == "" {
			return put("secret_key_fingerprint", app.KeyFingerprint(key))
		}
		if fingerprint != app.KeyFingerprint(key) {
			return ErrSecretKeyMismatch
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrSecretKeyMismatch) || errors.Is(err, ErrSecretKeyMissing) {
			return "", err
		}
		return "", fmt.Errorf("settle secret key: %w", err)
	}
	return key, nil
}

// ForgetSecretKey removes the stored key and fingerprint, so the next
// instance to start records its own: for changing the key on purpose,
// with every instance stopped.
func (s *Store) ForgetSecretKey(ctx context.Context) error {
	return wrap(s.db.WithContext(ctx).Exec(`DELETE FROM instance_settings WHERE name IN ('secret_key', 'secret_key_fingerprint')`).Error, "secret key")
}

// RunPeriodic runs fn as the job called name at most once every `every`
// across all instances: it runs only if no instance has run it in the last
// `every`, and on PostgreSQL only on the one instance that holds the job's
// advisory lock (the others skip it at once). The lock is a transaction
// lock, so it also works through PgBouncer in transaction mode. Reports
// whether fn ran.
func (s *Store) RunPeriodic(ctx context.Context, name string, every time.Duration, now time.Time, fn func(context.Context) error) (bool, error) {
	ran := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.postgres {
			h := fnv.New64a()
			_, _ = h.Write([]byte("foundations job " + name)) // a hash's Write never fails
			var got bool
			// #nosec G115 -- reinterpreting a hash's bits as PostgreSQL's signed lock key
			if err := tx.Raw(`SELECT pg_try_advisory_xact_lock(?)`, int64(h.Sum64())).Scan(&got).Error; err != nil {
				return err
			}
			if !got {
				return nil
			}
		}
		var last []time.Time
		if err := tx.Raw(`SELECT ran_at FROM job_runs WHERE name = ?`, name).Scan(&last).Error; err != nil {
			return err
		}
		if len(last) > 0 && now.Sub(last[0]) < every {
			return nil
		}
		if err := tx.Exec(`INSERT INTO job_runs (name, ran_at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET ran_at = excluded.ran_at`, name, now.UTC()).Error; err != nil {
			return err
		}
		ran = true
		if !s.postgres {
			return nil // SQLite: one process; fn runs after the write turn is given back
		}
		return fn(ctx)
	})
	if err != nil {
		return ran, fmt.Errorf("periodic job %s: %w", name, err)
	}
	if ran && !s.postgres {
		if err := fn(ctx); err != nil {
			return true, fmt.Errorf("periodic job %s: %w", name, err)
		}
	}
	return ran, nil
}
