// Package oidctest is an OpenID provider for tests, served over HTTP on
// 127.0.0.1: discovery, a key set, a login page, an authorization
// endpoint, a token endpoint that checks PKCE and spends each code once,
// and UserInfo. It signs its ID tokens with RS256, and can be told to sign
// the next one wrongly (another key, issuer, audience, expiry or nonce),
// to go down or to answer slowly, so tests can see each refusal.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// User is an account at the provider.
type User struct {
	Subject       string
	Name          string
	Email         string
	EmailVerified bool
}

// Tamper changes the next ID token the provider issues.
type Tamper struct {
	// Claims edits the claims before they are signed.
	Claims func(claims map[string]any)
	// Key, when set, signs the token instead of the published key.
	Key *rsa.PrivateKey
}

// Provider is the running provider. Its methods are safe for concurrent
// use.
type Provider struct {
	*httptest.Server
	ClientID, ClientSecret string
	// EmailInUserInfo leaves email and email_verified out of ID tokens, so
	// clients must read them from UserInfo (as zitadel's provider does).
	EmailInUserInfo bool

	key *rsa.PrivateKey

	mu        sync.Mutex
	redirects map[string]bool
	users     map[string]User // by email
	codes     map[string]*grant
	access    map[string]User // access token → user
	tamper    *Tamper
	down      bool
	delay     time.Duration
	nonces    []string
	tokens    int
}

type grant struct {
	user                                 User
	clientID, redirect, nonce, challenge string
	expires                              time.Time
	used                                 bool
}

// New starts a provider with one client; Close it when done.
func New(clientID, clientSecret string) *Provider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	p := &Provider{ClientID: clientID, ClientSecret: clientSecret, key: key, redirects: map[string]bool{},
		users: map[string]User{}, codes: map[string]*grant{}, access: map[string]User{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.handleDiscovery)
	mux.HandleFunc("GET /keys", p.handleKeys)
	mux.HandleFunc("GET /authorize", p.handleLoginPage)
	mux.HandleFunc("POST /authorize", p.handleLogin)
	mux.HandleFunc("POST /token", p.handleToken)
	mux.HandleFunc("GET /userinfo", p.handleUserInfo)
	p.Server = httptest.NewServer(p.gate(mux))
	return p
}

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.URL }

// AllowRedirect registers a redirect URI for the client.
func (p *Provider) AllowRedirect(uri string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.redirects[uri] = true
}

// AddUser adds an account that can sign in by its email.
func (p *Provider) AddUser(u User) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.users[u.Email] = u
}

// TamperNext makes the next ID token issued wrong in the given way.
func (p *Provider) TamperNext(t Tamper) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tamper = &t
}

// SetDown makes every endpoint answer 503 (true) or work again.
func (p *Provider) SetDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
}

// SetDelay makes every endpoint wait before answering.
func (p *Provider) SetDelay(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = d
}

// Nonces lists the nonces of the ID tokens issued so far, oldest first.
func (p *Provider) Nonces() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.nonces...)
}

// TokensIssued counts the codes exchanged successfully.
func (p *Provider) TokensIssued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tokens
}

func (p *Provider) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		down, delay := p.down, p.delay
		p.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		if down {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (p *Provider) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.URL,
		"authorization_endpoint":                p.URL + "/authorize",
		"token_endpoint":                        p.URL + "/token",
		"userinfo_endpoint":                     p.URL + "/userinfo",
		"jwks_uri":                              p.URL + "/keys",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "email", "profile"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

func (p *Provider) handleKeys(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "test-1", Algorithm: "RS256", Use: "sig"}}})
}

var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Test provider: sign in</title></head>
<body><main><h1>Test provider</h1>
<form method="post" action="/authorize">
{{range $k, $v := .Query}}<input type="hidden" name="{{$k}}" value="{{index $v 0}}">
{{end}}<label for="email">Email</label> <input id="email" name="email" type="email">
<button type="submit" id="continue">Continue</button>
</form></main></body></html>`))

// checkAuthorize checks an authorization request; "" when it is good.
func (p *Provider) checkAuthorize(q url.Values) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case q.Get("client_id") != p.ClientID:
		return "unknown client_id"
	case !p.redirects[q.Get("redirect_uri")]:
		return "redirect_uri not registered"
	case q.Get("response_type") != "code":
		return "response_type must be code"
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		return "PKCE with S256 is required"
	case q.Get("state") == "" || q.Get("nonce") == "":
		return "state and nonce are required"
	}
	return ""
}

func (p *Provider) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	if problem := p.checkAuthorize(r.URL.Query()); problem != "" {
		http.Error(w, problem, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = loginPage.Execute(w, map[string]any{"Query": r.URL.Query()})
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// handleLogin signs the user in (any known email; this is a test) and
// sends the browser back with a code, or with error=access_denied for
// an unknown email.
func (p *Provider) handleLogin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	q := r.Form // the authorization request, from the form's hidden fields or the query
	if problem := p.checkAuthorize(q); problem != "" {
		http.Error(w, problem, http.StatusBadRequest)
		return
	}
	back, _ := url.Parse(q.Get("redirect_uri"))
	v := back.Query()
	v.Set("state", q.Get("state"))
	p.mu.Lock()
	u, ok := p.users[r.PostFormValue("email")]
	if ok {
		code := randomString()
		p.codes[code] = &grant{user: u, clientID: q.Get("client_id"), redirect: q.Get("redirect_uri"), nonce: q.Get("nonce"),
			challenge: q.Get("code_challenge"), expires: time.Now().Add(time.Minute)}
		v.Set("code", code)
	} else {
		v.Set("error", "access_denied")
	}
	p.mu.Unlock()
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound) // #nosec G710 -- checkAuthorize allowed only a registered redirect URI
}

func tokenError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"error": code})
}

func (p *Provider) handleToken(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if id != p.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(p.ClientSecret)) != 1 {
		tokenError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if r.PostFormValue("grant_type") != "authorization_code" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g := p.codes[r.PostFormValue("code")]
	if g == nil || g.used || time.Now().After(g.expires) || g.clientID != id || g.redirect != r.PostFormValue("redirect_uri") {
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	g.used = true // spent whatever happens next
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	now := time.Now()
	claims := map[string]any{"iss": p.URL, "sub": g.user.Subject, "aud": p.ClientID, "iat": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(), "nonce": g.nonce, "name": g.user.Name}
	if !p.EmailInUserInfo {
		claims["email"], claims["email_verified"] = g.user.Email, g.user.EmailVerified
	}
	key := p.key
	if t := p.tamper; t != nil {
		p.tamper = nil
		if t.Claims != nil {
			t.Claims(claims)
		}
		if t.Key != nil {
			key = t.Key
		}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "test-1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error")
		return
	}
	idToken, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error")
		return
	}
	access := randomString()
	p.access[access] = g.user
	p.nonces = append(p.nonces, g.nonce)
	p.tokens++
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": idToken})
}

func (p *Provider) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	const prefix = "Bearer "
	h := r.Header.Get("Authorization")
	p.mu.Lock()
	u, ok := p.access[h[min(len(prefix), len(h)):]]
	p.mu.Unlock()
	if len(h) <= len(prefix) || h[:len(prefix)] != prefix || !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sub": u.Subject, "name": u.Name, "email": u.Email, "email_verified": u.EmailVerified})
}

// String describes the provider for test logs.
func (p *Provider) String() string { return fmt.Sprintf("test OpenID provider at %s", p.URL) }
