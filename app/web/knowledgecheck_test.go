package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/gofiber/fiber/v2"
)

// A learner takes the optional check before module 1 and again after the
// last; the coordinator's dashboard shows the mean gain.
func TestKnowledgeCheckBeforeAndAfterShowsGainOnTheDashboard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st, withContacts(testContacts))
		c := srv.signUp(t, "Kai Checker", "kai.checker@example.org")

		course := c.get("/course").html(t)
		if findFirst(course, element("a", "href", "/knowledge-check/before")) == nil {
			t.Fatal("the course page does not offer the knowledge check before module 1")
		}
		c.get("/knowledge-check/after").wantRedirect(t, "/course") // not open yet
		c.post("/knowledge-check/after", url.Values{}).wantStatus(t, fiber.StatusConflict)

		form := c.get("/knowledge-check/before")
		form.wantStatus(t, fiber.StatusOK)
		doc := form.html(t)
		for _, q := range srv.course.KnowledgeCheck {
			for _, o := range q.Options {
				if findFirst(doc, element("input", "name", q.ID, "value", o.ID)) == nil {
					t.Errorf("item %s has no radio for option %s", q.ID, o.ID)
				}
			}
			if findFirst(doc, element("input", "name", q.ID, "value", "not-sure")) == nil {
				t.Errorf("item %s has no \"I'm not sure\"", q.ID)
			}
		}
		// An answer that is not an option changes nothing.
		c.post("/knowledge-check/before", url.Values{"kc-sky": {"z"}}).wantStatus(t, fiber.StatusUnprocessableEntity)
		if n := srv.count(t, "knowledge_checks", ""); n != 0 {
			t.Fatalf("%d checks saved after a refused answer", n)
		}
		// Before: one of two right, one not sure.
		c.post("/knowledge-check/before", url.Values{"kc-sky": {"a"}, "kc-fruit": {"not-sure"}}).wantRedirect(t, "/course?checked=before")
		if banner := findFirst(c.get("/course?checked=before").html(t), element("h2", "id", "checked-title")); banner == nil {
			t.Error("no confirmation after sending the check")
		}
		c.get("/knowledge-check/before").wantRedirect(t, "/course")
		c.post("/knowledge-check/before", url.Values{"kc-sky": {"a"}, "kc-fruit": {"b"}}).wantStatus(t, fiber.StatusConflict)

		c.passAllModules()
		if findFirst(c.get("/course").html(t), element("a", "href", "/knowledge-check/after")) == nil {
			t.Fatal("the course page does not offer the knowledge check after the last module")
		}
		if findFirst(c.get("/evaluation").html(t), element("a", "href", "/knowledge-check/after")) == nil {
			t.Error("the evaluation does not offer the knowledge check again")
		}
		c.post("/knowledge-check/after", url.Values{"kc-sky": {"a"}, "kc-fruit": {"b"}}).wantRedirect(t, "/course?checked=after")

		coord := srv.signInAs(t, "Cora Coordinator", "cora.k@example.org", app.RoleCoordinator)
		res := coord.get("/reports")
		res.wantStatus(t, fiber.StatusOK)
		gain := findFirst(res.html(t), element("h2", "id", "knowledge-gain"))
		if gain == nil {
			t.Fatal("the dashboard has no knowledge check section")
		}
		text := textOf(res.html(t))
		for _, want := range []string{"+50 points mean gain", "50% right before the course", "100% right after it", "1 learner took it before and after"} {
			if !strings.Contains(text, want) {
				t.Errorf("the dashboard does not say %q", want)
			}
		}
	})
}
