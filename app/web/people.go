package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// requireRole refuses signed-in users without the permission (403); the
// Oversight service checks again, so a missing guard here cannot leak data.
func (s *Server) requireRole(may func(*app.User) bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !may(currentUser(c)) {
			return app.Errorf(app.EFORBIDDEN, "You do not have permission to see this page.")
		}
		return c.Next()
	}
}

func idParam(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, app.Errorf(app.ENOTFOUND, "There is no such person.")
	}
	return id, nil
}

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

type staffPage struct {
	basePage
	Pending  []app.StaffRow
	Accepted []app.StaffRow // filtered and sorted by Query
	Course   *app.Course
	Now      time.Time
	Query    app.StaffQuery
	Totals   app.StaffTotals
	Statuses any
	Sorts    map[string]sortLink
	Done     string // "accepted" or "declined": the confirmation to show
	DoneName string // whom it was about
}

func (s *Server) handleStaff(c *fiber.Ctx) error {
	rows, err := s.cfg.Oversight.Staff(c.UserContext(), currentUser(c))
	if err != nil {
		return err
	}
	now := s.cfg.Learning.Now()
	q := app.StaffQuery{Show: c.Query("show"), Sort: c.Query("sort"), Desc: c.Query("dir") == "desc"}
	p := &staffPage{basePage: basePage{Title: "My staff", NavStaff: true}, Course: s.cfg.Learning.Course, Now: now, Query: q,
		Totals: app.Totals(rows, now), Accepted: app.FilterStaff(rows, q, now), Statuses: app.LearnerStatuses}
	for _, r := range rows {
		if !r.Accepted {
			p.Pending = append(p.Pending, r)
		}
	}
	p.Sorts = staffSortLinks(q)
	s.staffDone(c, p, rows)
	return s.render(c, fiber.StatusOK, "staff", p)
}

func (s *Server) handleStaffAccept(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Oversight.AcceptStaff(c.UserContext(), currentUser(c), id); err != nil {
		return err
	}
	return c.Redirect("/staff?done=accepted&id="+strconv.FormatInt(id, 10), fiber.StatusSeeOther)
}

type staffMemberPage struct {
	basePage
	Row          *app.StaffRow
	Confirmation *app.Confirmation
	Course       *app.Course
	Status       app.LearnerStatus
	Modules      []staffModule
	Note         string
	Confirmed    bool
}

type staffModule struct {
	Module   *app.Module
	Progress app.ModuleProgress
	Opened   bool
}

func (s *Server) handleStaffMember(c *fiber.Ctx) error {
	return s.renderStaffMember(c, fiber.StatusOK, "", nil)
}

func (s *Server) renderStaffMember(c *fiber.Ctx, status int, note string, errs []app.FieldError) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	row, conf, err := s.cfg.Oversight.StaffMember(c.UserContext(), currentUser(c), id)
	if err != nil {
		return err
	}
	p := &staffMemberPage{basePage: basePage{Title: row.Name, BackLink: "/staff", NavStaff: true, Errors: errs}, Row: row, Confirmation: conf,
		Course: s.cfg.Learning.Course, Status: row.Status(s.cfg.Learning.Now()), Note: note, Confirmed: c.Query("confirmed") == "1"}
	for _, m := range s.cfg.Learning.Course.Modules {
		sm := staffModule{Module: m}
		for _, mp := range row.Modules {
			if mp.ModuleID == m.ID {
				sm.Progress, sm.Opened = mp, true
			}
		}
		p.Modules = append(p.Modules, sm)
	}
	return s.render(c, status, "staff_member", p)
}

func (s *Server) handleStaffConfirm(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	note := c.FormValue("note")
	_, err = s.cfg.Oversight.ConfirmTraining(c.UserContext(), currentUser(c), id, note)
	if app.ErrorCode(err) == app.EINVALID {
		return s.renderStaffMember(c, fiber.StatusUnprocessableEntity, note, app.ErrorFields(err))
	}
	if err != nil {
		return err
	}
	return c.Redirect("/staff/"+strconv.FormatInt(id, 10)+"?confirmed=1", fiber.StatusSeeOther)
}
