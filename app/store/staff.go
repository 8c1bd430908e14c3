package store

import (
	"context"
	"time"

	"github.com/foundations/foundations/app"
)

// StaffOf implements app.ReportStore: learners who named the manager's
// email, with whether the manager has accepted them and, for accepted
// staff only, their module progress.
func (s *Store) StaffOf(ctx context.Context, courseID string, manager *app.User) ([]app.StaffRow, error) {
	db := s.db.WithContext(ctx)
	var rows []struct {
		L        learnerRow `gorm:"embedded"`
		Accepted bool
	}
	err := db.Raw(learnerColumns+`, EXISTS (SELECT 1 FROM manager_links ml WHERE ml.learner_id = u.id AND ml.manager_id = @manager) AS accepted`+learnerFrom+`
		WHERE u.manager_email = @email ORDER BY u.name_norm, u.id`,
		map[string]any{"course": courseID, "manager": manager.ID, "email": manager.EmailNorm}).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "staff")
	}
	out := make([]app.StaffRow, len(rows))
	var accepted []int64
	for i, r := range rows {
		out[i] = app.StaffRow{LearnerRow: r.L.row(), Accepted: r.Accepted}
		if r.Accepted {
			accepted = append(accepted, r.L.UserID)
		}
	}
	if len(accepted) == 0 {
		return out, nil
	}
	var progress []moduleProgressRow
	if err := db.Where("course_id = ? AND user_id IN ?", courseID, accepted).Find(&progress).Error; err != nil {
		return nil, wrap(err, "staff progress")
	}
	byUser := map[int64][]app.ModuleProgress{}
	for _, p := range progress {
		byUser[p.UserID] = append(byUser[p.UserID], app.ModuleProgress{UserID: p.UserID, CourseID: p.CourseID, ModuleID: p.ModuleID,
			StartedAt: p.StartedAt, SecondsSpent: p.SecondsSpent, Attempts: p.Attempts, LastPercent: p.LastPercent, PassedAt: p.PassedAt, PassPercent: p.PassPercent})
	}
	for i := range out {
		out[i].Modules = byUser[out[i].UserID]
	}
	return out, nil
}

// AcceptStaff implements app.ReportStore (idempotent).
func (s *Store) AcceptStaff(ctx context.Context, managerID, learnerID int64, at time.Time) error {
	return wrap(s.db.WithContext(ctx).Exec(`INSERT INTO manager_links (learner_id, manager_id, accepted_at) VALUES (?, ?, ?) ON CONFLICT (learner_id, manager_id) DO NOTHING`,
		learnerID, managerID, at.UTC()).Error, "manager link")
}

// Confirmation implements app.ReportStore.
func (s *Store) Confirmation(ctx context.Context, learnerID int64, courseID string) (*app.Confirmation, error) {
	var c app.Confirmation
	err := s.db.WithContext(ctx).Raw(`SELECT c.learner_id, c.course_id, c.manager_id, u.name AS manager_name, c.confirmed_at, c.note
		FROM confirmations c JOIN users u ON u.id = c.manager_id WHERE c.learner_id = ? AND c.course_id = ? AND c.cycle = `+cycleSQL,
		learnerID, courseID, learnerID, courseID).Take(&c).Error
	if err != nil {
		return nil, wrap(err, "confirmation")
	}
	return &c, nil
}

// Confirm implements app.ReportStore; a second confirmation is ECONFLICT.
func (s *Store) Confirm(ctx context.Context, c *app.Confirmation) error {
	return s.transact(ctx, func(tx *Store) error {
		if err := tx.db.Exec(`INSERT INTO confirmations (learner_id, course_id, cycle, manager_id, confirmed_at, note) VALUES (?, ?, `+cycleSQL+`, ?, ?, ?)`,
			c.LearnerID, c.CourseID, c.LearnerID, c.CourseID, c.ManagerID, c.ConfirmedAt.UTC(), c.Note).Error; err != nil {
			return wrap(err, "confirmation")
		}
		return tx.refreshEnrolment(ctx, c.LearnerID, c.CourseID, c.ConfirmedAt)
	})
}
