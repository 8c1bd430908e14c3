package store

import (
	"context"
	"fmt"
	"time"

	"github.com/foundations/foundations/app"
)

var _ app.PrivacyStore = (*Store)(nil)

// MarkActive records that a user signed in, which postpones the erasure of
// an inactive account.
func (s *Store) MarkActive(ctx context.Context, userID int64, at time.Time) error {
	return wrap(s.db.WithContext(ctx).Exec(`UPDATE users SET last_active_at = ? WHERE id = ?`, at.UTC(), userID).Error, "user")
}

// CertificatesOf implements app.PrivacyStore.
func (s *Store) CertificatesOf(ctx context.Context, userID int64) ([]app.Certificate, error) {
	var rows []certificateRow
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, wrap(err, "certificates")
	}
	out := make([]app.Certificate, len(rows))
	for i := range rows {
		out[i] = *rows[i].certificate()
	}
	return out, nil
}

// EmailsTo implements app.PrivacyStore.
func (s *Store) EmailsTo(ctx context.Context, userID int64) ([]app.Email, error) {
	var rows []emailRow
	err := s.db.WithContext(ctx).Select("id, user_id, recipient, kind, subject, status, attempts, last_reply, created_at, updated_at, sent_at").
		Where("user_id = ?", userID).Order("id DESC").Find(&rows).Error
	if err != nil {
		return nil, wrap(err, "emails")
	}
	out := make([]app.Email, len(rows))
	for i := range rows {
		out[i] = *rows[i].email()
	}
	return out, nil
}

// AuditAbout implements app.PrivacyStore.
func (s *Store) AuditAbout(ctx context.Context, userID int64) ([]app.AuditEntry, error) {
	var rows []struct {
		ID            int64
		ActorID       int64
		ActorName     string
		Action        string
		SubjectUserID *int64
		Detail        string
		CreatedAt     time.Time
	}
	err := s.db.WithContext(ctx).Raw(`SELECT a.id, a.actor_id, u.name AS actor_name, a.action, a.subject_user_id, a.detail, a.created_at
		FROM audit_log a JOIN users u ON u.id = a.actor_id WHERE a.subject_user_id = ? ORDER BY a.id`, userID).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "audit")
	}
	out := make([]app.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = app.AuditEntry{ID: r.ID, ActorID: r.ActorID, ActorName: r.ActorName, Action: r.Action, SubjectUserID: r.SubjectUserID, Detail: r.Detail, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// EraseUser implements app.PrivacyStore: the account row stays (attempts,
// certificates and the audit trail refer to it) with nothing personal in
// it; everything else personal goes. Call it inside InTx.
func (s *Store) EraseUser(ctx context.Context, userID int64, at time.Time) error {
	db := s.db.WithContext(ctx)
	placeholder := fmt.Sprintf("erased-%d@erased.invalid", userID)
	res := db.Exec(`UPDATE users SET name = 'Erased account', name_norm = 'erased account', email = ?, email_norm = ?, password_hash = ?,
		job_role = '', manager_email = '', roles = 'learner', email_verified_at = NULL, erased_at = ?, updated_at = ? WHERE id = ? AND erased_at IS NULL`,
		placeholder, placeholder, app.ErasedPasswordHash(), at.UTC(), at.UTC(), userID)
	if res.Error != nil {
		return wrap(res.Error, "user")
	}
	if res.RowsAffected == 0 {
		return &app.Error{Code: app.ENOTFOUND, Message: "There is no such account, or it has already been erased."}
	}
	for _, q := range []string{
		`DELETE FROM sessions WHERE user_id = ?`,
		`DELETE FROM identities WHERE user_id = ?`,
		`DELETE FROM pending_sign_ins WHERE user_id = ?`,
		`DELETE FROM link_tokens WHERE user_id = ?`,
		`DELETE FROM email_preferences WHERE user_id = ?`,
		`DELETE FROM notifications_sent WHERE user_id = ?`,
		`DELETE FROM emails WHERE user_id = ?`,
		`DELETE FROM answers WHERE user_id = ?`,
		`UPDATE evaluation_responses SET comment = NULL WHERE user_id = ?`,
		`UPDATE certificates SET learner_name = '' WHERE user_id = ?`,
		`UPDATE confirmations SET note = '' WHERE learner_id = ?`,
		`UPDATE audit_log SET detail = '' WHERE subject_user_id = ?`,
	} {
		if err := db.Exec(q, userID).Error; err != nil {
			return wrap(err, "erase user")
		}
	}
	if err := db.Exec(`DELETE FROM manager_links WHERE learner_id = ? OR manager_id = ?`, userID, userID).Error; err != nil {
		return wrap(err, "erase user")
	}
	return nil
}

// InactiveUsers implements app.PrivacyStore.
func (s *Store) InactiveUsers(ctx context.Context, warnBefore, eraseWarnedBefore time.Time, limit int) (warn, erase []app.User, err error) {
	db := s.db.WithContext(ctx)
	var w, e []userRow
	const base = userSelect + ` WHERE users.erased_at IS NULL AND users.roles NOT LIKE '%admin%' AND `
	if err := db.Raw(base+`COALESCE(users.last_active_at, users.created_at) < ?
		AND (users.erasure_warned_at IS NULL OR users.erasure_warned_at < COALESCE(users.last_active_at, users.created_at)) ORDER BY users.id LIMIT ?`,
		warnBefore.UTC(), limit).Scan(&w).Error; err != nil {
		return nil, nil, wrap(err, "inactive users")
	}
	if err := db.Raw(base+`users.erasure_warned_at IS NOT NULL AND users.erasure_warned_at <= ?
		AND COALESCE(users.last_active_at, users.created_at) < users.erasure_warned_at ORDER BY users.id LIMIT ?`,
		eraseWarnedBefore.UTC(), limit).Scan(&e).Error; err != nil {
		return nil, nil, wrap(err, "inactive users")
	}
	for i := range w {
		warn = append(warn, *w[i].user())
	}
	for i := range e {
		erase = append(erase, *e[i].user())
	}
	return warn, erase, nil
}

// MarkErasureWarned implements app.PrivacyStore.
func (s *Store) MarkErasureWarned(ctx context.Context, userID int64, at time.Time) error {
	return wrap(s.db.WithContext(ctx).Exec(`UPDATE users SET erasure_warned_at = ? WHERE id = ?`, at.UTC(), userID).Error, "user")
}
