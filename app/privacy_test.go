package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// A learner's download holds their own records, reflections included, and
// taking it is audited.
func TestExportHoldsOwnData(t *testing.T) {
	s := storetest.SQLite(t)
	f := newOvFixture(t, s)
	ctx := context.Background()
	lena := f.user(t, "Lena Learner", "lena@example.org", "")
	f.pass(t, lena, first, rightFirst)
	f.pass(t, lena, second, rightSecond)
	if _, err := f.learning.SubmitEvaluation(ctx, lena, evaluation); err != nil {
		t.Fatal(err)
	}
	p := &app.Privacy{Store: s, Course: f.course, Now: f.clock.Now, Notice: app.PrivacyNotice{RetentionMonths: 72}}
	x, err := p.Export(ctx, lena)
	if err != nil {
		t.Fatal(err)
	}
	if x.Account.Email != "lena@example.org" || len(x.Modules) != 2 || len(x.Certificates) != 1 || x.Evaluation == nil {
		t.Fatalf("export %+v", x)
	}
	if x.Modules[1].Answers["m2-reflection"].Text != "I will record what I see." {
		t.Errorf("the reflection is missing from the export: %+v", x.Modules[1].Answers)
	}
	var csv strings.Builder
	for _, r := range x.ExportRows() {
		csv.WriteString(strings.Join(r, ",") + "\n")
	}
	if !strings.Contains(csv.String(), "I will record what I see.") || !strings.Contains(csv.String(), "lena@example.org") {
		t.Errorf("the CSV rows lack the reflection or the email:\n%s", csv.String())
	}
	if n := countWhere(t, f, "audit_log", "subject_user_id = ? AND action = ?", lena.ID, "downloaded own data"); n != 1 {
		t.Errorf("%d audit entries for the download, want 1", n)
	}
}

func countWhere(t *testing.T, f *ovFixture, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := f.store.DB().Table(table).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// Erasure on request removes personal data, keeps the certificate
// verifiable with the holder's details removed, and is audited; only an
// administrator may do it, once.
func TestEraseOnRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newOvFixture(t, s)
		ctx := context.Background()
		ada := f.user(t, "Ada Admin", "ada@example.org", "", app.RoleAdmin)
		cora := f.user(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator)
		mia := f.user(t, "Mia Manager", "mia@example.org", "", app.RoleManager)
		lena := f.user(t, "Lena Learner", "lena@example.org", "mia@example.org")
		if err := f.o.AcceptStaff(ctx, mia, lena.ID); err != nil {
			t.Fatal(err)
		}
		f.pass(t, lena, first, rightFirst)
		f.pass(t, lena, second, rightSecond)
		cert, err := f.learning.SubmitEvaluation(ctx, lena, evaluation)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.accounts.StartSession(ctx, lena.ID); err != nil {
			t.Fatal(err)
		}
		p := &app.Privacy{Store: s, Course: f.course, Now: f.clock.Now, Notice: app.PrivacyNotice{RetentionMonths: 72}}
		wantCode(t, "a coordinator erasing", p.Erase(ctx, cora, lena.ID, "email to the DPO"), app.EFORBIDDEN)
		wantCode(t, "erasing without a reason", p.Erase(ctx, ada, lena.ID, " "), app.EINVALID)
		if err := p.Erase(ctx, ada, lena.ID, "email to the DPO, 3 May"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "erasing twice", p.Erase(ctx, ada, lena.ID, "again"), app.ENOTFOUND)

		u, err := s.UserByID(ctx, lena.ID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(u.Name+u.Email+u.JobRole+u.ManagerEmail, "ena") || u.EmailVerifiedAt != nil {
			t.Errorf("erased account still holds personal data: %+v", u)
		}
		if _, err := s.UserByEmail(ctx, "lena@example.org"); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("the old address still finds the account: %v", err)
		}
		for _, table := range []string{"answers", "sessions", "link_tokens", "emails"} {
			if n := f.rows(t, table, lena.ID); n != 0 {
				t.Errorf("%d rows left in %s", n, table)
			}
		}
		if n := countWhere(t, f, "evaluation_responses", "user_id = ? AND comment IS NOT NULL", lena.ID); n != 0 {
			t.Errorf("%d evaluation comments left", n)
		}
		if n := countWhere(t, f, "manager_links", "learner_id = ?", lena.ID); n != 0 {
			t.Error("the manager still sees the erased learner")
		}
		if n := f.rows(t, "attempts", lena.ID); n == 0 {
			t.Error("attempts were deleted: the figures lose a completion")
		}
		v, err := f.learning.Verify(ctx, cert.Code)
		if err != nil {
			t.Fatalf("the certificate no longer verifies: %v", err)
		}
		if !v.HolderErased() || v.Status(f.clock.Now()) != app.CertificateValid {
			t.Errorf("verified certificate %+v: want valid with the holder's details removed", v)
		}
		if n := countWhere(t, f, "audit_log", "subject_user_id = ? AND action = ? AND actor_id = ?", lena.ID, "erased account on request", ada.ID); n != 1 {
			t.Errorf("%d audit entries for the erasure, want 1", n)
		}
		if _, _, err := f.accounts.SignIn(ctx, "lena@example.org", "correct horse battery"); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("signing in to an erased account: %v", err)
		}
	})
}

// An account nobody signs in to for the retention period is warned by
// email 30 days before and then erased, unless someone signs in between.
func TestScheduledErasure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newOvFixture(t, s)
		ctx := context.Background()
		m := mailOutbox(t, s, f.clock.Now)
		idle := f.user(t, "Ivy Idle", "ivy@example.org", "")
		back := f.user(t, "Ben Back", "ben@example.org", "")
		f.user(t, "Ada Admin", "ada@example.org", "", app.RoleAdmin)
		p := &app.Privacy{Store: s, Course: f.course, Mail: m, Now: f.clock.Now, Notice: app.PrivacyNotice{RetentionMonths: 72}}
		run := func(wantWarned, wantErased int) {
			t.Helper()
			w, e, err := p.EraseInactive(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if w != wantWarned || e != wantErased {
				t.Fatalf("at %s: warned %d and erased %d, want %d and %d", f.clock.Now().Format("2006-01-02"), w, e, wantWarned, wantErased)
			}
		}
		created := f.clock.Now()
		f.clock.now = created.AddDate(6, 0, 0).Add(-31 * 24 * time.Hour)
		run(0, 0)
		f.clock.now = created.AddDate(6, 0, 0).Add(-29 * 24 * time.Hour)
		run(2, 0)
		run(0, 0)
		got := outboxKinds(t, s)
		if len(got["ivy@example.org"]) != 1 || got["ivy@example.org"][0] != "erasure_warning" || len(got["ada@example.org"]) != 0 {
			t.Errorf("warnings %v: want one to each learner and none to the administrator", got)
		}
		f.clock.Advance(24 * time.Hour)
		if _, err := f.accounts.StartSession(ctx, back.ID); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(30 * 24 * time.Hour)
		run(0, 1)
		if u, _ := s.UserByID(ctx, idle.ID); u.Email == "ivy@example.org" {
			t.Error("the idle account was not erased")
		}
		if u, _ := s.UserByID(ctx, back.ID); u.Email != "ben@example.org" {
			t.Error("an account that signed in after the warning was erased")
		}
		if n := countWhere(t, f, "audit_log", "subject_user_id = ? AND detail = ?", idle.ID, "scheduled erasure"); n != 1 {
			t.Errorf("%d audit entries for the scheduled erasure, want 1", n)
		}
	})
}
