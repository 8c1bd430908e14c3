package app

// Who may see whom: the manager's scope, decided here once. Oversight
// applies it to everything a manager is shown; the store only finds the
// candidates (learners who named the manager's email).

// InStaffOf reports whether learner is one of manager's staff: someone
// with the manager role whom the learner named as their line manager, by
// email. Nobody is their own staff. A manager sees their staff's names and
// statuses at once, to accept them.
func InStaffOf(manager *User, learner *LearnerRow) bool {
	return manager != nil && MayManage(manager) && learner.UserID != manager.ID &&
		learner.ManagerEmail != "" && learner.ManagerEmail == manager.EmailNorm
}

// MaySeeProgress reports whether manager may see a staff member's module
// progress and results and confirm their training: only once the manager
// has accepted them. Reflections are never shown to a manager.
func MaySeeProgress(manager *User, row *StaffRow) bool {
	return InStaffOf(manager, &row.LearnerRow) && row.Accepted
}
