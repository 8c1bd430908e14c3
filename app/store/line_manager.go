package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/foundations/foundations/app"
	"gorm.io/gorm"
)

var _ app.ManagerLinks = (*Store)(nil)

// DeclineStaff implements app.ManagerLinks. The learner's manager email is
// cleared only if it is still the manager's (a conditional update, so a
// learner naming someone else at the same moment keeps their choice).
func (s *Store) DeclineStaff(ctx context.Context, d app.Decline) error {
	action, at := d.Action(), d.At.UTC()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM manager_links WHERE learner_id = ? AND manager_id = ?`, d.LearnerID, d.ManagerID).Error; err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE users SET manager_email = '' WHERE id = ? AND manager_email = ?`, d.LearnerID, d.ManagerEmail).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO manager_declines (learner_id, manager_id, manager_email, declined_at) VALUES (?, ?, ?, ?)`,
			d.LearnerID, d.ManagerID, d.ManagerEmail, at).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO audit_log (actor_id, action, subject_user_id, detail, created_at) VALUES (?, ?, ?, '', ?)`,
			d.ManagerID, action, d.LearnerID, at).Error
	})
	return wrap(err, "decline staff")
}

// LineManager implements app.ManagerLinks; the confirmation is the
// current cycle's (a refresher needs confirming again).
func (s *Store) LineManager(ctx context.Context, learnerID int64, courseID string) (*app.LineManager, error) {
	db := s.db.WithContext(ctx)
	lm := &app.LineManager{}
	if err := db.Raw(`SELECT manager_email FROM users WHERE id = ?`, learnerID).Scan(&lm.Email).Error; err != nil {
		return nil, wrap(err, "line manager")
	}
	var accepted []struct {
		Name       string
		AcceptedAt time.Time
	}
	if lm.Email != "" {
		if err := db.Raw(`SELECT m.name, ml.accepted_at FROM manager_links ml JOIN users m ON m.id = ml.manager_id
			WHERE ml.learner_id = ? AND m.email_norm = ? ORDER BY ml.accepted_at LIMIT 1`, learnerID, lm.Email).Scan(&accepted).Error; err != nil {
			return nil, wrap(err, "line manager acceptance")
		}
	}
	if len(accepted) == 1 {
		lm.AcceptedBy, lm.AcceptedAt = accepted[0].Name, &accepted[0].AcceptedAt
	}
	var confirmed []struct {
		Name        string
		ConfirmedAt time.Time
	}
	if err := db.Raw(`SELECT m.name, c.confirmed_at FROM confirmations c JOIN users m ON m.id = c.manager_id
		WHERE c.learner_id = ? AND c.course_id = ? AND c.cycle = `+cycleSQL, learnerID, courseID, learnerID, courseID).Scan(&confirmed).Error; err != nil {
		return nil, wrap(err, "line manager confirmation")
	}
	if len(confirmed) == 1 {
		lm.ConfirmedBy, lm.ConfirmedAt = confirmed[0].Name, &confirmed[0].ConfirmedAt
	}
	var declined []struct {
		Name         sql.NullString
		ManagerEmail string
		DeclinedAt   time.Time
	}
	if err := db.Raw(`SELECT m.name, d.manager_email, d.declined_at FROM manager_declines d LEFT JOIN users m ON m.id = d.manager_id
		WHERE d.learner_id = ? ORDER BY d.declined_at DESC, d.id DESC LIMIT 1`, learnerID).Scan(&declined).Error; err != nil {
		return nil, wrap(err, "line manager decline")
	}
	if len(declined) == 1 {
		lm.DeclinedBy, lm.DeclinedEmail, lm.DeclinedAt = declined[0].Name.String, declined[0].ManagerEmail, &declined[0].DeclinedAt
	}
	return lm, nil
}

// SetManager implements app.ReportStore: a new manager email drops any
// previous acceptance; link, if set, is accepted at once.
func (s *Store) SetManager(ctx context.Context, learnerID int64, managerEmail string, link *int64, at time.Time) error {
	db := s.db.WithContext(ctx)
	if err := db.Exec(`UPDATE users SET manager_email = ?, updated_at = ? WHERE id = ?`, managerEmail, Now(), learnerID).Error; err != nil {
		return wrap(err, "user")
	}
	if err := db.Exec(`DELETE FROM manager_links WHERE learner_id = ?`, learnerID).Error; err != nil {
		return wrap(err, "manager links")
	}
	if link != nil {
		return s.AcceptStaff(ctx, *link, learnerID, at)
	}
	return nil
}
