package web

import (
	"strconv"
	"strings"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

type profilePage struct {
	basePage
	Form          app.Registration
	Organisations []app.Organisation
	Saved         bool
	Changed       string // "password" after a change of password
}

func (s *Server) handleProfileForm(c *fiber.Ctx) error {
	u := currentUser(c)
	orgs, err := s.cfg.Learning.Store.Organisations(c.UserContext())
	if err != nil {
		return err
	}
	form := app.Registration{Name: u.Name, Email: u.Email, OrganisationID: u.OrganisationID, JobRole: u.JobRole, ManagerEmail: u.ManagerEmail}
	return s.render(c, fiber.StatusOK, "profile", &profilePage{basePage: basePage{Title: "Your details", NavProfile: true}, Form: form, Organisations: orgs, Saved: c.Query("saved") == "1", Changed: c.Query("changed")})
}

func (s *Server) handleProfile(c *fiber.Ctx) error {
	u := currentUser(c)
	orgID, _ := strconv.ParseInt(c.FormValue("organisation"), 10, 64)
	form := app.Registration{Name: c.FormValue("name"), Email: u.Email, OrganisationID: orgID, JobRole: c.FormValue("job_role"), ManagerEmail: strings.TrimSpace(c.FormValue("manager_email"))}
	err := s.cfg.Oversight.UpdateProfile(c.UserContext(), u, form)
	if app.ErrorCode(err) == app.EINVALID {
		orgs, oerr := s.cfg.Learning.Store.Organisations(c.UserContext())
		if oerr != nil {
			return oerr
		}
		return s.render(c, fiber.StatusUnprocessableEntity, "profile", &profilePage{basePage: basePage{Title: "Your details", Errors: app.ErrorFields(err)}, Form: form, Organisations: orgs})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/profile?saved=1", fiber.StatusSeeOther)
}
