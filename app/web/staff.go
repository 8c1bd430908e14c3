package web

import (
	"strconv"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

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
