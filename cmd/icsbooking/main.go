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
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // schedules must not depend on the machine's zoneinfo

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/catalogue"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/configs"
	"github.com/ics-booking/icsbooking/web"
)

const usage = `usage: icsbooking <command>

commands:
  serve    migrate the database and start the web server
  migrate  apply the database migrations and exit

Settings come from ICS_* environment variables; see configs/example.env.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "icsbooking:", err)
		os.Exit(1)
	}
}

// run is the whole program. ready, if not nil, receives the address the
// server listens on (tests start it on port 0).
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, ready chan<- string) error {
	if len(args) != 1 || (args[0] != "serve" && args[0] != "migrate") {
		fmt.Fprint(stderr, usage)
		return errors.New("expected one command: serve or migrate")
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	logger := newLogger(cfg, stderr)

	st, err := store.Open(ctx, cfg.DatabaseURL, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	logger.Info("database migrated", "dialect", st.Dialect())
	if args[0] == "migrate" {
		return nil
	}

	cat, loc, err := loadCatalogue(cfg.Catalogue)
	if err != nil {
		return err
	}
	scheduler := booking.NewScheduler(cat, st, booking.Policy{
		Location:              loc,
		Notice:                cfg.Notice,
		HorizonDays:           cfg.HorizonDays,
		InterpreterNoticeDays: cfg.InterpreterNoticeDays,
		ExtraClosedDays:       cfg.ClosedDays,
		MaxSlotDays:           cfg.MaxSlotDays,
	}, time.Now)
	handler := web.New(scheduler, web.Config{BaseURL: cfg.BaseURL, MaxBodyBytes: cfg.MaxBodyBytes, Logger: logger})
	return serve(ctx, cfg, handler, logger, ready)
}

func loadCatalogue(path string) (booking.Catalogue, *time.Location, error) {
	if path == "" {
		return catalogue.Parse(configs.CatalogueName, configs.Catalogue)
	}
	return catalogue.Load(path)
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// serve runs the HTTP server until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, cfg config, handler http.Handler, logger *slog.Logger, ready chan<- string) error {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("ICS_ADDR=%s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
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
