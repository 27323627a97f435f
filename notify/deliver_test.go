package notify

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/bookingtest"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
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

// deliveryRig is a booking with its email recorded (not queued) and a
// deliverer to send it through sender.
func deliveryRig(t *testing.T, dialect string, failures int, sender Sender) (*Deliverer, *store.Store, int64) {
	t.Helper()
	cat, loc := bookingtest.Catalogue()
	st := storetest.Open(t, dialect)
	sealer, err := booking.NewSealer(bytes.Repeat([]byte{7}, booking.TokenKeySize))
	if err != nil {
		t.Fatal(err)
	}
	now := bookingtest.NewClock(bookingtest.Thursday).Now
	scheduler := booking.NewScheduler(cat, st, sealer, bookingtest.Policy(loc), now)
	b, _, err := scheduler.Book(context.Background(), booking.Request{
		Center: "aarhus", Service: "residence-permit-renewal", Start: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC),
		Name: "Ana Silva", Email: "ana@example.com", Locale: "en",
	})
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
	return d, st, emails[0].ID
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
					d, st, id := deliveryRig(t, dialect, tt.failures, senderFunc(func(ctx context.Context, _ *mail.Msg) error {
						cancel()
						if tt.delivered {
							return nil
						}
						return ctx.Err()
					}))
					err := d.Deliver(ctx, id, false)
					if tt.delivered && err != nil {
						t.Errorf("Deliver: %v", err)
					}
					if errors.Is(err, context.Canceled) != tt.canceled {
						t.Errorf("Deliver: %v; want context.Canceled %t", err, tt.canceled)
					}
					e, err := st.Email(context.Background(), id)
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

// TestBookingInvitationGolden writes the invitation of a booking of the
// built-in catalogue, in English and Danish, and compares it with
// testdata/invite-<booking>-<locale>.ics.
func TestBookingInvitationGolden(t *testing.T) {
	center, services := aarhusOf(t, "residence-permit-renewal")
	for _, locale := range []string{"en", "da"} {
		t.Run(locale, func(t *testing.T) {
			b := catalogueBooking(locale, 45*time.Minute, 1, services[0].ID)
			inv := BookingInvitation("https://booking.example.dk", "booking@example.dk", b, center, services[0], letterManageURL)
			inv.Method, inv.Stamp = MethodRequest, time.Date(2026, 11, 20, 13, 5, 0, 0, time.UTC)
			checkGolden(t, "invite-renewal-"+locale+".ics", encodeInvitation(t, inv))
		})
	}
}
