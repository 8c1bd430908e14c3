// Package jobs runs background work on the database the app already has,
// with River: riverdatabasesql on PostgreSQL, riversqlite on the embedded
// SQLite. Jobs are enqueued inside the app's own transactions (the
// transactional outbox), retried with back-off, and worked by one instance
// at a time however many run; periodic tasks run on the elected leader
// only. It is the only package that imports River.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// EmailAttempts is how many times an email is tried before it is marked
// failed: River's back-off (attempt⁴ seconds plus jitter) spreads eight
// attempts over about an hour and a half.
const EmailAttempts = 8

// Periodic is a task run on a fixed interval by whichever instance leads.
type Periodic struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context) error
}

// Config is what the queue needs.
type Config struct {
	DB       *sql.DB // the app's pool
	Postgres bool
	Mail     *app.Mail
	LTI      *app.LTI // delivers scores to learning platforms (lti.go)
	Logger   *slog.Logger
	// PollInterval is how often idle workers look for new jobs (default 1s).
	PollInterval time.Duration
	Periodic     []Periodic
	Workers      int // concurrent jobs per instance (default 4)
}

// Queue implements app.Jobs and works the jobs.
type Queue struct {
	client *river.Client[*sql.Tx]
}

var _ app.Jobs = (*Queue)(nil)

func driver(cfg Config) riverdriver.Driver[*sql.Tx] {
	if cfg.Postgres {
		return riverdatabasesql.New(cfg.DB)
	}
	return riversqlite.New(cfg.DB)
}

// Migrate creates or updates River's tables. Safe to run from every
// instance at start-up.
func Migrate(ctx context.Context, db *sql.DB, postgres bool) error {
	m, err := rivermigrate.New(driver(Config{DB: db, Postgres: postgres}), nil)
	if err != nil {
		return fmt.Errorf("job queue migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate job queue: %w", err)
	}
	return nil
}

// New builds the queue. Call Start to work jobs; a queue that is never
// started can still enqueue them.
func New(cfg Config) (*Queue, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Workers == 0 {
		cfg.Workers = 4
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &emailWorker{mail: cfg.Mail})
	river.AddWorker(workers, &ltiScoreWorker{lti: cfg.LTI})
	tasks := map[string]Periodic{}
	var periodic []*river.PeriodicJob
	for _, p := range cfg.Periodic {
		tasks[p.Name] = p
		name, every := p.Name, p.Every
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
			return periodicArgs{Name: name}, &river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: every}}
		}, &river.PeriodicJobOpts{ID: name, RunOnStart: true}))
	}
	river.AddWorker(workers, &periodicWorker{tasks: tasks})
	client, err := river.NewClient(driver(cfg), &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:           workers,
		PeriodicJobs:      periodic,
		FetchPollInterval: cfg.PollInterval,
		FetchCooldown:     min(cfg.PollInterval, 100*time.Millisecond),
		JobTimeout:        2 * time.Minute,
		Logger:            cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return &Queue{client: client}, nil
}

// Start works jobs until Stop (or ctx ends).
func (q *Queue) Start(ctx context.Context) error { return q.client.Start(ctx) }

// Stop finishes the jobs in hand and stops.
func (q *Queue) Stop(ctx context.Context) error { return q.client.Stop(ctx) }

// txSource is a Store bound to a transaction (app/store's *Store from InTx).
type txSource interface{ SQLTx() (*sql.Tx, error) }

// Enqueue implements app.Jobs.
func (q *Queue) Enqueue(ctx context.Context, tx app.Store, job app.Job) error {
	src, ok := tx.(txSource)
	if !ok {
		return fmt.Errorf("enqueue %s: store %T has no transaction", job.Kind(), tx)
	}
	sqlTx, err := src.SQLTx()
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", job.Kind(), err)
	}
	opts := &river.InsertOpts{}
	if _, ok := job.(app.EmailJob); ok {
		opts.MaxAttempts = EmailAttempts
	}
	if _, ok := job.(app.LTIScoreJob); ok {
		opts.MaxAttempts = app.LTIScoreAttempts
	}
	if _, err := q.client.InsertTx(ctx, sqlTx, job, opts); err != nil {
		return fmt.Errorf("enqueue %s: %w", job.Kind(), err)
	}
	return nil
}

// JobCounts is how many jobs of a kind are in each state, for tests and
// the administrators' page.
func (q *Queue) JobCounts(ctx context.Context, kind string) (map[string]int, error) {
	res, err := q.client.JobList(ctx, river.NewJobListParams().Kinds(kind).First(10000))
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, j := range res.Jobs {
		out[string(j.State)]++
	}
	return out, nil
}

type emailWorker struct {
	river.WorkerDefaults[app.EmailJob]
	mail *app.Mail
}

func (w *emailWorker) Work(ctx context.Context, job *river.Job[app.EmailJob]) error {
	err := w.mail.Deliver(ctx, job.Args.EmailID, job.Attempt, job.Attempt >= job.MaxAttempts)
	if errors.Is(err, app.ErrPermanent) {
		return river.JobCancel(err)
	}
	return err
}

type periodicArgs struct {
	Name string `json:"name"`
}

func (periodicArgs) Kind() string { return "periodic" }

type periodicWorker struct {
	river.WorkerDefaults[periodicArgs]
	tasks map[string]Periodic
}

func (w *periodicWorker) Work(ctx context.Context, job *river.Job[periodicArgs]) error {
	p, ok := w.tasks[job.Args.Name]
	if !ok {
		return river.JobCancel(fmt.Errorf("no periodic task %q", job.Args.Name))
	}
	return p.Run(ctx)
}
