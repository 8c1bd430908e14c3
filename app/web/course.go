package web

import (
	"time"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

type coursePage struct {
	basePage
	Course   *app.Course
	Progress *app.Progress
	Modules  []moduleRow
	Notice   string // after an emailed link: "email=sent", "email=confirmed", "password=reset"
	// MayRefresh is whether the learner may take the course again now;
	// RefresherOpens when they may, once this cycle is complete.
	MayRefresh     bool
	RefresherOpens time.Time
	Now            time.Time
	// ContactsWarning is shown to administrators only, while the local
	// contacts are still the example defaults.
	ContactsWarning bool
	Contacts        app.LocalContacts
	// CheckOpen is the knowledge check phase the learner may take now, if
	// any; Checked the phase just taken.
	CheckOpen, Checked string
	Manager            *app.LineManager // who accepted and confirmed them, or that the person named declined
}

type moduleRow struct {
	Module  *app.Module
	Status  app.ModuleStatus
	Percent int
}

func (s *Server) handleCourse(c *fiber.Ctx) error {
	u := currentUser(c)
	p, err := s.cfg.Learning.Progress(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	course := s.cfg.Learning.Course
	page := &coursePage{basePage: basePage{Title: "Your course", NavCourse: true, Flash: c.Query("done")}, Course: course, Progress: p,
		MayRefresh: p.MayStartRefresher(s.cfg.Learning.Now()), Now: s.cfg.Learning.Now(),
		ContactsWarning: u.Has(app.RoleAdmin) && !s.cfg.Contacts.Complete(), Contacts: s.cfg.Contacts, Notice: accountNotice(c)}
	if p.Certificate != nil {
		page.RefresherOpens = app.RefresherOpensAt(p.Certificate.ExpiresAt)
	}
	for _, m := range course.Modules {
		page.Modules = append(page.Modules, moduleRow{Module: m, Status: p.Status(m), Percent: p.Modules[m.ID].PassPercent})
	}
	if s.cfg.KnowledgeChecks != nil && len(course.KnowledgeCheck) > 0 {
		taken, err := s.cfg.KnowledgeChecks.KnowledgeCheckPhases(c.UserContext(), u.ID, course.ID)
		if err != nil {
			return err
		}
		for _, phase := range []string{app.CheckBefore, app.CheckAfter} {
			if app.KnowledgeCheckOpen(course, phase, p, taken) {
				page.CheckOpen = phase
			}
		}
		if ph := c.Query("checked"); app.ValidPhase(ph) && taken[ph] {
			page.Checked = ph
		}
	}
	if page.Manager, err = s.cfg.StaffDecisions.LineManager(c.UserContext(), u); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "course", page)
}

// handleRefresherStart starts the learner's next time through the course.
func (s *Server) handleRefresherStart(c *fiber.Ctx) error {
	u := currentUser(c)
	if err := s.cfg.Learning.StartRefresher(c.UserContext(), u.ID); err != nil {
		return err
	}
	s.log.Info("refresher started", "user_id", u.ID)
	return c.Redirect("/course?done=refresher", fiber.StatusSeeOther)
}
