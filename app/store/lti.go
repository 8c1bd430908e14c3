package store

import (
	"context"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
)

var (
	_ app.LTIStore = (*Store)(nil)
	_ app.LTIKeys  = (*Store)(nil)
)

type ltiPlatformRow struct {
	ID            int64
	Name          string
	Issuer        string
	ClientID      string
	DeploymentIDs string `gorm:"column:deployment_ids"`
	AuthURL       string `gorm:"column:auth_url"`
	TokenURL      string `gorm:"column:token_url"`
	KeysetURL     string `gorm:"column:keyset_url"`
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (ltiPlatformRow) TableName() string { return "lti_platforms" }

func (r *ltiPlatformRow) platform() app.LTIPlatform {
	return app.LTIPlatform{ID: r.ID, Name: r.Name, Issuer: r.Issuer, ClientID: r.ClientID, DeploymentIDs: strings.Split(r.DeploymentIDs, "\n"),
		AuthURL: r.AuthURL, TokenURL: r.TokenURL, KeySetURL: r.KeysetURL, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// LTIPlatforms implements app.LTIStore, by name.
func (s *Store) LTIPlatforms(ctx context.Context) ([]app.LTIPlatform, error) {
	var rows []ltiPlatformRow
	if err := s.db.WithContext(ctx).Order("name, id").Find(&rows).Error; err != nil {
		return nil, wrap(err, "lti platforms")
	}
	out := make([]app.LTIPlatform, len(rows))
	for i := range rows {
		out[i] = rows[i].platform()
	}
	return out, nil
}

// LTIPlatform implements app.LTIStore.
func (s *Store) LTIPlatform(ctx context.Context, id int64) (*app.LTIPlatform, error) {
	var r ltiPlatformRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, wrap(err, "lti platform")
	}
	p := r.platform()
	return &p, nil
}

// LTIPlatformsByIssuer implements app.LTIStore.
func (s *Store) LTIPlatformsByIssuer(ctx context.Context, issuer, clientID string) ([]app.LTIPlatform, error) {
	q := s.db.WithContext(ctx).Where("issuer = ?", issuer)
	if clientID != "" {
		q = q.Where("client_id = ?", clientID)
	}
	var rows []ltiPlatformRow
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, wrap(err, "lti platforms")
	}
	out := make([]app.LTIPlatform, len(rows))
	for i := range rows {
		out[i] = rows[i].platform()
	}
	return out, nil
}

// SaveLTIPlatform implements app.LTIStore: the fields the form sets, in
// place, with the audit entry.
func (s *Store) SaveLTIPlatform(ctx context.Context, p *app.LTIPlatform, audit *app.AuditEntry) error {
	return s.transact(ctx, func(tx *Store) error {
		deps := strings.Join(p.DeploymentIDs, "\n")
		at := p.UpdatedAt.UTC()
		if p.ID == 0 {
			r := ltiPlatformRow{Name: p.Name, Issuer: p.Issuer, ClientID: p.ClientID, DeploymentIDs: deps, AuthURL: p.AuthURL,
				TokenURL: p.TokenURL, KeysetURL: p.KeySetURL, CreatedAt: at, UpdatedAt: at}
			if err := tx.db.Create(&r).Error; err != nil {
				return wrap(err, "lti platform")
			}
			p.ID, p.CreatedAt = r.ID, at
		} else {
			res := tx.db.Exec(`UPDATE lti_platforms SET name = ?, issuer = ?, client_id = ?, deployment_ids = ?, auth_url = ?, token_url = ?, keyset_url = ?, updated_at = ? WHERE id = ?`,
				p.Name, p.Issuer, p.ClientID, deps, p.AuthURL, p.TokenURL, p.KeySetURL, at, p.ID)
			if res.Error != nil {
				return wrap(res.Error, "lti platform")
			}
			if res.RowsAffected == 0 {
				return &app.Error{Code: app.ENOTFOUND, Message: "lti platform not found"}
			}
		}
		return tx.AddAudit(ctx, audit)
	})
}

// SaveLTIState implements app.LTIStore.
func (s *Store) SaveLTIState(ctx context.Context, st *app.LTIState) error {
	return wrap(s.db.WithContext(ctx).Exec(`INSERT INTO lti_states (state_hash, browser_hash, nonce, platform_id, expires_at) VALUES (?, ?, ?, ?, ?)`,
		st.StateHash, st.BrowserHash, st.Nonce, st.PlatformID, st.ExpiresAt.UTC()).Error, "lti state")
}

// LTIState implements app.LTIStore.
func (s *Store) LTIState(ctx context.Context, stateHash string, now time.Time) (*app.LTIState, error) {
	var r struct {
		StateHash, BrowserHash, Nonce string
		PlatformID                    int64
		ExpiresAt                     time.Time
	}
	err := s.db.WithContext(ctx).Raw(`SELECT state_hash, browser_hash, nonce, platform_id, expires_at FROM lti_states WHERE state_hash = ? AND expires_at > ?`,
		stateHash, now.UTC()).Take(&r).Error
	if err != nil {
		return nil, wrap(err, "lti state")
	}
	return &app.LTIState{StateHash: r.StateHash, BrowserHash: r.BrowserHash, Nonce: r.Nonce, PlatformID: r.PlatformID, ExpiresAt: r.ExpiresAt}, nil
}

// TakeLTIState implements app.LTIStore: one DELETE, so of two requests
// with one state exactly one takes it.
func (s *Store) TakeLTIState(ctx context.Context, stateHash string, now time.Time) error {
	res := s.db.WithContext(ctx).Exec(`DELETE FROM lti_states WHERE state_hash = ? AND expires_at > ?`, stateHash, now.UTC())
	if res.Error != nil {
		return wrap(res.Error, "lti state")
	}
	if res.RowsAffected != 1 {
		return &app.Error{Code: app.ENOTFOUND, Message: "lti state not found"}
	}
	return nil
}

// DeleteStaleLTI implements app.LTIStore.
func (s *Store) DeleteStaleLTI(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.transact(ctx, func(tx *Store) error {
		for _, q := range []string{
			`DELETE FROM lti_states WHERE expires_at <= ?`,
			`DELETE FROM lti_launches WHERE launched_at <= ? AND NOT EXISTS (SELECT 1 FROM identities i JOIN lti_platforms p ON p.issuer = i.issuer
				WHERE p.id = lti_launches.platform_id AND i.method = 'lti' AND i.subject = lti_launches.subject)`,
			`DELETE FROM lti_scores WHERE status IN ('sent', 'failed') AND scored_at <= ? AND NOT EXISTS (SELECT 1 FROM identities i
				WHERE i.user_id = lti_scores.user_id AND i.method = 'lti' AND i.subject = lti_scores.subject)`,
		} {
			res := tx.db.Exec(q, now.UTC())
			if res.Error != nil {
				return wrap(res.Error, "stale lti rows")
			}
			n += res.RowsAffected
		}
		return nil
	})
	return n, err
}

// RecordLTILaunch implements app.LTIStore: an upsert on (platform,
// subject).
func (s *Store) RecordLTILaunch(ctx context.Context, l *app.LTILaunch) error {
	return wrap(s.db.WithContext(ctx).Exec(`INSERT INTO lti_launches (platform_id, subject, deployment_id, resource_link_id, context_id, line_item, line_items, scopes, launched_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (platform_id, subject) DO UPDATE SET deployment_id = excluded.deployment_id, resource_link_id = excluded.resource_link_id,
			context_id = excluded.context_id, line_item = excluded.line_item, line_items = excluded.line_items, scopes = excluded.scopes, launched_at = excluded.launched_at`,
		l.PlatformID, l.Subject, l.DeploymentID, l.ResourceLinkID, l.ContextID, l.LineItem, l.LineItems, strings.Join(l.Scopes, " "), l.LaunchedAt.UTC()).Error, "lti launch")
}

// LTILaunches implements app.LTIStore.
func (s *Store) LTILaunches(ctx context.Context, userID int64) ([]app.LTILaunch, error) {
	var rows []struct {
		PlatformID                                                                    int64
		Subject, DeploymentID, ResourceLinkID, ContextID, LineItem, LineItems, Scopes string
		LaunchedAt                                                                    time.Time
	}
	err := s.db.WithContext(ctx).Raw(`SELECT l.platform_id, l.subject, l.deployment_id, l.resource_link_id, l.context_id, l.line_item, l.line_items, l.scopes, l.launched_at
		FROM lti_launches l JOIN lti_platforms p ON p.id = l.platform_id
		JOIN identities i ON i.method = 'lti' AND i.issuer = p.issuer AND i.subject = l.subject
		WHERE i.user_id = ? ORDER BY l.platform_id`, userID).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "lti launches")
	}
	out := make([]app.LTILaunch, len(rows))
	for i, r := range rows {
		out[i] = app.LTILaunch{UserID: userID, PlatformID: r.PlatformID, Subject: r.Subject, DeploymentID: r.DeploymentID, ResourceLinkID: r.ResourceLinkID,
			ContextID: r.ContextID, LineItem: r.LineItem, LineItems: r.LineItems, Scopes: strings.Fields(r.Scopes), LaunchedAt: r.LaunchedAt}
	}
	return out, nil
}

type ltiScoreRow struct {
	ID               int64
	UserID           int64
	PlatformID       int64
	Event            string
	LineItem         string
	Subject          string
	ScoreGiven       float64
	ScoreMaximum     float64
	ActivityProgress string
	GradingProgress  string
	ScoredAt         time.Time
	Status           string
	Attempts         int
	LastError        string
	SentAt           *time.Time
}

func (ltiScoreRow) TableName() string { return "lti_scores" }

// AddLTIScore implements app.LTIStore. ON CONFLICT DO NOTHING makes the
// unique (user, platform, event) the judge, on both databases.
func (s *Store) AddLTIScore(ctx context.Context, sc *app.LTIScore) (bool, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Raw(`INSERT INTO lti_scores (user_id, platform_id, event, line_item, subject, score_given, score_maximum, activity_progress, grading_progress, scored_at, status)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, platform_id, event) DO NOTHING RETURNING id`,
		sc.UserID, sc.PlatformID, sc.Event, sc.LineItem, sc.Subject, sc.Given, sc.Maximum, sc.ActivityProgress, sc.GradingProgress, sc.Timestamp.UTC(), sc.Status).Scan(&ids).Error
	if err != nil {
		return false, wrap(err, "lti score")
	}
	if len(ids) == 0 {
		return false, nil
	}
	sc.ID = ids[0]
	return true, nil
}

// LTIScore implements app.LTIStore.
func (s *Store) LTIScore(ctx context.Context, id int64) (*app.LTIScore, error) {
	var r ltiScoreRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, wrap(err, "lti score")
	}
	return &app.LTIScore{ID: r.ID, UserID: r.UserID, PlatformID: r.PlatformID, Event: r.Event, LineItem: r.LineItem, Subject: r.Subject,
		Given: r.ScoreGiven, Maximum: r.ScoreMaximum, ActivityProgress: r.ActivityProgress, GradingProgress: r.GradingProgress,
		Timestamp: r.ScoredAt, Status: r.Status, Attempts: r.Attempts, LastError: r.LastError, SentAt: r.SentAt}, nil
}

// EarlierLTIScoreOwed implements app.LTIStore. Scores are recorded in
// the order they are earned, so an earlier one has a smaller ID.
func (s *Store) EarlierLTIScoreOwed(ctx context.Context, sc *app.LTIScore) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM lti_scores WHERE user_id = ? AND platform_id = ? AND line_item = ? AND id < ? AND status IN ('queued', 'retrying')`,
		sc.UserID, sc.PlatformID, sc.LineItem, sc.ID).Scan(&n).Error
	return n > 0, wrap(err, "lti scores")
}

// MarkLTIScoreSent implements app.LTIStore.
func (s *Store) MarkLTIScoreSent(ctx context.Context, id int64, attempts int, at time.Time) error {
	return wrap(s.db.WithContext(ctx).Exec(`UPDATE lti_scores SET status = 'sent', attempts = ?, last_error = '', sent_at = ? WHERE id = ?`, attempts, at.UTC(), id).Error, "lti score")
}

// MarkLTIScoreFailure implements app.LTIStore. A score already sent
// stays sent.
func (s *Store) MarkLTIScoreFailure(ctx context.Context, id int64, status string, attempts int, reason string) error {
	return wrap(s.db.WithContext(ctx).Exec(`UPDATE lti_scores SET status = ?, attempts = ?, last_error = ? WHERE id = ? AND status <> 'sent'`, status, attempts, reason, id).Error, "lti score")
}

// LTIScoreCounts implements app.LTIStore.
func (s *Store) LTIScoreCounts(ctx context.Context, platformID int64) (map[string]int, error) {
	var rows []struct {
		Status string
		N      int
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT status, COUNT(*) AS n FROM lti_scores WHERE platform_id = ? GROUP BY status`, platformID).Scan(&rows).Error; err != nil {
		return nil, wrap(err, "lti scores")
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// The tool's keys: the same shape as the badge keys, in their own table
// (keyTable, badge.go).

// EnsureLTIKey implements app.LTIKeys: the first instance's key wins.
func (s *Store) EnsureLTIKey(ctx context.Context, generate func() (*app.SigningKey, error)) (*app.SigningKey, error) {
	return ltiKeys.ensure(ctx, s.db, generate)
}

// RotateLTIKey implements app.LTIKeys.
func (s *Store) RotateLTIKey(ctx context.Context, fresh *app.SigningKey, at time.Time) error {
	return ltiKeys.rotate(ctx, s.db, fresh, at)
}

// LTIKeys implements app.LTIKeys: current first, then retired, newest first.
func (s *Store) LTIKeys(ctx context.Context) ([]app.SigningKey, error) {
	return ltiKeys.all(ctx, s.db)
}
