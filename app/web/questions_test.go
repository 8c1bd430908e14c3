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

// TestQuestionAnalysisSortAndWeakest: the question analysis sorts by its
// column headings (links, so it works without JavaScript, with aria-sort
// on the sorted column) and marks the weakest questions.
func TestQuestionAnalysisSortAndWeakest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		// Five learners: everyone gets the colour wrong, four of five the count.
		for i := range 5 {
			id := srv.ovUser(t, fmt.Sprintf("Learner %d", i), fmt.Sprintf("l%d@example.org", i), "")
			count := "c"
			if i == 0 {
				count = "b"
			}
			srv.ovSubmit(t, id, module1, app.FormAnswers{"m1-colour": {"a"}, "m1-fruits": {"a", "b"}, "m1-count": {count}})
		}
		coord := srv.ovSignIn(t, srv.ovUser(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator))
		order := func(path string) []string {
			res := coord.get(path)
			res.wantStatus(t, fiber.StatusOK)
			var ids []string
			for _, row := range tableRows(t, res, "First-attempt results per question") {
				for _, q := range []string{"m1-colour", "m1-fruits", "m1-count", "m2-day", "m2-shapes"} {
					if strings.Contains(row[0], "("+q+")") {
						weak := ""
						if strings.HasPrefix(row[0], "Weakest") {
							weak = "*"
						}
						ids = append(ids, q+weak)
					}
				}
			}
			return ids
		}
		for _, tc := range []struct {
			path string
			want string
		}{
			{"/reports/questions", "m1-colour* m1-fruits* m1-count* m2-day m2-shapes"},
			{"/reports/questions?sort=correct", "m1-colour* m1-count* m1-fruits* m2-day m2-shapes"},
			{"/reports/questions?sort=correct&dir=desc", "m1-fruits* m1-count* m1-colour* m2-day m2-shapes"},
			{"/reports/questions?sort=password", "m1-colour* m1-fruits* m1-count* m2-day m2-shapes"},
		} {
			if got := strings.Join(order(tc.path), " "); got != tc.want {
				t.Errorf("%s: %s, want %s", tc.path, got, tc.want)
			}
		}
		res := coord.get("/reports/questions?sort=correct")
		for _, th := range findAll(res.html(t), element("th", "scope", "col")) {
			text, sort := textOf(th), attr(th, "aria-sort")
			switch {
			case text == "Correct" && sort != "ascending":
				t.Errorf("the sorted column says aria-sort=%q", sort)
			case text == "Correct":
				if a := findFirst(th, element("a")); a == nil || attr(a, "href") != "/reports/questions?sort=correct&dir=desc" {
					t.Errorf("the sorted column's link does not reverse the order")
				}
			case text == "First attempts" && sort != "none":
				t.Errorf("an unsorted column says aria-sort=%q", sort)
			}
		}
	})
}
