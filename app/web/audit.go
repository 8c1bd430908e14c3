package web

import (
	"net/url"
	"strconv"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

type auditPage struct {
	basePage
	Entries          []app.AuditEntry
	Query            app.AuditQuery
	Total, Pages     int
	PrevURL, NextURL string
}

func (s *Server) handleAudit(c *fiber.Ctx) error {
	q := app.AuditQuery{Search: c.Query("q")}
	q.Page, _ = strconv.Atoi(c.Query("page"))
	es, total, q, err := s.cfg.AuditTrail.Search(c.UserContext(), currentUser(c), q)
	if err != nil {
		return err
	}
	p := &auditPage{basePage: basePage{Title: "Audit trail", NavReports: true}, Entries: es, Query: q, Total: total}
	p.Pages = max(1, (total+q.PageSize-1)/q.PageSize)
	page := func(n int) string {
		v := url.Values{}
		if q.Search != "" {
			v.Set("q", c.Query("q"))
		}
		v.Set("page", strconv.Itoa(n))
		return "/reports/audit?" + v.Encode()
	}
	if q.Page > 1 {
		p.PrevURL = page(min(q.Page-1, p.Pages))
	}
	if q.Page < p.Pages {
		p.NextURL = page(q.Page + 1)
	}
	return s.render(c, fiber.StatusOK, "audit", p)
}
