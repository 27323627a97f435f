package notify

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/bookingtest"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/notify/smtptest"
)

// senderFunc is a Sender made of a function.
type senderFunc func(ctx context.Context, msg *mail.Msg) error

func (f senderFunc) Send(ctx context.Context, msg *mail.Msg) error { return f(ctx, msg) }

// flakyStore fails the first few RecordEmailAttempt calls, as a database
// that drops a connection does.
type flakyStore struct {
	*store.Store
	mu       sync.Mutex
	failures int
}

func (s *flakyStore) RecordEmailAttempt(ctx context.Context, id int64, attempt int, sendErr error, final bool, at time.Time) error {
	s.mu.Lock()
	fail := s.failures > 0
	s.failures--
	s.mu.Unlock()
	if fail {
		return errors.New("connection reset by peer")
	}
	return s.Store.RecordEmailAttempt(ctx, id, attempt, sendErr, final, at)
}

// deliveryRig is a booking with its confirmation recorded (not queued) and
// a deliverer to send its emails through a sender.
type deliveryRig struct {
	d            *Deliverer
	st           *store.Store
	scheduler    *booking.Scheduler
	b            booking.Booking
	token        string
	confirmation int64 // the email's ID
}

// newDeliveryRig books req, or a residence permit renewal for Ana Silva on
// Monday 30 November 2026 at 09:00 if req is the zero Request.
func newDeliveryRig(t *testing.T, dialect string, failures int, sender Sender, req booking.Request) deliveryRig {
	t.Helper()
	if req.Center == "" {
		req = booking.Request{
			Center: "aarhus", Service: "residence-permit-renewal", Start: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC),
			Name: "Ana Silva", Email: "ana@example.com", Locale: "en",
		}
	}
	cat, loc := bookingtest.Catalogue()
	st := storetest.Open(t, dialect)
	sealer, err := booking.NewSealer(bytes.Repeat([]byte{7}, booking.TokenKeySize))
	if err != nil {
		t.Fatal(err)
	}
	now := bookingtest.NewClock(bookingtest.Thursday).Now
	scheduler := booking.NewScheduler(cat, st, sealer, bookingtest.Policy(loc), now)
	b, token, err := scheduler.Book(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	emails, err := st.Emails(context.Background(), b.ID)
	if err != nil || len(emails) != 1 {
		t.Fatalf("emails %+v, %v", emails, err)
	}
	d, err := NewDeliverer(&flakyStore{Store: st, failures: failures}, cat, sealer, sender, DelivererConfig{
		BaseURL: "https://booking.example.dk", From: "booking@example.dk", Location: loc, Now: now,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return deliveryRig{d: d, st: st, scheduler: scheduler, b: b, token: token, confirmation: emails[0].ID}
}

// The outcome of an attempt is recorded even when the job's context ends
// during the send (its timeout, or a shutdown), and even when the database
// fails a couple of times: otherwise the email stays queued with nothing to
// deliver it, or goes out twice.
func TestDeliverRecordsOutcomeAfterContextEnds(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			for _, tt := range []struct {
				name      string
				failures  int  // of the database when recording
				delivered bool // before the context ends
				state     booking.EmailState
				canceled  bool // the error says the attempt was cut short
			}{
				{"sent as the context ends", 0, true, booking.EmailSent, false},
				{"interrupted", 0, false, booking.EmailQueued, true},
				{"sent, database hiccup", 2, true, booking.EmailSent, false},
				{"interrupted, database hiccup", 2, false, booking.EmailQueued, true},
			} {
				t.Run(tt.name, func(t *testing.T) {
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					r := newDeliveryRig(t, dialect, tt.failures, senderFunc(func(ctx context.Context, _ *mail.Msg) error {
						cancel()
						if tt.delivered {
							return nil
						}
						return ctx.Err()
					}), booking.Request{})
					err := r.d.Deliver(ctx, r.confirmation, false)
					if tt.delivered && err != nil {
						t.Errorf("Deliver: %v", err)
					}
					if errors.Is(err, context.Canceled) != tt.canceled {
						t.Errorf("Deliver: %v; want context.Canceled %t", err, tt.canceled)
					}
					e, err := r.st.Email(context.Background(), r.confirmation)
					if err != nil {
						t.Fatal(err)
					}
					if e.State != tt.state || e.Attempts != 1 {
						t.Errorf("email %s after %d attempts (%q), want %s after 1", e.State, e.Attempts, e.LastError, tt.state)
					}
				})
			}
		})
	}
}

// TestBookingInvitationGolden writes the invitations of a booking of one
// service for one person and of a visit, in English and Danish, compares
// them with testdata/invite-<booking>-<locale>.ics, and reads them back with
// golang-ical: the event lasts the whole visit and its description names
// every service and the number of people.
func TestBookingInvitationGolden(t *testing.T) {
	cat, _ := bookingtest.Catalogue()
	tests := []struct {
		name, locale string
		b            booking.Booking
		end          time.Time
		summary      string
		description  []string
		passport     string
	}{
		{"renewal", "en", catalogueBooking("en", 45*time.Minute, 1, "residence-permit-renewal"), goldenStart.Add(45 * time.Minute),
			"Residence permit renewal guidance – Aarhus ICS Center", []string{"Bring:\n- Passport with valid visa/residence permit\n"},
			"Passport with valid visa/residence permit"},
		{"renewal", "da", catalogueBooking("da", 45*time.Minute, 1, "residence-permit-renewal"), goldenStart.Add(45 * time.Minute),
			"Vejledning om forlængelse af opholdstilladelse – Aarhus ICS Center", []string{"Medbring:\n- Pas med gyldigt visum eller gyldig opholdstilladelse\n"},
			"Pas med gyldigt visum eller gyldig opholdstilladelse"},
		{"visit", "en", visitBooking("en"), goldenStart.Add(150 * time.Minute),
			"CPR number application guidance + 1 more – Aarhus ICS Center", []string{
				"Services:\n- CPR number application guidance\n- Tax card application support\nPeople: 4\n",
				"Bring:\n- Passport with valid visa/residence permit\n- Proof of address in Denmark\n- Employment contract or study enrollment (if applicable)\n- Marriage certificate (if applicable)\n- Birth certificates for children (if applicable)\nChange or cancel: ",
			}, "Passport with valid visa/residence permit"},
		{"visit", "da", visitBooking("da"), goldenStart.Add(150 * time.Minute),
			"Vejledning om at få et CPR-nummer + 1 til – Aarhus ICS Center", []string{
				"Ydelser:\n- Vejledning om at få et CPR-nummer\n- Hjælp til at søge om skattekort\nAntal personer: 4\n",
				"Medbring:\n- Pas med gyldigt visum eller gyldig opholdstilladelse\n- Dokumentation for din adresse i Danmark\n- Ansættelseskontrakt eller bevis for studieplads (hvis relevant)\n- Vielsesattest (hvis relevant)\n- Fødselsattester for dine børn (hvis relevant)\nFlyt eller aflys: ",
			}, "Pas med gyldigt visum eller gyldig opholdstilladelse"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.locale, func(t *testing.T) {
			inv, err := BookingInvitation("https://booking.example.dk", "booking@example.dk", tt.b, cat, letterManageURL)
			if err != nil {
				t.Fatal(err)
			}
			inv.Method, inv.Stamp = MethodRequest, time.Date(2026, 11, 20, 13, 5, 0, 0, time.UTC)
			data := checkGolden(t, "invite-"+tt.name+"-"+tt.locale+".ics", encodeInvitation(t, inv))

			_, ev := parseInvitation(t, data)
			if got := ev.Id(); got != "AAR-7K3M9Q@booking.example.dk" {
				t.Errorf("UID = %q", got)
			}
			if got := eventValue(t, ev, "SEQUENCE"); got != "0" {
				t.Errorf("SEQUENCE = %q, want 0", got)
			}
			if start, err := ev.GetStartAt(); err != nil || !start.Equal(goldenStart) {
				t.Errorf("DTSTART = %v (%v), want %v", start, err, goldenStart)
			}
			if end, err := ev.GetEndAt(); err != nil || !end.Equal(tt.end) {
				t.Errorf("DTEND = %v (%v), want %v", end, err, tt.end)
			}
			if got := eventValue(t, ev, "SUMMARY"); got != tt.summary {
				t.Errorf("SUMMARY = %q, want %q", got, tt.summary)
			}
			description := eventValue(t, ev, "DESCRIPTION")
			for _, want := range tt.description {
				if !strings.Contains(description, want) {
					t.Errorf("DESCRIPTION lacks %q:\n%s", want, description)
				}
			}
			// Every service here asks for the passport: it is listed once.
			if passport := "- " + tt.passport + "\n"; strings.Count(description, passport) != 1 {
				t.Errorf("DESCRIPTION lists %q %d times, want once:\n%s", passport, strings.Count(description, passport), description)
			}
		})
	}
}

// A family's visit, booked, moved and cancelled: every email names both
// services and the four people, and its invitation, read back with
// golang-ical, lasts from the visit's start to its end, 150 minutes later,
// on both databases.
func TestDeliverVisit(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			var sent []smtptest.Parsed
			r := newDeliveryRig(t, dialect, 0, senderFunc(func(_ context.Context, msg *mail.Msg) error {
				var buf bytes.Buffer
				if _, err := msg.WriteTo(&buf); err != nil {
					return err
				}
				p, err := smtptest.Parse(buf.Bytes())
				sent = append(sent, p)
				return err
			}), booking.Request{
				Center: "aarhus", Services: []string{"cpr-number", "tax-card"}, People: 4,
				Start: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC),
				Name:  "Ana Silva", Email: "ana@example.com", Locale: "en",
			})
			moved, err := r.scheduler.Reschedule(ctx, r.b.Reference, r.token, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.scheduler.Cancel(ctx, r.b.Reference, r.token); err != nil {
				t.Fatal(err)
			}
			emails, err := r.st.Emails(ctx, r.b.ID)
			if err != nil || len(emails) != 3 {
				t.Fatalf("emails %+v, %v; want a confirmation, an update and a cancellation", emails, err)
			}
			for _, e := range emails {
				if err := r.d.Deliver(ctx, e.ID, false); err != nil {
					t.Fatalf("deliver the %s: %v", e.Kind, err)
				}
			}
			if len(sent) != 3 {
				t.Fatalf("%d emails sent, want 3", len(sent))
			}

			for i, want := range []struct {
				start    time.Time
				sequence string
				when     string
			}{
				{r.b.Start, "0", "Monday 30 November 2026, 09:00–11:30"},
				{moved.Start, "1", "Tuesday 1 December 2026, 10:00–12:30"},
				{moved.Start, "2", "Tuesday 1 December 2026, 10:00–12:30"},
			} {
				m := sent[i]
				lines := "Services:\n- CPR number application guidance\n- Tax card application support\nPeople: 4\nTime: " + want.when
				if text := strings.ReplaceAll(m.Text, "\r\n", "\n"); !strings.Contains(text, lines) {
					t.Errorf("the %s's text lacks\n%s\nin\n%s", emails[i].Kind, lines, text)
				}
				_, ev := parseInvitation(t, m.Calendar)
				if got := eventValue(t, ev, "SEQUENCE"); got != want.sequence {
					t.Errorf("the %s's SEQUENCE = %s, want %s", emails[i].Kind, got, want.sequence)
				}
				if ev.Id() != r.b.Reference+"@booking.example.dk" {
					t.Errorf("the %s's UID = %s", emails[i].Kind, ev.Id())
				}
				start, err := ev.GetStartAt()
				if err != nil || !start.Equal(want.start) {
					t.Errorf("the %s's DTSTART = %v (%v), want %v", emails[i].Kind, start, err, want.start)
				}
				if end, err := ev.GetEndAt(); err != nil || !end.Equal(want.start.Add(150*time.Minute)) {
					t.Errorf("the %s's DTEND = %v (%v), want %v, 150 minutes after its start", emails[i].Kind, end, err, want.start.Add(150*time.Minute))
				}
				description := eventValue(t, ev, "DESCRIPTION")
				for _, s := range []string{"- CPR number application guidance\n", "- Tax card application support\n", "People: 4\n"} {
					if !strings.Contains(description, s) {
						t.Errorf("the %s's DESCRIPTION lacks %q:\n%s", emails[i].Kind, s, description)
					}
				}
			}
			rebook := "https://booking.example.dk/book/aarhus/cpr-number?also=tax-card&lang=en&people=4"
			if !strings.Contains(sent[2].Text, rebook) {
				t.Errorf("the cancellation does not lead to booking the visit again (%s):\n%s", rebook, sent[2].Text)
			}
		})
	}
}
