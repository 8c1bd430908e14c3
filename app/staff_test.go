package app_test

import (
	"testing"

	"github.com/foundations/foundations/app"
)

func TestManagerScope(t *testing.T) {
	manager := &app.User{ID: 1, EmailNorm: "mo@example.org", Roles: []string{app.RoleLearner, app.RoleManager}}
	notAManager := &app.User{ID: 2, EmailNorm: "nat@example.org", Roles: []string{app.RoleLearner}}
	named := func(id int64, email string) *app.LearnerRow {
		return &app.LearnerRow{UserID: id, ManagerEmail: email, EmailVerified: true}
	}
	unverified := &app.LearnerRow{UserID: 15, ManagerEmail: "mo@example.org"}
	tests := []struct {
		name    string
		manager *app.User
		learner *app.LearnerRow
		want    bool
	}{
		{"a learner who named the manager's email is their staff", manager, named(10, "mo@example.org"), true},
		{"a learner who named someone else is not", manager, named(11, "someone@example.org"), false},
		{"a learner who named nobody is nobody's staff", manager, named(12, ""), false},
		{"a manager is never their own staff", manager, named(1, "mo@example.org"), false},
		{"someone without the manager role has no staff", notAManager, named(13, "nat@example.org"), false},
		{"nobody signed in has no staff", nil, named(14, "mo@example.org"), false},
		{"a learner who has not confirmed their own address is nobody's staff yet", manager, unverified, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := app.InStaffOf(tt.manager, tt.learner); got != tt.want {
				t.Errorf("InStaffOf = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("progress and results only once the manager has accepted", func(t *testing.T) {
		waiting := &app.StaffRow{LearnerRow: *named(10, "mo@example.org")}
		accepted := &app.StaffRow{LearnerRow: *named(10, "mo@example.org"), Accepted: true}
		other := &app.StaffRow{LearnerRow: *named(11, "someone@example.org"), Accepted: true}
		if app.MaySeeProgress(manager, waiting) || !app.MaySeeProgress(manager, accepted) || app.MaySeeProgress(manager, other) {
			t.Errorf("waiting %v, accepted %v, accepted by another %v; want false, true, false",
				app.MaySeeProgress(manager, waiting), app.MaySeeProgress(manager, accepted), app.MaySeeProgress(manager, other))
		}
	})
}
