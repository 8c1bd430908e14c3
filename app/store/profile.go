package store

import (
	"context"
	"strings"

	"github.com/foundations/foundations/app"
)

// UpdateProfile implements app.ReportStore: name, job role, organisation
// and manager email. Changing the manager email drops the old acceptance.
func (s *Store) UpdateProfile(ctx context.Context, u *app.User) error {
	return s.transact(ctx, func(tx *Store) error { return tx.updateProfile(ctx, u) })
}

func (s *Store) updateProfile(ctx context.Context, u *app.User) error {
	db := s.db.WithContext(ctx)
	var old string
	if err := db.Raw(`SELECT manager_email FROM users WHERE id = ?`+s.forUpdate(), u.ID).Scan(&old).Error; err != nil {
		return wrap(err, "user")
	}
	err := db.Exec(`UPDATE users SET name = ?, name_norm = ?, job_role = ?, organisation_id = ?, manager_email = ?, updated_at = ? WHERE id = ?`,
		u.Name, strings.ToLower(u.Name), u.JobRole, u.OrganisationID, u.ManagerEmail, Now(), u.ID).Error
	if err != nil {
		return wrap(err, "user")
	}
	if err := s.refreshLearner(ctx, u.ID, Now()); err != nil {
		return err
	}
	if old != u.ManagerEmail {
		return wrap(db.Exec(`DELETE FROM manager_links WHERE learner_id = ?`, u.ID).Error, "manager links")
	}
	return nil
}
