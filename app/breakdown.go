package app

import (
	"context"
	"time"
)

// StatusCounter counts a course's learners in each status, by the same
// rule as LearnerRow.Status and the learner list's status filter. Called
// by Breakdown only. Returns EINTERNAL on a storage failure.
type StatusCounter interface {
	StatusCounts(ctx context.Context, courseID string, now time.Time) (map[LearnerStatus]int, error)
}

// StatusCount is how many learners are in one status.
type StatusCount struct {
	Status LearnerStatus
	Label  string
	Count  int
}

// Breakdown gives coordinators the learners-by-status figures for the
// reports dashboard's chart.
type Breakdown struct {
	Store  StatusCounter
	Course *Course
	Now    func() time.Time
}

// Statuses returns every status in LearnerStatuses order with its count;
// the counts add up to everyone registered. Returns EFORBIDDEN unless the
// actor may coordinate.
func (b *Breakdown) Statuses(ctx context.Context, actor *User) ([]StatusCount, error) {
	if !mayCoordinate(actor) {
		return nil, forbidden()
	}
	counts, err := b.Store.StatusCounts(ctx, b.Course.ID, b.Now())
	if err != nil {
		return nil, err
	}
	out := make([]StatusCount, 0, len(LearnerStatuses))
	for _, s := range LearnerStatuses {
		out = append(out, StatusCount{Status: s.Status, Label: s.Label, Count: counts[s.Status]})
	}
	return out, nil
}
