package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// GrantFromCommandLine creates a user with roles, or grants roles to an
// existing one, for `foundations users add`: the same validation and
// password hashing as registration, and every grant written to the audit
// trail in the same transaction as the change. The command line has no
// account of its own, so the entry names the user as the actor and says
// it came from the command line. r.Password is used only for a new user.
// Returns EINVALID for a registration that fails validation.
func (o *Oversight) GrantFromCommandLine(ctx context.Context, a *Accounts, r Registration, roles []string) (u *User, created bool, err error) {
	want := func(have []string) []string {
		out := []string{RoleLearner}
		for _, role := range []string{RoleManager, RoleCoordinator, RoleAdmin} {
			if slices.Contains(have, role) || slices.Contains(roles, role) {
				out = append(out, role)
			}
		}
		return out
	}
	const detail = " (granted from the command line)"
	existing, err := o.Store.UserByEmail(ctx, NormaliseEmail(r.Email))
	switch ErrorCode(err) {
	case "":
		existing.Roles = want(existing.Roles)
		err = o.Store.InTx(ctx, func(tx Store) error {
			rs := tx.(ReportStore)
			if err := rs.SetRoles(ctx, existing.ID, existing.Roles); err != nil {
				return err
			}
			return o.audit(ctx, rs, existing, "changed roles", &existing.ID, strings.Join(existing.Roles, ", ")+detail)
		})
		return existing, false, err
	case ENOTFOUND:
	default:
		return nil, false, fmt.Errorf("look up user: %w", err)
	}
	orgs, err := o.Store.Organisations(ctx)
	if err != nil {
		return nil, false, err
	}
	if err := r.Validate(orgs); err != nil {
		return nil, false, err
	}
	hash, err := a.Hashing.Hash(ctx, r.Password)
	if err != nil {
		return nil, false, err
	}
	u = &User{Name: r.Name, Email: r.Email, EmailNorm: NormaliseEmail(r.Email), PasswordHash: hash,
		OrganisationID: r.OrganisationID, JobRole: r.JobRole, ManagerEmail: NormaliseEmail(r.ManagerEmail),
		Roles: want(nil), CreatedAt: a.Now()}
	u.EmailVerifiedAt = &u.CreatedAt // created by an administrator, who vouches for the address
	err = o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if err := rs.CreateUser(ctx, u); err != nil {
			return err
		}
		return o.audit(ctx, rs, u, "created user", &u.ID, strings.Join(u.Roles, ", ")+detail)
	})
	if err != nil {
		return nil, false, fmt.Errorf("create user: %w", err)
	}
	return u, true, nil
}
