// Package jobs runs ICS Booking's durable background work on River
// (github.com/riverqueue/river), on PostgreSQL or SQLite: delivering each
// email, retried with backoff until it goes out, looking for due reminders,
// erasing the personal data of old bookings, and looking out for queued
// emails that lost their job. Jobs are inserted
// in the transaction of the booking change that causes them, so a change
// and its email commit or roll back together.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/ics-booking/icsbooking/booking"
)

// Deliverer sends one recorded email; notify implements it. An error with a
// method Permanent() bool that returns true is not retried; one with a
// method WaitingFor() int64 puts the job back, without using up an attempt,
// until the next attempt of the email it names. An attempt cut short by a
// shutdown must return an error wrapping context.Canceled: River then puts
// the job back without counting it.
type Deliverer interface {
	Deliver(ctx context.Context, emailID int64, final bool) error
}

// Emails is what the runner needs of the email records to see that none is
// left queued without a job to deliver it; the store implements it.
type Emails interface {
	Email(ctx context.Context, id int64) (booking.Email, error)
	// QueuedEmails returns up to limit queued emails with an ID above
	// afterID, in ID order.
	QueuedEmails(ctx context.Context, afterID int64, limit int) ([]booking.Email, error)
	// RecordEmailLost counts attempt number attempt of a queued email as
	// made without a recorded outcome, failing the email if final; it
	// reports false, changing nothing, unless the email is still queued
	// with attempt-1 attempts.
	RecordEmailLost(ctx context.Context, id int64, attempt int, reason string, final bool, at time.Time) (bool, error)
}

// Scheduler queues the reminders that are due and erases the personal data
// past its retention; booking.Scheduler implements it.
type Scheduler interface {
	QueueReminders(ctx context.Context) (int, error)
	EraseExpired(ctx context.Context) (int, error)
	// ExpireOffer ends a waitlist entry's offer number offer if its hold
	// ran out unanswered; SweepWaitlist ends those whose job was lost and
	// the entries past their last day; EraseWaitlist erases the personal
	// data of old entries.
	ExpireOffer(ctx context.Context, entryID int64, offer int) error
	SweepWaitlist(ctx context.Context) (int, error)
	EraseWaitlist(ctx context.Context) (int, error)
}

// Config holds the runner's settings.
type Config struct {
	Dialect string // "postgres" or "sqlite", as the store reports it
	// DatabaseURL is the PostgreSQL database's URL (ICS_DATABASE_URL).
	// River then listens for new jobs (LISTEN) on a connection of its own,
	// and picks each up as soon as it is committed rather than at the next
	// poll; every other query still goes through the *sql.DB. Empty, or
	// on SQLite: idle workers only poll.
	DatabaseURL string
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
	// RescueAfter is how long a job may be running before it is taken for
	// abandoned (its server was killed) and tried again; at least
	// JobTimeout plus the time a delivery takes to record its outcome after
	// it (0: River's default, JobTimeout plus an hour).
	RescueAfter time.Duration
	// ReminderInterval is how often due reminders are looked for; 0 turns
	// the look-out off.
	ReminderInterval time.Duration
	// ReconcileInterval is how often queued emails without a job are
	// looked for (0: every minute).
	ReconcileInterval time.Duration
	// EraseInterval is how often the personal data past its retention is
	// erased (0: every hour).
	EraseInterval time.Duration
	Logger        *slog.Logger
}

// Runner runs the background jobs on a River client: it queues the delivery
// of emails and works through the jobs. (booking.Queue is the walk-in queue.)
type Runner struct {
	running atomic.Bool
	db      *sql.DB
	// listener is the pgx pool River's LISTEN connection comes from; nil
	// when polling only.
	listener *pgxpool.Pool
	client   *river.Client[*sql.Tx]
	log      *slog.Logger
	emails   Emails
	deliver  Deliverer
	dialect  string
	// As River applies them: maxAttempts for a revived email's budget,
	// pollInterval and retryMax to bound a wait for an earlier email.
	maxAttempts            int
	pollInterval, retryMax time.Duration
}

// liveStates are the states of a job that is still to run, or running.
var liveStates = []rivertype.JobState{
	rivertype.JobStateAvailable,
	rivertype.JobStatePending,
	rivertype.JobStateRetryable,
	rivertype.JobStateRunning,
	rivertype.JobStateScheduled,
}

// reconcileEvery is how often queued emails without a job are looked for
// when Config.ReconcileInterval is 0. The wait of a later email brings an
// earlier one without a job back at once; only a booking's last email
// waits for this.
const reconcileEvery = time.Minute

// eraseEvery is how often the personal data past its retention is erased
// when Config.EraseInterval is 0.
const eraseEvery = time.Hour

// reconcileBatch is how many queued emails the look-out checks at a time.
const reconcileBatch = 500

// driver is River's driver for db; on PostgreSQL with a listener pool it
// listens for new jobs on a connection from that pool.
func driver(db *sql.DB, dialect string, listener *pgxpool.Pool) (riverdriver.Driver[*sql.Tx], error) {
	switch dialect {
	case "postgres":
		if listener != nil {
			return riverdatabasesql.NewWithPgxListener(db, listener), nil
		}
		return riverdatabasesql.New(db), nil
	case "sqlite":
		return riversqlite.New(db), nil
	}
	return nil, fmt.Errorf("jobs: no River driver for dialect %q", dialect)
}

// Migrate creates or updates River's own tables.
func Migrate(ctx context.Context, db *sql.DB, dialect string) error {
	d, err := driver(db, dialect, nil)
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

// New returns a Runner on db that delivers the emails recorded in emails
// with deliver, and looks for reminders and erases old personal data with
// scheduler.
func New(db *sql.DB, cfg Config, emails Emails, deliver Deliverer, scheduler Scheduler) (_ *Runner, err error) {
	var listener *pgxpool.Pool
	if cfg.Dialect == "postgres" && cfg.DatabaseURL != "" {
		if listener, err = listenerPool(cfg.DatabaseURL); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				listener.Close()
			}
		}()
	}
	d, err := driver(db, cfg.Dialect, listener)
	if err != nil {
		return nil, err
	}
	r := &Runner{
		db:           db,
		listener:     listener,
		log:          cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler)),
		emails:       emails,
		deliver:      deliver,
		dialect:      cfg.Dialect,
		maxAttempts:  cmp.Or(cfg.MaxAttempts, river.MaxAttemptsDefault),
		pollInterval: cmp.Or(cfg.PollInterval, river.FetchPollIntervalDefault),
		retryMax:     cfg.RetryMax,
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &emailWorker{runner: r})
	river.AddWorker(workers, &reminderWorker{scheduler: scheduler})
	eraseInterval := cmp.Or(cfg.EraseInterval, eraseEvery)
	river.AddWorker(workers, &eraseWorker{scheduler: scheduler, every: eraseInterval})
	river.AddWorker(workers, &reconcileWorker{runner: r})
	river.AddWorker(workers, &offerExpiryWorker{scheduler: scheduler})
	river.AddWorker(workers, &sweepWorker{scheduler: scheduler})

	periodic := []*river.PeriodicJob{river.NewPeriodicJob(
		river.PeriodicInterval(cmp.Or(cfg.ReconcileInterval, reconcileEvery)),
		func() (river.JobArgs, *river.InsertOpts) { return reconcileArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true},
	), river.NewPeriodicJob(
		river.PeriodicInterval(eraseInterval),
		func() (river.JobArgs, *river.InsertOpts) {
			// One run per period (River's shortest is a second), however
			// many servers insert it.
			unique := river.UniqueOpts{ByPeriod: max(eraseInterval, time.Second)}
			return eraseArgs{}, &river.InsertOpts{MaxAttempts: 1, UniqueOpts: unique}
		},
		&river.PeriodicJobOpts{RunOnStart: true},
	), river.NewPeriodicJob(
		river.PeriodicInterval(sweepEvery),
		func() (river.JobArgs, *river.InsertOpts) { return sweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true},
	)}
	if cfg.ReminderInterval > 0 {
		periodic = append(periodic, river.NewPeriodicJob(
			river.PeriodicInterval(cfg.ReminderInterval),
			func() (river.JobArgs, *river.InsertOpts) { return reminderArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true},
		))
	}
	r.client, err = river.NewClient(d, &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		PeriodicJobs:         periodic,
		MaxAttempts:          cfg.MaxAttempts,
		RetryPolicy:          backoff{base: cfg.RetryBase, max: cfg.RetryMax},
		FetchPollInterval:    cfg.PollInterval,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		FetchCooldown:        cmp.Or(cfg.FetchCooldown, min(cfg.PollInterval, river.FetchCooldownDefault)),
		Logger:               cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return r, nil
}

// listenerPool is a pool for River's LISTEN connection alone: River takes
// the connection out of the pool for good (and makes a new one if it is
// lost), so one is all the pool ever lends. It connects when River starts.
func listenerPool(databaseURL string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		// Its error may quote the URL, password included.
		return nil, errors.New("ICS_DATABASE_URL does not parse as a PostgreSQL URL")
	}
	cfg.MaxConns, cfg.MinConns = 1, 0
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: pool for LISTEN: %w", err)
	}
	return pool, nil
}

// EnqueueEmails queues the delivery of recorded emails inside tx, the
// transaction that recorded them, in one statement.
func (r *Runner) EnqueueEmails(ctx context.Context, tx *sql.Tx, emailIDs ...int64) error {
	params := make([]river.InsertManyParams, len(emailIDs))
	for i, id := range emailIDs {
		params[i] = river.InsertManyParams{Args: emailArgs{EmailID: id}}
	}
	if _, err := r.client.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueue %d emails: %w", len(emailIDs), err)
	}
	return nil
}

// EnqueueOfferExpiry queues inside tx the job that ends a waitlist entry's
// offer number offer at at, if it is still open then.
func (r *Runner) EnqueueOfferExpiry(ctx context.Context, tx *sql.Tx, entryID int64, offer int, at time.Time) error {
	_, err := r.client.InsertTx(ctx, tx, offerExpiryArgs{Entry: entryID, Offer: offer}, &river.InsertOpts{ScheduledAt: at})
	if err != nil {
		return fmt.Errorf("enqueue the expiry of an offer: %w", err)
	}
	return nil
}

// Start starts working jobs until Stop.
func (r *Runner) Start(ctx context.Context) error {
	if err := r.client.Start(ctx); err != nil {
		if r.listener != nil {
			r.listener.Close()
		}
		return err
	}
	r.running.Store(true)
	return nil
}

// Running reports whether the workers are working: started and not
// stopping.
func (r *Runner) Running() bool { return r.running.Load() }

// Stop lets the jobs in hand finish for up to grace, then cancels them and
// waits for them to return, or for ctx to end. River puts a cancelled job
// back in the queue without counting the attempt, and the deliverer records
// how far it got, so that a shutdown during a slow send leaves no job
// running for the rescuer to find an hour later.
//
// River's LISTEN connection closes with it, and the pool it came from after.
func (r *Runner) Stop(ctx context.Context, grace time.Duration) error {
	r.running.Store(false)
	if r.listener != nil {
		defer r.listener.Close()
	}
	softCtx, cancel := context.WithTimeout(ctx, grace)
	defer cancel()
	err := r.client.Stop(softCtx)
	if err == nil || ctx.Err() != nil {
		return err
	}
	r.log.WarnContext(ctx, "jobs still running at the end of the shutdown timeout: cancelling them")
	return r.client.StopAndCancel(ctx)
}

type emailArgs struct {
	EmailID int64 `json:"email_id"`
}

func (emailArgs) Kind() string { return "email" }

// InsertOpts keeps one live job per email, so that bringing back an email
// that lost its job can never give it two.
func (emailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: liveStates}}
}

type emailWorker struct {
	river.WorkerDefaults[emailArgs]
	runner *Runner
}

func (w *emailWorker) Work(ctx context.Context, job *river.Job[emailArgs]) error {
	err := w.runner.deliver.Deliver(ctx, job.Args.EmailID, job.Attempt >= job.MaxAttempts)
	var p interface{ Permanent() bool }
	var wait interface{ WaitingFor() int64 }
	switch {
	case errors.As(err, &wait):
		d, err := w.runner.untilTurn(ctx, wait.WaitingFor())
		if err != nil {
			return fmt.Errorf("email %d waits for email %d: %w", job.Args.EmailID, wait.WaitingFor(), err)
		}
		return river.JobSnooze(d) // does not count as an attempt
	case errors.As(err, &p) && p.Permanent():
		return river.JobCancel(err)
	}
	return err
}

// untilTurn is how long an email waiting for the earlier email id should
// snooze: until a poll interval after that one's next attempt, or one poll
// interval while it is being tried; at most RetryMax, the longest any
// attempt is put off. An earlier email without a live job gets one first (or
// fails, if that was its last attempt), so that it cannot hold the later
// one back for ever.
func (r *Runner) untilTurn(ctx context.Context, id int64) (time.Duration, error) {
	live, err := r.liveJobs(ctx, []int64{id})
	if err != nil {
		return 0, err
	}
	job, ok := live[id]
	if !ok {
		e, err := r.emails.Email(ctx, id)
		if err != nil {
			return 0, err
		}
		return r.pollInterval, r.revive(ctx, e)
	}
	return snooze(job, time.Now(), r.pollInterval, r.retryMax), nil
}

// snooze is how long to wait for an earlier email whose job is job: see
// untilTurn.
func snooze(job *rivertype.JobRow, now time.Time, poll, longest time.Duration) time.Duration {
	if job.State == rivertype.JobStateRunning {
		return poll
	}
	return min(max(job.ScheduledAt.Sub(now)+poll, poll), max(longest, poll))
}

// liveJobs returns the live delivery jobs of the emails ids, by email ID.
func (r *Runner) liveJobs(ctx context.Context, ids []int64) (map[int64]*rivertype.JobRow, error) {
	var where string
	var arg any = ids
	switch r.dialect {
	case "postgres":
		where = "CAST(args->>'email_id' AS bigint) = any(@email_ids)"
	default:
		where = "CAST(args->>'email_id' AS integer) IN (SELECT value FROM json_each(@email_ids))"
		list, err := json.Marshal(ids)
		if err != nil {
			return nil, err
		}
		arg = string(list)
	}
	params := river.NewJobListParams().Kinds(emailArgs{}.Kind()).States(liveStates...).
		Where(where, river.NamedArgs{"email_ids": arg}).First(10_000)
	res, err := r.client.JobList(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("jobs of emails: %w", err)
	}
	live := make(map[int64]*rivertype.JobRow, len(res.Jobs))
	for _, job := range res.Jobs {
		var args emailArgs
		if err := json.Unmarshal(job.EncodedArgs, &args); err != nil {
			return nil, fmt.Errorf("job %d: %w", job.ID, err)
		}
		live[args.EmailID] = job
	}
	return live, nil
}

// lostReason is what staff read of an attempt whose job ended without
// recording its outcome.
const lostReason = "an attempt ended without a recorded outcome (its server stopped, or the outcome could not be written)"

// revive gives email e, queued without a live job, a new one. The attempt
// its last job was making counts, so that an email whose jobs keep ending
// that way runs out of attempts and fails rather than holding back its
// booking's later emails; an email out of attempts fails now.
func (r *Runner) revive(ctx context.Context, e booking.Email) error {
	attempt := e.Attempts + 1
	final := attempt >= r.maxAttempts
	recorded, err := r.emails.RecordEmailLost(ctx, e.ID, attempt, lostReason, final, time.Now())
	if err != nil || !recorded {
		return err // !recorded: someone else got there first, or it is no longer queued
	}
	if final {
		r.log.WarnContext(ctx, "email without a delivery job failed: no attempts left", "email", e.ID, "attempt", attempt)
		return nil
	}
	opts := &river.InsertOpts{MaxAttempts: r.maxAttempts - attempt}
	if _, err := r.client.Insert(ctx, emailArgs{EmailID: e.ID}, opts); err != nil {
		return fmt.Errorf("queue email %d again: %w", e.ID, err)
	}
	r.log.WarnContext(ctx, "email without a delivery job queued again", "email", e.ID, "attempt", attempt)
	return nil
}

// reconcile revives every queued email that has no live job.
func (r *Runner) reconcile(ctx context.Context) error {
	for after := int64(0); ; {
		emails, err := r.emails.QueuedEmails(ctx, after, reconcileBatch)
		if err != nil || len(emails) == 0 {
			return err
		}
		ids := make([]int64, len(emails))
		for i, e := range emails {
			ids[i] = e.ID
		}
		live, err := r.liveJobs(ctx, ids)
		if err != nil {
			return err
		}
		for _, e := range emails {
			if live[e.ID] != nil {
				continue
			}
			if err := r.revive(ctx, e); err != nil {
				return err
			}
		}
		if len(emails) < reconcileBatch {
			return nil
		}
		after = ids[len(ids)-1]
	}
}

type reconcileArgs struct{}

func (reconcileArgs) Kind() string { return "emails_reconcile" }

// InsertOpts keeps one look-out waiting or running at a time.
func (reconcileArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByState: liveStates}}
}

type reconcileWorker struct {
	river.WorkerDefaults[reconcileArgs]
	runner *Runner
}

func (w *reconcileWorker) Work(ctx context.Context, _ *river.Job[reconcileArgs]) error {
	return w.runner.reconcile(ctx)
}

type reminderArgs struct{}

func (reminderArgs) Kind() string { return "reminders" }

// InsertOpts keeps one look-out waiting at a time, however many servers run.
func (reminderArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

type reminderWorker struct {
	river.WorkerDefaults[reminderArgs]
	scheduler Scheduler
}

func (w *reminderWorker) Work(ctx context.Context, _ *river.Job[reminderArgs]) error {
	_, err := w.scheduler.QueueReminders(ctx)
	return err
}

type eraseArgs struct{}

func (eraseArgs) Kind() string { return "erase_expired" }

type eraseWorker struct {
	river.WorkerDefaults[eraseArgs]
	scheduler Scheduler
	every     time.Duration
}

// Timeout lets a run take up to its period, not the client's job timeout,
// which is set for one email: the first run on a database with years of
// history erases all of it.
func (w *eraseWorker) Timeout(*river.Job[eraseArgs]) time.Duration { return w.every }

// Work erases the personal data past its retention, of bookings and of
// waitlist entries.
func (w *eraseWorker) Work(ctx context.Context, _ *river.Job[eraseArgs]) error {
	_, err := w.scheduler.EraseExpired(ctx)
	if err != nil {
		return err
	}
	_, err = w.scheduler.EraseWaitlist(ctx)
	return err
}

// offerExpiryArgs is the end of a waitlist offer, scheduled at its hold's
// expiry in the transaction that made the offer.
type offerExpiryArgs struct {
	Entry int64 `json:"entry"`
	Offer int   `json:"offer"`
}

func (offerExpiryArgs) Kind() string { return "waitlist_offer_expiry" }

type offerExpiryWorker struct {
	river.WorkerDefaults[offerExpiryArgs]
	scheduler Scheduler
}

// Work ends the offer if nobody answered it; it changes nothing when the
// offer was accepted, declined or ended already, so running twice is safe.
func (w *offerExpiryWorker) Work(ctx context.Context, job *river.Job[offerExpiryArgs]) error {
	return w.scheduler.ExpireOffer(ctx, job.Args.Entry, job.Args.Offer)
}

// sweepEvery is how often the waitlist is swept for offers whose expiry job
// was lost and entries past their last day.
const sweepEvery = time.Minute

type sweepArgs struct{}

func (sweepArgs) Kind() string { return "waitlist_sweep" }

// InsertOpts keeps one sweep waiting at a time, however many servers run.
func (sweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: sweepEvery}}
}

type sweepWorker struct {
	river.WorkerDefaults[sweepArgs]
	scheduler Scheduler
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[sweepArgs]) error {
	_, err := w.scheduler.SweepWaitlist(ctx)
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

// Backlog counts the jobs not finished yet by state (available, scheduled,
// retryable, running), for the metrics.
func (r *Runner) Backlog(ctx context.Context) (map[string]int, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable', 'running') GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("job backlog: %w", err)
	}
	defer rows.Close()
	backlog := map[string]int{"available": 0, "scheduled": 0, "retryable": 0, "running": 0}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("job backlog: %w", err)
		}
		backlog[state] = n
	}
	return backlog, rows.Err()
}
