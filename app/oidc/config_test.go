package oidc_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/foundations/foundations/app/oidc"
)

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseProviders(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte("from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"NHS_SECRET": "from-the-env"}
	getenv := func(k string) string { return env[k] }
	good := `{"id":"nhsmail","name":"NHSmail","issuer":"https://login.microsoftonline.com/t/v2.0","client_id":"c","client_secret_env":"NHS_SECRET"`
	cases := []struct {
		name, json, want string // want: words in the error; "" = accepted
	}{
		{"empty is none", "", ""},
		{"secret from env", `[` + good + `}]`, ""},
		{"secret from file", `[{"id":"a","name":"A","issuer":"https://a.example","client_id":"c","client_secret_file":"` + secretFile + `"}]`, ""},
		{"loopback http issuer", `[{"id":"a","name":"A","issuer":"http://127.0.0.1:5556","client_id":"c","client_secret":"s"}]`, ""},
		{"domains and password off", `[` + good + `,"domains":["NHS.net"],"password_sign_in":false,"domain_organisations":{"nhs.net":"NHS"}}]`, ""},
		{"not JSON", `{"id":`, "not a JSON array"},
		{"unknown field", `[` + good + `,"client_secert":"x"}]`, "unknown field"},
		{"bad id", `[{"id":"NHS Mail","name":"A","issuer":"https://a.example","client_id":"c","client_secret":"s"}]`, "id must be"},
		{"no name", `[{"id":"a","issuer":"https://a.example","client_id":"c","client_secret":"s"}]`, "name is required"},
		{"plain http issuer", `[{"id":"a","name":"A","issuer":"http://login.example","client_id":"c","client_secret":"s"}]`, "must use https"},
		{"no issuer", `[{"id":"a","name":"A","client_id":"c","client_secret":"s"}]`, "issuer"},
		{"no client id", `[{"id":"a","name":"A","issuer":"https://a.example","client_secret":"s"}]`, "client_id is required"},
		{"no secret", `[{"id":"a","name":"A","issuer":"https://a.example","client_id":"c"}]`, "exactly one"},
		{"two secrets", `[{"id":"a","name":"A","issuer":"https://a.example","client_id":"c","client_secret":"s","client_secret_env":"NHS_SECRET"}]`, "exactly one"},
		{"secret env unset", `[{"id":"a","name":"A","issuer":"https://a.example","client_id":"c","client_secret_env":"MISSING"}]`, "MISSING, which is not set"},
		{"secret file missing", `[{"id":"a","name":"A","issuer":"https://a.example","client_id":"c","client_secret_file":"/nonexistent/x"}]`, "client_secret_file"},
		{"bad domain", `[` + good + `,"domains":["nhs net"]}]`, "not a lower-case domain"},
		{"password off without domains", `[` + good + `,"password_sign_in":false}]`, "needs allowed domains"},
		{"trust_email without domains", `[` + good + `,"trust_email":true}]`, "trust_email needs"},
		{"organisation for a domain not allowed", `[` + good + `,"domains":["nhs.net"],"domain_organisations":{"x.org":"X"}}]`, "not one of the allowed domains"},
		{"duplicate id", `[` + good + `},{"id":"nhsmail","name":"B","issuer":"https://b.example","client_id":"c","client_secret":"s"}]`, "id is used"},
		{"duplicate issuer", `[` + good + `},{"id":"b","name":"B","issuer":"https://login.microsoftonline.com/t/v2.0","client_id":"c","client_secret":"s"}]`, "issuer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps, err := oidc.ParseProviders([]byte(c.json), getenv, os.ReadFile)
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, %v; want an error saying %q", ps, err, c.want)
			}
			for _, secret := range []string{"from-the-env", "from-a-file", `"s"`} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error shows a secret: %v", err)
				}
			}
		})
	}
	ps, err := oidc.ParseProviders([]byte(`[`+good+`,"domains":["@NHS.net"],"password_sign_in":false}]`), getenv, func(string) ([]byte, error) { return nil, errors.New("unused") })
	if err != nil {
		t.Fatal(err)
	}
	if p := ps[0]; p.Domains[0] != "nhs.net" || p.PasswordSignIn || !p.Allows("Someone@nhs.NET") || p.Allows("someone@nhs.net.evil.example") {
		t.Fatalf("parsed %+v", p.OIDCProvider)
	}
}
