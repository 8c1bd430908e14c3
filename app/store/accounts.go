package store

import (
	"context"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
)

type organisationRow struct {
	ID        int64
	Name      string
	NameNorm  string
	CreatedAt time.Time
}

func (organisationRow) TableName() string { return "organisations" }

// Organisations implements app.Store, sorted by name with "Other" last.
func (s *Store) Organisations(ctx context.Context) ([]app.Organisation, error) {
	var rows []organisationRow
	if err := s.db.WithContext(ctx).Order("CASE WHEN name_norm = 'other' THEN 1 ELSE 0 END, name_norm").Find(&rows).Error; err != nil {
		return nil, wrap(err, "organisations")
	}
	out := make([]app.Organisation, len(rows))
	for i, r := range rows {
		out[i] = app.Organisation{ID: r.ID, Name: r.Name}
	}
	return out, nil
}

// EnsureOrganisations implements app.Store: adds any name not there yet.
func (s *Store) EnsureOrganisations(ctx context.Context, names []string) error {
	for _, n := range names {
		n = strings.TrimSpace(n)
		row := organisationRow{Name: n, NameNorm: strings.ToLower(n), CreatedAt: Now()}
		err := s.db.WithContext(ctx).Where("name_norm = ?", row.NameNorm).FirstOrCreate(&row).Error
		if err != nil {
			return wrap(err, "organisation")
		}
	}
	return nil
}

type userRow struct {
	ID              int64
	Name            string
	NameNorm        string
	Email           string
	EmailNorm       string
	PasswordHash    string
	OrganisationID  int64
	JobRole         string
	ManagerEmail    string
	Roles           string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	EmailVerifiedAt *time.Time
	Organisation    string `gorm:"->;-:migration"` // read-only, from a join
}

func (userRow) TableName() string { return "users" }

func (r *userRow) user() *app.User {
	return &app.User{ID: r.ID, Name: r.Name, Email: r.Email, EmailNorm: r.EmailNorm, PasswordHash: r.PasswordHash,
		OrganisationID: r.OrganisationID, Organisation: r.Organisation, JobRole: r.JobRole, ManagerEmail: r.ManagerEmail,
		Roles: strings.Split(r.Roles, ","), CreatedAt: r.CreatedAt, EmailVerifiedAt: r.EmailVerifiedAt}
}

// CreateUser implements app.Store.
func (s *Store) CreateUser(ctx context.Context, u *app.User) error {
	r := userRow{Name: u.Name, NameNorm: strings.ToLower(u.Name), Email: u.Email, EmailNorm: u.EmailNorm, PasswordHash: u.PasswordHash,
		OrganisationID: u.OrganisationID, JobRole: u.JobRole, ManagerEmail: u.ManagerEmail,
		Roles: strings.Join(u.Roles, ","), CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.CreatedAt.UTC(), EmailVerifiedAt: utcPtr(u.EmailVerifiedAt)}
	if err := s.db.WithContext(ctx).Omit("Organisation").Create(&r).Error; err != nil {
		return wrap(err, "user")
	}
	u.ID = r.ID
	return nil
}

const userSelect = `SELECT users.*, organisations.name AS organisation FROM users JOIN organisations ON organisations.id = users.organisation_id`

// UserByEmail implements app.Store.
func (s *Store) UserByEmail(ctx context.Context, emailNorm string) (*app.User, error) {
	var r userRow
	if err := s.db.WithContext(ctx).Raw(userSelect+` WHERE users.email_norm = ?`, emailNorm).Take(&r).Error; err != nil {
		return nil, wrap(err, "user")
	}
	return r.user(), nil
}

// UserByID implements app.Store.
func (s *Store) UserByID(ctx context.Context, id int64) (*app.User, error) {
	var r userRow
	if err := s.db.WithContext(ctx).Raw(userSelect+` WHERE users.id = ?`, id).Take(&r).Error; err != nil {
		return nil, wrap(err, "user")
	}
	return r.user(), nil
}

type sessionRow struct {
	TokenHash  string `gorm:"primaryKey"`
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

func (sessionRow) TableName() string { return "sessions" }

// CreateSession implements app.Store.
func (s *Store) CreateSession(ctx context.Context, se *app.Session) error {
	r := sessionRow{TokenHash: se.TokenHash, UserID: se.UserID, CreatedAt: se.CreatedAt.UTC(), LastSeenAt: se.LastSeenAt.UTC(), ExpiresAt: se.ExpiresAt.UTC()}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return wrap(err, "session")
	}
	return s.MarkActive(ctx, se.UserID, se.CreatedAt) // privacy.go: signing in postpones erasure
}

// sessionUserSQL reads a live session with its user and organisation.
const sessionUserSQL = `SELECT users.id, users.name, users.email, users.email_norm, users.password_hash, users.organisation_id,
	organisations.name, users.job_role, users.manager_email, users.roles, users.created_at, users.email_verified_at,
	sessions.created_at, sessions.last_seen_at, sessions.expires_at
	FROM sessions JOIN users ON users.id = sessions.user_id JOIN organisations ON organisations.id = users.organisation_id
	WHERE sessions.token_hash = ? AND sessions.expires_at > ?`

// SessionUser implements app.Store: one query for the session and its
// user, made on every signed-in request, so straight on the connection
// (direct.go).
func (s *Store) SessionUser(ctx context.Context, tokenHash string, now time.Time) (*app.Session, *app.User, error) {
	var u app.User
	var roles string
	se := &app.Session{TokenHash: tokenHash}
	err := s.direct().QueryRowContext(ctx, s.bound(sessionUserSQL), tokenHash, now.UTC()).Scan(
		&u.ID, &u.Name, &u.Email, &u.EmailNorm, &u.PasswordHash, &u.OrganisationID,
		&u.Organisation, &u.JobRole, &u.ManagerEmail, &roles, &u.CreatedAt, &u.EmailVerifiedAt,
		&se.CreatedAt, &se.LastSeenAt, &se.ExpiresAt)
	if err != nil {
		return nil, nil, wrap(err, "session")
	}
	u.Roles, se.UserID = strings.Split(roles, ","), u.ID
	return se, &u, nil
}

// TouchSession implements app.Store.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, lastSeen, expires time.Time) error {
	return wrap(s.db.WithContext(ctx).Exec(`UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ?`,
		lastSeen.UTC(), expires.UTC(), tokenHash).Error, "session")
}

// DeleteSession implements app.Store.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	return wrap(s.db.WithContext(ctx).Exec(`DELETE FROM sessions WHERE token_hash = ?`, tokenHash).Error, "session")
}

// DeleteExpiredSessions implements app.Store.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`DELETE FROM sessions WHERE expires_at <= ?`, now.UTC())
	if res.Error != nil {
		return 0, wrap(res.Error, "sessions")
	}
	// Outside sign-ins that never finished hold a name and an email.
	if err := s.db.WithContext(ctx).Exec(`DELETE FROM pending_sign_ins WHERE expires_at <= ?`, now.UTC()).Error; err != nil {
		return res.RowsAffected, wrap(err, "pending sign-ins")
	}
	return res.RowsAffected, nil
}
