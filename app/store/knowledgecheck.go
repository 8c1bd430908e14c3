package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/foundations/foundations/app"
)

// SaveKnowledgeCheck implements app.KnowledgeChecks. One insert: the
// primary key (user, course, phase) makes a second take of the same phase
// an ECONFLICT, however many requests race.
func (s *Store) SaveKnowledgeCheck(ctx context.Context, r app.KnowledgeCheckResult) error {
	answers, err := json.Marshal(r.Answers)
	if err != nil {
		return fmt.Errorf("encode knowledge check answers: %w", err)
	}
	err = s.db.WithContext(ctx).Exec(`INSERT INTO knowledge_checks (user_id, course_id, phase, answers, correct, total, percent, taken_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		r.UserID, r.CourseID, r.Phase, string(answers), r.Correct, r.Total, r.Percent(), r.TakenAt.UTC()).Error
	if err != nil {
		if e := wrap(err, "knowledge check"); app.ErrorCode(e) == app.ECONFLICT {
			return app.Errorf(app.ECONFLICT, "You have already taken the knowledge check %s the course.", r.Phase)
		}
		return fmt.Errorf("save knowledge check %s for user %d: %w", r.Phase, r.UserID, err)
	}
	return nil
}

// KnowledgeCheckPhases implements app.KnowledgeChecks.
func (s *Store) KnowledgeCheckPhases(ctx context.Context, userID int64, courseID string) (map[string]bool, error) {
	var phases []string
	if err := s.db.WithContext(ctx).Raw(`SELECT phase FROM knowledge_checks WHERE user_id = ? AND course_id = ?`, userID, courseID).Scan(&phases).Error; err != nil {
		return nil, fmt.Errorf("knowledge check phases for user %d: %w", userID, err)
	}
	taken := map[string]bool{}
	for _, p := range phases {
		taken[p] = true
	}
	return taken, nil
}

// KnowledgeCheckPercents implements app.KnowledgeChecks.
func (s *Store) KnowledgeCheckPercents(ctx context.Context, courseID string) (before, after map[int64]int, err error) {
	var rows []struct {
		UserID  int64
		Phase   string
		Percent int
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT user_id, phase, percent FROM knowledge_checks WHERE course_id = ?`, courseID).Scan(&rows).Error; err != nil {
		return nil, nil, fmt.Errorf("knowledge check percents: %w", err)
	}
	before, after = map[int64]int{}, map[int64]int{}
	for _, r := range rows {
		switch r.Phase {
		case app.CheckBefore:
			before[r.UserID] = r.Percent
		case app.CheckAfter:
			after[r.UserID] = r.Percent
		}
	}
	return before, after, nil
}

var _ app.KnowledgeChecks = (*Store)(nil)
