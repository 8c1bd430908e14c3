package app

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ExternalAccount is who an outside issuer says signed in, after app/oidc
// or app/lti verified its token. Method, Issuer and Subject are the key.
type ExternalAccount struct {
	Method  string `json:"method"` // MethodOIDC or MethodLTI
	Issuer  string `json:"issuer"`
	Subject string `json:"subject"`
	Label   string `json:"label"` // what people call the issuer, shown to coordinators
	Name    string `json:"name"`  // as the issuer sends them; either may be empty
	Email   string `json:"email"`
	// EmailVerified says the issuer vouches that the person receives mail
	// at Email.
	EmailVerified bool `json:"email_verified"`
	// OrganisationID places a new account (0: the person is asked once).
	OrganisationID int64 `json:"organisation_id"`
	// Next is the local path to land on after sign-in ("": the usual page).
	Next string `json:"next"`
}

// Steps before an outside sign-in can finish.
const (
	// StepLink: an account here already has that email. Its owner proves
	// it is theirs (its password) before the identity is linked to it: an
	// issuer's say-so never takes over an account.
	StepLink = "link"
	// StepSetup: a new account needs what the issuer did not send
	// (organisation, job role; name or email if missing).
	StepSetup = "setup"
)

// PendingTTL is how long a pending step waits for the person.
const PendingTTL = 30 * time.Minute

// ExternalOutcome is where an outside sign-in got to: signed in (Token),
// or waiting for a step (Pending, Step).
type ExternalOutcome struct {
	User    *User
	Token   string // the session cookie token, when signed in
	Created bool   // the account was made by this sign-in
	Next    string
	Pending string // the token for the next step, when not signed in
	Step    string // StepLink or StepSetup
}

// PendingSignIn is an outside sign-in waiting for its step, kept in the
// database (any instance may get the next request) for PendingTTL, used
// once. UserID is the account to link, for StepLink.
type PendingSignIn struct {
	TokenHash string
	Step      string
	Account   ExternalAccount
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// PendingStore keeps pending outside sign-ins. TakePendingSignIn deletes
// and returns a live one (ENOTFOUND if it is gone, expired or taken), so
// only one request can finish it.
type PendingStore interface {
	AddPendingSignIn(ctx context.Context, p *PendingSignIn) error
	PendingSignIn(ctx context.Context, tokenHash string, now time.Time) (*PendingSignIn, error)
	TakePendingSignIn(ctx context.Context, tokenHash string, now time.Time) (*PendingSignIn, error)
}

// ExternalSetup is what a person adds to finish a first outside sign-in.
type ExternalSetup struct {
	Name           string
	Email          string // only used when the issuer sent none
	OrganisationID int64
	JobRole        string
	ManagerEmail   string

	// emailAsGiven: a typed email counts as verified (no mail is sent by
	// this service, so none can be proved). Set by EmailVerification.
	emailAsGiven bool
}

var errPendingGone = Errorf(ENOTFOUND, "This sign-in has expired or has already been used. Start again from the sign-in page.")

func (e ExternalAccount) check() error {
	if (e.Method != MethodOIDC && e.Method != MethodLTI) || e.Issuer == "" || e.Subject == "" ||
		len(e.Issuer) > 1024 || len(e.Subject) > 1024 || len(e.Label) > 200 {
		return fmt.Errorf("external account: method %q, issuer or subject missing or too long", e.Method)
	}
	return nil
}

// usableEmail is the issuer's email if it could be an account's address.
func (e ExternalAccount) usableEmail() string {
	email := strings.TrimSpace(e.Email)
	if emailProblem(email) != "" {
		return ""
	}
	return email
}

// SignInExternal signs in the subject an issuer vouched for. A subject
// linked to an account signs in to it. Otherwise, if an account already
// has the issuer's email, its owner is asked to prove it (StepLink);
// otherwise a new account is made straight away when the issuer gave a
// usable name, email and organisation, or after the person adds what is
// missing (StepSetup). Sessions are the same as a password's.
func (a *Accounts) SignInExternal(ctx context.Context, ext ExternalAccount) (*ExternalOutcome, error) {
	if err := ext.check(); err != nil {
		return nil, err
	}
	for try := 0; ; try++ {
		out, err := a.signInExternal(ctx, ext)
		// Two first sign-ins at once: the second finds what the first made.
		if ErrorCode(err) == ECONFLICT && try == 0 {
			continue
		}
		return out, err
	}
}

func (a *Accounts) signInExternal(ctx context.Context, ext ExternalAccount) (*ExternalOutcome, error) {
	now := a.Now()
	u, err := a.Store.UserByIdentity(ctx, ext.Method, ext.Issuer, ext.Subject)
	switch ErrorCode(err) {
	case "":
		if err := a.Store.TouchIdentity(ctx, ext.Method, ext.Issuer, ext.Subject, now); err != nil {
			return nil, fmt.Errorf("touch identity: %w", err)
		}
		return a.externalSession(ctx, u, ext, false)
	case ENOTFOUND:
	default:
		return nil, fmt.Errorf("look up identity: %w", err)
	}
	email := ext.usableEmail()
	if email != "" {
		owner, err := a.Store.UserByEmail(ctx, NormaliseEmail(email))
		switch ErrorCode(err) {
		case "":
			// The owner may be the account a sign-in of the same subject
			// made a moment ago (its user and identity commit together).
			if u, err := a.Store.UserByIdentity(ctx, ext.Method, ext.Issuer, ext.Subject); err == nil {
				return a.externalSession(ctx, u, ext, false)
			}
			return a.pend(ctx, StepLink, ext, owner.ID)
		case ENOTFOUND:
		default:
			return nil, fmt.Errorf("look up user by email: %w", err)
		}
	}
	name, problem := PrintableName(ext.Name)
	orgs, err := a.Store.Organisations(ctx)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	if email == "" || problem != "" || name == "" || !hasOrganisation(orgs, ext.OrganisationID) {
		return a.pend(ctx, StepSetup, ext, 0)
	}
	u = a.externalUser(ext, name, email, ext.OrganisationID, "", "", now)
	if err := a.createExternal(ctx, u, ext, now); err != nil {
		return nil, err
	}
	return a.externalSession(ctx, u, ext, true)
}

func hasOrganisation(orgs []Organisation, id int64) bool {
	for _, o := range orgs {
		if o.ID == id {
			return true
		}
	}
	return false
}

func (a *Accounts) externalUser(ext ExternalAccount, name, email string, orgID int64, jobRole, manager string, now time.Time) *User {
	u := &User{Name: name, Email: email, EmailNorm: NormaliseEmail(email), PasswordHash: NoPasswordHash(),
		OrganisationID: orgID, JobRole: jobRole, ManagerEmail: NormaliseEmail(manager),
		Roles: []string{RoleLearner}, CreatedAt: now}
	if ext.EmailVerified && NormaliseEmail(ext.Email) == u.EmailNorm {
		u.EmailVerifiedAt = &now
	}
	return u
}

func (a *Accounts) createExternal(ctx context.Context, u *User, ext ExternalAccount, now time.Time) error {
	id := &Identity{Method: ext.Method, Issuer: ext.Issuer, Subject: ext.Subject, Label: ext.Label, CreatedAt: now, LastUsedAt: now}
	if err := a.Store.CreateUserWithIdentity(ctx, u, id); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return err
		}
		return fmt.Errorf("create user with %s identity: %w", ext.Method, err)
	}
	a.event("account created", "user_id", u.ID, "method", ext.Method)
	return nil
}

func (a *Accounts) externalSession(ctx context.Context, u *User, ext ExternalAccount, created bool) (*ExternalOutcome, error) {
	token, err := a.StartSession(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	a.event("signed in", "user_id", u.ID, "method", ext.Method)
	return &ExternalOutcome{User: u, Token: token, Created: created, Next: ext.Next}, nil
}

func (a *Accounts) pend(ctx context.Context, step string, ext ExternalAccount, userID int64) (*ExternalOutcome, error) {
	token, hash := NewSessionToken()
	now := a.Now()
	p := &PendingSignIn{TokenHash: hash, Step: step, Account: ext, UserID: userID, CreatedAt: now, ExpiresAt: now.Add(PendingTTL)}
	if err := a.Store.AddPendingSignIn(ctx, p); err != nil {
		return nil, fmt.Errorf("keep pending %s sign-in: %w", ext.Method, err)
	}
	return &ExternalOutcome{Pending: token, Step: step, Next: ext.Next}, nil
}

// PendingSignIn returns a live pending step for its page (ENOTFOUND when
// it has expired or been used).
func (a *Accounts) PendingSignIn(ctx context.Context, token string) (*PendingSignIn, error) {
	if token == "" {
		return nil, errPendingGone
	}
	p, err := a.Store.PendingSignIn(ctx, HashToken(token), a.Now())
	if ErrorCode(err) == ENOTFOUND {
		return nil, errPendingGone
	}
	if err != nil {
		return nil, fmt.Errorf("load pending sign-in: %w", err)
	}
	return p, nil
}

// LinkWithPassword finishes StepLink: the owner of the account with the
// issuer's email signs in with its password (throttled as any sign-in),
// and the identity is linked to that account. A wrong password changes
// nothing and the step can be tried again.
func (a *Accounts) LinkWithPassword(ctx context.Context, token, password string) (*ExternalOutcome, error) {
	p, err := a.PendingSignIn(ctx, token)
	if err != nil {
		return nil, err
	}
	if p.Step != StepLink {
		return nil, errPendingGone
	}
	owner, err := a.Store.UserByID(ctx, p.UserID)
	if err != nil {
		return nil, fmt.Errorf("load account to link: %w", err)
	}
	u, session, err := a.SignIn(ctx, owner.Email, password)
	if err != nil {
		if ErrorCode(err) == EINVALID {
			return nil, Invalid([]FieldError{{Field: "password", Message: "Enter the correct password for this account"}})
		}
		return nil, err
	}
	now := a.Now()
	err = a.Store.InTx(ctx, func(tx Store) error {
		if _, err := tx.TakePendingSignIn(ctx, p.TokenHash, now); err != nil {
			return err
		}
		return tx.LinkIdentity(ctx, &Identity{UserID: u.ID, Method: p.Account.Method, Issuer: p.Account.Issuer,
			Subject: p.Account.Subject, Label: p.Account.Label, CreatedAt: now, LastUsedAt: now})
	})
	if err != nil {
		_ = a.SignOut(ctx, session)
		switch ErrorCode(err) {
		case ENOTFOUND:
			return nil, errPendingGone
		case ECONFLICT:
			return nil, Errorf(ECONFLICT, "That %s account is already linked to an account here. Sign in with it instead.", p.Account.Label)
		}
		return nil, fmt.Errorf("link identity: %w", err)
	}
	a.event("identity linked", "user_id", u.ID, "method", p.Account.Method)
	return &ExternalOutcome{User: u, Token: session, Next: p.Account.Next}, nil
}

// CompleteSetup finishes StepSetup with what the person added, checked as
// registration checks it (without a password: they sign in through the
// issuer). An email typed here that already has an account turns the step
// into StepLink; a typed email is not verified until its owner follows the
// link sent to it.
func (a *Accounts) CompleteSetup(ctx context.Context, token string, f ExternalSetup) (*ExternalOutcome, error) {
	p, err := a.PendingSignIn(ctx, token)
	if err != nil {
		return nil, err
	}
	if p.Step != StepSetup {
		return nil, errPendingGone
	}
	ext := p.Account
	email := ext.usableEmail()
	if email == "" {
		email = strings.TrimSpace(f.Email)
	}
	orgs, err := a.Store.Organisations(ctx)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	r := Registration{Name: f.Name, Email: email, OrganisationID: f.OrganisationID, JobRole: f.JobRole, ManagerEmail: f.ManagerEmail}
	if err := r.Validate(orgs); err != nil {
		fields := ErrorFields(err)
		kept := fields[:0]
		for _, fe := range fields {
			if fe.Field != "password" {
				kept = append(kept, fe)
			}
		}
		if len(kept) > 0 {
			return nil, Invalid(kept)
		}
	}
	now := a.Now()
	if owner, err := a.Store.UserByEmail(ctx, NormaliseEmail(r.Email)); err == nil {
		if _, err := a.Store.TakePendingSignIn(ctx, p.TokenHash, now); err != nil {
			return nil, errPendingGone
		}
		ext.Email = r.Email
		return a.pend(ctx, StepLink, ext, owner.ID)
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, fmt.Errorf("look up user by email: %w", err)
	}
	u := a.externalUser(ext, r.Name, r.Email, r.OrganisationID, r.JobRole, r.ManagerEmail, now)
	if u.EmailVerifiedAt == nil && f.emailAsGiven {
		u.EmailVerifiedAt = &now
	}
	err = a.Store.InTx(ctx, func(tx Store) error {
		if _, err := tx.TakePendingSignIn(ctx, p.TokenHash, now); err != nil {
			return err
		}
		id := &Identity{Method: ext.Method, Issuer: ext.Issuer, Subject: ext.Subject, Label: ext.Label, CreatedAt: now, LastUsedAt: now}
		return tx.CreateUserWithIdentity(ctx, u, id)
	})
	switch ErrorCode(err) {
	case "":
	case ENOTFOUND:
		return nil, errPendingGone
	case ECONFLICT:
		return nil, Errorf(ECONFLICT, "An account was made for this sign-in a moment ago. Start again from the sign-in page.")
	default:
		return nil, fmt.Errorf("create user with %s identity: %w", ext.Method, err)
	}
	a.event("account created", "user_id", u.ID, "method", ext.Method)
	return a.externalSession(ctx, u, ext, true)
}
