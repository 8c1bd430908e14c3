package oidc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/foundations/foundations/app"
)

// ProviderConfig is one entry of OIDC_PROVIDERS as an administrator
// writes it. The secret may sit in the JSON (client_secret), or better in
// a file (client_secret_file, such as a mounted secret) or another
// environment variable (client_secret_env); exactly one is required.
type ProviderConfig struct {
	ID                  string            `json:"id"`
	Name                string            `json:"name"`
	Issuer              string            `json:"issuer"`
	ClientID            string            `json:"client_id"`
	ClientSecret        string            `json:"client_secret"`
	ClientSecretFile    string            `json:"client_secret_file"`
	ClientSecretEnv     string            `json:"client_secret_env"`
	Domains             []string          `json:"domains"`
	Organisation        string            `json:"organisation"`
	DomainOrganisations map[string]string `json:"domain_organisations"`
	PasswordSignIn      *bool             `json:"password_sign_in"` // absent: true
	TrustEmail          bool              `json:"trust_email"`
}

// Provider is a configured provider: its rules for app, and its client
// credentials for the protocol, which stay in this package.
type Provider struct {
	app.OIDCProvider
	ClientID     string
	clientSecret string
}

// ParseProviders reads the JSON array of OIDC_PROVIDERS and checks every
// entry, reading secrets through getenv and readFile. The error names the
// provider and what is wrong, and never holds a secret. An empty input is
// no providers.
func ParseProviders(data []byte, getenv func(string) string, readFile func(string) ([]byte, error)) ([]Provider, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var cfgs []ProviderConfig
	if err := dec.Decode(&cfgs); err != nil {
		return nil, fmt.Errorf("OIDC providers: not a JSON array of providers: %w", err)
	}
	if dec.More() {
		return nil, errors.New("OIDC providers: unexpected text after the JSON array")
	}
	out := make([]Provider, 0, len(cfgs))
	rules := make([]app.OIDCProvider, 0, len(cfgs))
	for i, c := range cfgs {
		p, err := c.provider(getenv, readFile)
		if err != nil {
			name := c.ID
			if name == "" {
				name = fmt.Sprintf("#%d", i+1)
			}
			return nil, fmt.Errorf("OIDC provider %s: %w", name, err)
		}
		out = append(out, p)
		rules = append(rules, p.OIDCProvider)
	}
	if err := app.ValidateOIDCProviders(rules); err != nil {
		return nil, err
	}
	return out, nil
}

func (c ProviderConfig) provider(getenv func(string) string, readFile func(string) ([]byte, error)) (Provider, error) {
	p := Provider{OIDCProvider: app.OIDCProvider{ID: c.ID, Name: strings.TrimSpace(c.Name), Issuer: c.Issuer,
		Organisation: strings.TrimSpace(c.Organisation), PasswordSignIn: c.PasswordSignIn == nil || *c.PasswordSignIn,
		TrustEmail: c.TrustEmail}, ClientID: c.ClientID}
	for _, d := range c.Domains {
		p.Domains = append(p.Domains, strings.TrimPrefix(strings.ToLower(strings.TrimSpace(d)), "@"))
	}
	if len(c.DomainOrganisations) > 0 {
		p.DomainOrganisations = map[string]string{}
		for d, org := range c.DomainOrganisations {
			p.DomainOrganisations[strings.TrimPrefix(strings.ToLower(strings.TrimSpace(d)), "@")] = strings.TrimSpace(org)
		}
	}
	if strings.TrimSpace(c.ClientID) == "" {
		return p, errors.New("client_id is required")
	}
	set := 0
	for _, s := range []string{c.ClientSecret, c.ClientSecretFile, c.ClientSecretEnv} {
		if s != "" {
			set++
		}
	}
	if set != 1 {
		return p, errors.New("give the client secret in exactly one of client_secret_file (a path), client_secret_env (a variable's name) or client_secret")
	}
	switch {
	case c.ClientSecretFile != "":
		b, err := readFile(c.ClientSecretFile)
		if err != nil {
			return p, fmt.Errorf("client_secret_file: %w", err)
		}
		p.clientSecret = strings.TrimSpace(string(b))
		if p.clientSecret == "" {
			return p, fmt.Errorf("client_secret_file %s is empty", c.ClientSecretFile)
		}
	case c.ClientSecretEnv != "":
		p.clientSecret = strings.TrimSpace(getenv(c.ClientSecretEnv))
		if p.clientSecret == "" {
			return p, fmt.Errorf("client_secret_env names %s, which is not set", c.ClientSecretEnv)
		}
	default:
		p.clientSecret = c.ClientSecret
	}
	return p, nil
}

// Rules lists the providers' rules, for app.
func Rules(ps []Provider) []app.OIDCProvider {
	out := make([]app.OIDCProvider, len(ps))
	for i, p := range ps {
		out[i] = p.OIDCProvider
	}
	return out
}
