package store

import (
	"context"
	"time"

	"github.com/foundations/foundations/app"
	"gorm.io/gorm/clause"
)

var _ app.PreferenceStore = (*Store)(nil)

type preferenceRow struct {
	UserID    int64  `gorm:"primaryKey"`
	Topic     string `gorm:"primaryKey"`
	Enabled   bool
	UpdatedAt time.Time
}

func (preferenceRow) TableName() string { return "email_preferences" }

// EmailPreferences implements app.PreferenceStore.
func (s *Store) EmailPreferences(ctx context.Context, userID int64) (map[app.Topic]bool, error) {
	var rows []preferenceRow
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Find(&rows).Error; err != nil {
		return nil, wrap(err, "email preferences")
	}
	out := map[app.Topic]bool{}
	for _, r := range rows {
		out[app.Topic(r.Topic)] = r.Enabled
	}
	return out, nil
}

// SetEmailPreference implements app.PreferenceStore (an upsert).
func (s *Store) SetEmailPreference(ctx context.Context, userID int64, topic app.Topic, on bool, at time.Time) error {
	r := preferenceRow{UserID: userID, Topic: string(topic), Enabled: on, UpdatedAt: at.UTC()}
	return wrap(s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}, {Name: "topic"}},
		DoUpdates: clause.AssignmentColumns([]string{"enabled", "updated_at"}),
	}).Create(&r).Error, "email preference")
}

// MarkNotified implements app.ReminderStore: true if key was not yet
// recorded and now is, false if it already was (by this or another
// instance). Inside a transaction, a concurrent insert of the same key
// waits for the other to commit and then reports false.
func (s *Store) MarkNotified(ctx context.Context, key string, userID *int64, at time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`INSERT INTO notifications_sent (notification_key, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT (notification_key) DO NOTHING`,
		key, userID, at.UTC())
	if res.Error != nil {
		return false, wrap(res.Error, "notification")
	}
	return res.RowsAffected == 1, nil
}

// ExpiringCertificates implements app.ReminderStore, from the enrolment
// summary rows (indexed by course and certificate expiry).
func (s *Store) ExpiringCertificates(ctx context.Context, courseID string, since, until time.Time) ([]app.Expiring, error) {
	db := s.db.WithContext(ctx)
	var rows []struct {
		User      userRow `gorm:"embedded"`
		Code      string
		ExpiresAt time.Time
	}
	err := db.Raw(`SELECT users.*, organisations.name AS organisation, e.certificate_code AS code, e.certificate_expires_at AS expires_at
		FROM enrolments e JOIN users ON users.id = e.user_id JOIN organisations ON organisations.id = users.organisation_id
		WHERE e.course_id = ? AND users.erased_at IS NULL AND e.certificate_code <> '' AND e.certificate_expires_at > ? AND e.certificate_expires_at <= ?
		ORDER BY e.certificate_expires_at, users.id`, courseID, since.UTC(), until.UTC()).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "expiring certificates")
	}
	out := make([]app.Expiring, len(rows))
	byLearner := map[int64]*app.Expiring{}
	var ids []int64
	for i, r := range rows {
		out[i] = app.Expiring{Learner: *r.User.user(), Code: r.Code, ExpiresAt: r.ExpiresAt}
		byLearner[r.User.ID] = &out[i]
		ids = append(ids, r.User.ID)
	}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		var managers []struct {
			LearnerID int64
			User      userRow `gorm:"embedded"`
		}
		err := db.Raw(`SELECT ml.learner_id, users.*, organisations.name AS organisation FROM manager_links ml
			JOIN users ON users.id = ml.manager_id JOIN organisations ON organisations.id = users.organisation_id
			WHERE ml.learner_id IN ?`, ids[:n]).Scan(&managers).Error
		if err != nil {
			return nil, wrap(err, "managers")
		}
		for _, m := range managers {
			e := byLearner[m.LearnerID]
			e.Managers = append(e.Managers, *m.User.user())
		}
		ids = ids[n:]
	}
	return out, nil
}

// DigestManagers implements app.DigestStore.
func (s *Store) DigestManagers(ctx context.Context) ([]app.User, error) {
	var rows []userRow
	err := s.db.WithContext(ctx).Raw(userSelect+` JOIN email_preferences p ON p.user_id = users.id AND p.topic = ? AND p.enabled
		WHERE users.erased_at IS NULL AND users.roles LIKE '%manager%' ORDER BY users.id`, string(app.TopicDigest)).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "digest managers")
	}
	out := make([]app.User, len(rows))
	for i := range rows {
		out[i] = *rows[i].user()
	}
	return out, nil
}
