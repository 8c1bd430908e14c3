package app

import "context"

// Temporary: the lead's shared API (app/external.go on main) replaces
// this file when it lands.

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
	Next    string
	Pending string
	Step    string
}

func (a *Accounts) SignInExternal(ctx context.Context, ext ExternalAccount) (*ExternalOutcome, error) {
	return nil, Errorf(EINTERNAL, "not yet")
}
