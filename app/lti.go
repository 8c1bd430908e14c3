package app

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// LTI message types and the one version this tool speaks (LTI 1.3 Core).
const (
	LTIResourceLinkRequest = "LtiResourceLinkRequest"
	LTIDeepLinkingRequest  = "LtiDeepLinkingRequest"
	LTIVersion             = "1.3.0"
	// LTIScoreScope is the AGS scope a tool needs to post scores.
	LTIScoreScope = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
)

// Paths of the tool's endpoints, which an administrator copies into the
// platform.
const (
	LTILoginPath  = "/lti/login"
	LTILaunchPath = "/lti/launch"
	LTIKeySetPath = "/.well-known/jwks.json"
)

// LTILoginTTL is how long a login's state and nonce stay usable: the
// platform answers the authentication request within seconds.
const LTILoginTTL = 10 * time.Minute

// LTIScoreAttempts is how many times a score is offered to the platform
// before it is marked failed: River's back-off (attempt⁴ seconds) spreads
// sixteen attempts over about two days, so a platform down for a weekend
// morning still gets every score.
const LTIScoreAttempts = 16

// LTIPlatform is a learning management system registered by an
// administrator: it may launch the course and receives scores. The issuer
// and client ID together name it.
type LTIPlatform struct {
	ID            int64
	Name          string // shown to learners' coordinators: "City Council Moodle"
	Issuer        string // the platform's "iss" (Moodle: its site URL)
	ClientID      string // the client ID the platform gave this tool
	DeploymentIDs []string
	AuthURL       string // OIDC authentication request URL
	TokenURL      string // OAuth 2 access token URL
	KeySetURL     string // the platform's public JWK Set
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// HasDeployment reports whether id is one of the platform's deployments.
func (p *LTIPlatform) HasDeployment(id string) bool {
	for _, d := range p.DeploymentIDs {
		if d == id {
			return true
		}
	}
	return false
}

// LTIPlatformForm is the administrator's platform form as posted.
// Deployment IDs are one a line (commas also separate them).
type LTIPlatformForm struct {
	Name, Issuer, ClientID, DeploymentIDs, AuthURL, TokenURL, KeySetURL string
}

// Parse checks the form: every field required, the addresses absolute
// https URLs (http only for a platform on this machine, as in tests).
// Returns EINVALID naming each field.
func (f LTIPlatformForm) Parse() (*LTIPlatform, error) {
	e := &Error{Code: EINVALID, Message: "Correct the platform's details."}
	add := func(field, msg string) { e.Fields = append(e.Fields, FieldError{Field: field, Message: msg}) }
	p := &LTIPlatform{Name: strings.TrimSpace(f.Name), Issuer: strings.TrimSpace(f.Issuer), ClientID: strings.TrimSpace(f.ClientID),
		AuthURL: strings.TrimSpace(f.AuthURL), TokenURL: strings.TrimSpace(f.TokenURL), KeySetURL: strings.TrimSpace(f.KeySetURL)}
	switch n := utf8.RuneCountInString(p.Name); {
	case n == 0:
		add("name", "Enter a name for the platform, as coordinators will see it")
	case n > 100:
		add("name", "The name must be 100 characters or fewer")
	}
	if !platformURL(p.Issuer) {
		add("issuer", "Enter the platform ID (issuer) as a full address starting with https://")
	}
	switch n := len(p.ClientID); {
	case n == 0:
		add("client_id", "Enter the client ID the platform gave this tool")
	case n > 255:
		add("client_id", "The client ID must be 255 characters or fewer")
	}
	seen := map[string]bool{}
	for _, d := range strings.FieldsFunc(f.DeploymentIDs, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		if d = strings.TrimSpace(d); d != "" && !seen[d] && len(d) <= 255 {
			seen[d] = true
			p.DeploymentIDs = append(p.DeploymentIDs, d)
		}
	}
	if len(p.DeploymentIDs) == 0 {
		add("deployment_ids", "Enter at least one deployment ID")
	}
	for _, u := range []struct{ field, value, what string }{
		{"auth_url", p.AuthURL, "authentication request URL"},
		{"token_url", p.TokenURL, "access token URL"},
		{"keyset_url", p.KeySetURL, "public keyset URL"},
	} {
		if !platformURL(u.value) {
			add(u.field, "Enter the "+u.what+" as a full address starting with https://")
		}
	}
	if len(e.Fields) > 0 {
		return nil, e
	}
	return p, nil
}

// platformURL accepts an absolute https URL without credentials, or http
// for a platform on this machine.
func platformURL(s string) bool {
	if len(s) > 2000 {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		ip := net.ParseIP(h)
		return h == "localhost" || (ip != nil && ip.IsLoopback())
	}
	return false
}

// LTILoginRequest is a platform's third-party initiated login, as sent.
type LTILoginRequest struct {
	Issuer, LoginHint, TargetLinkURI, MessageHint, ClientID, DeploymentID string
}

// LTIState is one login in flight: the state and nonce sent to the
// platform, bound to the browser that started it. Hashes only are kept.
type LTIState struct {
	StateHash   string
	BrowserHash string // hash of the secret in the browser's cookie
	Nonce       string
	PlatformID  int64
	ExpiresAt   time.Time
}

// LTILoginStart is where Login sends the browser: the platform's
// authentication request, with the secret to keep in a cookie named for
// the state.
type LTILoginStart struct {
	RedirectURL   string
	CookieName    string
	BrowserSecret string
}

// LTIMessage is what a verified launch (an LTI id_token) says.
type LTIMessage struct {
	MessageType    string
	Issuer         string
	Subject        string
	DeploymentID   string
	Nonce          string
	TargetLinkURI  string
	Name, Email    string
	Roles          []string
	ResourceLinkID string
	ResourceTitle  string
	ContextID      string
	ContextTitle   string
	// Assignment and Grade Services: the line item for this resource
	// link (if the platform made one), its line items and the scopes
	// granted.
	LineItem  string
	LineItems string
	Scopes    []string
	// Deep Linking.
	DeepLinkReturnURL string
	DeepLinkData      string
	AcceptTypes       []string
}

// CanScore reports whether the launch gave a line item to post scores to.
func (m *LTIMessage) CanScore() bool {
	if m.LineItem == "" {
		return false
	}
	for _, s := range m.Scopes {
		if s == LTIScoreScope {
			return true
		}
	}
	return false
}

// MayChooseContent reports whether the launch is from someone who may
// add content at the platform: an instructor, content developer or
// administrator (LIS roles, context or institution or system).
func (m *LTIMessage) MayChooseContent() bool {
	for _, r := range m.Roles {
		for _, ok := range []string{"Instructor", "ContentDeveloper", "Administrator"} {
			if r == ok || strings.HasSuffix(r, "#"+ok) || strings.HasSuffix(r, "/"+ok) {
				return true
			}
		}
	}
	return false
}

// LTILaunch is a subject's latest launch from a platform: the resource
// link and the line item their scores go to. It is kept by platform and
// subject and reaches the learner through their identity (app.Identity),
// so a launch made before the account existed still counts.
type LTILaunch struct {
	UserID         int64 // filled in by LTILaunches
	PlatformID     int64
	Subject        string
	DeploymentID   string
	ResourceLinkID string
	ContextID      string
	LineItem       string // empty: the platform takes no scores for this link
	LineItems      string
	Scopes         []string
	LaunchedAt     time.Time
}

// LTIScore statuses.
const (
	LTIScoreQueued   = "queued"
	LTIScoreRetrying = "retrying"
	LTIScoreSent     = "sent"
	LTIScoreFailed   = "failed"
)

// LTIScore is one score owed to a platform: one per learner, platform and
// event, so an event is never scored twice.
type LTIScore struct {
	ID               int64
	UserID           int64
	PlatformID       int64
	Event            string // "module:<id>:cycle:<n>" or "course:cycle:<n>"
	LineItem         string
	Subject          string // the learner's "sub" at the platform (AGS userId)
	Given, Maximum   float64
	ActivityProgress string // Initialized, Started, InProgress, Submitted, Completed
	GradingProgress  string // FullyGraded, Pending, PendingManual, Failed, NotReady
	Timestamp        time.Time
	Status           string
	Attempts         int
	LastError        string
	SentAt           *time.Time
}

// LTIContentItem is what a Deep Linking response offers the platform.
type LTIContentItem struct {
	Title, Text, URL string
	ScoreMaximum     float64
	Label            string
}

// LTIStore keeps platforms, logins in flight, launches and scores.
// Implemented by app/store; only LTI calls it. ENOTFOUND for a missing
// platform or state, ECONFLICT for a second platform with the same issuer
// and client ID.
type LTIStore interface {
	LTIPlatforms(ctx context.Context) ([]LTIPlatform, error)
	LTIPlatform(ctx context.Context, id int64) (*LTIPlatform, error)
	// LTIPlatformsByIssuer lists the platforms with that issuer, and that
	// client ID unless clientID is empty.
	LTIPlatformsByIssuer(ctx context.Context, issuer, clientID string) ([]LTIPlatform, error)
	// SaveLTIPlatform creates (ID 0) or updates a platform's fields and
	// writes the audit entry, in one transaction.
	SaveLTIPlatform(ctx context.Context, p *LTIPlatform, audit *AuditEntry) error
	// SaveLTIState records a login in flight.
	SaveLTIState(ctx context.Context, st *LTIState) error
	// LTIState returns an unexpired login by its state's hash.
	LTIState(ctx context.Context, stateHash string, now time.Time) (*LTIState, error)
	// TakeLTIState deletes the login if it is still unexpired; ENOTFOUND
	// if it was already taken (a replay) or has expired.
	TakeLTIState(ctx context.Context, stateHash string, now time.Time) error
	// DeleteStaleLTI removes logins never completed, and launches and
	// finished scores of subjects no longer linked to any account (an
	// erased account's).
	DeleteStaleLTI(ctx context.Context, now time.Time) (int64, error)
	// RecordLTILaunch keeps the subject's latest launch from the platform.
	RecordLTILaunch(ctx context.Context, l *LTILaunch) error
	// LTILaunches lists the learner's launches, one per platform, through
	// their LTI identities.
	LTILaunches(ctx context.Context, userID int64) ([]LTILaunch, error)
	// AddLTIScore records a score owed unless one exists for the same
	// learner, platform and event; reports whether it was added (and
	// then sets s.ID).
	AddLTIScore(ctx context.Context, s *LTIScore) (bool, error)
	LTIScore(ctx context.Context, id int64) (*LTIScore, error)
	// EarlierLTIScoreOwed reports whether a score recorded before s for
	// the same learner, platform and line item is still queued or
	// retrying.
	EarlierLTIScoreOwed(ctx context.Context, s *LTIScore) (bool, error)
	MarkLTIScoreSent(ctx context.Context, id int64, attempts int, at time.Time) error
	MarkLTIScoreFailure(ctx context.Context, id int64, status string, attempts int, reason string) error
	// LTIScoreCounts counts a platform's scores by status.
	LTIScoreCounts(ctx context.Context, platformID int64) (map[string]int, error)
	AddAudit(ctx context.Context, e *AuditEntry) error
}

// LTIKeys keeps the tool's signing keys (a JWK each, private part
// included), like the badge keys but for RS256. Implemented by app/store.
type LTIKeys interface {
	EnsureLTIKey(ctx context.Context, generate func() (*SigningKey, error)) (*SigningKey, error)
	RotateLTIKey(ctx context.Context, fresh *SigningKey, at time.Time) error
	LTIKeys(ctx context.Context) ([]SigningKey, error)
}

// LTIProtocol is the LTI 1.3 message handling (app/lti): building the
// authentication request, verifying launches against the platform's key
// set, signing Deep Linking responses and posting scores with AGS.
type LTIProtocol interface {
	// AuthRequestURL is the platform's authentication request for a login.
	AuthRequestURL(p *LTIPlatform, req LTILoginRequest, state, nonce string) (string, error)
	// VerifyLaunch verifies an id_token from p: signature by a key in the
	// platform's key set, issuer, audience, expiry, deployment, message
	// type and version. Returns EINVALID/EFORBIDDEN with a message a
	// person can act on, or EUNAVAILABLE when the key set cannot be had.
	VerifyLaunch(ctx context.Context, p *LTIPlatform, idToken string) (*LTIMessage, error)
	// DeepLinkingResponse signs an LtiDeepLinkingResponse offering items.
	DeepLinkingResponse(ctx context.Context, p *LTIPlatform, m *LTIMessage, items []LTIContentItem) (string, error)
	// SendScore posts s to its line item. An error wrapping ErrPermanent
	// will fail again however often it is tried.
	SendScore(ctx context.Context, p *LTIPlatform, s *LTIScore) error
	// MergeKeySet adds the tool's public keys to a JWK Set document.
	MergeKeySet(ctx context.Context, doc []byte) ([]byte, error)
	// RotateKey makes a fresh tool key current and returns its ID; the
	// old key stays published for a while.
	RotateKey(ctx context.Context) (string, error)
}

// LTI is the tool side of LTI 1.3: platform-initiated login and launch,
// Deep Linking, and the scores owed to platforms. Handlers call Login,
// Launch and the administrators' methods; Learning calls ModulePassed and
// CourseCompleted inside its transactions; the job queue calls
// DeliverScore.
type LTI struct {
	Store    LTIStore
	Protocol LTIProtocol
	Accounts *Accounts
	Jobs     Jobs
	Course   *Course
	BaseURL  string // public address: targets must be on it
	Now      func() time.Time
}

// Enabled reports whether the tool is wired in.
func (l *LTI) Enabled() bool { return l != nil && l.Protocol != nil }

func ltiRefused(msg string) error { return &Error{Code: EINVALID, Message: msg} }

// ours reports whether target is an address on this site.
func (l *LTI) ours(target string) bool {
	t, err := url.Parse(target)
	if err != nil {
		return false
	}
	b, err := url.Parse(l.BaseURL)
	if err != nil {
		return false
	}
	return strings.EqualFold(t.Scheme, b.Scheme) && strings.EqualFold(t.Host, b.Host) && t.User == nil
}

// Login answers a platform's login initiation: the platform must be
// registered and the target on this site. It records a state and nonce
// (single use, LTILoginTTL) and returns the platform's authentication
// request. Returns EINVALID for an unknown platform or foreign target.
func (l *LTI) Login(ctx context.Context, req LTILoginRequest) (*LTILoginStart, error) {
	if req.Issuer == "" || req.LoginHint == "" || req.TargetLinkURI == "" {
		return nil, ltiRefused("This address is for launches from a learning platform, and the launch was incomplete (it needs iss, login_hint and target_link_uri). Go back to your learning platform and open the course again.")
	}
	ps, err := l.Store.LTIPlatformsByIssuer(ctx, req.Issuer, req.ClientID)
	if err != nil {
		return nil, fmt.Errorf("find lti platform: %w", err)
	}
	if len(ps) == 0 {
		return nil, ltiRefused("This learning platform is not registered with this course. Ask your administrator to register it.")
	}
	if len(ps) > 1 {
		return nil, ltiRefused("Several registrations match this learning platform and it did not say which one it is (client_id). Ask your administrator to check the platform's settings.")
	}
	p := &ps[0]
	if req.DeploymentID != "" && !p.HasDeployment(req.DeploymentID) {
		return nil, ltiRefused("This deployment of the course is not registered with this course. Ask your administrator to add its deployment ID.")
	}
	if !l.ours(req.TargetLinkURI) {
		return nil, ltiRefused("The learning platform asked to launch an address that is not this course. Ask your administrator to check the tool URL.")
	}
	state, stateHash := NewSessionToken()
	secret, browserHash := NewSessionToken()
	nonce, _ := NewSessionToken()
	st := &LTIState{StateHash: stateHash, BrowserHash: browserHash, Nonce: nonce, PlatformID: p.ID, ExpiresAt: l.Now().Add(LTILoginTTL)}
	if err := l.Store.SaveLTIState(ctx, st); err != nil {
		return nil, fmt.Errorf("save lti state: %w", err)
	}
	to, err := l.Protocol.AuthRequestURL(p, req, state, nonce)
	if err != nil {
		return nil, err
	}
	return &LTILoginStart{RedirectURL: to, CookieName: LTIStateCookie(state), BrowserSecret: secret}, nil
}

// LTIStateCookie names the cookie that binds a login's state to the
// browser: one per login, so two launches at once in one browser do not
// overwrite each other.
func LTIStateCookie(state string) string {
	h := HashToken("lti cookie:" + state)
	return "lti_" + strings.NewReplacer("-", "", "_", "").Replace(h)[:16]
}

// LTILaunchResult is what a verified launch leads to: a sign-in (resource
// link) or the Deep Linking choice.
type LTILaunchResult struct {
	Platform *LTIPlatform
	Message  *LTIMessage
	SignIn   *ExternalOutcome // resource link: the learner's sign-in
	DeepLink *LTIDeepLink     // deep linking: what to offer
}

// LTIDeepLink is the Deep Linking page: the course offered, and the signed
// responses that add it or add nothing.
type LTIDeepLink struct {
	ReturnURL string
	Item      LTIContentItem
	Add       string // signed LtiDeepLinkingResponse with the item
	Cancel    string // signed LtiDeepLinkingResponse with no items
}

// LTIRequestError is the platform's own refusal, sent to the launch
// address instead of an id_token (for example login_required).
func LTIRequestError(code, description string) error {
	msg := "Your learning platform did not sign you in (" + limitText(code, 60) + ")."
	if description != "" {
		msg += " It said: " + limitText(description, 200)
	}
	return ltiRefused(msg + " Go back to your learning platform, sign in there and open the course again.")
}

func limitText(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		return string([]rune(s)[:n]) + "…"
	}
	return s
}

// Launch verifies a launch: the state must be one this site issued to
// this browser (browserSecret from its cookie) and unexpired, the id_token
// valid for the state's platform and carrying the state's nonce. Only then
// is the state consumed, once: a replay finds it gone. A resource-link
// launch records the launch and signs the learner in (or returns the
// pending step: choose an organisation, or prove an existing account); a Deep Linking launch returns what to offer.
// Every refusal is EINVALID (EFORBIDDEN for a Deep Linking request from
// a learner, EUNAVAILABLE when the platform's keys cannot be fetched) and
// changes nothing.
func (l *LTI) Launch(ctx context.Context, idToken, state, browserSecret string) (*LTILaunchResult, error) {
	if idToken == "" || state == "" {
		return nil, ltiRefused("This address is for launches from a learning platform, and nothing was launched. Go back to your learning platform and open the course again.")
	}
	now := l.Now()
	stateHash := HashToken(state)
	st, err := l.Store.LTIState(ctx, stateHash, now)
	if ErrorCode(err) == ENOTFOUND {
		return nil, ltiRefused("This launch has expired or was already used. Go back to your learning platform and open the course again.")
	}
	if err != nil {
		return nil, fmt.Errorf("load lti state: %w", err)
	}
	if browserSecret == "" || subtle.ConstantTimeCompare([]byte(HashToken(browserSecret)), []byte(st.BrowserHash)) != 1 {
		return nil, ltiRefused("This launch was started in another browser window, or your browser blocked the cookie that ties it to this one. Open the course again from your learning platform, in a new window.")
	}
	p, err := l.Store.LTIPlatform(ctx, st.PlatformID)
	if err != nil {
		return nil, fmt.Errorf("load lti platform %d: %w", st.PlatformID, err)
	}
	m, err := l.Protocol.VerifyLaunch(ctx, p, idToken)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(m.Nonce), []byte(st.Nonce)) != 1 {
		return nil, ltiRefused("This launch does not belong to the sign-in it came back to (the nonce differs). Go back to your learning platform and open the course again.")
	}
	if !l.ours(m.TargetLinkURI) {
		return nil, ltiRefused("The learning platform launched an address that is not this course. Ask your administrator to check the tool URL.")
	}
	res := &LTILaunchResult{Platform: p, Message: m}
	switch m.MessageType {
	case LTIResourceLinkRequest:
		if m.Subject == "" {
			return nil, ltiRefused("Your learning platform launched the course without saying who you are. Ask your administrator to send the user's identity to this tool.")
		}
	case LTIDeepLinkingRequest:
		if !m.MayChooseContent() {
			return nil, &Error{Code: EFORBIDDEN, Message: "Only a teacher or an administrator of your learning platform can add this course to a course there."}
		}
		if m.DeepLinkReturnURL == "" || !acceptsResourceLink(m.AcceptTypes) {
			return nil, ltiRefused("Your learning platform asked to choose content but cannot take a link to a course (ltiResourceLink). Ask your administrator to check the tool's settings.")
		}
	}
	// Single use: from here on the state is spent.
	if err := l.Store.TakeLTIState(ctx, stateHash, now); ErrorCode(err) == ENOTFOUND {
		return nil, ltiRefused("This launch has expired or was already used. Go back to your learning platform and open the course again.")
	} else if err != nil {
		return nil, fmt.Errorf("take lti state: %w", err)
	}
	if m.MessageType == LTIDeepLinkingRequest {
		res.DeepLink, err = l.deepLink(ctx, p, m)
		return res, err
	}
	// The launch is kept by platform and subject, before the sign-in: a
	// first launch may still need the learner's organisation (the pending
	// step), and their scores go to this line item once the account exists.
	if err := l.recordLaunch(ctx, p, m); err != nil {
		return nil, err
	}
	out, err := l.Accounts.SignInExternal(ctx, ExternalAccount{Method: MethodLTI, Issuer: p.Issuer, Subject: m.Subject, Label: p.Name,
		Name: m.Name, Email: m.Email, EmailVerified: m.Email != "", Next: "/course"})
	if err != nil {
		return nil, err
	}
	res.SignIn = out
	return res, nil
}

// recordLaunch keeps the subject's latest launch from p, with the line
// item their scores go to.
func (l *LTI) recordLaunch(ctx context.Context, p *LTIPlatform, m *LTIMessage) error {
	launch := &LTILaunch{PlatformID: p.ID, Subject: m.Subject, DeploymentID: m.DeploymentID, ResourceLinkID: m.ResourceLinkID,
		ContextID: m.ContextID, LineItems: m.LineItems, Scopes: m.Scopes, LaunchedAt: l.Now()}
	if m.CanScore() {
		launch.LineItem = m.LineItem
	}
	if err := l.Store.RecordLTILaunch(ctx, launch); err != nil {
		return fmt.Errorf("record lti launch from platform %d: %w", p.ID, err)
	}
	return nil
}

func acceptsResourceLink(types []string) bool {
	if len(types) == 0 {
		return true
	}
	for _, t := range types {
		if t == "ltiResourceLink" {
			return true
		}
	}
	return false
}

func (l *LTI) deepLink(ctx context.Context, p *LTIPlatform, m *LTIMessage) (*LTIDeepLink, error) {
	item := LTIContentItem{Title: l.Course.Title, Text: l.Course.Description, URL: l.BaseURL + LTILaunchPath, ScoreMaximum: 100, Label: l.Course.Title}
	add, err := l.Protocol.DeepLinkingResponse(ctx, p, m, []LTIContentItem{item})
	if err != nil {
		return nil, fmt.Errorf("sign deep linking response: %w", err)
	}
	cancel, err := l.Protocol.DeepLinkingResponse(ctx, p, m, nil)
	if err != nil {
		return nil, fmt.Errorf("sign deep linking response: %w", err)
	}
	return &LTIDeepLink{ReturnURL: m.DeepLinkReturnURL, Item: item, Add: add, Cancel: cancel}, nil
}
