package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/catalogue"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/configs"
)

const catalogueUsage = `usage:
  icsbooking catalogue import FILE
      checks FILE as the server checks its catalogue and stores it as the
      next version, which every server process uses within a second; it
      prints the version's number. A file that takes away what bookings
      still use, or leaves future bookings outside the hours or without
      their service, is refused with the list of them: change those in the
      back office, where they can be cancelled with an email.
  icsbooking catalogue export [VERSION]
      writes the latest version (or VERSION) as YAML to standard output
`

// The catalogue lives in the database as numbered versions. ICS_CATALOGUE
// (or the built-in configs/catalogue.yaml) only seeds a new database; from
// then on admins change it in the back office, or load a file with
// `icsbooking catalogue import`.

// catalogueFile returns the catalogue file of the configuration, its name
// for messages and its content: ICS_CATALOGUE's, or the built-in one.
func catalogueFile(cfg config) (string, []byte, error) {
	if cfg.Catalogue == "" {
		return configs.CatalogueName, configs.Catalogue, nil
	}
	data, err := os.ReadFile(cfg.Catalogue)
	if err != nil {
		return "", nil, fmt.Errorf("ICS_CATALOGUE=%s: %w", cfg.Catalogue, err)
	}
	return cfg.Catalogue, data, nil
}

// storedCatalogue returns the catalogue in use: the latest version in the
// database, which the configuration's file seeds if there is none. A file
// set with ICS_CATALOGUE that differs from that version is not used, and
// the log says so.
func storedCatalogue(ctx context.Context, st *store.Store, cfg config, logger *slog.Logger) (booking.CatalogueVersion, booking.Catalogue, *time.Location, error) {
	name, data, err := catalogueFile(cfg)
	if err != nil {
		return booking.CatalogueVersion{}, booking.Catalogue{}, nil, err
	}
	seeded, err := catalogue.Seed(ctx, st, name, data, time.Now())
	if err != nil {
		if cfg.Catalogue != "" {
			err = fmt.Errorf("ICS_CATALOGUE=%s: %w", cfg.Catalogue, err)
		}
		return booking.CatalogueVersion{}, booking.Catalogue{}, nil, err
	}
	v, cat, loc, err := catalogue.Stored(ctx, st, 0)
	if err != nil {
		return booking.CatalogueVersion{}, booking.Catalogue{}, nil, fmt.Errorf("load the catalogue: %w", err)
	}
	switch same, err := catalogue.Same(v, name, data); {
	case seeded:
		logger.Info("catalogue seeded from the file", "file", name, "version", v.Number)
	case cfg.Catalogue != "" && (err != nil || !same):
		logger.Warn("ICS_CATALOGUE differs from the catalogue in the database, which is the one used: "+
			"load the file with `icsbooking catalogue import` to use it", "file", cfg.Catalogue, "version", v.Number)
	}
	return v, cat, loc, nil
}

// catalogueCommand runs `icsbooking catalogue import|export`.
func catalogueCommand(ctx context.Context, args []string, st *store.Store, cfg config, logger *slog.Logger, stdout, stderr io.Writer) error {
	switch {
	case len(args) == 2 && args[0] == "import":
		return importCatalogue(ctx, args[1], st, cfg, logger, stdout)
	case len(args) <= 2 && len(args) > 0 && args[0] == "export":
		n := 0
		if len(args) == 2 {
			var err error
			if n, err = strconv.Atoi(args[1]); err != nil || n < 1 {
				return fmt.Errorf("catalogue export: %q is not a version number", args[1])
			}
		}
		return exportCatalogue(ctx, st, n, stdout)
	}
	fmt.Fprint(stderr, catalogueUsage)
	return errors.New("catalogue: expected import FILE or export [VERSION]")
}

// importCatalogue stores the file at path as the next version, with the
// checks of a change in the back office.
func importCatalogue(ctx context.Context, path string, st *store.Store, cfg config, logger *slog.Logger, stdout io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("catalogue import: %w", err)
	}
	f, err := catalogue.Decode(path, data)
	if err != nil {
		return err
	}
	next, loc, err := catalogue.Check(path, f)
	if err != nil {
		return err
	}
	doc, err := catalogue.Marshal(f)
	if err != nil {
		return err
	}
	// On a new database the file is the first version; otherwise the
	// scheduler checks it against the version in use and its bookings.
	current, cat, currentLoc, err := catalogue.Stored(ctx, st, 0)
	switch {
	case errors.Is(err, booking.ErrNotFound):
		cat = next
	case err != nil:
		return fmt.Errorf("catalogue import: %w", err)
	case string(current.Document) == string(doc):
		fmt.Fprintf(stdout, "%s is catalogue version %d already\n", path, current.Number)
		return nil
	}
	// The import may change the time zone, which servers use only after
	// a restart: the scheduler checks the file in its own zone.
	scheduler := booking.NewScheduler(cat, st, nil, booking.Policy{
		Location: loc, HorizonDays: cfg.HorizonDays, LinkGrace: cfg.LinkGrace, ExtraClosedDays: cfg.ClosedDays,
	}, time.Now)
	scheduler.UseCatalogue(current.Number, cat)
	v, _, err := scheduler.ChangeCatalogue(ctx, booking.CatalogueChange{
		Base: current.Number, Catalogue: next, Location: loc, Document: doc, Author: "import", Note: "imported from " + path,
	})
	var stranded *booking.StrandedError
	switch {
	case errors.As(err, &stranded):
		lines := make([]string, len(stranded.Bookings))
		for i, s := range stranded.Bookings {
			lines[i] = fmt.Sprintf("%s at %s on %s: %s", s.Booking.Reference, s.Booking.Center,
				s.Booking.Start.In(loc).Format("2006-01-02 15:04"), strandedWhy(s))
		}
		return fmt.Errorf("catalogue import: %s would strand %d future bookings; change the catalogue in the back office, "+
			"which can cancel them with an email, or keep them in the file:\n%s", path, len(lines), strings.Join(lines, "\n"))
	case err != nil:
		return fmt.Errorf("catalogue import: %w", err)
	}
	if currentLoc != nil && currentLoc.String() != loc.String() {
		logger.Warn("the time zone changed: restart every server process to use it", "from", currentLoc, "to", loc)
	}
	fmt.Fprintf(stdout, "imported %s as catalogue version %d\n", path, v.Number)
	return nil
}

// strandedWhy says in words why a change strands a booking.
func strandedWhy(s booking.Stranded) string {
	switch s.Why {
	case booking.StrandedCenter:
		return "its center is gone"
	case booking.StrandedService:
		return fmt.Sprintf("service %q is gone or can no longer be booked", s.Subject)
	case booking.StrandedInterpreter:
		return fmt.Sprintf("the center no longer offers an interpreter for %q", s.Subject)
	}
	return "it is outside the new opening hours"
}

// exportCatalogue writes version n (0: the latest) as a file.
func exportCatalogue(ctx context.Context, st *store.Store, n int, stdout io.Writer) error {
	v, err := st.CatalogueVersion(ctx, n)
	if err != nil {
		return fmt.Errorf("catalogue export: %w", err)
	}
	f, err := catalogue.Decode(catalogue.VersionName(v.Number), v.Document)
	if err != nil {
		return err
	}
	data, err := catalogue.Export(f, v.Number, v.At)
	if err != nil {
		return err
	}
	_, err = stdout.Write(data)
	return err
}

// reloadCatalogue uses the latest version of the catalogue if it is later
// than the one in use: the announcement of version number was heard (0:
// one may have been missed). A version that cannot be read, or that keeps
// hours in another time zone, is logged and not used; it returns what was
// logged of the failure, and a failure the same as said is not logged
// again (the poll's, every second on SQLite).
func reloadCatalogue(ctx context.Context, st *store.Store, scheduler *booking.Scheduler, number int, logger *slog.Logger, said string) string {
	n, err := catalogue.Reload(ctx, st, scheduler, number)
	switch {
	case err != nil && err.Error() == said:
		return said
	case err != nil:
		logger.Error("the catalogue's latest version cannot be used", "error", err)
		return err.Error()
	case n != 0:
		logger.Info("catalogue version in use", "version", n)
	}
	return ""
}

// pollCatalogue looks for a new version of the catalogue every interval
// until ctx ends.
func pollCatalogue(ctx context.Context, st *store.Store, scheduler *booking.Scheduler, interval time.Duration, logger *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	said := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			said = reloadCatalogue(ctx, st, scheduler, 0, logger, said)
		}
	}
}
