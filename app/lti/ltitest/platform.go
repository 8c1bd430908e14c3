// Package ltitest is an LTI 1.3 platform for tests, over HTTP on
// 127.0.0.1: it starts launches (third-party initiated login), answers
// the tool's authentication request with an auto-posting form carrying an
// id_token it signs with its own key, serves its key set, issues access
// tokens for client assertions it verifies against the tool's key set,
// records the scores posted to its line item, and takes Deep Linking
// responses. Tests change what it signs with Mutate and how its score
// endpoint behaves with FailScores.
package ltitest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// User is someone at the platform.
type User struct {
	Subject, Name, Email string
	Roles                []string
}

// Score is one score the line item accepted.
type Score struct {
	UserID           string  `json:"userId"`
	ScoreGiven       float64 `json:"scoreGiven"`
	ScoreMaximum     float64 `json:"scoreMaximum"`
	ActivityProgress string  `json:"activityProgress"`
	GradingProgress  string  `json:"gradingProgress"`
	Timestamp        string  `json:"timestamp"`
}

// DeepLink is a Deep Linking response the platform received, verified.
type DeepLink struct {
	Claims map[string]any
	Items  []map[string]any
	Data   string
}

// Platform is the test platform.
type Platform struct {
	URL          string // also its issuer
	ClientID     string
	DeploymentID string
	Key          *rsa.PrivateKey
	KeyID        string

	mu       sync.Mutex
	srv      *httptest.Server
	toolURL  string
	users    map[string]User
	mutate   func(claims map[string]any)
	failures int           // score requests still to refuse with 503
	delay    time.Duration // before answering a score request
	scores   []Score
	attempts int // score requests received, refused or not
	tokens   map[string]bool
	links    []DeepLink
	errs     []string
	data     string
}

// Start runs a platform until the test ends. toolURL is the tool's base
// address (it may be set later with SetTool).
func Start(t testing.TB, toolURL string) *Platform {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &Platform{ClientID: "foundations-tool", DeploymentID: "deployment-1", Key: key, KeyID: "platform-key-1",
		toolURL: toolURL, users: map[string]User{}, tokens: map[string]bool{}, data: "opaque-data-42"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwks", p.handleKeySet)
	mux.HandleFunc("GET /launch", p.handleStart)
	mux.HandleFunc("GET /auth", p.handleAuth)
	mux.HandleFunc("POST /token", p.handleToken)
	mux.HandleFunc("POST /lineitems/1/lineitem/scores", p.handleScore)
	mux.HandleFunc("POST /deep-link-return", p.handleDeepLinkReturn)
	p.srv = httptest.NewServer(mux)
	p.URL = p.srv.URL
	t.Cleanup(p.srv.Close)
	return p
}

// SetTool sets the tool's base address.
func (p *Platform) SetTool(u string) { p.mu.Lock(); p.toolURL = u; p.mu.Unlock() }

// AddUser registers someone the platform can launch.
func (p *Platform) AddUser(u User) { p.mu.Lock(); p.users[u.Subject] = u; p.mu.Unlock() }

// Mutate changes the claims of every id_token signed from now on (nil:
// none).
func (p *Platform) Mutate(f func(claims map[string]any)) { p.mu.Lock(); p.mutate = f; p.mu.Unlock() }

// FailScores makes the next n score requests fail with 503.
func (p *Platform) FailScores(n int) { p.mu.Lock(); p.failures = n; p.mu.Unlock() }

// DelayScores makes the score endpoint wait d before answering.
func (p *Platform) DelayScores(d time.Duration) { p.mu.Lock(); p.delay = d; p.mu.Unlock() }

// Scores returns the scores the line item accepted, in order.
func (p *Platform) Scores() []Score {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Score(nil), p.scores...)
}

// ScoreAttempts counts score requests received, refused ones included.
func (p *Platform) ScoreAttempts() int { p.mu.Lock(); defer p.mu.Unlock(); return p.attempts }

// DeepLinks returns the Deep Linking responses received.
func (p *Platform) DeepLinks() []DeepLink {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]DeepLink(nil), p.links...)
}

// Errors returns what the platform refused from the tool, and why.
func (p *Platform) Errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errs...)
}

func (p *Platform) refuse(w http.ResponseWriter, status int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.mu.Lock()
	p.errs = append(p.errs, msg)
	p.mu.Unlock()
	http.Error(w, msg, status)
}

// AuthURL, TokenURL, KeySetURL and LineItem are the addresses to register.
func (p *Platform) AuthURL() string   { return p.URL + "/auth" }
func (p *Platform) TokenURL() string  { return p.URL + "/token" }
func (p *Platform) KeySetURL() string { return p.URL + "/jwks" }
func (p *Platform) LineItem() string  { return p.URL + "/lineitems/1/lineitem?type_id=7" }

// LaunchURL starts a launch for the user with that subject: kind is
// "resource" or "deeplink".
func (p *Platform) LaunchURL(subject, kind string) string {
	return p.URL + "/launch?" + url.Values{"user": {subject}, "kind": {kind}}.Encode()
}

func (p *Platform) handleKeySet(w http.ResponseWriter, r *http.Request) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.Key.PublicKey, KeyID: p.KeyID, Algorithm: "RS256", Use: "sig"}}}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(set) // a test platform: a failed write is the tool going away
}

// handleStart is the platform's side of a third-party initiated login: a
// redirect to the tool's login initiation URL.
func (p *Platform) handleStart(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	tool := p.toolURL
	p.mu.Unlock()
	q := url.Values{"iss": {p.URL}, "login_hint": {r.URL.Query().Get("user")}, "target_link_uri": {tool + "/lti/launch"},
		"lti_message_hint": {r.URL.Query().Get("kind")}, "client_id": {p.ClientID}, "lti_deployment_id": {p.DeploymentID}}
	http.Redirect(w, r, tool+"/lti/login?"+q.Encode(), http.StatusFound)
}

var autoPost = template.Must(template.New("post").Parse(`<!DOCTYPE html><html lang="en"><head><title>Launching</title></head>
<body><form id="f" method="post" action="{{.Action}}">{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
<button type="submit">Continue</button></form><script>document.getElementById("f").submit()</script></body></html>`))

// handleAuth answers the tool's authentication request with an
// auto-posting form: the id_token and the state, to the redirect URI.
func (p *Platform) handleAuth(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	tool := p.toolURL
	u, known := p.users[q.Get("login_hint")]
	p.mu.Unlock()
	switch {
	case q.Get("scope") != "openid" || q.Get("response_type") != "id_token" || q.Get("response_mode") != "form_post" || q.Get("prompt") != "none":
		p.refuse(w, http.StatusBadRequest, "auth: bad request parameters %v", q)
		return
	case q.Get("client_id") != p.ClientID:
		p.refuse(w, http.StatusBadRequest, "auth: unknown client_id")
		return
	case q.Get("redirect_uri") != tool+"/lti/launch":
		p.refuse(w, http.StatusBadRequest, "auth: redirect_uri %q not registered", q.Get("redirect_uri"))
		return
	case !known:
		p.refuse(w, http.StatusBadRequest, "auth: unknown login_hint")
		return
	case q.Get("nonce") == "" || q.Get("state") == "":
		p.refuse(w, http.StatusBadRequest, "auth: no nonce or state")
		return
	}
	tok, err := p.IDToken(u, q.Get("lti_message_hint"), q.Get("nonce"))
	if err != nil {
		p.refuse(w, http.StatusInternalServerError, "auth: %v", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = autoPost.Execute(w, map[string]any{"Action": tool + "/lti/launch", "Fields": map[string]string{"id_token": tok, "state": q.Get("state")}}) // a test platform: a failed write is the tool going away
}

// Claims are the id_token claims the platform would sign for u.
func (p *Platform) Claims(u User, kind, nonce string) map[string]any {
	p.mu.Lock()
	tool := p.toolURL
	p.mu.Unlock()
	now := time.Now()
	c := map[string]any{
		"iss": p.URL, "sub": u.Subject, "aud": p.ClientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": nonce,
		"name": u.Name, "email": u.Email,
		"https://purl.imsglobal.org/spec/lti/claim/deployment_id":   p.DeploymentID,
		"https://purl.imsglobal.org/spec/lti/claim/version":         "1.3.0",
		"https://purl.imsglobal.org/spec/lti/claim/target_link_uri": tool + "/lti/launch",
		"https://purl.imsglobal.org/spec/lti/claim/roles":           u.Roles,
		"https://purl.imsglobal.org/spec/lti/claim/context":         map[string]any{"id": "course-7", "title": "Safeguarding 2026"},
	}
	if kind == "deeplink" {
		c["https://purl.imsglobal.org/spec/lti/claim/message_type"] = "LtiDeepLinkingRequest"
		c["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = map[string]any{
			"deep_link_return_url": p.URL + "/deep-link-return", "accept_types": []string{"ltiResourceLink"},
			"accept_presentation_document_targets": []string{"window", "iframe"}, "data": p.data,
		}
	} else {
		c["https://purl.imsglobal.org/spec/lti/claim/message_type"] = "LtiResourceLinkRequest"
		c["https://purl.imsglobal.org/spec/lti/claim/resource_link"] = map[string]any{"id": "link-1", "title": "Neglect Foundations"}
		c["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = map[string]any{
			"scope":     []string{"https://purl.imsglobal.org/spec/lti-ags/scope/lineitem", "https://purl.imsglobal.org/spec/lti-ags/scope/score"},
			"lineitems": p.URL + "/lineitems?type_id=7", "lineitem": p.LineItem(),
		}
	}
	return c
}

// IDToken signs the launch of u (after Mutate's changes).
func (p *Platform) IDToken(u User, kind, nonce string) (string, error) {
	c := p.Claims(u, kind, nonce)
	p.mu.Lock()
	mutate := p.mutate
	p.mu.Unlock()
	if mutate != nil {
		mutate(c)
	}
	return p.Sign(c, p.Key, p.KeyID)
}

// Sign signs claims with key, naming kid.
func (p *Platform) Sign(claims map[string]any, key *rsa.PrivateKey, kid string) (string, error) {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		return "", err
	}
	return jwt.Signed(s).Claims(claims).Serialize()
}

// toolKeys fetches the tool's key set, as a platform configured with a
// keyset URL does.
func (p *Platform) toolKeys() (*jose.JSONWebKeySet, error) {
	p.mu.Lock()
	tool := p.toolURL
	p.mu.Unlock()
	resp, err := http.Get(tool + "/.well-known/jwks.json")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return nil, err
	}
	return &set, nil
}

// verifyFromTool checks a JWT the tool signed: RS256 with a key in its
// key set, issued by the client ID, for aud.
func (p *Platform) verifyFromTool(raw, aud string) (map[string]any, error) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	set, err := p.toolKeys()
	if err != nil {
		return nil, fmt.Errorf("tool key set: %w", err)
	}
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) == 0 {
		return nil, fmt.Errorf("kid %q not in the tool's key set", tok.Headers[0].KeyID)
	}
	var std jwt.Claims
	var all map[string]any
	if err := tok.Claims(keys[0].Key, &std, &all); err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	if err := std.ValidateWithLeeway(jwt.Expected{Issuer: p.ClientID, AnyAudience: jwt.Audience{aud}, Time: time.Now()}, time.Minute); err != nil {
		return nil, fmt.Errorf("claims: %w", err)
	}
	if std.Expiry == nil {
		return nil, fmt.Errorf("no exp")
	}
	return all, nil
}

// handleToken issues an access token for a client assertion signed by
// the tool (RFC 7523), for the score scope.
func (p *Platform) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.refuse(w, http.StatusBadRequest, "token: %v", err)
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		p.refuse(w, http.StatusBadRequest, "token: wrong grant or assertion type")
		return
	}
	if !strings.Contains(" "+r.PostForm.Get("scope")+" ", " https://purl.imsglobal.org/spec/lti-ags/scope/score ") {
		p.refuse(w, http.StatusBadRequest, "token: no score scope")
		return
	}
	claims, err := p.verifyFromTool(r.PostForm.Get("client_assertion"), p.TokenURL())
	if err != nil {
		p.refuse(w, http.StatusUnauthorized, "token: %v", err)
		return
	}
	if claims["sub"] != p.ClientID {
		p.refuse(w, http.StatusUnauthorized, "token: sub is not the client ID")
		return
	}
	b := make([]byte, 16)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	p.mu.Lock()
	p.tokens[tok] = true
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600, "scope": r.PostForm.Get("scope")}) // a test platform: a failed write is the tool going away
}

// handleScore records a score posted to the line item.
func (p *Platform) handleScore(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.attempts++
	delay := p.delay
	fail := p.failures > 0
	if fail {
		p.failures--
	}
	auth := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	ok := p.tokens[auth]
	p.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if fail {
		http.Error(w, "platform down", http.StatusServiceUnavailable)
		return
	}
	if !ok {
		p.refuse(w, http.StatusUnauthorized, "score: unknown access token")
		return
	}
	if r.Header.Get("Content-Type") != "application/vnd.ims.lis.v1.score+json" || r.URL.Query().Get("type_id") != "7" {
		p.refuse(w, http.StatusBadRequest, "score: wrong content type or lost query")
		return
	}
	var s Score
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err := json.Unmarshal(body, &s); err != nil || s.UserID == "" || s.Timestamp == "" {
		p.refuse(w, http.StatusBadRequest, "score: bad body %s", body)
		return
	}
	p.mu.Lock()
	p.scores = append(p.scores, s)
	p.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

var returned = template.Must(template.New("ret").Parse(`<!DOCTYPE html><html lang="en"><head><title>Content added</title></head>
<body><main><h1>{{if .}}Added: {{range .}}{{index . "title"}}{{end}}{{else}}Nothing added{{end}}</h1></main></body></html>`))

// handleDeepLinkReturn takes the tool's Deep Linking response.
func (p *Platform) handleDeepLinkReturn(w http.ResponseWriter, r *http.Request) {
	claims, err := p.verifyFromTool(r.FormValue("JWT"), p.URL)
	if err != nil {
		p.refuse(w, http.StatusBadRequest, "deep link: %v", err)
		return
	}
	if claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] != "LtiDeepLinkingResponse" ||
		claims["https://purl.imsglobal.org/spec/lti/claim/version"] != "1.3.0" ||
		claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] != p.DeploymentID {
		p.refuse(w, http.StatusBadRequest, "deep link: wrong message claims")
		return
	}
	dl := DeepLink{Claims: claims}
	dl.Data, _ = claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"].(string)
	items, _ := claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"].([]any)
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			dl.Items = append(dl.Items, m)
		}
	}
	p.mu.Lock()
	p.links = append(p.links, dl)
	p.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = returned.Execute(w, dl.Items) // a test platform: a failed write is the tool going away
}
