package store

import (
	"context"
	"strings"
)

// SetRoles implements app.ReportStore.
func (s *Store) SetRoles(ctx context.Context, userID int64, roles []string) error {
	return wrap(s.db.WithContext(ctx).Exec(`UPDATE users SET roles = ?, updated_at = ? WHERE id = ?`, strings.Join(roles, ","), Now(), userID).Error, "user")
}
