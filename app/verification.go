package app

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// CertificateAllowed is the rule that a certificate is issued only to a
// verified email address: nil when u may receive one, EFORBIDDEN with what
// to do otherwise. Learning may start before the address is verified.
func CertificateAllowed(u *User) error {
	if u.EmailVerifiedAt == nil {
		return Errorf(EFORBIDDEN, "Confirm your email address before you finish the course: your certificate can only be issued to a confirmed address. Use the link we emailed you, or send a new one from your course page.")
	}
	return nil
}

// EmailVerification proves that people receive mail at the address on their
// account: at registration, when they change it, and when a coordinator
// corrects it. Without mail (no SMTP_URL) addresses cannot be proved, so
// they are taken as given.
type EmailVerification struct {
	Store    AccountStore
	Accounts *Accounts
	Mail     *Mail
	Now      func() time.Time
}

func verifyURL(m *Mail, token string) string {
	return m.URL("/verify-email?token=" + url.QueryEscape(token))
}

// Register creates a learner account. Without mail it is Accounts.Register
// with the address taken as verified, and returns the user to sign in.
// With mail it answers the same whether or not the address already has an
// account (nil user, nil error: "check your email"): a new account gets a
// verification link, the owner of an existing one an email saying someone
// tried to register with their address.
func (v *EmailVerification) Register(ctx context.Context, r Registration) (*User, error) {
	if !v.Mail.Enabled() {
		return v.Accounts.Register(ctx, r)
	}
	if err := v.Accounts.passwordAccountAllowed(r.Email); err != nil {
		return nil, err
	}
	orgs, err := v.Store.Organisations(ctx)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	if err := r.Validate(orgs); err != nil {
		return nil, err
	}
	now := v.Now()
	hash, err := v.Accounts.Hashing.Hash(ctx, r.Password)
	if err != nil {
		return nil, err
	}
	u := &User{Name: r.Name, Email: r.Email, EmailNorm: NormaliseEmail(r.Email), PasswordHash: hash,
		OrganisationID: r.OrganisationID, JobRole: r.JobRole, ManagerEmail: NormaliseEmail(r.ManagerEmail),
		Roles: []string{RoleLearner}, CreatedAt: now}
	err = v.Store.InTx(ctx, func(tx Store) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		return v.queueVerification(ctx, tx, u, u.Email, "verify_registration")
	})
	if ErrorCode(err) == ECONFLICT {
		return nil, v.tellOwner(ctx, u.EmailNorm)
	}
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	return nil, nil
}

// tellOwner emails the owner of an address that someone tried to register
// with it.
func (v *EmailVerification) tellOwner(ctx context.Context, emailNorm string) error {
	owner, err := v.Store.UserByEmail(ctx, emailNorm)
	if err != nil {
		return fmt.Errorf("look up existing account: %w", err)
	}
	return v.Store.InTx(ctx, func(tx Store) error {
		return v.Mail.Queue(ctx, tx, v.Mail.compose(letter{
			Kind: "already_registered", To: owner.Email, UserID: &owner.ID, Subject: "You already have an account",
			Greeting: greeting(owner.Name),
			Before:   []string{"Someone tried to create a " + v.Mail.Partnership + " training account with this email address, but you already have one."},
			Action:   "Sign in", ActionURL: v.Mail.URL("/sign-in"),
			After: []string{"If you have forgotten your password, choose \"Forgotten your password?\" on the sign-in page.",
				"If this was not you, you can ignore this email: nothing has changed."},
		}))
	})
}

// queueVerification creates a verification token for address and queues
// the email with its link, inside tx.
func (v *EmailVerification) queueVerification(ctx context.Context, tx Store, u *User, address, kind string) error {
	token, t := newToken(TokenVerify, u.ID, NormaliseEmail(address), v.Now(), VerifyTokenTTL)
	if err := tx.(AccountStore).CreateToken(ctx, t); err != nil {
		return fmt.Errorf("create verification token: %w", err)
	}
	l := letter{Kind: kind, To: address, UserID: &u.ID, Subject: "Confirm your email address", Greeting: greeting(u.Name),
		Before: []string{"Confirm that this is your email address for your " + v.Mail.Partnership + " training account. Your certificate is sent to a confirmed address, and your manager sees your progress only once it is confirmed."},
		Action: "Confirm my email address", ActionURL: verifyURL(v.Mail, token),
		After: []string{"The link works once, for 48 hours.", "If you did not expect this email, you can ignore it."}}
	if kind == "verify_new_address" {
		l.Subject = "Confirm your new email address"
		l.Before = []string{"You asked to change the email address of your " + v.Mail.Partnership + " training account to this one. Confirm it to make the change."}
	}
	return v.Mail.Queue(ctx, tx, v.Mail.compose(l))
}

// CompleteSetup finishes an outside sign-in's setup step
// (Accounts.CompleteSetup). An address the person typed is proved as at
// registration: a link is sent to it; without mail it is taken as given.
func (v *EmailVerification) CompleteSetup(ctx context.Context, token string, f ExternalSetup) (*ExternalOutcome, error) {
	f.emailAsGiven = !v.Mail.Enabled()
	out, err := v.Accounts.CompleteSetup(ctx, token, f)
	if err != nil || out.Token == "" || out.User.EmailVerifiedAt != nil {
		return out, err
	}
	if err := v.ResendVerification(ctx, out.User); err != nil {
		return nil, fmt.Errorf("send verification after setup for user %d: %w", out.User.ID, err)
	}
	return out, nil
}

// ResendVerification sends a new link to a signed-in person whose address
// is not yet verified. Already verified is ECONFLICT.
func (v *EmailVerification) ResendVerification(ctx context.Context, u *User) error {
	if u.EmailVerifiedAt != nil {
		return Errorf(ECONFLICT, "Your email address is already confirmed.")
	}
	if !v.Mail.Enabled() {
		return Errorf(ECONFLICT, "This service cannot send email at the moment. Contact %s for help.", v.Mail.HelpContact)
	}
	return v.Store.InTx(ctx, func(tx Store) error { return v.queueVerification(ctx, tx, u, u.Email, "verify_registration") })
}

// CheckVerify tells the confirmation page whether a link can still be used.
func (v *EmailVerification) CheckVerify(ctx context.Context, token string) error {
	_, err := checkToken(ctx, v.Store, TokenVerify, token, v.Now())
	return err
}

// Verify follows a verification link: the address it was sent to becomes
// the account's verified address (after a change of address, the new one,
// and the old one is told). Returns the account.
func (v *EmailVerification) Verify(ctx context.Context, token string) (*User, error) {
	now := v.Now()
	var u *User
	err := v.Store.InTx(ctx, func(tx Store) error {
		as := tx.(AccountStore)
		t, err := useToken(ctx, as, TokenVerify, token, now)
		if err != nil {
			return err
		}
		if u, err = as.UserByID(ctx, t.UserID); err != nil {
			return tokenError(ENOTFOUND)
		}
		if t.Email == u.EmailNorm {
			if err := as.SetEmailVerified(ctx, u.ID, u.EmailNorm, now); err != nil {
				return err
			}
			u.EmailVerifiedAt = &now
			return v.Mail.ManagerNamed(ctx, tx, u) // now that managers can see them
		}
		// A change of address: the new one is proved by this very link.
		old := u.Email
		if err := as.ChangeEmail(ctx, u.ID, t.Email, &now); err != nil {
			if ErrorCode(err) == ECONFLICT {
				return Errorf(ECONFLICT, "Another account now uses that email address, so yours has not been changed.")
			}
			return err
		}
		if err := as.AddAudit(ctx, &AuditEntry{ActorID: u.ID, Action: "changed own email address", SubjectUserID: &u.ID, CreatedAt: now}); err != nil {
			return err
		}
		u.Email, u.EmailNorm, u.EmailVerifiedAt = t.Email, t.Email, &now
		return v.Mail.Queue(ctx, tx, v.Mail.compose(letter{
			Kind: "email_changed", To: old, UserID: &u.ID, Subject: "Your email address was changed", Greeting: greeting(u.Name),
			Before: []string{"The email address of your " + v.Mail.Partnership + " training account was changed to " + maskEmail(t.Email) + ". Emails about your training now go there."},
			After:  []string{"If you did not do this, contact " + v.Mail.HelpContact + " straight away."},
		}))
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// maskEmail shows enough of an address to recognise it: "s***@example.org".
func maskEmail(e string) string {
	at := strings.LastIndexByte(e, '@')
	if at < 1 {
		return "***"
	}
	return e[:1] + "***" + e[at:]
}

// RequestEmailChange starts a change of a signed-in person's address: the
// current password must be right, and a link goes to the new address; the
// account keeps its old address until the link is followed. If the new
// address already has an account, its owner is told instead; the answer is
// the same.
func (v *EmailVerification) RequestEmailChange(ctx context.Context, u *User, newEmail, password string) error {
	newEmail = strings.TrimSpace(newEmail)
	var f []FieldError
	if msg := emailProblem(newEmail); msg != "" {
		f = append(f, FieldError{"email", msg})
	} else if NormaliseEmail(newEmail) == u.EmailNorm {
		f = append(f, FieldError{"email", "Enter a different email address from your current one"})
	}
	if ok, err := v.Accounts.Hashing.Check(ctx, u.PasswordHash, password); err != nil {
		return err
	} else if password == "" || len(password) > 1024 || !ok {
		f = append(f, FieldError{"current_password", "Enter your current password correctly"})
	}
	if err := Invalid(f); err != nil {
		return err
	}
	if !v.Mail.Enabled() {
		return Errorf(ECONFLICT, "This service cannot send email at the moment, so your address cannot be changed here. Contact %s to change it.", v.Mail.HelpContact)
	}
	if _, err := v.Store.UserByEmail(ctx, NormaliseEmail(newEmail)); err == nil {
		return v.tellOwner(ctx, NormaliseEmail(newEmail))
	} else if ErrorCode(err) != ENOTFOUND {
		return err
	}
	return v.Store.InTx(ctx, func(tx Store) error { return v.queueVerification(ctx, tx, u, newEmail, "verify_new_address") })
}

// CorrectEmail lets a coordinator correct a learner's address (a typing
// mistake at registration, a new employer). The new address is unverified
// until its owner follows the link sent to it; the change is audited.
func (v *EmailVerification) CorrectEmail(ctx context.Context, actor *User, learnerID int64, email string) error {
	if !mayCoordinate(actor) {
		return forbidden()
	}
	email = strings.TrimSpace(email)
	if msg := emailProblem(email); msg != "" {
		return Invalid([]FieldError{{Field: "email", Message: msg}})
	}
	u, err := v.Store.UserByID(ctx, learnerID)
	if err != nil {
		return err
	}
	if u.Has(RoleAdmin) && !actor.Has(RoleAdmin) {
		return Errorf(EFORBIDDEN, "Only an administrator can change an administrator's email address.")
	}
	if NormaliseEmail(email) == u.EmailNorm && u.Email == email {
		return nil
	}
	now := v.Now()
	var verifiedAt *time.Time
	if !v.Mail.Enabled() {
		verifiedAt = &now // cannot be proved by email: taken on the coordinator's word
	}
	return v.Store.InTx(ctx, func(tx Store) error {
		as := tx.(AccountStore)
		if err := as.ChangeEmail(ctx, learnerID, email, verifiedAt); err != nil {
			if ErrorCode(err) == ECONFLICT {
				return Invalid([]FieldError{{Field: "email", Message: "Another account already uses that email address"}})
			}
			return err
		}
		if err := as.AddAudit(ctx, &AuditEntry{ActorID: actor.ID, Action: "corrected email address", SubjectUserID: &learnerID,
			Detail: u.Email + " → " + email, CreatedAt: now}); err != nil {
			return err
		}
		u.Email, u.EmailNorm = email, NormaliseEmail(email)
		return v.queueVerification(ctx, tx, u, email, "verify_registration")
	})
}
