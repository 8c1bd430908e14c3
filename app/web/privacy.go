package web

import (
	"bufio"
	"encoding/csv"
	"encoding/json"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

type privacyPage struct {
	basePage
	Notice app.PrivacyNotice
}

func (s *Server) handlePrivacy(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "privacy", &privacyPage{basePage: basePage{Title: "Privacy notice"}, Notice: s.cfg.Privacy.Notice})
}

// handleDataJSON is "Download my data" as JSON.
func (s *Server) handleDataJSON(c *fiber.Ctx) error {
	x, err := s.cfg.Privacy.Export(c.UserContext(), currentUser(c))
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="my-training-data.json"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b)
}

// handleDataCSV is "Download my data" as CSV: section, item, field, value.
func (s *Server) handleDataCSV(c *fiber.Ctx) error {
	x, err := s.cfg.Privacy.Export(c.UserContext(), currentUser(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="my-training-data.csv"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	rows := x.ExportRows()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if _, err := w.WriteString("\ufeff"); err != nil {
			return // the browser went away
		}
		if err := csv.NewWriter(w).WriteAll(rows); err != nil {
			s.log.Warn("data download interrupted", "err", err)
		}
	})
	return nil
}

// erase is an administrator's erasure of an account on request.
func (s *Server) erase() fiber.Handler {
	return s.learnerAction(func(c *fiber.Ctx, a *app.User, id int64) error {
		return s.cfg.Privacy.Erase(c.UserContext(), a, id, c.FormValue("erase_reason"))
	}, "erased")
}

// privacyDefaults fills in privacy for configurations built before it.
func (cfg *Config) privacyDefaults() {
	if cfg.Privacy != nil {
		return
	}
	ps, _ := cfg.Accounts.Store.(app.PrivacyStore)
	cfg.Privacy = &app.Privacy{Store: ps, Course: cfg.Learning.Course, Mail: cfg.Mail, Now: cfg.Accounts.Now,
		Notice: app.PrivacyNotice{Controller: cfg.Partnership, Contact: cfg.HelpContact, RetentionMonths: 72}}
}
