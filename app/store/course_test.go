package store_test

import (
	"testing"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/content"
	"github.com/foundations/foundations/courses"
)

// demoCourse loads the real course with the default placeholders.
func demoCourse(t testing.TB) *app.Course {
	t.Helper()
	placeholders := map[string]string{
		"partnership_name":       "Example Safeguarding Children Partnership",
		"partnership_short_name": "ESCP",
		"front_door_name":        "Children's Advice and Support Service",
		"front_door_phone":       "0100 000 0000",
		"front_door_url":         "https://example.org/worried-about-a-child",
		"out_of_hours_phone":     "0100 000 0001",
		"escalation_policy_url":  "https://example.org/escalation",
		"neglect_toolkit_url":    "https://example.org/neglect-toolkit",
		"training_contact":       "training@example.org",
	}
	c, err := content.Load(courses.FS, "neglect-foundations", content.DefaultOptions(placeholders))
	if err != nil {
		t.Fatalf("load course: %v", err)
	}
	return c
}
