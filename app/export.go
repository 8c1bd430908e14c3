package app

import (
	"context"
	"fmt"
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
		d(r.StartedAt), r.ModulesPassed, d(r.CompletedAt), d(r.ConfirmedAt), text(code), d(r.CertificateExpiresAt), r.SignInMethods()}
}

// ExportWidths are the export's column widths in characters, for XLSX.
var ExportWidths = []float64{28, 34, 34, 24, 22, 12, 12, 10, 12, 14, 22, 14, 30}

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

// ExportLearners streams every learner matching q to fn, for CSV and XLSX.
func (o *Oversight) ExportLearners(ctx context.Context, actor *User, q LearnerQuery, fn func(*LearnerRow) error) error {
	if !mayCoordinate(actor) {
		return forbidden()
	}
	q.CourseID, q.Now = o.Learning.Course.ID, o.Now()
	q.Normalise()
	return o.Store.EachLearner(ctx, q, fn)
}

// CSVCell neutralises a value that a spreadsheet would run as a formula:
// a cell beginning with =, +, -, @, tab or carriage return gets a leading
// apostrophe, and so does each part after a semicolon (spreadsheets set
// to a ";" list separator split "Nurse;=1+1" into two cells).
func CSVCell(s string) string {
	parts := strings.Split(s, ";")
	for i, p := range parts {
		parts[i] = neutralisePart(p)
	}
	return strings.Join(parts, ";")
}

// ExportHeader and ExportRecord define the columns of the learner export,
// once, for CSV and XLSX alike.
var ExportHeader = []string{"Name", "Email", "Organisation", "Job role", "Status", "Registered", "Started", "Modules passed", "Completed", "Confirmed by manager", "Certificate code", "Certificate expires", "Signs in with"}

// ExportRecord is one learner's export row.
func ExportRecord(r *LearnerRow, now time.Time) []string {
	d := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2006-01-02")
	}
	code := ""
	if r.CertificateCode != "" {
		code = FormatCode(r.CertificateCode)
	}
	return []string{r.Name, r.Email, r.Organisation, r.JobRole, r.Status(now).Label(), r.RegisteredAt.UTC().Format("2006-01-02"),
		d(r.StartedAt), fmt.Sprint(r.ModulesPassed), d(r.CompletedAt), d(r.ConfirmedAt), code, d(r.CertificateExpiresAt), r.SignInMethods()}
}
