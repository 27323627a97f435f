// Command icsbooking runs ICS Booking: `icsbooking serve` starts the web
// server (migrating the database first), `icsbooking migrate` only migrates.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // schedules must not depend on the machine's zoneinfo

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/catalogue"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/jobs"
	"github.com/ics-booking/icsbooking/metrics"
	"github.com/ics-booking/icsbooking/notify"
	"github.com/ics-booking/icsbooking/staff"
	"github.com/ics-booking/icsbooking/web"
	"github.com/ics-booking/icsbooking/web/middleware"
)

const usage = `usage: icsbooking <command>

commands:
  serve      migrate the database and start the web server
  migrate    apply the database migrations and exit
  staff      add, list or disable back-office accounts (icsbooking staff for more)
  catalogue  import or export the catalogue of centers and services
             (icsbooking catalogue for more)

Settings come from ICS_* environment variables; see configs/example.env.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "icsbooking:", err)
		os.Exit(1)
	}
}

// run is the whole program. ready, if not nil, receives the address the
// server listens on (tests start it on port 0).
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer,
	ready chan<- string) error {
	withArgs := len(args) > 0 && (args[0] == "staff" || args[0] == "catalogue")
	if len(args) == 0 || (len(args) != 1 && !withArgs) || (args[0] != "serve" && args[0] != "migrate" && !withArgs) {
		fmt.Fprint(stderr, usage)
		return errors.New("expected one command: serve, migrate, staff or catalogue")
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	logger := newLogger(cfg, stderr, cfg.LogLevel)

	st, err := store.Open(ctx, cfg.DatabaseURL, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	st.SetMaxConns(cfg.DBMaxConns)
	sqlDB, err := st.DB().DB()
	if err != nil {
		return err
	}
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := jobs.Migrate(ctx, sqlDB, st.Dialect()); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	logger.Info("database migrated", "dialect", st.Dialect())
	if args[0] == "migrate" {
		return nil
	}

	if args[0] == "catalogue" {
		return catalogueCommand(ctx, args[1:], st, cfg, logger, stdout, stderr)
	}
	version, cat, loc, err := storedCatalogue(ctx, st, cfg, logger)
	if err != nil {
		return err
	}
	staffDirectory := staff.NewDirectory(st, time.Now)
	if err := staffDirectory.SetThrottle(cfg.LoginThrottle); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	if args[0] == "staff" {
		return staffCommand(ctx, args[1:], staffDirectory, cat, stdin, stdout, stderr)
	}
	for center := range cfg.FeedTokens {
		if _, err := cat.Center(center); err != nil {
			return fmt.Errorf("configuration:\nICS_CALENDAR_FEED_TOKENS: no center %q in the catalogue", center)
		}
	}
	if err := checkCatalogueInUse(ctx, st, version.Number, cat, cfg); err != nil {
		return err
	}
	sealer, err := openSealer(ctx, st, cfg.SecretKeyFile, logger)
	if err != nil {
		return err
	}
	sender, err := newSender(cfg, logger)
	if err != nil {
		return err
	}
	if c, ok := sender.(io.Closer); ok {
		// Deferred before the runner's Stop, so run after it: the
		// deliveries have ended by then.
		defer c.Close()
	}
	scheduler := booking.NewScheduler(cat, st, sealer, booking.Policy{
		Location:              loc,
		Notice:                cfg.Notice,
		HorizonDays:           cfg.HorizonDays,
		InterpreterNoticeDays: cfg.InterpreterNoticeDays,
		ExtraClosedDays:       cfg.ClosedDays,
		MaxSlotDays:           cfg.MaxSlotDays,
		LinkGrace:             cfg.LinkGrace,
		RetentionDays:         cfg.RetentionDays,
		Reminders:             cfg.Reminders,
		ReminderAt:            cfg.ReminderAt,
		UTF8LocalParts:        utf8LocalParts(ctx, cfg, sender, logger),
		MaxActiveBookings:     cfg.MaxActiveBookings,
		SeatCacheTTL:          cfg.SlotCacheTTL,
		WaitlistHold:          cfg.WaitlistHold,
	}, time.Now)
	scheduler.UseCatalogue(version.Number, cat)
	walkIns := booking.NewQueue(scheduler, st, booking.QueuePolicy{
		WalkInCutoff: cfg.WalkInCutoff,
		CheckInEarly: cfg.CheckInEarly,
		CheckInLate:  cfg.CheckInLate,
		NoShowCalls:  cfg.NoShowCalls,
		// Counted only where the web layer passes a client (the API's
		// tickets), never at the kiosk.
		TicketsPerClient: cfg.TicketsPerAddress,
		// The queues the pages show are as old as the pages may be.
		ReadTTL: cfg.PageCacheTTL,
	})

	m := metrics.New()
	deliverer, err := notify.NewDeliverer(st, cat, sealer, sender, notify.DelivererConfig{
		BaseURL: cfg.BaseURL, From: cfg.MailFrom, Location: loc, Now: time.Now, Logger: logger, Observe: m.Email,
		Catalogue: scheduler.Catalogue,
	})
	if err != nil {
		return err
	}
	// Room for a send on a kept SMTP connection that turns out dead, then
	// the dial and the send on a new one, each bounded by the timeout, and
	// for reading the email.
	jobTimeout := 3*cfg.SMTPTimeout + 5*time.Second
	runner, err := jobs.New(sqlDB, jobs.Config{
		Dialect:       st.Dialect(),
		DatabaseURL:   cfg.DatabaseURL,
		Workers:       cfg.MailWorkers,
		MaxAttempts:   cfg.MailMaxAttempts,
		RetryBase:     cfg.MailRetryBase,
		RetryMax:      cfg.MailRetryMax,
		PollInterval:  cfg.JobsPollInterval,
		FetchCooldown: cfg.JobsFetchCooldown,
		JobTimeout:    jobTimeout,
		// A delivery ends by then, its outcome recorded: a job still
		// running had its server killed, and the booking's later emails
		// wait for it.
		RescueAfter:      jobTimeout + notify.RecordTimeout + time.Second,
		ReminderInterval: reminderInterval(cfg),
		// River reports routine work at info level every few seconds.
		Logger: newLogger(cfg, stderr, max(cfg.LogLevel, slog.LevelWarn)),
	}, st, deliverer, scheduler)
	if err != nil {
		return err
	}
	st.SetEnqueuer(runner)
	// Not ctx: River stops hard, abandoning the emails in hand, when the
	// context of Start ends. Shutdown goes through Stop below instead.
	if err := runner.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	defer func() {
		// Deliveries still running after the shutdown timeout are
		// cancelled, and then have RecordTimeout to record how far they got.
		stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout+notify.RecordTimeout+time.Second)
		defer cancel()
		if err := runner.Stop(stopCtx, cfg.ShutdownTimeout); err != nil {
			logger.Warn("jobs did not stop cleanly", "error", err)
		}
	}()

	// Live pages (the waiting-room display) end with ctx, before shutdown
	// waits for requests in flight. PostgreSQL announces every queue change
	// of every server process; SQLite's one process polls.
	livePoll := time.Second
	if st.Dialect() == "postgres" {
		livePoll = 30 * time.Second
	}
	handler := web.New(scheduler, walkIns, web.Config{
		BaseURL:               cfg.BaseURL,
		MailFrom:              cfg.MailFrom,
		InterpreterNoticeDays: cfg.InterpreterNoticeDays,
		HorizonDays:           cfg.HorizonDays,
		RetentionDays:         cfg.RetentionDays,
		MaxBodyBytes:          cfg.MaxBodyBytes,
		FeedTokens:            cfg.FeedTokens,
		TrustedProxies:        cfg.TrustedProxies,
		RateLimitPerMinute:    cfg.RateLimitPerMinute,
		RateCounter:           st,
		AddressKey:            sealer.DeriveKey("icsbooking client address v1"),
		Staff:                 staffDirectory,
		Sessions:              st.Sessions(),
		LivePoll:              livePoll,
		Streams:               ctx,
		MaxStreams:            cfg.MaxStreams,
		MaxStreamsPerAddress:  cfg.MaxStreamsPerAddress,
		Metrics:               m,
		PageCacheTTL:          cfg.PageCacheTTL,
		Ready: func(ctx context.Context) []string {
			var reasons []string
			if err := st.Ready(ctx); err != nil {
				reasons = append(reasons, err.Error())
			}
			if !runner.Running() {
				reasons = append(reasons, "the job workers are not running")
			}
			return reasons
		},
		Logger: logger,
		Now:    time.Now,
	})
	m.Watch(metrics.Sources{
		Jobs:         runner.Backlog,
		QueuedEmails: st.QueuedEmailCount,
		Queues: func(ctx context.Context) ([]metrics.CenterQueue, error) {
			var queues []metrics.CenterQueue
			for _, center := range scheduler.Catalogue().Centers {
				e, err := walkIns.EstimatedWait(ctx, center.ID)
				if err != nil {
					return queues, err
				}
				queues = append(queues, metrics.CenterQueue{Center: center.ID, Waiting: e.Waiting, Wait: e.Wait, Open: e.Open})
			}
			return queues, nil
		},
	}, logger)
	go func() {
		// The queue's tickets are dropped before the live pages compute
		// the changed queue again.
		queueChanged := func(center string) {
			walkIns.Changed(center)
			handler.QueueChanged(center)
		}
		err := st.Listen(ctx, store.Listeners{Queue: queueChanged, Seats: scheduler.Changed,
			Catalogue: func(n int) { reloadCatalogue(ctx, st, scheduler, n, logger, "") }})
		if err != nil {
			logger.Error("listening for changes", "error", err)
		}
	}()
	if st.Dialect() != "postgres" {
		// SQLite's server is one process, but `icsbooking catalogue
		// import` is another: look for its versions now and then.
		go pollCatalogue(ctx, st, scheduler, livePoll, logger)
	}
	return serve(ctx, cfg, handler, logger, ready)
}

// newSender delivers over SMTP when ICS_SMTP_URL is set, and otherwise
// writes each email as an .eml file, so nothing is lost on a laptop.
func newSender(cfg config, logger *slog.Logger) (notify.Sender, error) {
	if cfg.SMTPURL == "" {
		logger.Info("ICS_SMTP_URL is not set: emails are written as .eml files", "dir", cfg.MailDir)
		return &notify.FileSender{Dir: cfg.MailDir}, nil
	}
	s, err := notify.NewSMTPSender(notify.SMTPConfig{URL: cfg.SMTPURL, TLS: cfg.SMTPTLS, Timeout: cfg.SMTPTimeout, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("configuration:\n%w", err)
	}
	return s, nil
}

// utf8LocalParts says whether email addresses with letters outside ASCII
// before the @ can be booked with: an .eml file holds any address, while
// over SMTP the mail server must offer SMTPUTF8 (go-mail then asks for it).
// A mail server that cannot be asked at startup counts as not offering it,
// so that such an address is refused when booking rather than bounced.
func utf8LocalParts(ctx context.Context, cfg config, sender notify.Sender, logger *slog.Logger) bool {
	s, ok := sender.(*notify.SMTPSender)
	if !ok {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, min(cfg.SMTPTimeout, 10*time.Second))
	defer cancel()
	offers, err := s.OffersSMTPUTF8(ctx)
	if err != nil {
		logger.Warn("cannot ask the mail server whether it offers SMTPUTF8: email addresses with letters outside A-Z before the @ are refused until restart",
			"error", err)
		return false
	}
	logger.Info("asked the mail server about SMTPUTF8", "offered", offers)
	return offers
}

func reminderInterval(cfg config) time.Duration {
	if !cfg.Reminders {
		return 0
	}
	return cfg.ReminderInterval
}

// checkCatalogueInUse refuses a catalogue that lacks a center or service
// that bookings still use: their manage pages would answer 404 and their
// emails fail, so the newcomer could neither cancel nor be told.
func checkCatalogueInUse(ctx context.Context, st *store.Store, version int, cat booking.Catalogue, cfg config) error {
	uses, err := st.CatalogueUses(ctx, time.Now().Add(-cfg.LinkGrace))
	if err != nil {
		return err
	}
	if err := cat.CheckUses(uses); err != nil {
		return fmt.Errorf("%s lacks centers or services that bookings still use; keep them until those bookings "+
			"are ICS_MANAGE_LINK_GRACE past their end and their emails are sent:\n%w", catalogue.VersionName(version), err)
	}
	return nil
}

// newLogger writes records of level and above in ICS_LOG_FORMAT, each
// logged for a request naming its ID.
func newLogger(cfg config, w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(middleware.LogHandler(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(middleware.LogHandler(slog.NewTextHandler(w, opts)))
}

// servePprof serves Go's profiles (net/http/pprof) on addr, a separate
// listener for operators that should stay on loopback, until ctx ends.
func servePprof(ctx context.Context, addr string, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("ICS_PPROF_ADDR=%s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	context.AfterFunc(ctx, func() { srv.Close() })
	logger.Info("serving profiles", "pprof_addr", ln.Addr().String())
	return nil
}

// serve runs the HTTP server until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, cfg config, handler http.Handler, logger *slog.Logger, ready chan<- string) error {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("ICS_ADDR=%s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: min(10*time.Second, cfg.HTTPReadTimeout),
		ReadTimeout:       cfg.HTTPReadTimeout,
		WriteTimeout:      cfg.HTTPWriteTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if cfg.PprofAddr != "" {
		if err := servePprof(ctx, cfg.PprofAddr, logger); err != nil {
			ln.Close()
			return err
		}
	}
	logger.Info("serving", "addr", ln.Addr().String(), "base_url", cfg.BaseURL)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
