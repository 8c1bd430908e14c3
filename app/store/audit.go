package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
)

var _ app.AuditSearcher = (*Store)(nil)

// SearchAudit implements app.AuditSearcher. Names and emails are matched
// on their normalised (lower-case) columns; the action and detail with
// LOWER, which on SQLite lowers ASCII letters only.
func (s *Store) SearchAudit(ctx context.Context, q app.AuditQuery) ([]app.AuditEntry, int, error) {
	const from = ` FROM audit_log a JOIN users actor ON actor.id = a.actor_id LEFT JOIN users subject ON subject.id = a.subject_user_id`
	where, args := "", map[string]any{}
	if q.Search != "" {
		esc := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q.Search)
		args["search"] = "%" + esc + "%"
		where = ` WHERE actor.name_norm LIKE @search ESCAPE '\' OR actor.email_norm LIKE @search ESCAPE '\'
			OR subject.name_norm LIKE @search ESCAPE '\' OR subject.email_norm LIKE @search ESCAPE '\'
			OR LOWER(a.action) LIKE @search ESCAPE '\' OR LOWER(a.detail) LIKE @search ESCAPE '\'`
	}
	db := s.db.WithContext(ctx)
	var total int64
	count := db.Raw(`SELECT COUNT(*)` + from + where)
	if q.Search != "" {
		count = db.Raw(`SELECT COUNT(*)`+from+where, args)
	}
	if err := count.Scan(&total).Error; err != nil {
		return nil, 0, wrap(err, "count audit entries")
	}
	args["limit"], args["offset"] = q.PageSize, (q.Page-1)*q.PageSize
	var rows []struct {
		ID            int64
		ActorID       int64
		ActorName     string
		Action        string
		SubjectUserID *int64
		SubjectName   sql.NullString
		Detail        string
		CreatedAt     time.Time
	}
	err := db.Raw(`SELECT a.id, a.actor_id, actor.name AS actor_name, a.action, a.subject_user_id, subject.name AS subject_name, a.detail, a.created_at`+
		from+where+` ORDER BY a.created_at DESC, a.id DESC LIMIT @limit OFFSET @offset`, args).Scan(&rows).Error
	if err != nil {
		return nil, 0, wrap(err, "search audit")
	}
	out := make([]app.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = app.AuditEntry{ID: r.ID, ActorID: r.ActorID, ActorName: r.ActorName, Action: r.Action, SubjectUserID: r.SubjectUserID,
			SubjectName: r.SubjectName.String, Detail: r.Detail, CreatedAt: r.CreatedAt}
	}
	return out, int(total), nil
}

type auditRow struct {
	ID            int64
	ActorID       int64
	Action        string
	SubjectUserID *int64
	Detail        string
	CreatedAt     time.Time
}

func (auditRow) TableName() string { return "audit_log" }

// AddAudit implements app.ReportStore.
func (s *Store) AddAudit(ctx context.Context, e *app.AuditEntry) error {
	r := auditRow{ActorID: e.ActorID, Action: e.Action, SubjectUserID: e.SubjectUserID, Detail: e.Detail, CreatedAt: e.CreatedAt.UTC()}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return wrap(err, "audit")
	}
	e.ID = r.ID
	return nil
}

// Audit implements app.ReportStore, newest first.
func (s *Store) Audit(ctx context.Context, limit int) ([]app.AuditEntry, error) {
	var rows []struct {
		ID            int64
		ActorID       int64
		ActorName     string
		Action        string
		SubjectUserID *int64
		SubjectName   sql.NullString
		Detail        string
		CreatedAt     time.Time
	}
	err := s.db.WithContext(ctx).Raw(`SELECT a.id, a.actor_id, actor.name AS actor_name, a.action, a.subject_user_id, subject.name AS subject_name, a.detail, a.created_at
		FROM audit_log a JOIN users actor ON actor.id = a.actor_id LEFT JOIN users subject ON subject.id = a.subject_user_id
		ORDER BY a.created_at DESC, a.id DESC LIMIT ?`, limit).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "audit")
	}
	out := make([]app.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = app.AuditEntry{ID: r.ID, ActorID: r.ActorID, ActorName: r.ActorName, Action: r.Action, SubjectUserID: r.SubjectUserID,
			SubjectName: r.SubjectName.String, Detail: r.Detail, CreatedAt: r.CreatedAt}
	}
	return out, nil
}
