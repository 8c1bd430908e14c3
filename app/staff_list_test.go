package app_test

import (
	"slices"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
)

func TestStaffListFiltersSortsAndTotals(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	day := func(d int) *time.Time { x := now.AddDate(0, 0, d); return &x }
	done := func(name string, completed int, confirmed bool, expiresIn int) app.StaffRow {
		r := app.StaffRow{Accepted: true, LearnerRow: app.LearnerRow{Name: name, StartedAt: day(completed - 10), ModulesPassed: 5, CompletedAt: day(completed),
			CertificateCode: "CODE" + name, CertificateExpiresAt: day(expiresIn)}}
		if confirmed {
			r.ConfirmedAt = day(completed + 1)
		}
		return r
	}
	rows := []app.StaffRow{
		done("Bea", -100, false, 900), // completed, awaiting confirmation
		done("ada", -50, true, 1000),  // confirmed
		done("Cal", -1000, false, 30), // refresher due, awaiting confirmation
		done("Dev", -1200, true, -5),  // expired
		{Accepted: true, LearnerRow: app.LearnerRow{Name: "Eve", StartedAt: day(-3), ModulesPassed: 2}},
		{Accepted: true, LearnerRow: app.LearnerRow{Name: "Fin"}},
		{Accepted: false, LearnerRow: app.LearnerRow{Name: "Gus"}}, // waiting to be accepted: never listed here
	}
	names := func(rs []app.StaffRow) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return out
	}
	for _, tc := range []struct {
		q    app.StaffQuery
		want []string
	}{
		{app.StaffQuery{}, []string{"ada", "Bea", "Cal", "Dev", "Eve", "Fin"}},
		{app.StaffQuery{Desc: true}, []string{"Fin", "Eve", "Dev", "Cal", "Bea", "ada"}},
		{app.StaffQuery{Show: app.StaffShowAwaiting}, []string{"Bea", "Cal"}},
		{app.StaffQuery{Show: string(app.LearnerRefresherDue)}, []string{"Cal"}},
		{app.StaffQuery{Show: string(app.LearnerNotStarted)}, []string{"Fin"}},
		{app.StaffQuery{Sort: "modules"}, []string{"Fin", "Eve", "ada", "Bea", "Cal", "Dev"}},
		{app.StaffQuery{Sort: "completed"}, []string{"Dev", "Cal", "Bea", "ada", "Eve", "Fin"}},
		{app.StaffQuery{Sort: "completed", Desc: true}, []string{"Eve", "Fin", "ada", "Bea", "Cal", "Dev"}},
		{app.StaffQuery{Sort: "status"}, []string{"Fin", "Eve", "Bea", "ada", "Cal", "Dev"}},
		{app.StaffQuery{Show: "nonsense", Sort: "password"}, []string{"ada", "Bea", "Cal", "Dev", "Eve", "Fin"}},
	} {
		if got := names(app.FilterStaff(rows, tc.q, now)); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %q, want %q", tc.q, got, tc.want)
		}
	}
	tot := app.Totals(rows, now)
	if tot.Staff != 6 || tot.Waiting != 1 || tot.Awaiting != 2 || tot.RefresherDue != 1 || tot.Completed != 4 || tot.ByStatus[app.LearnerInProgress] != 1 {
		t.Errorf("totals %+v", tot)
	}
}
