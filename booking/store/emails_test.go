package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
)

func TestQueuedEmails(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		var queued []int64
		for i := range 5 {
			b := createEmailing(t, s, newBooking(fmt.Sprintf("CPH-QUE%03d", i), nine), booking.EmailConfirmation)
			id := emailsOf(t, s, b.ID)[0].ID
			switch i {
			case 1:
				if err := s.RecordEmailAttempt(ctx, id, 1, nil, false, nine); err != nil {
					t.Fatal(err)
				}
			case 3:
				if err := s.RecordEmailAttempt(ctx, id, 1, fmt.Errorf("550 no such mailbox"), true, nine); err != nil {
					t.Fatal(err)
				}
			default:
				queued = append(queued, id)
			}
		}

		var got []int64
		for after := int64(0); ; {
			page, err := s.QueuedEmails(ctx, after, 2)
			if err != nil {
				t.Fatalf("QueuedEmails: %v", err)
			}
			for _, e := range page {
				if e.State != booking.EmailQueued {
					t.Errorf("email %d is %s", e.ID, e.State)
				}
				got = append(got, e.ID)
			}
			if len(page) < 2 {
				break
			}
			after = page[len(page)-1].ID
		}
		if fmt.Sprint(got) != fmt.Sprint(queued) {
			t.Errorf("queued emails %v, want %v", got, queued)
		}
	})
}

func TestRecordEmailLost(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		b := createEmailing(t, s, newBooking("CPH-LOST01", nine), booking.EmailConfirmation)
		email := emailsOf(t, s, b.ID)[0]
		at := nine.Add(time.Hour)
		for _, step := range []struct {
			name     string
			attempt  int
			final    bool
			recorded bool
			state    booking.EmailState
			attempts int
		}{
			{"lost", 1, false, true, booking.EmailQueued, 1},
			{"read before the first loss", 1, false, false, booking.EmailQueued, 1},
			{"lost again", 2, false, true, booking.EmailQueued, 2},
			{"last", 3, true, true, booking.EmailFailed, 3},
			{"failed already", 4, false, false, booking.EmailFailed, 3},
		} {
			recorded, err := s.RecordEmailLost(ctx, email.ID, step.attempt, "lost "+step.name, step.final, at)
			if err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			got, err := s.Email(ctx, email.ID)
			if err != nil {
				t.Fatal(err)
			}
			if recorded != step.recorded || got.State != step.state || got.Attempts != step.attempts {
				t.Fatalf("%s: recorded %t, email %s after %d attempts; want %t, %s after %d",
					step.name, recorded, got.State, got.Attempts, step.recorded, step.state, step.attempts)
			}
			if recorded && got.LastError != "lost "+step.name {
				t.Errorf("%s: last error %q", step.name, got.LastError)
			}
		}

		sent := createEmailing(t, s, newBooking("CPH-LOST02", nine), booking.EmailConfirmation)
		id := emailsOf(t, s, sent.ID)[0].ID
		if err := s.RecordEmailAttempt(ctx, id, 1, nil, false, at); err != nil {
			t.Fatal(err)
		}
		if recorded, err := s.RecordEmailLost(ctx, id, 2, "lost", false, at); err != nil || recorded {
			t.Errorf("a sent email recorded as lost: %t, %v", recorded, err)
		}
	})
}

// Delivery reads an email with its booking and the earlier email still
// queued, which goes first.
func TestDelivery(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		b := createEmailing(t, s, newBooking("CPH-DELIV1", nine), booking.EmailConfirmation)
		moved := b
		moved.Sequence++
		moved.Start, moved.End = nine.Add(time.Hour), nine.Add(90*time.Minute)
		if err := s.UpdateBooking(ctx, booking.Update{Booking: moved}, booking.EmailUpdate); err != nil {
			t.Fatal(err)
		}
		emails := emailsOf(t, s, b.ID)
		want := stored(t, s, b.ID)
		for _, step := range []struct {
			name    string
			email   booking.Email
			earlier int64
		}{
			{"the confirmation", emails[0], 0},
			{"the update, while the confirmation is queued", emails[1], emails[0].ID},
		} {
			d, err := s.Delivery(ctx, step.email.ID)
			if err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			if fmt.Sprint(d.Email) != fmt.Sprint(step.email) || fmt.Sprint(d.Booking) != fmt.Sprint(want) || d.EarlierQueued != step.earlier {
				t.Errorf("%s: %+v\nwant email %+v, booking %+v, earlier %d", step.name, d, step.email, want, step.earlier)
			}
		}
		if err := s.RecordEmailAttempt(ctx, emails[0].ID, 1, nil, false, nine); err != nil {
			t.Fatal(err)
		}
		if d, err := s.Delivery(ctx, emails[1].ID); err != nil || d.EarlierQueued != 0 {
			t.Errorf("the update once the confirmation is sent: earlier %d, %v", d.EarlierQueued, err)
		}
		if _, err := s.Delivery(ctx, 4242); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("no such email: %v", err)
		}
	})
}
