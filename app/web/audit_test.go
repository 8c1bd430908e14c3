package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/gofiber/fiber/v2"
)

// TestAuditTrailSearchAndPages: the audit trail goes back beyond its first
// page, and finds entries by who made the change, whose record it was, the
// action and the detail.
func TestAuditTrailSearchAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		ctx := context.Background()
		coordID := srv.ovUser(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator)
		coord := srv.ovSignIn(t, coordID)
		zoe := srv.ovUser(t, "Zoë Learner", "zoe@example.org", "")
		sam := srv.ovUser(t, "Sam Learner", "sam@example.org", "")
		at := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
		for i := range 61 {
			subject, action, detail := &sam, "changed roles", "learner"
			if i%3 == 0 {
				subject, action, detail = &zoe, "revoked certificate", fmt.Sprintf("Issued in error 100%% (case %d)", i)
			}
			if err := st.AddAudit(ctx, &app.AuditEntry{ActorID: coordID, Action: action, SubjectUserID: subject, Detail: detail, CreatedAt: at.Add(time.Duration(i) * time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		rows := func(path string) []string {
			res := coord.get(path)
			res.wantStatus(t, fiber.StatusOK)
			var out []string
			for _, tr := range findAll(findFirst(res.html(t), element("tbody")), element("tr")) {
				out = append(out, textOf(tr))
			}
			return out
		}
		first := rows("/reports/audit")
		if len(first) != app.AuditPageSize || !strings.Contains(first[0], "Zoë Learner") || !strings.Contains(first[0], "case 60") {
			t.Errorf("page 1: %d rows, first %q; want %d, newest first", len(first), first[:min(1, len(first))], app.AuditPageSize)
		}
		res := coord.get("/reports/audit")
		next := findFirst(res.html(t), element("a", "rel", "next"))
		if next == nil || attr(next, "href") != "/reports/audit?page=2" {
			t.Fatalf("no link to page 2")
		}
		if second := rows(attr(next, "href")); len(second) != 11 || !strings.Contains(second[len(second)-1], "case 0)") {
			t.Errorf("page 2: %d rows, want the 11 oldest", len(second))
		}
		for _, tc := range []struct {
			q    string
			want int
		}{
			{"ZOË", 21}, {"zoe@example", 21}, {"sam learner", 40}, {"cora@", 61}, {"Revoked", 21}, {"case 6", 2}, {"100%", 21}, {"50%", 0}, {"nobody", 0},
		} {
			res := coord.get("/reports/audit?q=" + strings.ReplaceAll(strings.ReplaceAll(tc.q, "%", "%25"), " ", "+"))
			res.wantStatus(t, fiber.StatusOK)
			if want := fmt.Sprintf("%d change", tc.want); !strings.Contains(textOf(res.html(t)), want) {
				t.Errorf("search %q: the page does not say %q", tc.q, want)
			}
		}
		if got := rows("/reports/audit?q=nobody"); len(got) != 1 || !strings.Contains(got[0], "No changes match") {
			t.Errorf("no match: %q", got)
		}
	})
}
