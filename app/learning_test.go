package app_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/content"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// The Accounts and Learning services end to end, on every available real
// database (storetest.Each), with the small test course in
// content/testdata/small-course and an injected clock.

// clock is a settable time source for the services.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

var start = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

// smallCourse loads the test course every learning test uses.
func smallCourse(t *testing.T) *app.Course {
	t.Helper()
	c, err := content.Load(os.DirFS("content/testdata"), "small-course",
		content.Options{Placeholders: map[string]string{"partnership_name": "Test Partnership"}})
	if err != nil {
		t.Fatalf("load the small test course: %v", err)
	}
	return c
}

// Module and question IDs of the small course.
const (
	first  = "first-steps"
	second = "next-steps"
)

// rightFirst and rightSecond answer every question of each module rightly.
var (
	rightFirst  = app.FormAnswers{"m1-colour": {"b"}, "m1-fruits": {"a", "b"}, "m1-count": {"b"}}
	rightSecond = app.FormAnswers{"m2-day": {"a"}, "m2-shapes": {"a", "c"}, "m2-reflection": {"I will record what I see."}}
	evaluation  = app.EvaluationForm{"eval-useful": "4", "eval-confidence-after": "5", "eval-comments": "Short and clear."}
)

type fixture struct {
	store    *store.Store
	clock    *clock
	course   *app.Course
	accounts *app.Accounts
	learning *app.Learning
}

func newFixture(t *testing.T, s *store.Store) *fixture {
	t.Helper()
	f := &fixture{store: s, clock: &clock{now: start}, course: smallCourse(t)}
	f.accounts = &app.Accounts{Store: s, Now: f.clock.Now, IdleTimeout: 30 * time.Minute, MaxAge: 12 * time.Hour}
	f.learning = &app.Learning{Store: s, Course: f.course, Now: f.clock.Now, Partnership: "Test Partnership"}
	if err := s.EnsureOrganisations(context.Background(), app.StarterOrganisations); err != nil {
		t.Fatal(err)
	}
	return f
}

// register creates a learner whose password is "correct horse battery".
func (f *fixture) register(t *testing.T, name, email string) *app.User {
	t.Helper()
	orgs, err := f.store.Organisations(context.Background())
	if err != nil || len(orgs) == 0 {
		t.Fatalf("organisations: %v, %v", orgs, err)
	}
	u, err := f.accounts.Register(context.Background(), app.Registration{Name: name, Email: email,
		Password: "correct horse battery", OrganisationID: orgs[0].ID, JobRole: "Teacher"})
	if err != nil {
		t.Fatalf("register %s: %v", email, err)
	}
	return u
}

// pass opens a module, saves the answers and submits them, failing the test
// unless the module is passed.
func (f *fixture) pass(t *testing.T, u *app.User, moduleID string, answers app.FormAnswers) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.learning.OpenModule(ctx, u.ID, moduleID); err != nil {
		t.Fatalf("open %s: %v", moduleID, err)
	}
	if err := f.learning.SaveAnswers(ctx, u.ID, moduleID, answers); err != nil {
		t.Fatalf("save answers to %s: %v", moduleID, err)
	}
	res, err := f.learning.SubmitModule(ctx, u.ID, moduleID)
	if err != nil {
		t.Fatalf("submit %s: %v", moduleID, err)
	}
	if !res.Score.Passed {
		t.Fatalf("submit %s: %d/%d, want a pass", moduleID, res.Score.Correct, res.Score.Total)
	}
}

// rows counts a user's rows in a table.
func (f *fixture) rows(t *testing.T, table string, userID int64) int64 {
	t.Helper()
	var n int64
	if err := f.store.DB().Raw("SELECT COUNT(*) FROM "+table+" WHERE user_id = ?", userID).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := app.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v, want code %q", what, err, code)
	}
}

func TestAccountsRegisterAndSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		u := f.register(t, "Sam Smith", "Sam.Smith@Example.org")
		if u.ID == 0 || u.EmailNorm != "sam.smith@example.org" || !u.Has(app.RoleLearner) {
			t.Errorf("registered user = %+v, want an ID, the normalised email and the learner role", u)
		}

		_, err := f.accounts.Register(ctx, app.Registration{Name: "Sam Again", Email: " sam.smith@example.ORG ",
			Password: "another long password", OrganisationID: u.OrganisationID, JobRole: "Nurse"})
		wantCode(t, "register a taken email", err, app.EINVALID)
		if fs := app.ErrorFields(err); len(fs) != 1 || fs[0].Field != "email" {
			t.Errorf("register a taken email: fields %+v, want one on email", fs)
		}

		_, err = f.accounts.Register(ctx, app.Registration{Name: "No Org", Email: "no.org@example.org",
			Password: "another long password", OrganisationID: 999999, JobRole: "Nurse"})
		wantCode(t, "register with an unknown organisation", err, app.EINVALID)

		got, token, err := f.accounts.SignIn(ctx, "  SAM.SMITH@example.org", "correct horse battery")
		if err != nil || got.ID != u.ID || token == "" {
			t.Fatalf("sign in = %v, %q, %v; want user %d and a token", got, token, err, u.ID)
		}

		_, _, wrongPassword := f.accounts.SignIn(ctx, "sam.smith@example.org", "correct horse battery!")
		_, _, unknownEmail := f.accounts.SignIn(ctx, "nobody@example.org", "correct horse battery")
		wantCode(t, "sign in with a wrong password", wrongPassword, app.EINVALID)
		wantCode(t, "sign in with an unknown email", unknownEmail, app.EINVALID)
		if wrongPassword.Error() != unknownEmail.Error() ||
			!slices.Equal(app.ErrorFields(wrongPassword), app.ErrorFields(unknownEmail)) {
			t.Errorf("wrong password (%v) and unknown email (%v) must get the same answer", wrongPassword, unknownEmail)
		}
		if n := f.rows(t, "sessions", u.ID); n != 1 {
			t.Errorf("%d sessions after one successful sign-in, want 1", n)
		}
	})
}

func TestAccountsSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		u := f.register(t, "Sam Smith", "sam@example.org")

		signIn := func() string {
			t.Helper()
			_, token, err := f.accounts.SignIn(ctx, "sam@example.org", "correct horse battery")
			if err != nil {
				t.Fatal(err)
			}
			return token
		}

		t.Run("a live session resolves to its user", func(t *testing.T) {
			token := signIn()
			_, got, err := f.accounts.SessionUser(ctx, token)
			if err != nil || got.ID != u.ID || got.Organisation == "" {
				t.Fatalf("SessionUser = %+v, %v; want user %d with their organisation", got, err, u.ID)
			}
		})
		t.Run("signing out ends the session on the server", func(t *testing.T) {
			token := signIn()
			if err := f.accounts.SignOut(ctx, token); err != nil {
				t.Fatal(err)
			}
			_, _, err := f.accounts.SessionUser(ctx, token)
			wantCode(t, "session after sign-out", err, app.EUNAUTHORIZED)
			if err := f.accounts.SignOut(ctx, token); err != nil {
				t.Errorf("signing out twice: %v", err)
			}
		})
		t.Run("no token and a made-up token are unauthorised", func(t *testing.T) {
			_, _, err := f.accounts.SessionUser(ctx, "")
			wantCode(t, "no token", err, app.EUNAUTHORIZED)
			_, _, err = f.accounts.SessionUser(ctx, "made-up")
			wantCode(t, "made-up token", err, app.EUNAUTHORIZED)
		})
		t.Run("a session idle for the idle timeout has expired", func(t *testing.T) {
			token := signIn()
			f.clock.Advance(29 * time.Minute)
			if _, _, err := f.accounts.SessionUser(ctx, token); err != nil {
				t.Fatalf("after 29 idle minutes: %v", err)
			}
			f.clock.Advance(29 * time.Minute) // 58 minutes after sign-in, 29 after the last request
			if _, _, err := f.accounts.SessionUser(ctx, token); err != nil {
				t.Fatalf("a request extends the session: %v", err)
			}
			f.clock.Advance(30 * time.Minute)
			_, _, err := f.accounts.SessionUser(ctx, token)
			wantCode(t, "after 30 idle minutes", err, app.EUNAUTHORIZED)
		})
		t.Run("a session in use ends at its maximum age", func(t *testing.T) {
			token := signIn()
			for elapsed := time.Duration(0); elapsed < 12*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
				f.clock.Advance(20 * time.Minute)
				if _, _, err := f.accounts.SessionUser(ctx, token); err != nil {
					t.Fatalf("%v after sign-in, used every 20 minutes: %v", elapsed+20*time.Minute, err)
				}
			}
			f.clock.Advance(20 * time.Minute)
			_, _, err := f.accounts.SessionUser(ctx, token)
			wantCode(t, "12 hours after sign-in", err, app.EUNAUTHORIZED)
		})
	})
}

func TestLearningModulesOpenInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		u := f.register(t, "Sam Smith", "sam@example.org")

		_, err := f.learning.OpenModule(ctx, u.ID, second)
		wantCode(t, "open module 2 before passing module 1", err, app.EFORBIDDEN)
		if n, e := f.rows(t, "module_progress", u.ID), f.rows(t, "enrolments", u.ID); n != 0 || e != 0 {
			t.Errorf("a refused open wrote %d progress rows and %d enrolments, want none", n, e)
		}
		_, err = f.learning.OpenModule(ctx, u.ID, "no-such-module")
		wantCode(t, "open an unknown module", err, app.ENOTFOUND)

		view, err := f.learning.OpenModule(ctx, u.ID, first)
		if err != nil {
			t.Fatal(err)
		}
		if !view.CanAnswer || len(view.Answers) != 0 || view.Module.ID != first {
			t.Errorf("first open of module 1 = %+v, want an answerable module with no answers", view)
		}
		if n, e := f.rows(t, "module_progress", u.ID), f.rows(t, "enrolments", u.ID); n != 1 || e != 1 {
			t.Errorf("opening module 1 wrote %d progress rows and %d enrolments, want 1 and 1", n, e)
		}

		err = f.learning.SaveAnswer(ctx, u.ID, second, "m2-day", []string{"a"})
		wantCode(t, "answer a question of a locked module", err, app.EFORBIDDEN)
		err = f.learning.SaveAnswers(ctx, u.ID, second, rightSecond)
		wantCode(t, "save the answers of a locked module", err, app.EFORBIDDEN)
		_, err = f.learning.SubmitModule(ctx, u.ID, second)
		wantCode(t, "submit a locked module", err, app.EFORBIDDEN)
		if a, err := s.Answers(ctx, app.ModuleKey{UserID: u.ID, CourseID: f.course.ID, ModuleID: second}); err != nil || len(a) != 0 {
			t.Errorf("answers to the locked module = %v, %v; want none", a, err)
		}

		f.pass(t, u, first, rightFirst)
		if _, err := f.learning.OpenModule(ctx, u.ID, second); err != nil {
			t.Errorf("open module 2 after passing module 1: %v", err)
		}
		view, err = f.learning.OpenModule(ctx, u.ID, first)
		if err != nil || view.CanAnswer || len(view.Answers) != 3 {
			t.Errorf("revisit passed module 1 = %+v, %v; want it readable with its 3 answers and not answerable", view, err)
		}
	})
}

func TestLearningSavingAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		u := f.register(t, "Sam Smith", "sam@example.org")

		err := f.learning.SaveAnswer(ctx, u.ID, first, "m1-colour", []string{"b"})
		wantCode(t, "answer before opening the module", err, app.ECONFLICT)
		if _, err := f.learning.OpenModule(ctx, u.ID, first); err != nil {
			t.Fatal(err)
		}

		answers := func() app.Answers {
			t.Helper()
			a, err := s.Answers(ctx, app.ModuleKey{UserID: u.ID, CourseID: f.course.ID, ModuleID: first})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}

		refused := []struct {
			name     string
			question string
			values   []string
		}{
			{"an unknown question", "m9-nope", []string{"a"}},
			{"a question of another module", "m2-day", []string{"a"}},
			{"an option the question does not have", "m1-colour", []string{"z"}},
			{"two choices to a single", "m1-colour", []string{"a", "b"}},
			{"an over-long reflection", "m1-reflection", []string{strings.Repeat("x", app.MaxReflectionLength+1)}},
		}
		for _, tt := range refused {
			err := f.learning.SaveAnswer(ctx, u.ID, first, tt.question, tt.values)
			wantCode(t, "SaveAnswer: "+tt.name, err, app.EINVALID)
		}
		if a := answers(); len(a) != 0 {
			t.Fatalf("refused answers were written: %v", a)
		}

		if err := f.learning.SaveAnswer(ctx, u.ID, first, "m1-fruits", []string{"b", "a"}); err != nil {
			t.Fatal(err)
		}
		if err := f.learning.SaveAnswer(ctx, u.ID, first, "m1-reflection", []string{"Some thoughts"}); err != nil {
			t.Fatal(err)
		}
		a := answers()
		if !slices.Equal(a["m1-fruits"].Options, []string{"a", "b"}) || a["m1-reflection"].Text != "Some thoughts" || len(a) != 2 {
			t.Errorf("saved answers = %+v, want m1-fruits [a b] and the reflection", a)
		}
		if err := f.learning.SaveAnswer(ctx, u.ID, first, "m1-reflection", nil); err != nil {
			t.Fatal(err)
		}
		if _, ok := answers()["m1-reflection"]; ok {
			t.Errorf("saving no values kept the old answer; want it cleared")
		}

		form := app.FormAnswers{"m1-colour": {"b"}, "m1-fruits": {"a"}, "m2-day": {"a"}}
		err = f.learning.SaveAnswers(ctx, u.ID, first, form)
		wantCode(t, "SaveAnswers with a question from another module", err, app.EINVALID)
		form = app.FormAnswers{"m1-colour": {"b"}, "m1-fruits": {"a"}, "m1-count": {"a", "b"}}
		err = f.learning.SaveAnswers(ctx, u.ID, first, form)
		wantCode(t, "SaveAnswers with one invalid answer", err, app.EINVALID)
		if a := answers(); len(a) != 1 || !slices.Equal(a["m1-fruits"].Options, []string{"a", "b"}) {
			t.Errorf("a refused SaveAnswers changed the answers: %+v", a)
		}

		if err := f.learning.SaveAnswers(ctx, u.ID, first, app.FormAnswers{"m1-colour": {"a"}}); err != nil {
			t.Fatal(err)
		}
		if a := answers(); len(a) != 1 || !slices.Equal(a["m1-colour"].Options, []string{"a"}) {
			t.Errorf("after SaveAnswers of one question the answers are %+v; want only that one (the form is the whole module)", a)
		}
	})
}

// The autosave path checks the session in the same statement as the
// save: it saves for the session's learner, by the same rules as
// SaveAnswer, and refuses a session that has been signed out or has
// expired, saving nothing.
func TestLearningSaveAnswerInSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		u := f.register(t, "Sam Smith", "sam@example.org")
		other := f.register(t, "Kim Other", "kim@example.org")
		token, err := f.accounts.StartSession(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		save := func(token, question string, values ...string) error {
			t.Helper()
			id, err := f.learning.SaveAnswerInSession(ctx, f.accounts, token, first, question, values)
			if err == nil && id != u.ID {
				t.Fatalf("saved for user %d, want %d", id, u.ID)
			}
			return err
		}
		answers := func(userID int64) app.Answers {
			t.Helper()
			a, err := s.Answers(ctx, app.ModuleKey{UserID: userID, CourseID: f.course.ID, ModuleID: first})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}

		wantCode(t, "before opening the module", save(token, "m1-colour", "b"), app.ECONFLICT)
		for _, id := range []int64{u.ID, other.ID} {
			if _, err := f.learning.OpenModule(ctx, id, first); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, "an option the question does not have", save(token, "m1-colour", "z"), app.EINVALID)
		wantCode(t, "an unknown module", func() error {
			_, err := f.learning.SaveAnswerInSession(ctx, f.accounts, token, "no-such-module", "m1-colour", []string{"b"})
			return err
		}(), app.ENOTFOUND)
		if err := save(token, "m1-colour", "b"); err != nil {
			t.Fatal(err)
		}
		if err := save(token, "m1-fruits", "b", "a"); err != nil {
			t.Fatal(err)
		}
		if err := save(token, "m1-fruits"); err != nil { // no values: cleared
			t.Fatal(err)
		}
		if a := answers(u.ID); len(a) != 1 || !slices.Equal(a["m1-colour"].Options, []string{"b"}) {
			t.Fatalf("answers %+v, want only m1-colour b", a)
		}
		if a := answers(other.ID); len(a) != 0 {
			t.Fatalf("another learner's answers changed: %+v", a)
		}

		// The idle expiry moves on as for any request.
		f.clock.Advance(20 * time.Minute)
		if err := save(token, "m1-count", "a"); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(20 * time.Minute) // 40 minutes after sign-in, 20 after the last save
		if err := save(token, "m1-count", "b"); err != nil {
			t.Fatalf("a session kept alive by autosaves: %v", err)
		}

		for _, tt := range []struct {
			name  string
			token func() string
		}{
			{"no session", func() string { return "" }},
			{"a made-up token", func() string { return "made-up" }},
			{"a signed-out session", func() string {
				tok, err := f.accounts.StartSession(ctx, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if err := f.accounts.SignOut(ctx, tok); err != nil {
					t.Fatal(err)
				}
				return tok
			}},
			{"an expired session", func() string {
				tok, err := f.accounts.StartSession(ctx, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				f.clock.Advance(31 * time.Minute)
				return tok
			}},
		} {
			tok := tt.token()
			wantCode(t, tt.name, save(tok, "m1-colour", "a"), app.EUNAUTHORIZED)
			wantCode(t, tt.name+", with an invalid answer", save(tok, "m1-colour", "z"), app.EUNAUTHORIZED)
			if a := answers(u.ID); !slices.Equal(a["m1-colour"].Options, []string{"b"}) {
				t.Fatalf("%s changed an answer: %+v", tt.name, a)
			}
		}

		// Passed: closed for answers.
		token, err = f.accounts.StartSession(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		f.pass(t, u, first, rightFirst)
		wantCode(t, "after passing", save(token, "m1-colour", "a"), app.ECONFLICT)
	})
}

func TestLearningSubmitModule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		u := f.register(t, "Sam Smith", "sam@example.org")
		if _, err := f.learning.OpenModule(ctx, u.ID, first); err != nil {
			t.Fatal(err)
		}

		missing := []struct {
			name string
			form app.FormAnswers
			want []string
		}{
			{"nothing answered: every required question, not the optional reflection", nil, []string{"m1-colour", "m1-fruits", "m1-count"}},
			{"one answered", app.FormAnswers{"m1-fruits": {"a"}}, []string{"m1-colour", "m1-count"}},
			{"the optional reflection answered", app.FormAnswers{"m1-colour": {"b"}, "m1-fruits": {"a"}, "m1-reflection": {"x"}}, []string{"m1-count"}},
		}
		for _, tt := range missing {
			if err := f.learning.SaveAnswers(ctx, u.ID, first, tt.form); err != nil {
				t.Fatal(err)
			}
			_, err := f.learning.SubmitModule(ctx, u.ID, first)
			wantCode(t, "submit with "+tt.name, err, app.EINVALID)
			var got []string
			for _, fe := range app.ErrorFields(err) {
				got = append(got, fe.Field)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("submit with %s: fields %v, want %v", tt.name, got, tt.want)
			}
		}
		if n := f.rows(t, "attempts", u.ID); n != 0 {
			t.Fatalf("refused submissions recorded %d attempts", n)
		}

		// A failing attempt: the multiple-choice question half right.
		f.clock.Advance(5 * time.Minute)
		failing := app.FormAnswers{"m1-colour": {"b"}, "m1-fruits": {"a"}, "m1-count": {"b"}}
		if err := f.learning.SaveAnswers(ctx, u.ID, first, failing); err != nil {
			t.Fatal(err)
		}
		res, err := f.learning.SubmitModule(ctx, u.ID, first)
		if err != nil {
			t.Fatal(err)
		}
		if res.Score.Passed || res.Score.Correct != 2 || res.Score.Total != 3 || res.Attempt.Number != 1 {
			t.Errorf("first attempt = %d/%d passed %v number %d, want 2/3 failed number 1", res.Score.Correct, res.Score.Total, res.Score.Passed, res.Attempt.Number)
		}
		if len(res.Revisit) != 1 || res.Revisit[0].ID != "colours-and-fruit" {
			t.Errorf("revisit = %v, want the section colours-and-fruit", res.Revisit)
		}

		// Then a passing one.
		f.clock.Advance(5 * time.Minute)
		if err := f.learning.SaveAnswer(ctx, u.ID, first, "m1-fruits", []string{"a", "b"}); err != nil {
			t.Fatal(err)
		}
		res, err = f.learning.SubmitModule(ctx, u.ID, first)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Score.Passed || res.Attempt.Number != 2 || res.Attempt.Percent != 100 {
			t.Errorf("second attempt = %+v, want a pass at 100%%, number 2", res.Attempt)
		}

		atts, err := s.Attempts(ctx, app.ModuleKey{UserID: u.ID, CourseID: f.course.ID, ModuleID: first})
		if err != nil {
			t.Fatal(err)
		}
		if len(atts) != 2 {
			t.Fatalf("Attempts = %d, want both kept", len(atts))
		}
		for i, want := range []struct {
			number  int
			passed  bool
			correct int
			fruits  []string
		}{{1, false, 2, []string{"a"}}, {2, true, 3, []string{"a", "b"}}} {
			a := atts[i]
			if a.Number != want.number || a.Passed != want.passed || a.Correct != want.correct || a.Total != 3 ||
				!slices.Equal(a.Answers["m1-fruits"].Options, want.fruits) {
				t.Errorf("attempt %d = %+v, want number %d passed %v %d/3 with fruits %v", i, a, want.number, want.passed, want.correct, want.fruits)
			}
		}

		latest, err := f.learning.LatestResult(ctx, u.ID, first)
		if err != nil || latest.Attempt.Number != 2 || !latest.Score.Passed {
			t.Errorf("LatestResult = %+v, %v; want attempt 2, passed", latest, err)
		}
		_, err = f.learning.LatestResult(ctx, u.ID, second)
		wantCode(t, "LatestResult of a module never submitted", err, app.ENOTFOUND)

		p, err := f.learning.Progress(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		mp := p.Modules[first]
		if !mp.Passed() || mp.Attempts != 2 || mp.PassPercent != 100 || !mp.PassedAt.Equal(start.Add(10*time.Minute)) {
			t.Errorf("progress = %+v, want passed at %v on the second attempt", mp, start.Add(10*time.Minute))
		}

		err = f.learning.SaveAnswer(ctx, u.ID, first, "m1-colour", []string{"a"})
		wantCode(t, "SaveAnswer after passing", err, app.ECONFLICT)
		err = f.learning.SaveAnswers(ctx, u.ID, first, rightFirst)
		wantCode(t, "SaveAnswers after passing", err, app.ECONFLICT)
		_, err = f.learning.SubmitModule(ctx, u.ID, first)
		wantCode(t, "SubmitModule after passing", err, app.ECONFLICT)
		if n := f.rows(t, "attempts", u.ID); n != 2 {
			t.Errorf("%d attempts after the refused resubmission, want 2", n)
		}
	})
}

func TestLearningEvaluationIssuesOneCertificate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		u := f.register(t, "Zoë Ní Bhriain", "zoe@example.org")

		_, err := f.learning.SubmitEvaluation(ctx, u, evaluation)
		wantCode(t, "evaluation before any module", err, app.EFORBIDDEN)
		f.pass(t, u, first, rightFirst)
		_, err = f.learning.SubmitEvaluation(ctx, u, evaluation)
		wantCode(t, "evaluation with one of two modules passed", err, app.EFORBIDDEN)
		if e, c := f.rows(t, "evaluations", u.ID), f.rows(t, "certificates", u.ID); e != 0 || c != 0 {
			t.Fatalf("refused evaluations wrote %d evaluations and %d certificates", e, c)
		}
		_, err = f.learning.Certificate(ctx, u.ID)
		wantCode(t, "certificate before completion", err, app.ENOTFOUND)

		f.pass(t, u, second, rightSecond)
		_, err = f.learning.SubmitEvaluation(ctx, u, app.EvaluationForm{"eval-useful": "4"})
		wantCode(t, "evaluation with a required item missing", err, app.EINVALID)

		f.clock.Advance(time.Hour)
		completed := f.clock.Now()
		cert, err := f.learning.SubmitEvaluation(ctx, u, evaluation)
		if err != nil {
			t.Fatal(err)
		}
		want := app.Certificate{
			UserID: u.ID, CourseID: "small-course", LearnerName: "Zoë Ní Bhriain", CourseTitle: "Small Course",
			Modules: []string{"First steps", "Next steps"}, CompletedAt: completed, IssuedAt: completed,
			ExpiresAt: completed.AddDate(0, 36, 0), CPDMinutes: f.course.Minutes(), Partnership: "Test Partnership",
		}
		if f.course.Minutes() == 0 {
			t.Errorf("the course has no minutes, so CPD minutes prove nothing")
		}
		checkCertificate(t, "issued", cert, want)
		if app.NormaliseCode(cert.Code) != cert.Code {
			t.Errorf("code %q is not in its stored form", cert.Code)
		}
		stored, err := f.learning.Certificate(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkCertificate(t, "stored", stored, want)
		if stored.Code != cert.Code || stored.ID != cert.ID {
			t.Errorf("stored certificate %d %s, issued %d %s", stored.ID, stored.Code, cert.ID, cert.Code)
		}

		p, err := f.learning.Progress(ctx, u.ID)
		if err != nil || !p.Completed() || p.CanEvaluate() || p.Certificate == nil || p.Certificate.Code != cert.Code {
			t.Errorf("progress after the evaluation = %+v, %v; want completed with the certificate", p, err)
		}
		ev, err := s.Evaluation(ctx, u.ID, f.course.ID)
		if err != nil || ev.Ratings["eval-useful"] != 4 || ev.Ratings["eval-confidence-after"] != 5 || ev.Comments["eval-comments"] != "Short and clear." {
			t.Errorf("stored evaluation = %+v, %v", ev, err)
		}

		f.clock.Advance(time.Hour)
		_, err = f.learning.SubmitEvaluation(ctx, u, evaluation)
		wantCode(t, "a second evaluation", err, app.ECONFLICT)
		if n := f.rows(t, "certificates", u.ID); n != 1 {
			t.Errorf("%d certificates after a second evaluation, want exactly 1", n)
		}

		for _, typed := range []string{cert.Code, app.FormatCode(cert.Code), strings.ToLower(app.FormatCode(cert.Code))} {
			found, err := f.learning.Verify(ctx, typed)
			if err != nil || found.ID != cert.ID {
				t.Errorf("Verify(%q) = %+v, %v; want certificate %d", typed, found, err, cert.ID)
			}
		}
		for _, typed := range []string{"nonsense", "", app.NewCertificateCode()} {
			_, err := f.learning.Verify(ctx, typed)
			wantCode(t, "Verify("+typed+")", err, app.ENOTFOUND)
		}
	})
}

func checkCertificate(t *testing.T, what string, got *app.Certificate, want app.Certificate) {
	t.Helper()
	if got.ID == 0 || len(got.Code) != 24 {
		t.Errorf("%s certificate has ID %d and code %q", what, got.ID, got.Code)
	}
	if got.UserID != want.UserID || got.CourseID != want.CourseID || got.LearnerName != want.LearnerName ||
		got.CourseTitle != want.CourseTitle || !slices.Equal(got.Modules, want.Modules) || got.CPDMinutes != want.CPDMinutes ||
		got.Partnership != want.Partnership || got.RevokedAt != nil {
		t.Errorf("%s certificate = %+v\nwant %+v", what, got, want)
	}
	for _, tt := range []struct {
		name      string
		got, want time.Time
	}{{"CompletedAt", got.CompletedAt, want.CompletedAt}, {"IssuedAt", got.IssuedAt, want.IssuedAt}, {"ExpiresAt", got.ExpiresAt, want.ExpiresAt}} {
		if !tt.got.Equal(tt.want) {
			t.Errorf("%s certificate %s = %v, want %v", what, tt.name, tt.got, tt.want)
		}
	}
	if got.Status(want.CompletedAt) != app.CertificateValid || got.Status(want.ExpiresAt) != app.CertificateExpired {
		t.Errorf("%s certificate is not valid from completion until expiry", what)
	}
}

func TestLearningLearnersCannotSeeEachOthersAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		a := f.register(t, "Alex A", "alex@example.org")
		b := f.register(t, "Bo B", "bo@example.org")

		if _, err := f.learning.OpenModule(ctx, a.ID, first); err != nil {
			t.Fatal(err)
		}
		if err := f.learning.SaveAnswers(ctx, a.ID, first, app.FormAnswers{"m1-colour": {"b"}, "m1-reflection": {"Private thoughts"}}); err != nil {
			t.Fatal(err)
		}

		view, err := f.learning.OpenModule(ctx, b.ID, first)
		if err != nil {
			t.Fatal(err)
		}
		if len(view.Answers) != 0 {
			t.Errorf("learner B's module page shows answers %+v; want none", view.Answers)
		}
		if got, err := s.Answers(ctx, app.ModuleKey{UserID: b.ID, CourseID: f.course.ID, ModuleID: first}); err != nil || len(got) != 0 {
			t.Errorf("Answers for learner B = %+v, %v; want none", got, err)
		}
		if got, err := s.Answers(ctx, app.ModuleKey{UserID: a.ID, CourseID: f.course.ID, ModuleID: first}); err != nil || len(got) != 2 {
			t.Errorf("Answers for learner A = %+v, %v; want their 2", got, err)
		}

		// B's progress is B's own: A's module 1 does not open B's module 2.
		f.pass(t, a, first, rightFirst)
		_, err = f.learning.OpenModule(ctx, b.ID, second)
		wantCode(t, "learner B opens module 2 after A passed module 1", err, app.EFORBIDDEN)
	})
}

// The module form's Submit saves the answers and submits them in one
// transaction; a submission refused for a question left blank keeps the
// answers given, as Save answers would, and records no attempt.
func TestLearningSubmitAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		u := f.register(t, "Sol Submit", "sol@example.org")
		if _, err := f.learning.OpenModule(ctx, u.ID, first); err != nil {
			t.Fatal(err)
		}
		_, err := f.learning.SubmitAnswers(ctx, u.ID, first, app.FormAnswers{"m1-nonsense": {"a"}})
		wantCode(t, "a question not in the module", err, app.EINVALID)

		f.clock.Advance(3 * time.Minute)
		_, err = f.learning.SubmitAnswers(ctx, u.ID, first, app.FormAnswers{"m1-colour": {"a"}, "m1-reflection": {"I would ask."}})
		wantCode(t, "two questions left blank", err, app.EINVALID)
		if got := len(app.ErrorFields(err)); got != 2 {
			t.Errorf("two questions left blank: %d fields, want 2", got)
		}
		v, err := f.learning.OpenModule(ctx, u.ID, first)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Answers["m1-colour"].Chose("a") || v.Answers["m1-reflection"].Text != "I would ask." || len(v.Answers) != 2 {
			t.Errorf("after a refused submission the answers are %+v, want the two given", v.Answers)
		}
		if n := f.rows(t, "attempts", u.ID); n != 0 {
			t.Fatalf("a refused submission recorded %d attempts", n)
		}

		f.clock.Advance(2 * time.Minute)
		res, err := f.learning.SubmitAnswers(ctx, u.ID, first, rightFirst)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Score.Passed || res.Attempt.Number != 1 {
			t.Errorf("submitting the right answers: passed %v, attempt %d; want a pass, attempt 1", res.Score.Passed, res.Attempt.Number)
		}
		v, err = f.learning.OpenModule(ctx, u.ID, first)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Answers["m1-colour"].Chose("b") || v.Answers["m1-reflection"].Text != "" {
			t.Errorf("after the pass the saved answers are %+v, want the ones submitted", v.Answers)
		}
		if got := v.Progress.Modules[first].SecondsSpent; got != 5*60 {
			t.Errorf("time spent %d s, want 300 (the two gaps)", got)
		}
		_, err = f.learning.SubmitAnswers(ctx, u.ID, first, rightFirst)
		wantCode(t, "submitting again after the pass", err, app.ECONFLICT)
		f.consistent(t, u, first)
	})
}
