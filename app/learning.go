package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Learning is the learner's side of a course: opening modules, saving
// answers, submitting, the evaluation and the certificate. Handlers call it;
// it applies the rules in Progress and ScoreModule, and the store's
// operations make each decision durable atomically.
type Learning struct {
	Store          Store
	Course         *Course
	Now            func() time.Time
	Partnership    string // printed on certificates
	ValidityMonths int    // certificate validity; the course's own if zero
	Mail           *Mail  // tells the learner their certificate is issued; nil sends nothing
	// LTI owes learning platforms a score for each pass and completion;
	// nil (or not enabled) owes none.
	LTI *LTI
	// OrderKey keys the order in which each learner sees a question's
	// options (OptionOrder); empty keeps the course file's order.
	OrderKey []byte

	orders orderCache // OrderKey's orders, drawn once each
}

// VisitInterval is how often, at most, a learner's time on a module is
// written: interactions closer together than this are counted at the next
// write, since the gap is measured from the last one, so no time is lost.
const VisitInterval = time.Minute

// VisitDue reports whether a visit at now is written, the last one having
// been written at lastSeen.
func VisitDue(lastSeen, now time.Time) bool { return !now.Add(-VisitInterval).Before(lastSeen) }

// ModuleView is what the module page shows.
type ModuleView struct {
	Module    *Module
	Progress  *Progress
	Answers   Answers
	CanAnswer bool
	Attempts  int
	UserID    int64
	OrderKey  []byte // see Learning.OrderKey

	shuffle *shuffler   // OrderKey's, made on the first Options
	orders  *orderCache // the orders already drawn with OrderKey, or nil
}

// Options are a question's options in the order this learner sees them
// while working towards their next attempt.
func (v *ModuleView) Options(q *Question) []*Option {
	k := orderKey{user: v.UserID, module: v.Module.ID, attempt: v.Attempts + 1, question: q.ID}
	if v.orders != nil {
		if out, ok := v.orders.get(k, q); ok {
			return out
		}
	}
	if v.shuffle == nil || v.shuffle.key != string(v.OrderKey) {
		v.shuffle = newShuffler(v.OrderKey)
	}
	out := v.shuffle.order(k.user, k.module, k.attempt, q)
	if v.orders != nil {
		v.orders.put(k, q, out)
	}
	return out
}

func (l *Learning) module(id string) (*Module, error) {
	if m := l.Course.Module(id); m != nil {
		return m, nil
	}
	return nil, Errorf(ENOTFOUND, "There is no such module.")
}

func (l *Learning) key(userID int64, m *Module) ModuleKey {
	return ModuleKey{UserID: userID, CourseID: l.Course.ID, ModuleID: m.ID}
}

func (l *Learning) progressOf(modules []ModuleProgress) *Progress {
	p := &Progress{Course: l.Course, Modules: make(map[string]ModuleProgress, len(modules))}
	for _, r := range modules {
		p.Modules[r.ModuleID] = r
	}
	return p
}

// Progress loads everything the task list needs for one learner.
func (l *Learning) Progress(ctx context.Context, userID int64) (*Progress, error) {
	rec, err := l.Store.LearnerRecord(ctx, userID, l.Course.ID)
	if err != nil {
		return nil, fmt.Errorf("load progress for user %d: %w", userID, err)
	}
	p := l.progressOf(rec.Modules)
	p.Evaluated, p.Certificate, p.Cycle, p.Previous = rec.Evaluated, rec.Certificate, max(rec.Cycle, 1), rec.Previous
	return p, nil
}

func notYet(m *Module) error {
	return Errorf(EFORBIDDEN, "You cannot start module %d, %s, yet. Pass the modules before it first.", m.Number, m.Title)
}

// OpenModule returns a module page for a learner, recording that they
// started it and the time spent. An unknown module is ENOTFOUND; a module
// whose earlier modules are not passed is EFORBIDDEN.
func (l *Learning) OpenModule(ctx context.Context, userID int64, moduleID string) (*ModuleView, error) {
	m, err := l.module(moduleID)
	if err != nil {
		return nil, err
	}
	now := l.Now()
	k := l.key(userID, m)
	modules, answers, err := l.Store.VisitModule(ctx, k, now)
	if err != nil {
		return nil, fmt.Errorf("visit module %s for user %d: %w", m.ID, userID, err)
	}
	p := l.progressOf(modules)
	if !p.CanOpen(m) {
		return nil, notYet(m)
	}
	mp, started := p.Modules[m.ID]
	if !started {
		if err := l.Store.StartModule(ctx, k, now); err != nil {
			return nil, fmt.Errorf("start module %s for user %d: %w", m.ID, userID, err)
		}
		mp = ModuleProgress{UserID: userID, CourseID: l.Course.ID, ModuleID: m.ID, StartedAt: now, LastSeenAt: now}
		p.Modules[m.ID] = mp
	}
	return &ModuleView{Module: m, Progress: p, Answers: answers, CanAnswer: p.CanAnswer(m), Attempts: mp.Attempts, UserID: userID, OrderKey: l.OrderKey, orders: &l.orders}, nil
}

// whyNotAnswerable says why the store found a module closed for answers.
func (l *Learning) whyNotAnswerable(ctx context.Context, userID int64, m *Module) error {
	p, err := l.Progress(ctx, userID)
	if err != nil {
		return err
	}
	switch mp, started := p.Modules[m.ID]; {
	case !p.CanOpen(m):
		return notYet(m)
	case !started:
		return Errorf(ECONFLICT, "Open module %d before answering its questions.", m.Number)
	case mp.Passed():
		return Errorf(ECONFLICT, "You have already passed module %d, so its answers can no longer be changed.", m.Number)
	default:
		return Errorf(ECONFLICT, "Your answers could not be saved just now. Try again.")
	}
}

// SaveAnswer saves one answer as the learner goes (autosave). The answer is
// durable when this returns nil.
func (l *Learning) SaveAnswer(ctx context.Context, userID int64, moduleID, questionID string, values []string) error {
	m, err := l.module(moduleID)
	if err != nil {
		return err
	}
	a, err := NewAnswer(m, questionID, values)
	if err != nil {
		return err
	}
	a.UserID, a.CourseID, a.UpdatedAt = userID, l.Course.ID, l.Now()
	err = l.Store.SaveAnswer(ctx, a)
	if errors.Is(err, ErrNotAnswerable) {
		return l.whyNotAnswerable(ctx, userID, m)
	}
	if err != nil {
		return fmt.Errorf("save answer %s for user %d: %w", questionID, userID, err)
	}
	return nil
}

// SaveAnswerInSession is SaveAnswer for whoever holds the session token,
// the autosave path: the session is checked in the same statement as the
// save, so an autosave is one round trip to the database, and a signed-out
// or expired session is refused on the very next request on any instance
// (nothing about sessions is cached). The session rules are Accounts': an
// unknown or expired token is EUNAUTHORIZED and the idle expiry is
// extended as for any request. An answer that is not valid is refused
// before the database is asked, but only to someone signed in.
func (l *Learning) SaveAnswerInSession(ctx context.Context, acc *Accounts, token, moduleID, questionID string, values []string) (int64, error) {
	if token == "" {
		return 0, Errorf(EUNAUTHORIZED, "Sign in to continue.")
	}
	m, err := l.module(moduleID)
	if err == nil {
		var a Answer
		if a, err = NewAnswer(m, questionID, values); err == nil {
			return l.saveInSession(ctx, acc, token, m, a)
		}
	}
	// Refused as sent: say so only to someone signed in.
	_, u, serr := acc.SessionUser(ctx, token)
	if serr != nil {
		return 0, serr
	}
	return u.ID, err
}

func (l *Learning) saveInSession(ctx context.Context, acc *Accounts, token string, m *Module, a Answer) (int64, error) {
	now := l.Now()
	a.CourseID, a.UpdatedAt = l.Course.ID, now
	s, err := l.Store.SaveAnswerInSession(ctx, HashToken(token), now, a)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return 0, sessionEnded()
	case s == nil:
		return 0, fmt.Errorf("save answer %s in a session: %w", a.QuestionID, err)
	}
	if serr := acc.seen(ctx, s, now); serr != nil {
		return s.UserID, serr
	}
	if errors.Is(err, ErrNotAnswerable) {
		return s.UserID, l.whyNotAnswerable(ctx, s.UserID, m)
	}
	if err != nil {
		return s.UserID, fmt.Errorf("save answer %s for user %d: %w", a.QuestionID, s.UserID, err)
	}
	return s.UserID, nil
}

// FormAnswers are a whole module's answers as posted by its form, by
// question ID. A question of the module that is absent has no answer.
type FormAnswers map[string][]string

// SaveAnswers saves every answer of a module's form at once (the "Save
// answers" button, and before a submit). Nothing is saved unless every
// answer is valid.
func (l *Learning) SaveAnswers(ctx context.Context, userID int64, moduleID string, form FormAnswers) error {
	m, err := l.module(moduleID)
	if err != nil {
		return err
	}
	now := l.Now()
	answers, err := l.formAnswers(m, userID, form, now)
	if err != nil {
		return err
	}
	err = l.Store.SaveAnswers(ctx, l.key(userID, m), answers, now)
	if errors.Is(err, ErrNotAnswerable) {
		return l.whyNotAnswerable(ctx, userID, m)
	}
	if err != nil {
		return fmt.Errorf("save answers to module %s for user %d: %w", m.ID, userID, err)
	}
	return nil
}

// formAnswers are the module form's answers to every question of m (an
// empty one for each question left blank), or EINVALID for a question
// not in m or an answer that is not valid.
func (l *Learning) formAnswers(m *Module, userID int64, form FormAnswers, now time.Time) ([]Answer, error) {
	for qid := range form {
		if m.Question(qid) == nil {
			return nil, Errorf(EINVALID, "There is no question %q in this module.", truncate(qid, 40))
		}
	}
	answers := make([]Answer, 0, len(m.Questions()))
	for _, q := range m.Questions() {
		a, err := NewAnswer(m, q.ID, form[q.ID])
		if err != nil {
			return nil, err
		}
		a.UserID, a.CourseID, a.UpdatedAt = userID, l.Course.ID, now
		answers = append(answers, a)
	}
	return answers, nil
}

// Result is an attempt with its marking, for the result page.
type Result struct {
	Module  *Module
	Attempt Attempt
	Score   Score
	Revisit []*Section
}

// SubmitModule marks the learner's saved answers and records the attempt.
// It refuses (EINVALID, naming each question) while a required question has
// no answer, and refuses a module that is not open or already passed. Two
// submits at once record one attempt after the other; once one passes, the
// other is refused as already passed.
func (l *Learning) SubmitModule(ctx context.Context, userID int64, moduleID string) (*Result, error) {
	m, err := l.module(moduleID)
	if err != nil {
		return nil, err
	}
	return l.submit(ctx, userID, m, nil, l.Now())
}

// SubmitAnswers is SaveAnswers and then SubmitModule, in one transaction:
// the module form's "Submit". The answers are saved even when the
// submission is refused (a question left unanswered: EINVALID with a
// field per question), as they are by SaveAnswers.
func (l *Learning) SubmitAnswers(ctx context.Context, userID int64, moduleID string, form FormAnswers) (*Result, error) {
	m, err := l.module(moduleID)
	if err != nil {
		return nil, err
	}
	now := l.Now()
	answers, err := l.formAnswers(m, userID, form, now)
	if err != nil {
		return nil, err
	}
	return l.submit(ctx, userID, m, answers, now)
}

func (l *Learning) submit(ctx context.Context, userID int64, m *Module, answers []Answer, now time.Time) (*Result, error) {
	var score Score
	passedBefore := 0
	att, err := l.Store.SubmitModule(ctx, l.key(userID, m), now, answers, func(modules []ModuleProgress, answers Answers) (*Attempt, error) {
		p := l.progressOf(modules)
		if !p.CanAnswer(m) {
			return nil, ErrNotAnswerable
		}
		passedBefore = p.PassedCount()
		if missing := Missing(m, answers); len(missing) > 0 {
			return nil, missingError(m, missing)
		}
		score = ScoreModule(m, answers, l.Course.PassMark)
		att := &Attempt{UserID: userID, CourseID: l.Course.ID, ModuleID: m.ID,
			Correct: score.Correct, Total: score.Total, Percent: score.Percent(), Passed: score.Passed,
			Answers: answers, Right: map[string]bool{}}
		for _, r := range score.Results {
			att.Right[r.Question.ID] = r.Correct
		}
		return att, nil
	}, func(tx Store, att *Attempt) error {
		// The score owed for the pass is recorded, and its delivery
		// queued, in the transaction that records the pass.
		return l.LTI.ModulePassed(ctx, tx, userID, att.Cycle, m.ID, passedBefore+1, att.CreatedAt)
	})
	if errors.Is(err, ErrNotAnswerable) {
		return nil, l.whyNotAnswerable(ctx, userID, m)
	}
	if err != nil {
		return nil, fmt.Errorf("submit module %s for user %d: %w", m.ID, userID, err)
	}
	return &Result{Module: m, Attempt: *att, Score: score, Revisit: score.Revisit(m)}, nil
}

func missingError(m *Module, missing []*Question) error {
	e := &Error{Code: EINVALID}
	for _, q := range missing {
		e.Fields = append(e.Fields, FieldError{Field: q.ID, Message: fmt.Sprintf("Answer question %d: %s", questionNumber(m, q), q.Text)})
	}
	if len(missing) == 1 {
		e.Message = "Answer 1 more question before you submit this module."
	} else {
		e.Message = fmt.Sprintf("Answer %d more questions before you submit this module.", len(missing))
	}
	return e
}

func questionNumber(m *Module, q *Question) int {
	for i, x := range m.Questions() {
		if x == q {
			return i + 1
		}
	}
	return 0
}

// QuestionNumber is a question's 1-based position in its module.
func (m *Module) QuestionNumber(q *Question) int { return questionNumber(m, q) }

// LatestResult returns the learner's most recent attempt at a module with
// its marking; ENOTFOUND if there is none.
func (l *Learning) LatestResult(ctx context.Context, userID int64, moduleID string) (*Result, error) {
	m, err := l.module(moduleID)
	if err != nil {
		return nil, err
	}
	atts, err := l.Store.Attempts(ctx, l.key(userID, m))
	if err != nil {
		return nil, fmt.Errorf("load attempts for module %s, user %d: %w", m.ID, userID, err)
	}
	if len(atts) == 0 {
		return nil, Errorf(ENOTFOUND, "You have not submitted module %d yet.", m.Number)
	}
	att := atts[len(atts)-1]
	score := ScoreModule(m, att.Answers, l.Course.PassMark)
	return &Result{Module: m, Attempt: att, Score: score, Revisit: score.Revisit(m)}, nil
}

// EvaluationForm is the evaluation as posted: item ID → value.
type EvaluationForm map[string]string

// SubmitEvaluation records the course evaluation and, in the same
// transaction, completes the course and issues the certificate. It is
// refused (EFORBIDDEN) until every module is passed and (ECONFLICT) once
// the evaluation is in, so a certificate is issued exactly once.
func (l *Learning) SubmitEvaluation(ctx context.Context, u *User, form EvaluationForm) (*Certificate, error) {
	if err := CertificateAllowed(u); err != nil {
		return nil, err
	}
	cert, err := l.Store.CompleteCourse(ctx, u.ID, l.Course.ID, l.Now(), func(modules []ModuleProgress, evaluated bool) (*Evaluation, *Certificate, error) {
		if l.progressOf(modules).PassedCount() < len(l.Course.Modules) {
			return nil, nil, Errorf(EFORBIDDEN, "Pass all %d modules before the course evaluation.", len(l.Course.Modules))
		}
		// Who may send it is settled before the form is read: an invalid
		// form from someone who may not (or already did) is not a form to
		// correct and send again.
		if evaluated {
			return nil, nil, Errorf(ECONFLICT, "You have already sent your course evaluation.")
		}
		ev, err := l.Course.ParseEvaluation(form)
		if err != nil {
			return nil, nil, err
		}
		now := l.Now()
		ev.UserID, ev.CourseID, ev.SubmittedAt = u.ID, l.Course.ID, now
		return ev, l.newCertificate(u, now), nil
	}, func(tx Store, c *Certificate) error {
		// The email is queued in the transaction that issues the
		// certificate: both happen, or neither.
		if err := l.Mail.CertificateIssued(ctx, tx, u, c); err != nil {
			return err
		}
		return l.LTI.CourseCompleted(ctx, tx, u.ID, c.Cycle, c.IssuedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("submit evaluation for user %d: %w", u.ID, err)
	}
	return cert, nil
}

func (l *Learning) newCertificate(u *User, now time.Time) *Certificate {
	months := l.ValidityMonths
	if months == 0 {
		months = l.Course.ValidityMonths
	}
	return &Certificate{
		Code: NewCertificateCode(), UserID: u.ID, CourseID: l.Course.ID,
		LearnerName: u.Name, CourseTitle: l.Course.Title, Modules: l.Course.ModuleTitles(),
		CompletedAt: now, CPDMinutes: l.Course.CPDMinutes(), IssuedAt: now,
		ExpiresAt: now.AddDate(0, months, 0), Partnership: l.Partnership,
	}
}

// ParseEvaluation checks a posted evaluation against the course's items:
// likert values must be 1 to 5, required items present, comments at most
// MaxReflectionLength characters, and no unknown items.
func (c *Course) ParseEvaluation(form EvaluationForm) (*Evaluation, error) {
	ev := &Evaluation{Ratings: map[string]int{}, Comments: map[string]string{}}
	known := map[string]bool{}
	var f []FieldError
	for _, it := range c.Evaluation {
		known[it.ID] = true
		v := strings.TrimSpace(form[it.ID])
		if v == "" {
			if it.Required {
				verb := "Select an answer"
				if it.Type == EvalText {
					verb = "Enter an answer"
				}
				f = append(f, FieldError{Field: it.ID, Message: fmt.Sprintf("%s for: %s", verb, it.Text)})
			}
			continue
		}
		switch it.Type {
		case EvalLikert:
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 5 {
				f = append(f, FieldError{Field: it.ID, Message: fmt.Sprintf("Select one of the answers for: %s", it.Text)})
				continue
			}
			ev.Ratings[it.ID] = n
		case EvalText:
			if !utf8.ValidString(v) || utf8.RuneCountInString(v) > MaxReflectionLength {
				f = append(f, FieldError{Field: it.ID, Message: "Your comment must be 5,000 characters or fewer"})
				continue
			}
			ev.Comments[it.ID] = v
		}
	}
	for k := range form {
		if !known[k] {
			return nil, Errorf(EINVALID, "The evaluation has no item %q.", truncate(k, 40))
		}
	}
	if err := Invalid(f); err != nil {
		return nil, err
	}
	return ev, nil
}

// Certificate returns the learner's certificate; ENOTFOUND before completion.
func (l *Learning) Certificate(ctx context.Context, userID int64) (*Certificate, error) {
	c, err := l.Store.CertificateForUser(ctx, userID, l.Course.ID)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return nil, Errorf(ENOTFOUND, "You do not have a certificate yet. Pass all the modules and send the course evaluation first.")
		}
		return nil, fmt.Errorf("load certificate for user %d: %w", userID, err)
	}
	return c, nil
}

// Verify looks a certificate up by the code a person typed or scanned.
func (l *Learning) Verify(ctx context.Context, code string) (*Certificate, error) {
	norm := NormaliseCode(code)
	if norm == "" {
		return nil, Errorf(ENOTFOUND, "We could not find a certificate with that code.")
	}
	c, err := l.Store.CertificateByCode(ctx, norm)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return nil, Errorf(ENOTFOUND, "We could not find a certificate with that code.")
		}
		return nil, fmt.Errorf("look up certificate: %w", err)
	}
	return c, nil
}
