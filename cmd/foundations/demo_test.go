package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/foundations/foundations/app"
)

// TestDemoCommand runs `foundations demo` on each database: it prints the
// accounts to sign in as with a password that works, and refuses a second
// run unless told to append.
func TestDemoCommand(t *testing.T) {
	for _, b := range testBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			cfg := &config{Course: "neglect-foundations", BaseURL: "http://localhost:3000", Placeholders: map[string]string{}}
			for _, p := range placeholderVars {
				cfg.Placeholders[p.name] = p.def
			}
			for _, kv := range b.env(t) {
				k, v, _ := strings.Cut(kv, "=")
				switch k {
				case "DATA_DIR":
					cfg.DataDir = v
				case "DATABASE_URL":
					cfg.DatabaseURL = v
				}
			}
			ctx := context.Background()
			var out bytes.Buffer
			if err := runDemo(ctx, cfg, []string{"--learners", "40", "--seed", "3"}, &out); err != nil {
				t.Fatalf("demo: %v\n%s", err, out.String())
			}
			t.Log(out.String())
			coordinator := regexp.MustCompile(`coordinator \(reports\): +(\S+)`).FindStringSubmatch(out.String())
			manager := regexp.MustCompile(`manager \(staff list\): +(\S+)`).FindStringSubmatch(out.String())
			password := regexp.MustCompile(`password \(shown once\): (\S+)`).FindStringSubmatch(out.String())
			if coordinator == nil || manager == nil || password == nil {
				t.Fatalf("the output names no coordinator, manager or password:\n%s", out.String())
			}

			st, err := openStore(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			for email, role := range map[string]string{coordinator[1]: app.RoleCoordinator, manager[1]: app.RoleManager} {
				u, err := st.UserByEmail(ctx, email)
				if err != nil || !u.Has(role) || !app.CheckPassword(u.PasswordHash, password[1]) {
					t.Errorf("%s: %+v, %v; want the %s role and the printed password", email, u, err, role)
				}
			}
			if orgs, err := st.Organisations(ctx); err != nil || len(orgs) < len(app.StarterOrganisations) {
				t.Errorf("organisations: %d, %v; want the starter list and the demo's", len(orgs), err)
			}

			out.Reset()
			if err := runDemo(ctx, cfg, []string{"--learners", "20"}, &out); err == nil || !strings.Contains(err.Error(), "--append") {
				t.Errorf("a second demo without --append: %v, want a refusal that mentions --append", err)
			}
			if err := runDemo(ctx, cfg, []string{"--learners", "20", "--append", "--password", "another demo password"}, &out); err != nil {
				t.Errorf("demo --append: %v", err)
			}
			if err := runDemo(ctx, cfg, []string{"--learners", "20", "--password", "short"}, &out); err == nil {
				t.Error("demo accepted a password that sign-up would refuse")
			}
		})
	}
}
