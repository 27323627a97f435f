// Package jobs runs ICS Booking's durable background work on River
// (github.com/riverqueue/river), on PostgreSQL or SQLite: delivering each
// email, retried with backoff until it goes out, and looking for due
// reminders. Jobs are inserted in the transaction of the booking change
// that causes them, so a change and its email commit or roll back together.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// Deliverer sends one recorded email; notify implements it. An error with a
// method Permanent() bool that returns true is not retried; one with a
// method Wait() bool that returns true puts the job back for a moment
// without using up an attempt.
type Deliverer interface {
	Deliver(ctx context.Context, emailID int64, final bool) error
}

// Reminders queues the reminders that are due; booking.Scheduler implements
// it.
type Reminders interface {
	QueueReminders(ctx context.Context) (int, error)
}

// Config holds the queue's settings.
type Config struct {
	Dialect string // "postgres" or "sqlite", as the store reports it
	// Workers is how many emails are delivered at once.
	Workers int
	// MaxAttempts is how often an email is tried before it is failed.
	MaxAttempts int
	// RetryBase and RetryMax shape the backoff: the n-th retry waits
	// RetryBase * n^4, at most RetryMax.
	RetryBase time.Duration
	RetryMax  time.Duration
	// PollInterval is how often idle workers look for new jobs.
	PollInterval time.Duration
	// FetchCooldown is the least time between two fetches of jobs while
	// there is work, at most PollInterval (0: River's 100ms, or
	// PollInterval if shorter).
	FetchCooldown time.Duration
	// JobTimeout is the longest one delivery may take (0: River's default,
	// one minute).
	JobTimeout time.Duration
	// ReminderInterval is how often due reminders are looked for; 0 turns
	// the look-out off.
	ReminderInterval time.Duration
	Logger           *slog.Logger
}

// Queue is the River client.
type Queue struct {
	client *river.Client[*sql.Tx]
	log    *slog.Logger
}

func driver(db *sql.DB, dialect string) (riverdriver.Driver[*sql.Tx], error) {
	switch dialect {
	case "postgres":
		return riverdatabasesql.New(db), nil
	case "sqlite":
		return riversqlite.New(db), nil
	}
	return nil, fmt.Errorf("jobs: no River driver for dialect %q", dialect)
}

// Migrate creates or updates River's own tables.
func Migrate(ctx context.Context, db *sql.DB, dialect string) error {
	d, err := driver(db, dialect)
	if err != nil {
		return err
	}
	m, err := rivermigrate.New(d, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

// New returns a queue on db that delivers emails with deliver and looks
// for reminders with reminders.
func New(db *sql.DB, cfg Config, deliver Deliverer, reminders Reminders) (*Queue, error) {
	d, err := driver(db, cfg.Dialect)
	if err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &emailWorker{deliver: deliver, wait: cfg.PollInterval})
	river.AddWorker(workers, &reminderWorker{reminders: reminders})

	var periodic []*river.PeriodicJob
	if cfg.ReminderInterval > 0 {
		periodic = append(periodic, river.NewPeriodicJob(
			river.PeriodicInterval(cfg.ReminderInterval),
			func() (river.JobArgs, *river.InsertOpts) { return reminderArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true},
		))
	}
	client, err := river.NewClient(d, &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:           workers,
		PeriodicJobs:      periodic,
		MaxAttempts:       cfg.MaxAttempts,
		RetryPolicy:       backoff{base: cfg.RetryBase, max: cfg.RetryMax},
		FetchPollInterval: cfg.PollInterval,
		JobTimeout:        cfg.JobTimeout,
		FetchCooldown:     cmp.Or(cfg.FetchCooldown, min(cfg.PollInterval, river.FetchCooldownDefault)),
		Logger:            cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return &Queue{client: client, log: cfg.Logger}, nil
}

// EnqueueEmail queues the delivery of a recorded email inside tx, the
// transaction that recorded it.
func (q *Queue) EnqueueEmail(ctx context.Context, tx *sql.Tx, emailID int64) error {
	if _, err := q.client.InsertTx(ctx, tx, emailArgs{EmailID: emailID}, nil); err != nil {
		return fmt.Errorf("enqueue email %d: %w", emailID, err)
	}
	return nil
}

// Start starts working jobs until Stop.
func (q *Queue) Start(ctx context.Context) error { return q.client.Start(ctx) }

// Stop waits for the jobs in hand to finish, or for ctx to end.
func (q *Queue) Stop(ctx context.Context) error { return q.client.Stop(ctx) }

type emailArgs struct {
	EmailID int64 `json:"email_id"`
}

func (emailArgs) Kind() string { return "email" }

type emailWorker struct {
	river.WorkerDefaults[emailArgs]
	deliver Deliverer
	wait    time.Duration
}

func (w *emailWorker) Work(ctx context.Context, job *river.Job[emailArgs]) error {
	err := w.deliver.Deliver(ctx, job.Args.EmailID, job.Attempt >= job.MaxAttempts)
	var p interface{ Permanent() bool }
	var wait interface{ Wait() bool }
	switch {
	case errors.As(err, &wait) && wait.Wait():
		return river.JobSnooze(w.wait) // does not count as an attempt
	case errors.As(err, &p) && p.Permanent():
		return river.JobCancel(err)
	}
	return err
}

type reminderArgs struct{}

func (reminderArgs) Kind() string { return "reminders" }

// InsertOpts keeps one look-out waiting at a time, however many servers run.
func (reminderArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

type reminderWorker struct {
	river.WorkerDefaults[reminderArgs]
	reminders Reminders
}

func (w *reminderWorker) Work(ctx context.Context, _ *river.Job[reminderArgs]) error {
	_, err := w.reminders.QueueReminders(ctx)
	return err
}

// backoff waits base * n^4 before the n-th retry, at most max, less up to a
// quarter of that at random: emails that failed together in an outage must
// not all come back in the same instant when it ends.
type backoff struct{ base, max time.Duration }

func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(b.wait(job.Attempt))
}

// wait is the time before retry number attempt.
func (b backoff) wait(attempt int) time.Duration {
	n := time.Duration(max(attempt, 1))
	wait := b.base * n * n * n * n
	if wait <= 0 || wait > b.max {
		wait = b.max
	}
	return wait - rand.N(wait/4+1)
}
