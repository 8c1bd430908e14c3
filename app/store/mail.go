package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/foundations/foundations/app"
	"gorm.io/gorm"
)

var _ app.MailStore = (*Store)(nil)

type emailRow struct {
	ID          int64
	UserID      *int64
	Recipient   string
	Kind        string
	Subject     string
	BodyText    string
	BodyHTML    string `gorm:"column:body_html"`
	Unsubscribe string
	Status      string
	Attempts    int
	LastReply   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SentAt      *time.Time
}

func (emailRow) TableName() string { return "emails" }

func (r *emailRow) email() *app.Email {
	return &app.Email{ID: r.ID, Message: app.Message{To: r.Recipient, Kind: r.Kind, Subject: r.Subject, Text: r.BodyText, HTML: r.BodyHTML,
		Unsubscribe: r.Unsubscribe, UserID: r.UserID}, Status: app.EmailStatus(r.Status), Attempts: r.Attempts, LastReply: r.LastReply,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, SentAt: r.SentAt}
}

// AddEmail implements app.MailStore.
func (s *Store) AddEmail(ctx context.Context, e *app.Email) error {
	r := emailRow{UserID: e.UserID, Recipient: e.To, Kind: e.Kind, Subject: e.Subject, BodyText: e.Text, BodyHTML: e.HTML,
		Unsubscribe: e.Unsubscribe, Status: string(e.Status), CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC()}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return wrap(err, "email")
	}
	e.ID = r.ID
	return nil
}

// Email implements app.MailStore.
func (s *Store) Email(ctx context.Context, id int64) (*app.Email, error) {
	var r emailRow
	if err := s.db.WithContext(ctx).Take(&r, id).Error; err != nil {
		return nil, wrap(err, "email")
	}
	return r.email(), nil
}

// MarkEmailSent implements app.MailStore: the body goes, the record stays.
func (s *Store) MarkEmailSent(ctx context.Context, id int64, attempts int, at time.Time) error {
	return wrap(s.db.WithContext(ctx).Exec(`UPDATE emails SET status = ?, attempts = ?, last_reply = '', sent_at = ?, updated_at = ?, body_text = '', body_html = '', unsubscribe = '' WHERE id = ?`,
		string(app.EmailSent), attempts, at.UTC(), at.UTC(), id).Error, "email")
}

// MarkEmailFailure implements app.MailStore.
func (s *Store) MarkEmailFailure(ctx context.Context, id int64, status app.EmailStatus, attempts int, reply string, at time.Time) error {
	return wrap(s.db.WithContext(ctx).Exec(`UPDATE emails SET status = ?, attempts = ?, last_reply = ?, updated_at = ? WHERE id = ? AND status <> ?`,
		string(status), attempts, reply, at.UTC(), id, string(app.EmailSent)).Error, "email")
}

// Emails implements app.MailStore, without bodies.
func (s *Store) Emails(ctx context.Context, limit int) ([]app.Email, error) {
	var rows []emailRow
	err := s.db.WithContext(ctx).Select("id, user_id, recipient, kind, subject, status, attempts, last_reply, created_at, updated_at, sent_at").
		Order("id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, wrap(err, "emails")
	}
	out := make([]app.Email, len(rows))
	for i := range rows {
		out[i] = *rows[i].email()
	}
	return out, nil
}

// SQLDB is the connection pool underneath, for the job queue.
func (s *Store) SQLDB() (*sql.DB, error) { return s.db.DB() }

// SQLTx returns the database/sql transaction this Store is bound to (a
// Store given by InTx), so a job can be enqueued in it.
func (s *Store) SQLTx() (*sql.Tx, error) {
	pool := s.db.Statement.ConnPool
	for {
		switch p := pool.(type) {
		case *sql.Tx:
			return p, nil
		case *serialTx:
			pool = p.ConnPool
		case *gorm.PreparedStmtTX:
			pool = p.Tx
		default:
			return nil, fmt.Errorf("store is not bound to a transaction (%T)", pool)
		}
	}
}

// EmailCounts implements app.MailCounter: how many outbox emails stand in
// each status, for the operators' metrics.
func (s *Store) EmailCounts(ctx context.Context) (map[app.EmailStatus]int, error) {
	var rows []struct {
		Status string
		N      int
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT status, COUNT(*) AS n FROM emails GROUP BY status`).Scan(&rows).Error; err != nil {
		return nil, wrap(err, "count emails")
	}
	out := map[app.EmailStatus]int{}
	for _, r := range rows {
		out[app.EmailStatus(r.Status)] = r.N
	}
	return out, nil
}
