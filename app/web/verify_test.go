package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/gofiber/fiber/v2"
)

type verifyAnswer struct {
	Code            string   `json:"code"`
	Status          string   `json:"status"`
	Message         string   `json:"message"`
	LearnerName     string   `json:"learner_name"`
	CourseTitle     string   `json:"course_title"`
	Modules         []string `json:"modules"`
	CompletedOn     string   `json:"completed_on"`
	ValidUntil      *string  `json:"valid_until"`
	ExpiredOn       *string  `json:"expired_on"`
	RevokedOn       *string  `json:"revoked_on"`
	RevokedReason   *string  `json:"revocation_reason"`
	VerificationURL string   `json:"verification_url"`
	Error           string   `json:"error"`
}

func verifyJSON(t *testing.T, c *client, code string, status int) verifyAnswer {
	t.Helper()
	res := c.get("/verify/" + code + ".json")
	res.wantStatus(t, status)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want JSON", ct)
	}
	var v verifyAnswer
	if err := json.Unmarshal(res.body, &v); err != nil {
		t.Fatalf("%s: %v", res.body, err)
	}
	return v
}

// TestVerifyNeverContradictsItself walks one certificate through valid,
// expired, revoked with a public reason and replaced, and checks that the
// page and its JSON say the same and never give a "valid until" date for a
// certificate that is not valid.
func TestVerifyNeverContradictsItself(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		ctx := context.Background()
		id := srv.ovUser(t, "Nguyễn Thị Minh Khai", "khai@example.org", "")
		srv.ovComplete(t, id)
		cert, err := srv.learning.Certificate(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		anon := srv.newClient(t)
		code := app.FormatCode(cert.Code)
		page := func(code string) string {
			res := anon.get("/verify/" + code)
			res.wantStatus(t, fiber.StatusOK)
			return textOf(res.html(t))
		}

		v := verifyJSON(t, anon, code, fiber.StatusOK)
		if v.Status != "valid" || v.ValidUntil == nil || *v.ValidUntil != "2028-03-14" || v.ExpiredOn != nil || v.RevokedOn != nil {
			t.Errorf("valid: %+v", v)
		}
		if v.LearnerName != cert.LearnerName || v.Code != code || v.CompletedOn != "2025-03-14" || v.VerificationURL != "http://localhost:3000/verify/"+code || len(v.Modules) != 2 {
			t.Errorf("valid: %+v does not match the record %+v", v, cert)
		}
		if p := page(code); !strings.Contains(p, v.Message) || !strings.Contains(p, "Valid until 14 March 2028") {
			t.Errorf("the page does not say what the JSON says (%q): %s", v.Message, p)
		}
		// Lower case and without hyphens finds the same certificate.
		if v := verifyJSON(t, anon, strings.ToLower(cert.Code), fiber.StatusOK); v.Code != code {
			t.Errorf("lower-case code: %+v", v)
		}

		srv.clock.Advance(3*365*24*time.Hour + 48*time.Hour)
		v = verifyJSON(t, anon, code, fiber.StatusOK)
		if v.Status != "expired" || v.ExpiredOn == nil || *v.ExpiredOn != "2028-03-14" || v.ValidUntil != nil {
			t.Errorf("expired: %+v", v)
		}
		if p := page(code); !strings.Contains(p, "expired on 14 March 2028") || strings.Contains(strings.ToLower(p), "valid until") {
			t.Errorf("expired page: %s", p)
		}

		coordID := srv.ovUser(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator)
		coord := srv.ovSignIn(t, coordID)
		learner := fmt.Sprintf("/reports/learners/%d", id)
		wantFieldError(t, coord.post(learner+"/revoke", url.Values{"reason": {"Duplicate account"}, "public_reason": {strings.Repeat("x", 201)}}), "public_reason")
		coord.post(learner+"/revoke", url.Values{"reason": {"Duplicate account, see ticket 4411"}, "public_reason": {"Issued in error"}, "confirm": {"yes"}}).wantRedirect(t, learner+"?done=revoked")
		revokedOn := srv.clock.Now().In(londonTZ(t)).Format(time.DateOnly)
		v = verifyJSON(t, anon, code, fiber.StatusOK)
		if v.Status != "revoked" || v.RevokedOn == nil || *v.RevokedOn != revokedOn || v.RevokedReason == nil || *v.RevokedReason != "Issued in error" || v.ValidUntil != nil || v.ExpiredOn != nil {
			t.Errorf("revoked: %+v", v)
		}
		p := page(code)
		if !strings.Contains(p, "Reason: Issued in error") || strings.Contains(strings.ToLower(p), "valid until") || strings.Contains(p, "ticket 4411") {
			t.Errorf("revoked page: %s", p)
		}

		coord.post(learner+"/reissue", url.Values{}).wantRedirect(t, learner+"?done=reissued")
		fresh, _ := srv.learning.Certificate(ctx, id)
		coord.post(learner+"/reissue", url.Values{}).wantRedirect(t, learner+"?done=reissued")
		newest, _ := srv.learning.Certificate(ctx, id)
		v = verifyJSON(t, anon, app.FormatCode(fresh.Code), fiber.StatusOK)
		if v.Status != "replaced" || v.RevokedOn == nil || v.ValidUntil != nil || v.RevokedReason != nil {
			t.Errorf("replaced: %+v", v)
		}
		res := anon.get("/verify/" + fresh.Code + ".json")
		if strings.Contains(string(res.body), newest.Code) {
			t.Errorf("the replaced certificate's JSON gives the new code: %s", res.body)
		}
	})
}

func TestVerifyJSONRefusesBadCodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		anon := srv.newClient(t)
		for _, tt := range []struct {
			code   string
			status int
			err    string
		}{
			{"AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", fiber.StatusNotFound, app.ENOTFOUND}, // well formed, unknown
			{"not-a-code", fiber.StatusBadRequest, app.EINVALID},
			{"AAAA", fiber.StatusBadRequest, app.EINVALID},
			{"%C3%A9%C3%A9", fiber.StatusBadRequest, app.EINVALID},
			{strings.Repeat("A", 500), fiber.StatusBadRequest, app.EINVALID},
		} {
			if v := verifyJSON(t, anon, tt.code, tt.status); v.Error != tt.err {
				t.Errorf("%s: error %q, want %q", tt.code, v.Error, tt.err)
			}
		}
	})
}

func londonTZ(t *testing.T) *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return l
}
