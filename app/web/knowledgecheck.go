package web

import (
	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// The optional knowledge check, before module 1 and after the last. It is
// never scored for a pass; the dashboard shows the mean gain.

type knowledgeCheckPage struct {
	basePage
	Phase string
	Items []knowledgeCheckItem
}

type knowledgeCheckItem struct {
	Q       *app.Question
	Options []*app.Option // in this learner's order for this phase
}

// knowledgeCheckOpen loads what decides whether the learner may take the
// check in phase now; p is the learner's progress when the caller has
// already loaded it (nil: it is loaded here). A server without a
// knowledge check store, or an unknown phase, has no such page.
func (s *Server) knowledgeCheckOpen(c *fiber.Ctx, phase string, p *app.Progress) (bool, error) {
	if s.cfg.KnowledgeChecks == nil || !app.ValidPhase(phase) {
		return false, app.Errorf(app.ENOTFOUND, "There is no such knowledge check.")
	}
	u, course := currentUser(c), s.cfg.Learning.Course
	if p == nil {
		var err error
		if p, err = s.cfg.Learning.Progress(c.UserContext(), u.ID); err != nil {
			return false, err
		}
	}
	taken, err := s.cfg.KnowledgeChecks.KnowledgeCheckPhases(c.UserContext(), u.ID, course.ID)
	if err != nil {
		return false, err
	}
	return app.KnowledgeCheckOpen(course, phase, p, taken), nil
}

func (s *Server) handleKnowledgeCheckForm(c *fiber.Ctx) error {
	phase := c.Params("phase")
	open, err := s.knowledgeCheckOpen(c, phase, nil)
	if err != nil {
		return err
	}
	if !open {
		return c.Redirect("/course", fiber.StatusSeeOther)
	}
	u, course := currentUser(c), s.cfg.Learning.Course
	round := 1
	if phase == app.CheckAfter {
		round = 2
	}
	p := &knowledgeCheckPage{basePage: basePage{Title: "Check what you know", BackLink: "/course", NavCourse: true}, Phase: phase}
	for _, q := range course.KnowledgeCheck {
		p.Items = append(p.Items, knowledgeCheckItem{Q: q, Options: app.OptionOrder([]byte(s.cfg.SecretKey), u.ID, "knowledge-check", round, q)})
	}
	return s.render(c, fiber.StatusOK, "knowledge_check", p)
}

func (s *Server) handleKnowledgeCheck(c *fiber.Ctx) error {
	phase := c.Params("phase")
	open, err := s.knowledgeCheckOpen(c, phase, nil)
	if err != nil {
		return err
	}
	if !open {
		return app.Errorf(app.ECONFLICT, "The knowledge check %s the course is not open to you now.", phase)
	}
	u, course := currentUser(c), s.cfg.Learning.Course
	answers := map[string]string{}
	for _, q := range course.KnowledgeCheck {
		if v := c.FormValue(q.ID); v != "" && v != notSure {
			answers[q.ID] = v
		}
	}
	correct, total, err := app.ScoreKnowledgeCheck(course, answers)
	if err != nil {
		return err
	}
	r := app.KnowledgeCheckResult{UserID: u.ID, CourseID: course.ID, Phase: phase, Answers: answers, Correct: correct, Total: total, TakenAt: s.cfg.Learning.Now()}
	if err := s.cfg.KnowledgeChecks.SaveKnowledgeCheck(c.UserContext(), r); err != nil {
		return err
	}
	return c.Redirect("/course?checked="+phase, fiber.StatusSeeOther)
}

// notSure is the value of the "I'm not sure" choice on every item.
const notSure = "not-sure"
