package web

import (
	"slices"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

type questionsPage struct {
	basePage
	Stats   []app.QuestionStat
	Weakest map[string]bool
	Sort    string
	Desc    bool
	Sorts   map[string]sortLink // column → its header link
}

// sortLink is a sortable column header: where it leads and its aria-sort.
type sortLink struct {
	URL, AriaSort string
}

func (s *Server) handleQuestions(c *fiber.Ctx) error {
	st, err := s.cfg.Oversight.QuestionStats(c.UserContext(), currentUser(c))
	if err != nil {
		return err
	}
	by, desc := c.Query("sort"), c.Query("dir") == "desc"
	if !slices.Contains(app.QuestionSorts, by) {
		by = "course"
	}
	p := &questionsPage{basePage: basePage{Title: "Question analysis", NavReports: true}, Stats: st, Weakest: app.WeakestQuestions(st), Sort: by, Desc: desc, Sorts: map[string]sortLink{}}
	app.SortQuestionStats(st, by, desc)
	for _, col := range app.QuestionSorts {
		l := sortLink{URL: "/reports/questions?sort=" + col, AriaSort: "none"}
		if col == by {
			l.AriaSort = "ascending"
			if desc {
				l.AriaSort = "descending"
			} else {
				l.URL += "&dir=desc"
			}
		}
		p.Sorts[col] = l
	}
	return s.render(c, fiber.StatusOK, "questions", p)
}
