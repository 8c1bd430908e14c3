package app_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// Two requests for one learner at the same moment must end in a state one
// order or the other could produce. These tests interleave them
// deterministically: the first operation is held inside the store after it
// has read what it decides on (store.PauseAfterDecision), the second is
// started and must wait for it, then the first is released.

// gate holds the first operation named op that reaches it.
type gate struct {
	op       string
	taken    atomic.Bool
	reached  chan struct{}
	released chan struct{}
}

func newGate(s *store.Store, op string) *gate {
	g := &gate{op: op, reached: make(chan struct{}), released: make(chan struct{})}
	s.PauseAfterDecision(func(got string) {
		if got == g.op && g.taken.CompareAndSwap(false, true) {
			close(g.reached)
			<-g.released
		}
	})
	return g
}

// interleave runs first until it is held at the gate, starts second, checks
// that second waits for first, releases first, and returns both errors.
func interleave(t *testing.T, g *gate, first, second func() error) (err1, err2 error) {
	t.Helper()
	done1, done2 := make(chan error, 1), make(chan error, 1)
	go func() { done1 <- first() }()
	select {
	case <-g.reached:
	case err := <-done1:
		t.Fatalf("the first operation finished without reaching the %q gate: %v", g.op, err)
	case <-time.After(10 * time.Second):
		t.Fatalf("the first operation never reached the %q gate", g.op)
	}
	go func() { done2 <- second() }()
	select {
	case err := <-done2:
		// Only an operation that decides nothing from the held row may
		// finish first; report it so the caller can judge.
		close(g.released)
		return <-done1, errWithEarly{err}
	case <-time.After(300 * time.Millisecond):
	}
	close(g.released)
	return <-done1, <-done2
}

// errWithEarly marks the second operation's result as having come before
// the first was released.
type errWithEarly struct{ err error }

func (e errWithEarly) Error() string {
	if e.err == nil {
		return "finished early without error"
	}
	return "finished early: " + e.err.Error()
}

// consistent fails the test unless the learner's progress in module agrees
// with their attempts and their summary, and the next module opens once
// this one is passed.
func (f *fixture) consistent(t *testing.T, u *app.User, moduleID string) {
	t.Helper()
	ctx := context.Background()
	db := f.store.DB()
	var p struct {
		Attempts int
		Passed   bool
	}
	if err := db.Raw(`SELECT attempts, passed_at IS NOT NULL AS passed FROM module_progress WHERE user_id = ? AND module_id = ?`, u.ID, moduleID).Scan(&p).Error; err != nil {
		t.Fatal(err)
	}
	var a struct {
		N      int
		Passes int
	}
	if err := db.Raw(`SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN passed THEN 1 ELSE 0 END), 0) AS passes FROM attempts WHERE user_id = ? AND module_id = ?`, u.ID, moduleID).Scan(&a).Error; err != nil {
		t.Fatal(err)
	}
	if p.Attempts != a.N || p.Passed != (a.Passes > 0) || a.Passes > 1 {
		t.Fatalf("progress says %d attempts, passed %v; attempts table has %d attempts, %d passes", p.Attempts, p.Passed, a.N, a.Passes)
	}
	var e struct{ ModulesPassed int }
	if err := db.Raw(`SELECT modules_passed FROM enrolments WHERE user_id = ?`, u.ID).Scan(&e).Error; err != nil {
		t.Fatal(err)
	}
	var passedModules int
	if err := db.Raw(`SELECT COUNT(*) FROM module_progress WHERE user_id = ? AND passed_at IS NOT NULL`, u.ID).Scan(&passedModules).Error; err != nil {
		t.Fatal(err)
	}
	if e.ModulesPassed != passedModules {
		t.Fatalf("summary says %d modules passed; progress has %d", e.ModulesPassed, passedModules)
	}
	if p.Passed {
		if _, err := f.learning.OpenModule(ctx, u.ID, second); err != nil {
			t.Fatalf("module 2 after passing module 1: %v", err)
		}
	} else if _, err := f.learning.SubmitModule(ctx, u.ID, moduleID); err != nil && app.ErrorCode(err) != app.EINVALID {
		t.Fatalf("a learner who has not passed cannot submit again: %v", err)
	}
}

func TestLearningConcurrentRequestsInterleaved(t *testing.T) {
	wrongColour := app.FormAnswers{"m1-colour": {"a"}, "m1-fruits": {"a", "b"}, "m1-count": {"b"}}
	cases := []struct {
		name   string
		gate   string
		first  func(f *fixture, u *app.User) error
		second func(f *fixture, u *app.User) error
		// want2 is the error code the second must end with ("" for none).
		want2 string
		// passed is whether module 1 must end passed.
		passed bool
	}{
		{"double submit: the second sees the pass and is refused", "submit",
			func(f *fixture, u *app.User) error {
				return submitErr(f.learning.SubmitModule(context.Background(), u.ID, first))
			},
			func(f *fixture, u *app.User) error {
				return submitErr(f.learning.SubmitModule(context.Background(), u.ID, first))
			},
			app.ECONFLICT, true},
		{"double click on the form's Submit: the second sees the pass and is refused", "submit",
			func(f *fixture, u *app.User) error {
				return submitErr(f.learning.SubmitAnswers(context.Background(), u.ID, first, rightFirst))
			},
			func(f *fixture, u *app.User) error {
				return submitErr(f.learning.SubmitAnswers(context.Background(), u.ID, first, rightFirst))
			},
			app.ECONFLICT, true},
		{"the form's Submit with a wrong answer during a passing submit is refused, and changes no answer", "submit",
			func(f *fixture, u *app.User) error {
				return submitErr(f.learning.SubmitModule(context.Background(), u.ID, first))
			},
			func(f *fixture, u *app.User) error {
				return submitErr(f.learning.SubmitAnswers(context.Background(), u.ID, first, wrongColour))
			},
			app.ECONFLICT, true},
		{"autosave during a submit waits, then is refused", "submit",
			func(f *fixture, u *app.User) error {
				return submitErr(f.learning.SubmitModule(context.Background(), u.ID, first))
			},
			func(f *fixture, u *app.User) error {
				return f.learning.SaveAnswer(context.Background(), u.ID, first, "m1-colour", []string{"a"})
			},
			app.ECONFLICT, true},
		{"autosave in a session during a submit waits, then is refused", "submit",
			func(f *fixture, u *app.User) error {
				return submitErr(f.learning.SubmitModule(context.Background(), u.ID, first))
			},
			func(f *fixture, u *app.User) error {
				ctx := context.Background()
				token, err := f.accounts.StartSession(ctx, u.ID)
				if err != nil {
					return err
				}
				_, err = f.learning.SaveAnswerInSession(ctx, f.accounts, token, first, "m1-colour", []string{"a"})
				return err
			},
			app.ECONFLICT, true},
		{"Save answers during a submit waits, then is refused", "submit",
			func(f *fixture, u *app.User) error {
				return submitErr(f.learning.SubmitModule(context.Background(), u.ID, first))
			},
			func(f *fixture, u *app.User) error {
				return f.learning.SaveAnswers(context.Background(), u.ID, first, wrongColour)
			},
			app.ECONFLICT, true},
		{"a page view during a submit does not undo the pass", "submit",
			func(f *fixture, u *app.User) error {
				return submitErr(f.learning.SubmitModule(context.Background(), u.ID, first))
			},
			func(f *fixture, u *app.User) error {
				_, err := f.learning.OpenModule(context.Background(), u.ID, first)
				return err
			},
			"", true},
		{"a submit during Save answers marks the answers just saved", "save answers",
			func(f *fixture, u *app.User) error {
				return f.learning.SaveAnswers(context.Background(), u.ID, first, wrongColour)
			},
			func(f *fixture, u *app.User) error {
				return submitErr(f.learning.SubmitModule(context.Background(), u.ID, first))
			},
			"", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				f := newFixture(t, s)
				u := f.register(t, "Rae Race", "rae@example.org")
				ctx := context.Background()
				if _, err := f.learning.OpenModule(ctx, u.ID, first); err != nil {
					t.Fatal(err)
				}
				if err := f.learning.SaveAnswers(ctx, u.ID, first, rightFirst); err != nil {
					t.Fatal(err)
				}
				f.clock.Advance(2 * time.Minute) // so that visits are due and write
				g := newGate(s, tc.gate)
				err1, err2 := interleave(t, g, func() error { return tc.first(f, u) }, func() error { return tc.second(f, u) })
				s.PauseAfterDecision(nil)
				if early, ok := err2.(errWithEarly); ok {
					t.Fatalf("the second operation did not wait for the first: %v", early)
				}
				if err1 != nil {
					t.Fatalf("first operation: %v", err1)
				}
				if got := app.ErrorCode(err2); got != tc.want2 {
					t.Fatalf("second operation: %v, want code %q", err2, tc.want2)
				}
				var passed bool
				if err := s.DB().Raw(`SELECT passed_at IS NOT NULL FROM module_progress WHERE user_id = ? AND module_id = ?`, u.ID, first).Scan(&passed).Error; err != nil {
					t.Fatal(err)
				}
				if passed != tc.passed {
					t.Fatalf("module 1 passed = %v, want %v", passed, tc.passed)
				}
				f.consistent(t, u, first)
			})
		})
	}
}

func submitErr(_ *app.Result, err error) error { return err }

// TestLearningEvaluationTwiceAtOnceIssuesOneCertificate holds one
// evaluation after its decision while a second is sent.
func TestLearningEvaluationTwiceAtOnceIssuesOneCertificate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		u := f.register(t, "Eve Twice", "eve@example.org")
		f.pass(t, u, first, rightFirst)
		f.pass(t, u, second, rightSecond)
		g := newGate(s, "complete")
		send := func() error { _, err := f.learning.SubmitEvaluation(context.Background(), u, evaluation); return err }
		err1, err2 := interleave(t, g, send, send)
		s.PauseAfterDecision(nil)
		if _, ok := err2.(errWithEarly); ok || err1 != nil || app.ErrorCode(err2) != app.ECONFLICT {
			t.Fatalf("evaluations sent at once: %v and %v; want success, then ECONFLICT after waiting", err1, err2)
		}
		if n := f.rows(t, "certificates", u.ID); n != 1 {
			t.Fatalf("%d certificates, want 1", n)
		}
	})
}

// TestLearningConcurrentMixNeverInconsistent fires mixes of up to five
// requests at once for one learner, many times, and checks the invariants
// after each round.
func TestLearningConcurrentMixNeverInconsistent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		for round := 0; round < 20; round++ {
			u := f.register(t, "Mix Learner", "mix"+string(rune('a'+round))+"@example.org")
			if _, err := f.learning.OpenModule(ctx, u.ID, first); err != nil {
				t.Fatal(err)
			}
			if err := f.learning.SaveAnswers(ctx, u.ID, first, rightFirst); err != nil {
				t.Fatal(err)
			}
			token, err := f.accounts.StartSession(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			ops := []func() error{
				func() error { return submitErr(f.learning.SubmitModule(ctx, u.ID, first)) },
				func() error { return submitErr(f.learning.SubmitModule(ctx, u.ID, first)) },
				func() error { return f.learning.SaveAnswer(ctx, u.ID, first, "m1-count", []string{"b"}) },
				func() error { _, err := f.learning.OpenModule(ctx, u.ID, first); return err },
				func() error { return f.learning.SaveAnswers(ctx, u.ID, first, rightFirst) },
				func() error { return submitErr(f.learning.SubmitAnswers(ctx, u.ID, first, rightFirst)) },
				func() error {
					_, err := f.learning.SaveAnswerInSession(ctx, f.accounts, token, first, "m1-colour", []string{"a"})
					return err
				},
			}
			n := 2 + round%4
			var wg sync.WaitGroup
			for i := 0; i < n; i++ {
				op := ops[(i+round)%len(ops)]
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := op(); err != nil && app.ErrorCode(err) != app.ECONFLICT {
						t.Errorf("round %d: %v", round, err)
					}
				}()
			}
			wg.Wait()
			f.clock.Advance(2 * time.Minute)
			f.consistent(t, u, first)
		}
	})
}
