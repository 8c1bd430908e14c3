// Package lti is the LTI 1.3 message handling of the tool (1EdTech LTI
// Core 1.3, Deep Linking 2.0, Assignment and Grade Services 2.0, and the
// Security Framework): the authentication request of a third-party
// initiated login, launch verification against the platform's key set,
// signed Deep Linking responses, the tool's own key set, and scores posted
// with an OAuth 2 client-credentials token got with a signed JWT
// assertion (RFC 7523). JOSE itself is go-jose's.
package lti

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/foundations/foundations/app"
)

// Claim names of LTI 1.3.
const (
	claimMessageType  = "https://purl.imsglobal.org/spec/lti/claim/message_type"
	claimVersion      = "https://purl.imsglobal.org/spec/lti/claim/version"
	claimDeploymentID = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
	claimTargetLink   = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
	claimResourceLink = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
	claimContext      = "https://purl.imsglobal.org/spec/lti/claim/context"
	claimRoles        = "https://purl.imsglobal.org/spec/lti/claim/roles"
	claimAGS          = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
	claimDLSettings   = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
	claimDLItems      = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
	claimDLData       = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
	claimDLMessage    = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"

	// Algorithm is what the tool signs with and accepts: RS256, which the
	// Security Framework names and every LMS speaks.
	Algorithm = jose.RS256

	// RetiredKeyLife is how long a rotated-out key stays in the published
	// key set: the tool's tokens live minutes, platforms cache key sets
	// for hours.
	RetiredKeyLife = 7 * 24 * time.Hour

	leeway        = time.Minute
	keySetMaxAge  = time.Hour        // a cached key set is refreshed after this
	keySetRefetch = 30 * time.Second // an unknown kid refetches at most this often
	maxBody       = 1 << 20
)

// Tool is the LTI 1.3 tool. It implements app.LTIProtocol. Its key-set
// cache is only a cache: every instance fetches the platforms' keys for
// itself, and its own keys live in the database.
type Tool struct {
	Keys    app.LTIKeys
	BaseURL string
	Now     func() time.Time
	// HTTP talks to platforms; its Timeout bounds every call (New sets
	// 10 seconds), so a slow platform never holds a request or a worker.
	HTTP *http.Client

	mu   sync.Mutex
	sets map[string]*cachedSet // key-set URL → keys
}

type cachedSet struct {
	keys    jose.JSONWebKeySet
	fetched time.Time
}

var _ app.LTIProtocol = (*Tool)(nil)

// New returns a tool with a 10-second HTTP timeout.
func New(keys app.LTIKeys, baseURL string, now func() time.Time) *Tool {
	return &Tool{Keys: keys, BaseURL: baseURL, Now: now, HTTP: &http.Client{Timeout: 10 * time.Second}}
}

// NewKey generates an RSA 2048 key for RS256, named by its thumbprint.
func NewKey(now time.Time) (*app.SigningKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate lti key: %w", err)
	}
	jwk := jose.JSONWebKey{Key: priv, Algorithm: string(Algorithm), Use: "sig"}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("lti key thumbprint: %w", err)
	}
	jwk.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	b, err := jwk.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode lti key: %w", err)
	}
	return &app.SigningKey{ID: jwk.KeyID, Algorithm: string(Algorithm), PrivateJWK: string(b), CreatedAt: now}, nil
}

// Rotate makes a fresh key current; the old one stays published for
// RetiredKeyLife.
func (t *Tool) Rotate(ctx context.Context) (*app.SigningKey, error) {
	k, err := NewKey(t.Now())
	if err != nil {
		return nil, err
	}
	if err := t.Keys.RotateLTIKey(ctx, k, t.Now()); err != nil {
		return nil, fmt.Errorf("rotate lti key: %w", err)
	}
	return k, nil
}

// RotateKey implements app.LTIProtocol.
func (t *Tool) RotateKey(ctx context.Context) (string, error) {
	k, err := t.Rotate(ctx)
	if err != nil {
		return "", err
	}
	return k.ID, nil
}

func (t *Tool) currentKey(ctx context.Context) (*jose.JSONWebKey, error) {
	k, err := t.Keys.EnsureLTIKey(ctx, func() (*app.SigningKey, error) { return NewKey(t.Now()) })
	if err != nil {
		return nil, fmt.Errorf("load lti key: %w", err)
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON([]byte(k.PrivateJWK)); err != nil {
		return nil, fmt.Errorf("parse lti key %s: %w", k.ID, err)
	}
	return &jwk, nil
}

// KeySet returns the public keys platforms verify the tool with: the
// current one and those retired within RetiredKeyLife.
func (t *Tool) KeySet(ctx context.Context) ([]jose.JSONWebKey, error) {
	if _, err := t.currentKey(ctx); err != nil { // the first request creates the key
		return nil, err
	}
	keys, err := t.Keys.LTIKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list lti keys: %w", err)
	}
	var out []jose.JSONWebKey
	for _, k := range keys {
		if k.RetiredAt != nil && t.Now().Sub(*k.RetiredAt) > RetiredKeyLife {
			continue
		}
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON([]byte(k.PrivateJWK)); err != nil {
			return nil, fmt.Errorf("parse lti key %s: %w", k.ID, err)
		}
		out = append(out, jwk.Public())
	}
	return out, nil
}

// MergeKeySet adds the tool's public keys to a JWK Set document (the
// badge keys published at the same address).
func (t *Tool) MergeKeySet(ctx context.Context, doc []byte) ([]byte, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if len(doc) > 0 {
		if err := json.Unmarshal(doc, &set); err != nil {
			return nil, fmt.Errorf("parse key set: %w", err)
		}
	}
	keys, err := t.KeySet(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		b, err := k.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("encode lti key: %w", err)
		}
		set.Keys = append(set.Keys, b)
	}
	if set.Keys == nil {
		set.Keys = []json.RawMessage{}
	}
	return json.Marshal(set)
}

func (t *Tool) signer(ctx context.Context) (jose.Signer, error) {
	key, err := t.currentKey(ctx)
	if err != nil {
		return nil, err
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", key.KeyID)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: Algorithm, Key: key.Key}, opts)
	if err != nil {
		return nil, fmt.Errorf("lti signer: %w", err)
	}
	return s, nil
}

// AuthRequestURL implements app.LTIProtocol: the OIDC authentication
// request of LTI's third-party initiated login (Security Framework §5.1.1.2).
func (t *Tool) AuthRequestURL(p *app.LTIPlatform, req app.LTILoginRequest, state, nonce string) (string, error) {
	u, err := url.Parse(p.AuthURL)
	if err != nil {
		return "", fmt.Errorf("lti platform %d auth url: %w", p.ID, err)
	}
	q := u.Query()
	q.Set("scope", "openid")
	q.Set("response_type", "id_token")
	q.Set("response_mode", "form_post")
	q.Set("prompt", "none")
	q.Set("client_id", p.ClientID)
	q.Set("redirect_uri", t.BaseURL+app.LTILaunchPath)
	q.Set("login_hint", req.LoginHint)
	q.Set("state", state)
	q.Set("nonce", nonce)
	if req.MessageHint != "" {
		q.Set("lti_message_hint", req.MessageHint)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func refused(format string, args ...any) error {
	return &app.Error{Code: app.EINVALID, Message: fmt.Sprintf(format, args...) + " Go back to your learning platform and open the course again; if this happens again, tell your administrator."}
}

// launchClaims are the claims of an LTI id_token this tool reads.
type launchClaims struct {
	AuthorizedParty string   `json:"azp"`
	Nonce           string   `json:"nonce"`
	Name            string   `json:"name"`
	GivenName       string   `json:"given_name"`
	FamilyName      string   `json:"family_name"`
	Email           string   `json:"email"`
	MessageType     string   `json:"https://purl.imsglobal.org/spec/lti/claim/message_type"`
	Version         string   `json:"https://purl.imsglobal.org/spec/lti/claim/version"`
	DeploymentID    string   `json:"https://purl.imsglobal.org/spec/lti/claim/deployment_id"`
	TargetLinkURI   string   `json:"https://purl.imsglobal.org/spec/lti/claim/target_link_uri"`
	Roles           []string `json:"https://purl.imsglobal.org/spec/lti/claim/roles"`
	ResourceLink    struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"https://purl.imsglobal.org/spec/lti/claim/resource_link"`
	Context struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"https://purl.imsglobal.org/spec/lti/claim/context"`
	AGS *struct {
		Scope     []string `json:"scope"`
		LineItems string   `json:"lineitems"`
		LineItem  string   `json:"lineitem"`
	} `json:"https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"`
	DeepLinking *struct {
		ReturnURL   string   `json:"deep_link_return_url"`
		AcceptTypes []string `json:"accept_types"`
		Data        string   `json:"data"`
	} `json:"https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"`
}

// VerifyLaunch implements app.LTIProtocol.
func (t *Tool) VerifyLaunch(ctx context.Context, p *app.LTIPlatform, idToken string) (*app.LTIMessage, error) {
	if len(idToken) > 64*1024 {
		return nil, refused("The launch was too large to be a sign-in.")
	}
	tok, err := jwt.ParseSigned(idToken, []jose.SignatureAlgorithm{Algorithm})
	if err != nil {
		return nil, refused("The launch was not a signed sign-in this course accepts (it must be a JWT signed with RS256).")
	}
	kid := tok.Headers[0].KeyID
	if kid == "" {
		return nil, refused("The launch did not name the key it was signed with (kid).")
	}
	key, err := t.platformKey(ctx, p, kid)
	if err != nil {
		return nil, err
	}
	var std jwt.Claims
	var lc launchClaims
	if err := tok.Claims(key.Key, &std, &lc); err != nil {
		return nil, refused("The launch's signature does not match %s's key.", p.Name)
	}
	now := t.Now()
	if std.Issuer != p.Issuer {
		return nil, refused("The launch came from a different platform than the one the sign-in started with.")
	}
	if !std.Audience.Contains(p.ClientID) || (len(std.Audience) > 1 && lc.AuthorizedParty == "") || (lc.AuthorizedParty != "" && lc.AuthorizedParty != p.ClientID) {
		return nil, refused("The launch was addressed to another tool (audience).")
	}
	if std.Expiry == nil || std.IssuedAt == nil {
		return nil, refused("The launch did not say when it expires.")
	}
	switch err := std.ValidateWithLeeway(jwt.Expected{Time: now}, leeway); {
	case errors.Is(err, jwt.ErrExpired):
		return nil, refused("The launch has expired.")
	case err != nil:
		return nil, refused("The launch's times are not valid (it was issued in the future or is not yet valid).")
	}
	if lc.Nonce == "" {
		return nil, refused("The launch had no nonce.")
	}
	if !p.HasDeployment(lc.DeploymentID) {
		return nil, refused("The launch came from a deployment that is not registered with this course.")
	}
	if lc.MessageType != app.LTIResourceLinkRequest && lc.MessageType != app.LTIDeepLinkingRequest {
		return nil, refused("The launch was not a kind this course accepts (a resource link or deep linking request).")
	}
	if lc.Version != app.LTIVersion {
		return nil, refused("The launch was not LTI version 1.3.0.")
	}
	if lc.MessageType == app.LTIResourceLinkRequest && lc.ResourceLink.ID == "" {
		return nil, refused("The launch did not say which link it came from (resource_link).")
	}
	m := &app.LTIMessage{MessageType: lc.MessageType, Issuer: std.Issuer, Subject: std.Subject, DeploymentID: lc.DeploymentID,
		Nonce: lc.Nonce, TargetLinkURI: lc.TargetLinkURI, Name: lc.Name, Email: lc.Email, Roles: lc.Roles,
		ResourceLinkID: lc.ResourceLink.ID, ResourceTitle: lc.ResourceLink.Title, ContextID: lc.Context.ID, ContextTitle: lc.Context.Title}
	if m.Name == "" {
		m.Name = strings.TrimSpace(lc.GivenName + " " + lc.FamilyName)
	}
	if lc.AGS != nil {
		m.LineItem, m.LineItems, m.Scopes = lc.AGS.LineItem, lc.AGS.LineItems, lc.AGS.Scope
	}
	if lc.DeepLinking != nil {
		m.DeepLinkReturnURL, m.AcceptTypes, m.DeepLinkData = lc.DeepLinking.ReturnURL, lc.DeepLinking.AcceptTypes, lc.DeepLinking.Data
	}
	return m, nil
}

// platformKey finds kid in the platform's key set, fetching the set when
// it is not cached, is old, or lacks kid (a platform that rotated).
func (t *Tool) platformKey(ctx context.Context, p *app.LTIPlatform, kid string) (*jose.JSONWebKey, error) {
	t.mu.Lock()
	if t.sets == nil {
		t.sets = map[string]*cachedSet{}
	}
	c := t.sets[p.KeySetURL]
	t.mu.Unlock()
	now := t.Now()
	if c != nil && now.Sub(c.fetched) < keySetMaxAge {
		if k := c.keys.Key(kid); len(k) > 0 {
			return &k[0], nil
		}
		if now.Sub(c.fetched) < keySetRefetch {
			return nil, refused("The launch was signed with a key %s does not publish.", p.Name)
		}
	}
	set, err := t.fetchKeySet(ctx, p.KeySetURL)
	if err != nil {
		if c != nil { // keep using what we had
			if k := c.keys.Key(kid); len(k) > 0 {
				return &k[0], nil
			}
		}
		return nil, &app.Error{Code: app.EUNAVAILABLE, Message: "Your learning platform did not answer when this course asked for its keys, so the launch cannot be checked. Try again in a few minutes; if it keeps happening, tell your administrator."}
	}
	t.mu.Lock()
	t.sets[p.KeySetURL] = &cachedSet{keys: *set, fetched: now}
	t.mu.Unlock()
	if k := set.Key(kid); len(k) > 0 {
		return &k[0], nil
	}
	return nil, refused("The launch was signed with a key %s does not publish.", p.Name)
}

func (t *Tool) fetchKeySet(ctx context.Context, keySetURL string) (*jose.JSONWebKeySet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, keySetURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := t.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch key set: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch key set: status %d", resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&set); err != nil {
		return nil, fmt.Errorf("parse key set: %w", err)
	}
	return &set, nil
}

// DeepLinkingResponse implements app.LTIProtocol (Deep Linking 2.0 §4.2):
// signed with the tool's current key, from the client ID to the platform,
// echoing the request's data.
func (t *Tool) DeepLinkingResponse(ctx context.Context, p *app.LTIPlatform, m *app.LTIMessage, items []app.LTIContentItem) (string, error) {
	s, err := t.signer(ctx)
	if err != nil {
		return "", err
	}
	nonce, _ := app.NewSessionToken()
	now := t.Now()
	content := []map[string]any{}
	for _, it := range items {
		content = append(content, map[string]any{
			"type": "ltiResourceLink", "title": it.Title, "text": it.Text, "url": it.URL,
			"lineItem": map[string]any{"scoreMaximum": it.ScoreMaximum, "label": it.Label},
		})
	}
	claims := map[string]any{
		"iss": p.ClientID, "aud": []string{p.Issuer}, "azp": p.ClientID, "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "nonce": nonce,
		claimDeploymentID: m.DeploymentID, claimMessageType: "LtiDeepLinkingResponse", claimVersion: app.LTIVersion,
		claimDLItems: content,
	}
	if m.DeepLinkData != "" {
		claims[claimDLData] = m.DeepLinkData
	}
	if len(items) == 0 {
		claims[claimDLMessage] = "Nothing was added."
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign deep linking response: %w", err)
	}
	return tok, nil
}

// clientAssertion is the RFC 7523 JWT the tool authenticates with at the
// platform's token endpoint.
func (t *Tool) clientAssertion(ctx context.Context, p *app.LTIPlatform) (string, error) {
	s, err := t.signer(ctx)
	if err != nil {
		return "", err
	}
	jti, _ := app.NewSessionToken()
	now := t.Now()
	return jwt.Signed(s).Claims(jwt.Claims{Issuer: p.ClientID, Subject: p.ClientID, Audience: jwt.Audience{p.TokenURL},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute)), ID: jti}).Serialize()
}

// statusError is a platform's HTTP status; permanent ones wrap
// app.ErrPermanent.
type statusError struct {
	what   string
	status int
}

func (e *statusError) Error() string { return e.what + " answered HTTP " + strconv.Itoa(e.status) }

func (e *statusError) Unwrap() error {
	switch e.status {
	case http.StatusBadRequest, http.StatusNotFound, http.StatusGone, http.StatusUnprocessableEntity:
		if e.what == "score endpoint" {
			return app.ErrPermanent
		}
	}
	return nil
}

// accessToken gets a token for the score scope (client credentials with
// a JWT assertion, LTI Security Framework §4.1).
func (t *Tool) accessToken(ctx context.Context, p *app.LTIPlatform) (string, error) {
	assertion, err := t.clientAssertion(ctx, p)
	if err != nil {
		return "", err
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
		"scope":                 {app.LTIScoreScope},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := t.HTTP.Do(req)
	if err != nil {
		return "", fmt.Errorf("token endpoint: %w", scrub(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", &statusError{what: "token endpoint", status: resp.StatusCode}
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&tr); err != nil || tr.AccessToken == "" {
		return "", errors.New("token endpoint sent no access token")
	}
	return tr.AccessToken, nil
}

// scrub drops a URL error's address (a line item URL can carry query
// parameters) and keeps what went wrong.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// ScoresURL is a line item's scores endpoint: "/scores" added to its path,
// its query kept (AGS 2.0 §3.4).
func ScoresURL(lineItem string) (string, error) {
	u, err := url.Parse(lineItem)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("line item is not an address: %w", app.ErrPermanent)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/scores"
	u.RawPath = ""
	return u.String(), nil
}

// SendScore implements app.LTIProtocol (AGS 2.0 score publish service).
func (t *Tool) SendScore(ctx context.Context, p *app.LTIPlatform, s *app.LTIScore) error {
	to, err := ScoresURL(s.LineItem)
	if err != nil {
		return err
	}
	token, err := t.accessToken(ctx, p)
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]any{
		"userId": s.Subject, "scoreGiven": s.Given, "scoreMaximum": s.Maximum,
		"activityProgress": s.ActivityProgress, "gradingProgress": s.GradingProgress,
		"timestamp": s.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
	})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/vnd.ims.lis.v1.score+json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := t.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("score endpoint: %w", scrub(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody)) // drained for the connection's reuse; the status decides
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &statusError{what: "score endpoint", status: resp.StatusCode}
	}
	return nil
}
