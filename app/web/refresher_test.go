package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/gofiber/fiber/v2"
)

// A learner whose certificate is due for renewal starts the course again
// from the course page, without JavaScript, and finds the modules open and
// empty; before the window opens the page says when, and a forced POST is
// refused with a clear message that changes nothing.
func TestRefresherFromTheCoursePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		c := srv.signUp(t, "Rhian Renew", "rhian@example.org")
		c.passAllModules()
		c.post("/evaluation", evaluationForm()).wantRedirect(t, "/certificate?issued=1")

		course := c.get("/course")
		course.wantStatus(t, fiber.StatusOK)
		if findFirst(course.html(t), element("form", "action", "/course/refresher")) != nil {
			t.Fatal("a refresher is offered straight after completing")
		}
		if !strings.Contains(textOf(course.html(t)), "You can take the course again to refresh your training from") {
			t.Error("the course page does not say when the refresher opens")
		}
		c.post("/course/refresher", url.Values{}).wantStatus(t, fiber.StatusConflict)

		// Move to 30 days before expiry, and sign in again (the session has ended).
		srv.clock.Advance(36*30*24*time.Hour - 30*24*time.Hour)
		c = srv.newClient(t)
		c.get("/sign-in").wantStatus(t, fiber.StatusOK)
		c.post("/sign-in", url.Values{"email": {"rhian@example.org"}, "password": {strongPassword}}).wantRedirect(t, "/course")
		course = c.get("/course")
		if findFirst(course.html(t), element("form", "action", "/course/refresher")) == nil {
			t.Fatal("no refresher offered 30 days before expiry")
		}
		c.post("/course/refresher", url.Values{}).wantRedirect(t, "/course?done=refresher")
		course = c.get("/course?done=refresher")
		text := textOf(course.html(t))
		for _, want := range []string{"Your refresher has started", "You are taking the course again", "Not started"} {
			if !strings.Contains(text, want) {
				t.Errorf("the course page after starting the refresher lacks %q", want)
			}
		}
		c.get("/modules/"+module1).wantStatus(t, fiber.StatusOK)
		c.get("/modules/"+module2).wantStatus(t, fiber.StatusForbidden)
		c.get("/certificate").wantStatus(t, fiber.StatusOK) // the earlier certificate, still valid
		c.post("/course/refresher", url.Values{}).wantStatus(t, fiber.StatusConflict)
	})
}
