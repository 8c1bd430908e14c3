package app

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// AwaitingConfirmation reports whether the manager has a confirmation to
// give: an accepted member of staff who has completed the course, holds a
// current certificate and whose training no manager has confirmed yet.
func (r *StaffRow) AwaitingConfirmation(now time.Time) bool {
	if !r.Accepted || r.CompletedAt == nil || r.ConfirmedAt != nil {
		return false
	}
	s := r.Status(now)
	return s == LearnerCompleted || s == LearnerRefresherDue
}

// StaffShowAwaiting is the "My staff" filter for people awaiting the
// manager's confirmation; any other Show value is a LearnerStatus.
const StaffShowAwaiting = "awaiting"

// StaffQuery filters and sorts a manager's accepted staff.
type StaffQuery struct {
	Show string // "" for everyone, StaffShowAwaiting, or a LearnerStatus
	Sort string // "name" (default), "status", "modules", "completed"
	Desc bool
}

// StaffSorts are the orders "My staff" offers.
var StaffSorts = []string{"name", "status", "modules", "completed"}

// StaffTotals are the figures above a manager's list, over all their
// accepted staff whatever the filter.
type StaffTotals struct {
	Staff, Waiting, Awaiting, RefresherDue, Completed int
	ByStatus                                          map[LearnerStatus]int
}

// Totals counts the manager's staff: accepted, waiting to be accepted,
// awaiting confirmation, refresher due, completed (any status from
// completed on, revoked aside) and by status.
func Totals(rows []StaffRow, now time.Time) StaffTotals {
	t := StaffTotals{ByStatus: map[LearnerStatus]int{}}
	for i := range rows {
		r := &rows[i]
		if !r.Accepted {
			t.Waiting++
			continue
		}
		t.Staff++
		s := r.Status(now)
		t.ByStatus[s]++
		if r.AwaitingConfirmation(now) {
			t.Awaiting++
		}
		if s == LearnerRefresherDue {
			t.RefresherDue++
		}
		if r.CompletedAt != nil && s != LearnerRevoked {
			t.Completed++
		}
	}
	return t
}

// FilterStaff returns the accepted staff that q.Show selects, in q's order.
// An unknown Show or Sort means everyone, by name. Ties keep name order.
func FilterStaff(rows []StaffRow, q StaffQuery, now time.Time) []StaffRow {
	if q.Show != StaffShowAwaiting && !knownStatus(q.Show) {
		q.Show = ""
	}
	var out []StaffRow
	for _, r := range rows {
		if !r.Accepted {
			continue
		}
		switch {
		case q.Show == "":
		case q.Show == StaffShowAwaiting:
			if !r.AwaitingConfirmation(now) {
				continue
			}
		default:
			if r.Status(now) != LearnerStatus(q.Show) {
				continue
			}
		}
		out = append(out, r)
	}
	rank := map[LearnerStatus]int{}
	for i, s := range LearnerStatuses {
		rank[s.Status] = i
	}
	completed := func(r StaffRow) int64 {
		if r.CompletedAt == nil {
			return 1 << 62 // never completed: after everyone who has
		}
		return r.CompletedAt.Unix()
	}
	byName := func(a, b StaffRow) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.UserID, b.UserID))
	}
	slices.SortStableFunc(out, byName)
	var key func(a, b StaffRow) int
	switch q.Sort {
	case "status":
		key = func(a, b StaffRow) int { return cmp.Compare(rank[a.Status(now)], rank[b.Status(now)]) }
	case "modules":
		key = func(a, b StaffRow) int { return cmp.Compare(a.ModulesPassed, b.ModulesPassed) }
	case "completed":
		key = func(a, b StaffRow) int { return cmp.Compare(completed(a), completed(b)) }
	default:
		key = byName
	}
	slices.SortStableFunc(out, func(a, b StaffRow) int {
		if q.Desc {
			return key(b, a)
		}
		return key(a, b)
	})
	return out
}

// knownStatus reports whether s names one of LearnerStatuses.
func knownStatus(s string) bool {
	for _, x := range LearnerStatuses {
		if string(x.Status) == s {
			return true
		}
	}
	return false
}
