package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"
)

// OIDCState is one sign-in under way at a provider, kept in the database
// from the redirect to the provider until its answer: ten minutes at most,
// used once, and only in the browser that started it.
type OIDCState struct {
	StateHash   string // hash of the state parameter
	BrowserHash string // hash of the cookie that ties it to the browser that started it
	Provider    string // provider ID
	Nonce       string // the nonce the ID token must carry
	Verifier    string // the PKCE code verifier
	Next        string // local path to land on afterwards
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// OIDCStateStore keeps sign-ins under way. Only OIDCSignIn calls it.
type OIDCStateStore interface {
	// SaveOIDCState records a sign-in under way, and deletes those that
	// expired before its CreatedAt.
	SaveOIDCState(ctx context.Context, st *OIDCState) error
	// TakeOIDCState deletes and returns the live state with that hash
	// started in the browser with that hash: of two requests racing for
	// it, one gets it. ENOTFOUND when there is none (unknown, used,
	// expired or started in another browser), and then nothing changes.
	TakeOIDCState(ctx context.Context, stateHash, browserHash string, now time.Time) (*OIDCState, error)
}

// OIDCClaims are what a provider vouched for about who signed in, read
// from a verified ID token and, where it leaves them out, its UserInfo.
type OIDCClaims struct {
	Subject       string
	Name          string
	Email         string
	EmailVerified bool // email_verified was true
}

// OIDCProtocol speaks OpenID Connect to the configured providers
// (app/oidc). Only OIDCSignIn calls it.
type OIDCProtocol interface {
	// AuthCodeURL is where to send the browser to sign in, asking for an
	// authorization code bound to the state, the nonce and the PKCE
	// challenge (S256) of verifier. EUNAVAILABLE when the provider cannot
	// be reached.
	AuthCodeURL(ctx context.Context, providerID, state, nonce, verifier string) (string, error)
	// Verify exchanges the code with the PKCE verifier and verifies the ID
	// token: signature with a key from the provider's key set, issuer,
	// audience, expiry, and nonce. EFORBIDDEN when the provider's answer
	// is refused, EUNAVAILABLE when the provider cannot be reached.
	Verify(ctx context.Context, providerID, code, verifier, nonce string) (*OIDCClaims, error)
}

// OIDCStateTTL is how long a sign-in at a provider may take.
const OIDCStateTTL = 10 * time.Minute

// OIDCSignIn signs people in through their organisation's OpenID
// provider: it starts the authorization code flow and, when the provider
// answers, checks the answer against what was started and the provider's
// rules before handing the account to Accounts.SignInExternal.
type OIDCSignIn struct {
	Providers []OIDCProvider
	Protocol  OIDCProtocol
	States    OIDCStateStore
	Accounts  *Accounts // signs the account in, and finds organisations by name
	Now       func() time.Time
	// Log receives refusals at info level, with the provider and reason
	// only: never a token, code, email or name.
	Log *slog.Logger
}

// Provider returns the configured provider with that ID; ENOTFOUND when
// none.
func (o *OIDCSignIn) Provider(id string) (*OIDCProvider, error) {
	if o != nil {
		for i := range o.Providers {
			if o.Providers[i].ID == id {
				return &o.Providers[i], nil
			}
		}
	}
	return nil, Errorf(ENOTFOUND, "There is no such way to sign in.")
}

// ProvidersFor lists the configured providers for an administrator's
// settings page (there is nothing secret in them: client secrets never
// leave app/oidc). EFORBIDDEN for anyone else.
func (o *OIDCSignIn) ProvidersFor(u *User) ([]OIDCProvider, error) {
	if !u.Has(RoleAdmin) {
		return nil, Errorf(EFORBIDDEN, "Only administrators can see how sign-in is set up.")
	}
	if o == nil {
		return nil, nil
	}
	return o.Providers, nil
}

// randomValue is 32 random bytes in base64url: states, nonces, PKCE
// verifiers (43 characters, as RFC 7636 asks) and browser cookies.
func randomValue() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewOIDCBrowser is a new value for the cookie that ties sign-ins under
// way to one browser.
func NewOIDCBrowser() string { return randomValue() }

// Start begins a sign-in at the provider for the browser whose cookie is
// browser, and returns the URL to send it to. next is a local path,
// already checked by the caller. ENOTFOUND for an unknown provider,
// EUNAVAILABLE when it cannot be reached.
func (o *OIDCSignIn) Start(ctx context.Context, providerID, browser, next string) (string, error) {
	p, err := o.Provider(providerID)
	if err != nil {
		return "", err
	}
	if len(browser) < 32 {
		return "", fmt.Errorf("start sign-in at %s: browser cookie missing", p.ID)
	}
	state, nonce, verifier := randomValue(), randomValue(), randomValue()
	to, err := o.Protocol.AuthCodeURL(ctx, p.ID, state, nonce, verifier)
	if err != nil {
		if ErrorCode(err) == EUNAVAILABLE {
			o.warn("oidc provider unreachable", "provider", p.ID, "err", err)
			return "", o.unreachable(p)
		}
		return "", fmt.Errorf("start sign-in at %s: %w", p.ID, err)
	}
	now := o.Now()
	st := &OIDCState{StateHash: HashToken(state), BrowserHash: HashToken(browser), Provider: p.ID, Nonce: nonce,
		Verifier: verifier, Next: next, CreatedAt: now, ExpiresAt: now.Add(OIDCStateTTL)}
	if err := o.States.SaveOIDCState(ctx, st); err != nil {
		return "", fmt.Errorf("save sign-in state for %s: %w", p.ID, err)
	}
	return to, nil
}

func (o *OIDCSignIn) unreachable(p *OIDCProvider) error {
	return &Error{Code: EUNAVAILABLE, RetryAfter: 30 * time.Second, Message: "We could not reach " + p.Name +
		" to sign you in. Try again in a few minutes, or sign in with your email address and password."}
}

// OIDCAnswer is what the provider sent back to the callback.
type OIDCAnswer struct {
	State, Code string
	Error       string // the error parameter (access_denied …), when it did not sign the person in
}

// refuse is the EFORBIDDEN error a refused answer gets: the reason goes
// to the log, the message to the person.
func (o *OIDCSignIn) refuse(p *OIDCProvider, reason, message string) error {
	o.event("oidc sign-in refused", "provider", p.ID, "reason", reason)
	return &Error{Code: EFORBIDDEN, Message: message}
}

var oauthErrorPattern = regexp.MustCompile(`^[a-z_]{1,40}$`)

// Finish completes a sign-in when the provider sends the browser back:
// the state must be one this browser started at this provider, unused and
// under ten minutes old; the ID token must verify and carry its nonce; an
// email is taken only when the provider vouches for it (or the provider
// is trusted to, TrustEmail), and must be in the allowed domains. Then
// the account is signed in, made or sent to the next step by
// Accounts.SignInExternal. Anything refused is EFORBIDDEN with a message
// for the person, and changes nothing but spending the state.
// EUNAVAILABLE when the provider cannot be reached.
func (o *OIDCSignIn) Finish(ctx context.Context, providerID, browser string, ans OIDCAnswer) (*ExternalOutcome, error) {
	p, err := o.Provider(providerID)
	if err != nil {
		return nil, err
	}
	startAgain := "Go back to the sign-in page and try again."
	if ans.State == "" || len(ans.State) > 200 {
		return nil, o.refuse(p, "no state", "This sign-in did not start here, or its link is incomplete. "+startAgain)
	}
	st, err := o.States.TakeOIDCState(ctx, HashToken(ans.State), HashToken(browser), o.Now())
	if ErrorCode(err) == ENOTFOUND {
		return nil, o.refuse(p, "unknown, used or expired state",
			"This sign-in has expired, was already used, or was started in another browser. "+startAgain)
	}
	if err != nil {
		return nil, fmt.Errorf("take sign-in state for %s: %w", p.ID, err)
	}
	if st.Provider != p.ID {
		return nil, o.refuse(p, "state from another provider", "This sign-in was started with another provider. "+startAgain)
	}
	if ans.Error != "" {
		reason := "provider error"
		if oauthErrorPattern.MatchString(ans.Error) {
			reason += " " + ans.Error
		}
		return nil, o.refuse(p, reason, p.Name+" did not sign you in. "+startAgain+
			" If it keeps happening, sign in with your email address and password, or ask your IT service desk.")
	}
	if ans.Code == "" || len(ans.Code) > 4096 {
		return nil, o.refuse(p, "no code", p.Name+" sent back an incomplete answer. "+startAgain)
	}
	claims, err := o.Protocol.Verify(ctx, p.ID, ans.Code, st.Verifier, st.Nonce)
	switch ErrorCode(err) {
	case "":
	case EUNAVAILABLE:
		o.warn("oidc provider unreachable", "provider", p.ID, "err", err)
		return nil, o.unreachable(p)
	case EFORBIDDEN:
		return nil, o.refuse(p, ErrorMessage(err), "We could not confirm who you are with "+p.Name+
			", so you have not been signed in. "+startAgain)
	default:
		return nil, fmt.Errorf("verify sign-in at %s: %w", p.ID, err)
	}
	ext, err := o.account(ctx, p, claims)
	if err != nil {
		return nil, err
	}
	ext.Next = st.Next
	return o.Accounts.SignInExternal(ctx, *ext)
}

// account applies the provider's rules to what it vouched for.
func (o *OIDCSignIn) account(ctx context.Context, p *OIDCProvider, c *OIDCClaims) (*ExternalAccount, error) {
	if c.Subject == "" || len(c.Subject) > 255 {
		return nil, o.refuse(p, "no subject", "We could not confirm who you are with "+p.Name+", so you have not been signed in.")
	}
	email := strings.TrimSpace(c.Email)
	verified := email != "" && (c.EmailVerified || p.TrustEmail) && len(email) <= 254 && TextProblem(email) == "" &&
		strings.Count(email, "@") == 1 && emailDomain(email) != ""
	if len(p.Domains) > 0 {
		if !verified {
			return nil, o.refuse(p, "email not verified", p.Name+" did not confirm your work email address, so you have not been signed in. "+
				"Ask your IT service desk to check your account, or sign in with your email address and password.")
		}
		if !p.Allows(email) {
			return nil, o.refuse(p, "email domain not allowed", "Your "+p.Name+" account\u2019s email address is not one of the organisations that sign in here with "+
				p.Name+". Sign in with your email address and password instead, or create an account.")
		}
	}
	if !verified {
		email = "" // asked for, and confirmed, in the next step
	}
	name := strings.TrimSpace(c.Name)
	if len(name) > 200 || TextProblem(name) != "" {
		name = ""
	}
	ext := &ExternalAccount{Method: MethodOIDC, Issuer: p.Issuer, Subject: c.Subject, Label: p.Name,
		Name: name, Email: email, EmailVerified: email != ""}
	if email != "" {
		id, err := o.organisationID(ctx, p.OrganisationFor(email))
		if err != nil {
			return nil, err
		}
		if id == 0 && p.OrganisationFor(email) != "" {
			o.event("oidc organisation not found", "provider", p.ID)
		}
		ext.OrganisationID = id
	}
	return ext, nil
}

// organisationID finds an organisation by name (case aside); 0 when the
// name is empty or no longer exists (renamed or merged), and then the
// learner is asked.
func (o *OIDCSignIn) organisationID(ctx context.Context, name string) (int64, error) {
	if name == "" {
		return 0, nil
	}
	orgs, err := o.Accounts.Store.Organisations(ctx)
	if err != nil {
		return 0, fmt.Errorf("list organisations: %w", err)
	}
	for _, org := range orgs {
		if strings.EqualFold(org.Name, name) {
			return org.ID, nil
		}
	}
	return 0, nil
}

func (o *OIDCSignIn) warn(msg string, args ...any) {
	if o.Log != nil {
		o.Log.Warn(msg, args...)
	}
}

func (o *OIDCSignIn) event(msg string, args ...any) {
	if o.Log != nil {
		o.Log.Info(msg, args...)
	}
}
