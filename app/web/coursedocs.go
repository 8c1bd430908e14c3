package web

import (
	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// The course's reference pages: references and further reading, the
// glossary and the local contacts are public (they hold no one's data and
// a safeguarding lead may want them before signing up); a module's
// printable summary is for signed-in learners, like the module itself.

type referencesPage struct {
	basePage
	Course  *app.Course
	Sources []*app.Reference
	Reading []*app.Reference
}

func (s *Server) handleReferences(c *fiber.Ctx) error {
	course := s.cfg.Learning.Course
	p := &referencesPage{basePage: basePage{Title: "References and further reading"}, Course: course}
	for _, r := range course.References {
		if r.Reading {
			p.Reading = append(p.Reading, r)
		} else {
			p.Sources = append(p.Sources, r)
		}
	}
	return s.render(c, fiber.StatusOK, "references", p)
}

type glossaryPage struct {
	basePage
	Course *app.Course
}

func (s *Server) handleGlossary(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "glossary", &glossaryPage{basePage: basePage{Title: "Glossary"}, Course: s.cfg.Learning.Course})
}

type contactsPage struct {
	basePage
	Contacts app.LocalContacts
}

func (s *Server) handleContacts(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "contacts", &contactsPage{basePage: basePage{Title: "Local contacts: if you are worried about a child"}, Contacts: s.cfg.Contacts})
}

type summaryPage struct {
	basePage
	Course   *app.Course
	Module   *app.Module
	Contacts app.LocalContacts
}

func (s *Server) handleModuleSummary(c *fiber.Ctx) error {
	course := s.cfg.Learning.Course
	m := course.Module(c.Params("module"))
	if m == nil {
		return app.Errorf(app.ENOTFOUND, "There is no such module.")
	}
	return s.render(c, fiber.StatusOK, "summary", &summaryPage{
		basePage: basePage{Title: "Summary: " + m.Title, NavCourse: true, BackLink: "/modules/" + m.ID},
		Course:   course, Module: m, Contacts: s.cfg.Contacts,
	})
}
