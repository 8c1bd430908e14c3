package store

import (
	"context"
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

// lineManagerSQL is everything a learner's course page says about their
// line manager, in one round trip: a row of each kind that exists, kind 0
// the email the learner names now (always), 1 who accepted them with that
// email (the first), 2 who confirmed their training in the current cycle
// (cycleSQL; one at most, the key being learner, course and cycle), 3 the
// latest decline. Portable SQL: each ordered branch sits in its own
// sub-select, as SQLite requires of a compound select. Its arguments: the
// learner's ID twice, the learner's and the course's twice, the learner's.
const lineManagerSQL = `SELECT 0 AS kind, '' AS name, NULL AS at, manager_email AS email FROM users WHERE id = ?
	UNION ALL SELECT * FROM (SELECT 1, m.name, ml.accepted_at, '' FROM manager_links ml JOIN users m ON m.id = ml.manager_id JOIN users l ON l.id = ml.learner_id
		WHERE ml.learner_id = ? AND l.manager_email <> '' AND m.email_norm = l.manager_email ORDER BY ml.accepted_at LIMIT 1) a
	UNION ALL SELECT * FROM (SELECT 2, m.name, c.confirmed_at, '' FROM confirmations c JOIN users m ON m.id = c.manager_id
		WHERE c.learner_id = ? AND c.course_id = ? AND c.cycle = ` + cycleSQL + `) c
	UNION ALL SELECT * FROM (SELECT 3, COALESCE(m.name, ''), d.declined_at, d.manager_email FROM manager_declines d LEFT JOIN users m ON m.id = d.manager_id
		WHERE d.learner_id = ? ORDER BY d.declined_at DESC, d.id DESC LIMIT 1) d`

// LineManager implements app.ManagerLinks; the confirmation is the
// current cycle's (a refresher needs confirming again). One statement
// (lineManagerSQL).
func (s *Store) LineManager(ctx context.Context, learnerID int64, courseID string) (*app.LineManager, error) {
	var rows []struct {
		Kind  int
		Name  string
		At    dbTime
		Email string
	}
	if err := s.db.WithContext(ctx).Raw(lineManagerSQL, learnerID, learnerID, learnerID, courseID, learnerID, courseID, learnerID).Scan(&rows).Error; err != nil {
		return nil, wrap(err, "line manager")
	}
	lm := &app.LineManager{}
	for _, r := range rows {
		switch r.Kind {
		case 0:
			lm.Email = r.Email
		case 1:
			lm.AcceptedBy, lm.AcceptedAt = r.Name, r.At.t
		case 2:
			lm.ConfirmedBy, lm.ConfirmedAt = r.Name, r.At.t
		case 3:
			lm.DeclinedBy, lm.DeclinedEmail, lm.DeclinedAt = r.Name, r.Email, r.At.t
		}
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
