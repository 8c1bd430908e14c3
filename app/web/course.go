package web

import (
	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

type coursePage struct {
	basePage
	Course   *app.Course
	Progress *app.Progress
	Modules  []moduleRow
	Manager  *app.LineManager
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
	page := &coursePage{basePage: basePage{Title: "Your course", NavCourse: true}, Course: course, Progress: p}
	for _, m := range course.Modules {
		page.Modules = append(page.Modules, moduleRow{Module: m, Status: p.Status(m), Percent: p.Modules[m.ID].PassPercent})
	}
	if page.Manager, err = s.cfg.StaffDecisions.LineManager(c.UserContext(), u); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "course", page)
}
