package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/demo"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// demo fills the database with realistic demo data, so a newcomer can sign
// in and see the reports working, and benchmarks have data:
//
//	foundations demo --learners 500
//
// Every demo account shares one password, generated and printed once
// unless --password gives it. A database that already has users is
// refused unless --append is given.
func runDemo(ctx context.Context, cfg *config, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(out)
	learners := fs.Int("learners", 500, "how many learners to create (about 2% of them managers)")
	seed := fs.Int64("seed", 1, "the same seed gives the same people, answers and dates")
	password := fs.String("password", "", "password for every demo account (default: generate one and print it once)")
	appendData := fs.Bool("append", false, "add demo data to a database that already has users")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("demo takes only flags, not %q", fs.Args())
	}
	if *learners < 1 || *learners > 1_000_000 {
		return fmt.Errorf("--learners must be between 1 and 1,000,000")
	}
	generated := *password == ""
	if generated {
		b := make([]byte, 15)
		rand.Read(b)
		*password = base64.RawURLEncoding.EncodeToString(b)
	} else if msg := app.PasswordProblem(*password, ""); msg != "" {
		return fmt.Errorf("--password: %s", msg)
	}

	course, err := loadCourse(cfg)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := ensureOrganisations(ctx, cfg, st); err != nil {
		return err
	}

	p := message.NewPrinter(language.BritishEnglish)
	db := "the embedded SQLite database"
	if st.Postgres() {
		db = "PostgreSQL"
	}
	_, _ = p.Fprintf(out, "Creating %d demo learners in %s…\n", *learners, db)
	start := time.Now()
	lastTenth := 0
	sum, err := demo.Run(ctx, st, course, demo.Options{
		Learners: *learners, Now: time.Now(), Seed: *seed, Password: *password, Append: *appendData,
		Partnership: cfg.Placeholders["partnership_name"], ValidityMonths: cfg.ValidityMonths, Workers: 2,
		Progress: func(done, total int) {
			if tenth := done * 10 / total; tenth > lastTenth && done < total {
				lastTenth = tenth
				_, _ = p.Fprintf(out, "  %d of %d learners (%s)\n", done, total, time.Since(start).Round(time.Second))
			}
		},
	})
	if err != nil {
		if app.ErrorCode(err) == app.ECONFLICT {
			return fmt.Errorf("%s Add --append to add demo data to it anyway", app.ErrorMessage(err))
		}
		return err
	}

	if err := st.Analyze(ctx); err != nil {
		return fmt.Errorf("analyse after the demo data: %w", err)
	}
	coordinators := "coordinator"
	if sum.Coordinators != 1 {
		coordinators += "s"
	}
	_, _ = p.Fprintf(out, "Done in %s: %d learners (%d of them managers), %d %s, %d organisations, %d module attempts.\n",
		time.Since(start).Round(100*time.Millisecond), sum.Learners, sum.Managers, sum.Coordinators, coordinators, sum.Organisations, sum.Attempts)
	for _, s := range app.LearnerStatuses {
		_, _ = p.Fprintf(out, "  %-22s %8d\n", s.Label, sum.Statuses[s.Status])
	}
	fmt.Fprintf(out, "\nSign in at %s/sign-in as\n", cfg.BaseURL)
	fmt.Fprintf(out, "  the coordinator (reports):  %s\n", sum.CoordinatorEmail)
	if sum.ManagerEmail != "" {
		fmt.Fprintf(out, "  a manager (staff list):     %s\n", sum.ManagerEmail)
	}
	fmt.Fprintf(out, "  or any demo learner (their emails are in the coordinator's learner list).\n")
	if generated {
		fmt.Fprintf(out, "Every demo account's password (shown once): %s\n", *password)
	} else {
		fmt.Fprintf(out, "Every demo account's password is the one given with --password.\n")
	}
	return nil
}
