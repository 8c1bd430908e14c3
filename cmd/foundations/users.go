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

	now := func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
	accounts := &app.Accounts{Store: st, Now: now}
	oversight := &app.Oversight{Store: st, Now: now}
	reg := app.Registration{Name: *name, Email: strings.TrimSpace(*email), JobRole: *job}
	if _, err := st.UserByEmail(ctx, app.NormaliseEmail(*email)); err == nil {
		u, _, err := oversight.GrantFromCommandLine(ctx, accounts, reg, want)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s now has the roles: %s\n", u.Email, strings.Join(u.Roles, ", "))
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
	for _, o := range orgs {
		if strings.EqualFold(o.Name, strings.TrimSpace(*org)) {
			reg.OrganisationID = o.ID
		}
	}
	password, printed, err := readPassword(stdin, out)
	if err != nil {
		return err
	}
	reg.Password = password
	u, _, err := oversight.GrantFromCommandLine(ctx, accounts, reg, want)
	if app.ErrorCode(err) == app.EINVALID {
		for _, f := range app.ErrorFields(err) {
			fmt.Fprintf(out, "  %s: %s\n", f.Field, f.Message)
		}
		return fmt.Errorf("the user was not created")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Created %s with the roles: %s\n", u.Email, strings.Join(u.Roles, ", "))
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
