package store_test

import (
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
