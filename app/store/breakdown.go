package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
)

var _ app.StatusCounter = (*Store)(nil)

// StatusCounts implements app.StatusCounter in one pass over the course's
// enrolments, each status counted with the learner list's own filter
// condition (learnerConds), so the chart and the list it links to cannot
// disagree. "Not started" is everyone registered without an enrolment.
func (s *Store) StatusCounts(ctx context.Context, courseID string, now time.Time) (map[app.LearnerStatus]int, error) {
	var sums []string
	var statuses []app.LearnerStatus
	args := map[string]any{}
	for _, st := range app.LearnerStatuses {
		if st.Status == app.LearnerNotStarted {
			continue
		}
		conds, a, _ := learnerConds(app.LearnerQuery{CourseID: courseID, Now: now, Status: st.Status}, "e.organisation_id")
		for k, v := range a {
			args[k] = v
		}
		sums = append(sums, fmt.Sprintf("COALESCE(SUM(CASE WHEN %s THEN 1 ELSE 0 END), 0)", strings.Join(conds, " AND ")))
		statuses = append(statuses, st.Status)
	}
	db := s.db.WithContext(ctx)
	row := db.Raw(`SELECT COUNT(*), `+strings.Join(sums, ", ")+` FROM enrolments e WHERE e.course_id = @course`, args).Row()
	var enrolled int
	counts := make([]int, len(statuses))
	dest := []any{&enrolled}
	for i := range counts {
		dest = append(dest, &counts[i])
	}
	if err := row.Scan(dest...); err != nil {
		return nil, wrap(err, "count learners by status")
	}
	var users int64
	if err := db.Raw(`SELECT COUNT(*) FROM users`).Scan(&users).Error; err != nil {
		return nil, wrap(err, "count users")
	}
	out := map[app.LearnerStatus]int{app.LearnerNotStarted: int(users) - enrolled}
	for i, st := range statuses {
		out[st] = counts[i]
	}
	return out, nil
}
