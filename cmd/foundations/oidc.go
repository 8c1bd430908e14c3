package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/oidc"
)

// loadOIDC reads the organisations' OpenID providers from OIDC_PROVIDERS
// (a JSON array) or the file OIDC_PROVIDERS_FILE names; a mistake in
// either stops start-up with what is wrong. No provider is contacted
// here: each is discovered on first use, so one that is down does not
// stop the service starting.
func (c *config) loadOIDC() error {
	inline, file := env("OIDC_PROVIDERS", ""), env("OIDC_PROVIDERS_FILE", "")
	if inline != "" && file != "" {
		return fmt.Errorf("set OIDC_PROVIDERS or OIDC_PROVIDERS_FILE, not both")
	}
	data := []byte(inline)
	if file != "" {
		var err error
		if data, err = os.ReadFile(file); err != nil { // #nosec G304 -- the operator names the file in their own configuration
			return fmt.Errorf("OIDC_PROVIDERS_FILE: %w", err)
		}
	}
	ps, err := oidc.ParseProviders(data, os.Getenv, os.ReadFile)
	if err != nil {
		return err
	}
	c.OIDCProviders = ps
	return nil
}

// newOIDCSignIn is OIDC sign-in for the configured providers, nil when
// there are none. Organisations named for new users that do not exist are
// warned about (new users are then asked for theirs).
func newOIDCSignIn(ctx context.Context, log *slog.Logger, cfg *config, st app.Store, states app.OIDCStateStore, accounts *app.Accounts, now func() time.Time) (*app.OIDCSignIn, error) {
	if len(cfg.OIDCProviders) == 0 {
		return nil, nil
	}
	orgs, err := st.Organisations(ctx)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, o := range orgs {
		known[strings.ToLower(o.Name)] = true
	}
	rules := oidc.Rules(cfg.OIDCProviders)
	var ids []string
	for _, p := range rules {
		ids = append(ids, p.ID)
		names := []string{p.Organisation}
		for _, n := range p.DomainOrganisations {
			names = append(names, n)
		}
		for _, n := range names {
			if n != "" && !known[strings.ToLower(n)] {
				log.Warn("OIDC provider names an organisation that does not exist; its new users will be asked for theirs", "provider", p.ID, "organisation", n)
			}
		}
	}
	accounts.OIDCProviders = rules
	log.Info("OIDC providers configured", "providers", strings.Join(ids, ","))
	return &app.OIDCSignIn{Providers: rules, States: states, Accounts: accounts, Now: now, Log: log,
		Protocol: oidc.New(cfg.OIDCProviders, oidc.Options{BaseURL: cfg.BaseURL})}, nil
}
