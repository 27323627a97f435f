package web_test

import (
	"context"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
)

// TestClosingAnAfternoon closes Aarhus from 12:00 on a Monday: the
// afternoon's times are gone and refused, the morning stays, the bookings
// it hits can be found and cancelled by staff with a reason.
func TestClosingAnAfternoon(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		ctx := context.Background()
		morning, _ := a.book(bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"))
		lunch, _ := a.book(bookingBody("aarhus", permit, "2026-11-30T11:30:00+01:00")) // runs to 12:15
		afternoon, _ := a.book(bookingBody("aarhus", permit, "2026-11-30T13:00:00+01:00"))

		closure := booking.Closure{Center: "aarhus", Day: booking.Date{Year: 2026, Month: 11, Day: 30}, Reason: "Staff meeting",
			Part: booking.Span{Open: 12 * time.Hour, Close: 15 * time.Hour}}
		if _, err := a.scheduler.AddClosure(ctx, closure); err != nil {
			t.Fatal(err)
		}
		slots := a.slots("aarhus", "service="+permit+"&from=2026-11-30&to=2026-11-30")
		if _, ok := slots["2026-11-30T11:00:00+01:00"]; !ok {
			t.Error("the morning is gone too")
		}
		for _, closed := range []string{"2026-11-30T11:30:00+01:00", "2026-11-30T12:00:00+01:00", "2026-11-30T14:00:00+01:00"} {
			if _, ok := slots[closed]; ok {
				t.Errorf("%s is still offered", closed)
			}
		}
		p := expectProblem(t, a.do("POST", "/api/v1/bookings", bookingBody("aarhus", permit, "2026-11-30T13:30:00+01:00")), 422, "not_bookable")
		if d := p["detail"].(string); !strings.Contains(d, "closed from 12:00 to 15:00") || !strings.Contains(d, "Staff meeting") {
			t.Errorf("detail %q", d)
		}
		page := html.UnescapeString(string(a.do("GET", "/centers/aarhus", nil).body))
		if !strings.Contains(page, "Monday 30 November 2026, 12:00–15:00: Staff meeting") {
			t.Errorf("center page does not show the closed afternoon")
		}

		hit, err := a.scheduler.Closing(ctx, closure)
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, b := range hit {
			refs = append(refs, b.Reference)
		}
		if len(refs) != 2 || refs[0] != lunch || refs[1] != afternoon {
			t.Fatalf("bookings hit %v, want %s and %s (not %s)", refs, lunch, afternoon, morning)
		}
		for _, b := range hit {
			cancelled, _, err := a.scheduler.CancelByStaff(ctx, "aarhus", b.ID, "Staff meeting")
			if err != nil || cancelled.Status != booking.Cancelled || cancelled.CancelReason != "Staff meeting" {
				t.Fatalf("cancel %s: %+v %v", b.Reference, cancelled, err)
			}
			if n := a.emails(b.Reference, "cancellation"); n != 1 {
				t.Errorf("%d cancellation emails for %s", n, b.Reference)
			}
		}
		// Asked of a booking still to cancel: one cancelled already is
		// left as it is, whatever the reason.
		if _, _, err := a.scheduler.CancelByStaff(ctx, "aarhus", a.bookingID("aarhus", closure.Day, morning), " "); err == nil {
			t.Error("a cancellation without a reason was accepted")
		}
		if n := a.activeBookings(); n != 1 {
			t.Errorf("%d active bookings, want the morning's", n)
		}
	})
}
