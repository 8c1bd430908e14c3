package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// autosaveLearner is a learner signed in (token hash) at start, with
// module m1 started then.
func autosaveLearner(t *testing.T, st *store.Store, email string, start time.Time) (int64, string) {
	t.Helper()
	ctx := context.Background()
	user := knowledgeCheckUser(t, st, email)
	if err := st.StartModule(ctx, app.ModuleKey{UserID: user, CourseID: "c", ModuleID: "m1"}, start); err != nil {
		t.Fatal(err)
	}
	return user, autosaveSession(t, st, user, start, start.Add(24*time.Hour))
}

func autosaveSession(t *testing.T, st *store.Store, user int64, at, expires time.Time) string {
	t.Helper()
	_, hash := app.NewSessionToken()
	if err := st.CreateSession(context.Background(), &app.Session{TokenHash: hash, UserID: user, CreatedAt: at, LastSeenAt: at, ExpiresAt: expires}); err != nil {
		t.Fatal(err)
	}
	return hash
}

// passM1 submits m1 for the learner and marks it passed.
func passM1(t *testing.T, st *store.Store, user int64, at time.Time) error {
	t.Helper()
	k := app.ModuleKey{UserID: user, CourseID: "c", ModuleID: "m1"}
	_, err := st.SubmitModule(context.Background(), k, at,
		[]app.Answer{{UserID: user, CourseID: "c", ModuleID: "m1", QuestionID: "q1", Options: []string{"a"}, UpdatedAt: at}},
		func(_ []app.ModuleProgress, saved app.Answers) (*app.Attempt, error) {
			return &app.Attempt{Correct: 1, Total: 1, Percent: 100, Passed: true, Answers: saved, Right: map[string]bool{"q1": true}}, nil
		}, nil)
	return err
}

func storedAnswer(t *testing.T, st *store.Store, user int64, question string) (app.Answer, bool) {
	t.Helper()
	answers, err := st.Answers(context.Background(), app.ModuleKey{UserID: user, CourseID: "c", ModuleID: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	a, ok := answers[question]
	return a, ok
}

func m1Answer(at time.Time, question string, options ...string) app.Answer {
	return app.Answer{CourseID: "c", ModuleID: "m1", QuestionID: question, Options: options, UpdatedAt: at}
}

// holdSubmit starts a submit that passes the learner's m1 and holds it
// after its decision, with their module row locked, until release is
// called; submitted then gives its error.
func holdSubmit(t *testing.T, st *store.Store, user int64, at time.Time) (submitted <-chan error, release func()) {
	t.Helper()
	held, released := make(chan struct{}), make(chan struct{})
	var once, releaseOnce sync.Once
	st.PauseAfterDecision(func(op string) {
		if op == "submit" {
			once.Do(func() { close(held); <-released })
		}
	})
	done := make(chan error, 1)
	go func() { done <- passM1(t, st, user, at) }()
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the submit never reached its decision")
	}
	release = func() { releaseOnce.Do(func() { close(released) }) }
	t.Cleanup(release)
	return done, release
}

// Autosaves sent together are one statement, and each is decided as if it
// had been sent alone: a live session's save to an open module is written;
// a passed module, a module not started, or a session expired refuses
// that save only; a cleared answer is deleted; a visit due is recorded.
//
// It holds with prepared statements and without them (for PgBouncer in
// transaction mode), where the batch's arrays are sent as literals.
func TestAutosavesSentTogetherAreDecidedOneByOne(t *testing.T) {
	for _, noPrepare := range []bool{false, true} {
		t.Run(fmt.Sprintf("without prepared statements %v", noPrepare), func(t *testing.T) {
			autosavesDecidedOneByOne(t, storetest.PostgresWith(t, store.Options{NoPreparedStatements: noPrepare}))
		})
	}
}

func autosavesDecidedOneByOne(t *testing.T, st *store.Store) {
	ctx := context.Background()
	start := time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC)
	at := start.Add(30 * time.Second)

	open, openTok := autosaveLearner(t, st, "open@example.org", start)
	passed, passedTok := autosaveLearner(t, st, "passed@example.org", start)
	if err := passM1(t, st, passed, start.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	expired := knowledgeCheckUser(t, st, "expired@example.org")
	if err := st.StartModule(ctx, app.ModuleKey{UserID: expired, CourseID: "c", ModuleID: "m1"}, start); err != nil {
		t.Fatal(err)
	}
	expiredTok := autosaveSession(t, st, expired, start.Add(-time.Hour), at)
	unstarted := knowledgeCheckUser(t, st, "unstarted@example.org")
	unstartedTok := autosaveSession(t, st, unstarted, start, start.Add(time.Hour))
	clearing, clearingTok := autosaveLearner(t, st, "clearing@example.org", start)
	if err := st.SaveAnswer(ctx, app.Answer{UserID: clearing, CourseID: "c", ModuleID: "m1", QuestionID: "r1", Text: "A note", UpdatedAt: start}); err != nil {
		t.Fatal(err)
	}
	due, dueTok := autosaveLearner(t, st, "due@example.org", start.Add(-2*app.VisitInterval))

	saves := []store.SessionAnswer{
		{TokenHash: openTok, Now: at, Answer: m1Answer(at, "q2", "a", "c")},
		{TokenHash: passedTok, Now: at, Answer: m1Answer(at, "q1", "b")},
		{TokenHash: expiredTok, Now: at, Answer: m1Answer(at, "q1", "b")},
		{TokenHash: unstartedTok, Now: at, Answer: m1Answer(at, "q1", "b")},
		{TokenHash: clearingTok, Now: at, Answer: m1Answer(at, "r1")},
		{TokenHash: dueTok, Now: at, Answer: app.Answer{CourseID: "c", ModuleID: "m1", QuestionID: "r1", Text: "Ask the school", UpdatedAt: at}},
	}
	sessions, errs, together := st.AutosaveBatch(ctx, saves)
	if !together {
		t.Fatal("the batch was not written as one statement")
	}
	wantUser := []int64{open, passed, 0, unstarted, clearing, due}
	for i, se := range sessions {
		switch {
		case wantUser[i] == 0 && se != nil:
			t.Errorf("save %d: session %+v, want none (expired)", i, se)
		case wantUser[i] != 0 && (se == nil || se.UserID != wantUser[i] || se.TokenHash != saves[i].TokenHash):
			t.Errorf("save %d: session %+v, want user %d's", i, se, wantUser[i])
		}
	}
	for i, ok := range []func(error) bool{
		func(err error) bool { return err == nil },
		func(err error) bool { return errors.Is(err, app.ErrNotAnswerable) },
		func(err error) bool { return app.ErrorCode(err) == app.ENOTFOUND },
		func(err error) bool { return errors.Is(err, app.ErrNotAnswerable) },
		func(err error) bool { return err == nil },
		func(err error) bool { return err == nil },
	} {
		if !ok(errs[i]) {
			t.Errorf("save %d (%s): error %v", i, []string{"open", "passed", "expired", "not started", "cleared", "visit due"}[i], errs[i])
		}
	}
	if a, ok := storedAnswer(t, st, open, "q2"); !ok || fmt.Sprint(a.Options) != "[a c]" || !a.UpdatedAt.Equal(at) {
		t.Errorf("the open module's answer = %+v, %v; want [a c] at %v", a, ok, at)
	}
	if a, _ := storedAnswer(t, st, passed, "q1"); fmt.Sprint(a.Options) != "[a]" {
		t.Errorf("the passed module's answer = %+v, want the submitted [a], unchanged", a)
	}
	for _, u := range []int64{expired, unstarted} {
		if a, ok := storedAnswer(t, st, u, "q1"); ok {
			t.Errorf("user %d's refused save was written: %+v", u, a)
		}
	}
	if a, ok := storedAnswer(t, st, clearing, "r1"); ok {
		t.Errorf("the cleared answer is still there: %+v", a)
	}
	if a, _ := storedAnswer(t, st, due, "r1"); a.Text != "Ask the school" {
		t.Errorf("the visit-due learner's answer = %+v", a)
	}
	var spent []int
	if err := st.DB().Raw(`SELECT seconds_spent FROM module_progress WHERE user_id IN (?, ?) ORDER BY user_id = ?`, open, due, due).Scan(&spent).Error; err != nil {
		t.Fatal(err)
	}
	if len(spent) != 2 || spent[0] != 0 || spent[1] <= 0 {
		t.Errorf("seconds spent (no visit due, visit due) = %v, want 0 and the gap counted", spent)
	}
	// The batch's statement restates the decisions of a save sent alone
	// (autosaveAlone): sent again one by one, each save gets the same
	// answer as in the batch.
	for i, sa := range saves {
		alone, aloneErrs, _ := st.AutosaveBatch(ctx, []store.SessionAnswer{sa})
		if (alone[0] == nil) != (sessions[i] == nil) || (alone[0] != nil && alone[0].UserID != sessions[i].UserID) ||
			app.ErrorCode(aloneErrs[0]) != app.ErrorCode(errs[i]) || errors.Is(aloneErrs[0], app.ErrNotAnswerable) != errors.Is(errs[i], app.ErrNotAnswerable) {
			t.Errorf("save %d alone: %+v, %v; in the batch: %+v, %v", i, alone[0], aloneErrs[0], sessions[i], errs[i])
		}
	}
}

// Two sessions of one learner writing one answer in one batch would make
// its upsert change a row twice, which PostgreSQL refuses for the whole
// statement: then each save is sent again alone, and both succeed, the
// answer ending as one of them.
func TestAutosavesTheBatchCannotWriteAreSentAlone(t *testing.T) {
	st := storetest.Postgres(t)
	ctx := context.Background()
	start := time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC)
	at := start.Add(30 * time.Second)
	user, phone := autosaveLearner(t, st, "two-devices@example.org", start)
	laptop := autosaveSession(t, st, user, start, start.Add(time.Hour))
	other, otherTok := autosaveLearner(t, st, "other@example.org", start)
	sessions, errs, together := st.AutosaveBatch(ctx, []store.SessionAnswer{
		{TokenHash: phone, Now: at, Answer: m1Answer(at, "q1", "a")},
		{TokenHash: laptop, Now: at, Answer: m1Answer(at, "q1", "b")},
		{TokenHash: otherTok, Now: at, Answer: m1Answer(at, "q1", "c")},
	})
	if together {
		t.Fatal("a batch writing one answer row twice was written as one statement")
	}
	for i, err := range errs {
		if err != nil || sessions[i] == nil {
			t.Errorf("save %d sent alone: %+v, %v", i, sessions[i], err)
		}
	}
	if a, _ := storedAnswer(t, st, user, "q1"); fmt.Sprint(a.Options) != "[a]" && fmt.Sprint(a.Options) != "[b]" {
		t.Errorf("the learner's answer = %+v, want one of the two saves", a)
	}
	if a, _ := storedAnswer(t, st, other, "q1"); fmt.Sprint(a.Options) != "[c]" {
		t.Errorf("the other learner's answer = %+v, want [c]", a)
	}
}

// Saves that arrive while the worker is busy are gathered into its next
// statement, one per session: a session's second save waits for the batch
// after, so it is written after its first.
func TestAutosavesArrivingTogetherShareAStatement(t *testing.T) {
	st := storetest.Postgres(t)
	ctx := context.Background()
	start := time.Now().UTC().Truncate(time.Second)
	const learners = 20
	users, tokens := make([]int64, learners), make([]string, learners)
	for i := range learners {
		users[i], tokens[i] = autosaveLearner(t, st, fmt.Sprintf("l%d@example.org", i), start)
	}
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	st.PauseAfterDecision(func(op string) {
		if op == "autosave batch" {
			once.Do(func() { close(held); <-release })
		}
	})
	var wg sync.WaitGroup
	errs := make(chan error, 2*learners)
	save := func(i int, option string) {
		defer wg.Done()
		_, err := st.SaveAnswerInSession(ctx, tokens[i], start, m1Answer(start, "q1", option))
		errs <- err
	}
	wg.Add(1)
	go save(0, "a")
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the worker never took the first save")
	}
	// Learner 0's second save, then every other learner's two.
	wg.Add(1)
	go save(0, "b")
	waitQueued(t, st, 1)
	for i := 1; i < learners; i++ {
		wg.Add(1)
		go save(i, "a")
		waitQueued(t, st, 2*i)
		wg.Add(1)
		go save(i, "b")
		waitQueued(t, st, 2*i+1)
	}
	before := st.AutosaveBatches()
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := st.AutosaveBatches() - before; n != 2 {
		t.Errorf("%d saves were sent in %d statements, want 2 (each session's first save, then its second)", 2*learners, n)
	}
	for i, u := range users {
		if a, _ := storedAnswer(t, st, u, "q1"); fmt.Sprint(a.Options) != "[b]" {
			t.Errorf("learner %d's answer = %+v, want the second save, [b]", i, a)
		}
	}
}

func waitQueued(t *testing.T, st *store.Store, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); st.AutosavesQueued() < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d saves queued, want %d", st.AutosavesQueued(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// A batch that reaches a module row a submit holds waits for the submit;
// once it has passed the module, that learner's save is refused and the
// answer it submitted stands, while the other learners' saves in the same
// statement are written.
func TestAnAutosaveBatchWaitsForASubmit(t *testing.T) {
	st := storetest.Postgres(t)
	ctx := context.Background()
	start := time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC)
	at := start.Add(30 * time.Second)
	submitter, submitterTok := autosaveLearner(t, st, "submitter@example.org", start)
	other, otherTok := autosaveLearner(t, st, "beside@example.org", start)
	submitted, release := holdSubmit(t, st, submitter, at)
	type result struct {
		errs     []error
		together bool
	}
	batched := make(chan result, 1)
	go func() {
		_, errs, together := st.AutosaveBatch(ctx, []store.SessionAnswer{
			{TokenHash: otherTok, Now: at, Answer: m1Answer(at, "q1", "c")},
			{TokenHash: submitterTok, Now: at, Answer: m1Answer(at, "q1", "c")},
		})
		batched <- result{errs, together}
	}()
	select {
	case r := <-batched:
		t.Fatalf("the batch finished while the submit held the module row: %+v", r)
	case <-time.After(300 * time.Millisecond):
	}
	release()
	if err := <-submitted; err != nil {
		t.Fatal(err)
	}
	r := <-batched
	if !r.together || r.errs[0] != nil || !errors.Is(r.errs[1], app.ErrNotAnswerable) {
		t.Errorf("the batch after the pass: %+v, want one statement, the other learner's save written and the submitter's refused", r)
	}
	if a, _ := storedAnswer(t, st, submitter, "q1"); fmt.Sprint(a.Options) != "[a]" {
		t.Errorf("the submitter's answer = %+v, want the submitted [a]", a)
	}
	if a, _ := storedAnswer(t, st, other, "q1"); fmt.Sprint(a.Options) != "[c]" {
		t.Errorf("the other learner's answer = %+v, want [c]", a)
	}
}

// A save held behind a lock (a submit of the same learner's module) holds
// the worker up for autosaveTimeout at most: then it is handed back to its
// own request, which waits for the submit and is refused once the module
// is passed, while another learner's save, sent meanwhile, is written.
func TestASaveHeldBehindALockDoesNotHoldUpOthers(t *testing.T) {
	st := storetest.Postgres(t)
	ctx := context.Background()
	store.SetAutosaveTimeout(t, 300*time.Millisecond)
	start := time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC)
	at := start.Add(30 * time.Second)
	submitter, submitterTok := autosaveLearner(t, st, "held@example.org", start)
	other, otherTok := autosaveLearner(t, st, "free@example.org", start)
	submitted, release := holdSubmit(t, st, submitter, at)
	heldSave := make(chan error, 1)
	go func() {
		_, err := st.SaveAnswerInSession(ctx, submitterTok, at, m1Answer(at, "q1", "c"))
		heldSave <- err
	}()
	time.Sleep(50 * time.Millisecond) // the worker is now waiting on the submit's lock
	otherSave := make(chan error, 1)
	go func() {
		_, err := st.SaveAnswerInSession(ctx, otherTok, at, m1Answer(at, "q1", "c"))
		otherSave <- err
	}()
	select {
	case err := <-otherSave:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the other learner's save waited behind the held one for 5 s")
	}
	if a, _ := storedAnswer(t, st, other, "q1"); fmt.Sprint(a.Options) != "[c]" {
		t.Errorf("the other learner's answer = %+v, want [c]", a)
	}
	select {
	case err := <-heldSave:
		t.Fatalf("the held save finished while the submit held its module: %v", err)
	default:
	}
	release()
	if err := <-submitted; err != nil {
		t.Fatal(err)
	}
	if err := <-heldSave; !errors.Is(err, app.ErrNotAnswerable) {
		t.Errorf("the held save after the pass: %v, want it refused", err)
	}
	if a, _ := storedAnswer(t, st, submitter, "q1"); fmt.Sprint(a.Options) != "[a]" {
		t.Errorf("the submitter's answer = %+v, want the submitted [a]", a)
	}
}
