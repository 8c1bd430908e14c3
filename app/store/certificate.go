package store

import (
	"context"

	"github.com/foundations/foundations/app"
)

// SetPublicReason implements app.CertificateNotices.
func (s *Store) SetPublicReason(ctx context.Context, code, reason string) error {
	res := s.db.WithContext(ctx).Exec(`UPDATE certificates SET public_reason = ? WHERE code = ?`, reason, code)
	if res.Error != nil {
		return wrap(res.Error, "certificate")
	}
	if res.RowsAffected == 0 {
		return app.Errorf(app.ENOTFOUND, "No certificate has that code.")
	}
	return nil
}
