package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// TestUnprintableNameIsConfirmed follows a learner whose name was accepted
// before the name rule and cannot be printed: counted at start-up, asked
// at sign-in to confirm a printable name, and given a reissued certificate
// with it, audited.
func TestUnprintableNameIsConfirmed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		ctx := context.Background()
		legacy := "Sam 😀 Lee"
		id := srv.ovUser(t, legacy, "sam@example.org", "")
		srv.ovUser(t, "Nguyễn Thị Minh Khai", "khai@example.org", "")
		srv.ovComplete(t, id)
		old, err := srv.learning.Certificate(ctx, id)
		if err != nil || old.LearnerName != legacy {
			t.Fatalf("certificate %+v, %v", old, err)
		}
		if n, err := app.CountUnprintableNames(ctx, st); err != nil || n != 1 {
			t.Errorf("CountUnprintableNames = %d, %v; want 1", n, err)
		}

		sam := srv.ovSignIn(t, id)
		sam.get("/course").wantRedirect(t, "/confirm-name")
		sam.get("/certificate").wantRedirect(t, "/confirm-name")
		page := sam.get("/confirm-name")
		page.wantStatus(t, fiber.StatusOK)
		if text := textOf(page.html(t)); !strings.Contains(text, "😀") || !strings.Contains(text, "reissued") {
			t.Errorf("the page does not say what is wrong and what happens: %s", text)
		}
		if msg := wantFieldError(t, sam.post("/confirm-name", url.Values{"name": {"Sam ✓ Lee"}}), "name"); !strings.Contains(msg, "✓") {
			t.Errorf("refusal %q does not name the character", msg)
		}
		if c, _ := srv.learning.Certificate(ctx, id); c.Code != old.Code {
			t.Fatal("a refused name changed the certificate")
		}
		sam.post("/confirm-name", url.Values{"name": {"  Sam   Lee "}}).wantRedirect(t, "/profile?saved=1")

		u, _ := st.UserByID(ctx, id)
		if u.Name != "Sam Lee" {
			t.Errorf("name %q, want Sam Lee", u.Name)
		}
		fresh, err := srv.learning.Certificate(ctx, id)
		if err != nil || fresh.Code == old.Code || fresh.LearnerName != "Sam Lee" || !fresh.CompletedAt.Equal(old.CompletedAt) || !fresh.ExpiresAt.Equal(old.ExpiresAt) {
			t.Errorf("reissued certificate %+v (%v), old %+v", fresh, err, old)
		}
		anon := srv.newClient(t)
		if v := verifyJSON(t, anon, old.Code, fiber.StatusOK); v.Status != "replaced" {
			t.Errorf("the old code verifies as %s", v.Status)
		}
		if v := verifyJSON(t, anon, fresh.Code, fiber.StatusOK); v.Status != "valid" || v.LearnerName != "Sam Lee" {
			t.Errorf("the new code verifies as %+v", v)
		}
		if n := srv.count(t, "audit_log", "subject_user_id = ? AND actor_id = ? AND action = ? AND detail LIKE ?", id, id, "confirmed own name", "%certificate reissued%"); n != 1 {
			t.Errorf("%d audit entries for the confirmation, want 1", n)
		}
		sam.get("/course").wantStatus(t, fiber.StatusOK)
		pdf := sam.get("/certificate.pdf")
		pdf.wantStatus(t, fiber.StatusOK)
		// Once printable, the page is not a way round "Your details".
		sam.post("/confirm-name", url.Values{"name": {"Someone Else"}}).wantStatus(t, fiber.StatusConflict)
		if n, _ := app.CountUnprintableNames(ctx, st); n != 0 {
			t.Errorf("%d unprintable names left", n)
		}
	})
}
