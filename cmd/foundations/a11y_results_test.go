package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/templates"
)

// accessibilityResultsFile is where the accessibility statement's test
// results live; the binary embeds it (templates.AccessibilityResults).
const accessibilityResultsFile = "../../templates/accessibility-results.json"

// recordAccessibilityResults writes what TestAccessibility checked, for
// the accessibility statement, when UPDATE_SCREENSHOTS=1 (a tracked file
// changes only when asked). Every run checks that the embedded record
// parses, reports no failures and covers at least as many pages as it says.
func recordAccessibilityResults(t *testing.T, axeSource, chromium string, pages int) {
	t.Helper()
	embedded, err := app.ParseAccessibilityResults(templates.AccessibilityResults)
	if err != nil {
		t.Fatalf("the embedded accessibility results: %v", err)
	}
	if embedded.Violations != 0 {
		t.Errorf("the embedded accessibility results record %d failures", embedded.Violations)
	}
	if embedded.Pages > pages {
		t.Errorf("the embedded accessibility results claim %d pages and states; the suite checks %d: run it with UPDATE_SCREENSHOTS=1", embedded.Pages, pages)
	}
	if os.Getenv("UPDATE_SCREENSHOTS") != "1" || t.Failed() {
		return
	}
	version := "4"
	if m := regexp.MustCompile(`axe v([0-9.]+)`).FindStringSubmatch(axeSource[:min(200, len(axeSource))]); m != nil {
		version = m[1]
	}
	browser := "Chromium"
	if out, err := exec.Command(chromium, "--version").Output(); err == nil {
		browser = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "Chromium "))
		browser = "Chromium " + strings.Fields(browser + " ")[0]
	}
	r := app.AccessibilityResults{
		TestedOn: time.Now().UTC().Format("2006-01-02"), Standard: "WCAG 2.2 AA", AxeCore: version, Browser: browser,
		Pages: pages, Violations: 0,
		Methods: []string{
			"axe-core " + version + " with the WCAG 2.0, 2.1 and 2.2 A and AA rules on every page and state, in the standard and the high-contrast theme",
			"every page and state shown 320 CSS pixels wide (the same as 400% zoom on a 1280 pixel screen) with nothing scrolling sideways",
			"the whole learner journey, registering to certificate, with only a keyboard, checking the focus is always visible",
			"the whole learner journey with JavaScript turned off",
			"the Quick exit button and keyboard shortcut, and use on a slow or broken connection",
		},
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(accessibilityResultsFile, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: %d pages and states, axe-core %s, %s", accessibilityResultsFile, pages, version, browser)
}
