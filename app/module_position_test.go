package app_test

import (
	"testing"

	"github.com/foundations/foundations/app"
)

func TestModulePosition(t *testing.T) {
	q := func(id string) *app.Question { return &app.Question{ID: id} }
	m := &app.Module{Sections: []*app.Section{
		{ID: "s1", Questions: []*app.Question{q("a"), q("b")}},
		{ID: "s2"},
		{ID: "s3", Questions: []*app.Question{q("c"), q("r")}},
	}}
	for _, tc := range []struct {
		name      string
		answers   app.Answers
		answered  int
		first     string
		section   int
		returning bool
	}{
		{"new", app.Answers{}, 0, "a", 1, false},
		{"first two", app.Answers{"a": {Options: []string{"x"}}, "b": {Options: []string{"y"}}}, 2, "c", 3, true},
		{"a gap", app.Answers{"a": {Options: []string{"x"}}, "c": {Options: []string{"y"}}}, 2, "b", 1, true},
		{"blank text is not an answer", app.Answers{"a": {Options: []string{"x"}}, "b": {Options: []string{"y"}}, "c": {Options: []string{"z"}}, "r": {Text: "  "}}, 3, "r", 3, true},
		{"all", app.Answers{"a": {Options: []string{"x"}}, "b": {Options: []string{"y"}}, "c": {Options: []string{"z"}}, "r": {Text: "Thought"}}, 4, "", 0, false},
	} {
		p := app.Position(m, tc.answers)
		first := ""
		if p.FirstUnanswered != nil {
			first = p.FirstUnanswered.ID
		}
		if p.Answered != tc.answered || p.Questions != 4 || first != tc.first || p.Section != tc.section || p.Returning() != tc.returning {
			t.Errorf("%s: %+v (first %q, returning %v), want %d of 4 answered, first %q in section %d, returning %v",
				tc.name, p, first, p.Returning(), tc.answered, tc.first, tc.section, tc.returning)
		}
	}
}
