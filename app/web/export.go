package web

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

func exportName(ext string) string {
	return fmt.Sprintf("learners-%s.%s", time.Now().UTC().Format("2006-01-02"), ext)
}

// handleExportCSV streams the filtered list as CSV: UTF-8 with a BOM (so
// Excel reads it as UTF-8), formula-like cells neutralised, one row at a
// time from a database cursor.
func (s *Server) handleExportCSV(c *fiber.Ctx) error {
	u, now := currentUser(c), s.cfg.Learning.Now()
	if !app.MayCoordinate(u) {
		return app.Errorf(app.EFORBIDDEN, "You do not have permission to export learners.")
	}
	q, err := exportQuery(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+exportName("csv")+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	s.log.Info("learner export", "user_id", u.ID, "format", "csv")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		cw := csv.NewWriter(w)
		_, err := w.WriteString("\ufeff")
		if err == nil {
			err = cw.Write(neutralised(app.ExportHeader))
		}
		n := 0
		if err == nil {
			err = s.cfg.Oversight.ExportLearners(context.Background(), u, q, func(r *app.LearnerRow) error {
				n++
				if err := cw.Write(neutralised(app.ExportRecord(r, now))); err != nil {
					return err
				}
				if n%500 == 0 {
					cw.Flush()
					return w.Flush() // an error here means the client went away
				}
				return nil
			})
		}
		cw.Flush()
		_ = w.Flush() // fails only when the client has gone: nothing to tell it, and not our error
		if err != nil {
			s.log.Error("learner export stopped", "format", "csv", "rows", n, "err", err)
		}
	})
	return nil
}

func neutralised(rec []string) []string {
	for i := range rec {
		rec[i] = app.CSVCell(rec[i])
	}
	return rec
}

// handleExportXLSX writes the filtered list as an Excel workbook (see
// learnerWorkbook). The rows are read and written to the workbook's
// temporary file first, so a database error is still an error page; the
// finished file is then streamed, never held whole in memory.
func (s *Server) handleExportXLSX(c *fiber.Ctx) error {
	u, now := currentUser(c), s.cfg.Learning.Now()
	if !app.MayCoordinate(u) {
		return app.Errorf(app.EFORBIDDEN, "You do not have permission to export learners.")
	}
	q, err := exportQuery(c)
	if err != nil {
		return err
	}
	wb, err := newLearnerWorkbook()
	if err != nil {
		return err
	}
	err = s.cfg.Oversight.ExportLearners(c.UserContext(), u, q, func(r *app.LearnerRow) error { return wb.Add(r, now) })
	if err == nil {
		err = wb.Finish()
	}
	if err != nil {
		_ = wb.Close() // the error that matters is err
		return err
	}
	s.log.Info("learner export", "user_id", u.ID, "format", "xlsx", "rows", wb.Rows())
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+exportName("xlsx")+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer wb.Close()
		if _, err := wb.WriteTo(w); err != nil { // the rows are written: this is the client going away
			s.log.Info("learner export not delivered", "format", "xlsx", "err", err)
			return
		}
		_ = w.Flush() // an error here, too, is the client going away
	})
	return nil
}
