package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	"golang.org/x/term"
)

// usersAdd creates a user with roles, or grants roles to an existing one:
//
//	foundations users add --role admin --email a@example.org --name "Ann Admin"
//
// The password is typed at a terminal (twice, not echoed); without a
// terminal one is generated and printed once.
func usersAdd(ctx context.Context, cfg *config, args []string, stdin *os.File, out io.Writer) error {
	fs := flag.NewFlagSet("users add", flag.ContinueOnError)
	roles := fs.String("role", "", "roles to grant, comma-separated: admin, coordinator, manager")
	email := fs.String("email", "", "work email address")
	name := fs.String("name", "", "full name (for a new user)")
	org := fs.String("organisation", "Other", "organisation name (for a new user; created if missing)")
	job := fs.String("job-role", "Administrator", "job role (for a new user)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	want := []string{app.RoleLearner}
	for _, r := range strings.Split(*roles, ",") {
		r = strings.TrimSpace(r)
		switch r {
		case "":
		case app.RoleAdmin, app.RoleCoordinator, app.RoleManager:
			want = append(want, r)
		default:
			return fmt.Errorf("unknown role %q: use admin, coordinator or manager", r)
		}
	}
	if strings.TrimSpace(*email) == "" {
		return fmt.Errorf("--email is required")
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()

	if u, err := st.UserByEmail(ctx, app.NormaliseEmail(*email)); err == nil {
		roles := u.Roles
		for _, r := range want {
			if !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
		if err := st.SetRoles(ctx, u.ID, roles); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s now has the roles: %s\n", u.Email, strings.Join(roles, ", "))
		return nil
	} else if app.ErrorCode(err) != app.ENOTFOUND {
		return err
	}

	if err := st.EnsureOrganisations(ctx, []string{*org}); err != nil {
		return err
	}
	orgs, err := st.Organisations(ctx)
	if err != nil {
		return err
	}
	var orgID int64
	for _, o := range orgs {
		if strings.EqualFold(o.Name, strings.TrimSpace(*org)) {
			orgID = o.ID
		}
	}
	password, printed, err := readPassword(stdin, out)
	if err != nil {
		return err
	}
	reg := app.Registration{Name: *name, Email: strings.TrimSpace(*email), Password: password, OrganisationID: orgID, JobRole: *job}
	if err := reg.Validate(orgs); err != nil {
		for _, f := range app.ErrorFields(err) {
			fmt.Fprintf(out, "  %s: %s\n", f.Field, f.Message)
		}
		return fmt.Errorf("the user was not created")
	}
	u := &app.User{Name: reg.Name, Email: reg.Email, EmailNorm: app.NormaliseEmail(reg.Email), PasswordHash: app.HashPassword(password),
		OrganisationID: orgID, JobRole: reg.JobRole, Roles: want, CreatedAt: time.Now().UTC()}
	u.EmailVerifiedAt = &u.CreatedAt // created by an administrator, who vouches for the address
	if err := st.CreateUser(ctx, u); err != nil {
		return err
	}
	fmt.Fprintf(out, "Created %s with the roles: %s\n", u.Email, strings.Join(want, ", "))
	if printed {
		fmt.Fprintf(out, "Password (shown once; give it to the user securely): %s\n", password)
	}
	return nil
}

func readPassword(stdin *os.File, out io.Writer) (password string, generated bool, err error) {
	if term.IsTerminal(int(stdin.Fd())) {
		fmt.Fprint(out, "Password (12 characters or more): ")
		a, err := term.ReadPassword(int(stdin.Fd()))
		fmt.Fprintln(out)
		if err != nil {
			return "", false, err
		}
		fmt.Fprint(out, "Type it again: ")
		b, err := term.ReadPassword(int(stdin.Fd()))
		fmt.Fprintln(out)
		if err != nil {
			return "", false, err
		}
		if string(a) != string(b) {
			return "", false, fmt.Errorf("the passwords do not match")
		}
		return string(a), false, nil
	}
	if stat, err := stdin.Stat(); err == nil && stat.Mode()&os.ModeNamedPipe != 0 {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", false, err
		}
		if p := strings.TrimRight(line, "\r\n"); p != "" {
			return p, false, nil
		}
	}
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b), true, nil
}
