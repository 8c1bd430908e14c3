package app

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Who may see whom: the manager's scope, decided here once. Oversight
// applies it to everything a manager is shown; the store only finds the
// candidates (learners who named the manager's email).

// InStaffOf reports whether learner is one of manager's staff: someone
// with the manager role whom the learner named as their line manager, by
// email, once the learner has confirmed their own address (so nobody can
// place themselves in a manager's list with an address that is not
// theirs). Nobody is their own staff. A manager sees their staff's names
// and statuses at once, to accept them.
func InStaffOf(manager *User, learner *LearnerRow) bool {
	return manager != nil && MayManage(manager) && learner.UserID != manager.ID && learner.EmailVerified &&
		learner.ManagerEmail != "" && learner.ManagerEmail == manager.EmailNorm
}

// MaySeeProgress reports whether manager may see a staff member's module
// progress and results and confirm their training: only once the manager
// has accepted them. Reflections are never shown to a manager.
func MaySeeProgress(manager *User, row *StaffRow) bool {
	return InStaffOf(manager, &row.LearnerRow) && row.Accepted
}

// StaffRow is a manager's view of one of their staff.
type StaffRow struct {
	LearnerRow
	Accepted bool
	Modules  []ModuleProgress // by course order; zero value when not opened
}

// Confirmation is a manager's record that a learner completed the training.
type Confirmation struct {
	LearnerID   int64
	CourseID    string
	ManagerID   int64
	ManagerName string
	ConfirmedAt time.Time
	Note        string
}

// Staff lists a manager's staff: learners who named the manager's email,
// accepted or waiting to be accepted. Managers see progress and results,
// never reflections.
func (o *Oversight) Staff(ctx context.Context, manager *User) ([]StaffRow, error) {
	if !MayManage(manager) {
		return nil, forbidden()
	}
	candidates, err := o.Store.StaffOf(ctx, o.Learning.Course.ID, manager)
	if err != nil {
		return nil, fmt.Errorf("list staff of manager %d: %w", manager.ID, err)
	}
	rows := candidates[:0]
	for _, r := range candidates {
		if !InStaffOf(manager, &r.LearnerRow) {
			continue
		}
		if !MaySeeProgress(manager, &r) {
			r.Modules = nil
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// staffMember returns one learner if, and only if, they are the manager's
// staff; anyone else is ENOTFOUND, so a manager cannot even learn whether
// another person exists.
func (o *Oversight) staffMember(ctx context.Context, manager *User, learnerID int64, mustBeAccepted bool) (*StaffRow, error) {
	rows, err := o.Staff(ctx, manager)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		if rows[i].UserID == learnerID && (!mustBeAccepted || MaySeeProgress(manager, &rows[i])) {
			return &rows[i], nil
		}
	}
	return nil, Errorf(ENOTFOUND, "That person is not in your staff list.")
}

// AcceptStaff records that the manager accepts a learner who named them.
func (o *Oversight) AcceptStaff(ctx context.Context, manager *User, learnerID int64) error {
	row, err := o.staffMember(ctx, manager, learnerID, false)
	if err != nil {
		return err
	}
	if row.Accepted {
		return nil
	}
	return o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if err := rs.AcceptStaff(ctx, manager.ID, learnerID, o.Now()); err != nil {
			return fmt.Errorf("accept staff: %w", err)
		}
		if err := o.Mail.StaffAccepted(ctx, tx, learnerID, manager); err != nil {
			return err
		}
		return rs.AddAudit(ctx, &AuditEntry{ActorID: manager.ID, Action: "manager accepted staff member", SubjectUserID: &learnerID, CreatedAt: o.Now()})
	})
}

// StaffMember returns an accepted staff member's details with progress.
func (o *Oversight) StaffMember(ctx context.Context, manager *User, learnerID int64) (*StaffRow, *Confirmation, error) {
	row, err := o.staffMember(ctx, manager, learnerID, true)
	if err != nil {
		return nil, nil, err
	}
	conf, err := o.Store.Confirmation(ctx, learnerID, o.Learning.Course.ID)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return nil, nil, err
	}
	return row, conf, nil
}

// MaxNoteLength bounds a confirmation note.
const MaxNoteLength = 1000

// ConfirmTraining records the manager's confirmation that a staff member
// completed the course. Only for accepted staff whose course is complete
// (ECONFLICT otherwise); confirming again changes nothing.
func (o *Oversight) ConfirmTraining(ctx context.Context, manager *User, learnerID int64, note string) (*Confirmation, error) {
	row, err := o.staffMember(ctx, manager, learnerID, true)
	if err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxNoteLength {
		return nil, Invalid([]FieldError{{Field: "note", Message: "The note must be 1,000 characters or fewer"}})
	}
	if row.CompletedAt == nil {
		return nil, Errorf(ECONFLICT, "%s has not completed the course yet, so their training cannot be confirmed.", row.Name)
	}
	if existing, err := o.Store.Confirmation(ctx, learnerID, o.Learning.Course.ID); err == nil {
		return existing, nil
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	now := o.Now()
	c := &Confirmation{LearnerID: learnerID, CourseID: o.Learning.Course.ID, ManagerID: manager.ID, ManagerName: manager.Name, ConfirmedAt: now, Note: note}
	err = o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if err := rs.Confirm(ctx, c); err != nil {
			return err
		}
		if err := o.Mail.TrainingConfirmed(ctx, tx, learnerID, manager); err != nil {
			return err
		}
		return rs.AddAudit(ctx, &AuditEntry{ActorID: manager.ID, Action: "manager confirmed training", SubjectUserID: &learnerID, Detail: note, CreatedAt: now})
	})
	if ErrorCode(err) == ECONFLICT { // confirmed at the same moment by another request
		return o.Store.Confirmation(ctx, learnerID, o.Learning.Course.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("confirm training of user %d: %w", learnerID, err)
	}
	return c, nil
}
