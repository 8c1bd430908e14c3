package web

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

type dashboardPage struct {
	basePage
	D             *app.Dashboard
	Course        *app.Course
	Organisations []app.OrgCount // shown in the table and chart
	HiddenEmpty   int            // organisations with no learners, left out unless asked for
	ShowEmpty     bool
	MonthInput    string // what the month field shows: the coordinator's text after an error
	Statuses      []app.StatusCount
	Charts        dashboardCharts
	Gain          *app.KnowledgeGain // nil when the course has no knowledge check
}

func (s *Server) handleDashboard(c *fiber.Ctx) error {
	u, month := currentUser(c), c.Query("month")
	d, err := s.cfg.Oversight.Dashboard(c.UserContext(), u, month)
	var errs []app.FieldError
	if app.ErrorCode(err) == app.EINVALID && len(app.ErrorFields(err)) > 0 {
		errs = app.ErrorFields(err) // show the error, and the current month's figures
		d, err = s.cfg.Oversight.Dashboard(c.UserContext(), u, "")
	}
	if err != nil {
		return err
	}
	statuses, err := s.cfg.Breakdown.Statuses(c.UserContext(), u)
	if err != nil {
		return err
	}
	p := &dashboardPage{basePage: basePage{Title: "Training reports", NavReports: true, Errors: errs}, D: d, Course: s.cfg.Learning.Course,
		ShowEmpty: c.Query("empty") == "show", MonthInput: d.Month, Statuses: statuses}
	if errs != nil {
		p.MonthInput = month
	}
	p.Organisations = d.OrganisationsWithLearners()
	p.HiddenEmpty = len(d.PerOrganisation) - len(p.Organisations)
	if p.ShowEmpty {
		p.Organisations = d.PerOrganisation
	}
	p.Charts = buildDashboardCharts(d, d.OrganisationsWithLearners(), statuses)
	if s.cfg.KnowledgeChecks != nil && len(p.Course.KnowledgeCheck) > 0 {
		before, after, err := s.cfg.KnowledgeChecks.KnowledgeCheckPercents(c.UserContext(), p.Course.ID)
		if err != nil {
			return err
		}
		g := app.MeanKnowledgeGain(before, after)
		p.Gain = &g
	}
	status := fiber.StatusOK
	if errs != nil {
		status = fiber.StatusUnprocessableEntity
	}
	return s.render(c, status, "reports", p)
}

// learnerQuery parses the learner list's filters from the query string.
// An unknown status, sort or page falls back to its default (a filter link
// should never lead to an error page), but a date the coordinator typed
// that is not a date is an error to show, not a filter to drop silently:
// the query comes back without it, with the field errors.
func learnerQuery(c *fiber.Ctx) (app.LearnerQuery, []app.FieldError) {
	q := app.LearnerQuery{Status: app.LearnerStatus(c.Query("status")), Reached: app.Milestone(c.Query("reached")), Search: c.Query("q"), Sort: c.Query("sort"), Desc: c.Query("dir") == "desc"}
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
		Statuses: app.LearnerStatuses, Milestones: app.Milestones, Now: s.cfg.Learning.Now(), From: c.Query("from"), To: c.Query("to")}
	p.Pages = (total + q.PageSize - 1) / q.PageSize
	v := url.Values{}
	for _, k := range []string{"q", "organisation", "status", "reached", "from", "to"} {
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

func exportName(ext string) string {
	return fmt.Sprintf("learners-%s.%s", time.Now().UTC().Format("2006-01-02"), ext)
}

// handleExportCSV streams the filtered list as CSV: UTF-8 with a BOM (so
// Excel reads it as UTF-8), formula-like cells neutralised, one row at a
// time from a database cursor.
func (s *Server) handleExportCSV(c *fiber.Ctx) error {
	u, now := currentUser(c), s.cfg.Learning.Now()
	if !app.MayCoordinate(u) {
		return app.Errorf(app.EFORBIDDEN, "You do not have permission to export learners.")
	}
	q, err := exportQuery(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+exportName("csv")+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	s.log.Info("learner export", "user_id", u.ID, "format", "csv")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		cw := csv.NewWriter(w)
		_, err := w.WriteString("\ufeff")
		if err == nil {
			err = cw.Write(neutralised(app.ExportHeader))
		}
		n := 0
		if err == nil {
			err = s.cfg.Oversight.ExportLearners(context.Background(), u, q, func(r *app.LearnerRow) error {
				n++
				if err := cw.Write(neutralised(app.ExportRecord(r, now))); err != nil {
					return err
				}
				if n%500 == 0 {
					cw.Flush()
					return w.Flush() // an error here means the client went away
				}
				return nil
			})
		}
		cw.Flush()
		_ = w.Flush() // fails only when the client has gone: nothing to tell it, and not our error
		if err != nil {
			s.log.Error("learner export stopped", "format", "csv", "rows", n, "err", err)
		}
	})
	return nil
}

func neutralised(rec []string) []string {
	for i := range rec {
		rec[i] = app.CSVCell(rec[i])
	}
	return rec
}

// handleExportXLSX writes the filtered list as an Excel workbook (see
// learnerWorkbook). The rows are read and written to the workbook's
// temporary file first, so a database error is still an error page; the
// finished file is then streamed, never held whole in memory.
func (s *Server) handleExportXLSX(c *fiber.Ctx) error {
	u, now := currentUser(c), s.cfg.Learning.Now()
	if !app.MayCoordinate(u) {
		return app.Errorf(app.EFORBIDDEN, "You do not have permission to export learners.")
	}
	q, err := exportQuery(c)
	if err != nil {
		return err
	}
	wb, err := newLearnerWorkbook()
	if err != nil {
		return err
	}
	err = s.cfg.Oversight.ExportLearners(c.UserContext(), u, q, func(r *app.LearnerRow) error { return wb.Add(r, now) })
	if err == nil {
		err = wb.Finish()
	}
	if err != nil {
		_ = wb.Close() // the error that matters is err
		return err
	}
	s.log.Info("learner export", "user_id", u.ID, "format", "xlsx", "rows", wb.Rows())
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+exportName("xlsx")+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer wb.Close()
		if _, err := wb.WriteTo(w); err != nil { // the rows are written: this is the client going away
			s.log.Info("learner export not delivered", "format", "xlsx", "err", err)
			return
		}
		_ = w.Flush() // an error here, too, is the client going away
	})
	return nil
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

type organisationsPage struct {
	basePage
	Organisations []app.Organisation
	Name          string
}

func (s *Server) renderOrganisations(c *fiber.Ctx, status int, name string, errs []app.FieldError) error {
	orgs, err := s.cfg.Learning.Store.Organisations(c.UserContext())
	if err != nil {
		return err
	}
	if !app.MayCoordinate(currentUser(c)) {
		return app.Errorf(app.EFORBIDDEN, "You do not have permission to see this page.")
	}
	return s.render(c, status, "organisations", &organisationsPage{basePage: basePage{Title: "Organisations", NavReports: true, Errors: errs, Flash: c.Query("done")}, Organisations: orgs, Name: name})
}

func (s *Server) handleOrganisations(c *fiber.Ctx) error {
	return s.renderOrganisations(c, fiber.StatusOK, "", nil)
}

func (s *Server) orgAction(do func(c *fiber.Ctx) error, done string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		err := do(c)
		if app.ErrorCode(err) == app.EINVALID && len(app.ErrorFields(err)) > 0 {
			return s.renderOrganisations(c, fiber.StatusUnprocessableEntity, c.FormValue("name"), app.ErrorFields(err))
		}
		if err != nil {
			return err
		}
		return c.Redirect("/reports/organisations?done="+done, fiber.StatusSeeOther)
	}
}

func (s *Server) handleOrganisationAdd(c *fiber.Ctx) error {
	return s.orgAction(func(c *fiber.Ctx) error {
		return s.cfg.Oversight.AddOrganisation(c.UserContext(), currentUser(c), c.FormValue("name"))
	}, "added")(c)
}

func (s *Server) handleOrganisationRename(c *fiber.Ctx) error {
	return s.orgAction(func(c *fiber.Ctx) error {
		id, err := idParam(c)
		if err != nil {
			return err
		}
		return s.cfg.Oversight.RenameOrganisation(c.UserContext(), currentUser(c), id, c.FormValue("name"))
	}, "renamed")(c)
}

func (s *Server) handleOrganisationMerge(c *fiber.Ctx) error {
	return s.orgAction(func(c *fiber.Ctx) error {
		id, err := idParam(c)
		if err != nil {
			return err
		}
		into, err := strconv.ParseInt(c.FormValue("into"), 10, 64)
		if err != nil {
			return app.Invalid([]app.FieldError{{Field: "into", Message: "Choose the organisation to merge into"}})
		}
		return s.cfg.Oversight.MergeOrganisation(c.UserContext(), currentUser(c), id, into)
	}, "merged")(c)
}

type auditPage struct {
	basePage
	Entries          []app.AuditEntry
	Query            app.AuditQuery
	Total, Pages     int
	PrevURL, NextURL string
}

func (s *Server) handleAudit(c *fiber.Ctx) error {
	q := app.AuditQuery{Search: c.Query("q")}
	q.Page, _ = strconv.Atoi(c.Query("page"))
	es, total, q, err := s.cfg.AuditTrail.Search(c.UserContext(), currentUser(c), q)
	if err != nil {
		return err
	}
	p := &auditPage{basePage: basePage{Title: "Audit trail", NavReports: true}, Entries: es, Query: q, Total: total}
	p.Pages = max(1, (total+q.PageSize-1)/q.PageSize)
	page := func(n int) string {
		v := url.Values{}
		if q.Search != "" {
			v.Set("q", c.Query("q"))
		}
		v.Set("page", strconv.Itoa(n))
		return "/reports/audit?" + v.Encode()
	}
	if q.Page > 1 {
		p.PrevURL = page(min(q.Page-1, p.Pages))
	}
	if q.Page < p.Pages {
		p.NextURL = page(q.Page + 1)
	}
	return s.render(c, fiber.StatusOK, "audit", p)
}
