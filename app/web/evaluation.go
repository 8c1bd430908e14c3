package web

import (
	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

type evaluationPage struct {
	basePage
	Items []*app.EvaluationItem
	Form  app.EvaluationForm
	// CheckAfter offers the optional knowledge check first, when open.
	CheckAfter bool
}

func (s *Server) handleEvaluationForm(c *fiber.Ctx) error {
	p, err := s.cfg.Learning.Progress(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return err
	}
	if p.Evaluated {
		return c.Redirect("/certificate", fiber.StatusSeeOther)
	}
	if !p.CanEvaluate() {
		return app.Errorf(app.EFORBIDDEN, "The course evaluation opens when you have passed all %d modules.", len(p.Course.Modules))
	}
	page := &evaluationPage{basePage: basePage{Title: "Course evaluation", BackLink: "/course", NavCourse: true},
		Items: s.cfg.Learning.Course.Evaluation, Form: app.EvaluationForm{}}
	if s.cfg.KnowledgeChecks != nil {
		open, err := s.knowledgeCheckOpen(c, app.CheckAfter, p)
		if err != nil {
			return err
		}
		page.CheckAfter = open
	}
	return s.render(c, fiber.StatusOK, "evaluation", page)
}

func (s *Server) handleEvaluation(c *fiber.Ctx) error {
	form := app.EvaluationForm{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		if key := string(k); key != csrfField {
			form[key] = string(v)
		}
	})
	cert, err := s.cfg.Learning.SubmitEvaluation(c.UserContext(), currentUser(c), form)
	if app.ErrorCode(err) == app.EINVALID && len(app.ErrorFields(err)) > 0 {
		return s.render(c, fiber.StatusUnprocessableEntity, "evaluation", &evaluationPage{basePage: basePage{Title: "Course evaluation", Errors: app.ErrorFields(err), BackLink: "/course", NavCourse: true},
			Items: s.cfg.Learning.Course.Evaluation, Form: form})
	}
	if err != nil {
		return err
	}
	s.log.Info("course completed", "user_id", cert.UserID, "certificate_id", cert.ID)
	return c.Redirect("/certificate?issued=1", fiber.StatusSeeOther)
}
