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

// DashboardMonths is how many months of completions the dashboard shows.
const DashboardMonths = 24

// CompletionRate is the organisation's completed ÷ registered, as a whole
// percentage (0 with no one registered).
func (o OrgCount) CompletionRate() int {
	if o.Registered == 0 {
		return 0
	}
	return o.Completed * 100 / o.Registered
}

// OrganisationsWithLearners is PerOrganisation without the organisations
// nobody has registered in: the dashboard's default view.
func (d *Dashboard) OrganisationsWithLearners() []OrgCount {
	var out []OrgCount
	for _, o := range d.PerOrganisation {
		if o.Registered > 0 {
			out = append(out, o)
		}
	}
	return out
}
