package content_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/content"
	"github.com/foundations/foundations/courses"
)

func realCourse(t *testing.T) *app.Course {
	t.Helper()
	c, err := content.Load(courses.FS, "neglect-foundations", content.DefaultOptions(placeholders))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func scoredQuestions(c *app.Course) []*app.Question {
	var qs []*app.Question
	for _, m := range c.Modules {
		for _, q := range m.Questions() {
			if q.Scored() {
				qs = append(qs, q)
			}
		}
	}
	return qs
}

// The real course's questions test understanding, not test-taking: most
// are scenarios, and neither the key's place, the number of right
// options, the longest option nor an absolute word gives the answer away.
func TestRealCourseQuestionsGiveNothingAway(t *testing.T) {
	qs := scoredQuestions(realCourse(t))
	scenarios, singles, longestRight, multiples, firstRight := 0, 0, 0, 0, 0
	singleKeys := map[string]int{}
	rightCounts := map[int]int{}
	absolute := regexp.MustCompile(`(?i)\b(only|always|never)\b`)
	absRight, absAll := 0, 0
	for _, q := range qs {
		if q.ScenarioHTML != "" {
			scenarios++
		}
		longest, right := 0, 0
		for _, o := range q.Options {
			longest = max(longest, len(o.Text))
			if o.Correct {
				right++
			}
			if absolute.MatchString(o.Text) {
				absAll++
				if o.Correct {
					absRight++
				}
			}
		}
		switch q.Type {
		case app.QuestionSingle:
			singles++
			for _, o := range q.Options {
				if o.Correct {
					singleKeys[o.ID]++
					if len(o.Text) == longest {
						longestRight++
					}
				}
			}
		case app.QuestionMultiple:
			multiples++
			rightCounts[right]++
			if q.Options[0].Correct {
				firstRight++
			}
		}
	}
	if scenarios*100 < 60*len(qs) {
		t.Errorf("%d of %d scored questions are scenarios, want at least 60%%", scenarios, len(qs))
	}
	if longestRight*100 > 30*singles {
		t.Errorf("the right answer is the longest option in %d of %d single-choice questions, want at most 30%%", longestRight, singles)
	}
	for _, id := range []string{"a", "b", "c", "d"} {
		if n := singleKeys[id]; n == 0 || n*100 > 40*singles {
			t.Errorf("option %s is the key of %d of %d single-choice questions, want some and at most 40%% (keys: %v)", id, n, singles, singleKeys)
		}
	}
	if len(rightCounts) < 3 {
		t.Errorf("multiple-answer questions have %v right options (count: questions), want at least three different counts", rightCounts)
	}
	if firstRight*100 > 70*multiples {
		t.Errorf("the first option is right in %d of %d multiple-answer questions, want at most 70%%", firstRight, multiples)
	}
	if absAll >= 4 && absRight*100 < 25*absAll {
		t.Errorf("%d of the %d options saying only, always or never are right, want at least a quarter", absRight, absAll)
	}
}

// Corrections from the subject-matter review stay corrected.
func TestRealCourseKeepsTheReviewCorrections(t *testing.T) {
	c := realCourse(t)
	var all []string
	for _, m := range c.Modules {
		all = append(all, renderedText(m)...)
	}
	text := strings.Join(all, "\n")
	for _, banned := range []struct{ phrase, why string }{
		{"24-hour", "the NSPCC phone line has set opening hours (correction 4)"},
		{"24 hour", "the NSPCC phone line has set opening hours (correction 4)"},
		{"Children's Advice and Support Service", "a real city's service name (correction 11)"},
		{"partnership's neglect strategy", "the strategy is Birmingham Safeguarding Children Partnership's (correction 2)"},
		{"partnership's Neglect Strategy", "the strategy is Birmingham Safeguarding Children Partnership's (correction 2)"},
		{"partnership's 2024", "the announcement is Birmingham Safeguarding Children Partnership's (correction 2)"},
		{"the local picture", "the figures are Birmingham's (correction 2)"},
		{"In most cases", "a contested generalisation stated as fact (correction 10)"},
		{"in most cases, it happens", "a contested generalisation stated as fact (correction 10)"},
		{"not how tidy", "GCP2 looks at physical care too (correction 9)"},
		{"six children", "the Hollis family has seven children (correction 7)"},
		{"misuse of drugs or alcohol (the guidance", "the definition says abuse (correction 1)"},
	} {
		if strings.Contains(text, banned.phrase) {
			t.Errorf("the course says %q: %s", banned.phrase, banned.why)
		}
	}
	def := c.Modules[0].Sections[0].HTML
	for _, want := range []string{"Working Together to Safeguard Children 2023", "provide suitable education", "maternal substance abuse", "inadequate caregivers"} {
		if !strings.Contains(def, want) {
			t.Errorf("module 1's definition does not include %q", want)
		}
	}
	if strings.Count(text, "Working Together to Safeguard Children") != strings.Count(text, "Working Together to Safeguard Children 2023") {
		t.Errorf("Working Together is cited without its edition somewhere")
	}
}

var notNames = map[string]bool{"Module": true, "The": true, "Stage": true, "Part": true, "In": true, "Over": true, "For": true}

var personAge = regexp.MustCompile(`\b([A-Z][a-z]+),? (?:aged )?\d{1,2}\b`)

// Different families have different names, and no two names are easily
// confused (one is not the start of another, like Amir and Amira).
func TestRealCourseNamesEachPersonOnce(t *testing.T) {
	c := realCourse(t)
	where := map[string]string{}
	for _, m := range c.Modules {
		for _, text := range renderedText(m) {
			for _, g := range personAge.FindAllStringSubmatch(text, -1) {
				name := g[1]
				if notNames[name] {
					continue
				}
				if first, ok := where[name]; ok && first != m.ID {
					t.Errorf("%s appears in %s and %s: give different families different names", name, first, m.ID)
				}
				where[name] = m.ID
			}
		}
	}
	for a, ma := range where {
		for b, mb := range where {
			if a != b && ma != mb && strings.HasPrefix(b, a) {
				t.Errorf("%s (%s) and %s (%s) are easily confused", a, ma, b, mb)
			}
		}
	}
	if len(where) < 15 {
		t.Errorf("found only %d named people (%v): the pattern no longer finds them", len(where), where)
	}
}
