package app_test

import (
	"encoding/base32"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
)

// The rules of the domain, each tested without a database. The helpers
// below build small courses in Go: option "a" is always the first option.

// single is a single-choice question with options a, b, c; correct is the right one.
func single(id, correct string) *app.Question {
	q := &app.Question{ID: id, Type: app.QuestionSingle, Text: "Question " + id, Required: true, Explanation: "Because."}
	for _, o := range []string{"a", "b", "c"} {
		q.Options = append(q.Options, &app.Option{ID: o, Text: "Option " + o, Correct: o == correct, Feedback: "Feedback " + o})
	}
	return q
}

// multiple is a select-all-that-apply question with options a, b, c, d.
func multiple(id string, correct ...string) *app.Question {
	q := &app.Question{ID: id, Type: app.QuestionMultiple, Text: "Question " + id, Required: true, Explanation: "Because."}
	for _, o := range []string{"a", "b", "c", "d"} {
		q.Options = append(q.Options, &app.Option{ID: o, Text: "Option " + o, Correct: slices.Contains(correct, o), Feedback: "Feedback " + o})
	}
	return q
}

func reflection(id string, required bool) *app.Question {
	return &app.Question{ID: id, Type: app.QuestionReflection, Text: "Reflect on " + id, Required: required}
}

func optional(q *app.Question) *app.Question { q.Required = false; return q }

// module puts its questions in one section per question, so section IDs are
// the question IDs prefixed with "s-".
func module(id string, qs ...*app.Question) *app.Module {
	m := &app.Module{ID: id, Title: "Module " + id, Minutes: 20}
	for _, q := range qs {
		q.SectionID = "s-" + q.ID
		m.Sections = append(m.Sections, &app.Section{ID: q.SectionID, Heading: "Section " + q.ID, Questions: []*app.Question{q}})
	}
	return m
}

// course numbers its modules in order.
func course(passMark int, ms ...*app.Module) *app.Course {
	c := &app.Course{ID: "test-course", Title: "Test course", PassMark: passMark, ValidityMonths: 36, Modules: ms}
	for i, m := range ms {
		m.Number = i + 1
	}
	return c
}

// singles is a module of n single-choice questions q1..qn, each with "a" right.
func singles(n int) *app.Module {
	var qs []*app.Question
	for i := 1; i <= n; i++ {
		qs = append(qs, single(fmt.Sprintf("q%d", i), "a"))
	}
	return module("m", qs...)
}

// rightAnswers answers the first right questions of singles(n) with "a" and the rest with "b".
func rightAnswers(n, right int) app.Answers {
	as := app.Answers{}
	for i := 1; i <= n; i++ {
		choice := "b"
		if i <= right {
			choice = "a"
		}
		as[fmt.Sprintf("q%d", i)] = app.Answer{Options: []string{choice}}
	}
	return as
}

func chose(options ...string) app.Answer { return app.Answer{Options: options} }

func TestScoreModuleMarksEachQuestion(t *testing.T) {
	m := module("m", single("s", "b"), multiple("mu", "a", "c"), reflection("r", true))
	tests := []struct {
		name    string
		answer  app.Answer // to the question under test
		qid     string
		correct bool
	}{
		{"single: the correct option is right", chose("b"), "s", true},
		{"single: another option is wrong", chose("a"), "s", false},
		{"single: no answer is wrong", app.Answer{}, "s", false},
		{"multiple: exactly the correct set is right", chose("a", "c"), "mu", true},
		{"multiple: a superset of the correct set is wrong", chose("a", "b", "c"), "mu", false},
		{"multiple: a subset of the correct set is wrong", chose("a"), "mu", false},
		{"multiple: the wrong options only are wrong", chose("b", "d"), "mu", false},
		{"multiple: no answer is wrong", app.Answer{}, "mu", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := app.ScoreModule(m, app.Answers{tt.qid: tt.answer}, 80)
			if s.Total != 2 {
				t.Fatalf("Total = %d, want 2 (the reflection is not scored)", s.Total)
			}
			var got *app.QuestionResult
			for i := range s.Results {
				if s.Results[i].Question.ID == tt.qid {
					got = &s.Results[i]
				}
			}
			if got == nil {
				t.Fatalf("no result for question %s in %+v", tt.qid, s.Results)
			}
			if got.Correct != tt.correct {
				t.Errorf("question %s answered %v: Correct = %v, want %v", tt.qid, tt.answer.Options, got.Correct, tt.correct)
			}
		})
	}
}

func TestScoreModuleNeverScoresReflections(t *testing.T) {
	m := module("m", single("s", "a"), reflection("r1", true), reflection("r2", false))
	s := app.ScoreModule(m, app.Answers{"s": chose("a"), "r1": {Text: "I learnt a lot"}}, 80)
	if s.Total != 1 || s.Correct != 1 || len(s.Results) != 1 || s.Results[0].Question.ID != "s" {
		t.Errorf("ScoreModule = %d/%d with results %+v, want 1/1 with only question s", s.Correct, s.Total, s.Results)
	}
}

func TestScoreModulePassMark(t *testing.T) {
	tests := []struct {
		name        string
		total       int
		right       int
		passMark    int
		wantPercent int
		wantPassed  bool
	}{
		{"8 of 10 at 80% passes", 10, 8, 80, 80, true},
		{"7 of 10 at 80% fails", 10, 7, 80, 70, false},
		{"7 of 9 (77.7%) at 80% fails", 9, 7, 80, 77, false},
		{"8 of 9 at 80% passes", 9, 8, 80, 88, true},
		{"4 of 5 at 80% passes", 5, 4, 80, 80, true},
		{"3 of 5 at 80% fails", 5, 3, 80, 60, false},
		{"10 of 10 at 100% passes", 10, 10, 100, 100, true},
		{"9 of 10 at 100% fails", 10, 9, 100, 90, false},
		{"no scored questions passes at 100%", 0, 0, 80, 100, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := singles(tt.total)
			if tt.total == 0 {
				m = module("m", reflection("r", true))
			}
			s := app.ScoreModule(m, rightAnswers(tt.total, tt.right), tt.passMark)
			if s.Correct != tt.right || s.Total != tt.total {
				t.Errorf("score = %d/%d, want %d/%d", s.Correct, s.Total, tt.right, tt.total)
			}
			if s.Percent() != tt.wantPercent {
				t.Errorf("Percent() = %d, want %d", s.Percent(), tt.wantPercent)
			}
			if s.Passed != tt.wantPassed {
				t.Errorf("Passed = %v, want %v", s.Passed, tt.wantPassed)
			}
		})
	}
}

func TestScoreRevisitListsSectionsOfWrongAnswersOnce(t *testing.T) {
	m := module("m", single("q1", "a"), single("q2", "a"), single("q3", "a"))
	m.Sections[2].Questions[0].SectionID = "s-q1" // q3 reads the same section as q1
	s := app.ScoreModule(m, app.Answers{"q1": chose("b"), "q2": chose("a"), "q3": chose("c")}, 80)
	var got []string
	for _, sec := range s.Revisit(m) {
		got = append(got, sec.ID)
	}
	if want := []string{"s-q1"}; !slices.Equal(got, want) {
		t.Errorf("Revisit = %v, want %v", got, want)
	}
}

func TestMissing(t *testing.T) {
	m := module("m", single("req-single", "a"), optional(single("opt-single", "a")), reflection("req-reflection", true), reflection("opt-reflection", false))
	tests := []struct {
		name    string
		answers app.Answers
		want    []string
	}{
		{"nothing answered: every required question, in page order", app.Answers{}, []string{"req-single", "req-reflection"}},
		{"all required answered", app.Answers{"req-single": chose("a"), "req-reflection": {Text: "Thoughts"}}, nil},
		{"a wrong answer is still an answer", app.Answers{"req-single": chose("b"), "req-reflection": {Text: "Thoughts"}}, nil},
		{"a reflection of blanks is no answer", app.Answers{"req-single": chose("a"), "req-reflection": {Text: " \n\t "}}, []string{"req-reflection"}},
		{"optional questions answered do not count", app.Answers{"opt-single": chose("a"), "opt-reflection": {Text: "x"}}, []string{"req-single", "req-reflection"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, q := range app.Missing(m, tt.answers) {
				got = append(got, q.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Missing = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewAnswer(t *testing.T) {
	m := module("m", single("s", "a"), multiple("mu", "a", "b"), reflection("r", true))
	tests := []struct {
		name        string
		question    string
		values      []string
		wantCode    string
		wantOptions []string
		wantText    string
	}{
		{"a single choice", "s", []string{"b"}, "", []string{"b"}, ""},
		{"several choices to a multiple are kept in the question's order", "mu", []string{"d", "a", "c"}, "", []string{"a", "c", "d"}, ""},
		{"a reflection", "r", []string{"My answer"}, "", nil, "My answer"},
		{"a reflection's CRLF line ends become LF", "r", []string{"one\r\ntwo"}, "", nil, "one\ntwo"},
		{"a reflection of exactly 5000 characters", "r", []string{strings.Repeat("é", 5000)}, "", nil, strings.Repeat("é", 5000)},
		{"no values to a single is no answer", "s", nil, "", nil, ""},
		{"no values to a multiple is no answer", "mu", []string{}, "", nil, ""},
		{"an empty reflection is no answer", "r", []string{""}, "", nil, ""},

		{"an unknown question", "nope", []string{"a"}, app.EINVALID, nil, ""},
		{"an option the question does not have", "s", []string{"z"}, app.EINVALID, nil, ""},
		{"an option of a multiple the question does not have", "mu", []string{"a", "z"}, app.EINVALID, nil, ""},
		{"two choices to a single", "s", []string{"a", "b"}, app.EINVALID, nil, ""},
		{"the same choice twice to a multiple", "mu", []string{"a", "a"}, app.EINVALID, nil, ""},
		{"the same choice twice to a single", "s", []string{"a", "a"}, app.EINVALID, nil, ""},
		{"two texts to a reflection", "r", []string{"one", "two"}, app.EINVALID, nil, ""},
		{"a reflection of 5001 characters", "r", []string{strings.Repeat("x", 5001)}, app.EINVALID, nil, ""},
		{"a reflection that is not valid UTF-8", "r", []string{"caf\xe9"}, app.EINVALID, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := app.NewAnswer(m, tt.question, tt.values)
			if code := app.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("NewAnswer(%q, %q) error = %v, want code %q", tt.question, tt.values, err, tt.wantCode)
			}
			if err != nil {
				return
			}
			if a.ModuleID != "m" || a.QuestionID != tt.question {
				t.Errorf("answer is to %s/%s, want m/%s", a.ModuleID, a.QuestionID, tt.question)
			}
			if !slices.Equal(a.Options, tt.wantOptions) || a.Text != tt.wantText {
				t.Errorf("answer = options %q text %.20q, want options %q text %.20q", a.Options, a.Text, tt.wantOptions, tt.wantText)
			}
			if wantEmpty := len(tt.wantOptions) == 0 && tt.wantText == ""; a.Empty() != wantEmpty {
				t.Errorf("Empty() = %v, want %v", a.Empty(), wantEmpty)
			}
		})
	}
}

func TestNewAnswerOversizeReflectionNamesTheField(t *testing.T) {
	m := module("m", reflection("r", true))
	_, err := app.NewAnswer(m, "r", []string{strings.Repeat("x", app.MaxReflectionLength+1)})
	fields := app.ErrorFields(err)
	if len(fields) != 1 || fields[0].Field != "r" {
		t.Errorf("fields = %+v, want one on question r", fields)
	}
}

// progressCourse is three modules of one question each.
func progressCourse() *app.Course {
	return course(80, module("one", single("q1", "a")), module("two", single("q2", "a")), module("three", single("q3", "a")))
}

var (
	day1 = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	day2 = day1.AddDate(0, 0, 1)
)

func started() app.ModuleProgress { return app.ModuleProgress{StartedAt: day1, LastSeenAt: day1} }
func passed() app.ModuleProgress {
	return app.ModuleProgress{StartedAt: day1, LastSeenAt: day2, Attempts: 1, PassedAt: &day2, PassPercent: 100}
}

func TestProgress(t *testing.T) {
	c := progressCourse()
	elsewhere := module("elsewhere", single("qx", "a"))
	type want struct {
		canOpen, canAnswer [3]bool
		status             [3]app.ModuleStatus
		canEvaluate        bool
		completed          bool
	}
	const (
		cannot     = app.StatusCannotStart
		notStarted = app.StatusNotStarted
		inProgress = app.StatusInProgress
		done       = app.StatusPassed
	)
	tests := []struct {
		name      string
		modules   map[string]app.ModuleProgress
		evaluated bool
		want      want
	}{
		{"a new learner may open only the first module", nil, false, want{
			canOpen: [3]bool{true, false, false}, canAnswer: [3]bool{true, false, false},
			status: [3]app.ModuleStatus{notStarted, cannot, cannot}}},
		{"module 1 started, not passed: module 2 stays closed", map[string]app.ModuleProgress{"one": started()}, false, want{
			canOpen: [3]bool{true, false, false}, canAnswer: [3]bool{true, false, false},
			status: [3]app.ModuleStatus{inProgress, cannot, cannot}}},
		{"module 1 passed: it can be revisited but not answered; module 2 opens", map[string]app.ModuleProgress{"one": passed()}, false, want{
			canOpen: [3]bool{true, true, false}, canAnswer: [3]bool{false, true, false},
			status: [3]app.ModuleStatus{done, notStarted, cannot}}},
		{"module 2 in progress after module 1", map[string]app.ModuleProgress{"one": passed(), "two": started()}, false, want{
			canOpen: [3]bool{true, true, false}, canAnswer: [3]bool{false, true, false},
			status: [3]app.ModuleStatus{done, inProgress, cannot}}},
		{"a module started out of order stays closed until the ones before are passed", map[string]app.ModuleProgress{"one": started(), "three": started()}, false, want{
			canOpen: [3]bool{true, false, false}, canAnswer: [3]bool{true, false, false},
			status: [3]app.ModuleStatus{inProgress, cannot, cannot}}},
		{"every module passed: the evaluation opens", map[string]app.ModuleProgress{"one": passed(), "two": passed(), "three": passed()}, false, want{
			canOpen: [3]bool{true, true, true}, canAnswer: [3]bool{false, false, false},
			status: [3]app.ModuleStatus{done, done, done}, canEvaluate: true}},
		{"every module passed and evaluated: completed, no second evaluation", map[string]app.ModuleProgress{"one": passed(), "two": passed(), "three": passed()}, true, want{
			canOpen: [3]bool{true, true, true}, canAnswer: [3]bool{false, false, false},
			status: [3]app.ModuleStatus{done, done, done}, completed: true}},
		{"an evaluation without every module passed is not completion", map[string]app.ModuleProgress{"one": passed(), "two": passed()}, true, want{
			canOpen: [3]bool{true, true, true}, canAnswer: [3]bool{false, false, true},
			status: [3]app.ModuleStatus{done, done, notStarted}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &app.Progress{Course: c, Modules: tt.modules, Evaluated: tt.evaluated}
			for i, m := range c.Modules {
				if got := p.CanOpen(m); got != tt.want.canOpen[i] {
					t.Errorf("CanOpen(module %d) = %v, want %v", i+1, got, tt.want.canOpen[i])
				}
				if got := p.CanAnswer(m); got != tt.want.canAnswer[i] {
					t.Errorf("CanAnswer(module %d) = %v, want %v", i+1, got, tt.want.canAnswer[i])
				}
				if got := p.Status(m); got != tt.want.status[i] {
					t.Errorf("Status(module %d) = %v, want %v", i+1, got, tt.want.status[i])
				}
			}
			if got := p.CanEvaluate(); got != tt.want.canEvaluate {
				t.Errorf("CanEvaluate() = %v, want %v", got, tt.want.canEvaluate)
			}
			if got := p.Completed(); got != tt.want.completed {
				t.Errorf("Completed() = %v, want %v", got, tt.want.completed)
			}
			if p.CanOpen(elsewhere) || p.CanAnswer(elsewhere) {
				t.Errorf("a module of another course can be opened or answered")
			}
		})
	}
}

// evaluationCourse has a required likert, an optional likert, a required
// text and an optional text item.
func evaluationCourse() *app.Course {
	c := course(80, module("one", single("q1", "a")))
	c.Evaluation = []*app.EvaluationItem{
		{ID: "useful", Type: app.EvalLikert, Scale: "agreement", Text: "The course was useful.", Required: true},
		{ID: "recommend", Type: app.EvalLikert, Scale: "likelihood", Text: "Would you recommend it?", Required: false},
		{ID: "change", Type: app.EvalText, Text: "What will you change?", Required: true},
		{ID: "comments", Type: app.EvalText, Text: "Any comments?", Required: false},
	}
	return c
}

func TestParseEvaluation(t *testing.T) {
	c := evaluationCourse()
	valid := func(change func(app.EvaluationForm)) app.EvaluationForm {
		f := app.EvaluationForm{"useful": "4", "recommend": "5", "change": "Record more", "comments": "Thanks"}
		if change != nil {
			change(f)
		}
		return f
	}
	tests := []struct {
		name         string
		form         app.EvaluationForm
		wantCode     string
		wantFields   []string
		wantRatings  map[string]int
		wantComments map[string]string
	}{
		{"every item answered", valid(nil), "", nil,
			map[string]int{"useful": 4, "recommend": 5}, map[string]string{"change": "Record more", "comments": "Thanks"}},
		{"optional items blank are fine", valid(func(f app.EvaluationForm) { f["recommend"] = ""; f["comments"] = "  " }), "", nil,
			map[string]int{"useful": 4}, map[string]string{"change": "Record more"}},
		{"optional items absent are fine", app.EvaluationForm{"useful": "1", "change": "x"}, "", nil,
			map[string]int{"useful": 1}, map[string]string{"change": "x"}},
		{"values 1 and 5 are the ends of the scale", valid(func(f app.EvaluationForm) { f["useful"] = "1"; f["recommend"] = " 5 " }), "", nil,
			map[string]int{"useful": 1, "recommend": 5}, map[string]string{"change": "Record more", "comments": "Thanks"}},
		{"a comment of exactly 5000 characters", valid(func(f app.EvaluationForm) { f["comments"] = strings.Repeat("y", 5000) }), "", nil,
			map[string]int{"useful": 4, "recommend": 5}, map[string]string{"change": "Record more", "comments": strings.Repeat("y", 5000)}},

		{"a required likert missing", valid(func(f app.EvaluationForm) { delete(f, "useful") }), app.EINVALID, []string{"useful"}, nil, nil},
		{"a required likert blank", valid(func(f app.EvaluationForm) { f["useful"] = " " }), app.EINVALID, []string{"useful"}, nil, nil},
		{"a required text missing", valid(func(f app.EvaluationForm) { delete(f, "change") }), app.EINVALID, []string{"change"}, nil, nil},
		{"a likert value of 0", valid(func(f app.EvaluationForm) { f["useful"] = "0" }), app.EINVALID, []string{"useful"}, nil, nil},
		{"a likert value of 6", valid(func(f app.EvaluationForm) { f["recommend"] = "6" }), app.EINVALID, []string{"recommend"}, nil, nil},
		{"a likert value that is not a number", valid(func(f app.EvaluationForm) { f["useful"] = "x" }), app.EINVALID, []string{"useful"}, nil, nil},
		{"a comment of 5001 characters", valid(func(f app.EvaluationForm) { f["comments"] = strings.Repeat("y", 5001) }), app.EINVALID, []string{"comments"}, nil, nil},
		{"several faults are named in the form's order", app.EvaluationForm{"recommend": "9", "comments": strings.Repeat("y", 5001)}, app.EINVALID,
			[]string{"useful", "recommend", "change", "comments"}, nil, nil},
		{"an unknown item", valid(func(f app.EvaluationForm) { f["sneaky"] = "5" }), app.EINVALID, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := c.ParseEvaluation(tt.form)
			if code := app.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("ParseEvaluation error = %v, want code %q", err, tt.wantCode)
			}
			if err != nil {
				var fields []string
				for _, f := range app.ErrorFields(err) {
					fields = append(fields, f.Field)
					if f.Message == "" {
						t.Errorf("field %s has no message", f.Field)
					}
				}
				if !slices.Equal(fields, tt.wantFields) {
					t.Errorf("fields = %v, want %v", fields, tt.wantFields)
				}
				return
			}
			if !mapsEqual(ev.Ratings, tt.wantRatings) || !mapsEqual(ev.Comments, tt.wantComments) {
				t.Errorf("evaluation = %v %.40q, want %v %.40q", ev.Ratings, ev.Comments, tt.wantRatings, tt.wantComments)
			}
		})
	}
}

func mapsEqual[V comparable](a, b map[string]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestCertificateStatus(t *testing.T) {
	issued := time.Date(2025, 3, 10, 14, 0, 0, 0, time.UTC)
	expires := issued.AddDate(3, 0, 0)
	revoked := issued.AddDate(1, 0, 0)
	tests := []struct {
		name      string
		revokedAt *time.Time
		now       time.Time
		want      app.CertificateStatus
	}{
		{"valid on the day of issue", nil, issued, app.CertificateValid},
		{"valid a nanosecond before expiry", nil, expires.Add(-time.Nanosecond), app.CertificateValid},
		{"expired at exactly ExpiresAt", nil, expires, app.CertificateExpired},
		{"expired after ExpiresAt", nil, expires.AddDate(0, 0, 1), app.CertificateExpired},
		{"revoked before expiry", &revoked, issued.AddDate(2, 0, 0), app.CertificateRevoked},
		{"revoked wins over expired", &revoked, expires.AddDate(1, 0, 0), app.CertificateRevoked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &app.Certificate{IssuedAt: issued, ExpiresAt: expires, RevokedAt: tt.revokedAt}
			if got := c.Status(tt.now); got != tt.want {
				t.Errorf("Status(%v) = %v, want %v", tt.now, got, tt.want)
			}
		})
	}
}

func TestNewCertificateCode(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	if app.CodeBytes < 15 {
		t.Errorf("CodeBytes = %d: a code must carry at least 80 bits, and 15 bytes (120 bits) is the design", app.CodeBytes)
	}
	seen := map[string]bool{}
	for range 1000 {
		code := app.NewCertificateCode()
		if len(code) != 24 {
			t.Fatalf("code %q has %d characters, want 24", code, len(code))
		}
		if i := strings.IndexFunc(code, func(r rune) bool { return !strings.ContainsRune(alphabet, r) }); i >= 0 {
			t.Fatalf("code %q has %q, outside the base32 alphabet", code, code[i])
		}
		raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(code)
		if err != nil || len(raw) != 15 {
			t.Fatalf("code %q decodes to %d bytes (%v), want 15 random bytes", code, len(raw), err)
		}
		if seen[code] {
			t.Fatalf("code %q issued twice in 1000", code)
		}
		seen[code] = true
	}
}

func TestFormatCodeAndNormaliseCode(t *testing.T) {
	const code = "ABCDEFGHIJKLMNOPQRSTUVWX"
	if got, want := app.FormatCode(code), "ABCD-EFGH-IJKL-MNOP-QRST-UVWX"; got != want {
		t.Errorf("FormatCode = %q, want %q", got, want)
	}
	for range 100 {
		c := app.NewCertificateCode()
		if got := app.NormaliseCode(app.FormatCode(c)); got != c {
			t.Fatalf("NormaliseCode(FormatCode(%q)) = %q", c, got)
		}
	}
	tests := []struct {
		name  string
		typed string
		want  string
	}{
		{"as stored", code, code},
		{"grouped with hyphens", "ABCD-EFGH-IJKL-MNOP-QRST-UVWX", code},
		{"lower case", "abcd-efgh-ijkl-mnop-qrst-uvwx", code},
		{"spaces, tabs and mixed case", " abcd EFGH\tijkl mnop qrst uvwx ", code},
		{"0 read as O, 1 as I, 8 as B", "A8CD-EFGH-1JKL-MN0P-QRST-UVWX", code},
		{"digits 2 to 7 kept", "ABCD-2345-67KL-MNOP-QRST-UVWX", "ABCD234567KLMNOPQRSTUVWX"},
		{"one character short", "ABCD-EFGH-IJKL-MNOP-QRST-UVW", ""},
		{"one character long", "ABCD-EFGH-IJKL-MNOP-QRST-UVWXY", ""},
		{"9 is never in a code", "9BCD-EFGH-IJKL-MNOP-QRST-UVWX", ""},
		{"punctuation", "ABCD.EFGH.IJKL.MNOP.QRST.UVWX", ""},
		{"empty", "", ""},
		{"nonsense", "nonsense", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := app.NormaliseCode(tt.typed); got != tt.want {
				t.Errorf("NormaliseCode(%q) = %q, want %q", tt.typed, got, tt.want)
			}
		})
	}
}

func TestPasswordProblem(t *testing.T) {
	tests := []struct {
		name     string
		password string
		email    string
		refused  bool
	}{
		{"empty", "", "", true},
		{"11 characters", "abcdefghijk", "", true},
		{"12 characters", "kettle-drum7", "", false},
		{"12 characters counted as characters, not bytes", "ééééééééééé", "", true},
		{"a common password", "password1234", "", true},
		{"a common password in another case", "PassWord1234", "", true},
		{"a common password listed capitalised, typed lower case", "password1234!", "", true},
		{"the same character repeated", "zzzzzzzzzzzzzz", "", true},
		{"the same character repeated in mixed case", "zZzZzZzZzZzZzZ", "", true},
		{"the same non-ASCII character repeated", "éééééééééééé", "", true},
		{"containing the email's local part", "my-jsmith-password", "jsmith@example.org", true},
		{"containing the email's local part in another case", "My-JSmith-Password", "JSmith@example.org", true},
		{"no composition rules: lower-case words and spaces", "correct horse battery", "", false},
		{"an email's local part under 4 characters is not checked", "crab cakes for tea", "ab@example.org", false},
		{"a long passphrase unrelated to the email", "correct horse battery staple", "jsmith@example.org", false},
		{"257 characters", strings.Repeat("ab", 128) + "c", "", true},
		{"256 characters", longPassphrase(256), "", false}, // not a repeated pattern: those are refused (password_test.go)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := app.PasswordProblem(tt.password, tt.email)
			if (got != "") != tt.refused {
				t.Errorf("PasswordProblem(%q, %q) = %q, want refused %v", tt.password, tt.email, got, tt.refused)
			}
		})
	}
}

func TestHashPasswordAndCheckPassword(t *testing.T) {
	hash := app.HashPassword("correct horse battery")
	if !strings.HasPrefix(hash, "$argon2id$") {
		t.Errorf("hash %q is not argon2id PHC format", hash)
	}
	if hash == app.HashPassword("correct horse battery") {
		t.Errorf("two hashes of one password are equal: the salt is not random")
	}
	tests := []struct {
		name     string
		hash     string
		password string
		want     bool
	}{
		{"the right password", hash, "correct horse battery", true},
		{"a wrong password", hash, "correct horse battery!", false},
		{"the right password in another case", hash, "Correct horse battery", false},
		{"an empty hash", "", "correct horse battery", false},
		{"a bcrypt hash", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "correct horse battery", false},
		{"missing the key", strings.Join(strings.Split(hash, "$")[:5], "$"), "correct horse battery", false},
		{"bad parameters", strings.Replace(hash, "m=19456", "m=lots", 1), "correct horse battery", false},
		{"a salt that is not base64", replacePart(hash, 4, "!!!"), "correct horse battery", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := app.CheckPassword(tt.hash, tt.password); got != tt.want {
				t.Errorf("CheckPassword = %v, want %v", got, tt.want)
			}
		})
	}
}

func replacePart(hash string, i int, v string) string {
	parts := strings.Split(hash, "$")
	parts[i] = v
	return strings.Join(parts, "$")
}

func TestRegistrationValidate(t *testing.T) {
	orgs := []app.Organisation{{ID: 1, Name: "Police"}, {ID: 2, Name: "GP practice"}}
	valid := func(change func(*app.Registration)) app.Registration {
		r := app.Registration{Name: "Sam Smith", Email: "sam.smith@example.org", Password: "correct horse battery",
			OrganisationID: 2, JobRole: "Health visitor", ManagerEmail: "lee.jones@example.org"}
		if change != nil {
			change(&r)
		}
		return r
	}
	type field struct{ name, message string }
	tests := []struct {
		name string
		reg  app.Registration
		want []field
	}{
		{"a valid registration", valid(nil), nil},
		{"no line manager is fine", valid(func(r *app.Registration) { r.ManagerEmail = "  " }), nil},
		{"everything wrong, in the form's order", app.Registration{Email: "not an email", Password: "short", OrganisationID: 9, ManagerEmail: "boss@"}, []field{
			{"name", "Enter your full name"},
			{"email", "Enter an email address in the correct format, like name@example.org"},
			{"password", "Password must be 12 characters or more"},
			{"organisation", "Select your organisation"},
			{"job_role", "Enter your job role"},
			{"manager_email", "Enter your line manager's email address in the correct format, like name@example.org"},
		}},
		{"blank name and job role", valid(func(r *app.Registration) { r.Name = "  "; r.JobRole = "\t" }), []field{
			{"name", "Enter your full name"}, {"job_role", "Enter your job role"}}},
		{"name and job role over 100 characters", valid(func(r *app.Registration) { r.Name = strings.Repeat("n", 101); r.JobRole = strings.Repeat("j", 101) }), []field{
			{"name", "Full name must be 100 characters or fewer"}, {"job_role", "Job role must be 100 characters or fewer"}}},
		{"no email", valid(func(r *app.Registration) { r.Email = ""; r.ManagerEmail = "" }), []field{
			{"email", "Enter your work email address"}}},
		{"an email without a dot in its domain", valid(func(r *app.Registration) { r.Email = "sam@localhost" }), []field{
			{"email", "Enter an email address in the correct format, like name@example.org"}}},
		{"an email with a display name", valid(func(r *app.Registration) { r.Email = "Sam <sam@example.org>" }), []field{
			{"email", "Enter an email address in the correct format, like name@example.org"}}},
		{"no password", valid(func(r *app.Registration) { r.Password = "" }), []field{{"password", "Enter a password"}}},
		{"a password containing the email's local part", valid(func(r *app.Registration) { r.Password = "sam.smith-forever" }), []field{
			{"password", "Choose a password that is harder to guess: avoid common passwords, repeated patterns, and your name or email address"}}},
		{"no organisation chosen", valid(func(r *app.Registration) { r.OrganisationID = 0 }), []field{{"organisation", "Select your organisation"}}},
		{"the manager's email is the learner's own", valid(func(r *app.Registration) { r.ManagerEmail = " SAM.smith@example.org" }), []field{
			{"manager_email", "Enter your line manager's email address, not your own"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.reg.Validate(orgs)
			var got []field
			for _, f := range app.ErrorFields(err) {
				got = append(got, field{f.Field, f.Message})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("fields =\n  %q\nwant\n  %q", got, tt.want)
			}
			wantCode := ""
			if len(tt.want) > 0 {
				wantCode = app.EINVALID
			}
			if code := app.ErrorCode(err); code != wantCode {
				t.Errorf("code = %q, want %q", code, wantCode)
			}
			if len(tt.want) > 0 && app.ErrorMessage(err) != tt.want[0].message {
				t.Errorf("message = %q, want the first field's %q", app.ErrorMessage(err), tt.want[0].message)
			}
		})
	}
}

func TestRegistrationValidateTrimsNameAndJobRole(t *testing.T) {
	r := app.Registration{Name: "  Sam Smith ", Email: "sam@example.org", Password: "correct horse battery", OrganisationID: 1, JobRole: " Nurse "}
	if err := r.Validate([]app.Organisation{{ID: 1}}); err != nil {
		t.Fatal(err)
	}
	if r.Name != "Sam Smith" || r.JobRole != "Nurse" {
		t.Errorf("after Validate: name %q, job role %q; want them trimmed", r.Name, r.JobRole)
	}
}

func TestErrorCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"an app error", app.Errorf(app.ENOTFOUND, "gone"), app.ENOTFOUND},
		{"a wrapped app error", fmt.Errorf("load: %w", app.Errorf(app.ECONFLICT, "twice")), app.ECONFLICT},
		{"any other error is internal", fmt.Errorf("disk on fire"), app.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := app.ErrorCode(tt.err); got != tt.want {
				t.Errorf("ErrorCode = %q, want %q", got, tt.want)
			}
		})
	}
	if msg := app.ErrorMessage(fmt.Errorf("pq: password authentication failed")); strings.Contains(msg, "pq") {
		t.Errorf("ErrorMessage shows an internal error to the user: %q", msg)
	}
}
