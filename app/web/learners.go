package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// learnerQuery parses the learner list's filters from the query string.
// An unknown status, sort or page falls back to its default (a filter link
// should never lead to an error page), but a date the coordinator typed
// that is not a date is an error to show, not a filter to drop silently:
// the query comes back without it, with the field errors.
func learnerQuery(c *fiber.Ctx) (app.LearnerQuery, []app.FieldError) {
	q := app.LearnerQuery{Status: app.LearnerStatus(c.Query("status")), Reached: app.Milestone(c.Query("reached")), Search: c.Query("q"), SignIn: c.Query("signin"), Sort: c.Query("sort"), Desc: c.Query("dir") == "desc"}
	q.OrganisationID, _ = strconv.ParseInt(c.Query("organisation"), 10, 64)
	q.Page, _ = strconv.Atoi(c.Query("page"))
	var errs []app.FieldError
	date := func(field, label string) *time.Time {
		v := strings.TrimSpace(c.Query(field))
		if v == "" {
			return nil
		}
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			errs = append(errs, app.FieldError{Field: field, Message: "Enter the " + label + " date as a real date, like 2026-03-31"})
			return nil
		}
		return &t
	}
	q.CompletedFrom = date("from", "completed from")
	if to := date("to", "completed to"); to != nil {
		if q.CompletedFrom != nil && to.Before(*q.CompletedFrom) {
			errs = append(errs, app.FieldError{Field: "to", Message: "The completed to date must be the same as or after the completed from date"})
		} else {
			t := to.AddDate(0, 0, 1) // the "to" date is inclusive
			q.CompletedTo = &t
		}
	}
	return q, errs
}

// exportQuery is learnerQuery for the downloads, where a bad date is an
// error page: a download cannot show an error summary.
func exportQuery(c *fiber.Ctx) (app.LearnerQuery, error) {
	q, errs := learnerQuery(c)
	if len(errs) > 0 {
		return q, app.Errorf(app.EINVALID, "%s. Go back to the list, correct the date and download again.", errs[0].Message)
	}
	return q, nil
}

type learnersPage struct {
	basePage
	Rows          []app.LearnerRow
	Total         int
	Query         app.LearnerQuery
	From, To      string
	Organisations []app.Organisation
	Statuses      any
	Milestones    any
	SignIns       any
	Now           time.Time
	Pages         int
	CSVURL        string // the exports of this list: its filters and order, every page
	XLSXURL       string
	PrevURL       string
	NextURL       string
}

func (s *Server) handleLearners(c *fiber.Ctx) error {
	q, errs := learnerQuery(c)
	rows, total, err := s.cfg.Oversight.Learners(c.UserContext(), currentUser(c), q)
	if err != nil {
		return err
	}
	q.Normalise()
	orgs, err := s.cfg.Learning.Store.Organisations(c.UserContext())
	if err != nil {
		return err
	}
	p := &learnersPage{basePage: basePage{Title: "Learners", NavReports: true, Errors: errs}, Rows: rows, Total: total, Query: q, Organisations: orgs,
		Statuses: app.LearnerStatuses, Milestones: app.Milestones, SignIns: app.SignInFilters, Now: s.cfg.Learning.Now(), From: c.Query("from"), To: c.Query("to")}
	p.Pages = (total + q.PageSize - 1) / q.PageSize
	v := url.Values{}
	for _, k := range []string{"q", "organisation", "status", "reached", "signin", "from", "to"} {
		if x := c.Query(k); x != "" {
			v.Set(k, x)
		}
	}
	// Whole URLs, not a query string spliced into the template: there
	// html/template would escape its & and = away.
	ordered := func(path string, page int) string {
		w := url.Values{}
		for k, x := range v {
			w[k] = x
		}
		w.Set("sort", q.Sort)
		if q.Desc {
			w.Set("dir", "desc")
		}
		if page > 0 {
			w.Set("page", strconv.Itoa(page))
		}
		return path + "?" + w.Encode()
	}
	page := func(n int) string { return ordered("/reports/learners", n) }
	p.CSVURL, p.XLSXURL = ordered("/reports/learners.csv", 0), ordered("/reports/learners.xlsx", 0)
	if q.Page > 1 {
		p.PrevURL = page(q.Page - 1)
	}
	if q.Page < p.Pages {
		p.NextURL = page(q.Page + 1)
	}
	if len(errs) > 0 {
		p.CSVURL, p.XLSXURL = "", "" // the downloads would carry the bad date
		return s.render(c, fiber.StatusUnprocessableEntity, "learners", p)
	}
	return s.render(c, fiber.StatusOK, "learners", p)
}

type learnerPage struct {
	basePage
	D         *app.LearnerDetail
	Course    *app.Course
	Status    app.LearnerStatus
	Grantable []string
	Done      string
}

func (s *Server) handleLearner(c *fiber.Ctx) error {
	return s.renderLearner(c, fiber.StatusOK, nil)
}

func (s *Server) renderLearner(c *fiber.Ctx, status int, errs []app.FieldError) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	d, err := s.cfg.Oversight.Learner(c.UserContext(), u, id)
	if err != nil {
		return err
	}
	return s.render(c, status, "learner", &learnerPage{basePage: basePage{Title: d.Row.Name, BackLink: "/reports/learners", NavReports: true, Errors: errs},
		D: d, Course: s.cfg.Learning.Course, Status: d.Row.Status(s.cfg.Learning.Now()), Grantable: app.GrantableRoles(u), Done: c.Query("done")})
}

// learnerAction runs one change to a learner's record and comes back to
// their page, re-rendering it with the error summary on a form error.
func (s *Server) learnerAction(do func(c *fiber.Ctx, actor *app.User, id int64) error, done string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := idParam(c)
		if err != nil {
			return err
		}
		err = do(c, currentUser(c), id)
		if app.ErrorCode(err) == app.EINVALID && len(app.ErrorFields(err)) > 0 {
			return s.renderLearner(c, fiber.StatusUnprocessableEntity, app.ErrorFields(err))
		}
		if err != nil {
			return err
		}
		return c.Redirect(fmt.Sprintf("/reports/learners/%d?done=%s", id, done), fiber.StatusSeeOther)
	}
}

func (s *Server) routesForLearnerActions() (roles, manager, revoke, reissue fiber.Handler) {
	o := s.cfg.Oversight
	roles = s.learnerAction(func(c *fiber.Ctx, a *app.User, id int64) error {
		var want []string
		for _, v := range c.Request().PostArgs().PeekMulti("role") {
			want = append(want, string(v))
		}
		return o.SetRoles(c.UserContext(), a, id, want)
	}, "roles")
	manager = s.learnerAction(func(c *fiber.Ctx, a *app.User, id int64) error {
		return o.AssignManager(c.UserContext(), a, id, c.FormValue("manager_email"))
	}, "manager")
	revoke = s.confirmRevoke(s.learnerAction(func(c *fiber.Ctx, a *app.User, id int64) error {
		return o.RevokeWithNotice(c.UserContext(), a, id, c.FormValue("reason"), c.FormValue("public_reason"))
	}, "revoked"))
	reissue = s.learnerAction(func(c *fiber.Ctx, a *app.User, id int64) error {
		_, err := o.Reissue(c.UserContext(), a, id)
		return err
	}, "reissued")
	return
}
