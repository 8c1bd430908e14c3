package app

import "time"

// Question types.
const (
	QuestionSingle     = "single"     // one answer; scored
	QuestionMultiple   = "multiple"   // select all that apply; scored
	QuestionReflection = "reflection" // free text; saved, never scored
)

// Evaluation item types and scales.
const (
	EvalLikert = "likert"
	EvalText   = "text"
)

// Course is a course as loaded and validated from courses/. It is read-only
// once loaded and shared by every request.
type Course struct {
	ID             string
	Title          string
	Description    string
	PassMark       int // percent of a module's scored questions to pass
	ValidityMonths int // how long a certificate stays valid
	Modules        []*Module
	Evaluation     []*EvaluationItem
	// ReviewDate is when the content must next be reviewed; Owner is who
	// answers for it. Both are shown to learners.
	ReviewDate      time.Time
	Owner           string
	ContentNoteHTML string // shown before the first module: what the course covers and where to get support
	References      []*Reference
	Glossary        []*GlossaryTerm
	// KnowledgeCheck is the optional, unscored check taken before module 1
	// and again at the end: single-choice items.
	KnowledgeCheck []*Question
}

// Module is one module of a course.
type Module struct {
	ID          string
	Number      int // 1-based position in the course
	Title       string
	Description string
	Outcomes    []string
	Sections    []*Section
	Summary     []string
	Words       int // reading words (incl. scenarios, stems and options), for the estimate
	Minutes     int // estimated minutes: reading words/200 + half a minute a question, rounded
}

// Section is a block of reading followed by the questions that check it.
type Section struct {
	ID        string
	Heading   string
	HTML      string // body rendered from Markdown; trusted (it comes from courses/)
	Questions []*Question
}

// Question is one question. Scored questions have options with one
// (single) or more (multiple) correct.
type Question struct {
	ID           string
	Type         string
	Text         string
	Hint         string
	ScenarioHTML string
	Options      []*Option
	Explanation  string // HTML
	Required     bool
	SectionID    string
}

// Option is one choice of a scored question.
type Option struct {
	ID       string
	Text     string
	Correct  bool
	Feedback string
}

// EvaluationItem is one item of the end-of-course evaluation.
type EvaluationItem struct {
	ID       string
	Type     string // EvalLikert or EvalText
	Scale    string // for likert: agreement, confidence or likelihood
	Measure  string // optional: confidence_before, confidence_after
	Text     string
	Hint     string
	Required bool
}

// Likert scales: five labelled points, valued 1 to 5.
var LikertScales = map[string][]string{
	"agreement":  {"Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"},
	"confidence": {"Not at all confident", "Slightly confident", "Moderately confident", "Very confident", "Extremely confident"},
	"likelihood": {"Very unlikely", "Unlikely", "Not sure", "Likely", "Very likely"},
}

// Scored reports whether the question counts towards the score.
func (q *Question) Scored() bool { return q.Type == QuestionSingle || q.Type == QuestionMultiple }

// Option returns the option with the given id, or nil.
func (q *Question) Option(id string) *Option {
	for _, o := range q.Options {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// Questions returns the module's questions in page order.
func (m *Module) Questions() []*Question {
	var qs []*Question
	for _, s := range m.Sections {
		qs = append(qs, s.Questions...)
	}
	return qs
}

// Question returns the module's question with the given id, or nil.
func (m *Module) Question(id string) *Question {
	for _, s := range m.Sections {
		for _, q := range s.Questions {
			if q.ID == id {
				return q
			}
		}
	}
	return nil
}

// Section returns the module's section with the given id, or nil.
func (m *Module) Section(id string) *Section {
	for _, s := range m.Sections {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Module returns the course's module with the given id, or nil.
func (c *Course) Module(id string) *Module {
	for _, m := range c.Modules {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// Minutes is the course's estimated length, the sum of its modules'.
func (c *Course) Minutes() int {
	n := 0
	for _, m := range c.Modules {
		n += m.Minutes
	}
	return n
}

// ModuleTitles lists the module titles in order, as printed on a certificate.
func (c *Course) ModuleTitles() []string {
	t := make([]string, len(c.Modules))
	for i, m := range c.Modules {
		t[i] = m.Title
	}
	return t
}
