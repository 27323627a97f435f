package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/jobs"
	"github.com/ics-booking/icsbooking/notify/smtptest"
)

// waitBooking polls the booking until done says it is as the test needs it.
func (r *rig) waitBooking(id int64, done func(booking.Booking) bool) booking.Booking {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := r.store.BookingByID(context.Background(), id)
		if err != nil {
			r.t.Fatal(err)
		}
		if done(b) {
			return b
		}
		if time.Now().After(deadline) {
			var jobs []struct {
				Kind, State string
				Errors      string
			}
			r.store.DB().Raw("SELECT kind, state, errors FROM river_job WHERE kind = 'erase_expired'").Scan(&jobs)
			r.t.Fatalf("booking %d: %+v\njobs %+v\nlogs %s", id, b, jobs, r.logs)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, not timing one
	}
}

// TestExpiredDataIsErasedByTheJob lets River's periodic job erase a booking
// that ended 31 days ago, while one that ended 29 days ago keeps its data.
func TestExpiredDataIsErasedByTheJob(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		r := newRig(t, storetest.URL(t, dialect), smtptest.Start(t), func(c *jobs.Config) {
			c.EraseInterval = 50 * time.Millisecond
		})
		old, _ := r.book("2026-11-30T09:00:00+01:00", "Ana Silva")
		recent, _ := r.book("2026-12-02T09:00:00+01:00", "Bo Berg")
		r.receive()
		r.receive()
		r.waitSent(old, 1)
		r.waitSent(recent, 1)

		r.clock.Set(old.End.AddDate(0, 0, 31))
		erased := r.waitBooking(old.ID, func(b booking.Booking) bool { return !b.ErasedAt.IsZero() })
		if erased.Name != "" || erased.Email != "" || len(erased.TokenSealed) != 0 {
			t.Errorf("erased booking keeps personal data: %+v", erased)
		}
		kept, err := r.store.BookingByID(context.Background(), recent.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !kept.ErasedAt.IsZero() || kept.Name != "Bo Berg" {
			t.Errorf("booking that ended 29 days ago: %+v", kept)
		}
		if logs := r.logs.String(); strings.Contains(logs, "level=ERROR") {
			t.Errorf("the queue logged errors:\n%s", logs)
		}
	})
}

// TestEraseOnRequestCancelsFirst erases a future booking at its holder's
// request: it is cancelled, the cancellation goes out, and then its email
// address and sealed token are gone too.
func TestEraseOnRequestCancelsFirst(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		r := newRig(t, storetest.URL(t, dialect), smtptest.Start(t))
		b, token := r.book("2026-11-30T09:00:00+01:00", "Ana Silva")
		r.receive()
		r.waitSent(b, 1)

		if err := r.scheduler.Erase(context.Background(), b.Reference, token); err != nil {
			t.Fatal(err)
		}
		if _, err := r.scheduler.Get(context.Background(), b.Reference, token); err == nil {
			t.Error("the manage link still finds the erased booking")
		}
		cancellation := r.receive()
		if cancellation.Calendar == nil {
			t.Errorf("cancellation %q without its calendar", cancellation.Subject)
		}
		emails := r.waitSent(b, 2)
		if emails[1].Kind != booking.EmailCancellation {
			t.Errorf("second email is a %s", emails[1].Kind)
		}
		gone := r.waitBooking(b.ID, func(b booking.Booking) bool { return b.Email == "" })
		if gone.Status != booking.Cancelled || gone.Name != "" || len(gone.TokenSealed) != 0 || gone.ErasedAt.IsZero() {
			t.Errorf("after the cancellation went out: %+v", gone)
		}
		r.expectNoMoreMail()
	})
}
