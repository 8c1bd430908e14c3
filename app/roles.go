package app

import (
	"context"
	"slices"
	"strings"
)

// GrantableRoles are the roles an actor may grant or remove: administrators
// any; coordinators manager and coordinator, never admin.
func GrantableRoles(actor *User) []string {
	switch {
	case actor.Has(RoleAdmin):
		return []string{RoleManager, RoleCoordinator, RoleAdmin}
	case actor.Has(RoleCoordinator):
		return []string{RoleManager, RoleCoordinator}
	default:
		return nil
	}
}

// SetRoles changes another user's granted roles within what the actor may
// grant: a role the actor may not grant is kept as it is when want leaves it
// out (a coordinator's form does not offer admin), and asking for it is
// EFORBIDDEN.
func (o *Oversight) SetRoles(ctx context.Context, actor *User, userID int64, want []string) error {
	grantable := GrantableRoles(actor)
	if len(grantable) == 0 {
		return forbidden()
	}
	u, err := o.Store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	roles := []string{RoleLearner}
	for _, r := range []string{RoleManager, RoleCoordinator, RoleAdmin} {
		has, wanted := u.Has(r), slices.Contains(want, r)
		if !slices.Contains(grantable, r) {
			if wanted && !has {
				return forbidden()
			}
			wanted = has
		}
		if wanted {
			roles = append(roles, r)
		}
	}
	if userID == actor.ID && actor.Has(RoleAdmin) && !slices.Contains(roles, RoleAdmin) {
		return Errorf(ECONFLICT, "You cannot remove your own administrator role.")
	}
	return o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if err := rs.SetRoles(ctx, userID, roles); err != nil {
			return err
		}
		return o.audit(ctx, rs, actor, "changed roles", &userID, strings.Join(roles, ", "))
	})
}
