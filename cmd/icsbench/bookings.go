package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// bookingTarget is the longest a booking's p99 may be at the bench's
// clients (issue 19, point 2).
const bookingTarget = 100 * time.Millisecond

// bookingFigures is what (a) measures beside pgbench's one-row insert:
// the booking script's rate, and bookings over HTTP with their emails sent
// to the SMTP sink and written to files.
type bookingFigures struct {
	clients int
	script  float64 // pgbench's tps running bookingScript
	smtp    result  // bookings over HTTP, emails to the SMTP sink: (a)'s
	files   result  // the same, emails written to files
	// The files' emails: how many bookings had one to get, whether they
	// all arrived, and their rate from the first booking to the last
	// email, or while draining if not all arrived.
	emailed   int
	drained   bool
	emailRate float64
	checks    checks // of the database with files
}

// measureBookings runs the booking script, then bookings over HTTP on a
// server that writes its emails to files, as `make run` does; smtp is
// (a)'s bookings with the SMTP sink, measured just before.
func (b *bench) measureBookings(ctx context.Context, smtp result) (bookingFigures, error) {
	f := bookingFigures{clients: b.clients, smtp: smtp}
	progress("(a) pgbench, one booking's transaction, %d clients", b.clients)
	var err error
	if f.script, err = b.pgbenchBooking(ctx, b.clients); err != nil {
		return f, err
	}
	st, err := b.openFiles(ctx)
	if err != nil {
		return f, err
	}
	defer st.close()
	progress("(a) bookings over HTTP with emails written to files, %d clients", b.clients)
	bk := newBooker(st.srv.URL, b.client)
	f.files = drive(b.clients, b.d, bk.book)
	bookedAt := time.Now()
	refs := bk.references()
	f.emailed = len(refs)
	progress("(a) emails to files draining")
	var took time.Duration
	f.drained, took = waitEmails(st.mail, refs, bookedAt, 2*time.Minute)
	f.emailRate = float64(st.mail.received()) / (took + f.files.elapsed).Seconds()
	f.checks, err = st.check(ctx, refs)
	return f, err
}

// openFiles creates a database and starts the server on it, writing its
// emails into a directory of the bench's.
func (b *bench) openFiles(ctx context.Context) (*stage, error) {
	path, err := writeCatalogue(b.dir, 0)
	if err != nil {
		return nil, err
	}
	dbURL, drop, err := createDatabase(ctx, b.adminURL)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(b.dir, "mail-"+filepath.Base(dbURL))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		drop()
		return nil, err
	}
	st := &stage{dbURL: dbURL, drop: drop, mail: newMaildir(dir), since: time.Now()}
	if st.srv, err = b.bin.serveFiles(dbURL, path, dir); err != nil {
		st.close()
		return nil, err
	}
	return st, nil
}

// bookings adds the rows of the booking script and of the bookings over
// HTTP against it.
func (r *report) bookings(f bookingFigures) {
	r.add(fmt.Sprintf("(a) pgbench booking script, %d clients", f.clients), fmt.Sprintf("%.0f tps", f.script), "")
	for _, run := range []struct {
		name string
		res  result
	}{{"mail to SMTP sink", f.smtp}, {"mail to files", f.files}} {
		r.add("    bookings over HTTP, "+run.name, fmt.Sprintf("%.0f /s (%d not 201)", run.res.perSecond(), run.res.other), "")
		r.ratio("    ratio to the booking script", run.res.perSecond()/f.script, 0.5)
		p99 := run.res.quantile(0.99)
		r.target("    booking p50, p99", fmt.Sprintf("%s, %s", ms(run.res.quantile(0.5)), ms(p99)),
			fmt.Sprintf("p99 < %d ms", bookingTarget.Milliseconds()), p99 < bookingTarget)
	}
	drain := "backlog left after 2 minutes"
	if f.drained {
		drain = fmt.Sprintf("%d, first booking to last email", f.emailed)
	}
	r.add("    emails written to files", fmt.Sprintf("%.0f /s (%s)", f.emailRate, drain), "")
	r.checks("files: ", f.checks)
}
