package app

import (
	"context"
	"fmt"
)

// NameStore reads and changes learners' names for the name rule's
// follow-up. Implemented by app/store.
type NameStore interface {
	// EachUserName calls fn with every user's ID and name, in ID order.
	EachUserName(ctx context.Context, fn func(id int64, name string) error) error
	// SetUserName changes one user's name (and its search form). Returns
	// ENOTFOUND for an unknown user.
	SetUserName(ctx context.Context, userID int64, name string) error
}

// CountUnprintableNames counts the names accepted before the name rule
// that a certificate cannot print exactly (see PrintableName). It is run at
// start-up; the count is logged, the names never are.
func CountUnprintableNames(ctx context.Context, s NameStore) (int, error) {
	n := 0
	err := s.EachUserName(ctx, func(_ int64, name string) error {
		if !NamePrintable(name) {
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("check names: %w", err)
	}
	return n, nil
}

// ConfirmName is a learner confirming their own name in a form a
// certificate can print, when the name they registered with cannot be
// (NamePrintable is false). The name must pass PrintableName. If their
// current certificate carries another name it is reissued with the new one
// (new code, the same completion and expiry dates; the old code shows as
// replaced), and the change is written to the audit trail, all in one
// transaction. Returns EINVALID on the "name" field for a name that cannot
// print, and ECONFLICT if the learner's name can already be printed.
func (o *Oversight) ConfirmName(ctx context.Context, u *User, typed string) (*Certificate, error) {
	if NamePrintable(u.Name) {
		// Not a way round "Your details": a printable name changes there,
		// and an issued certificate keeps its name unless a coordinator
		// reissues it.
		return nil, Errorf(ECONFLICT, "Your name can already be printed on certificates. To change it, go to Your details.")
	}
	name, problem := PrintableName(typed)
	if problem != "" {
		return nil, Invalid([]FieldError{{Field: "name", Message: problem}})
	}
	old, err := o.Learning.Certificate(ctx, u.ID)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	if old != nil && old.RevokedAt != nil {
		old = nil // a revoked certificate stays revoked; only a current one is reissued
	}
	now := o.Now()
	var fresh *Certificate
	err = o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		names, ok := tx.(NameStore)
		if !ok {
			return fmt.Errorf("store %T cannot change names", tx)
		}
		if err := names.SetUserName(ctx, u.ID, name); err != nil {
			return err
		}
		detail := "name confirmed in a form certificates can print"
		if old != nil && old.LearnerName != name {
			renamed := *u
			renamed.Name = name
			fresh = o.Learning.newCertificate(&renamed, now)
			fresh.CompletedAt, fresh.ExpiresAt = old.CompletedAt, old.ExpiresAt
			if err := rs.ReissueCertificate(ctx, old.Code, fresh, now); err != nil {
				return err
			}
			detail += "; certificate reissued"
		}
		return o.audit(ctx, rs, u, "confirmed own name", &u.ID, detail)
	})
	if err != nil {
		return nil, fmt.Errorf("confirm name for user %d: %w", u.ID, err)
	}
	u.Name = name
	return fresh, nil
}

// NameProblemOf explains, for the confirmation page, why a stored name
// cannot be printed: the same message PrintableName gives, or a note that
// the name is stored in a different form from the one it prints in.
func NameProblemOf(stored string) string {
	name, problem := PrintableName(stored)
	switch {
	case problem != "":
		return problem
	case name != stored:
		return "Your name is stored with extra spaces or in a different Unicode form from the one certificates print"
	default:
		return ""
	}
}
