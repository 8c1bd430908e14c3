package web

import (
	"strconv"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

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
