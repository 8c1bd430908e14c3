package web

import (
	"net/url"
	"slices"
	"strconv"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// staffSortLinks are "My staff"'s sortable column headers, keeping its filter.
func staffSortLinks(q app.StaffQuery) map[string]sortLink {
	links := map[string]sortLink{}
	sorted := q.Sort
	if !slices.Contains(app.StaffSorts, sorted) {
		sorted = "name"
	}
	for _, col := range app.StaffSorts {
		v := url.Values{}
		if q.Show != "" {
			v.Set("show", q.Show)
		}
		v.Set("sort", col)
		l := sortLink{AriaSort: "none"}
		if col == sorted {
			l.AriaSort = "ascending"
			if q.Desc {
				l.AriaSort = "descending"
			} else {
				v.Set("dir", "desc")
			}
		}
		l.URL = "/staff?" + v.Encode()
		links[col] = l
	}
	return links
}

// staffDone fills in the confirmation after accepting someone: their
// name, found in the manager's own list (so the id in the address reveals
// nothing about anyone else). After declining, the person has left the
// list, so the message names no one.
func (s *Server) staffDone(c *fiber.Ctx, p *staffPage, rows []app.StaffRow) {
	switch c.Query("done") {
	case "accepted":
		id, _ := strconv.ParseInt(c.Query("id"), 10, 64)
		for _, r := range rows {
			if r.UserID == id && r.Accepted {
				p.Done, p.DoneName = "accepted", r.Name
			}
		}
	case "declined", "removed":
		p.Done = c.Query("done")
	}
}

type staffDeclinePage struct {
	basePage
	Row *app.StaffRow
}

// handleStaffDecline takes someone who named the manager off their list:
// waiting ("Not my staff") or accepted before ("Remove from my staff").
// It asks first: without confirm=yes it shows what will happen and
// changes nothing.
func (s *Server) handleStaffDecline(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	if c.FormValue("confirm") != "yes" {
		rows, err := s.cfg.Oversight.Staff(c.UserContext(), u)
		if err != nil {
			return err
		}
		for i := range rows {
			if rows[i].UserID == id {
				back := "/staff"
				if rows[i].Accepted {
					back = "/staff/" + strconv.FormatInt(id, 10)
				}
				return s.render(c, fiber.StatusOK, "staff_decline", &staffDeclinePage{
					basePage: basePage{Title: "Are you sure you are not " + rows[i].Name + "'s line manager?", NavStaff: true, BackLink: back}, Row: &rows[i]})
			}
		}
		return app.Errorf(app.ENOTFOUND, "That person is not in your staff list.")
	}
	row, err := s.cfg.StaffDecisions.Decline(c.UserContext(), u, id)
	if err != nil {
		return err
	}
	done := "declined"
	if row.Accepted {
		done = "removed"
	}
	return c.Redirect("/staff?done="+done, fiber.StatusSeeOther)
}

// homeFor is where someone lands after signing in with nowhere else to go:
// managers on their staff list, everyone else on their course.
func homeFor(u *app.User) string {
	if app.MayManage(u) {
		return "/staff"
	}
	return "/course"
}
