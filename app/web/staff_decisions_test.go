package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/gofiber/fiber/v2"
)

// TestManagerDeclinesAndLearnerSees: a manager accepts one person and is
// told so by name; declines another who named them by mistake (after an
// "are you sure" that changes nothing) and later removes the first. Each
// learner sees on their course page who accepted and confirmed them and
// when, or that the person they named is not their manager, until they
// name someone else.
func TestManagerDeclinesAndLearnerSees(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		ctx := context.Background()
		lenaID := srv.ovUser(t, "Lena Learner", "lena@example.org", "manager@example.org")
		omarID := srv.ovUser(t, "Omar Mistaken", "omar@example.org", "manager@example.org")
		moID := srv.ovUser(t, "Mo Manager", "manager@example.org", "", app.RoleManager)
		xID := srv.ovUser(t, "Xena Manager", "xena@example.org", "", app.RoleManager)
		mo, xena := srv.ovSignIn(t, moID), srv.ovSignIn(t, xID)
		lena, omar := srv.ovSignIn(t, lenaID), srv.ovSignIn(t, omarID)
		lenaPage, omarPage := fmt.Sprintf("/staff/%d", lenaID), fmt.Sprintf("/staff/%d", omarID)

		if got := summaryValue(t, lena.get("/course"), "Accepted"); !strings.HasPrefix(got, "Not yet") {
			t.Errorf("before accepting, Lena's course page says accepted %q", got)
		}
		mo.post(lenaPage+"/accept", url.Values{}).wantRedirect(t, fmt.Sprintf("/staff?done=accepted&id=%d", lenaID))
		banner := findFirst(mo.get(fmt.Sprintf("/staff?done=accepted&id=%d", lenaID)).html(t), element("div", "class", "govuk-notification-banner--success"))
		if banner == nil || !strings.Contains(textOf(banner), "You accepted Lena Learner.") {
			t.Errorf("no confirmation naming Lena after accepting")
		}
		if b := findFirst(mo.get(fmt.Sprintf("/staff?done=accepted&id=%d", omarID)).html(t), element("div", "class", "govuk-notification-banner--success")); b != nil {
			t.Errorf("a confirmation for someone not accepted: %q", textOf(b))
		}
		if got := summaryValue(t, lena.get("/course"), "Accepted"); got != "By Mo Manager on 14 March 2025" {
			t.Errorf("Lena's course page says accepted %q", got)
		}
		srv.ovComplete(t, lenaID)
		mo.post(lenaPage+"/confirm", url.Values{"note": {"Discussed"}}).wantRedirect(t, lenaPage+"?confirmed=1")
		if got := summaryValue(t, lena.get("/course"), "Training confirmed"); got != "By Mo Manager on 14 March 2025" {
			t.Errorf("Lena's course page says confirmed %q", got)
		}

		// Omar named Mo by mistake. Asking first changes nothing.
		ask := mo.post(omarPage+"/decline", url.Values{})
		ask.wantStatus(t, fiber.StatusOK)
		if h := heading(t, ask); h != "Are you sure you are not Omar Mistaken's line manager?" {
			t.Errorf("declining asks %q", h)
		}
		if u, _ := st.UserByID(ctx, omarID); u.ManagerEmail != "manager@example.org" {
			t.Fatal("asking changed Omar's record")
		}
		xena.post(omarPage+"/decline", url.Values{"confirm": {"yes"}}).wantStatus(t, fiber.StatusNotFound)
		mo.post(omarPage+"/decline", url.Values{"confirm": {"yes"}}).wantRedirect(t, "/staff?done=declined")
		if u, _ := st.UserByID(ctx, omarID); u.ManagerEmail != "" {
			t.Errorf("Omar still names %q", u.ManagerEmail)
		}
		if rows := tableRows(t, mo.get("/staff"), "Staff waiting for you to accept them"); rows != nil {
			t.Errorf("Omar is still waiting on Mo's list: %q", rows)
		}
		if n := srv.count(t, "audit_log", "action = ? AND subject_user_id = ? AND actor_id = ?", "manager declined staff member", omarID, moID); n != 1 {
			t.Errorf("%d audit entries for the decline, want 1", n)
		}
		notice := func(c *client) string {
			b := findFirst(c.get("/course").html(t), element("div", "class", "govuk-notification-banner"))
			if b == nil {
				return ""
			}
			return textOf(b)
		}
		if got := notice(omar); !strings.Contains(got, "Mo Manager (manager@example.org) said on 14 March 2025 that they are not your line manager.") {
			t.Errorf("Omar's course page says %q", got)
		}
		u, _ := st.UserByID(ctx, omarID)
		if err := srv.oversight.UpdateProfile(ctx, u, app.Registration{Name: u.Name, OrganisationID: u.OrganisationID, JobRole: u.JobRole, ManagerEmail: "xena@example.org"}); err != nil {
			t.Fatal(err)
		}
		if got := notice(omar); got != "" {
			t.Errorf("after naming someone else, Omar still sees %q", got)
		}

		// Mo removes Lena, whom they had accepted and confirmed.
		mo.post(lenaPage+"/decline", url.Values{}).wantStatus(t, fiber.StatusOK)
		mo.post(lenaPage+"/decline", url.Values{"confirm": {"yes"}}).wantRedirect(t, "/staff?done=removed")
		mo.get(lenaPage).wantStatus(t, fiber.StatusNotFound)
		if n := srv.count(t, "manager_links", "learner_id = ?", lenaID); n != 0 {
			t.Errorf("Mo's acceptance of Lena is still recorded")
		}
		if n := srv.count(t, "confirmations", "learner_id = ?", lenaID); n != 1 {
			t.Errorf("removing Lena took away her confirmation")
		}
		if got := notice(lena); !strings.Contains(got, "not your line manager") {
			t.Errorf("Lena's course page after removal says %q", got)
		}
	})
}

// TestManagersLandOnMyStaff: after signing in with nowhere asked for, a
// manager lands on "My staff", anyone else on their course; a page asked
// for still wins.
func TestManagersLandOnMyStaff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		ctx := context.Background()
		srv.signUp(t, "Mo Manager", "mo@example.org")
		srv.signUp(t, "Lee Learner", "lee@example.org")
		if err := st.SetRoles(ctx, srv.userID(t, "mo@example.org"), []string{app.RoleLearner, app.RoleManager}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ email, next, want string }{
			{"mo@example.org", "", "/staff"},
			{"lee@example.org", "", "/course"},
			{"mo@example.org", "/profile", "/profile"},
		} {
			c := srv.newClient(t)
			page := c.get("/sign-in?next=" + url.QueryEscape(tc.next))
			page.wantStatus(t, fiber.StatusOK)
			if in := findFirst(page.html(t), element("input", "name", "next")); in == nil || attr(in, "value") != tc.next {
				t.Errorf("the sign-in form carries next=%q, want %q", attr(in, "value"), tc.next)
			}
			c.post("/sign-in", url.Values{"email": {tc.email}, "password": {strongPassword}, "next": {tc.next}}).wantRedirect(t, tc.want)
			c.get("/sign-in").wantRedirect(t, map[bool]string{true: "/staff", false: "/course"}[tc.email == "mo@example.org"])
		}
	})
}
