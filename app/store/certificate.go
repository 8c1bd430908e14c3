package store

import (
	"context"
	"time"

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

// RevokeCertificate implements app.ReportStore.
func (s *Store) RevokeCertificate(ctx context.Context, code, reason string, at time.Time) error {
	return s.transact(ctx, func(tx *Store) error {
		_, err := tx.revoke(ctx, code, reason, at, "")
		return err
	})
}

// revoke marks a current certificate revoked and refreshes its holder's
// summary; ECONFLICT if it is not current.
func (s *Store) revoke(ctx context.Context, code, reason string, at time.Time, replacedBy string) (bool, error) {
	var holder []struct {
		UserID   int64
		CourseID string
	}
	if err := s.db.WithContext(ctx).Raw(`UPDATE certificates SET revoked_at = ?, revoked_reason = ?, replaced_by = ? WHERE code = ? AND revoked_at IS NULL RETURNING user_id, course_id`,
		at.UTC(), reason, replacedBy, code).Scan(&holder).Error; err != nil {
		return false, wrap(err, "certificate")
	}
	if len(holder) == 0 {
		return false, app.Errorf(app.ECONFLICT, "This certificate is already revoked.")
	}
	return true, s.refreshEnrolment(ctx, holder[0].UserID, holder[0].CourseID, at)
}

// ReissueCertificate implements app.ReportStore.
func (s *Store) ReissueCertificate(ctx context.Context, oldCode string, fresh *app.Certificate, at time.Time) error {
	return s.transact(ctx, func(tx *Store) error {
		if _, err := tx.revoke(ctx, oldCode, "Reissued", at, fresh.Code); err != nil && app.ErrorCode(err) != app.ECONFLICT {
			return err
		}
		if err := tx.createCertificate(ctx, fresh); err != nil {
			return err
		}
		return tx.refreshEnrolment(ctx, fresh.UserID, fresh.CourseID, at)
	})
}
