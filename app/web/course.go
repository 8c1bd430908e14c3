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
	// MayRefresh is whether the learner may take the course again now;
	// RefresherOpens when they may, once this cycle is complete.
	MayRefresh     bool
	RefresherOpens time.Time
	Now            time.Time
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
	page := &coursePage{basePage: basePage{Title: course.Title, NavCourse: true, Flash: c.Query("done")}, Course: course, Progress: p,
		MayRefresh: p.MayStartRefresher(s.cfg.Learning.Now()), Now: s.cfg.Learning.Now()}
	if p.Certificate != nil {
		page.RefresherOpens = app.RefresherOpensAt(p.Certificate.ExpiresAt)
	}
	for _, m := range course.Modules {
		page.Modules = append(page.Modules, moduleRow{Module: m, Status: p.Status(m), Percent: p.Modules[m.ID].PassPercent})
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
