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
	// How the learner signs in: a password of their own, and the first
	// linked organisation account (OpenID Connect) and learning platform
	// (LTI), by label ("" when none).
	HasPassword bool
	OIDCLabel   string
	LTILabel    string
}

// SignInMethods says how the learner signs in, for coordinators: where
// they came from ("City Moodle (learning platform)") before a password.
func (r *LearnerRow) SignInMethods() string {
	var m []string
	if r.LTILabel != "" {
		m = append(m, r.LTILabel+" ("+Identity{Method: MethodLTI}.Kind()+")")
	}
	if r.OIDCLabel != "" {
		m = append(m, r.OIDCLabel+" ("+Identity{Method: MethodOIDC}.Kind()+")")
	}
	if r.HasPassword || len(m) == 0 {
		m = append(m, "Password")
	}
	return strings.Join(m, ", ")
}

// Sign-in filters of the learner list: where learners came from.
const (
	SignInAny          = ""
	SignInPasswordOnly = MethodPassword // no outside identity linked
	SignInOIDC         = MethodOIDC     // an organisation account is linked
	SignInLTI          = MethodLTI      // arrived from a learning platform
)

// SignInFilters are the sign-in filters with their labels, in order.
var SignInFilters = []struct {
	Filter string
	Label  string
}{
	{SignInPasswordOnly, "Password only"},
	{SignInOIDC, "Organisation account (OpenID Connect)"},
	{SignInLTI, "Learning platform (LTI)"},
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
	SignIn         string // one of SignInFilters ("": any)
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
	if !slices.ContainsFunc(SignInFilters, func(f struct {
		Filter string
		Label  string
	}) bool {
		return f.Filter == q.SignIn
	}) {
		q.SignIn = SignInAny
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
	Identities   []Identity // organisation accounts and learning platforms linked, oldest first
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
	if d.Identities, err = o.Store.Identities(ctx, userID); err != nil {
		return nil, err
	}
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
