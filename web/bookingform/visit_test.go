package bookingform_test

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/bookingtest"
	"github.com/ics-booking/icsbooking/locale"
	"github.com/ics-booking/icsbooking/web/bookingform"
)

// A visit read from a form asks the scheduler for one service as a
// booking for one service always did, for several as a list, and travels
// with a link as the fields it came in.
func TestReadVisit(t *testing.T) {
	en := locale.Get("en")
	cat, _ := bookingtest.Catalogue()
	// Both are in the built-in catalogue; zero values fail below.
	center, _ := cat.Center("aarhus")
	cpr, _ := cat.Service("cpr-number")

	one := bookingform.ReadVisit(en, cat, center, cpr, url.Values{"also": {""}, "people": {""}})
	if r := one.Request(booking.Request{Center: "aarhus"}); !one.OK() || r.Service != "cpr-number" || r.Services != nil || r.People != 1 {
		t.Errorf("one service: %+v, errors %v", r, one.Errors)
	}
	if q := one.Query(url.Values{}); len(q) != 0 {
		t.Errorf("one service for one travels as %v", q)
	}

	form := url.Values{"also": {"tax-card", "mitid"}, "people": {"2"}}
	two := bookingform.ReadVisit(en, cat, center, cpr, form)
	r := two.Request(booking.Request{Center: "aarhus", Service: "stale"})
	if !two.OK() || r.Service != "" || !slices.Equal(r.Services, []string{"cpr-number", "tax-card", "mitid"}) || r.People != 2 {
		t.Errorf("three services for two: %+v, errors %v", r, two.Errors)
	}
	if q := two.SlotQuery(booking.SlotQuery{Center: "aarhus"}); !slices.Equal(q.Services, r.Services) || q.People != 2 || q.Service != "" {
		t.Errorf("slot query %+v", q)
	}
	if got := two.Query(url.Values{}); !slices.Equal(got["also"], form["also"]) || got.Get("people") != "2" {
		t.Errorf("travels as %v, came as %v", got, form)
	}
	if got := two.Without("tax-card").Also(); !slices.Equal(got, []string{"mitid"}) || !slices.Equal(two.Also(), []string{"tax-card", "mitid"}) {
		t.Errorf("without the tax card: %v; the visit itself: %v", got, two.Also())
	}
	if !two.Full() || two.Addable(en) != nil || two.MaxPeople() != 2 {
		t.Errorf("a visit of three: full %v, addable %v, max people %d", two.Full(), two.Addable(en), two.MaxPeople())
	}
	for _, o := range one.Addable(en) {
		if sv, _ := cat.Service(o.Code); o.Code == "cpr-number" || !sv.Mode.Bookable() {
			t.Errorf("offered to add %s", o.Code)
		}
	}
}

func TestLength(t *testing.T) {
	for _, tt := range []struct {
		lang string
		d    time.Duration
		want string
	}{
		{"en", 45 * time.Minute, "45 minutes"},
		{"en", time.Hour, "1 hour"},
		{"en", 150 * time.Minute, "2 hours and 30 minutes"},
		{"da", 75 * time.Minute, "1 time og 15 minutter"},
		{"da", 2 * time.Hour, "2 timer"},
	} {
		if got := bookingform.Length(locale.Get(tt.lang), tt.d); got != tt.want {
			t.Errorf("%s in %s: %q, want %q", tt.d, tt.lang, got, tt.want)
		}
	}
}
