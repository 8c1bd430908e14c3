package badge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/badge"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

var issued = time.Date(2026, 11, 21, 14, 6, 0, 0, time.UTC)

func sample() *app.Certificate {
	return &app.Certificate{
		ID: 7, Code: "ABCDEFGHIJKLMNOPQRSTUVWX", UserID: 3, CourseID: "neglect-foundations",
		LearnerName: "Nguyễn Thị Minh Khai", CourseTitle: "Neglect Foundations",
		Modules:     []string{"One", "Two", "Three", "Four", "Five"},
		CompletedAt: issued, CPDMinutes: 150, IssuedAt: issued, ExpiresAt: issued.AddDate(3, 0, 0),
		Partnership: "North Shire Safeguarding Children Partnership",
	}
}

func newIssuer(st *store.Store) *badge.Issuer {
	return &badge.Issuer{Keys: st, BaseURL: "https://learn.example.org", Partnership: "North Shire Safeguarding Children Partnership",
		Now: func() time.Time { return issued }}
}

// ValidateCredential checks a VC-JWT as a relying party would: the
// signature against the key its header names in the published key set, the
// registered claims against the credential, and the credential against the
// Open Badges 3.0 JSON schema. It returns the credential.
func ValidateCredential(t *testing.T, tok string, keySet []byte, schemaFile string) map[string]any {
	t.Helper()
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("parse VC-JWT: %v", err)
	}
	h := parsed.Headers[0]
	if h.Algorithm != "ES256" || h.ExtraHeaders["typ"] != "JWT" || h.KeyID == "" {
		t.Errorf("header %+v, want ES256, typ JWT and a kid", h)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(keySet, &set); err != nil {
		t.Fatal(err)
	}
	keys := set.Key(h.KeyID)
	if len(keys) != 1 {
		t.Fatalf("the key set has %d keys with kid %s", len(keys), h.KeyID)
	}
	if !keys[0].IsPublic() {
		t.Fatal("the key set publishes a private key")
	}
	var claims struct {
		jwt.Claims
		VC map[string]any `json:"vc"`
	}
	if err := parsed.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("signature does not verify with the published key: %v", err)
	}
	if claims.Issuer != claims.VC["issuer"].(map[string]any)["id"] || claims.ID != claims.VC["id"] || claims.Expiry == nil || claims.NotBefore == nil {
		t.Errorf("registered claims %+v do not match the credential", claims.Claims)
	}
	if err := claims.Validate(jwt.Expected{Time: issued.Add(time.Hour)}); err != nil {
		t.Errorf("claims: %v", err)
	}

	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("ob_v3p0_achievementcredential_schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("ob_v3p0_achievementcredential_schema.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(claims.VC)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(inst); err != nil {
		t.Errorf("the credential does not validate against the Open Badges 3.0 schema: %v\n%s", err, raw)
	}
	return claims.VC
}

func TestCredentialValidatesAndVerifies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		is := newIssuer(st)
		c := sample()
		tok, err := is.Credential(ctx, c, " Khai.Nguyen@Example.org ")
		if err != nil {
			t.Fatal(err)
		}
		set, err := is.KeySet(ctx)
		if err != nil {
			t.Fatal(err)
		}
		vc := ValidateCredential(t, tok, set, "testdata/ob_v3p0_achievementcredential_schema.json")

		// The same facts as the certificate record.
		subject := vc["credentialSubject"].(map[string]any)
		ids := subject["identifier"].([]any)
		name, email := ids[0].(map[string]any), ids[1].(map[string]any)
		if name["identityType"] != "name" || name["identityHash"] != c.LearnerName || name["hashed"] != false {
			t.Errorf("name identifier %v", name)
		}
		salt, _ := email["salt"].(string)
		if email["identityType"] != "emailAddress" || email["hashed"] != true || salt == "" ||
			email["identityHash"] != badge.HashEmail("khai.nguyen@example.org", salt) || strings.Contains(tok, "example.org\"") {
			t.Errorf("email identifier %v", email)
		}
		ach := subject["achievement"].(map[string]any)
		if ach["name"] != "Neglect Foundations" || !strings.Contains(ach["criteria"].(map[string]any)["narrative"].(string), "5. Five") || subject["creditsEarned"] != 2.5 {
			t.Errorf("achievement %v, credits %v", ach, subject["creditsEarned"])
		}
		if vc["validFrom"] != "2026-11-21T14:06:00Z" || vc["validUntil"] != "2029-11-21T14:06:00Z" ||
			vc["id"] != "https://learn.example.org/verify/ABCD-EFGH-IJKL-MNOP-QRST-UVWX" {
			t.Errorf("credential %v", vc)
		}
		if st := vc["credentialStatus"].(map[string]any); st["type"] != "1EdTechRevocationList" || st["id"] != "https://learn.example.org/badges/status/ABCDEFGHIJKLMNOPQRSTUVWX" {
			t.Errorf("credentialStatus %v", st)
		}
	})
}

// TestKeysAreMadeOnceAndRotated checks that concurrent first uses agree on
// one key, that rotation keeps the old key published, and that a badge the
// old key signed still verifies.
func TestKeysAreMadeOnceAndRotated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		is := newIssuer(st)
		var wg sync.WaitGroup
		kids := make([]string, 8)
		for i := range kids {
			wg.Go(func() {
				tok, err := is.Credential(ctx, sample(), "a@example.org")
				if err != nil {
					t.Error(err)
					return
				}
				p, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.ES256})
				if err != nil {
					t.Error(err)
					return
				}
				kids[i] = p.Headers[0].KeyID
			})
		}
		wg.Wait()
		for _, k := range kids {
			if k != kids[0] {
				t.Fatalf("concurrent first uses signed with different keys: %v", kids)
			}
		}
		keys, err := st.SigningKeys(ctx)
		if err != nil || len(keys) != 1 {
			t.Fatalf("%d keys, %v; want one", len(keys), err)
		}

		old, _ := is.Credential(ctx, sample(), "a@example.org")
		fresh, err := is.Rotate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tok, _ := is.Credential(ctx, sample(), "a@example.org")
		p, _ := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.ES256})
		if p.Headers[0].KeyID != fresh.ID || fresh.ID == kids[0] {
			t.Errorf("after rotation signed with %s, want the new key %s", p.Headers[0].KeyID, fresh.ID)
		}
		set, _ := is.KeySet(ctx)
		ValidateCredential(t, old, set, "testdata/ob_v3p0_achievementcredential_schema.json")
		ValidateCredential(t, tok, set, "testdata/ob_v3p0_achievementcredential_schema.json")
		keys, _ = st.SigningKeys(ctx)
		if len(keys) != 2 || keys[0].ID != fresh.ID || keys[0].RetiredAt != nil || keys[1].RetiredAt == nil {
			t.Errorf("keys after rotation: %+v", keys)
		}
	})
}

func TestRevokedBadgeSaysSo(t *testing.T) {
	is := &badge.Issuer{BaseURL: "https://learn.example.org", Partnership: "P"}
	c := sample()
	at := issued.AddDate(1, 0, 0)
	c.RevokedAt, c.PublicReason = &at, "Issued in error"
	if d := is.Build(c, "a@example.org").Description; !strings.HasPrefix(d, "REVOKED on 2027-11-21") {
		t.Errorf("description %q", d)
	}
	b, err := is.StatusList(c)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		RevokedCredentials []struct{ ID, RevocationReason string } `json:"revokedCredentials"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.RevokedCredentials) != 1 || list.RevokedCredentials[0].ID != "https://learn.example.org/verify/ABCD-EFGH-IJKL-MNOP-QRST-UVWX" || list.RevokedCredentials[0].RevocationReason != "Issued in error" {
		t.Errorf("status list %s", b)
	}
	c.RevokedAt = nil
	if b, _ := is.StatusList(c); !strings.Contains(string(b), `"revokedCredentials":[]`) {
		t.Errorf("status list of a current credential %s", b)
	}
}

// TestSchemaCatchesMistakes makes sure the schema check can fail: a
// credential without validFrom, or with an unknown identity type, does not
// pass it.
func TestSchemaCatchesMistakes(t *testing.T) {
	f, err := os.Open("testdata/ob_v3p0_achievementcredential_schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	is := &badge.Issuer{BaseURL: "https://learn.example.org", Partnership: "P"}
	for name, spoil := range map[string]func(map[string]any){
		"valid":        func(map[string]any) {},
		"no validFrom": func(vc map[string]any) { delete(vc, "validFrom") },
		"unknown identity type": func(vc map[string]any) {
			vc["credentialSubject"].(map[string]any)["identifier"].([]any)[0].(map[string]any)["identityType"] = "phone"
		},
		"no achievement name": func(vc map[string]any) {
			delete(vc["credentialSubject"].(map[string]any)["achievement"].(map[string]any), "name")
		},
	} {
		raw, _ := json.Marshal(is.Build(sample(), "a@example.org"))
		var vc map[string]any
		if err := json.Unmarshal(raw, &vc); err != nil {
			t.Fatal(err)
		}
		spoil(vc)
		raw, _ = json.Marshal(vc)
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err := schema.Validate(inst); (err == nil) != (name == "valid") {
			t.Errorf("%s: schema says %v", name, err)
		}
	}
}
