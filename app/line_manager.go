package app

import (
	"context"
	"time"
)

// LineManager is what a learner sees of their line manager on their
// course page: who accepted them and when, who confirmed their training
// and when, or that the person they named said they are not their manager.
type LineManager struct {
	Email       string // the manager's email the learner names now; "" for none
	AcceptedBy  string // the manager who accepted them, with that email
	AcceptedAt  *time.Time
	ConfirmedBy string
	ConfirmedAt *time.Time
	// The latest decline, shown only while the learner names no one
	// (naming someone else, or the same person again, replaces it).
	DeclinedBy    string
	DeclinedEmail string
	DeclinedAt    *time.Time
}

// Decline is a manager's record that a learner who named them is not
// their staff (WasAccepted: they had accepted them before, so it is a
// removal).
type Decline struct {
	LearnerID, ManagerID int64
	ManagerEmail         string
	WasAccepted          bool
	At                   time.Time
}

// Action is how the audit trail names the decline.
func (d Decline) Action() string {
	if d.WasAccepted {
		return "manager removed staff member"
	}
	return "manager declined staff member"
}

// ManagerLinks stores managers' decisions about the people who named them.
// Called by StaffDecisions only.
type ManagerLinks interface {
	// DeclineStaff, in one transaction: ends the manager's acceptance of
	// the learner, clears the learner's manager email if it is still the
	// manager's (a learner who has meanwhile named someone else keeps
	// them), records the decline and audits it. EINTERNAL on failure.
	DeclineStaff(ctx context.Context, d Decline) error
	// LineManager returns the learner's line-manager facts for courseID,
	// with the latest decline whatever the learner names now.
	LineManager(ctx context.Context, learnerID int64, courseID string) (*LineManager, error)
}

// StaffDecisions are the manager's answers to "is this person your staff?"
// beyond accepting (which Oversight.AcceptStaff records).
type StaffDecisions struct {
	Oversight *Oversight
	Store     ManagerLinks
}

// Decline removes a learner from the manager's staff list, whether still
// waiting to be accepted or accepted before: the learner is told on their
// course page and can name someone else. It returns the learner's row as
// it was, for the confirmation message. ENOTFOUND for anyone not in the
// manager's list; EFORBIDDEN for someone who is not a manager.
func (d *StaffDecisions) Decline(ctx context.Context, manager *User, learnerID int64) (*StaffRow, error) {
	rows, err := d.Oversight.Staff(ctx, manager)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		if rows[i].UserID != learnerID {
			continue
		}
		dec := Decline{LearnerID: learnerID, ManagerID: manager.ID, ManagerEmail: manager.EmailNorm, WasAccepted: rows[i].Accepted, At: d.Oversight.Now()}
		if err := d.Store.DeclineStaff(ctx, dec); err != nil {
			return nil, err
		}
		if d.Oversight.Log != nil { // as Oversight logs every audited change
			d.Oversight.Log.Info("audited change", "action", dec.Action(), "actor_id", manager.ID, "subject_user_id", learnerID)
		}
		return &rows[i], nil
	}
	return nil, Errorf(ENOTFOUND, "That person is not in your staff list.")
}

// LineManager returns what the learner sees of their line manager. The
// decline is left out once the learner names anyone.
func (d *StaffDecisions) LineManager(ctx context.Context, learner *User) (*LineManager, error) {
	lm, err := d.Store.LineManager(ctx, learner.ID, d.Oversight.Learning.Course.ID)
	if err != nil {
		return nil, err
	}
	if lm.Email != "" {
		lm.DeclinedBy, lm.DeclinedEmail, lm.DeclinedAt = "", "", nil
	}
	return lm, nil
}

// AssignManager sets (or, with an empty email, removes) a learner's line
// manager. A manager assigned by a coordinator is accepted at once.
func (o *Oversight) AssignManager(ctx context.Context, actor *User, learnerID int64, managerEmail string) error {
	if !mayCoordinate(actor) {
		return forbidden()
	}
	managerEmail = NormaliseEmail(managerEmail)
	var link *int64
	if managerEmail != "" {
		if msg := emailProblem(managerEmail); msg != "" {
			return Invalid([]FieldError{{Field: "manager_email", Message: "Enter the manager's email address in the correct format"}})
		}
		m, err := o.Store.UserByEmail(ctx, managerEmail)
		if err == nil && m.ID != learnerID {
			link = &m.ID
		}
	}
	if _, err := o.Store.UserByID(ctx, learnerID); err != nil {
		return err
	}
	return o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if err := rs.SetManager(ctx, learnerID, managerEmail, link, o.Now()); err != nil {
			return err
		}
		detail := "manager removed"
		if managerEmail != "" {
			detail = "manager set to " + managerEmail
		}
		return o.audit(ctx, rs, actor, "assigned manager", &learnerID, detail)
	})
}
