package app

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxReflectionLength is the longest free-text answer we keep, in characters.
const MaxReflectionLength = 5000

// Answer is a learner's current answer to one question. Choice answers hold
// option IDs; a reflection holds its text in Text.
type Answer struct {
	UserID     int64
	CourseID   string
	ModuleID   string
	QuestionID string
	Options    []string // chosen option IDs, in the question's order
	Text       string
	UpdatedAt  time.Time
}

// Answers are one learner's answers to one module, by question ID.
type Answers map[string]Answer

// Empty reports whether the answer says nothing.
func (a Answer) Empty() bool { return len(a.Options) == 0 && strings.TrimSpace(a.Text) == "" }

// Chose reports whether the answer includes the option.
func (a Answer) Chose(optionID string) bool { return slices.Contains(a.Options, optionID) }

// NewAnswer checks raw submitted values against a module's question and
// returns the answer to store. An unknown question, an option the question
// does not have, more than one choice for a single-choice question or an
// over-long reflection is EINVALID. No values means "no answer yet".
func NewAnswer(m *Module, questionID string, values []string) (Answer, error) {
	q := m.Question(questionID)
	if q == nil {
		return Answer{}, Errorf(EINVALID, "There is no question %q in this module.", truncate(questionID, 40))
	}
	a := Answer{ModuleID: m.ID, QuestionID: q.ID}
	switch q.Type {
	case QuestionReflection:
		if len(values) > 1 {
			return Answer{}, Errorf(EINVALID, "Send one answer to question %q.", q.ID)
		}
		if len(values) == 1 {
			if !utf8.ValidString(values[0]) {
				return Answer{}, Errorf(EINVALID, "Your answer contains characters we cannot read.")
			}
			a.Text = strings.ReplaceAll(values[0], "\r\n", "\n")
			if utf8.RuneCountInString(a.Text) > MaxReflectionLength {
				return Answer{}, &Error{Code: EINVALID, Message: "Your answer must be 5,000 characters or fewer.",
					Fields: []FieldError{{Field: q.ID, Message: "Your answer must be 5,000 characters or fewer"}}}
			}
		}
	default:
		if q.Type == QuestionSingle && len(values) > 1 {
			return Answer{}, Errorf(EINVALID, "Choose only one answer to question %q.", q.ID)
		}
		for _, o := range q.Options { // keep the question's order; drop nothing silently
			if slices.Contains(values, o.ID) {
				a.Options = append(a.Options, o.ID)
			}
		}
		for _, v := range values {
			if q.Option(v) == nil {
				return Answer{}, Errorf(EINVALID, "%q is not an answer to question %q.", truncate(v, 20), q.ID)
			}
		}
		if len(a.Options) != len(values) {
			return Answer{}, Errorf(EINVALID, "Each answer to question %q can be chosen once.", q.ID)
		}
	}
	return a, nil
}

// Missing lists the module's required questions that have no answer, in page order.
func Missing(m *Module, answers Answers) []*Question {
	var missing []*Question
	for _, q := range m.Questions() {
		if q.Required && answers[q.ID].Empty() {
			missing = append(missing, q)
		}
	}
	return missing
}

// QuestionResult is how one scored question went in an attempt.
type QuestionResult struct {
	Question *Question
	Chosen   []string
	Correct  bool
}

// Score is the outcome of marking a module's answers.
type Score struct {
	Correct int // scored questions answered exactly right
	Total   int // scored questions
	Passed  bool
	Results []QuestionResult // scored questions, in page order
}

// Percent is the score as a whole percentage, rounded down.
func (s Score) Percent() int {
	if s.Total == 0 {
		return 100
	}
	return s.Correct * 100 / s.Total
}

// Revisit lists the sections holding questions answered wrongly, once each,
// in page order: what a learner who did not pass should read again.
func (s Score) Revisit(m *Module) []*Section {
	var out []*Section
	for _, r := range s.Results {
		if r.Correct {
			continue
		}
		if sec := m.Section(r.Question.SectionID); sec != nil && !slices.Contains(out, sec) {
			out = append(out, sec)
		}
	}
	return out
}

// ScoreModule marks answers against a module. A single-choice question is
// right when the chosen option is the correct one; a multiple-choice
// question only when exactly the correct options are chosen, no more, no
// fewer. Reflections are never scored. The module is passed when the share
// of right answers reaches the pass mark (a percentage): 8 of 10 passes at
// 80%, 7 of 9 (77.7%) does not.
func ScoreModule(m *Module, answers Answers, passMark int) Score {
	var s Score
	for _, q := range m.Questions() {
		if !q.Scored() {
			continue
		}
		a := answers[q.ID]
		ok := len(a.Options) > 0
		for _, o := range q.Options {
			if o.Correct != a.Chose(o.ID) {
				ok = false
			}
		}
		s.Total++
		if ok {
			s.Correct++
		}
		s.Results = append(s.Results, QuestionResult{Question: q, Chosen: a.Options, Correct: ok})
	}
	s.Passed = s.Correct*100 >= passMark*s.Total
	return s
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
