package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/gofiber/fiber/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/net/html"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

func linkTo(t *testing.T, doc *html.Node, text string) string {
	t.Helper()
	for _, a := range findAll(doc, element("a")) {
		if strings.TrimSpace(textOf(a)) == text {
			return attr(a, "href")
		}
	}
	t.Fatalf("no link %q on the page", text)
	return ""
}

// TestBadgeFromTheCertificatePage downloads the badge the way a learner
// does, and checks it as a relying party would: its signature against the
// published key set and its credential against the Open Badges 3.0 schema.
func TestBadgeFromTheCertificatePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		ctx := context.Background()
		id := srv.ovUser(t, "王小明", "xiaoming@example.org", "")
		srv.ovComplete(t, id)
		cert, err := srv.learning.Certificate(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		learner := srv.ovSignIn(t, id)
		page := learner.get("/certificate")
		page.wantStatus(t, fiber.StatusOK)
		doc := page.html(t)

		res := learner.get(linkTo(t, doc, "Download digital badge"))
		res.wantStatus(t, fiber.StatusOK)
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Errorf("Content-Disposition %q", cd)
		}
		anon := srv.newClient(t)
		keys := anon.get("/.well-known/jwks.json")
		keys.wantStatus(t, fiber.StatusOK)
		if strings.Contains(string(keys.body), `"d"`) {
			t.Fatalf("the published key set holds a private key: %s", keys.body)
		}
		vc := checkBadge(t, string(res.body), keys.body)
		subject := vc["credentialSubject"].(map[string]any)
		if got := subject["identifier"].([]any)[0].(map[string]any)["identityHash"]; got != "王小明" {
			t.Errorf("badge names %v, the certificate %s", got, cert.LearnerName)
		}
		if vc["id"] != "http://localhost:3000/verify/"+app.FormatCode(cert.Code) {
			t.Errorf("badge id %v", vc["id"])
		}
		// The ids in the badge resolve.
		achID := subject["achievement"].(map[string]any)["id"].(string)
		ach := anon.get(strings.TrimPrefix(achID, "http://localhost:3000"))
		ach.wantStatus(t, fiber.StatusOK)
		if !strings.Contains(string(ach.body), `"name":"`+cert.CourseTitle+`"`) || !strings.Contains(string(ach.body), `"criteria"`) {
			t.Errorf("achievement %s", ach.body)
		}
		issuer := anon.get(strings.TrimPrefix(vc["issuer"].(map[string]any)["id"].(string), "http://localhost:3000"))
		issuer.wantStatus(t, fiber.StatusOK)
		if !strings.Contains(string(issuer.body), `"name":"Test Partnership"`) {
			t.Errorf("issuer profile %s", issuer.body)
		}

		// LinkedIn's add-to-profile link carries the certification.
		li, err := url.Parse(linkTo(t, doc, "Add to LinkedIn profile"))
		if err != nil {
			t.Fatal(err)
		}
		q := li.Query()
		if li.Host != "www.linkedin.com" || q.Get("startTask") != "CERTIFICATION_NAME" || q.Get("name") != cert.CourseTitle ||
			q.Get("organizationName") != "Test Partnership" || q.Get("certId") != app.FormatCode(cert.Code) ||
			q.Get("certUrl") != "http://localhost:3000/verify/"+app.FormatCode(cert.Code) || q.Get("issueYear") != "2025" || q.Get("issueMonth") != "3" {
			t.Errorf("LinkedIn link %s", li)
		}

		// Revoked: the badge is still given and says so; its status list
		// names it.
		status := "/badges/status/" + cert.Code
		if b := anon.get(status); !strings.Contains(string(b.body), `"revokedCredentials":[]`) {
			t.Errorf("status of a current badge: %s", b.body)
		}
		coord := srv.ovSignIn(t, srv.ovUser(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator))
		coord.post(fmt.Sprintf("/reports/learners/%d/revoke", id), url.Values{"reason": {"Wrong person"}, "public_reason": {"Issued in error"}, "confirm": {"yes"}}).wantStatus(t, fiber.StatusSeeOther)
		res = learner.get("/certificate/badge.jwt")
		res.wantStatus(t, fiber.StatusOK)
		vc = checkBadge(t, string(res.body), anon.get("/.well-known/jwks.json").body)
		if d, _ := vc["description"].(string); !strings.HasPrefix(d, "REVOKED on ") {
			t.Errorf("a revoked badge's description %q", d)
		}
		if b := anon.get(status); !strings.Contains(string(b.body), `"revocationReason":"Issued in error"`) {
			t.Errorf("status of a revoked badge: %s", b.body)
		}
		if page := textOf(learner.get("/certificate").html(t)); strings.Contains(page, "Add to LinkedIn profile") {
			t.Error("a revoked certificate is still offered for LinkedIn")
		}

		for code, want := range map[string]int{"not-a-code": fiber.StatusBadRequest, "AAAAAAAAAAAAAAAAAAAAAAAA": fiber.StatusNotFound} {
			if res := anon.get("/badges/status/" + code); res.StatusCode != want || !strings.Contains(string(res.body), `"error"`) {
				t.Errorf("status of %s: %d %s, want %d", code, res.StatusCode, res.body, want)
			}
		}
	})
}

// checkBadge verifies a VC-JWT with the key its header names in keySet
// and validates its credential against the Open Badges 3.0 schema.
func checkBadge(t *testing.T, tok string, keySet []byte) map[string]any {
	t.Helper()
	parsed, err := jwt.ParseSigned(strings.TrimSpace(tok), []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("parse badge: %v", err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(keySet, &set); err != nil {
		t.Fatal(err)
	}
	keys := set.Key(parsed.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("no published key %q", parsed.Headers[0].KeyID)
	}
	var claims struct {
		VC map[string]any `json:"vc"`
	}
	if err := parsed.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("the badge's signature does not verify with the published key: %v", err)
	}
	f, err := os.Open("../badge/testdata/ob_v3p0_achievementcredential_schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("ob3.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("ob3.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(claims.VC)
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err := schema.Validate(inst); err != nil {
		t.Errorf("the badge does not validate against the Open Badges 3.0 schema: %v", err)
	}
	return claims.VC
}
