package content_test

import (
	"io/fs"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/content"
	"github.com/foundations/foundations/courses"
)

// placeholders are the values every course may use, as listed in
// courses/README.md.
var placeholders = map[string]string{
	"partnership_name":       "Example Safeguarding Children Partnership",
	"partnership_short_name": "ESCP",
	"front_door_name":        "Example Children's Front Door",
	"front_door_phone":       "01632 960000",
	"front_door_url":         "https://example.org/worried-about-a-child",
	"out_of_hours_phone":     "0100 000 0001",
	"escalation_policy_url":  "https://example.org/escalation",
	"neglect_toolkit_url":    "https://example.org/neglect-toolkit",
	"training_contact":       "training@example.org",
}

func TestRealCoursesLoad(t *testing.T) {
	dirs, err := fs.ReadDir(courses.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("courses.FS holds no course")
	}
	for _, d := range dirs {
		t.Run(d.Name(), func(t *testing.T) {
			c, err := content.Load(courses.FS, d.Name(), content.DefaultOptions(placeholders))
			if err != nil {
				t.Fatalf("load %s:\n%v", d.Name(), err)
			}
			if len(c.Modules) == 0 || len(c.Evaluation) == 0 {
				t.Fatalf("%s has %d modules and %d evaluation items", c.ID, len(c.Modules), len(c.Evaluation))
			}
			for i, m := range c.Modules {
				if m.Number != i+1 {
					t.Errorf("module %s is numbered %d, want %d", m.ID, m.Number, i+1)
				}
				if m.Minutes < 17 || m.Minutes > 23 {
					t.Errorf("module %d (%s) takes about %d minutes, want 17 to 23", m.Number, m.ID, m.Minutes)
				}
				for _, text := range renderedText(m) {
					if strings.Contains(text, "{{") {
						t.Errorf("module %s keeps a placeholder in %.80q", m.ID, text)
					}
				}
			}
		})
	}
}

// renderedText is every piece of text a module shows.
func renderedText(m *app.Module) []string {
	out := append([]string{m.Title, m.Description}, m.Outcomes...)
	out = append(out, m.Summary...)
	for _, s := range m.Sections {
		out = append(out, s.Heading, s.HTML)
		for _, q := range s.Questions {
			out = append(out, q.Text, q.Hint, q.ScenarioHTML, q.Explanation)
			for _, o := range q.Options {
				out = append(out, o.Text, o.Feedback)
			}
		}
	}
	return out
}

func TestSmallTestCourseLoads(t *testing.T) {
	c, err := content.Load(os.DirFS("testdata"), "small-course", content.Options{Placeholders: map[string]string{"partnership_name": "Test Partnership"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Modules) != 2 || c.Modules[0].ID != "first-steps" || c.Modules[1].ID != "next-steps" {
		t.Fatalf("modules = %v, want first-steps and next-steps", c.ModuleTitles())
	}
	if !strings.Contains(c.Modules[0].Sections[0].HTML, "Test Partnership") {
		t.Errorf("the placeholder was not filled in: %q", c.Modules[0].Sections[0].HTML)
	}
}

// The tiny course every validation case starts from. Each case changes one
// thing; option texts are unique so a change can name its place.
const tinyCourse = `id: tiny
title: Tiny course
description: A course for the validator's tests.
pass_mark: 80
validity_months: 12
review_date: 2099-01-01
owner: The validator's tests
references:
  - id: src
    title: A source
    publisher: A publisher
    date: "2020"
    url: https://example.org/source
    cite: Publisher, 2020
glossary:
  - id: thing
    term: A thing
    definition: What a thing is.
knowledge_check:
  - id: kc1
    type: single
    text: Which is right?
    options:
      - id: a
        text: Kappa
        correct: true
      - id: b
        text: Lambda
modules:
  - m1.yaml
  - m2.yaml
evaluation:
  - id: eval-useful
    type: likert
    scale: agreement
    text: It was useful.
  - id: eval-comments
    type: text
    required: false
    text: Any comments?
`

const tinyModule1 = `id: one
title: One
description: The first module.
outcomes:
  - know one thing
sections:
  - id: s1
    heading: Section one
    body: |
      Some reading for {{name}}.

      ### A sub-heading

      More reading.
    questions:
      - id: q1
        type: single
        text: Which one?
        options:
          - id: a
            text: Alpha
            correct: true
            feedback: Right.
          - id: b
            text: Beta
            feedback: Not quite.
        explanation: Because of q1.
      - id: q2
        type: multiple
        text: Which ones?
        options:
          - id: a
            text: Gamma
            correct: true
            feedback: Right.
          - id: b
            text: Delta
            feedback: Not quite.
        explanation: Because of q2.
      - id: q3
        type: reflection
        text: What do you think?
  - id: s2
    heading: Section two
    body: More reading.
summary:
  - One thing.
`

const tinyModule2 = `id: two
title: Two
description: The second module.
sections:
  - id: s1
    heading: Section one
    body: Reading.
    questions:
      - id: q4
        type: single
        text: Which day?
        options:
          - id: a
            text: Epsilon
            correct: true
            feedback: Right.
          - id: b
            text: Zeta
            feedback: No.
        explanation: Because of q4.
`

var tinyPlaceholders = map[string]string{"name": "Sam"}

func tinyFiles() map[string]string {
	return map[string]string{"course.yaml": tinyCourse, "m1.yaml": tinyModule1, "m2.yaml": tinyModule2}
}

func tinyFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys["tiny/"+name] = &fstest.MapFile{Data: []byte(text)}
	}
	return fsys
}

// lineOf is the line on which marker starts in text.
func lineOf(t *testing.T, text, marker string) int {
	t.Helper()
	i := strings.Index(text, marker)
	if i < 0 {
		t.Fatalf("marker %q is not in the file", marker)
	}
	return 1 + strings.Count(text[:i], "\n")
}

func TestCitationsLinkToTheReferencesPage(t *testing.T) {
	files := tinyFiles()
	files["m1.yaml"] = strings.Replace(files["m1.yaml"], "More reading.\n    questions", "About 75% of them [ref:src].\n    questions", 1)
	c, err := content.Load(tinyFS(files), "tiny", content.Options{Placeholders: tinyPlaceholders})
	if err != nil {
		t.Fatal(err)
	}
	if html := c.Modules[0].Sections[0].HTML; !strings.Contains(html, `About 75% of them (<a href="/references#ref-src">Publisher, 2020</a>).`) {
		t.Errorf("the citation did not become a link to the reference: %s", html)
	}
	files["m2.yaml"] = strings.Replace(files["m2.yaml"], "    body: Reading.\n", "    body: Two sources [ref:src] [ref:src].\n", 1)
	if c2, err := content.Load(tinyFS(files), "tiny", content.Options{Placeholders: tinyPlaceholders}); err != nil {
		t.Fatal(err)
	} else if html := c2.Modules[1].Sections[0].HTML; !strings.Contains(html, `Two sources (<a href="/references#ref-src">Publisher, 2020</a>; <a href="/references#ref-src">Publisher, 2020</a>).`) {
		t.Errorf("citations side by side are not grouped: %s", html)
	}
	if c.Reference("src") == nil || c.Reference("src").URL != "https://example.org/source" || len(c.Glossary) != 1 {
		t.Errorf("references %+v and glossary %+v did not load", c.References, c.Glossary)
	}
}

// Words that only sound positional are allowed in options.
func TestOrdinaryWordsAreNotTakenForPositions(t *testing.T) {
	files := tinyFiles()
	files["m1.yaml"] = strings.Replace(files["m1.yaml"], "text: Delta\n", "text: A family living below the poverty line, above all worried about rent\n", 1)
	if _, err := content.Load(tinyFS(files), "tiny", content.Options{Placeholders: tinyPlaceholders}); err != nil {
		t.Errorf("an ordinary option was refused: %v", err)
	}
	for _, positional := range []string{"None of the above", "Both of these", "The answers above", "See below"} {
		files := tinyFiles()
		files["m1.yaml"] = strings.Replace(files["m1.yaml"], "text: Delta\n", "text: "+positional+"\n", 1)
		if _, err := content.Load(tinyFS(files), "tiny", content.Options{Placeholders: tinyPlaceholders}); err == nil || !strings.Contains(err.Error(), "depends on the order") {
			t.Errorf("option %q was not refused as positional: %v", positional, err)
		}
	}
}

func TestReviewDateWarnsOnceItHasPassed(t *testing.T) {
	c, err := content.Load(tinyFS(tinyFiles()), "tiny", content.Options{Placeholders: tinyPlaceholders})
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		now  time.Time
		warn bool
	}{
		{"a year before", due.AddDate(-1, 0, 0), false},
		{"the day before", due.Add(-time.Second), false},
		{"on the review date", due, true},
		{"after it", due.AddDate(0, 2, 0), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := content.Warnings(c, tt.now)
			if (len(w) > 0) != tt.warn {
				t.Fatalf("warnings at %s = %q, want a warning: %v", tt.now, w, tt.warn)
			}
			if tt.warn && !strings.Contains(w[0], "1 January 2099") || tt.warn && !strings.Contains(w[0], "The validator's tests") {
				t.Errorf("warning %q should name the review date and the owner", w[0])
			}
		})
	}
}

func TestTinyCourseIsValid(t *testing.T) {
	c, err := content.Load(tinyFS(tinyFiles()), "tiny", content.Options{Placeholders: tinyPlaceholders})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Modules) != 2 || len(c.Modules[0].Questions()) != 3 || !strings.Contains(c.Modules[0].Sections[0].HTML, "Some reading for Sam.") {
		t.Errorf("tiny course loaded as %+v", c)
	}
}

func TestValidatorCatchesEveryFault(t *testing.T) {
	q1Line := strconv.Itoa(lineOf(t, tinyModule1, "- id: q1"))
	long := "    body: |\n      " + strings.Repeat("word ", 6000) + "\n"
	tests := []struct {
		name   string
		file   string // the file changed
		old    string // replaced once in it
		new    string
		opt    *content.Options // nil: placeholders only, no time bounds
		atFile string           // the file the problem names; file if empty
		at     string           // marker on the line the problem names, in the changed file
		want   string           // a fragment of the message
	}{
		{name: "unknown field at the top level", file: "course.yaml", old: "pass_mark: 80\n", new: "pass_mark: 80\npassmark: 70\n",
			at: "passmark: 70", want: `unknown field "passmark"`},
		{name: "unknown field in a question", file: "m1.yaml", old: "        type: single\n", new: "        type: single\n        answer: a\n",
			at: "answer: a", want: `unknown field "answer"`},
		{name: "unknown field in an option", file: "m1.yaml", old: "            text: Beta\n", new: "            text: Beta\n            corect: true\n",
			at: "corect: true", want: `unknown field "corect"`},
		{name: "unknown field in a section", file: "m2.yaml", old: "    heading: Section one\n", new: "    heading: Section one\n    title: Section one\n",
			at: "title: Section one", want: `unknown field "title"`},
		{name: "unknown field in an evaluation item", file: "course.yaml", old: "    text: It was useful.\n", new: "    text: It was useful.\n    optional: true\n",
			at: "optional: true", want: `unknown field "optional"`},
		{name: "a field given twice", file: "m1.yaml", old: "title: One\n", new: "title: One\ntitle: Uno\n",
			at: "title: Uno", want: `field "title" is given twice`},
		{name: "duplicate question ID across two modules", file: "m2.yaml", old: "- id: q4", new: "- id: q1",
			at: "- id: q1", want: `question id "q1" is already used at tiny/m1.yaml:` + q1Line},
		{name: "duplicate option ID", file: "m1.yaml", old: "- id: b\n            text: Beta", new: "- id: a\n            text: Beta",
			at: "- id: a\n            text: Beta", want: `option id "a" is used twice in question "q1"`},
		{name: "duplicate section ID", file: "m1.yaml", old: "- id: s2", new: "- id: s1",
			at: "- id: s1\n    heading: Section two", want: `section id "s1" is used twice`},
		{name: "duplicate module ID", file: "m2.yaml", old: "id: two\n", new: "id: one\n",
			atFile: "course.yaml", at: "- m2.yaml", want: `module id "one" is used by two modules`},
		{name: "single choice with no correct option", file: "m1.yaml", old: "text: Alpha\n            correct: true\n", new: "text: Alpha\n",
			at: "- id: q1", want: `question "q1" is single choice, so exactly one option must have correct: true (found 0)`},
		{name: "single choice with two correct options", file: "m1.yaml", old: "text: Beta\n", new: "text: Beta\n            correct: true\n",
			at: "- id: q1", want: "exactly one option must have correct: true (found 2)"},
		{name: "multiple choice with no correct option", file: "m1.yaml", old: "text: Gamma\n            correct: true\n", new: "text: Gamma\n",
			at: "- id: q2", want: `question "q2" has no correct answer`},
		{name: "an option without feedback", file: "m1.yaml", old: "text: Beta\n            feedback: Not quite.\n", new: "text: Beta\n",
			at: "- id: b\n            text: Beta", want: `option "b" of question "q1" has no feedback`},
		{name: "a scored question without explanation", file: "m1.yaml", old: "        explanation: Because of q2.\n", new: "",
			at: "- id: q2", want: `question "q2" has no explanation`},
		{name: "a scored question with one option", file: "m2.yaml", old: "          - id: b\n            text: Zeta\n            feedback: No.\n", new: "",
			at: "- id: q4", want: `question "q4" needs at least two options`},
		{name: "an empty section body", file: "m2.yaml", old: "    body: Reading.\n", new: "    body: \"  \"\n",
			at: "- id: s1", want: `section "s1" is empty`},
		{name: "a section without a body", file: "m1.yaml", old: "    body: More reading.\n", new: "",
			at: "- id: s2", want: `section "s2" is empty`},
		{name: "a reflection with options", file: "m1.yaml", old: "        text: What do you think?\n",
			new: "        text: What do you think?\n        options:\n          - id: a\n            text: Eta\n            feedback: Fine.\n",
			at:  "- id: q3", want: `question "q3" is a reflection, so it cannot have options`},
		{name: "an undefined placeholder in a body", file: "m1.yaml", old: "{{name}}", new: "{{nmae}}",
			at: "Some reading for {{nmae}}", want: "placeholder {{nmae}} is not defined by the configuration (defined: name)"},
		{name: "an unknown question type", file: "m1.yaml", old: "type: single", new: "type: singel",
			at: "- id: q1", want: `type must be single, multiple or reflection, not "singel"`},
		{name: "a question id that breaks the pattern", file: "m1.yaml", old: "- id: q1", new: "- id: Q_1",
			at: "- id: Q_1", want: `question id "Q_1" must be lower-case letters, digits and single hyphens`},
		{name: "a section id with a double hyphen", file: "m1.yaml", old: "- id: s2", new: "- id: s--2",
			at: "- id: s--2", want: `section id "s--2" must be lower-case`},
		{name: "a module id with a capital", file: "m2.yaml", old: "id: two", new: "id: Two",
			at: "id: Two", want: `the module id "Two" must be lower-case`},
		{name: "a question without an id", file: "m2.yaml", old: "      - id: q4\n        type: single\n", new: "      - type: single\n",
			at: "- type: single", want: "question has no id"},
		{name: "a level 1 heading in a body", file: "m1.yaml", old: "### A sub-heading", new: "# A sub-heading",
			at: "# A sub-heading", want: "use ### (or deeper) for headings inside a section"},
		{name: "a level 2 heading in a body", file: "m1.yaml", old: "### A sub-heading", new: "## A sub-heading",
			at: "## A sub-heading", want: "use ### (or deeper) for headings inside a section"},
		{name: "a level 2 heading in a one-line body", file: "m1.yaml", old: "body: More reading.", new: "body: \"## More reading\"",
			at: "## More reading", want: "use ### (or deeper) for headings inside a section"},
		{name: "a module too short", file: "m2.yaml", opt: &content.Options{Placeholders: tinyPlaceholders, MinMinutes: 15, MaxMinutes: 25},
			at: "id: two", want: "it must take 15 to 25"},
		{name: "a module too long", file: "m2.yaml", old: "    body: Reading.\n", new: long, opt: &content.Options{Placeholders: tinyPlaceholders, MinMinutes: 0, MaxMinutes: 25},
			at: "id: two", want: "(6004 words, counting scenarios, questions and options, ÷ 200 a minute + 0.5 minutes for each of 1 questions); it must take 0 to 25"},
		{name: "option words count towards the time", file: "m2.yaml", old: "            text: Zeta\n", new: "            text: " + strings.Repeat("zeta ", 6000) + "\n",
			opt: &content.Options{Placeholders: tinyPlaceholders, MinMinutes: 0, MaxMinutes: 25}, at: "id: two", want: "(6004 words"},
		{name: "a module under 17 minutes by default", file: "m2.yaml", opt: &content.Options{Placeholders: tinyPlaceholders, MinMinutes: content.DefaultOptions(nil).MinMinutes, MaxMinutes: content.DefaultOptions(nil).MaxMinutes},
			at: "id: two", want: "it must take 17 to 23"},
		{name: "no review date", file: "course.yaml", old: "review_date: 2099-01-01\n", new: "",
			at: "id: tiny", want: "review_date is missing"},
		{name: "a review date that is not a date", file: "course.yaml", old: "review_date: 2099-01-01", new: "review_date: next spring",
			at: "review_date: next spring", want: `review_date must be a date written YYYY-MM-DD, not "next spring"`},
		{name: "no content owner", file: "course.yaml", old: "owner: The validator's tests\n", new: "",
			at: "id: tiny", want: "owner (who answers for the content) is empty"},
		{name: "a citation of an unknown reference", file: "m1.yaml", old: "More reading.\n    questions", new: "More reading [ref:nosuch].\n    questions",
			at: "More reading [ref:nosuch]", want: "citation [ref:nosuch] names no reference in course.yaml"},
		{name: "a figure without its source", file: "m1.yaml", old: "More reading.\n    questions", new: "More reading: 75% of reviews.\n    questions",
			at: "More reading: 75%", want: `the figure "75%" needs its source`},
		{name: "a proportion without its source, in a scenario", file: "m2.yaml", old: "        text: Which day?\n", new: "        text: Which day?\n        scenario: |\n          About 1 in 10 of them.\n",
			at: "About 1 in 10", want: `the figure "1 in 10" needs its source`},
		{name: "a citation in plain option text", file: "m1.yaml", old: "text: Beta\n", new: "text: Beta [ref:src]\n",
			at: "- id: b\n            text: Beta [ref:src]", want: "a citation [ref:…] can only be used in Markdown text"},
		{name: "an option that depends on the order", file: "m1.yaml", old: "text: Delta\n", new: "text: All of the above\n",
			at: "- id: b\n            text: All of the above", want: `option "b" of question "q2" says "All of the above", which depends on the order`},
		{name: "feedback that names an option by letter", file: "m1.yaml", old: "text: Delta\n            feedback: Not quite.", new: "text: Delta\n            feedback: Not quite, see option a.",
			at: "- id: b\n            text: Delta", want: `the feedback of option "b" of question "q2" names an option by its letter`},
		{name: "an explanation that names an option by letter", file: "m1.yaml", old: "explanation: Because of q2.", new: "explanation: Option b is wrong.",
			at: "explanation: Option b is wrong.", want: `the explanation of question "q2" names an option by its letter`},
		{name: "a reference without a url", file: "course.yaml", old: "    url: https://example.org/source\n", new: "",
			at: "- id: src", want: `reference "src" needs a url starting https://`},
		{name: "a reference url that is not a web address", file: "course.yaml", old: "    url: https://example.org/source\n", new: "    url: example.org/source\n",
			at: "- id: src", want: `reference "src": url must start https:// or http://, not "example.org/source"`},
		{name: "a knowledge check item with no right option", file: "course.yaml", old: "        text: Kappa\n        correct: true\n", new: "        text: Kappa\n",
			at: "- id: kc1", want: `knowledge check item "kc1" needs exactly one option with correct: true (found 0)`},
		{name: "a knowledge check item that is not single choice", file: "course.yaml", old: "    type: single\n    text: Which is right?", new: "    type: multiple\n    text: Which is right?",
			at: "- id: kc1", want: `knowledge check item "kc1": type must be single, not "multiple"`},
		{name: "a glossary term without a definition", file: "course.yaml", old: "    definition: What a thing is.\n", new: "",
			at: "- id: thing", want: `glossary term "thing" has no definition`},
		{name: "malformed YAML: a tab in the indentation", file: "m2.yaml", old: "    body: Reading.\n", new: "\tbody: Reading.\n",
			// yaml.v3 names the line before the tab, where the scalar it was reading began.
			at: "heading: Section one", want: "found a tab character that violates indentation"},
		{name: "malformed YAML: text where a number belongs", file: "course.yaml", old: "pass_mark: 80", new: "pass_mark: eighty",
			at: "pass_mark: eighty", want: "cannot unmarshal"},
		{name: "a module file that is missing", file: "course.yaml", old: "- m2.yaml", new: "- m3.yaml",
			at: "- m3.yaml", want: "m3.yaml"},
		{name: "pass mark 0", file: "course.yaml", old: "pass_mark: 80", new: "pass_mark: 0",
			at: "pass_mark: 0", want: "pass_mark must be a percentage from 1 to 100, not 0"},
		{name: "pass mark 101", file: "course.yaml", old: "pass_mark: 80", new: "pass_mark: 101",
			at: "pass_mark: 101", want: "pass_mark must be a percentage from 1 to 100, not 101"},
		{name: "an unknown evaluation scale", file: "course.yaml", old: "scale: agreement", new: "scale: agreeable",
			at: "- id: eval-useful", want: `scale must be agreement, confidence or likelihood, not "agreeable"`},
		{name: "an unknown evaluation item type", file: "course.yaml", old: "type: text", new: "type: essay",
			at: "- id: eval-comments", want: `type must be likert or text, not "essay"`},
		{name: "a duplicate evaluation item", file: "course.yaml", old: "- id: eval-comments", new: "- id: eval-useful",
			at: "- id: eval-useful\n    type: text", want: `evaluation item id "eval-useful" is used twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := tinyFiles()
			text := files[tt.file]
			if tt.old != "" {
				if !strings.Contains(text, tt.old) {
					t.Fatalf("%q is not in %s", tt.old, tt.file)
				}
				text = strings.Replace(text, tt.old, tt.new, 1)
				files[tt.file] = text
			}
			atFile := tt.file
			if tt.atFile != "" {
				atFile = tt.atFile
			}
			prefix := "tiny/" + atFile + ":" + strconv.Itoa(lineOf(t, files[atFile], tt.at)) + ": "
			opt := content.Options{Placeholders: tinyPlaceholders}
			if tt.opt != nil {
				opt = *tt.opt
			}
			c, err := content.Load(tinyFS(files), "tiny", opt)
			if err == nil {
				t.Fatalf("loaded %+v, want a problem %q", c, prefix+"…"+tt.want)
			}
			if !content.IsProblems(err) {
				t.Errorf("error %T is not content.Problems", err)
			}
			for _, p := range strings.Split(err.Error(), "\n") {
				if strings.HasPrefix(p, prefix) && strings.Contains(p, tt.want) {
					return
				}
			}
			t.Errorf("no problem starting %q and containing %q; got:\n%v", prefix, tt.want, err)
		})
	}
}
