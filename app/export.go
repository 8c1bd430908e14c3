package app

import (
	"strings"
	"time"
)

// ExportCells is one learner's export row as typed values, for formats
// that keep types (XLSX): a string, an int, a time.Time (a date, UTC) or
// nil for an empty cell. It has ExportHeader's columns and, formatted,
// ExportRecord's values.
func ExportCells(r *LearnerRow, now time.Time) []any {
	d := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		u := t.UTC()
		return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
	}
	text := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	code := ""
	if r.CertificateCode != "" {
		code = FormatCode(r.CertificateCode)
	}
	return []any{text(r.Name), text(r.Email), text(r.Organisation), text(r.JobRole), r.Status(now).Label(), d(&r.RegisteredAt),
		d(r.StartedAt), r.ModulesPassed, d(r.CompletedAt), d(r.ConfirmedAt), text(code), d(r.CertificateExpiresAt)}
}

// ExportWidths are the export's column widths in characters, for XLSX.
var ExportWidths = []float64{28, 34, 34, 24, 22, 12, 12, 10, 12, 14, 22, 14}

// formulaStart are the characters that make a spreadsheet treat a cell as
// a formula (or, for tab and carriage return, hide one).
const formulaStart = "=+-@\t\r"

// neutralisePart gives s a leading apostrophe if it begins like a formula.
func neutralisePart(s string) string {
	if s != "" && strings.ContainsRune(formulaStart, rune(s[0])) {
		return "'" + s
	}
	return s
}
