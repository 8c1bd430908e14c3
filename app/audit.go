package app

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// AuditQuery searches and pages the audit trail. Search matches, case
// aside, the name or email of who made the change or whose record it was,
// the action and the detail.
type AuditQuery struct {
	Search   string
	Page     int // 1-based
	PageSize int
}

// AuditPageSize is how many audit entries a page shows.
const AuditPageSize = 50

// Normalise puts the query in the form the store expects: a trimmed,
// lower-case search of at most 100 characters and a page of at least 1.
func (q *AuditQuery) Normalise() {
	q.Search = strings.ToLower(strings.TrimSpace(q.Search))
	if utf8.RuneCountInString(q.Search) > 100 {
		q.Search = string([]rune(q.Search)[:100])
	}
	if q.Page < 1 {
		q.Page = 1
	}
	if q.PageSize < 1 {
		q.PageSize = AuditPageSize
	}
}

// AuditSearcher finds audit entries, newest first, and counts every match.
// Called by AuditTrail only, with a normalised query. Returns EINTERNAL on
// a storage failure.
type AuditSearcher interface {
	SearchAudit(ctx context.Context, q AuditQuery) ([]AuditEntry, int, error)
}

// AuditTrail lets coordinators read every change made to someone else's
// record, searched and in pages.
type AuditTrail struct {
	Store AuditSearcher
}

// Search returns one page of matching entries and how many match in all.
// Returns EFORBIDDEN unless the actor may coordinate.
func (a *AuditTrail) Search(ctx context.Context, actor *User, q AuditQuery) ([]AuditEntry, int, AuditQuery, error) {
	if !mayCoordinate(actor) {
		return nil, 0, q, forbidden()
	}
	q.Normalise()
	es, total, err := a.Store.SearchAudit(ctx, q)
	return es, total, q, err
}

// AuditEntry is one change someone made to another person's record.
type AuditEntry struct {
	ID            int64
	ActorID       int64
	ActorName     string
	Action        string
	SubjectUserID *int64
	SubjectName   string
	Detail        string
	CreatedAt     time.Time
}

func (o *Oversight) audit(ctx context.Context, s ReportStore, actor *User, action string, subject *int64, detail string) error {
	if err := s.AddAudit(ctx, &AuditEntry{ActorID: actor.ID, Action: action, SubjectUserID: subject, Detail: detail, CreatedAt: o.Now()}); err != nil {
		return err
	}
	if o.Log != nil {
		var subjectID int64
		if subject != nil {
			subjectID = *subject
		}
		o.Log.Info("audited change", "action", action, "actor_id", actor.ID, "subject_user_id", subjectID)
	}
	return nil
}

// Audit lists the most recent audit entries.
func (o *Oversight) Audit(ctx context.Context, actor *User) ([]AuditEntry, error) {
	if !mayCoordinate(actor) {
		return nil, forbidden()
	}
	return o.Store.Audit(ctx, 200)
}
