package web_test

import (
	"strings"
	"testing"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/foundations/foundations/app/web"
	"github.com/foundations/foundations/templates"
	"github.com/gofiber/fiber/v2"
)

// TestAccessibilityStatement: the statement has every part the UK
// accessibility regulations ask for, filled from configuration and the
// accessibility suite's recorded results.
func TestAccessibilityStatement(t *testing.T) {
	results, err := app.ParseAccessibilityResults(templates.AccessibilityResults)
	if err != nil {
		t.Fatalf("the embedded results: %v", err)
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st, func(c *web.Config) {
			c.Accessibility = app.AccessibilityStatement{Service: "Neglect Foundations", Partnership: "Test Partnership", Contact: "access@example.org",
				Phone: "0100 000 0002", ResponseDays: 7, KnownIssues: []string{"Videos in module 3 have no audio description yet."}, Results: results}
		})
		res := srv.newClient(t).get("/accessibility")
		res.wantStatus(t, fiber.StatusOK)
		doc := res.html(t)
		var headings []string
		for _, tag := range []string{"h1", "h2", "h3", "h4"} {
			for _, h := range findAll(doc, element(tag)) {
				headings = append(headings, textOf(h))
			}
		}
		all := strings.Join(headings, "|")
		for _, want := range []string{"Accessibility statement for Neglect Foundations", "How accessible this website is", "Feedback and contact information",
			"Enforcement procedure", "Technical information about this website’s accessibility", "Compliance status", "Non-accessible content",
			"Non-compliance with the accessibility regulations", "Disproportionate burden", "Content that’s not within the scope of the accessibility regulations",
			"Preparation of this accessibility statement"} {
			if !strings.Contains(all, want) {
				t.Errorf("no heading %q (headings: %q)", want, headings)
			}
		}
		text := textOf(doc)
		for _, want := range []string{
			"This website is partially compliant with the Web Content Accessibility Guidelines version 2.2 AA standard",
			"Videos in module 3 have no audio description yet.",
			"The certificate PDF is not tagged",
			"call 0100 000 0002", "within 7 working days",
			"Equality Advisory and Support Service",
			"Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("the statement does not say %q", want)
			}
		}
		if a := findFirst(doc, element("a", "href", "mailto:access@example.org")); a == nil {
			t.Error("no link to the accessibility contact")
		}
		want := (app.AccessibilityStatement{Results: results}).TestedOn().Format("2 January 2006")
		if tested := findFirst(doc, element("span", "id", "tested-on")); tested == nil || textOf(tested) != want {
			t.Errorf("the statement does not give the date of the last test (%s)", results.TestedOn)
		}
	})
}
