package app

import "context"

// UpdateProfile changes a learner's own details: name (future certificates
// use it; an issued one keeps the name it was issued with), organisation,
// job role and line manager's email. A changed manager must accept again.
func (o *Oversight) UpdateProfile(ctx context.Context, u *User, form Registration) error {
	orgs, err := o.Store.Organisations(ctx)
	if err != nil {
		return err
	}
	// The form has no email or password: only the fields it has are
	// checked (a placeholder password could otherwise clash with the email).
	form.Email, form.Password = u.Email, "a placeholder long enough"
	if err := form.Validate(orgs); err != nil {
		var fields []FieldError
		for _, fe := range ErrorFields(err) {
			if fe.Field != "email" && fe.Field != "password" {
				fields = append(fields, fe)
			}
		}
		if err := Invalid(fields); err != nil {
			return err
		}
	}
	updated := *u
	updated.Name, updated.OrganisationID, updated.JobRole, updated.ManagerEmail = form.Name, form.OrganisationID, form.JobRole, NormaliseEmail(form.ManagerEmail)
	return o.Store.InTx(ctx, func(tx Store) error {
		if err := tx.(ReportStore).UpdateProfile(ctx, &updated); err != nil {
			return err
		}
		if updated.ManagerEmail != u.ManagerEmail {
			return o.Mail.ManagerNamed(ctx, tx, &updated)
		}
		return nil
	})
}
