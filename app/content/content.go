// Package content loads a course from YAML files (courses/) into an
// app.Course and validates it strictly: an unknown field, a duplicate ID, a
// scored question without a correct answer or feedback, an empty section,
// an undefined placeholder or a module outside its time bounds is an error
// naming the file and line. Nothing is ever dropped silently.
package content

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/yuin/goldmark"
	"gopkg.in/yaml.v3"
)

// Options tune validation.
type Options struct {
	// Placeholders are the values for {{name}} in the text; a placeholder
	// not defined here is an error.
	Placeholders map[string]string
	// MinMinutes and MaxMinutes bound each module's estimated time; zero
	// MaxMinutes disables the check (small test courses).
	MinMinutes, MaxMinutes float64
}

// DefaultOptions are the bounds the real courses are held to.
func DefaultOptions(placeholders map[string]string) Options {
	return Options{Placeholders: placeholders, MinMinutes: 17, MaxMinutes: 23}
}

// WordsPerMinute is the reading speed behind the time estimate. Reading
// counts every word a learner reads: outcomes, sections, scenarios,
// question stems, options and the summary.
const WordsPerMinute = 200

// MinutesPerQuestion is the time to think and answer, on top of reading
// the question, its scenario and its options.
const MinutesPerQuestion = 0.5

// Problems is every fault found in a course, each "file:line: message".
type Problems []string

func (p Problems) Error() string { return strings.Join(p, "\n") }

// Load reads and validates the course in dir of fsys. On any fault it
// returns Problems listing them all.
func Load(fsys fs.FS, dir string, opt Options) (*app.Course, error) {
	l := &loader{fsys: fsys, dir: dir, opt: opt, questionIDs: map[string]string{}}
	c := l.course()
	if len(l.problems) > 0 {
		return nil, l.problems
	}
	return c, nil
}

type loader struct {
	references  map[string]*app.Reference
	fsys        fs.FS
	dir         string
	opt         Options
	problems    Problems
	file        string
	listedAt    string            // "course.yaml:N" where the module being read is listed
	questionIDs map[string]string // question ID → where first defined
}

func (l *loader) errf(line int, format string, args ...any) {
	l.problems = append(l.problems, fmt.Sprintf("%s:%d: %s", l.file, line, fmt.Sprintf(format, args...)))
}

// The YAML shapes. Line is filled from the node, never from the file.
type courseFile struct {
	ID             string          `yaml:"id"`
	Title          string          `yaml:"title"`
	Description    string          `yaml:"description"`
	PassMark       lined[int]      `yaml:"pass_mark"`
	ValidityMonths lined[int]      `yaml:"validity_months"`
	Modules        []lined[string] `yaml:"modules"`
	Evaluation     []evalFile      `yaml:"evaluation"`
	ReviewDate     lined[string]   `yaml:"review_date"`
	Owner          string          `yaml:"owner"`
	ContentNote    lined[string]   `yaml:"content_note"`
	References     []referenceFile `yaml:"references"`
	Glossary       []glossaryFile  `yaml:"glossary"`
	KnowledgeCheck []questionFile  `yaml:"knowledge_check"`
}

type referenceFile struct {
	Line      int           `yaml:"-"`
	ID        string        `yaml:"id"`
	Title     string        `yaml:"title"`
	Publisher string        `yaml:"publisher"`
	Date      string        `yaml:"date"`
	URL       string        `yaml:"url"`
	Cite      string        `yaml:"cite"`
	Note      lined[string] `yaml:"note"`
	Reading   bool          `yaml:"further_reading"`
}

type glossaryFile struct {
	Line       int           `yaml:"-"`
	ID         string        `yaml:"id"`
	Term       string        `yaml:"term"`
	Definition lined[string] `yaml:"definition"`
}

type evalFile struct {
	Line     int    `yaml:"-"`
	ID       string `yaml:"id"`
	Type     string `yaml:"type"`
	Scale    string `yaml:"scale"`
	Measure  string `yaml:"measure"`
	Text     string `yaml:"text"`
	Hint     string `yaml:"hint"`
	Required *bool  `yaml:"required"`
}

type moduleFile struct {
	ID          string          `yaml:"id"`
	Title       string          `yaml:"title"`
	Description string          `yaml:"description"`
	Outcomes    []lined[string] `yaml:"outcomes"`
	Sections    []sectionFile   `yaml:"sections"`
	Summary     []lined[string] `yaml:"summary"`
}

type sectionFile struct {
	Line      int            `yaml:"-"`
	ID        string         `yaml:"id"`
	Heading   string         `yaml:"heading"`
	Body      lined[string]  `yaml:"body"`
	Questions []questionFile `yaml:"questions"`
}

type questionFile struct {
	Line        int           `yaml:"-"`
	ID          string        `yaml:"id"`
	Type        string        `yaml:"type"`
	Text        string        `yaml:"text"`
	Hint        string        `yaml:"hint"`
	Scenario    lined[string] `yaml:"scenario"`
	Options     []optionFile  `yaml:"options"`
	Explanation lined[string] `yaml:"explanation"`
	Required    *bool         `yaml:"required"`
}

type optionFile struct {
	Line     int    `yaml:"-"`
	ID       string `yaml:"id"`
	Text     string `yaml:"text"`
	Correct  bool   `yaml:"correct"`
	Feedback string `yaml:"feedback"`
}

// lined is a scalar with the line it stood on. For a block scalar (| or >)
// the text starts on the line after Line.
type lined[T any] struct {
	V     T
	Line  int
	Block bool
}

func (x *lined[T]) UnmarshalYAML(n *yaml.Node) error {
	x.Line, x.Block = n.Line, n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0
	return n.Decode(&x.V)
}

// textLine is the file line of byte offset off in a scalar's text.
func textLine(x lined[string], off int) int {
	l := x.Line + strings.Count(x.V[:off], "\n")
	if x.Block {
		l++
	}
	return l
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlProblems turns yaml.v3's errors ("yaml: line 6: …", or a TypeError
// listing "line 4: …" entries) into file:line: message problems.
func (l *loader) yamlProblems(err error) {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for _, m := range msgs {
		if g := yamlLine.FindStringSubmatch(strings.TrimSpace(m)); g != nil {
			n, _ := strconv.Atoi(g[1])
			l.errf(n, "%s", g[2])
		} else {
			l.problems = append(l.problems, fmt.Sprintf("%s: %s", l.file, strings.TrimPrefix(m, "yaml: ")))
		}
	}
}

// Each struct with a Line field records its mapping's line.
func (x *evalFile) UnmarshalYAML(n *yaml.Node) error {
	type plain evalFile
	x.Line = n.Line
	return n.Decode((*plain)(x))
}
func (x *referenceFile) UnmarshalYAML(n *yaml.Node) error {
	type plain referenceFile
	x.Line = n.Line
	return n.Decode((*plain)(x))
}
func (x *glossaryFile) UnmarshalYAML(n *yaml.Node) error {
	type plain glossaryFile
	x.Line = n.Line
	return n.Decode((*plain)(x))
}
func (x *sectionFile) UnmarshalYAML(n *yaml.Node) error {
	type plain sectionFile
	x.Line = n.Line
	return n.Decode((*plain)(x))
}
func (x *questionFile) UnmarshalYAML(n *yaml.Node) error {
	type plain questionFile
	x.Line = n.Line
	return n.Decode((*plain)(x))
}
func (x *optionFile) UnmarshalYAML(n *yaml.Node) error {
	type plain optionFile
	x.Line = n.Line
	return n.Decode((*plain)(x))
}

// read parses one file strictly into v: every key must be a field of v's
// type, checked over the whole tree so a misspelt key anywhere is caught.
func (l *loader) read(name string, v any) bool {
	l.file = path.Join(l.dir, name)
	data, err := fs.ReadFile(l.fsys, l.file)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && l.listedAt != "" {
			l.problems = append(l.problems, fmt.Sprintf("%s: module file %q does not exist", l.listedAt, name))
		} else {
			l.problems = append(l.problems, fmt.Sprintf("%s: cannot read: %v", l.file, err))
		}
		return false
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		l.yamlProblems(err)
		return false
	}
	if len(root.Content) == 0 {
		l.errf(1, "the file is empty")
		return false
	}
	before := len(l.problems)
	l.checkKeys(root.Content[0], reflect.TypeOf(v).Elem())
	if len(l.problems) > before {
		return false
	}
	if err := root.Content[0].Decode(v); err != nil {
		l.yamlProblems(err)
		return false
	}
	return true
}

func (l *loader) checkKeys(n *yaml.Node, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice:
		if n.Kind == yaml.SequenceNode {
			for _, c := range n.Content {
				l.checkKeys(c, t.Elem())
			}
		}
	case reflect.Struct:
		if f, ok := t.FieldByName("V"); ok && strings.HasPrefix(t.Name(), "lined") {
			l.checkKeys(n, f.Type)
			return
		}
		if n.Kind != yaml.MappingNode {
			if n.Kind != yaml.ScalarNode || n.Tag != "!!null" {
				l.errf(n.Line, "expected a set of fields here (key: value lines)")
			}
			return
		}
		fields := map[string]reflect.Type{}
		var names []string
		for i := 0; i < t.NumField(); i++ {
			tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
			if tag != "" && tag != "-" {
				fields[tag] = t.Field(i).Type
				names = append(names, tag)
			}
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ft, ok := fields[k.Value]
			switch {
			case !ok:
				l.errf(k.Line, "unknown field %q (the fields here are: %s)", k.Value, strings.Join(names, ", "))
			case seen[k.Value]:
				l.errf(k.Line, "field %q is given twice", k.Value)
			default:
				l.checkKeys(n.Content[i+1], ft)
			}
			seen[k.Value] = true
		}
	}
}

var (
	idPattern          = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	placeholderPattern = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)
	headingPattern     = regexp.MustCompile(`(?m)^ {0,3}(#{1,2})[ \t]`)
	wordPattern        = regexp.MustCompile(`[\p{L}\p{N}'’{}_-]+`)
	// refPattern is a citation, [ref:id], naming one of the course's references.
	refPattern = regexp.MustCompile(`\[ref:([^\]]*)\]`)
	// refGroupPattern is one or more citations separated only by spaces.
	refGroupPattern = regexp.MustCompile(`\[ref:[^\]]*\](?:[ \t]*\[ref:[^\]]*\])*`)
	// figurePattern is a figure that needs its source: a percentage, a
	// proportion ("1 in 10") or a count with a thousands separator.
	figurePattern = regexp.MustCompile(`\d+(?:\.\d+)?\s?%|\b\d+ in \d+\b|\b\d{1,3}(?:,\d{3})+\b`)
	// positionalOption is option text that only makes sense in one order.
	positionalOption = regexp.MustCompile(`(?i)\b(?:all|none|both|either|neither) of (?:the )?(?:above|these|those|them|the options)\b|\b(?:the|see|listed|options?|answers?) (?:above|below)\b|\boptions? \(?[a-f]\)?(?:\W|$)`)
	// optionByLetter is feedback or an explanation naming an option by its
	// letter, which learners never see once options are shuffled.
	optionByLetter = regexp.MustCompile(`(?i)\boptions? \(?[a-f]\)?(?:\W|$)|\([a-f]\) (?:and|or) \([a-f]\)`)
	markdown       = goldmark.New()
)

func (l *loader) checkID(line int, kind, id string) {
	switch {
	case id == "":
		l.errf(line, "%s has no id", kind)
	case !idPattern.MatchString(id):
		l.errf(line, "%s id %q must be lower-case letters, digits and single hyphens", kind, id)
	}
}

func (l *loader) required(line int, what, v string) {
	if strings.TrimSpace(v) == "" {
		l.errf(line, "%s is empty", what)
	}
}

// text replaces placeholders in a one-line string. Citations belong in
// Markdown text, where they become links.
func (l *loader) text(line int, s string) string {
	if refPattern.MatchString(s) {
		l.errf(line, "a citation [ref:…] can only be used in Markdown text (a body, scenario, explanation or glossary definition)")
	}
	return l.placeholders(lined[string]{V: s, Line: line})
}

// citations replaces each [ref:id] with a link to the references page,
// reporting unknown ones, and reports a figure on a line without one.
func (l *loader) citations(x lined[string]) lined[string] {
	lines := strings.Split(x.V, "\n")
	off := 0
	for _, ln := range lines {
		if figurePattern.MatchString(ln) && !refPattern.MatchString(ln) {
			l.errf(textLine(x, off), "the figure %q needs its source: add [ref:id] naming one of the course's references in the same paragraph",
				figurePattern.FindString(ln))
		}
		off += len(ln) + 1
	}
	// Citations side by side share one pair of brackets: "(A; B)".
	var b strings.Builder
	last := 0
	for _, g := range refGroupPattern.FindAllStringIndex(x.V, -1) {
		b.WriteString(x.V[last:g[0]])
		last = g[1]
		var links []string
		for _, m := range refPattern.FindAllStringSubmatchIndex(x.V[g[0]:g[1]], -1) {
			id := x.V[g[0]+m[2] : g[0]+m[3]]
			r := l.references[id]
			if r == nil {
				l.errf(textLine(x, g[0]+m[0]), "citation [ref:%s] names no reference in course.yaml", id)
				continue
			}
			links = append(links, fmt.Sprintf("[%s](/references#ref-%s)", r.Cite, r.ID))
		}
		if len(links) > 0 {
			b.WriteString("(" + strings.Join(links, "; ") + ")")
		}
	}
	b.WriteString(x.V[last:])
	x.V = b.String()
	return x
}

// placeholders replaces {{name}} in x, reporting each undefined one at its own line.
func (l *loader) placeholders(x lined[string]) string {
	var b strings.Builder
	last := 0
	for _, m := range placeholderPattern.FindAllStringSubmatchIndex(x.V, -1) {
		b.WriteString(x.V[last:m[0]])
		last = m[1]
		name := x.V[m[2]:m[3]]
		v, ok := l.opt.Placeholders[name]
		if !ok {
			known := make([]string, 0, len(l.opt.Placeholders))
			for k := range l.opt.Placeholders {
				known = append(known, k)
			}
			slices.Sort(known)
			l.errf(textLine(x, m[0]), "placeholder {{%s}} is not defined by the configuration (defined: %s)", name, strings.Join(known, ", "))
			v = x.V[m[0]:m[1]]
		}
		b.WriteString(v)
	}
	b.WriteString(x.V[last:])
	return b.String()
}

// html replaces placeholders and renders Markdown. Raw HTML in the source is
// not passed through.
func (l *loader) html(x lined[string]) string {
	if m := headingPattern.FindStringSubmatchIndex(x.V); m != nil {
		l.errf(textLine(x, m[0]), "use ### (or deeper) for headings inside a section: the page already uses # and ##")
	}
	var b bytes.Buffer
	if err := markdown.Convert([]byte(l.placeholders(l.citations(x))), &b); err != nil {
		l.errf(x.Line, "cannot render Markdown: %v", err)
	}
	return b.String()
}

func words(s string) int { return len(wordPattern.FindAllString(s, -1)) }

func (l *loader) course() *app.Course {
	var cf courseFile
	if !l.read("course.yaml", &cf) {
		return nil
	}
	c := &app.Course{ID: cf.ID, Title: l.text(1, cf.Title), Description: l.text(1, cf.Description), PassMark: cf.PassMark.V, ValidityMonths: cf.ValidityMonths.V}
	l.checkID(1, "the course", cf.ID)
	l.required(1, "title", cf.Title)
	if cf.PassMark.V < 1 || cf.PassMark.V > 100 {
		l.errf(max(cf.PassMark.Line, 1), "pass_mark must be a percentage from 1 to 100, not %d", cf.PassMark.V)
	}
	if cf.ValidityMonths.V < 1 {
		l.errf(max(cf.ValidityMonths.Line, 1), "validity_months must be 1 or more")
	}
	if len(cf.Modules) == 0 {
		l.errf(1, "modules lists no module files")
	}
	c.Evaluation = l.evaluation(cf.Evaluation)
	c.Owner = l.text(1, cf.Owner)
	l.required(1, "owner (who answers for the content)", cf.Owner)
	if strings.TrimSpace(cf.ReviewDate.V) == "" {
		l.errf(1, "review_date is missing: give the date the content must next be reviewed, as YYYY-MM-DD")
	} else if d, err := time.Parse(time.DateOnly, cf.ReviewDate.V); err != nil {
		l.errf(cf.ReviewDate.Line, "review_date must be a date written YYYY-MM-DD, not %q", cf.ReviewDate.V)
	} else {
		c.ReviewDate = d
	}
	c.References = l.courseReferences(cf.References)
	c.Glossary = l.glossary(cf.Glossary)
	c.KnowledgeCheck = l.knowledgeCheck(cf.KnowledgeCheck)
	if cf.ContentNote.V != "" {
		c.ContentNoteHTML = l.html(cf.ContentNote)
	}
	courseFileName := l.file
	moduleIDs := map[string]bool{}
	for i, mf := range cf.Modules {
		l.listedAt = fmt.Sprintf("%s:%d", courseFileName, mf.Line)
		m := l.module(mf.V, i+1)
		l.file = courseFileName
		if m == nil {
			continue
		}
		if moduleIDs[m.ID] {
			l.errf(mf.Line, "module id %q is used by two modules", m.ID)
		}
		moduleIDs[m.ID] = true
		c.Modules = append(c.Modules, m)
	}
	return c
}

func (l *loader) courseReferences(refs []referenceFile) []*app.Reference {
	l.references = map[string]*app.Reference{}
	var out []*app.Reference
	for _, rf := range refs {
		l.checkID(rf.Line, "reference", rf.ID)
		if l.references[rf.ID] != nil {
			l.errf(rf.Line, "reference id %q is used twice", rf.ID)
		}
		l.required(rf.Line, fmt.Sprintf("reference %q title", rf.ID), rf.Title)
		l.required(rf.Line, fmt.Sprintf("reference %q publisher", rf.ID), rf.Publisher)
		l.required(rf.Line, fmt.Sprintf("reference %q date", rf.ID), rf.Date)
		l.required(rf.Line, fmt.Sprintf("reference %q cite (the short form shown in the text)", rf.ID), rf.Cite)
		switch {
		case rf.URL == "" && strings.TrimSpace(rf.Note.V) == "":
			l.errf(rf.Line, "reference %q needs a url starting https:// (or http://), or a note saying where to find it", rf.ID)
		case rf.URL != "" && !strings.HasPrefix(rf.URL, "https://") && !strings.HasPrefix(rf.URL, "http://"):
			l.errf(rf.Line, "reference %q: url must start https:// or http://, not %q", rf.ID, rf.URL)
		}
		r := &app.Reference{ID: rf.ID, Title: l.text(rf.Line, rf.Title), Publisher: l.text(rf.Line, rf.Publisher), Date: rf.Date,
			URL: rf.URL, Cite: l.text(rf.Line, rf.Cite), Reading: rf.Reading}
		l.references[rf.ID] = r
		out = append(out, r)
	}
	// Notes may cite other references, so they are rendered once all are known.
	for i, rf := range refs {
		if rf.Note.V != "" {
			out[i].NoteHTML = l.html(rf.Note)
		}
	}
	return out
}

// knowledgeCheck reads the optional before-and-after check: single-choice
// items with one right option each. They are never scored for a pass, so
// options need no feedback; they are shuffled like any question's.
func (l *loader) knowledgeCheck(items []questionFile) []*app.Question {
	var out []*app.Question
	ids := map[string]bool{}
	for _, qf := range items {
		l.checkID(qf.Line, "knowledge check item", qf.ID)
		if ids[qf.ID] {
			l.errf(qf.Line, "knowledge check item id %q is used twice", qf.ID)
		}
		ids[qf.ID] = true
		l.required(qf.Line, fmt.Sprintf("knowledge check item %q text", qf.ID), qf.Text)
		if qf.Type != app.QuestionSingle {
			l.errf(qf.Line, "knowledge check item %q: type must be single, not %q", qf.ID, qf.Type)
		}
		if len(qf.Options) < 2 {
			l.errf(qf.Line, "knowledge check item %q needs at least two options", qf.ID)
		}
		q := &app.Question{ID: qf.ID, Type: app.QuestionSingle, Text: l.text(qf.Line, qf.Text), Hint: l.text(qf.Line, qf.Hint)}
		if qf.Scenario.V != "" {
			q.ScenarioHTML = l.html(qf.Scenario)
		}
		correct := 0
		optionIDs := map[string]bool{}
		for _, of := range qf.Options {
			l.checkID(of.Line, "option", of.ID)
			if optionIDs[of.ID] {
				l.errf(of.Line, "option id %q is used twice in knowledge check item %q", of.ID, qf.ID)
			}
			optionIDs[of.ID] = true
			l.required(of.Line, fmt.Sprintf("option %q text", of.ID), of.Text)
			if m := positionalOption.FindString(of.Text); m != "" {
				l.errf(of.Line, "option %q of knowledge check item %q says %q, which depends on the order of the options", of.ID, qf.ID, strings.TrimSpace(m))
			}
			if of.Correct {
				correct++
			}
			q.Options = append(q.Options, &app.Option{ID: of.ID, Text: l.text(of.Line, of.Text), Correct: of.Correct, Feedback: l.text(of.Line, of.Feedback)})
		}
		if correct != 1 {
			l.errf(qf.Line, "knowledge check item %q needs exactly one option with correct: true (found %d)", qf.ID, correct)
		}
		out = append(out, q)
	}
	return out
}

func (l *loader) glossary(terms []glossaryFile) []*app.GlossaryTerm {
	var out []*app.GlossaryTerm
	ids := map[string]bool{}
	for _, g := range terms {
		l.checkID(g.Line, "glossary term", g.ID)
		if ids[g.ID] {
			l.errf(g.Line, "glossary term id %q is used twice", g.ID)
		}
		ids[g.ID] = true
		l.required(g.Line, fmt.Sprintf("glossary term %q term", g.ID), g.Term)
		if strings.TrimSpace(g.Definition.V) == "" {
			l.errf(g.Line, "glossary term %q has no definition", g.ID)
			continue
		}
		out = append(out, &app.GlossaryTerm{ID: g.ID, Term: l.text(g.Line, g.Term), HTML: l.html(g.Definition)})
	}
	return out
}

func (l *loader) evaluation(items []evalFile) []*app.EvaluationItem {
	var out []*app.EvaluationItem
	ids := map[string]bool{}
	measures := map[string]bool{}
	for _, e := range items {
		l.checkID(e.Line, "evaluation item", e.ID)
		if ids[e.ID] {
			l.errf(e.Line, "evaluation item id %q is used twice", e.ID)
		}
		ids[e.ID] = true
		l.required(e.Line, "evaluation item text", e.Text)
		it := &app.EvaluationItem{ID: e.ID, Type: e.Type, Scale: e.Scale, Measure: e.Measure, Text: l.text(e.Line, e.Text), Hint: l.text(e.Line, e.Hint), Required: e.Required == nil || *e.Required}
		switch e.Type {
		case app.EvalLikert:
			if _, ok := app.LikertScales[e.Scale]; !ok {
				l.errf(e.Line, "evaluation item %q: scale must be agreement, confidence or likelihood, not %q", e.ID, e.Scale)
			}
		case app.EvalText:
			if e.Scale != "" {
				l.errf(e.Line, "evaluation item %q: a text item has no scale", e.ID)
			}
		default:
			l.errf(e.Line, "evaluation item %q: type must be likert or text, not %q", e.ID, e.Type)
		}
		switch e.Measure {
		case "":
		case "confidence_before", "confidence_after":
			if measures[e.Measure] {
				l.errf(e.Line, "measure %q is used twice", e.Measure)
			}
			measures[e.Measure] = true
		default:
			l.errf(e.Line, "evaluation item %q: measure must be confidence_before or confidence_after, not %q", e.ID, e.Measure)
		}
		out = append(out, it)
	}
	if len(out) == 0 {
		l.errf(1, "the course has no evaluation items")
	}
	return out
}

func (l *loader) module(name string, number int) *app.Module {
	var mf moduleFile
	if !l.read(name, &mf) {
		return nil
	}
	m := &app.Module{ID: mf.ID, Number: number, Title: l.text(1, mf.Title), Description: l.text(1, mf.Description)}
	l.checkID(1, "the module", mf.ID)
	l.required(1, "title", mf.Title)
	l.required(1, "description", mf.Description)
	if len(mf.Sections) == 0 {
		l.errf(1, "the module has no sections")
	}
	for _, o := range mf.Outcomes {
		l.required(o.Line, "an outcome", o.V)
		m.Outcomes = append(m.Outcomes, l.text(o.Line, o.V))
		m.Words += words(o.V)
	}
	for _, s := range mf.Summary {
		l.required(s.Line, "a summary point", s.V)
		m.Summary = append(m.Summary, l.text(s.Line, s.V))
		m.Words += words(s.V)
	}
	sectionIDs := map[string]bool{}
	questions := 0
	for _, sf := range mf.Sections {
		l.checkID(sf.Line, "section", sf.ID)
		if sectionIDs[sf.ID] {
			l.errf(sf.Line, "section id %q is used twice in this module", sf.ID)
		}
		sectionIDs[sf.ID] = true
		l.required(sf.Line, fmt.Sprintf("section %q heading", sf.ID), sf.Heading)
		if strings.TrimSpace(sf.Body.V) == "" {
			l.errf(sf.Line, "section %q is empty: it needs a body", sf.ID)
		}
		s := &app.Section{ID: sf.ID, Heading: l.text(sf.Line, sf.Heading), HTML: l.html(sf.Body)}
		m.Words += words(sf.Body.V)
		for _, qf := range sf.Questions {
			if q := l.question(qf, sf.ID); q != nil {
				s.Questions = append(s.Questions, q)
				// A learner reads the scenario, the stem and every option.
				m.Words += words(qf.Scenario.V) + words(qf.Text)
				for _, of := range qf.Options {
					m.Words += words(of.Text)
				}
				questions++
			}
		}
		m.Sections = append(m.Sections, s)
	}
	if questions == 0 {
		l.errf(1, "the module has no questions")
	}
	minutes := float64(m.Words)/WordsPerMinute + MinutesPerQuestion*float64(questions)
	m.Minutes = int(math.Round(minutes))
	if l.opt.MaxMinutes > 0 && (minutes < l.opt.MinMinutes || minutes > l.opt.MaxMinutes) {
		l.errf(1, "the module takes about %.1f minutes (%d words, counting scenarios, questions and options, ÷ %d a minute + %g minutes for each of %d questions); it must take %.0f to %.0f",
			minutes, m.Words, WordsPerMinute, MinutesPerQuestion, questions, l.opt.MinMinutes, l.opt.MaxMinutes)
	}
	return m
}

func (l *loader) question(qf questionFile, sectionID string) *app.Question {
	l.checkID(qf.Line, "question", qf.ID)
	if first, dup := l.questionIDs[qf.ID]; dup && qf.ID != "" {
		l.errf(qf.Line, "question id %q is already used at %s: question IDs must be unique across the course", qf.ID, first)
	}
	l.questionIDs[qf.ID] = fmt.Sprintf("%s:%d", l.file, qf.Line)
	l.required(qf.Line, fmt.Sprintf("question %q text", qf.ID), qf.Text)
	q := &app.Question{ID: qf.ID, Type: qf.Type, Text: l.text(qf.Line, qf.Text), Hint: l.text(qf.Line, qf.Hint),
		Required: qf.Required == nil || *qf.Required, SectionID: sectionID}
	if qf.Scenario.V != "" {
		q.ScenarioHTML = l.html(qf.Scenario)
	}
	if qf.Explanation.V != "" {
		q.Explanation = l.html(qf.Explanation)
		if m := optionByLetter.FindString(qf.Explanation.V); m != "" {
			l.errf(qf.Explanation.Line, "the explanation of question %q names an option by its letter (%q): learners see shuffled options without letters, so quote or describe it", qf.ID, strings.TrimSpace(m))
		}
	}
	switch qf.Type {
	case app.QuestionReflection:
		if len(qf.Options) > 0 {
			l.errf(qf.Line, "question %q is a reflection, so it cannot have options", qf.ID)
		}
		return q
	case app.QuestionSingle, app.QuestionMultiple:
	default:
		l.errf(qf.Line, "question %q: type must be single, multiple or reflection, not %q", qf.ID, qf.Type)
		return nil
	}
	if strings.TrimSpace(qf.Explanation.V) == "" {
		l.errf(qf.Line, "question %q has no explanation (shown on the results page)", qf.ID)
	}
	if len(qf.Options) < 2 {
		l.errf(qf.Line, "question %q needs at least two options", qf.ID)
	}
	optionIDs := map[string]bool{}
	correct := 0
	for _, of := range qf.Options {
		l.checkID(of.Line, "option", of.ID)
		if optionIDs[of.ID] {
			l.errf(of.Line, "option id %q is used twice in question %q", of.ID, qf.ID)
		}
		optionIDs[of.ID] = true
		l.required(of.Line, fmt.Sprintf("option %q text", of.ID), of.Text)
		// Options are shown in a different order to each learner, so
		// none may depend on its place.
		if m := positionalOption.FindString(of.Text); m != "" {
			l.errf(of.Line, "option %q of question %q says %q, which depends on the order of the options: learners see them shuffled, so say what you mean", of.ID, qf.ID, strings.TrimSpace(m))
		}
		if m := optionByLetter.FindString(of.Feedback); m != "" {
			l.errf(of.Line, "the feedback of option %q of question %q names an option by its letter (%q): learners see shuffled options without letters, so quote or describe it", of.ID, qf.ID, strings.TrimSpace(m))
		}
		if strings.TrimSpace(of.Feedback) == "" {
			l.errf(of.Line, "option %q of question %q has no feedback: every option of a scored question explains why it is right or wrong", of.ID, qf.ID)
		}
		if of.Correct {
			correct++
		}
		q.Options = append(q.Options, &app.Option{ID: of.ID, Text: l.text(of.Line, of.Text), Correct: of.Correct, Feedback: l.text(of.Line, of.Feedback)})
	}
	switch {
	case qf.Type == app.QuestionSingle && correct != 1:
		l.errf(qf.Line, "question %q is single choice, so exactly one option must have correct: true (found %d)", qf.ID, correct)
	case qf.Type == app.QuestionMultiple && correct == 0:
		l.errf(qf.Line, "question %q has no correct answer: mark at least one option correct: true", qf.ID)
	}
	return q
}

// Report describes a loaded course for `foundations courses check`.
func Report(c *app.Course) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %d modules, pass mark %d%%, certificate valid %d months\n", c.Title, c.ID, len(c.Modules), c.PassMark, c.ValidityMonths)
	for _, m := range c.Modules {
		qs := m.Questions()
		scored := 0
		for _, q := range qs {
			if q.Scored() {
				scored++
			}
		}
		fmt.Fprintf(&b, "  %d. %-50s %5d words  %2d questions (%d scored)  about %d minutes\n", m.Number, m.Title, m.Words, len(qs), scored, m.Minutes)
	}
	fmt.Fprintf(&b, "  Total: about %d minutes; %d evaluation items; %d references; %d glossary terms; %d knowledge check items\n",
		c.Minutes(), len(c.Evaluation), len(c.References), len(c.Glossary), len(c.KnowledgeCheck))
	fmt.Fprintf(&b, "  Content owner: %s; next review by %s\n", c.Owner, c.ReviewDate.Format("2 January 2006"))
	return b.String()
}

// Warnings are what `courses check` and the server report about a valid
// course without refusing it: today, a review date that has passed.
func Warnings(c *app.Course, now time.Time) []string { return c.ReviewWarnings(now) }

// IsProblems reports whether err lists content faults (as opposed to an I/O error).
func IsProblems(err error) bool {
	var p Problems
	return errors.As(err, &p)
}
