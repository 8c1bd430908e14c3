package app

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// LearnerStatus is where a learner stands in a course, for coordinators'
// filters and managers' lists.
type LearnerStatus string

// Learner statuses. Derived, never stored: see StatusOf in status.go.
const (
	LearnerNotStarted   LearnerStatus = "not_started"
	LearnerInProgress   LearnerStatus = "in_progress"
	LearnerCompleted    LearnerStatus = "completed"
	LearnerConfirmed    LearnerStatus = "confirmed"
	LearnerRefresherDue LearnerStatus = "refresher_due"
	LearnerExpired      LearnerStatus = "expired"
	LearnerRevoked      LearnerStatus = "revoked"

	LearnerRefresherInProgress LearnerStatus = "refresher_in_progress"
)

// LearnerStatuses in the order filters offer them, with their labels.
var LearnerStatuses = []struct {
	Status LearnerStatus
	Label  string
}{
	{LearnerNotStarted, "Not started"},
	{LearnerInProgress, "In progress"},
	{LearnerCompleted, "Completed"},
	{LearnerConfirmed, "Confirmed by manager"},
	{LearnerRefresherDue, "Refresher due"},
	{LearnerExpired, "Expired"},
	{LearnerRevoked, "Certificate revoked"},
	{LearnerRefresherInProgress, "Refresher in progress"},
}

// Label is the status as people read it.
func (s LearnerStatus) Label() string {
	for _, x := range LearnerStatuses {
		if x.Status == s {
			return x.Label
		}
	}
	return string(s)
}

// LearnerRow is one learner's summary in a course, as lists and exports show it.
type LearnerRow struct {
	UserID               int64
	Name                 string
	Email                string
	OrganisationID       int64
	Organisation         string
	JobRole              string
	ManagerEmail         string
	RegisteredAt         time.Time
	StartedAt            *time.Time
	ModulesStarted       int
	ModulesPassed        int
	CompletedAt          *time.Time
	ConfirmedAt          *time.Time
	CertificateCode      string
	CertificateExpiresAt *time.Time
	CertificateRevokedAt *time.Time
	Cycle                int  // 1, then 2 for the first refresher…
	EmailVerified        bool // the learner has confirmed their email address
}

// LearnerQuery filters, sorts and pages the learner list. Zero values mean
// "any". CompletedFrom/To bound the completion date (To exclusive).
type LearnerQuery struct {
	CourseID       string
	OrganisationID int64
	Status         LearnerStatus
	Reached        Milestone // learners who have reached it, whatever their status
	CompletedFrom  *time.Time
	CompletedTo    *time.Time
	Search         string // name or email, case-insensitive, normalised here
	Sort           string // "name" (default), "organisation", "registered", "completed", "expires"
	Desc           bool
	Page           int // 1-based
	PageSize       int
	Now            time.Time
}

// LearnerSorts are the sort keys a query may use.
var LearnerSorts = []string{"name", "organisation", "registered", "completed", "expires"}

// Normalise makes a query safe to run: known sort, sane page bounds,
// lower-case trimmed search.
func (q *LearnerQuery) Normalise() {
	if !slices.Contains(LearnerSorts, q.Sort) {
		q.Sort = "name"
	}
	if q.PageSize <= 0 || q.PageSize > 200 {
		q.PageSize = 50
	}
	if q.Page < 1 {
		q.Page = 1
	}
	q.Page = min(q.Page, 1_000_000) // (page-1)*size must not overflow
	q.Search = strings.ToLower(strings.TrimSpace(q.Search))
	if utf8.RuneCountInString(q.Search) > 100 {
		q.Search = string([]rune(q.Search)[:100])
	}
	if !slices.ContainsFunc(Milestones, func(m struct {
		Milestone Milestone
		Label     string
	}) bool {
		return m.Milestone == q.Reached
	}) {
		q.Reached = ""
	}
	if !slices.ContainsFunc(LearnerStatuses, func(s struct {
		Status LearnerStatus
		Label  string
	}) bool {
		return s.Status == q.Status
	}) {
		q.Status = ""
	}
}

// Learners lists learners for a coordinator.
func (o *Oversight) Learners(ctx context.Context, actor *User, q LearnerQuery) ([]LearnerRow, int, error) {
	if !mayCoordinate(actor) {
		return nil, 0, forbidden()
	}
	q.CourseID, q.Now = o.Learning.Course.ID, o.Now()
	q.Normalise()
	return o.Store.Learners(ctx, q)
}

// LearnerDetail is a coordinator's view of one learner.
type LearnerDetail struct {
	Row          *LearnerRow
	User         *User
	Attempts     map[string][]Attempt // by module ID
	Progress     *Progress
	Confirmation *Confirmation
	Certificate  *Certificate
}

// Learner returns one learner's detail with attempts per module (never
// reflections).
func (o *Oversight) Learner(ctx context.Context, actor *User, userID int64) (*LearnerDetail, error) {
	if !mayCoordinate(actor) {
		return nil, forbidden()
	}
	row, err := o.Store.Learner(ctx, o.Learning.Course.ID, userID)
	if err != nil {
		return nil, err
	}
	u, err := o.Store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	d := &LearnerDetail{Row: row, User: u, Attempts: map[string][]Attempt{}}
	if d.Progress, err = o.Learning.Progress(ctx, userID); err != nil {
		return nil, err
	}
	d.Certificate = d.Progress.Certificate
	for _, m := range o.Learning.Course.Modules {
		atts, err := o.Store.Attempts(ctx, o.Learning.key(userID, m))
		if err != nil {
			return nil, err
		}
		d.Attempts[m.ID] = atts
	}
	if c, err := o.Store.Confirmation(ctx, userID, o.Learning.Course.ID); err == nil {
		d.Confirmation = c
	}
	return d, nil
}
