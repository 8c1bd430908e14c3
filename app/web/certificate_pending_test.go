package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/gofiber/fiber/v2"
)

// TestCertificateBeforeCompletion: /certificate before the course is done
// says what is left to do; the start and course pages give the course's
// length from the course data.
func TestCertificateBeforeCompletion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		id := srv.ovUser(t, "Pat Partway", "pat@example.org", "")
		learner := srv.ovSignIn(t, id)
		srv.ovSubmit(t, id, module1, app.FormAnswers{"m1-colour": {"b"}, "m1-fruits": {"a", "b"}, "m1-count": {"b"}})
		res := learner.get("/certificate")
		res.wantStatus(t, fiber.StatusNotFound)
		if h := heading(t, res); h != "You do not have a certificate yet" {
			t.Errorf("heading %q", h)
		}
		items := findAll(findFirst(res.html(t), element("ol")), element("li"))
		var left []string
		for _, li := range items {
			left = append(left, textOf(li))
		}
		m2 := srv.course.Modules[1]
		if len(left) != 2 || !strings.HasPrefix(left[0], fmt.Sprintf("Pass module 2, %s (about %d minutes", m2.Title, m2.Minutes)) ||
			!strings.HasPrefix(left[1], "Send the course evaluation") {
			t.Errorf("what is left: %q", left)
		}
		if findFirst(res.html(t), element("a", "href", "/modules/"+m2.ID)) == nil {
			t.Error("no link to the next module")
		}
		whole := fmt.Sprintf("about %d minutes", srv.course.Minutes())
		for _, path := range []string{"/", "/course"} {
			c := learner
			if path == "/" {
				c = srv.newClient(t)
			}
			if body := textOf(c.get(path).html(t)); !strings.Contains(body, whole) || strings.Contains(body, "about 20 minutes") {
				t.Errorf("%s does not give the course's length from its data (%q)", path, whole)
			}
		}
	})
}
