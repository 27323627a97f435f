package store_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
)

func TestBookingInCenter(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		b := create(t, s, newBooking("CPH-CTR001", nine))
		if got, err := s.BookingInCenter(t.Context(), "cph", b.ID); err != nil || got.Reference != b.Reference {
			t.Errorf("in its center: %+v, %v", got, err)
		}
		if _, err := s.BookingInCenter(t.Context(), "aarhus", b.ID); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("in another center: %v", err)
		}
		if _, err := s.BookingInCenter(t.Context(), "cph", b.ID+1); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("an unknown ID: %v", err)
		}
	})
}

// failingEnqueuer is a recordingEnqueuer whose call number failAt fails.
type failingEnqueuer struct {
	recordingEnqueuer
	calls, failAt int
}

var errQueueDown = errors.New("queue unavailable")

func (q *failingEnqueuer) EnqueueEmails(ctx context.Context, tx *sql.Tx, emailIDs ...int64) error {
	q.calls++
	if q.calls == q.failAt {
		return errQueueDown
	}
	return q.recordingEnqueuer.EnqueueEmails(ctx, tx, emailIDs...)
}

// TestUpdateBookingsAllOrNone cancels three bookings in one go, as the
// closure of a day does: a failure with any of them writes nothing, and
// once they all succeed each has its cancellation email queued.
func TestUpdateBookingsAllOrNone(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		first := []booking.Claim{desk(unit(0), 2), desk(unit(1), 2)}
		later := []booking.Claim{desk(unit(4), 2), desk(unit(5), 2)}
		bookings := []booking.Booking{
			create(t, s, newBooking("CPH-ALL001", unit(0)), first...),
			create(t, s, newBooking("CPH-ALL002", unit(0)), first...),
			create(t, s, newBooking("CPH-ALL003", unit(4)), later...),
		}
		claims := [][]booking.Claim{first, first, later}
		cancellations := func() []booking.Update {
			updates := make([]booking.Update, len(bookings))
			for i, b := range bookings {
				b.Status, b.CancelReason = booking.Cancelled, "Water damage"
				b.Sequence++
				updates[i] = booking.Update{Booking: b, Release: claims[i]}
			}
			// Not in the order of their IDs: the store sorts them.
			slices.Reverse(updates)
			return updates
		}
		taken := map[string]int{"desk 09:00": 2, "desk 09:15": 2, "desk 10:00": 1, "desk 10:15": 1}
		nothingWritten := func(when string) {
			t.Helper()
			if n := count(t, s, "bookings", "status = ?", "cancelled"); n != 0 {
				t.Errorf("%s: %d bookings cancelled", when, n)
			}
			if n := count(t, s, "emails", ""); n != 0 {
				t.Errorf("%s: %d emails recorded", when, n)
			}
			sameUsage(t, usage(t, s), taken)
		}

		// The second changed meanwhile: the first, written already in the
		// transaction, is rolled back with it.
		changed := bookings[1]
		changed.Notes, changed.Sequence = "Moved by its holder", changed.Sequence+1
		if err := s.UpdateBooking(ctx, changed, nil, nil, ""); err != nil {
			t.Fatal(err)
		}
		s.SetEnqueuer(&recordingEnqueuer{})
		err := s.UpdateBookings(ctx, cancellations(), booking.EmailCancellation)
		if !errors.Is(err, booking.ErrConflict) || !strings.Contains(err.Error(), "booking "+strconv.FormatInt(changed.ID, 10)) {
			t.Errorf("with a booking changed meanwhile: %v, want ErrConflict naming booking %d", err, changed.ID)
		}
		// The enqueuer was given the first booking's email, in the
		// transaction: its job goes with the email row, rolled back.
		nothingWritten("after a conflict")
		bookings[1] = changed

		// The last email cannot be queued: nothing is written either.
		s.SetEnqueuer(&failingEnqueuer{failAt: 3})
		if err := s.UpdateBookings(ctx, cancellations(), booking.EmailCancellation); !errors.Is(err, errQueueDown) {
			t.Errorf("with the queue failing: %v", err)
		}
		nothingWritten("after the queue failed")

		// A cancelled context writes nothing.
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.UpdateBookings(cancelled, cancellations(), booking.EmailCancellation); !errors.Is(err, context.Canceled) {
			t.Errorf("with a cancelled context: %v", err)
		}
		nothingWritten("with a cancelled context")

		q := &recordingEnqueuer{}
		s.SetEnqueuer(q)
		if err := s.UpdateBookings(ctx, cancellations(), booking.EmailCancellation); err != nil {
			t.Fatal(err)
		}
		sameUsage(t, usage(t, s), nil)
		var queued []int64
		for _, b := range bookings {
			got, err := s.BookingByID(ctx, b.ID)
			if err != nil || got.Status != booking.Cancelled || got.CancelReason != "Water damage" || got.Sequence != b.Sequence+1 {
				t.Errorf("%s: %+v, %v", b.Reference, got, err)
			}
			emails := emailsOf(t, s, b.ID)
			if len(emails) != 1 || emails[0].Kind != booking.EmailCancellation || emails[0].State != booking.EmailQueued || emails[0].Sequence != b.Sequence+1 {
				t.Errorf("%s: emails %+v, want one cancellation queued", b.Reference, emails)
			}
			queued = append(queued, emailIDs(emails)...)
		}
		if got := q.enqueued(); !slices.Equal(got, queued) {
			t.Errorf("enqueued %v, want %v", got, queued)
		}
	})
}
