// Command foundations runs the Foundations e-learning service, and its
// administrative commands:
//
//	foundations                  serve the course (the default)
//	foundations courses check    validate the course files and print each module's size
//	foundations users add --role admin --email …   create a user with roles, or grant roles
//	foundations demo --learners N                  fill the database with realistic demo data
//	foundations secret-key forget  let the next instance record a new SECRET_KEY (all stopped)
//	foundations healthcheck [--url URL]  exit 0 if the server answers /healthz (for containers)
//	foundations backup FILE      copy the embedded SQLite database while it runs
//	foundations help             print usage
//	foundations badges rotate-key  sign new badges with a fresh key (old keys stay published)
//	foundations lti rotate-key     sign LTI messages with a fresh key (the old one stays published 7 days)
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/badge"
	"github.com/foundations/foundations/app/certificate"
	"github.com/foundations/foundations/app/content"
	"github.com/foundations/foundations/app/jobs"
	"github.com/foundations/foundations/app/lti"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/web"
	"github.com/foundations/foundations/courses"
	"github.com/prometheus/client_golang/prometheus/collectors"
	_ "time/tzdata" // UK dates on certificates wherever the binary runs
)

// usage is printed by `foundations help`, `-h` and `--help`.
const usage = `Usage: foundations [command]

Commands:
  serve                      serve the course (the default)
  courses check              validate the course files and print each module's size
  users add --email E --role R [--name N] [--organisation O]
                             create a user with roles (admin, coordinator, manager), or grant roles
  demo [--learners N] [--append]
                             fill the database with realistic demo data
  secret-key forget          let the next instance record a new SECRET_KEY (all instances stopped)
  healthcheck [--url URL]    exit 0 if the server answers /healthz (default http://127.0.0.1:PORT)
  backup FILE                write a consistent copy of the embedded SQLite database to FILE
  badges rotate-key          sign new badges with a fresh key (old keys stay published)
  lti rotate-key             sign LTI messages with a fresh tool key (the old one stays published 7 days)
  help                       show this message

Configuration is read from environment variables; see the README.
`

func main() {
	if len(os.Args) > 1 && isHelp(os.Args[1]) {
		fmt.Print(usage)
		return
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(log, os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) { // a command's -h: the flag package printed its usage
			return
		}
		var p content.Problems
		if errors.As(err, &p) {
			fmt.Fprintln(os.Stderr, "The course files have problems:")
			for _, line := range p {
				fmt.Fprintln(os.Stderr, "  "+line)
			}
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, errorLine(err))
		os.Exit(1)
	}
}

func isHelp(arg string) bool {
	return arg == "help" || arg == "-h" || arg == "-help" || arg == "--help"
}

// errorLine is how a failed command reports itself: one plain line for a
// person at a terminal, not a log record.
func errorLine(err error) string {
	if e, ok := err.(*app.Error); ok {
		err = errors.New(e.Message)
	}
	return "foundations: " + strings.Join(strings.Fields(err.Error()), " ")
}

func run(log *slog.Logger, args []string) error {
	cfg, err := loadConfig(log)
	if err != nil {
		return err
	}
	log = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	switch {
	case len(args) == 0 || args[0] == "serve":
		return serve(log, cfg)
	case len(args) >= 2 && args[0] == "users" && args[1] == "add":
		return usersAdd(context.Background(), cfg, args[2:], os.Stdin, os.Stdout)
	case len(args) >= 1 && args[0] == "demo":
		return runDemo(context.Background(), cfg, args[1:], os.Stdout)
	case len(args) == 2 && args[0] == "secret-key" && args[1] == "forget":
		return forgetSecretKey(context.Background(), cfg, os.Stdout)
	case len(args) >= 1 && args[0] == "healthcheck":
		return healthcheck(cfg, args[1:], os.Stderr)
	case len(args) >= 1 && args[0] == "backup":
		return backup(context.Background(), cfg, args[1:], os.Stdout)
	case len(args) == 2 && args[0] == "badges" && args[1] == "rotate-key":
		return rotateBadgeKey(context.Background(), cfg, os.Stdout)
	case len(args) == 2 && args[0] == "lti" && args[1] == "rotate-key":
		return rotateLTIKey(context.Background(), cfg, os.Stdout)
	case len(args) == 2 && args[0] == "courses" && args[1] == "check":
		c, err := loadCourse(cfg)
		if err != nil {
			return err
		}
		fmt.Print(content.Report(c))
		for _, w := range content.Warnings(c, time.Now()) {
			fmt.Println("Warning:", w)
		}
		fmt.Println("The course is valid.")
		return nil
	default:
		return fmt.Errorf("unknown command %q; run 'foundations help' for the list", strings.Join(args, " "))
	}
}

func loadCourse(cfg *config) (*app.Course, error) {
	return content.Load(courses.FS, cfg.Course, content.DefaultOptions(cfg.Placeholders))
}

func openStore(ctx context.Context, cfg *config) (*store.Store, error) {
	if cfg.DatabaseURL == "" {
		if err := checkDataDir(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	s, err := store.OpenWith(cfg.DatabaseURL, filepath.Join(cfg.DataDir, "foundations.db"),
		store.Options{MaxConns: cfg.DBMaxConns, NoPreparedStatements: !cfg.DBPrepare})
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		_ = s.Close() // the migration's error is the one to report
		return nil, fmt.Errorf("migrate: %w", err)
	}
	db, err := s.SQLDB()
	if err == nil {
		err = jobs.Migrate(ctx, db, s.Postgres())
	}
	if err != nil {
		_ = s.Close() // the job queue's migration error is the one to report
		return nil, err
	}
	return s, nil
}

// checkDataDir makes sure the embedded database's folder exists and this
// user may write in it, and says so plainly if not: SQLite reports a folder
// it cannot write as "out of memory (14)".
func checkDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create the data folder %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-check-")
	if err != nil {
		return fmt.Errorf("the data folder %s is not writable by this user (uid %d): %w; give it to that user, or set DATA_DIR", dir, os.Getuid(), errors.Unwrap(err))
	}
	name := f.Name()
	_ = f.Close() // an empty file only made to see that the folder takes one
	return os.Remove(name)
}

// ensureOrganisations adds the configured organisations (ORGANISATIONS), or
// the starter list when none is configured and the database has none yet.
func ensureOrganisations(ctx context.Context, cfg *config, st *store.Store) error {
	orgs := cfg.Organisations
	if len(orgs) == 0 {
		existing, err := st.Organisations(ctx)
		if err != nil {
			return err
		}
		if len(existing) == 0 {
			orgs = app.StarterOrganisations
		}
	}
	return st.EnsureOrganisations(ctx, orgs)
}

func serve(log *slog.Logger, cfg *config) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	course, err := loadCourse(cfg)
	if err != nil {
		return err
	}
	for _, w := range content.Warnings(course, time.Now()) {
		log.Warn(w, "course", course.ID)
	}
	if len(cfg.Unset) > 0 {
		log.Warn("local contacts are still the example defaults; set them before learners use the course", "unset", strings.Join(cfg.Unset, ","))
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := cfg.settleSecret(ctx, log, st); err != nil {
		return err
	}
	if err := ensureOrganisations(ctx, cfg, st); err != nil {
		return err
	}
	if err := checkNames(ctx, log, st); err != nil {
		return err
	}
	renderer, err := certificate.NewRenderer(certificate.Options{Logo: cfg.Certificate.Logo,
		SignatoryName: cfg.Certificate.SignatoryName, SignatoryRole: cfg.Certificate.SignatoryRole, Signature: cfg.Certificate.Signature})
	if err != nil {
		return err
	}
	var metrics *web.Metrics
	if cfg.MetricsPort != "" || cfg.MetricsToken != "" {
		sqlDB, err := st.DB().DB()
		if err != nil {
			return err
		}
		metrics = web.NewMetrics(collectors.NewDBStatsCollector(sqlDB, map[bool]string{true: "postgres", false: "sqlite"}[st.Postgres()]),
			web.NewMailCollector(st))
	}
	now := func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
	orderKey := sha256.Sum256([]byte("option order:" + cfg.SecretKey)) // its own key, derived from the shared secret
	learning := &app.Learning{Store: st, Course: course, Now: now, Partnership: cfg.Placeholders["partnership_name"], ValidityMonths: cfg.ValidityMonths,
		OrderKey: orderKey[:]}
	limits := cfg.limits(st, now)
	accounts := &app.Accounts{Store: st, Now: now, IdleTimeout: cfg.IdleTimeout, MaxAge: cfg.MaxSessionAge, Limits: limits,
		Hashing: app.NewPasswordHashing(cfg.HashConcurrency, 2*time.Second), Log: log}
	oversight := &app.Oversight{Store: st, Learning: learning, Now: now, Log: log}
	badges := &badge.Issuer{Keys: st, BaseURL: cfg.BaseURL, Partnership: cfg.Placeholders["partnership_name"], Now: now}
	ltiTool := &app.LTI{Store: st, Protocol: lti.New(st, cfg.BaseURL, now), Accounts: accounts, Course: course, BaseURL: cfg.BaseURL, Now: now}
	learning.LTI = ltiTool
	mailer, queue, err := startMail(log, cfg, st, course, now, ltiTool)
	if err != nil {
		return err
	}
	learning.Mail, oversight.Mail = mailer, mailer
	recovery := &app.Recovery{Store: st, Accounts: accounts, Mail: mailer, Now: now}
	verification := &app.EmailVerification{Store: st, Accounts: accounts, Mail: mailer, Now: now}
	privacy := &app.Privacy{Store: st, Course: course, Mail: mailer, Notice: cfg.Privacy, Now: now}
	invitations := &app.Invitations{Store: st, Mail: mailer, Now: now}
	oidcSignIn, err := newOIDCSignIn(ctx, log, cfg, st, st, accounts, now)
	if err != nil {
		return err
	}
	srv, err := web.New(web.Config{
		Learning: learning, Accounts: accounts, Oversight: oversight, Store: st, Certificates: renderer, Badges: badges, Logger: log,
		Mail: mailer, Recovery: recovery, EmailVerification: verification, Privacy: privacy, Invitations: invitations, LTI: ltiTool,
		Breakdown: &app.Breakdown{Store: st, Course: course, Now: now}, AuditTrail: &app.AuditTrail{Store: st},
		StaffDecisions: &app.StaffDecisions{Oversight: oversight, Store: st}, Accessibility: cfg.Accessibility,
		Metrics: metrics, MetricsToken: cfg.MetricsToken,
		BaseURL: cfg.BaseURL, SecretKey: cfg.SecretKey, Partnership: cfg.Placeholders["partnership_name"], Contacts: cfg.localContacts(), KnowledgeChecks: st,
		HelpContact: cfg.HelpContact, QuickExitURL: cfg.QuickExitURL, TrustedProxies: cfg.TrustedProxies, Limits: limits,
		OIDC: oidcSignIn,
	})
	if err != nil {
		return err
	}
	go sweep(ctx, log, st, accounts, limits)
	if err := queue.Start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}

	errc := make(chan error, 2)
	go func() { errc <- srv.Listen(":" + cfg.Port) }()
	if cfg.MetricsPort != "" {
		mux := http.NewServeMux()
		mux.Handle("/metrics", metrics.Handler())
		ms := &http.Server{Addr: ":" + cfg.MetricsPort, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() { errc <- fmt.Errorf("metrics listener: %w", ms.ListenAndServe()) }()
		defer ms.Close()
	}
	db := "sqlite"
	if st.Postgres() {
		db = "postgres"
	}
	log.Info("foundations started", "port", cfg.Port, "database", db, "course", course.ID, "base_url", cfg.BaseURL)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	if err := srv.ShutdownWithTimeout(20 * time.Second); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := queue.Stop(stopCtx); err != nil {
		log.Warn("job queue did not stop cleanly", "err", err)
	}
	log.Info("stopped")
	return nil
}

// healthcheck asks the server whether it is up, for container health
// checks in images that have no curl: --url names the address, else the
// local server on PORT.
func healthcheck(cfg *config, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(out)
	url := fs.String("url", "http://127.0.0.1:"+cfg.Port, "the server's address; /healthz is added")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("healthcheck takes only --url, not %q", strings.Join(fs.Args(), " "))
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(strings.TrimRight(*url, "/") + "/healthz")
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s/healthz answered %d", strings.TrimRight(*url, "/"), resp.StatusCode)
	}
	return nil
}
