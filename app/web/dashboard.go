package web

import (
	"fmt"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// dashboardCharts are the reports dashboard's charts, each drawn from the
// same figures as the table that follows it.
type dashboardCharts struct {
	Months, Organisations, Funnel, Statuses, Evaluation chart
}

func monthLabel(m string, short bool) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	if short {
		return t.Format("Jan 06")
	}
	return t.Format("January 2006")
}

func buildDashboardCharts(d *app.Dashboard, orgs []app.OrgCount, statuses []app.StatusCount) dashboardCharts {
	var c dashboardCharts

	total := 0
	c.Months = chart{ID: "chart-months", Title: fmt.Sprintf("Courses completed per month, last %d months", len(d.PerMonth)), Columns: true}
	for i, m := range d.PerMonth {
		total += m.Count
		c.Months.Bars = append(c.Months.Bars, bar{Label: monthLabel(m.Month, true), Value: float64(m.Count), Text: fmt.Sprint(m.Count), Tick: i%3 == 0 || i == len(d.PerMonth)-1})
	}
	if len(d.PerMonth) > 0 {
		span := fmt.Sprintf("From %s to %s", monthLabel(d.PerMonth[0].Month, false), monthLabel(d.PerMonth[len(d.PerMonth)-1].Month, false))
		if total == 0 {
			c.Months.Summary = span + ": no courses completed yet."
		} else {
			top := d.PerMonth[0]
			for _, m := range d.PerMonth {
				if m.Count > top.Count {
					top = m
				}
			}
			c.Months.Summary = fmt.Sprintf("%s: %d completed in all; the most in one month was %d, in %s. Every month's figure is in the table below.",
				span, total, top.Count, monthLabel(top.Month, false))
		}
	}

	c.Organisations = chart{ID: "chart-organisations", Title: "Completion rate by organisation", Max: 100}
	for _, o := range orgs {
		c.Organisations.Bars = append(c.Organisations.Bars, bar{Label: o.Organisation, Value: float64(o.CompletionRate()), Text: fmt.Sprintf("%d%%", o.CompletionRate())})
	}
	if len(orgs) == 0 {
		c.Organisations.Summary = "No organisation has registered learners yet."
	} else {
		hi, lo := highest(c.Organisations.Bars), lowest(c.Organisations.Bars)
		c.Organisations.Summary = fmt.Sprintf("Percentage of registered learners who completed the course, for %d organisations: highest %s at %s, lowest %s at %s.",
			len(orgs), hi.Label, hi.Text, lo.Label, lo.Text)
	}

	c.Funnel = chart{ID: "chart-funnel", Title: "Learners who passed each module"}
	for _, f := range d.Funnel {
		c.Funnel.Bars = append(c.Funnel.Bars, bar{Label: fmt.Sprintf("%d. %s", f.Module.Number, f.Module.Title), Value: float64(f.Passed), Text: fmt.Sprintf("%d of %d", f.Passed, f.Reached)})
	}
	if n := len(d.Funnel); n > 0 {
		c.Funnel.Summary = fmt.Sprintf("%d learners reached module 1 and %d passed it; %d reached module %d and %d passed it.",
			d.Funnel[0].Reached, d.Funnel[0].Passed, d.Funnel[n-1].Reached, n, d.Funnel[n-1].Passed)
	}

	c.Statuses = chart{ID: "chart-statuses", Title: "Learners by status"}
	everyone := 0
	for _, s := range statuses {
		everyone += s.Count
		c.Statuses.Bars = append(c.Statuses.Bars, bar{Label: s.Label, Value: float64(s.Count), Text: fmt.Sprint(s.Count)})
	}
	if everyone == 0 {
		c.Statuses.Summary = "No one has registered yet."
	} else {
		hi := highest(c.Statuses.Bars)
		c.Statuses.Summary = fmt.Sprintf("%d people registered; the largest group, %s, is %s.", everyone, hi.Text, hi.Label)
	}

	c.Evaluation = chart{ID: "chart-evaluation", Title: "Mean evaluation rating per question, 1 to 5", Max: 5}
	for _, m := range d.Evaluation.Means {
		c.Evaluation.Bars = append(c.Evaluation.Bars, bar{Label: m.Item.Text, Value: m.Mean, Text: fmt.Sprintf("%.1f", m.Mean)})
	}
	if d.Evaluation.Responses == 0 || len(c.Evaluation.Bars) == 0 {
		c.Evaluation.Summary = "No evaluations yet."
	} else {
		hi, lo := highest(c.Evaluation.Bars), lowest(c.Evaluation.Bars)
		c.Evaluation.Summary = fmt.Sprintf("From %d evaluations: highest rated “%s” at %s, lowest “%s” at %s.", d.Evaluation.Responses, hi.Label, hi.Text, lo.Label, lo.Text)
	}
	return c
}

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
