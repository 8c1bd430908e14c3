package app

// TEMPORARY: the lead's shared API (app/external.go on main) stood in for
// until it lands; deleted when main is merged.

import "context"

type ExternalAccount struct {
	Method, Issuer, Subject string
	Label                   string
	Name, Email             string
	EmailVerified           bool
	OrganisationID          int64
	Next                    string
}

type ExternalOutcome struct {
	User    *User
	Token   string
	Created bool
	Pending string
	Step    string
}

func (a *Accounts) SignInExternal(ctx context.Context, ext ExternalAccount) (*ExternalOutcome, error) {
	u, err := a.Store.UserByIdentity(ctx, ext.Method, ext.Issuer, ext.Subject)
	created := false
	if ErrorCode(err) == ENOTFOUND {
		if ext.Email == "" || ext.OrganisationID == 0 {
			return &ExternalOutcome{Pending: "stub", Step: "setup"}, nil
		}
		now := a.Now()
		u = &User{Name: ext.Name, Email: ext.Email, EmailNorm: NormaliseEmail(ext.Email), PasswordHash: NoPasswordHash(),
			OrganisationID: ext.OrganisationID, JobRole: "Other", Roles: []string{RoleLearner}, CreatedAt: now, EmailVerifiedAt: &now}
		if err := a.Store.CreateUserWithIdentity(ctx, u, &Identity{Method: ext.Method, Issuer: ext.Issuer, Subject: ext.Subject, Label: ext.Label, CreatedAt: now}); err != nil {
			if ErrorCode(err) == ECONFLICT {
				return &ExternalOutcome{Pending: "stub", Step: "link"}, nil
			}
			return nil, err
		}
		created = true
	} else if err != nil {
		return nil, err
	}
	token, err := a.StartSession(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return &ExternalOutcome{User: u, Token: token, Created: created}, nil
}
