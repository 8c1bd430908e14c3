package web_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/gofiber/fiber/v2"
)

// TestPagesEveryServiceHas: a favicon (at /favicon.ico), page
// titles that name the course once, a contrast toggle saying what it will
// do, and the reports sub-navigation marking the page you are on.
func TestPagesEveryServiceHas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		anon := srv.newClient(t)
		start := anon.get("/")
		start.wantStatus(t, fiber.StatusOK)
		// No <link rel=icon>: browsers ask for /favicon.ico by themselves,
		// and the page-weight budget stays for the page.
		if icons := findAll(start.html(t), element("link", "rel", "icon")); len(icons) != 0 {
			t.Errorf("%d icon links; the favicon is at /favicon.ico", len(icons))
		}
		ico := anon.get("/favicon.ico")
		ico.wantStatus(t, fiber.StatusOK)
		if ico.Header.Get("Content-Type") != "image/x-icon" || !bytes.HasPrefix(ico.body, []byte{0, 0, 1, 0}) {
			t.Errorf("/favicon.ico: %q, %d bytes; want an icon", ico.Header.Get("Content-Type"), len(ico.body))
		}

		learner := srv.ovSignIn(t, srv.ovUser(t, "Lee Learner", "lee@example.org", ""))
		coord := srv.ovSignIn(t, srv.ovUser(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator))
		for _, tc := range []struct {
			c    *client
			path string
		}{{anon, "/"}, {anon, "/sign-in"}, {learner, "/course"}, {coord, "/reports"}} {
			if title := pageTitle(t, tc.c.get(tc.path)); strings.Count(title, "Neglect Foundations") != 1 {
				t.Errorf("%s: title %q names the course %d times", tc.path, title, strings.Count(title, "Neglect Foundations"))
			}
		}

		toggle := func(c *client) string {
			b := findFirst(c.get("/accessibility").html(t), element("button", "class", "app-contrast-toggle"))
			if b == nil {
				t.Fatal("no contrast toggle")
			}
			return textOf(b)
		}
		if got := toggle(anon); got != "High contrast" {
			t.Errorf("in the standard theme the toggle says %q", got)
		}
		anon.cookies["foundations_contrast"] = "high"
		if got := toggle(anon); got != "Standard contrast" {
			t.Errorf("in high contrast the toggle says %q, want Standard contrast", got)
		}

		lee := srv.userID(t, "lee@example.org")
		for path, want := range map[string]string{
			"/reports": "Dashboard", "/reports?month=2025-01": "Dashboard", "/reports/learners": "Learners",
			fmt.Sprintf("/reports/learners/%d", lee): "Learners", "/reports/learners?status=completed": "Learners",
			"/reports/questions?sort=correct": "Question analysis", "/reports/organisations": "Organisations", "/reports/audit?q=x": "Audit trail",
		} {
			nav := findFirst(coord.get(path).html(t), element("nav", "aria-label", "Reports"))
			if nav == nil {
				t.Fatalf("%s: no reports navigation", path)
			}
			var current []string
			for _, a := range findAll(nav, element("a")) {
				if attr(a, "aria-current") == "page" {
					current = append(current, textOf(a))
				}
			}
			if len(current) != 1 || current[0] != want {
				t.Errorf("%s: the navigation marks %q as current, want %q", path, current, want)
			}
		}
	})
}
