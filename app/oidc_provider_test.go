package app

import (
	"strings"
	"testing"
)

func TestOIDCProviderRules(t *testing.T) {
	p := OIDCProvider{ID: "nhsmail", Name: "NHSmail", Issuer: "https://login.example/t/v2.0", Domains: []string{"nhs.net", "gp.example.uk"},
		Organisation: "Hospital trust", DomainOrganisations: map[string]string{"gp.example.uk": "GP practice"}}
	for _, c := range []struct {
		email   string
		allowed bool
		org     string
	}{
		{"a.b@nhs.net", true, "Hospital trust"},
		{"A.B@NHS.NET", true, "Hospital trust"},
		{"dr@gp.example.uk", true, "GP practice"},
		{"x@mail.nhs.net", false, "Hospital trust"},
		{"x@nhs.net.evil.example", false, "Hospital trust"},
		{"x@evil.example@nhs.net", true, "Hospital trust"}, // the last @ decides; such an address is refused as an email elsewhere
		{"no-at-sign", false, "Hospital trust"},
	} {
		if got := p.Allows(c.email); got != c.allowed {
			t.Errorf("Allows(%q) = %v", c.email, got)
		}
		if got := p.OrganisationFor(c.email); got != c.org {
			t.Errorf("OrganisationFor(%q) = %q, want %q", c.email, got, c.org)
		}
	}
	open := OIDCProvider{ID: "any", Name: "Any", Issuer: "https://any.example", PasswordSignIn: true}
	if !open.Allows("someone@anywhere.example") {
		t.Error("a provider without domains refused an address")
	}

	on, off := p, p
	on.PasswordSignIn = true
	ps := []OIDCProvider{open, on}
	if PasswordOffFor(ps, "a@nhs.net") != nil {
		t.Error("password refused though every provider allows it")
	}
	ps = append(ps, func() OIDCProvider { off.ID, off.Issuer = "nhsmail-2", "https://other.example"; return off }())
	if got := PasswordOffFor(ps, "a@NHS.net"); got == nil || got.ID != "nhsmail-2" {
		t.Errorf("PasswordOffFor = %v, want nhsmail-2", got)
	}
	for _, email := range []string{"a@elsewhere.example", "", "nhs.net"} {
		if PasswordOffFor(ps, email) != nil {
			t.Errorf("password refused for %q", email)
		}
	}
	if err := passwordOff(&off); !strings.Contains(ErrorMessage(err), "Sign in with NHSmail") || ErrorCode(err) != EINVALID {
		t.Errorf("refusal %v", err)
	}
}

func TestValidateOIDCProviders(t *testing.T) {
	good := OIDCProvider{ID: "a", Name: "A", Issuer: "https://a.example", PasswordSignIn: true}
	for _, c := range []struct {
		name string
		edit func(*OIDCProvider)
		want string
	}{
		{"good", func(*OIDCProvider) {}, ""},
		{"loopback http", func(p *OIDCProvider) { p.Issuer = "http://[::1]:8080" }, ""},
		{"http elsewhere", func(p *OIDCProvider) { p.Issuer = "http://a.example" }, "https"},
		{"query in issuer", func(p *OIDCProvider) { p.Issuer = "https://a.example/?x=1" }, "without query"},
		{"relative issuer", func(p *OIDCProvider) { p.Issuer = "/a" }, "absolute URL"},
		{"id with capitals", func(p *OIDCProvider) { p.ID = "NHS" }, "id must be"},
		{"id too long", func(p *OIDCProvider) { p.ID = strings.Repeat("a", 41) }, "id must be"},
		{"name with a control character", func(p *OIDCProvider) { p.Name = "A\x07" }, "name is required"},
		{"domain twice", func(p *OIDCProvider) { p.Domains = []string{"a.example", "a.example"} }, "twice"},
		{"domain with @", func(p *OIDCProvider) { p.Domains = []string{"@a.example"} }, "not a lower-case domain"},
		{"empty organisation for a domain", func(p *OIDCProvider) {
			p.Domains, p.DomainOrganisations = []string{"a.example"}, map[string]string{"a.example": " "}
		}, "no organisation"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := good
			c.edit(&p)
			err := ValidateOIDCProviders([]OIDCProvider{p})
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}
