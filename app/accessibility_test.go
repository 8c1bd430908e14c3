package app_test

import (
	"testing"

	"github.com/foundations/foundations/app"
)

func TestAccessibilityStatementCompliance(t *testing.T) {
	tested := app.AccessibilityResults{TestedOn: "2026-12-01", Violations: 0}
	s := app.AccessibilityStatement{Results: tested}
	if got := s.Compliance(); got != "partially" {
		t.Errorf("with the untagged certificate PDF, compliance is %q, want partially", got)
	}
	if issues := s.Issues(); len(issues) != 1 || issues[0] != app.CertificatePDFIssue {
		t.Errorf("issues %q, want the certificate PDF's", issues)
	}
	s.KnownIssues = []string{"A video without captions."}
	if issues := s.Issues(); len(issues) != 2 || issues[1] != "A video without captions." {
		t.Errorf("issues %q, want the configured one after the service's own", issues)
	}
	if got := s.Prepared().Format("2006-01-02"); got != "2026-12-01" {
		t.Errorf("prepared %s, want the test date when not configured", got)
	}
	s.PreparedOn = "2026-11-20"
	if got := s.Prepared().Format("2006-01-02"); got != "2026-11-20" {
		t.Errorf("prepared %s, want the configured date", got)
	}
	for _, bad := range []string{`{"tested_on": "yesterday"}`, `not json`} {
		if _, err := app.ParseAccessibilityResults([]byte(bad)); err == nil {
			t.Errorf("ParseAccessibilityResults(%q) accepted it", bad)
		}
	}
	r, err := app.ParseAccessibilityResults([]byte(`{"tested_on": "2026-12-01", "pages_and_states": 68, "violations": 0}`))
	if err != nil || r.Pages != 68 {
		t.Errorf("parse: %+v, %v", r, err)
	}
}
