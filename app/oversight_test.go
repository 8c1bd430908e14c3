package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// The Oversight service: what managers, coordinators and administrators
// may see and change, on every available real database, with the small
// test course and the injected clock of learning_test.go.

// ---------------------------------------------------------------------------
// Rules that need no database.

func TestLearnerRowStatus(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	day := 24 * time.Hour
	done := func(r app.LearnerRow) app.LearnerRow { // completed with a current certificate
		r.StartedAt, r.CompletedAt, r.ModulesPassed = at(-400*day), at(-300*day), 2
		if r.CertificateCode == "" && r.CertificateRevokedAt == nil {
			r.CertificateCode = "CODE"
		}
		if r.CertificateExpiresAt == nil && r.CertificateRevokedAt == nil {
			r.CertificateExpiresAt = at(700 * day)
		}
		return r
	}
	for _, tc := range []struct {
		rule string
		row  app.LearnerRow
		want app.LearnerStatus
	}{
		{"no enrolment is not started", app.LearnerRow{}, app.LearnerNotStarted},
		{"a started module is in progress", app.LearnerRow{StartedAt: at(-day), ModulesStarted: 1}, app.LearnerInProgress},
		{"every module passed but no evaluation is still in progress", app.LearnerRow{StartedAt: at(-day), ModulesStarted: 2, ModulesPassed: 2}, app.LearnerInProgress},
		{"a completed course is completed", done(app.LearnerRow{}), app.LearnerCompleted},
		{"a manager's confirmation makes it confirmed", done(app.LearnerRow{ConfirmedAt: at(-day)}), app.LearnerConfirmed},
		{"a confirmation without completion counts for nothing", app.LearnerRow{StartedAt: at(-day), ConfirmedAt: at(-day)}, app.LearnerInProgress},
		{"expiry more than 60 days away is not due", done(app.LearnerRow{CertificateExpiresAt: at(app.RefresherWindow + time.Second)}), app.LearnerCompleted},
		{"expiry exactly 60 days away is refresher due", done(app.LearnerRow{CertificateExpiresAt: at(app.RefresherWindow)}), app.LearnerRefresherDue},
		{"expiry a moment away is refresher due", done(app.LearnerRow{CertificateExpiresAt: at(time.Second)}), app.LearnerRefresherDue},
		{"refresher due wins over confirmed", done(app.LearnerRow{ConfirmedAt: at(-day), CertificateExpiresAt: at(10 * day)}), app.LearnerRefresherDue},
		{"a certificate expires at exactly its expiry time", done(app.LearnerRow{CertificateExpiresAt: at(0)}), app.LearnerExpired},
		{"a certificate past expiry is expired", done(app.LearnerRow{CertificateExpiresAt: at(-day)}), app.LearnerExpired},
		{"expired wins over confirmed", done(app.LearnerRow{ConfirmedAt: at(-day), CertificateExpiresAt: at(-day)}), app.LearnerExpired},
		{"a revoked certificate is revoked", done(app.LearnerRow{CertificateRevokedAt: at(-day)}), app.LearnerRevoked},
		{"revoked wins over confirmed", done(app.LearnerRow{ConfirmedAt: at(-day), CertificateRevokedAt: at(-day)}), app.LearnerRevoked},
		{"revoked wins over expired", done(app.LearnerRow{CertificateRevokedAt: at(-day), CertificateExpiresAt: at(-day)}), app.LearnerRevoked},
		{"a reissued certificate (a current code) is not revoked", done(app.LearnerRow{CertificateCode: "NEW", CertificateRevokedAt: at(-day), CertificateExpiresAt: at(700 * day)}), app.LearnerCompleted},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			if got := tc.row.Status(now); got != tc.want {
				t.Errorf("Status = %q, want %q (row %+v)", got, tc.want, tc.row)
			}
		})
	}
}

func TestCSVCell(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{`=HYPERLINK("http://evil.example","click")`, `'=HYPERLINK("http://evil.example","click")`},
		{"=1+1", "'=1+1"},
		{"+44 20 7946 0000", "'+44 20 7946 0000"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1:A2)", "'@SUM(A1:A2)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"", ""},
		{"Alex Learner", "Alex Learner"},
		{"O'Brien", "O'Brien"},
		{"Anne-Marie", "Anne-Marie"},
		{"a=b", "a=b"},
		{" =1+1", " =1+1"}, // a leading space makes it text already
		{"2026-05-01", "2026-05-01"},
		{"12", "12"},
		{"Élodie", "Élodie"},
		{"'quoted", "'quoted"},
		{"Nurse;=1+1", "Nurse;'=1+1"},
		{"=1;+2;-3", "'=1;'+2;'-3"},
		{"a;b", "a;b"},
		{"Nurse; =1+1", "Nurse; =1+1"}, // a space first: text already, as above
		{"x;;@y", "x;;'@y"},
	} {
		if got := app.CSVCell(tc.in); got != tc.want {
			t.Errorf("CSVCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestGrantableRoles(t *testing.T) {
	for _, tc := range []struct {
		who   string
		roles []string
		want  []string
	}{
		{"a learner grants nothing", []string{app.RoleLearner}, nil},
		{"a manager grants nothing", []string{app.RoleLearner, app.RoleManager}, nil},
		{"a coordinator grants manager and coordinator, never admin", []string{app.RoleLearner, app.RoleCoordinator}, []string{app.RoleManager, app.RoleCoordinator}},
		{"an administrator grants every role", []string{app.RoleLearner, app.RoleAdmin}, []string{app.RoleManager, app.RoleCoordinator, app.RoleAdmin}},
		{"an administrator who coordinates grants every role", []string{app.RoleLearner, app.RoleCoordinator, app.RoleAdmin}, []string{app.RoleManager, app.RoleCoordinator, app.RoleAdmin}},
	} {
		if got := app.GrantableRoles(&app.User{Roles: tc.roles}); !slices.Equal(got, tc.want) {
			t.Errorf("%s: GrantableRoles = %v, want %v", tc.who, got, tc.want)
		}
	}
	if got := app.GrantableRoles(nil); got != nil {
		t.Errorf("nobody grants %v, want nothing", got)
	}
}

// ---------------------------------------------------------------------------
// The service, on real databases.

type ovFixture struct {
	*fixture
	o   *app.Oversight
	ctx context.Context
}

func newOvFixture(t *testing.T, s *store.Store) *ovFixture {
	f := newFixture(t, s)
	return &ovFixture{fixture: f, o: &app.Oversight{Store: s, Learning: f.learning, Now: f.clock.Now}, ctx: context.Background()}
}

// user creates a person directly in the store (no password hashing: the
// oversight rules do not sign anyone in), naming managerEmail as their
// line manager, with the learner role and any others given.
func (f *ovFixture) user(t *testing.T, name, email, managerEmail string, roles ...string) *app.User {
	t.Helper()
	orgs, err := f.store.Organisations(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	u := &app.User{Name: name, Email: email, EmailNorm: app.NormaliseEmail(email), PasswordHash: "x", OrganisationID: orgs[0].ID,
		JobRole: "Social worker", ManagerEmail: app.NormaliseEmail(managerEmail), Roles: append([]string{app.RoleLearner}, roles...), CreatedAt: f.clock.Now()}
	u.EmailVerifiedAt = &u.CreatedAt
	if err := f.store.CreateUser(f.ctx, u); err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return f.reload(t, u)
}

func (f *ovFixture) reload(t *testing.T, u *app.User) *app.User {
	t.Helper()
	got, err := f.store.UserByID(f.ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// complete passes both modules and sends the evaluation, which issues the
// certificate.
func (f *ovFixture) complete(t *testing.T, u *app.User) *app.Certificate {
	t.Helper()
	f.pass(t, u, first, rightFirst)
	f.pass(t, u, second, rightSecond)
	cert, err := f.learning.SubmitEvaluation(f.ctx, u, evaluation)
	if err != nil {
		t.Fatalf("evaluation of %s: %v", u.Email, err)
	}
	return cert
}

func (f *ovFixture) count(t *testing.T, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := f.store.DB().Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *ovFixture) auditCount(t *testing.T) int64 {
	t.Helper()
	return f.count(t, "SELECT COUNT(*) FROM audit_log")
}

// wantOneAudit runs change and checks that it wrote exactly one audit entry,
// naming actor, action and subject (nil for none).
func (f *ovFixture) wantOneAudit(t *testing.T, actor *app.User, action string, subject *app.User, change func() error) app.AuditEntry {
	t.Helper()
	before := f.auditCount(t)
	if err := change(); err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	if n := f.auditCount(t) - before; n != 1 {
		t.Fatalf("%s wrote %d audit entries, want exactly 1", action, n)
	}
	var e struct {
		ActorID       int64
		Action        string
		SubjectUserID *int64
		Detail        string
		CreatedAt     time.Time
	}
	if err := f.store.DB().Raw("SELECT actor_id, action, subject_user_id, detail, created_at FROM audit_log ORDER BY id DESC LIMIT 1").Scan(&e).Error; err != nil {
		t.Fatal(err)
	}
	if e.ActorID != actor.ID || e.Action != action || !e.CreatedAt.Equal(f.clock.Now()) {
		t.Errorf("audit entry %+v, want actor %d, action %q at %v", e, actor.ID, action, f.clock.Now())
	}
	switch {
	case subject == nil && e.SubjectUserID != nil:
		t.Errorf("%s: audit subject %d, want none", action, *e.SubjectUserID)
	case subject != nil && (e.SubjectUserID == nil || *e.SubjectUserID != subject.ID):
		t.Errorf("%s: audit subject %v, want %d", action, e.SubjectUserID, subject.ID)
	}
	return app.AuditEntry{ActorID: e.ActorID, Action: e.Action, SubjectUserID: e.SubjectUserID, Detail: e.Detail}
}

// wantNoAudit checks that a refused change left the audit trail alone.
func (f *ovFixture) wantNoAudit(t *testing.T, what string, before int64) {
	t.Helper()
	if n := f.auditCount(t) - before; n != 0 {
		t.Errorf("%s wrote %d audit entries, want none", what, n)
	}
}

func staffIDs(rows []app.StaffRow) map[int64]bool {
	out := map[int64]bool{}
	for _, r := range rows {
		out[r.UserID] = r.Accepted
	}
	return out
}

func TestOversightStaffScoping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newOvFixture(t, s)
		mia := f.user(t, "Mia Manager", "mia.manager@example.org", "", app.RoleManager)
		xan := f.user(t, "Xan Manager", "xan@example.org", "", app.RoleManager)
		yve := f.user(t, "Yve Manager", "yve@example.org", "", app.RoleManager)
		// Registration normalises the manager's email as typed.
		orgs, _ := s.Organisations(f.ctx)
		lena, err := f.accounts.Register(f.ctx, app.Registration{Name: "Lena Learner", Email: "lena@example.org", Password: "correct horse battery",
			OrganisationID: orgs[0].ID, JobRole: "Nurse", ManagerEmail: "  Mia.Manager@EXAMPLE.org "})
		if err != nil {
			t.Fatal(err)
		}
		omar := f.user(t, "Omar Other", "omar@example.org", "mia.manager@example.org")
		xeno := f.user(t, "Xeno Learner", "xeno@example.org", "xan@example.org")
		f.user(t, "Nell Nobody", "nell@example.org", "")
		f.pass(t, omar, first, rightFirst) // progress a pending row must not carry

		rows, err := f.o.Staff(f.ctx, mia)
		if err != nil {
			t.Fatal(err)
		}
		if got := staffIDs(rows); len(got) != 2 || got[lena.ID] || got[omar.ID] || !hasKey(got, lena.ID) || !hasKey(got, omar.ID) {
			t.Fatalf("Mia's staff %v, want Lena and Omar, both waiting to be accepted", got)
		}
		for _, r := range rows {
			if len(r.Modules) != 0 {
				t.Errorf("pending %s carries module progress %+v", r.Name, r.Modules)
			}
		}
		if rows, _ := f.o.Staff(f.ctx, xan); len(rows) != 1 || rows[0].UserID != xeno.ID {
			t.Errorf("Xan's staff %+v, want only Xeno", rows)
		}
		if rows, _ := f.o.Staff(f.ctx, yve); len(rows) != 0 {
			t.Errorf("Yve, whom nobody named, sees %+v", rows)
		}

		t.Run("nobody's detail before acceptance, nor anyone else's", func(t *testing.T) {
			_, _, err := f.o.StaffMember(f.ctx, mia, lena.ID)
			wantCode(t, "Mia sees pending Lena", err, app.ENOTFOUND)
			_, _, err = f.o.StaffMember(f.ctx, mia, xeno.ID)
			wantCode(t, "Mia sees Xan's Xeno", err, app.ENOTFOUND)
			_, _, err = f.o.StaffMember(f.ctx, mia, 987654)
			wantCode(t, "Mia sees someone who does not exist", err, app.ENOTFOUND)
			_, _, err = f.o.StaffMember(f.ctx, mia, mia.ID)
			wantCode(t, "Mia sees herself", err, app.ENOTFOUND)
			before := f.auditCount(t)
			wantCode(t, "Mia accepts Xan's Xeno", f.o.AcceptStaff(f.ctx, mia, xeno.ID), app.ENOTFOUND)
			wantCode(t, "Mia accepts someone who does not exist", f.o.AcceptStaff(f.ctx, mia, 987654), app.ENOTFOUND)
			_, err = f.o.ConfirmTraining(f.ctx, mia, lena.ID, "")
			wantCode(t, "Mia confirms pending Lena", err, app.ENOTFOUND)
			_, err = f.o.ConfirmTraining(f.ctx, mia, xeno.ID, "")
			wantCode(t, "Mia confirms Xan's Xeno", err, app.ENOTFOUND)
			f.wantNoAudit(t, "refused manager actions", before)
			if n := f.count(t, "SELECT COUNT(*) FROM manager_links"); n != 0 {
				t.Errorf("%d manager links after refused acceptances", n)
			}
		})

		t.Run("accepting", func(t *testing.T) {
			f.wantOneAudit(t, mia, "manager accepted staff member", lena, func() error { return f.o.AcceptStaff(f.ctx, mia, lena.ID) })
			before := f.auditCount(t)
			if err := f.o.AcceptStaff(f.ctx, mia, lena.ID); err != nil {
				t.Fatalf("accepting again: %v", err)
			}
			f.wantNoAudit(t, "accepting again", before)
			rows, _ := f.o.Staff(f.ctx, mia)
			if got := staffIDs(rows); !got[lena.ID] || got[omar.ID] {
				t.Errorf("after accepting Lena: %v, want Lena accepted and Omar still pending", got)
			}
			row, conf, err := f.o.StaffMember(f.ctx, mia, lena.ID)
			if err != nil || row.UserID != lena.ID || conf != nil {
				t.Errorf("StaffMember(Lena) = %+v, %+v, %v; want Lena, no confirmation", row, conf, err)
			}
			_, _, err = f.o.StaffMember(f.ctx, xan, lena.ID)
			wantCode(t, "Xan sees Mia's accepted Lena", err, app.ENOTFOUND)
			if rows, _ := f.o.Staff(f.ctx, xan); len(rows) != 1 || rows[0].UserID != xeno.ID {
				t.Errorf("after Mia accepted Lena, Xan's staff %+v, want only Xeno", rows)
			}
		})
	})
}

func hasKey(m map[int64]bool, k int64) bool { _, ok := m[k]; return ok }

func TestOversightConfirmTraining(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newOvFixture(t, s)
		mia := f.user(t, "Mia Manager", "mia@example.org", "", app.RoleManager)
		coord := f.user(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator)
		lena := f.user(t, "Lena Learner", "lena@example.org", "mia@example.org")
		if err := f.o.AcceptStaff(f.ctx, mia, lena.ID); err != nil {
			t.Fatal(err)
		}

		f.pass(t, lena, first, rightFirst)
		f.pass(t, lena, second, rightSecond)
		before := f.auditCount(t)
		_, err := f.o.ConfirmTraining(f.ctx, mia, lena.ID, "")
		wantCode(t, "confirm before the evaluation completes the course", err, app.ECONFLICT)
		f.wantNoAudit(t, "a refused confirmation", before)
		if n := f.count(t, "SELECT COUNT(*) FROM confirmations"); n != 0 {
			t.Fatalf("%d confirmations for someone who has not completed", n)
		}

		if _, err := f.learning.SubmitEvaluation(f.ctx, lena, evaluation); err != nil {
			t.Fatal(err)
		}
		_, err = f.o.ConfirmTraining(f.ctx, mia, lena.ID, strings.Repeat("n", app.MaxNoteLength+1))
		wantCode(t, "a note over 1,000 characters", err, app.EINVALID)
		if fs := app.ErrorFields(err); len(fs) != 1 || fs[0].Field != "note" {
			t.Errorf("fields %+v, want one on note", fs)
		}
		f.wantNoAudit(t, "a refused note", before)

		f.clock.Advance(3 * time.Hour)
		confirmedAt := f.clock.Now()
		var conf *app.Confirmation
		f.wantOneAudit(t, mia, "manager confirmed training", lena, func() (err error) {
			conf, err = f.o.ConfirmTraining(f.ctx, mia, lena.ID, "  Discussed in supervision.  ")
			return err
		})
		if conf.ManagerID != mia.ID || conf.ManagerName != "Mia Manager" || !conf.ConfirmedAt.Equal(confirmedAt) || conf.Note != "Discussed in supervision." || conf.LearnerID != lena.ID {
			t.Errorf("confirmation %+v, want Mia at %v with the trimmed note", conf, confirmedAt)
		}

		t.Run("confirming again returns the first confirmation", func(t *testing.T) {
			f.clock.Advance(time.Hour)
			before := f.auditCount(t)
			again, err := f.o.ConfirmTraining(f.ctx, mia, lena.ID, "A different note")
			if err != nil {
				t.Fatal(err)
			}
			if !again.ConfirmedAt.Equal(confirmedAt) || again.Note != "Discussed in supervision." || again.ManagerID != mia.ID {
				t.Errorf("second confirmation %+v, want the first one", again)
			}
			if n := f.count(t, "SELECT COUNT(*) FROM confirmations WHERE learner_id = ?", lena.ID); n != 1 {
				t.Errorf("%d confirmation rows, want 1", n)
			}
			f.wantNoAudit(t, "confirming again", before)
		})

		t.Run("the coordinator sees it", func(t *testing.T) {
			_, got, err := f.o.StaffMember(f.ctx, mia, lena.ID)
			if err != nil || got == nil || !got.ConfirmedAt.Equal(confirmedAt) {
				t.Errorf("StaffMember confirmation %+v, %v", got, err)
			}
			d, err := f.o.Learner(f.ctx, coord, lena.ID)
			if err != nil {
				t.Fatal(err)
			}
			if d.Confirmation == nil || d.Confirmation.ManagerName != "Mia Manager" || d.Confirmation.Note != "Discussed in supervision." {
				t.Errorf("coordinator's learner detail confirmation %+v", d.Confirmation)
			}
			if st := d.Row.Status(f.clock.Now()); st != app.LearnerConfirmed || d.Row.ConfirmedAt == nil || !d.Row.ConfirmedAt.Equal(confirmedAt) {
				t.Errorf("row status %q, confirmed at %v; want confirmed at %v", st, d.Row.ConfirmedAt, confirmedAt)
			}
			rows, total, err := f.o.Learners(f.ctx, coord, app.LearnerQuery{Status: app.LearnerConfirmed})
			if err != nil || total != 1 || len(rows) != 1 || rows[0].UserID != lena.ID {
				t.Errorf("confirmed learners %+v (total %d, %v), want Lena", rows, total, err)
			}
			dash, err := f.o.Dashboard(f.ctx, coord, "")
			if err != nil || dash.Confirmed != 1 || dash.Completed != 1 {
				t.Errorf("dashboard %+v, %v: want 1 completed and 1 confirmed", dash, err)
			}
		})

		t.Run("a new manager email drops the acceptance", func(t *testing.T) {
			form := func(manager string) app.Registration {
				return app.Registration{Name: "Lena Learner", OrganisationID: lena.OrganisationID, JobRole: "Nurse", ManagerEmail: manager}
			}
			// Changing only the job role keeps the acceptance.
			if err := f.o.UpdateProfile(f.ctx, lena, form("MIA@example.org")); err != nil {
				t.Fatal(err)
			}
			if rows, _ := f.o.Staff(f.ctx, mia); !staffIDs(rows)[lena.ID] {
				t.Fatalf("after a profile change with the same manager, Mia's staff %v, want Lena accepted", staffIDs(rows))
			}
			lena = f.reload(t, lena)
			if err := f.o.UpdateProfile(f.ctx, lena, form("someone.else@example.org")); err != nil {
				t.Fatal(err)
			}
			if rows, _ := f.o.Staff(f.ctx, mia); len(rows) != 0 {
				t.Errorf("after Lena named someone else, Mia's staff %+v, want none", rows)
			}
			lena = f.reload(t, lena)
			if err := f.o.UpdateProfile(f.ctx, lena, form("mia@example.org")); err != nil {
				t.Fatal(err)
			}
			rows, _ := f.o.Staff(f.ctx, mia)
			if got := staffIDs(rows); !hasKey(got, lena.ID) || got[lena.ID] {
				t.Errorf("after Lena named Mia again: %v, want Lena waiting to be accepted again", got)
			}
			_, _, err := f.o.StaffMember(f.ctx, mia, lena.ID)
			wantCode(t, "Mia sees Lena before accepting her again", err, app.ENOTFOUND)
		})
	})
}

func TestOversightAssignManager(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newOvFixture(t, s)
		mia := f.user(t, "Mia Manager", "mia@example.org", "", app.RoleManager)
		coord := f.user(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator)
		lena := f.user(t, "Lena Learner", "lena@example.org", "")

		e := f.wantOneAudit(t, coord, "assigned manager", lena, func() error { return f.o.AssignManager(f.ctx, coord, lena.ID, " Mia@Example.ORG ") })
		if !strings.Contains(e.Detail, "mia@example.org") {
			t.Errorf("audit detail %q does not name the manager", e.Detail)
		}
		if got := f.reload(t, lena).ManagerEmail; got != "mia@example.org" {
			t.Errorf("manager email %q, want the normalised address", got)
		}
		rows, _ := f.o.Staff(f.ctx, mia)
		if got := staffIDs(rows); !got[lena.ID] {
			t.Fatalf("Mia's staff %v, want Lena accepted at once", got)
		}
		if _, _, err := f.o.StaffMember(f.ctx, mia, lena.ID); err != nil {
			t.Errorf("Mia cannot see a learner assigned to her: %v", err)
		}

		before := f.auditCount(t)
		err := f.o.AssignManager(f.ctx, coord, lena.ID, "not an email")
		wantCode(t, "assign a malformed email", err, app.EINVALID)
		if fs := app.ErrorFields(err); len(fs) != 1 || fs[0].Field != "manager_email" {
			t.Errorf("fields %+v, want one on manager_email", fs)
		}
		wantCode(t, "assign a manager to nobody", f.o.AssignManager(f.ctx, coord, 987654, "mia@example.org"), app.ENOTFOUND)
		f.wantNoAudit(t, "refused assignments", before)

		// A manager without an account yet: named, not linked.
		f.wantOneAudit(t, coord, "assigned manager", lena, func() error { return f.o.AssignManager(f.ctx, coord, lena.ID, "new.boss@example.org") })
		if rows, _ := f.o.Staff(f.ctx, mia); len(rows) != 0 {
			t.Errorf("after a new manager was assigned, Mia still sees %+v", rows)
		}

		f.wantOneAudit(t, coord, "assigned manager", lena, func() error { return f.o.AssignManager(f.ctx, coord, lena.ID, "mia@example.org") })
		e = f.wantOneAudit(t, coord, "assigned manager", lena, func() error { return f.o.AssignManager(f.ctx, coord, lena.ID, "  ") })
		if e.Detail != "manager removed" {
			t.Errorf("audit detail %q, want manager removed", e.Detail)
		}
		if got := f.reload(t, lena).ManagerEmail; got != "" {
			t.Errorf("manager email %q after removal, want none", got)
		}
		if rows, _ := f.o.Staff(f.ctx, mia); len(rows) != 0 {
			t.Errorf("after removal Mia still sees %+v", rows)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM manager_links WHERE learner_id = ?", lena.ID); n != 0 {
			t.Errorf("%d manager links after removal", n)
		}
	})
}

func TestOversightSetRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newOvFixture(t, s)
		coord := f.user(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator)
		admin := f.user(t, "Ada Admin", "ada@example.org", "", app.RoleAdmin)
		other := f.user(t, "Otto Admin", "otto@example.org", "", app.RoleAdmin)
		sam := f.user(t, "Sam Learner", "sam@example.org", "")
		mia := f.user(t, "Mia Manager", "mia@example.org", "", app.RoleManager)
		roles := func(u *app.User) []string { return f.reload(t, u).Roles }

		f.wantOneAudit(t, coord, "changed roles", sam, func() error { return f.o.SetRoles(f.ctx, coord, sam.ID, []string{app.RoleManager}) })
		if got := roles(sam); !slices.Equal(got, []string{app.RoleLearner, app.RoleManager}) {
			t.Errorf("after a coordinator made Sam a manager: %v", got)
		}

		for _, tc := range []struct {
			what   string
			actor  *app.User
			target *app.User
			want   []string
			code   string
		}{
			{"a coordinator grants admin", coord, sam, []string{app.RoleAdmin}, app.EFORBIDDEN},
			{"a coordinator grants admin alongside a grantable role", coord, sam, []string{app.RoleManager, app.RoleAdmin}, app.EFORBIDDEN},
			{"a coordinator grants admin to themselves", coord, coord, []string{app.RoleCoordinator, app.RoleAdmin}, app.EFORBIDDEN},
			{"a manager grants anything", mia, sam, []string{app.RoleCoordinator}, app.EFORBIDDEN},
			{"a learner grants anything", sam, sam, []string{app.RoleCoordinator}, app.EFORBIDDEN},
			{"an administrator removes their own admin role", admin, admin, []string{app.RoleCoordinator}, app.ECONFLICT},
			{"an administrator changes nobody", admin, &app.User{ID: 987654}, []string{app.RoleManager}, app.ENOTFOUND},
		} {
			t.Run(tc.what, func(t *testing.T) {
				before := f.auditCount(t)
				var was []string
				if tc.target.ID != 987654 {
					was = roles(tc.target)
				}
				wantCode(t, tc.what, f.o.SetRoles(f.ctx, tc.actor, tc.target.ID, tc.want), tc.code)
				f.wantNoAudit(t, tc.what, before)
				if was != nil && !slices.Equal(roles(tc.target), was) {
					t.Errorf("roles changed from %v to %v", was, roles(tc.target))
				}
			})
		}

		t.Run("a coordinator cannot remove admin", func(t *testing.T) {
			// The coordinator's form offers manager and coordinator only: a
			// role it does not offer is kept as it is.
			f.wantOneAudit(t, coord, "changed roles", other, func() error { return f.o.SetRoles(f.ctx, coord, other.ID, []string{app.RoleManager}) })
			if got := roles(other); !slices.Equal(got, []string{app.RoleLearner, app.RoleManager, app.RoleAdmin}) {
				t.Errorf("after a coordinator's change an administrator holds %v, want admin kept", got)
			}
		})
		t.Run("an administrator grants and removes admin", func(t *testing.T) {
			f.wantOneAudit(t, admin, "changed roles", sam, func() error { return f.o.SetRoles(f.ctx, admin, sam.ID, []string{app.RoleAdmin}) })
			if got := roles(sam); !slices.Equal(got, []string{app.RoleLearner, app.RoleAdmin}) {
				t.Errorf("after an administrator made Sam admin: %v", got)
			}
			f.wantOneAudit(t, admin, "changed roles", other, func() error { return f.o.SetRoles(f.ctx, admin, other.ID, nil) })
			if got := roles(other); !slices.Equal(got, []string{app.RoleLearner}) {
				t.Errorf("after an administrator removed Otto's roles: %v", got)
			}
			// Keeping their own admin role while changing others is fine.
			f.wantOneAudit(t, admin, "changed roles", admin, func() error {
				return f.o.SetRoles(f.ctx, admin, admin.ID, []string{app.RoleCoordinator, app.RoleAdmin})
			})
		})
	})
}

func TestOversightRevokeAndReissue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newOvFixture(t, s)
		coord := f.user(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator)
		lena := f.user(t, "Lena Learner", "lena@example.org", "")
		sam := f.user(t, "Sam Started", "sam@example.org", "")
		f.pass(t, sam, first, rightFirst)
		old := f.complete(t, lena)

		before := f.auditCount(t)
		for _, reason := range []string{"", "   ", strings.Repeat("r", 501)} {
			err := f.o.Revoke(f.ctx, coord, lena.ID, reason)
			wantCode(t, "revoke with reason "+reason[:min(len(reason), 5)], err, app.EINVALID)
			if fs := app.ErrorFields(err); len(fs) != 1 || fs[0].Field != "reason" {
				t.Errorf("fields %+v, want one on reason", fs)
			}
		}
		wantCode(t, "revoke for someone with no certificate", f.o.Revoke(f.ctx, coord, sam.ID, "Wrong person"), app.ENOTFOUND)
		f.wantNoAudit(t, "refused revocations", before)

		f.clock.Advance(48 * time.Hour)
		revokedAt := f.clock.Now()
		e := f.wantOneAudit(t, coord, "revoked certificate", lena, func() error { return f.o.Revoke(f.ctx, coord, lena.ID, " Issued to the wrong person ") })
		if e.Detail != "Issued to the wrong person" {
			t.Errorf("audit detail %q, want the reason", e.Detail)
		}
		got, err := f.learning.Verify(f.ctx, app.FormatCode(old.Code))
		if err != nil {
			t.Fatal(err)
		}
		if got.Status(f.clock.Now()) != app.CertificateRevoked || got.RevokedAt == nil || !got.RevokedAt.Equal(revokedAt) || got.RevokedReason != "Issued to the wrong person" {
			t.Errorf("verified %+v, want revoked at %v with the reason", got, revokedAt)
		}
		row, err := s.Learner(f.ctx, f.course.ID, lena.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st := row.Status(f.clock.Now()); st != app.LearnerRevoked {
			t.Errorf("enrolment status %q, want revoked", st)
		}
		if rows, total, _ := f.o.Learners(f.ctx, coord, app.LearnerQuery{Status: app.LearnerRevoked}); total != 1 || rows[0].UserID != lena.ID {
			t.Errorf("revoked learners %+v, want Lena", rows)
		}
		before = f.auditCount(t)
		wantCode(t, "revoke twice", f.o.Revoke(f.ctx, coord, lena.ID, "Again"), app.ECONFLICT)
		f.wantNoAudit(t, "a second revocation", before)

		t.Run("reissue a revoked certificate", func(t *testing.T) {
			var fresh *app.Certificate
			f.wantOneAudit(t, coord, "reissued certificate", lena, func() (err error) { fresh, err = f.o.Reissue(f.ctx, coord, lena.ID); return err })
			if v, err := f.learning.Verify(f.ctx, fresh.Code); err != nil || v.Status(f.clock.Now()) != app.CertificateValid {
				t.Errorf("the reissued code verifies as %+v, %v; want valid", v, err)
			}
			if v, _ := f.learning.Verify(f.ctx, old.Code); v.Status(f.clock.Now()) != app.CertificateRevoked {
				t.Errorf("the revoked code now verifies as %q", v.Status(f.clock.Now()))
			}
			row, _ := s.Learner(f.ctx, f.course.ID, lena.ID)
			if st := row.Status(f.clock.Now()); st != app.LearnerCompleted || row.CertificateCode != fresh.Code {
				t.Errorf("after reissue, status %q with code %q, want completed with %q", st, row.CertificateCode, fresh.Code)
			}
		})

		t.Run("reissue a current certificate replaces it", func(t *testing.T) {
			current, err := f.learning.Certificate(f.ctx, lena.ID)
			if err != nil {
				t.Fatal(err)
			}
			// A name change is why certificates are reissued.
			if err := f.o.UpdateProfile(f.ctx, lena, app.Registration{Name: "Lena Newname", OrganisationID: lena.OrganisationID, JobRole: "Nurse"}); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Hour)
			var fresh *app.Certificate
			f.wantOneAudit(t, coord, "reissued certificate", lena, func() (err error) { fresh, err = f.o.Reissue(f.ctx, coord, lena.ID); return err })
			if fresh.Code == current.Code || fresh.LearnerName != "Lena Newname" ||
				!fresh.CompletedAt.Equal(old.CompletedAt) || !fresh.ExpiresAt.Equal(old.ExpiresAt) {
				t.Errorf("reissued %+v, want a new code, the new name and the original dates (%v, %v)", fresh, old.CompletedAt, old.ExpiresAt)
			}
			v, err := f.learning.Verify(f.ctx, fresh.Code)
			if err != nil || v.Status(f.clock.Now()) != app.CertificateValid || v.LearnerName != "Lena Newname" {
				t.Errorf("new code verifies as %+v, %v", v, err)
			}
			prev, err := f.learning.Verify(f.ctx, current.Code)
			if err != nil || prev.Status(f.clock.Now()) != app.CertificateRevoked || prev.ReplacedBy != fresh.Code || prev.LearnerName != "Lena Learner" {
				t.Errorf("replaced code verifies as %+v, %v; want revoked, replaced by %s, with the old name", prev, err, fresh.Code)
			}
			if n := f.count(t, "SELECT COUNT(*) FROM certificates WHERE user_id = ? AND revoked_at IS NULL", lena.ID); n != 1 {
				t.Errorf("%d current certificates, want 1", n)
			}
			mine, _ := f.learning.Certificate(f.ctx, lena.ID)
			if mine.Code != fresh.Code {
				t.Errorf("the learner's certificate is %s, want the reissued %s", mine.Code, fresh.Code)
			}
		})
		_, err = f.o.Reissue(f.ctx, coord, sam.ID)
		wantCode(t, "reissue for someone with no certificate", err, app.ENOTFOUND)
	})
}

func TestOversightOrganisations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newOvFixture(t, s)
		coord := f.user(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator)
		orgID := func(name string) int64 {
			t.Helper()
			orgs, _ := s.Organisations(f.ctx)
			for _, o := range orgs {
				if o.Name == name {
					return o.ID
				}
			}
			return 0
		}

		e := f.wantOneAudit(t, coord, "added organisation", nil, func() error { return f.o.AddOrganisation(f.ctx, coord, "  Riverside Academy ") })
		if e.Detail != "Riverside Academy" || orgID("Riverside Academy") == 0 {
			t.Fatalf("added organisation: detail %q, id %d", e.Detail, orgID("Riverside Academy"))
		}
		before := f.auditCount(t)
		for _, name := range []string{"Riverside Academy", "RIVERSIDE academy", "", "  ", strings.Repeat("o", 121)} {
			err := f.o.AddOrganisation(f.ctx, coord, name)
			wantCode(t, "add "+name[:min(len(name), 20)], err, app.EINVALID)
			if fs := app.ErrorFields(err); len(fs) != 1 || fs[0].Field != "name" {
				t.Errorf("fields %+v, want one on name", fs)
			}
		}
		f.wantNoAudit(t, "refused additions", before)

		from := orgID("Riverside Academy")
		f.wantOneAudit(t, coord, "renamed organisation", nil, func() error { return f.o.RenameOrganisation(f.ctx, coord, from, "Riverside Primary Academy") })
		if orgID("Riverside Primary Academy") != from || orgID("Riverside Academy") != 0 {
			t.Errorf("after renaming, the organisation is not known by its new name only")
		}
		before = f.auditCount(t)
		wantCode(t, "rename to a taken name", f.o.RenameOrganisation(f.ctx, coord, from, "police"), app.EINVALID)
		wantCode(t, "rename to nothing", f.o.RenameOrganisation(f.ctx, coord, from, " "), app.EINVALID)
		wantCode(t, "rename an unknown organisation", f.o.RenameOrganisation(f.ctx, coord, 987654, "Nowhere"), app.ENOTFOUND)
		f.wantNoAudit(t, "refused renames", before)

		t.Run("merge keeps every learner's history", func(t *testing.T) {
			into := orgID("Primary school")
			month := f.clock.Now().Format("2006-01")
			done := f.user(t, "Dana Done", "dana@example.org", "")
			going := f.user(t, "Gus Going", "gus@example.org", "")
			stay := f.user(t, "Sid Staying", "sid@example.org", "")
			for _, u := range []*app.User{done, going} {
				if err := f.o.UpdateProfile(f.ctx, u, app.Registration{Name: u.Name, OrganisationID: from, JobRole: "Teacher"}); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.o.UpdateProfile(f.ctx, stay, app.Registration{Name: stay.Name, OrganisationID: into, JobRole: "Teacher"}); err != nil {
				t.Fatal(err)
			}
			done, going, stay = f.reload(t, done), f.reload(t, going), f.reload(t, stay)
			cert := f.complete(t, done)
			f.pass(t, going, first, rightFirst)
			f.pass(t, stay, first, rightFirst)

			counts := func() map[int64]app.OrgCount {
				d, err := f.o.Dashboard(f.ctx, coord, month)
				if err != nil {
					t.Fatal(err)
				}
				out := map[int64]app.OrgCount{}
				for _, c := range d.PerOrganisation {
					out[c.OrganisationID] = c
				}
				return out
			}
			c := counts()
			if a, b := c[from], c[into]; a.Registered != 2 || a.Started != 2 || a.Completed != 1 || a.InMonth != 1 || b.Registered != 1 || b.Started != 1 || b.Completed != 0 {
				t.Fatalf("before merging: from %+v, into %+v", a, b)
			}

			before := f.auditCount(t)
			wantCode(t, "merge into itself", f.o.MergeOrganisation(f.ctx, coord, from, from), app.EINVALID)
			wantCode(t, "merge into nothing", f.o.MergeOrganisation(f.ctx, coord, from, 987654), app.ENOTFOUND)
			wantCode(t, "merge nothing", f.o.MergeOrganisation(f.ctx, coord, 987654, into), app.ENOTFOUND)
			f.wantNoAudit(t, "refused merges", before)

			f.wantOneAudit(t, coord, "merged organisations", nil, func() error { return f.o.MergeOrganisation(f.ctx, coord, from, into) })
			if orgID("Riverside Primary Academy") != 0 {
				t.Error("the merged organisation is still listed")
			}
			c = counts()
			if _, ok := c[from]; ok {
				t.Errorf("the dashboard still counts the merged organisation: %+v", c[from])
			}
			if b := c[into]; b.Registered != 3 || b.Started != 3 || b.Completed != 1 || b.InMonth != 1 {
				t.Errorf("after merging, the organisation merged into counts %+v; want 3 registered, 3 started, 1 completed (1 this month)", b)
			}
			for _, u := range []*app.User{done, going, stay} {
				if got := f.reload(t, u).OrganisationID; got != into {
					t.Errorf("%s is in organisation %d, want %d", u.Name, got, into)
				}
			}
			if n := f.count(t, "SELECT COUNT(*) FROM enrolments WHERE organisation_id = ?", from); n != 0 {
				t.Errorf("%d enrolments still in the merged organisation", n)
			}
			if n := f.count(t, "SELECT COUNT(*) FROM enrolments WHERE organisation_id = ?", into); n != 3 {
				t.Errorf("%d enrolments in the organisation merged into, want 3", n)
			}
			// History stays: attempts, certificate, status.
			if v, err := f.learning.Verify(f.ctx, cert.Code); err != nil || v.Status(f.clock.Now()) != app.CertificateValid {
				t.Errorf("Dana's certificate after the merge: %+v, %v", v, err)
			}
			if n := f.count(t, "SELECT COUNT(*) FROM attempts WHERE user_id = ?", done.ID); n != 2 {
				t.Errorf("Dana has %d attempts after the merge, want 2", n)
			}
			rows, total, err := f.o.Learners(f.ctx, coord, app.LearnerQuery{OrganisationID: into})
			if err != nil || total != 3 {
				t.Errorf("learners of the organisation merged into: %d (%v), want 3", total, err)
			}
			for _, r := range rows {
				if r.UserID == done.ID && r.Status(f.clock.Now()) != app.LearnerCompleted {
					t.Errorf("Dana's status after the merge %q", r.Status(f.clock.Now()))
				}
			}
		})
	})
}

// TestOversightStatusFilterMatchesStatus holds the SQL filter of each
// status to app.LearnerRow.Status: filtering by a status returns exactly
// the learners whose row has it.
func TestOversightStatusFilterMatchesStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newOvFixture(t, s)
		mia := f.user(t, "Mia Manager", "mia@example.org", "", app.RoleManager)
		coord := f.user(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator)
		learner := func(name string) *app.User {
			return f.user(t, name, strings.ToLower(strings.Fields(name)[0])+"@example.org", "mia@example.org")
		}
		want := map[int64]app.LearnerStatus{mia.ID: app.LearnerNotStarted, coord.ID: app.LearnerNotStarted}

		// Eve completes first; Dee 60 days later; the rest 1,050 days after
		// Eve. At 1,100 days, Eve's 36-month certificate (1,096 days) has
		// expired and Dee's expires within 60 days.
		day := 24 * time.Hour
		expired := learner("Eve Expired")
		f.complete(t, expired)
		f.clock.Advance(60 * day)
		due := learner("Dee Due")
		f.complete(t, due)
		f.clock.Advance(990 * day)
		completed, confirmed, revoked := learner("Cal Completed"), learner("Fay Confirmed"), learner("Rex Revoked")
		for _, u := range []*app.User{completed, confirmed, revoked} {
			f.complete(t, u)
		}
		if err := f.o.AcceptStaff(f.ctx, mia, confirmed.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.o.ConfirmTraining(f.ctx, mia, confirmed.ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.o.Revoke(f.ctx, coord, revoked.ID, "Test"); err != nil {
			t.Fatal(err)
		}
		started := learner("Ian Started")
		f.pass(t, started, first, rightFirst)
		none := learner("Nat None")
		f.clock.Advance(50 * day)
		for u, st := range map[*app.User]app.LearnerStatus{expired: app.LearnerExpired, due: app.LearnerRefresherDue, completed: app.LearnerCompleted,
			confirmed: app.LearnerConfirmed, revoked: app.LearnerRevoked, started: app.LearnerInProgress, none: app.LearnerNotStarted} {
			want[u.ID] = st
		}

		all, total, err := f.o.Learners(f.ctx, coord, app.LearnerQuery{})
		if err != nil || total != len(want) {
			t.Fatalf("all learners: %d (%v), want %d", total, err, len(want))
		}
		for _, r := range all {
			if got := r.Status(f.clock.Now()); got != want[r.UserID] {
				t.Errorf("%s: Status %q, want %q", r.Name, got, want[r.UserID])
			}
		}
		for _, st := range app.LearnerStatuses {
			rows, total, err := f.o.Learners(f.ctx, coord, app.LearnerQuery{Status: st.Status})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, r := range rows {
				names = append(names, r.Name)
				if got := r.Status(f.clock.Now()); got != st.Status {
					t.Errorf("filter %q returned %s, whose status is %q", st.Status, r.Name, got)
				}
			}
			n := 0
			for _, w := range want {
				if w == st.Status {
					n++
				}
			}
			if total != n || len(rows) != n {
				t.Errorf("filter %q: %d rows (total %d) %v, want %d", st.Status, len(rows), total, names, n)
			}
		}
		d, err := f.o.Dashboard(f.ctx, coord, "")
		if err != nil {
			t.Fatal(err)
		}
		if d.RefresherDue != 1 || d.Registered != len(want) || d.Confirmed != 1 {
			t.Errorf("dashboard: %d due, %d registered, %d confirmed; want 1, %d, 1", d.RefresherDue, d.Registered, d.Confirmed, len(want))
		}
	})
}

// TestOversightRefusesOthers: every coordinator method refuses learners and
// managers, and every manager method refuses those who are not managers.
func TestOversightRefusesOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newOvFixture(t, s)
		learner := f.user(t, "Lou Learner", "lou@example.org", "mia@example.org")
		manager := f.user(t, "Mia Manager", "mia@example.org", "", app.RoleManager)
		coord := f.user(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator)
		f.complete(t, learner)
		orgs, _ := s.Organisations(f.ctx)
		ctx := f.ctx

		coordinatorOnly := map[string]func(u *app.User) error{
			"Dashboard": func(u *app.User) error { _, err := f.o.Dashboard(ctx, u, ""); return err },
			"Learners":  func(u *app.User) error { _, _, err := f.o.Learners(ctx, u, app.LearnerQuery{}); return err },
			"ExportLearners": func(u *app.User) error {
				return f.o.ExportLearners(ctx, u, app.LearnerQuery{}, func(*app.LearnerRow) error { return nil })
			},
			"Learner":            func(u *app.User) error { _, err := f.o.Learner(ctx, u, learner.ID); return err },
			"QuestionStats":      func(u *app.User) error { _, err := f.o.QuestionStats(ctx, u); return err },
			"AddOrganisation":    func(u *app.User) error { return f.o.AddOrganisation(ctx, u, "Sneaky Ltd") },
			"RenameOrganisation": func(u *app.User) error { return f.o.RenameOrganisation(ctx, u, orgs[0].ID, "Sneaky Ltd") },
			"MergeOrganisation":  func(u *app.User) error { return f.o.MergeOrganisation(ctx, u, orgs[0].ID, orgs[1].ID) },
			"SetRoles":           func(u *app.User) error { return f.o.SetRoles(ctx, u, learner.ID, []string{app.RoleCoordinator}) },
			"AssignManager":      func(u *app.User) error { return f.o.AssignManager(ctx, u, learner.ID, "sneaky@example.org") },
			"Revoke":             func(u *app.User) error { return f.o.Revoke(ctx, u, learner.ID, "Because") },
			"Reissue":            func(u *app.User) error { _, err := f.o.Reissue(ctx, u, learner.ID); return err },
			"Audit":              func(u *app.User) error { _, err := f.o.Audit(ctx, u); return err },
		}
		managerOnly := map[string]func(u *app.User) error{
			"Staff":           func(u *app.User) error { _, err := f.o.Staff(ctx, u); return err },
			"AcceptStaff":     func(u *app.User) error { return f.o.AcceptStaff(ctx, u, learner.ID) },
			"StaffMember":     func(u *app.User) error { _, _, err := f.o.StaffMember(ctx, u, learner.ID); return err },
			"ConfirmTraining": func(u *app.User) error { _, err := f.o.ConfirmTraining(ctx, u, learner.ID, ""); return err },
		}
		before := f.auditCount(t)
		for name, call := range coordinatorOnly {
			for _, u := range []*app.User{learner, manager, nil} {
				wantCode(t, name+" as "+whoIs(u), call(u), app.EFORBIDDEN)
			}
		}
		// Coordinators are not managers: they assign managers instead.
		coord.EmailNorm = "mia@example.org" // even one whom a learner names
		for name, call := range managerOnly {
			for _, u := range []*app.User{learner, coord, nil} {
				wantCode(t, name+" as "+whoIs(u), call(u), app.EFORBIDDEN)
			}
		}
		f.wantNoAudit(t, "refused calls", before)
		if n := f.count(t, "SELECT COUNT(*) FROM organisations WHERE name = 'Sneaky Ltd'"); n != 0 {
			t.Error("a refused call added an organisation")
		}
		if got := f.reload(t, learner); got.ManagerEmail != "mia@example.org" {
			t.Errorf("a refused call changed the learner's manager to %q", got.ManagerEmail)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM certificates WHERE user_id = ? AND revoked_at IS NULL", learner.ID); n != 1 {
			t.Error("a refused call changed the learner's certificate")
		}
	})
}

func whoIs(u *app.User) string {
	if u == nil {
		return "nobody"
	}
	return u.Name
}

func TestOversightUpdateProfile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newOvFixture(t, s)
		orgs, _ := s.Organisations(f.ctx)
		// Any address: the learner does not type a password or an email here,
		// so neither can be the reason a change is refused.
		for _, email := range []string{"long@example.org", "holder@example.org", "enough@example.org"} {
			u := f.user(t, "Lee Long", email, "")
			err := f.o.UpdateProfile(f.ctx, u, app.Registration{Name: "  Lee Longer ", OrganisationID: orgs[1].ID, JobRole: "Nurse", ManagerEmail: "Boss@Example.org"})
			if err != nil {
				t.Fatalf("%s updates their details: %v (fields %+v)", email, err, app.ErrorFields(err))
			}
			got := f.reload(t, u)
			if got.Name != "Lee Longer" || got.OrganisationID != orgs[1].ID || got.JobRole != "Nurse" || got.ManagerEmail != "boss@example.org" || got.Email != email {
				t.Errorf("after the update: %+v", got)
			}
		}
		u := f.user(t, "Sam Self", "sam@example.org", "")
		for _, tc := range []struct {
			field string
			form  app.Registration
		}{
			{"name", app.Registration{Name: " ", OrganisationID: orgs[0].ID, JobRole: "Nurse"}},
			{"organisation", app.Registration{Name: "Sam", OrganisationID: 987654, JobRole: "Nurse"}},
			{"job_role", app.Registration{Name: "Sam", OrganisationID: orgs[0].ID}},
			{"manager_email", app.Registration{Name: "Sam", OrganisationID: orgs[0].ID, JobRole: "Nurse", ManagerEmail: "boss@"}},
			{"manager_email", app.Registration{Name: "Sam", OrganisationID: orgs[0].ID, JobRole: "Nurse", ManagerEmail: "SAM@example.org"}},
		} {
			err := f.o.UpdateProfile(f.ctx, u, tc.form)
			wantCode(t, "update with a bad "+tc.field, err, app.EINVALID)
			if fs := app.ErrorFields(err); len(fs) != 1 || fs[0].Field != tc.field {
				t.Errorf("fields %+v, want one on %s", fs, tc.field)
			}
		}
		if got := f.reload(t, u); got.Name != "Sam Self" {
			t.Errorf("a refused update changed the name to %q", got.Name)
		}
	})
}
