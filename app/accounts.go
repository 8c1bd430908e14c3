package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Accounts registers people, signs them in and out and resolves sessions.
type Accounts struct {
	Store       Store
	Now         func() time.Time
	IdleTimeout time.Duration // a session ends after this long without a request
	MaxAge      time.Duration // and in any case this long after sign-in
	// Limits throttles sign-ins per account (nil: no throttling).
	Limits *Limits
	// Hashing bounds concurrent password hashing (nil: unbounded).
	Hashing *PasswordHashing
	// Log receives security events at info level, with user IDs only
	// (nil: not logged).
	Log *slog.Logger
	// OIDCProviders are the organisations' providers: where one has
	// PasswordSignIn false, SignInWithPassword refuses its domains.
	OIDCProviders []OIDCProvider
}

func (a *Accounts) event(msg string, args ...any) {
	if a.Log != nil {
		a.Log.Info(msg, args...)
	}
}

// Register creates a learner account, its address taken as given (no
// email is sent: Verification.Register is registration with email). A
// taken email is EINVALID on the email field, with a message that does not
// confirm who has an account beyond what the form must say.
func (a *Accounts) Register(ctx context.Context, r Registration) (*User, error) {
	if err := a.passwordAccountAllowed(r.Email); err != nil {
		return nil, err
	}
	orgs, err := a.Store.Organisations(ctx)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	if err := r.Validate(orgs); err != nil {
		return nil, err
	}
	hash, err := a.Hashing.Hash(ctx, r.Password)
	if err != nil {
		return nil, err
	}
	u := &User{Name: r.Name, Email: r.Email, EmailNorm: NormaliseEmail(r.Email), PasswordHash: hash,
		OrganisationID: r.OrganisationID, JobRole: r.JobRole, ManagerEmail: NormaliseEmail(r.ManagerEmail),
		Roles: []string{RoleLearner}, CreatedAt: a.Now()}
	u.EmailVerifiedAt = &u.CreatedAt
	if err := a.Store.CreateUser(ctx, u); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return nil, Invalid([]FieldError{{Field: "email", Message: "An account already exists with this email address. Sign in instead, or use a different email address"}})
		}
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// SignIn checks an email and password and starts a session, returning the
// cookie token. Wrong email and wrong password get the same answer and
// take the same time. Failed sign-ins in a row slow further attempts for
// that email (BackoffDelay): ETOOMANY while the delay runs, whether or not
// the account exists. EUNAVAILABLE when hashing is at its bound.
func (a *Accounts) SignIn(ctx context.Context, email, password string) (*User, string, error) {
	bad := Invalid([]FieldError{{Field: "email", Message: "Enter a correct email address and password"}})
	if email == "" || password == "" || len(password) > 1024 || TextProblem(email) != "" {
		return nil, "", bad
	}
	norm := NormaliseEmail(email)
	if err := a.Limits.claimAccount(ctx, norm); err != nil {
		if ErrorCode(err) == ETOOMANY {
			a.event("sign-in throttled", "limit", "sign-in per account")
		}
		return nil, "", err
	}
	u, err := a.Store.UserByEmail(ctx, norm)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return nil, "", fmt.Errorf("look up user: %w", err)
	}
	hash := dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	ok, err := a.Hashing.Check(ctx, hash, password)
	if err != nil {
		return nil, "", err
	}
	if u == nil || !ok {
		var id int64
		if u != nil {
			id = u.ID
		}
		a.event("sign-in failed", "user_id", id)
		return nil, "", bad
	}
	if err := a.Limits.accountSucceeded(ctx, norm); err != nil {
		return nil, "", err
	}
	token, err := a.StartSession(ctx, u.ID)
	if err != nil {
		return nil, "", err
	}
	a.event("signed in", "user_id", u.ID)
	return u, token, nil
}

// StartSession creates a session for a user and returns the cookie token.
func (a *Accounts) StartSession(ctx context.Context, userID int64) (string, error) {
	token, hash := NewSessionToken()
	now := a.Now()
	s := &Session{TokenHash: hash, UserID: userID, CreatedAt: now, LastSeenAt: now, ExpiresAt: a.expiry(now, now)}
	if err := a.Store.CreateSession(ctx, s); err != nil {
		return "", fmt.Errorf("create session for user %d: %w", userID, err)
	}
	return token, nil
}

func (a *Accounts) expiry(created, lastSeen time.Time) time.Time {
	e := lastSeen.Add(a.IdleTimeout)
	if limit := created.Add(a.MaxAge); e.After(limit) {
		e = limit
	}
	return e
}

// SessionUser resolves a cookie token to its user, extending the idle
// expiry. An unknown or expired token is EUNAUTHORIZED. The expiry is
// written at most once every 30 seconds per session, which keeps it within
// 30 seconds of exact.
func (a *Accounts) SessionUser(ctx context.Context, token string) (*Session, *User, error) {
	if token == "" {
		return nil, nil, Errorf(EUNAUTHORIZED, "Sign in to continue.")
	}
	now := a.Now()
	s, u, err := a.Store.SessionUser(ctx, HashToken(token), now)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return nil, nil, sessionEnded()
		}
		return nil, nil, fmt.Errorf("load session: %w", err)
	}
	if err := a.seen(ctx, s, now); err != nil {
		return nil, nil, err
	}
	return s, u, nil
}

// seen extends a live session's idle expiry after a request at now,
// writing it at most once every 30 seconds per session.
func (a *Accounts) seen(ctx context.Context, s *Session, now time.Time) error {
	if now.Sub(s.LastSeenAt) < 30*time.Second {
		return nil
	}
	s.LastSeenAt, s.ExpiresAt = now, a.expiry(s.CreatedAt, now)
	if err := a.Store.TouchSession(ctx, s.TokenHash, s.LastSeenAt, s.ExpiresAt); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// sessionEnded is the error for a session token that is unknown or expired.
func sessionEnded() error {
	return Errorf(EUNAUTHORIZED, "Your session has ended. Sign in to continue.")
}

// SignOut ends a session on the server.
func (a *Accounts) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	if err := a.Store.DeleteSession(ctx, HashToken(token)); err != nil && ErrorCode(err) != ENOTFOUND {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
