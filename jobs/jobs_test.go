package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	ics "github.com/arran4/golang-ical"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/bookingtest"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/jobs"
	"github.com/ics-booking/icsbooking/notify"
	"github.com/ics-booking/icsbooking/notify/smtptest"
)

const (
	permit      = "residence-permit-renewal"
	maxAttempts = 25
)

// rig is the booking pipeline with real parts: a database, the scheduler,
// River, the deliverer and an SMTP server on loopback.
type rig struct {
	t         *testing.T
	store     *store.Store
	scheduler *booking.Scheduler
	smtp      *smtptest.Server
	clock     *bookingtest.Clock // the scheduler's and the deliverer's; River runs on real time
	loc       *time.Location
	logs      *logBuffer
}

// logBuffer collects what the rig logs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var key = bytes.Repeat([]byte{42}, booking.TokenKeySize)

// newRig starts the pipeline; options change the queue's settings.
func newRig(t *testing.T, dbURL string, smtp *smtptest.Server, options ...func(*jobs.Config)) *rig {
	t.Helper()
	ctx := context.Background()
	cat, loc := bookingtest.Catalogue()
	st, err := store.Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, err := booking.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	clk := bookingtest.NewClock(bookingtest.Thursday)
	scheduler := booking.NewScheduler(cat, st, sealer, bookingtest.Policy(loc), clk.Now)
	// Long enough that a busy machine never cuts a send the mail server
	// accepted, which would go again: the tests count every message.
	sender, err := notify.NewSMTPSender(notify.SMTPConfig{URL: smtp.URL(), TLS: "none", Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	deliverer, err := notify.NewDeliverer(st, cat, sealer, sender, notify.DelivererConfig{
		BaseURL: "https://booking.example.dk", From: "booking@example.dk", Location: loc, Now: clk.Now, Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	db, err := st.DB().DB()
	if err != nil {
		t.Fatal(err)
	}
	cfg := jobs.Config{
		Dialect: st.Dialect(), DatabaseURL: dbURL, Workers: 2, MaxAttempts: maxAttempts,
		RetryBase: 5 * time.Millisecond, RetryMax: 100 * time.Millisecond,
		PollInterval: 20 * time.Millisecond, FetchCooldown: 5 * time.Millisecond,
		ReconcileInterval: 200 * time.Millisecond, Logger: logger,
	}
	for _, option := range options {
		option(&cfg)
	}
	queue, err := jobs.New(db, cfg, st, deliverer, scheduler)
	if err != nil {
		t.Fatal(err)
	}
	st.SetEnqueuer(queue)
	if err := queue.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		queue.Stop(stopCtx, 5*time.Second)
	})
	return &rig{t: t, store: st, scheduler: scheduler, smtp: smtp, clock: clk, loc: loc, logs: logs}
}

func forEachDatabase(t *testing.T, test func(t *testing.T, dialect string)) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) { test(t, d) })
	}
}

func (r *rig) book(start string, name string) (booking.Booking, string) {
	r.t.Helper()
	at, err := time.Parse(time.RFC3339, start)
	if err != nil {
		r.t.Fatal(err)
	}
	b, token, err := r.scheduler.Book(context.Background(), booking.Request{
		Center: "aarhus", Service: permit, Start: at, Name: name, Email: "ana@example.com", Locale: "en",
	})
	if err != nil {
		r.t.Fatalf("book %s: %v", start, err)
	}
	return b, token
}

// receive waits for the next message.
func (r *rig) receive() smtptest.Parsed {
	r.t.Helper()
	select {
	case m := <-r.smtp.Messages:
		p, err := smtptest.Parse(m.Data)
		if err != nil {
			r.t.Fatalf("parse message: %v\n%s", err, m.Data)
		}
		return p
	case <-time.After(30 * time.Second):
		r.t.Fatal("no email arrived")
	}
	return smtptest.Parsed{}
}

// waitEmails polls the booking's email records until done says they are as
// the test needs them, and returns them.
func (r *rig) waitEmails(b booking.Booking, done func([]booking.Email) bool) []booking.Email {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		emails, err := r.store.Emails(context.Background(), b.ID)
		if err != nil {
			r.t.Fatal(err)
		}
		if done(emails) {
			return emails
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("emails of %s: %+v", b.Reference, emails)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, not timing one
	}
}

// waitSent waits until the booking has want emails, all recorded as sent:
// after that no job is left that could send another.
func (r *rig) waitSent(b booking.Booking, want int) []booking.Email {
	r.t.Helper()
	return r.waitEmails(b, func(emails []booking.Email) bool {
		for _, e := range emails {
			if e.State != booking.EmailSent {
				return false
			}
		}
		return len(emails) == want
	})
}

func (r *rig) expectNoMoreMail() {
	r.t.Helper()
	select {
	case m := <-r.smtp.Messages:
		r.t.Errorf("unexpected email:\n%s", m.Data)
	default:
	}
}

// event parses the calendar with an independent parser (not go-ical).
func event(t *testing.T, data []byte) (*ics.Calendar, *ics.VEvent) {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse calendar: %v\n%s", err, data)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d events", len(events))
	}
	return cal, events[0]
}

func prop(e *ics.VEvent, p ics.ComponentProperty) string {
	if v := e.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

func method(cal *ics.Calendar) string {
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == string(ics.PropertyMethod) {
			return p.Value
		}
	}
	return ""
}

func TestInvitationLifecycle(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		r := newRig(t, storetest.URL(t, dialect), smtptest.Start(t))
		ctx := context.Background()
		b, token := r.book("2026-11-30T09:00:00+01:00", "Ana Silva")

		confirm := r.receive()
		cal, ev := event(t, confirm.Calendar)
		uid := prop(ev, ics.ComponentPropertyUniqueId)
		if method(cal) != "REQUEST" || confirm.CalendarMethod != "REQUEST" || uid != b.Reference+"@booking.example.dk" ||
			prop(ev, ics.ComponentPropertySequence) != "0" || prop(ev, ics.ComponentPropertyDtStart) != "20261130T080000Z" ||
			prop(ev, ics.ComponentPropertyStatus) != "CONFIRMED" {
			t.Errorf("confirmation:\n%s", confirm.Calendar)
		}
		if !bytes.Equal(confirm.Attachment, confirm.Calendar) {
			t.Error("invite.ics differs from the inline calendar")
		}
		if !strings.Contains(confirm.Text, "09:00") || !strings.Contains(confirm.Text, "Banegårdspladsen 1A") ||
			!strings.Contains(confirm.Text, booking.ManageURL("https://booking.example.dk", b.Reference, token)) {
			t.Errorf("confirmation text:\n%s", confirm.Text)
		}
		if got := confirm.Header.Get("Message-Id"); got != "<"+b.Reference+".0.confirmation@booking.example.dk>" {
			t.Errorf("Message-ID %q", got)
		}

		at, _ := time.Parse(time.RFC3339, "2026-11-30T11:00:00+01:00")
		if _, err := r.scheduler.Reschedule(ctx, b.Reference, token, at); err != nil {
			t.Fatal(err)
		}
		update := r.receive()
		cal, ev = event(t, update.Calendar)
		if method(cal) != "REQUEST" || prop(ev, ics.ComponentPropertyUniqueId) != uid ||
			prop(ev, ics.ComponentPropertySequence) != "1" || prop(ev, ics.ComponentPropertyDtStart) != "20261130T100000Z" {
			t.Errorf("update:\n%s", update.Calendar)
		}

		if _, err := r.scheduler.Cancel(ctx, b.Reference, token); err != nil {
			t.Fatal(err)
		}
		cancel := r.receive()
		cal, ev = event(t, cancel.Calendar)
		if method(cal) != "CANCEL" || cancel.CalendarMethod != "CANCEL" || prop(ev, ics.ComponentPropertyUniqueId) != uid ||
			prop(ev, ics.ComponentPropertySequence) != "2" || prop(ev, ics.ComponentPropertyStatus) != "CANCELLED" ||
			prop(ev, ics.ComponentPropertyDtStart) != "20261130T100000Z" {
			t.Errorf("cancel:\n%s", cancel.Calendar)
		}
		r.waitSent(b, 3)
		r.expectNoMoreMail()
	})
}

// TestMailServerOutage books while the mail server is down: the email waits,
// is retried, and arrives exactly once when the server is back.
func TestMailServerOutage(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		r := newRig(t, storetest.URL(t, dialect), smtptest.Start(t))
		r.smtp.Stop()
		b, _ := r.book("2026-12-01T09:00:00+01:00", "Ana Silva")

		// Wait until deliveries have failed and been recorded.
		r.waitEmails(b, func(emails []booking.Email) bool {
			return len(emails) == 1 && emails[0].Attempts >= 2 && emails[0].State == booking.EmailQueued && emails[0].LastError != ""
		})

		r.smtp.Restart()
		m := r.receive()
		if m.CalendarMethod != "REQUEST" {
			t.Errorf("method %q", m.CalendarMethod)
		}
		emails := r.waitSent(b, 1)
		if emails[0].LastError != "" || emails[0].Attempts < 3 {
			t.Errorf("email record %+v", emails[0])
		}
		r.expectNoMoreMail()
	})
}

func TestReminders(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		r := newRig(t, storetest.URL(t, dialect), smtptest.Start(t))
		ctx := context.Background()
		monday, _ := r.book("2026-11-30T09:00:00+01:00", "Ana Silva")
		tuesday, _ := r.book("2026-12-01T09:00:00+01:00", "Bo Berg")
		gone, goneToken := r.book("2026-11-30T10:00:00+01:00", "Cai Chen")
		if _, err := r.scheduler.Cancel(ctx, gone.Reference, goneToken); err != nil {
			t.Fatal(err)
		}
		for range 4 { // three confirmations and a cancellation
			r.receive()
		}

		// Friday 09:59: not yet. Friday 10:30: Monday's appointments.
		r.clock.Set(time.Date(2026, 11, 27, 8, 59, 0, 0, time.UTC))
		if n, err := r.scheduler.QueueReminders(ctx); err != nil || n != 0 {
			t.Fatalf("before 10:00: %d, %v", n, err)
		}
		r.clock.Set(time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC))
		if n, err := r.scheduler.QueueReminders(ctx); err != nil || n != 1 {
			t.Fatalf("Friday: %d reminders, %v; want 1", n, err)
		}
		reminder := r.receive()
		if !strings.HasPrefix(reminder.Subject, "Reminder:") || !strings.Contains(reminder.Text, "Ana Silva") || reminder.Calendar != nil {
			t.Errorf("reminder %q:\n%s", reminder.Subject, reminder.Text)
		}
		if n, err := r.scheduler.QueueReminders(ctx); err != nil || n != 0 {
			t.Errorf("second look-out queued %d, %v", n, err)
		}
		r.waitSent(monday, 2)
		r.waitSent(tuesday, 1)
		r.expectNoMoreMail()
	})
}

// TestTwoServersSendOnce runs two queues, as two server processes would, on
// one PostgreSQL database: every change is emailed once.
func TestTwoServersSendOnce(t *testing.T) {
	url := storetest.URL(t, "postgres")
	smtp := smtptest.Start(t)
	a := newRig(t, url, smtp)
	b := newRig(t, url, smtp)
	var made []booking.Booking
	for i, start := range []string{"09:00", "09:30", "10:00", "10:30", "11:00", "11:30"} {
		r := a
		if i%2 == 1 {
			r = b
		}
		bk, _ := r.book("2026-12-02T"+start+":00+01:00", "Person "+start)
		made = append(made, bk)
	}
	ids := map[string]bool{}
	for range made {
		m := a.receive()
		ids[m.Header.Get("Message-Id")] = true
	}
	for _, bk := range made {
		a.waitSent(bk, 1)
	}
	a.expectNoMoreMail()
	if len(ids) != len(made) {
		t.Errorf("%d distinct messages for %d bookings", len(ids), len(made))
	}
}

// TestPostgresPicksUpNewJobsAtOnce: on PostgreSQL River hears of a new job
// by LISTEN/NOTIFY when its booking commits, not at the next poll. Idle
// workers here poll once an hour, so only a notification can bring the
// confirmation within receive's 30 seconds.
func TestPostgresPicksUpNewJobsAtOnce(t *testing.T) {
	r := newRig(t, storetest.URL(t, "postgres"), smtptest.Start(t), func(c *jobs.Config) {
		c.PollInterval, c.ReconcileInterval = time.Hour, time.Hour
	})
	b, _ := r.book("2026-12-02T09:00:00+01:00", "Ana Silva")
	if m := r.receive(); m.CalendarMethod != "REQUEST" {
		t.Errorf("method %q", m.CalendarMethod)
	}
	r.waitSent(b, 1)
}

// TestChangesArriveInOrder changes a booking three times while the mail
// server is down: when it is back, the three emails arrive once each and in
// order, so no calendar revives a cancelled appointment.
func TestChangesArriveInOrder(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		r := newRig(t, storetest.URL(t, dialect), smtptest.Start(t))
		ctx := context.Background()
		r.smtp.Stop()
		b, token := r.book("2026-12-03T09:00:00+01:00", "Ana Silva")
		at, _ := time.Parse(time.RFC3339, "2026-12-03T13:00:00+01:00")
		if _, err := r.scheduler.Reschedule(ctx, b.Reference, token, at); err != nil {
			t.Fatal(err)
		}
		if _, err := r.scheduler.Cancel(ctx, b.Reference, token); err != nil {
			t.Fatal(err)
		}
		// Let the first email fail at least once before the server returns.
		r.waitEmails(b, func(emails []booking.Email) bool { return len(emails) == 3 && emails[0].Attempts >= 1 })
		r.smtp.Restart()
		for i, want := range []struct{ method, sequence string }{{"REQUEST", "0"}, {"REQUEST", "1"}, {"CANCEL", "2"}} {
			m := r.receive()
			cal, ev := event(t, m.Calendar)
			if method(cal) != want.method || prop(ev, ics.ComponentPropertySequence) != want.sequence {
				t.Errorf("email %d: %s sequence %s, want %s %s", i+1, method(cal), prop(ev, ics.ComponentPropertySequence), want.method, want.sequence)
			}
		}
		r.waitSent(b, 3)
		r.expectNoMoreMail()
		if strings.Contains(r.logs.String(), "without a delivery job") {
			t.Errorf("an email waiting for an earlier one did not see its job:\n%s", r.logs)
		}
	})
}

// TestReminderOfMovedBookingIsSkipped: a reminder still waiting for the mail
// server when its booking moves is not sent with the old time.
func TestReminderOfMovedBookingIsSkipped(t *testing.T) {
	r := newRig(t, storetest.URL(t, "sqlite"), smtptest.Start(t))
	ctx := context.Background()
	b, token := r.book("2026-11-30T09:00:00+01:00", "Ana Silva")
	r.receive()
	r.waitSent(b, 1)

	r.smtp.Stop()
	r.clock.Set(time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)) // Friday 10:30
	if n, err := r.scheduler.QueueReminders(ctx); err != nil || n != 1 {
		t.Fatalf("reminders: %d, %v", n, err)
	}
	r.waitEmails(b, func(emails []booking.Email) bool { return len(emails) == 2 && emails[1].Attempts >= 1 })
	at, _ := time.Parse(time.RFC3339, "2026-12-01T09:00:00+01:00")
	if _, err := r.scheduler.Reschedule(ctx, b.Reference, token, at); err != nil {
		t.Fatal(err)
	}
	// The next attempt finds the reminder out of date. (An attempt already
	// under way when the booking moved may still fail: the server is down.)
	r.waitEmails(b, func(emails []booking.Email) bool {
		return len(emails) == 3 && emails[1].Kind == booking.EmailReminder && emails[1].State == booking.EmailSkipped
	})
	r.smtp.Restart()
	if m := r.receive(); m.CalendarMethod != "REQUEST" || strings.HasPrefix(m.Subject, "Reminder") {
		t.Errorf("got %q, want only the update", m.Subject)
	}
	r.waitEmails(b, func(emails []booking.Email) bool { return len(emails) == 3 && emails[2].State == booking.EmailSent })
	r.expectNoMoreMail()
}

// dropJob deletes the delivery job of an email that is waiting for its next
// attempt, as when River discards a job that failed to record its outcome
// or gives up on one whose server died: the email stays queued without a
// job.
func (r *rig) dropJob(emailID int64) {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res := r.store.DB().Exec(`DELETE FROM river_job WHERE kind = 'email' AND state <> 'running'
			AND CAST(args->>'email_id' AS bigint) = ?`, emailID)
		if res.Error != nil {
			r.t.Fatal(res.Error)
		}
		if res.RowsAffected == 1 {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("email %d kept its job running", emailID)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition: the job between attempts
	}
}

// failing waits until the booking's first email has failed at least once
// and is queued for its next attempt, and returns it.
func (r *rig) failing(b booking.Booking) booking.Email {
	r.t.Helper()
	return r.waitEmails(b, func(emails []booking.Email) bool {
		return len(emails) == 1 && emails[0].Attempts >= 1 && emails[0].State == booking.EmailQueued
	})[0]
}

// An email left queued without a job, and no later email of its booking to
// notice, is found by the look-out and delivered; the attempt whose outcome
// was lost counts.
func TestEmailWithoutJobIsDelivered(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		r := newRig(t, storetest.URL(t, dialect), smtptest.Start(t))
		r.smtp.Stop()
		b, _ := r.book("2026-12-01T09:00:00+01:00", "Ana Silva")
		e := r.failing(b)
		r.dropJob(e.ID)
		r.smtp.Restart()

		if m := r.receive(); m.CalendarMethod != "REQUEST" {
			t.Errorf("method %q", m.CalendarMethod)
		}
		sent := r.waitSent(b, 1)[0]
		if sent.Attempts < e.Attempts+2 {
			t.Errorf("%d attempts recorded; %d before the job was lost, which took one more", sent.Attempts, e.Attempts)
		}
		r.expectNoMoreMail()
	})
}

// An email left queued without a job does not hold back its booking's
// later emails for ever (the later one's wait brings it back at once, long
// before the look-out would), and they still arrive in order.
func TestEmailWithoutJobDoesNotHoldBackLaterOnes(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		r := newRig(t, storetest.URL(t, dialect), smtptest.Start(t), func(c *jobs.Config) { c.ReconcileInterval = time.Hour })
		r.smtp.Stop()
		b, token := r.book("2026-12-03T09:00:00+01:00", "Ana Silva")
		r.dropJob(r.failing(b).ID)
		if _, err := r.scheduler.Cancel(context.Background(), b.Reference, token); err != nil {
			t.Fatal(err)
		}
		r.smtp.Restart()

		for _, want := range []string{"REQUEST", "CANCEL"} {
			if m := r.receive(); m.CalendarMethod != want {
				t.Errorf("got %s, want %s", m.CalendarMethod, want)
			}
		}
		r.waitSent(b, 2)
		r.expectNoMoreMail()
	})
}

// An email left without a job on its last attempt fails (staff see why),
// and the booking's later emails go out. The later email's wait finds it:
// the look-out is off, for it could bring the email back between the job's
// loss and the test's setting its attempts.
func TestEmailWithoutJobOutOfAttemptsFails(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		r := newRig(t, storetest.URL(t, dialect), smtptest.Start(t), func(c *jobs.Config) { c.ReconcileInterval = time.Hour })
		ctx := context.Background()
		r.smtp.Stop()
		b, token := r.book("2026-12-03T09:00:00+01:00", "Ana Silva")
		e := r.failing(b)
		r.dropJob(e.ID)
		// As if every attempt but the lost one had been made.
		if err := r.store.RecordEmailAttempt(ctx, e.ID, maxAttempts-1, errors.New("421 try later"), false, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		at, _ := time.Parse(time.RFC3339, "2026-12-03T13:00:00+01:00")
		if _, err := r.scheduler.Reschedule(ctx, b.Reference, token, at); err != nil {
			t.Fatal(err)
		}
		r.smtp.Restart()

		if m := r.receive(); m.CalendarMethod != "REQUEST" || !strings.Contains(m.Text, "13:00") {
			t.Errorf("got %s:\n%s", m.CalendarMethod, m.Text)
		}
		emails := r.waitEmails(b, func(emails []booking.Email) bool {
			return len(emails) == 2 && emails[1].State == booking.EmailSent
		})
		if got := emails[0]; got.State != booking.EmailFailed || got.Attempts != maxAttempts || !strings.Contains(got.LastError, "outcome") {
			t.Errorf("email without a job: %s after %d attempts, %q", got.State, got.Attempts, got.LastError)
		}
		r.expectNoMoreMail()
	})
}
