package app

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

func orgName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 120 || !ValidName(name) {
		return "", Invalid([]FieldError{{Field: "name", Message: "Enter an organisation name of 120 characters or fewer"}})
	}
	return name, nil
}

// AddOrganisation adds an organisation to the registration list.
func (o *Oversight) AddOrganisation(ctx context.Context, actor *User, name string) error {
	if !mayCoordinate(actor) {
		return forbidden()
	}
	name, err := orgName(name)
	if err != nil {
		return err
	}
	return o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if _, err := rs.AddOrganisation(ctx, name); err != nil {
			if ErrorCode(err) == ECONFLICT {
				return Invalid([]FieldError{{Field: "name", Message: "There is already an organisation with that name"}})
			}
			return err
		}
		return o.audit(ctx, rs, actor, "added organisation", nil, name)
	})
}

// RenameOrganisation renames one; learners keep it.
func (o *Oversight) RenameOrganisation(ctx context.Context, actor *User, id int64, name string) error {
	if !mayCoordinate(actor) {
		return forbidden()
	}
	name, err := orgName(name)
	if err != nil {
		return err
	}
	return o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if err := rs.RenameOrganisation(ctx, id, name); err != nil {
			if ErrorCode(err) == ECONFLICT {
				return Invalid([]FieldError{{Field: "name", Message: "There is already an organisation with that name"}})
			}
			return err
		}
		return o.audit(ctx, rs, actor, "renamed organisation", nil, fmt.Sprintf("organisation %d renamed to %q", id, name))
	})
}

// MergeOrganisation moves every learner of one organisation into another
// and removes the first. Learners keep their history.
func (o *Oversight) MergeOrganisation(ctx context.Context, actor *User, fromID, intoID int64) error {
	if !mayCoordinate(actor) {
		return forbidden()
	}
	if fromID == intoID {
		return Invalid([]FieldError{{Field: "into", Message: "Choose a different organisation to merge into"}})
	}
	return o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if err := rs.MergeOrganisation(ctx, fromID, intoID); err != nil {
			return err
		}
		return o.audit(ctx, rs, actor, "merged organisations", nil, fmt.Sprintf("organisation %d merged into %d", fromID, intoID))
	})
}
