package app

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// AccountStore is what password recovery and address verification keep,
// beyond Store. Implemented by app/store; the same error conventions.
type AccountStore interface {
	Store
	TokenStore
	MailStore
	SetPassword(ctx context.Context, userID int64, hash string, at time.Time) error
	// DeleteUserSessions ends every session of a user except the one whose
	// token hash is keepHash ("" ends them all).
	DeleteUserSessions(ctx context.Context, userID int64, keepHash string) error
	// SetEmailVerified marks the user's address verified, if it is still
	// emailNorm; ECONFLICT if the account's address has changed since.
	SetEmailVerified(ctx context.Context, userID int64, emailNorm string, at time.Time) error
	// ChangeEmail gives an account a new address, verified at verifiedAt
	// (nil: not yet). ECONFLICT if another account has that address.
	ChangeEmail(ctx context.Context, userID int64, email string, verifiedAt *time.Time) error
	AddAudit(ctx context.Context, e *AuditEntry) error
}

// Recovery is password recovery and change: a reset link by email, a
// change of password in "Your details", and a one-time link a coordinator
// creates for someone who cannot receive email.
type Recovery struct {
	Store    AccountStore
	Accounts *Accounts
	Mail     *Mail
	Now      func() time.Time
}

func resetURL(m *Mail, token string) string {
	return m.URL("/reset-password?token=" + url.QueryEscape(token))
}

// RequestReset emails a reset link to the account with this address, if
// there is one. The answer is the same either way (nil, or EINVALID for an
// address that is not an address), so the page cannot tell anyone who has
// an account.
func (r *Recovery) RequestReset(ctx context.Context, email string) error {
	email = strings.TrimSpace(email)
	if msg := emailProblem(email); msg != "" {
		return Invalid([]FieldError{{Field: "email", Message: msg}})
	}
	u, err := r.Store.UserByEmail(ctx, NormaliseEmail(email))
	if ErrorCode(err) == ENOTFOUND {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up account for reset: %w", err)
	}
	now := r.Now()
	token, t := newToken(TokenReset, u.ID, u.EmailNorm, now, ResetTokenTTL)
	return r.Store.InTx(ctx, func(tx Store) error {
		if err := tx.(AccountStore).CreateToken(ctx, t); err != nil {
			return fmt.Errorf("create reset token: %w", err)
		}
		return r.Mail.Queue(ctx, tx, r.Mail.compose(letter{
			Kind: "password_reset", To: u.Email, UserID: &u.ID, Subject: "Reset your password",
			Greeting: greeting(u.Name),
			Before:   []string{"We received a request to reset the password for your " + r.Mail.Partnership + " training account."},
			Action:   "Choose a new password", ActionURL: resetURL(r.Mail, token),
			After: []string{"The link works once, for 1 hour.",
				"If you did not ask to reset your password, you can ignore this email: your password has not changed."},
		}))
	})
}

// CheckReset tells the reset page whether a link can still be used.
func (r *Recovery) CheckReset(ctx context.Context, token string) error {
	_, err := checkToken(ctx, r.Store, TokenReset, token, r.Now())
	return err
}

// ResetPassword sets a new password with a reset link, under the same
// policy as registration, ends every session of the account and starts a
// new one, returning its cookie token. The link is spent only when the new
// password is accepted. Following the link proves the address, so it is
// also verified.
func (r *Recovery) ResetPassword(ctx context.Context, token, password string) (*User, string, error) {
	now := r.Now()
	t, err := checkToken(ctx, r.Store, TokenReset, token, now)
	if err != nil {
		return nil, "", err
	}
	u, err := r.Store.UserByID(ctx, t.UserID)
	if err != nil {
		return nil, "", tokenError(ENOTFOUND)
	}
	if msg := PasswordProblem(password, u.Email, u.Name); msg != "" {
		return nil, "", Invalid([]FieldError{{Field: "password", Message: msg}})
	}
	hash, err := r.Accounts.Hashing.Hash(ctx, password)
	if err != nil {
		return nil, "", err
	}
	err = r.Store.InTx(ctx, func(tx Store) error {
		as := tx.(AccountStore)
		if _, err := useToken(ctx, as, TokenReset, token, now); err != nil {
			return err
		}
		if err := as.SetPassword(ctx, u.ID, hash, now); err != nil {
			return err
		}
		if err := as.DeleteUserSessions(ctx, u.ID, ""); err != nil {
			return err
		}
		if t.Email == u.EmailNorm && u.EmailVerifiedAt == nil {
			if err := as.SetEmailVerified(ctx, u.ID, u.EmailNorm, now); err != nil && ErrorCode(err) != ECONFLICT {
				return err
			}
		}
		if err := as.AddAudit(ctx, &AuditEntry{ActorID: u.ID, Action: "reset password with emailed link", SubjectUserID: &u.ID, CreatedAt: now}); err != nil {
			return err
		}
		return r.Mail.Queue(ctx, tx, r.passwordChanged(u))
	})
	if err != nil {
		return nil, "", err
	}
	session, err := r.Accounts.StartSession(ctx, u.ID)
	if err != nil {
		return nil, "", err
	}
	return u, session, nil
}

func (r *Recovery) passwordChanged(u *User) Message {
	return r.Mail.compose(letter{
		Kind: "password_changed", To: u.Email, UserID: &u.ID, Subject: "Your password was changed",
		Greeting: greeting(u.Name),
		Before:   []string{"The password for your " + r.Mail.Partnership + " training account was changed, and every other device signed in to it was signed out."},
		After:    []string{"If you did not do this, reset your password now from the sign-in page and tell " + r.Mail.HelpContact + "."},
	})
}

// ChangePassword changes a signed-in person's password: the current one
// must be right (EINVALID on "current_password" otherwise) and the new one
// meet the policy. Every other session of the account ends; keepHash is the
// hash of the session making the change, which stays.
func (r *Recovery) ChangePassword(ctx context.Context, u *User, keepHash, current, password string) error {
	if current == "" || len(current) > 1024 {
		return Invalid([]FieldError{{Field: "current_password", Message: "Enter your current password correctly"}})
	}
	if ok, err := r.Accounts.Hashing.Check(ctx, u.PasswordHash, current); err != nil {
		return err
	} else if !ok {
		return Invalid([]FieldError{{Field: "current_password", Message: "Enter your current password correctly"}})
	}
	if msg := PasswordProblem(password, u.Email, u.Name); msg != "" {
		return Invalid([]FieldError{{Field: "password", Message: msg}})
	}
	if current == password {
		return Invalid([]FieldError{{Field: "password", Message: "Choose a new password that is different from your current one"}})
	}
	now := r.Now()
	hash, err := r.Accounts.Hashing.Hash(ctx, password)
	if err != nil {
		return err
	}
	return r.Store.InTx(ctx, func(tx Store) error {
		as := tx.(AccountStore)
		if err := as.SetPassword(ctx, u.ID, hash, now); err != nil {
			return err
		}
		if err := as.DeleteUserSessions(ctx, u.ID, keepHash); err != nil {
			return err
		}
		if err := as.AddAudit(ctx, &AuditEntry{ActorID: u.ID, Action: "changed own password", SubjectUserID: &u.ID, CreatedAt: now}); err != nil {
			return err
		}
		return r.Mail.Queue(ctx, tx, r.passwordChanged(u))
	})
}

// AssistedReset creates a one-time reset link for a learner who cannot
// receive email, for a coordinator to pass on. The link is returned once
// and never stored (only its hash); creating it is audited.
func (r *Recovery) AssistedReset(ctx context.Context, actor *User, learnerID int64) (string, error) {
	if !mayCoordinate(actor) {
		return "", forbidden()
	}
	if learnerID == actor.ID {
		return "", Errorf(EFORBIDDEN, "Change your own password from Your details.")
	}
	u, err := r.Store.UserByID(ctx, learnerID)
	if err != nil {
		return "", err
	}
	if u.Has(RoleAdmin) && !actor.Has(RoleAdmin) {
		return "", Errorf(EFORBIDDEN, "Only an administrator can create a reset link for an administrator.")
	}
	now := r.Now()
	token, t := newToken(TokenReset, u.ID, "", now, AssistedResetTTL)
	err = r.Store.InTx(ctx, func(tx Store) error {
		as := tx.(AccountStore)
		if err := as.CreateToken(ctx, t); err != nil {
			return err
		}
		return as.AddAudit(ctx, &AuditEntry{ActorID: actor.ID, Action: "created a password reset link", SubjectUserID: &learnerID, CreatedAt: now})
	})
	if err != nil {
		return "", fmt.Errorf("create assisted reset for user %d: %w", learnerID, err)
	}
	return resetURL(r.Mail, token), nil
}
