package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// OIDCProvider is an organisation's OpenID provider as an administrator
// configured it: who it is, and the rules for the accounts it vouches for.
// The protocol (discovery, the code exchange, verifying tokens) is
// app/oidc's; the client secret never reaches this package.
type OIDCProvider struct {
	ID     string // slug in URLs: /sign-in/oidc/{ID}
	Name   string // what people call it: the button reads "Sign in with {Name}"
	Issuer string // the issuer URL, exactly as the provider's ID tokens carry it
	// Domains are the email domains allowed to sign in through it (lower
	// case, matched exactly). Empty: any, and then an address the provider
	// does not vouch for is dropped and the learner is asked for one.
	Domains []string
	// Organisation names the organisation new users are placed in; ""
	// asks them once. DomainOrganisations overrides it per domain.
	Organisation        string
	DomainOrganisations map[string]string
	// PasswordSignIn false refuses the password form to addresses in
	// Domains: those people sign in through the provider only.
	PasswordSignIn bool
	// TrustEmail takes the email claim as verified even without
	// email_verified (Microsoft Entra ID sends none): only for a
	// single-tenant provider whose administrators manage the addresses,
	// and only with Domains set.
	TrustEmail bool
}

var (
	providerIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
	domainPattern     = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// ValidateOIDCProviders checks a configured list: each provider complete
// and well formed, and no two with the same ID or issuer (an identity is
// keyed by its issuer). The error names the provider and the field.
func ValidateOIDCProviders(ps []OIDCProvider) error {
	ids, issuers := map[string]bool{}, map[string]bool{}
	for i, p := range ps {
		name := p.ID
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		if err := p.validate(); err != nil {
			return fmt.Errorf("OIDC provider %s: %w", name, err)
		}
		if ids[p.ID] {
			return fmt.Errorf("OIDC provider %s: id is used by another provider", name)
		}
		if issuers[p.Issuer] {
			return fmt.Errorf("OIDC provider %s: issuer %s is used by another provider", name, p.Issuer)
		}
		ids[p.ID], issuers[p.Issuer] = true, true
	}
	return nil
}

func (p *OIDCProvider) validate() error {
	if !providerIDPattern.MatchString(p.ID) {
		return errors.New(`id must be 1 to 40 lower-case letters, digits or hyphens, such as "nhsmail" (it appears in the redirect URI)`)
	}
	if strings.TrimSpace(p.Name) == "" || len(p.Name) > 60 || TextProblem(p.Name) != "" {
		return errors.New("name is required (up to 60 characters): the sign-in button reads \"Sign in with <name>\"")
	}
	if err := checkIssuer(p.Issuer); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, d := range p.Domains {
		if !domainPattern.MatchString(d) {
			return fmt.Errorf("allowed domain %q is not a lower-case domain name such as nhs.net", d)
		}
		if seen[d] {
			return fmt.Errorf("allowed domain %q is listed twice", d)
		}
		seen[d] = true
	}
	for d, org := range p.DomainOrganisations {
		if !seen[d] {
			return fmt.Errorf("domain_organisations names %q, which is not one of the allowed domains", d)
		}
		if strings.TrimSpace(org) == "" {
			return fmt.Errorf("domain_organisations gives %q no organisation", d)
		}
	}
	if !p.PasswordSignIn && len(p.Domains) == 0 {
		return errors.New("password_sign_in false needs allowed domains: it turns password sign-in off for those domains")
	}
	if p.TrustEmail && len(p.Domains) == 0 {
		return errors.New("trust_email needs allowed domains, so an address from anywhere else is still refused")
	}
	return nil
}

// checkIssuer accepts an https URL, or http on the loopback interface
// (a provider run for tests or development).
func checkIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("issuer %q is not an absolute URL without query or fragment", issuer)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if h := u.Hostname(); h == "127.0.0.1" || h == "::1" || h == "localhost" {
			return nil
		}
	}
	return fmt.Errorf("issuer %q must use https", issuer)
}

// emailDomain is the lower-case part after the last @, or "".
func emailDomain(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return ""
	}
	return NormaliseEmail(email[i+1:])
}

// Allows reports whether an address may sign in through the provider.
func (p *OIDCProvider) Allows(email string) bool {
	if len(p.Domains) == 0 {
		return true
	}
	d := emailDomain(email)
	for _, x := range p.Domains {
		if d == x {
			return true
		}
	}
	return false
}

// OrganisationFor names the organisation a new user with this address is
// placed in, "" when they are to be asked.
func (p *OIDCProvider) OrganisationFor(email string) string {
	if org := p.DomainOrganisations[emailDomain(email)]; org != "" {
		return org
	}
	return p.Organisation
}

// PasswordOffFor returns the provider through which alone an address may
// sign in (its domain is one whose provider turned password sign-in off),
// or nil when the password form is open to it.
func PasswordOffFor(ps []OIDCProvider, email string) *OIDCProvider {
	d := emailDomain(email)
	if d == "" {
		return nil
	}
	for i := range ps {
		if !ps[i].PasswordSignIn && len(ps[i].Domains) > 0 && ps[i].Allows(email) {
			return &ps[i]
		}
	}
	return nil
}

// passwordOff is the error the password form answers for such an address.
func passwordOff(p *OIDCProvider) error {
	return Invalid([]FieldError{{Field: "email", Message: "Your organisation signs you in with " + p.Name +
		": use the \u201cSign in with " + p.Name + "\u201d button instead of a password"}})
}

// SignInWithPassword is the password form's sign-in: SignIn, except that
// an address whose organisation turned password sign-in off is refused
// (EINVALID on the email field, pointing to its provider's button) before
// any password is checked. The rule is the domain's, so the answer says
// nothing about whether an account exists. Linking an existing account
// (LinkWithPassword) still takes its password: that proves ownership.
func (a *Accounts) SignInWithPassword(ctx context.Context, email, password string) (*User, string, error) {
	if p := PasswordOffFor(a.OIDCProviders, email); p != nil {
		a.event("password sign-in refused", "provider", p.ID)
		return nil, "", passwordOff(p)
	}
	return a.SignIn(ctx, email, password)
}

// passwordAccountAllowed refuses registering a password for an address
// whose organisation turned password sign-in off: it could never be used.
func (a *Accounts) passwordAccountAllowed(email string) error {
	if p := PasswordOffFor(a.OIDCProviders, email); p != nil {
		return Invalid([]FieldError{{Field: "email", Message: "Your organisation signs you in with " + p.Name +
			": use the \u201cSign in with " + p.Name + "\u201d button on the sign-in page instead of creating a password"}})
	}
	return nil
}
