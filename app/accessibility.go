package app

import (
	"encoding/json"
	"fmt"
	"time"
)

// AccessibilityResults are what the accessibility test suite found, as it
// records them (cmd/foundations/a11y_test.go writes the JSON with
// UPDATE_SCREENSHOTS=1; the binary embeds it).
type AccessibilityResults struct {
	TestedOn   string   `json:"tested_on"` // "2026-12-01"
	Standard   string   `json:"standard"`  // "WCAG 2.2 AA"
	AxeCore    string   `json:"axe_core"`  // axe-core version
	Browser    string   `json:"browser"`
	Pages      int      `json:"pages_and_states"` // each checked in both themes and at 320 px
	Violations int      `json:"violations"`
	Methods    []string `json:"methods"` // how, in words
}

// ParseAccessibilityResults reads the suite's JSON record.
func ParseAccessibilityResults(b []byte) (AccessibilityResults, error) {
	var r AccessibilityResults
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("accessibility results: %w", err)
	}
	if _, err := time.Parse("2006-01-02", r.TestedOn); err != nil {
		return r, fmt.Errorf("accessibility results: tested_on %q is not a date", r.TestedOn)
	}
	return r, nil
}

// AccessibilityStatement is the statement the Public Sector Bodies
// (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018
// require, from configuration (who runs the service and how to reach
// them) and the test suite's results.
type AccessibilityStatement struct {
	Service      string
	Partnership  string
	Contact      string // email for accessibility problems and other formats
	Phone        string // optional
	ResponseDays int    // working days to reply
	KnownIssues  []string
	PreparedOn   string // "2026-12-01"; defaults to the test date
	Results      AccessibilityResults
}

// CertificatePDFIssue is content this service knows is not accessible: the
// PDF is not tagged, so its accessible equivalent is the certificate page.
const CertificatePDFIssue = "The certificate PDF is not tagged, so screen readers cannot read its structure. The same certificate, with its verification link, is on the certificate page as an accessible web page, and anyone can check it on the verification page."

// Issues is every known non-accessible part: the service's own and those
// configured.
func (s AccessibilityStatement) Issues() []string {
	return append([]string{CertificatePDFIssue}, s.KnownIssues...)
}

// Compliance is the compliance status the regulations ask for: "fully"
// only with no known issue and no failure in the last test; "partially"
// otherwise. (With untested content it would be "not", but the suite runs
// on every change.)
func (s AccessibilityStatement) Compliance() string {
	if len(s.Issues()) == 0 && s.Results.Violations == 0 && s.Results.TestedOn != "" {
		return "fully"
	}
	return "partially"
}

// TestedOn is the last test date as a time, zero when never tested.
func (s AccessibilityStatement) TestedOn() time.Time {
	t, _ := time.Parse("2006-01-02", s.Results.TestedOn)
	return t
}

// Prepared is when the statement was prepared: PreparedOn, else the last test.
func (s AccessibilityStatement) Prepared() time.Time {
	if t, err := time.Parse("2006-01-02", s.PreparedOn); err == nil {
		return t
	}
	return s.TestedOn()
}
