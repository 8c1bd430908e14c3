package store

import (
	"context"
	"strings"

	"github.com/foundations/foundations/app"
)

var _ app.NameStore = (*Store)(nil)

// EachUserName implements app.NameStore, reading in pages of 1,000 so a
// large table is never held in memory at once.
func (s *Store) EachUserName(ctx context.Context, fn func(id int64, name string) error) error {
	var after int64
	for {
		var rows []struct {
			ID   int64
			Name string
		}
		if err := s.db.WithContext(ctx).Raw(`SELECT id, name FROM users WHERE id > ? ORDER BY id LIMIT 1000`, after).Scan(&rows).Error; err != nil {
			return wrap(err, "users")
		}
		for _, r := range rows {
			if err := fn(r.ID, r.Name); err != nil {
				return err
			}
		}
		if len(rows) < 1000 {
			return nil
		}
		after = rows[len(rows)-1].ID
	}
}

// SetUserName implements app.NameStore.
func (s *Store) SetUserName(ctx context.Context, userID int64, name string) error {
	res := s.db.WithContext(ctx).Exec(`UPDATE users SET name = ?, name_norm = ?, updated_at = ? WHERE id = ?`, name, strings.ToLower(name), Now(), userID)
	if res.Error != nil {
		return wrap(res.Error, "user")
	}
	if res.RowsAffected == 0 {
		return app.Errorf(app.ENOTFOUND, "No such user.")
	}
	return nil
}
