package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

func knowledgeCheckUser(t *testing.T, st *store.Store, email string) int64 {
	t.Helper()
	ctx := context.Background()
	if err := st.EnsureOrganisations(ctx, app.StarterOrganisations); err != nil {
		t.Fatal(err)
	}
	orgs, err := st.Organisations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u := &app.User{Name: "Kit Check", Email: email, EmailNorm: email, PasswordHash: "x", OrganisationID: orgs[0].ID,
		JobRole: "Tester", Roles: []string{app.RoleLearner}, CreatedAt: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestKnowledgeChecksAreTakenOncePerPhase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		at := time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC)
		kim := knowledgeCheckUser(t, st, "kim@example.org")
		lee := knowledgeCheckUser(t, st, "lee@example.org")
		save := func(user int64, phase string, correct int) error {
			return st.SaveKnowledgeCheck(ctx, app.KnowledgeCheckResult{UserID: user, CourseID: "c", Phase: phase,
				Answers: map[string]string{"k1": "a"}, Correct: correct, Total: 5, TakenAt: at})
		}
		if err := save(kim, app.CheckBefore, 2); err != nil {
			t.Fatal(err)
		}
		if err := save(kim, app.CheckBefore, 5); app.ErrorCode(err) != app.ECONFLICT {
			t.Fatalf("a second check before: err = %v, want ECONFLICT", err)
		}
		if err := save(kim, app.CheckAfter, 4); err != nil {
			t.Fatal(err)
		}
		// Two requests racing for the same phase: exactly one is recorded.
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = save(lee, app.CheckBefore, i%5) }()
		}
		wg.Wait()
		saved := 0
		for _, err := range errs {
			switch app.ErrorCode(err) {
			case "":
				saved++
			case app.ECONFLICT:
			default:
				t.Errorf("racing save: %v", err)
			}
		}
		if saved != 1 {
			t.Errorf("%d racing saves succeeded, want 1", saved)
		}

		taken, err := st.KnowledgeCheckPhases(ctx, kim, "c")
		if err != nil || !taken[app.CheckBefore] || !taken[app.CheckAfter] {
			t.Errorf("kim's phases = %v, %v; want before and after", taken, err)
		}
		if other, err := st.KnowledgeCheckPhases(ctx, kim, "another-course"); err != nil || len(other) != 0 {
			t.Errorf("phases in another course = %v, %v; want none", other, err)
		}
		before, after, err := st.KnowledgeCheckPercents(ctx, "c")
		if err != nil {
			t.Fatal(err)
		}
		if before[kim] != 40 || after[kim] != 80 || len(before) != 2 || len(after) != 1 {
			t.Errorf("percents before %v after %v, want kim 40 then 80 and lee before only", before, after)
		}
		if g := app.MeanKnowledgeGain(before, after); g.Learners != 1 || g.MeanGain != 40 || g.BeforeOnly != 1 {
			t.Errorf("gain = %+v", g)
		}
	})
}
