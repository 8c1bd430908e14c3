// Package oidc speaks OpenID Connect to organisations' providers for
// app.OIDCSignIn, with github.com/coreos/go-oidc and golang.org/x/oauth2:
// discovery (lazily, so a provider that is down does not stop the service
// starting), the authorization code flow with PKCE, and verifying ID
// tokens against the provider's published keys. Every call to a provider
// has a time limit. Errors say what was refused in fixed words: never a
// token, code, secret or address.
package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/foundations/foundations/app"
	"golang.org/x/oauth2"
)

// Scopes asked of every provider.
var Scopes = []string{oidc.ScopeOpenID, "email", "profile"}

// Options tune the client; zero values take the defaults.
type Options struct {
	// BaseURL is the service's public URL: redirect URIs are
	// BaseURL/sign-in/oidc/{id}/callback.
	BaseURL string
	// Timeout bounds each call to a provider (10 s).
	Timeout time.Duration
	// RetryAfter is how long a failed discovery is remembered before the
	// next attempt, so a provider that is down costs one wait, not one
	// per click (15 s).
	RetryAfter time.Duration
	// Now is the clock ID tokens' expiry is checked against.
	Now func() time.Time
}

// Client implements app.OIDCProtocol for the configured providers. It is
// safe for concurrent use; what it caches (each provider's discovery
// document and keys) is public and the same on every instance.
type Client struct {
	opt       Options
	http      *http.Client
	providers map[string]*provider
}

type provider struct {
	Provider
	mu       sync.Mutex
	disc     *oidc.Provider // nil until discovered
	failedAt time.Time      // the last failed discovery
}

// New returns a client for the providers.
func New(ps []Provider, opt Options) *Client {
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	if opt.RetryAfter <= 0 {
		opt.RetryAfter = 15 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	opt.BaseURL = strings.TrimSuffix(opt.BaseURL, "/")
	c := &Client{opt: opt, http: &http.Client{Timeout: opt.Timeout,
		// A token or key endpoint has no business redirecting.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		providers: map[string]*provider{}}
	for _, p := range ps {
		c.providers[p.ID] = &provider{Provider: p}
	}
	return c
}

// RedirectURL is the callback to register at the provider.
func (c *Client) RedirectURL(providerID string) string {
	return c.opt.BaseURL + "/sign-in/oidc/" + providerID + "/callback"
}

func unavailable(what string, err error) error {
	return fmt.Errorf("%s: %w: %w", what, &app.Error{Code: app.EUNAVAILABLE, Message: "provider unreachable"}, err)
}

func refused(reason string) error {
	return &app.Error{Code: app.EFORBIDDEN, Message: reason}
}

// ctx bounds a call to the provider and hands go-oidc and oauth2 the
// client with its time limit.
func (c *Client) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, c.opt.Timeout)
	return oidc.ClientContext(ctx, c.http), cancel
}

func (c *Client) provider(id string) (*provider, error) {
	p := c.providers[id]
	if p == nil {
		return nil, &app.Error{Code: app.ENOTFOUND, Message: "no such provider"}
	}
	return p, nil
}

// discover fetches the provider's discovery document once; a failure is
// remembered for RetryAfter. The lock is not held during the fetch, so a
// slow provider holds up only the requests that need it.
func (c *Client) discover(ctx context.Context, p *provider) (*oidc.Provider, error) {
	p.mu.Lock()
	disc, failedAt := p.disc, p.failedAt
	p.mu.Unlock()
	if disc != nil {
		return disc, nil
	}
	if !failedAt.IsZero() && time.Since(failedAt) < c.opt.RetryAfter {
		return nil, unavailable("discovery", errors.New("failed moments ago"))
	}
	cctx, cancel := c.ctx(ctx)
	defer cancel()
	disc, err := oidc.NewProvider(cctx, p.Issuer)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.failedAt = time.Now()
		var mismatch *oidc.IssuerMismatchError
		if errors.As(err, &mismatch) {
			return nil, unavailable("discovery", fmt.Errorf("the provider calls itself %s, not the configured issuer", mismatch.Discovered))
		}
		return nil, unavailable("discovery", errors.New(discoveryProblem(err)))
	}
	if p.disc == nil {
		p.disc = disc
	}
	return p.disc, nil
}

// discoveryProblem says what went wrong without the response body.
func discoveryProblem(err error) string {
	var ue interface{ Timeout() bool }
	if errors.As(err, &ue) && ue.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, ':'); i > 0 && (strings.HasPrefix(msg, "4") || strings.HasPrefix(msg, "5")) {
		return "answered " + msg[:i]
	}
	if strings.Contains(msg, "decode provider discovery") {
		return "sent a discovery document that is not valid"
	}
	return "could not connect"
}

func (p *provider) oauth2(c *Client, disc *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: p.ClientID, ClientSecret: p.clientSecret, Endpoint: disc.Endpoint(),
		RedirectURL: c.RedirectURL(p.ID), Scopes: Scopes}
}

// AuthCodeURL implements app.OIDCProtocol.
func (c *Client) AuthCodeURL(ctx context.Context, providerID, state, nonce, verifier string) (string, error) {
	p, err := c.provider(providerID)
	if err != nil {
		return "", err
	}
	disc, err := c.discover(ctx, p)
	if err != nil {
		return "", err
	}
	return p.oauth2(c, disc).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// idClaims are the claims read beyond go-oidc's own. email_verified may
// come as a string ("true") from some providers.
type idClaims struct {
	Email         string `json:"email"`
	EmailVerified any    `json:"email_verified"`
	Name          string `json:"name"`
	GivenName     string `json:"given_name"`
	FamilyName    string `json:"family_name"`
	AuthorizedFor string `json:"azp"`
}

func truthy(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return b == "true"
	}
	return false
}

func (cl *idClaims) name() string {
	if n := strings.TrimSpace(cl.Name); n != "" {
		return n
	}
	return strings.TrimSpace(strings.TrimSpace(cl.GivenName) + " " + strings.TrimSpace(cl.FamilyName))
}

// Verify implements app.OIDCProtocol: it exchanges the code with the PKCE
// verifier, verifies the ID token (signature with a key from the
// provider's key set, issuer, audience, azp when there are several
// audiences, expiry) and its nonce, and reads the email from the ID token
// or, where the token leaves it out (as some providers do), from UserInfo
// for the same subject.
func (c *Client) Verify(ctx context.Context, providerID, code, verifier, nonce string) (*app.OIDCClaims, error) {
	p, err := c.provider(providerID)
	if err != nil {
		return nil, err
	}
	disc, err := c.discover(ctx, p)
	if err != nil {
		return nil, err
	}
	cctx, cancel := c.ctx(ctx)
	defer cancel()
	tok, err := p.oauth2(c, disc).Exchange(cctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode == "invalid_client" {
			// Our configuration, not the person: logged as an error.
			return nil, fmt.Errorf("token endpoint of %s refused the client credentials: check client_id and the client secret", p.ID)
		}
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			reason := "the token endpoint refused the code"
			if re.ErrorCode != "" && len(re.ErrorCode) < 40 {
				reason += " (" + re.ErrorCode + ")"
			}
			return nil, refused(reason)
		}
		return nil, unavailable("token endpoint", errors.New(discoveryProblem(err)))
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return nil, refused("the token response has no ID token")
	}
	idt, err := disc.Verifier(&oidc.Config{ClientID: p.ClientID, Now: c.opt.Now}).Verify(cctx, raw)
	if err != nil {
		return nil, tokenProblem(err)
	}
	if idt.Nonce == "" || idt.Nonce != nonce {
		return nil, refused("the ID token's nonce is not this sign-in's")
	}
	var cl idClaims
	if err := idt.Claims(&cl); err != nil {
		return nil, refused("the ID token's claims are not valid")
	}
	if len(idt.Audience) > 1 && cl.AuthorizedFor != p.ClientID {
		return nil, refused("the ID token is for several audiences and not authorised for this client")
	}
	out := &app.OIDCClaims{Subject: idt.Subject, Name: cl.name(), Email: cl.Email, EmailVerified: truthy(cl.EmailVerified)}
	if out.Email == "" && disc.UserInfoEndpoint() != "" {
		ui, err := disc.UserInfo(cctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return nil, unavailable("userinfo", errors.New(discoveryProblem(err)))
		}
		if ui.Subject != idt.Subject {
			return nil, refused("UserInfo is for another subject than the ID token")
		}
		var uc idClaims
		if err := ui.Claims(&uc); err != nil {
			return nil, refused("UserInfo's claims are not valid")
		}
		out.Email, out.EmailVerified = ui.Email, ui.EmailVerified
		if out.Name == "" {
			out.Name = uc.name()
		}
	}
	return out, nil
}

// tokenProblem names what was wrong with an ID token, in fixed words.
func tokenProblem(err error) error {
	var expired *oidc.TokenExpiredError
	msg := err.Error()
	switch {
	case errors.As(err, &expired):
		return refused("the ID token has expired")
	case strings.Contains(msg, "fetching keys"):
		return unavailable("key set", errors.New("could not fetch the provider's keys"))
	case strings.Contains(msg, "issued by a different provider"):
		return refused("the ID token is from another issuer")
	case strings.Contains(msg, "expected audience"):
		return refused("the ID token is for another client")
	case strings.Contains(msg, "signature") || strings.Contains(msg, "not signed"):
		return refused("the ID token's signature does not verify with the provider's keys")
	case strings.Contains(msg, "before the nbf") || strings.Contains(msg, "issued in the future"):
		return refused("the ID token is not valid yet")
	default:
		return refused("the ID token is not valid")
	}
}
