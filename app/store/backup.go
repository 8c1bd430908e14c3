package store

import (
	"context"
	"fmt"
	"os"

	"github.com/foundations/foundations/app"
)

// Backup writes a consistent copy of the embedded SQLite database to path
// with VACUUM INTO, which reads inside one transaction, so the copy is a
// snapshot even while the service keeps writing. path must not exist yet.
// On PostgreSQL it returns EINVALID: use pg_dump there.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.postgres {
		return app.Errorf(app.EINVALID, "backup copies the embedded SQLite database; on PostgreSQL use pg_dump (see the README)")
	}
	if _, err := os.Stat(path); err == nil {
		return app.Errorf(app.EINVALID, "%s already exists; choose a new file name", path)
	}
	if err := s.db.WithContext(ctx).Exec("VACUUM INTO ?", path).Error; err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}
