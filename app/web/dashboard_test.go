package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/net/html"
)

// TestDashboardCharts: every chart on the dashboard is an image with a
// text alternative (a title naming it and a summary giving its main
// figures), and the table after it has one row per bar with the figure the
// bar prints, so a screen reader user loses nothing.
func TestDashboardCharts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		coord := srv.ovSignIn(t, srv.ovUser(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator))
		done := srv.ovUser(t, "Dana Done", "dana@example.org", "")
		srv.ovComplete(t, done)
		srv.ovUser(t, "Nia New", "nia@example.org", "")

		res := coord.get("/reports")
		res.wantStatus(t, fiber.StatusOK)
		doc := res.html(t)
		var order []*html.Node // figures and tables in document order
		for _, n := range findAll(doc, func(n *html.Node) bool {
			return n.Type == html.ElementNode && (n.Data == "figure" || n.Data == "table")
		}) {
			order = append(order, n)
		}
		charts := map[string]bool{}
		for i, fig := range order {
			if fig.Data != "figure" {
				continue
			}
			svg := findFirst(fig, element("svg"))
			if svg == nil {
				t.Fatalf("a figure without a chart")
			}
			id := strings.TrimSuffix(strings.Fields(attr(svg, "aria-labelledby") + " ?")[0], "-title")
			charts[id] = true
			if attr(svg, "role") != "img" {
				t.Errorf("chart %s: role %q, want img", id, attr(svg, "role"))
			}
			var alt []string
			for _, ref := range strings.Fields(attr(svg, "aria-labelledby")) {
				n := findFirst(svg, element("", "id", ref))
				if n == nil || strings.TrimSpace(textOf(n)) == "" {
					t.Errorf("chart %s: aria-labelledby names %q, which is missing or empty inside the chart", id, ref)
					continue
				}
				alt = append(alt, textOf(n))
			}
			if len(alt) != 2 || findFirst(svg, element("title")) == nil || findFirst(svg, element("desc")) == nil {
				t.Errorf("chart %s: text alternative %q, want its title and its summary", id, alt)
			}
			if i+1 >= len(order) || order[i+1].Data != "table" {
				t.Fatalf("chart %q has no table after it", alt)
			}
			table := order[i+1]
			rows := findAll(findFirst(table, element("tbody")), element("tr"))
			values := findAll(svg, element("text", "class", "app-chart__value"))
			bars := findAll(svg, element("rect", "class", "app-chart__bar"))
			if len(bars) != len(rows) {
				t.Errorf("chart %q: %d bars, its table %d rows", alt, len(bars), len(rows))
			}
			// Every printed value is in its row of the table.
			for _, v := range values {
				found := false
				for _, r := range rows {
					if strings.Contains(textOf(r), strings.SplitN(textOf(v), " of ", 2)[0]) {
						found = true
					}
				}
				if !found {
					t.Errorf("chart %q prints %q, which no row of its table shows", alt, textOf(v))
				}
			}
		}
		if len(charts) != 5 {
			t.Errorf("%d charts, want 5 (per month, status, organisation, funnel, evaluation)", len(charts))
		}
		body := string(res.body)
		for _, want := range []string{
			"From April 2023 to March 2025: 1 completed in all; the most in one month was 1, in March 2025.",
			"3 people registered; the largest group, 2, is Not started.",
			"From 1 evaluations: ",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the dashboard's chart summaries do not say %q", want)
			}
		}
	})
}

// TestDashboardOrganisations: "By organisation" counts the current month
// unless another is chosen, leaves out organisations nobody is in unless
// asked, and a month that is not one is an error on the page.
func TestDashboardOrganisations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		coord := srv.ovSignIn(t, srv.ovUser(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator))
		orgs, err := st.Organisations(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		orgRows := func(res *response) []string {
			var names []string
			for _, tbl := range findAll(res.html(t), element("table")) {
				if c := findFirst(tbl, element("caption")); c != nil && strings.HasPrefix(textOf(c), "Learners by organisation") {
					for _, th := range findAll(findFirst(tbl, element("tbody")), element("th")) {
						names = append(names, textOf(th))
					}
				}
			}
			return names
		}
		res := coord.get("/reports")
		res.wantStatus(t, fiber.StatusOK)
		if in := findFirst(res.html(t), element("input", "id", "field-month")); in == nil || attr(in, "value") != "2025-03" {
			t.Errorf("the month shown by default is not the current month (2025-03)")
		}
		if got := orgRows(res); len(got) != 1 || got[0] != orgs[0].Name {
			t.Errorf("organisations listed %q, want only %q, the one with learners", got, orgs[0].Name)
		}
		if !strings.Contains(string(res.body), fmt.Sprintf("%d organisations with no learners are not shown.", len(orgs)-1)) {
			t.Errorf("the page does not say how many organisations are left out")
		}
		if got := orgRows(coord.get("/reports?empty=show")); len(got) != len(orgs) {
			t.Errorf("with empty=show, %d organisations listed, want all %d", len(got), len(orgs))
		}
		if got := orgRows(coord.get("/reports?month=2024-11")); len(got) != 1 {
			t.Errorf("another month: %q", got)
		}
		bad := coord.get("/reports?month=March")
		msg := wantFieldError(t, bad, "month")
		if !strings.Contains(msg, "year and month") {
			t.Errorf("month error %q", msg)
		}
		if in := findFirst(bad.html(t), element("input", "id", "field-month")); in == nil || attr(in, "value") != "March" {
			t.Errorf("the month field does not keep what was typed")
		}
	})
}

// TestReportFilterErrors: a completion date that is not a date, or a "to"
// date before the "from" date, is an error on the learner list (not a
// filter silently dropped), and the downloads refuse it.
func TestReportFilterErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		coord := srv.ovSignIn(t, srv.ovUser(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator))
		for _, tc := range []struct{ query, field, says string }{
			{"from=yesterday", "from", "real date"},
			{"to=2025-02-30", "to", "real date"},
			{"from=2025-03-10&to=2025-03-01", "to", "same as or after"},
		} {
			res := coord.get("/reports/learners?" + tc.query)
			if msg := wantFieldError(t, res, tc.field); !strings.Contains(msg, tc.says) {
				t.Errorf("%s: error %q, want it to say %q", tc.query, msg, tc.says)
			}
			for _, a := range findAll(res.html(t), element("a")) {
				if h := attr(a, "href"); strings.HasPrefix(h, "/reports/learners.") {
					t.Errorf("%s: the page offers a download (%s) with the bad date", tc.query, h)
				}
			}
			for _, ext := range []string{"csv", "xlsx"} {
				r := coord.get("/reports/learners." + ext + "?" + tc.query)
				r.wantStatus(t, fiber.StatusUnprocessableEntity)
				if !strings.Contains(string(r.body), tc.says) {
					t.Errorf("%s download with %s: the error page does not say %q", ext, tc.query, tc.says)
				}
			}
		}
	})
}
