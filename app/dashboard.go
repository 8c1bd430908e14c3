package app

import (
	"context"
	"time"
)

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

// Dashboard is the coordinator's overview.
type Dashboard struct {
	Registered, Started, Completed, Confirmed int
	PerMonth                                  []MonthCount // last DashboardMonths months, oldest first
	PerOrganisation                           []OrgCount
	Month                                     string // "2026-10": the month PerOrganisation's Month column counts
	Funnel                                    []FunnelStep
	MedianMinutes                             map[string]int // module ID → median minutes of those who passed
	RefresherDue                              int
	Evaluation                                EvaluationSummary
}

// CompletionRate is completed ÷ registered, as a whole percentage.
func (d *Dashboard) CompletionRate() int {
	if d.Registered == 0 {
		return 0
	}
	return d.Completed * 100 / d.Registered
}

// MonthCount is completions in one calendar month (UTC).
type MonthCount struct {
	Month string // "2026-10"
	Count int
}

// OrgCount is one organisation's figures.
type OrgCount struct {
	OrganisationID                          int64
	Organisation                            string
	Registered, Started, Completed, InMonth int
}

// FunnelStep is how many learners reached (opened) and passed one module.
type FunnelStep struct {
	Module          *Module
	Reached, Passed int
}

// EvaluationSummary summarises evaluations without names.
type EvaluationSummary struct {
	Responses int
	Means     []ItemMean // likert items, course order
	Comments  []Comment  // most recent first
}

// ItemMean is the mean rating of one likert item.
type ItemMean struct {
	Item  *EvaluationItem
	Mean  float64
	Count int
}

// Comment is one evaluation comment, shown without the learner's name.
type Comment struct {
	Item *EvaluationItem
	Text string
	At   time.Time
}

// Dashboard returns the coordinator's overview; month is "YYYY-MM" for the
// per-organisation column, defaulting to last month.
func (o *Oversight) Dashboard(ctx context.Context, actor *User, month string) (*Dashboard, error) {
	if !mayCoordinate(actor) {
		return nil, forbidden()
	}
	if month == "" {
		month = o.Now().Format("2006-01")
	} else if _, err := time.Parse("2006-01", month); err != nil {
		return nil, Invalid([]FieldError{{Field: "month", Message: "Enter the month as a year and month, like " + o.Now().Format("2006-01")}})
	}
	return o.Store.Dashboard(ctx, o.Learning.Course, o.Now(), month)
}
