package web

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

type modulePage struct {
	basePage
	View     *app.ModuleView
	Module   *app.Module
	Answers  app.Answers
	Saved    bool
	Position app.ModulePosition // answered so far and the first unanswered question
	Total    int
	PassMark int
	// Prerender is set only while the body is rendered once at start-up.
	Prerender bool
}

// moduleTop is what the top of a module page shows (the module-top
// template's data): the one part of a pre-rendered module page that
// depends on the learner's progress. Every field is comparable, so it is
// its own cache key (modulelayout.go).
type moduleTop struct {
	Module    *app.Module
	Total     int
	CanAnswer bool
	Attempts  int
	Saved     bool
	Position  app.ModulePosition
}

// Top is the page's moduleTop.
func (p *modulePage) Top() moduleTop {
	return moduleTop{Module: p.Module, Total: p.Total, CanAnswer: p.View.CanAnswer, Attempts: p.View.Attempts, Saved: p.Saved, Position: p.Position}
}

func (s *Server) handleModule(c *fiber.Ctx) error {
	u := currentUser(c)
	v, err := s.cfg.Learning.OpenModule(c.UserContext(), u.ID, c.Params("module"))
	if err != nil {
		return err
	}
	return s.renderModule(c, fiber.StatusOK, v, nil, c.Query("saved") == "1")
}

func (s *Server) renderModule(c *fiber.Ctx, status int, v *app.ModuleView, errs []app.FieldError, saved bool) error {
	m := v.Module
	p := &modulePage{basePage: basePage{Title: m.Title, Errors: errs, BackLink: "/course", NavCourse: true},
		View: v, Module: m, Answers: v.Answers, Saved: saved, Total: len(s.cfg.Learning.Course.Modules), PassMark: s.cfg.Learning.Course.PassMark,
		Position: app.Position(m, v.Answers)}
	if pr := s.modules[m.ID]; pr != nil && len(errs) == 0 && v.CanAnswer {
		return s.renderPrerendered(c, status, p, pr)
	}
	return s.render(c, status, "module", p)
}

// bodyMarker stands for the module's body while the layout is rendered.
const bodyMarker = "⟦body⟧"

// renderPrerendered writes a module page from its pre-rendered body,
// layout and top (modulelayout.go): no template runs once a page of the
// same shape has been served, and the pieces are gzipped from their
// pre-deflated runs when the browser accepts gzip.
func (s *Server) renderPrerendered(c *fiber.Ctx, status int, p *modulePage, pr *prerendered) error {
	s.fillBase(c, &p.basePage)
	top, err := s.moduleTop(p.Top())
	if err != nil {
		return err
	}
	l, err := s.layout(p)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Vary(fiber.HeaderAcceptEncoding)
	c.Response().ResetBody()
	out := responseBody{c.Response()}
	var b sink = plainSink{out}
	var g *gzipStitch
	if c.Context().Request.Header.HasAcceptEncoding("gzip") {
		g = newGzipStitch(out)
		b = g
		c.Set(fiber.HeaderContentEncoding, "gzip")
	}
	writeLayout(b, l.head, p.CSRF, p.LearnerKey)
	writePieces(b, pr.pieces, p.View, p.CSRF, top)
	writeLayout(b, l.tail, p.CSRF, p.LearnerKey)
	if g != nil {
		g.close()
	}
	c.Status(status)
	return nil
}

// formAnswers collects the module form's q.<question> fields.
func formAnswers(c *fiber.Ctx) app.FormAnswers {
	form := app.FormAnswers{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		key := string(k)
		if qid, ok := strings.CutPrefix(key, "q."); ok {
			form[qid] = append(form[qid], string(v))
		}
	})
	return form
}

// handleModulePost is the form without JavaScript: "Save answers" saves
// every answer; "Submit" saves them and submits the module, in one
// transaction.
func (s *Server) handleModulePost(c *fiber.Ctx) error {
	u, id := currentUser(c), c.Params("module")
	ctx := c.UserContext()
	action := c.FormValue("action")
	if action != "save" && action != "submit" {
		return app.Errorf(app.EINVALID, "Choose Save answers or Submit.")
	}
	if action == "save" {
		if err := s.cfg.Learning.SaveAnswers(ctx, u.ID, id, formAnswers(c)); err != nil {
			return err
		}
		return c.Redirect("/modules/"+id+"?saved=1#save", fiber.StatusSeeOther)
	}
	res, err := s.cfg.Learning.SubmitAnswers(ctx, u.ID, id, formAnswers(c))
	if app.ErrorCode(err) == app.EINVALID && len(app.ErrorFields(err)) > 0 {
		v, verr := s.cfg.Learning.OpenModule(ctx, u.ID, id)
		if verr != nil {
			return verr
		}
		return s.renderModule(c, fiber.StatusUnprocessableEntity, v, app.ErrorFields(err), false)
	}
	if err != nil {
		return err
	}
	s.log.Info("module submitted", "user_id", u.ID, "module", id, "attempt", res.Attempt.Number, "passed", res.Score.Passed)
	return c.Redirect("/modules/"+id+"/result", fiber.StatusSeeOther)
}

// handleAutosave saves one answer for the page's script. It answers JSON.
// handleAutosave saves one answer for the session's learner, checking the
// session in the same statement (routes.go: no loadUser before it).
func (s *Server) handleAutosave(c *fiber.Ctx) error {
	var values []string
	for _, v := range c.Request().PostArgs().PeekMulti("answer") {
		values = append(values, string(v))
	}
	qid := c.FormValue("question")
	_, err := s.cfg.Learning.SaveAnswerInSession(c.UserContext(), s.cfg.Accounts, s.cookie(c, sessionCookie), c.Params("module"), qid, values)
	if app.ErrorCode(err) == app.EUNAUTHORIZED && s.cookie(c, sessionCookie) != "" {
		s.clearCookie(c, sessionCookie)
	}
	if err != nil {
		return err
	}
	// {"question":…,"saved":true,"saved_at":…}, written out: this answers
	// every autosave, and encoding/json's map walk was a twentieth of one.
	b := make([]byte, 0, 96)
	b = append(b, `{"question":`...)
	b = appendJSONString(b, qid)
	b = append(b, `,"saved":true,"saved_at":"`...)
	b = time.Now().UTC().AppendFormat(b, time.RFC3339)
	b = append(b, `"}`...)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always encodes
	return append(b, q...)
}

type resultPage struct {
	basePage
	Result   *app.Result
	Next     *app.Module
	IsLast   bool
	PassMark int
}

func (s *Server) handleResult(c *fiber.Ctx) error {
	u := currentUser(c)
	res, err := s.cfg.Learning.LatestResult(c.UserContext(), u.ID, c.Params("module"))
	if err != nil {
		return err
	}
	course := s.cfg.Learning.Course
	p := &resultPage{basePage: basePage{Title: "Your result: " + res.Module.Title, NavCourse: true}, Result: res, PassMark: course.PassMark}
	if res.Module.Number < len(course.Modules) {
		p.Next = course.Modules[res.Module.Number]
	} else {
		p.IsLast = true
	}
	return s.render(c, fiber.StatusOK, "result", p)
}
