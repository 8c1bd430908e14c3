package web

import (
	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

type certificatePendingPage struct {
	basePage
	Course   *app.Course
	Progress *app.Progress
	Left     []moduleRow // modules not passed yet, in order
}

// certificatePending answers /certificate for a learner with no
// certificate yet: what is left to do, not "Page not found". The status is
// still 404, as there is no certificate to show.
func (s *Server) certificatePending(c *fiber.Ctx) error {
	p, err := s.cfg.Learning.Progress(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return err
	}
	course := s.cfg.Learning.Course
	page := &certificatePendingPage{basePage: basePage{Title: "You do not have a certificate yet", NavCourse: true}, Course: course, Progress: p}
	for _, m := range course.Modules {
		if st := p.Status(m); st != app.StatusPassed {
			page.Left = append(page.Left, moduleRow{Module: m, Status: st})
		}
	}
	return s.render(c, fiber.StatusNotFound, "certificate_pending", page)
}
