package booking_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/bookingtest"
)

// fridayAt is a time of the day after bookingtest.Thursday, a working
// day that the fixture's clock (Thursday 10:00) may book all of.
func fridayAt(hour, minute int) time.Time { return thursdayAt(hour, minute).AddDate(0, 0, 1) }

// visitRequest asks for a visit to Aarhus (open 09:00-15:00, three desks)
// at start.
func visitRequest(start time.Time, people int, services ...string) booking.Request {
	return booking.Request{
		Center: "aarhus", Services: services, People: people, Start: start,
		Name: "Ana Silva", Email: "ana@example.com",
	}
}

// A visit lasts its services' durations and each service's time per person
// after the first, rounded up to a whole unit; it keeps its services in
// order and counts its people.
func TestVisitLength(t *testing.T) {
	cat := defaultCatalogue
	cat.Services = slices.Clone(cat.Services)
	for i := range cat.Services {
		if cat.Services[i].ID == "mitid" {
			cat.Services[i].PerPerson = 10 * time.Minute
		}
	}
	f := newFixtureOf(t, cat, bookingtest.Policy(copenhagen))
	for _, tt := range []struct {
		name     string
		req      booking.Request
		services []string
		people   int
		length   time.Duration
	}{
		{"one service, as before visits", booking.Request{Center: "aarhus", Service: "cpr-number"}, []string{"cpr-number"}, 1, 30 * time.Minute},
		{"one service listed, people left out", visitRequest(time.Time{}, 0, "cpr-number"), []string{"cpr-number"}, 1, 30 * time.Minute},
		{"a family of four", visitRequest(time.Time{}, 4, "cpr-number"), []string{"cpr-number"}, 4, 75 * time.Minute},
		{"two services for four", visitRequest(time.Time{}, 4, "cpr-number", "tax-card"), []string{"cpr-number", "tax-card"}, 4, 150 * time.Minute},
		{"three services in the order asked", visitRequest(time.Time{}, 1, "tax-card", "eu-residence-document", "cpr-number"), []string{"tax-card", "eu-residence-document", "cpr-number"}, 1, 105 * time.Minute},
		{"10 minutes a person, rounded up to 15", visitRequest(time.Time{}, 2, "mitid"), []string{"mitid"}, 2, 45 * time.Minute},
		{"two of them, rounded once", visitRequest(time.Time{}, 2, "mitid", "cpr-number"), []string{"mitid", "cpr-number"}, 2, 90 * time.Minute},
	} {
		r := tt.req
		r.Start, r.Name, r.Email = fridayAt(9, 0), "Ana Silva", "ana@example.com"
		b, _, err := f.scheduler.Book(t.Context(), r)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !slices.Equal(b.Services, tt.services) || b.Service != tt.services[0] || b.People != tt.people || b.End.Sub(b.Start) != tt.length {
			t.Errorf("%s: services %v (service %s), %d people, %s long; want %v, %d, %s", tt.name, b.Services, b.Service, b.People, b.End.Sub(b.Start), tt.services, tt.people, tt.length)
		}
		if got := f.store.get(b.ID); !slices.Equal(got.Services, tt.services) || got.People != tt.people {
			t.Errorf("%s: stored %v for %d", tt.name, got.Services, got.People)
		}
	}
}

// A visit must end by closing time; the slots listed for it are the starts
// where it does, each ending where the visit ends.
func TestVisitEndsByClosing(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if _, _, err := f.scheduler.Book(ctx, visitRequest(fridayAt(13, 0), 4, "cpr-number", "tax-card")); !errors.Is(err, booking.ErrNotBookable) || !strings.Contains(err.Error(), "150 minutes") {
		t.Errorf("a visit of 150 minutes at 13:00, closing at 15:00: %v", err)
	}
	day := booking.DateOf(fridayAt(9, 0))
	slots, err := f.scheduler.Slots(ctx, booking.SlotQuery{Center: "aarhus", Services: []string{"cpr-number", "tax-card"}, People: 4, From: day, To: day})
	if err != nil {
		t.Fatal(err)
	}
	var starts []string
	for _, sl := range slots {
		starts = append(starts, sl.Start.In(copenhagen).Format("15:04"))
		if sl.End.Sub(sl.Start) != 150*time.Minute {
			t.Errorf("slot %s ends %s, not with the visit", sl.Start, sl.End)
		}
	}
	if want := []string{"09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00", "12:30"}; !slices.Equal(starts, want) {
		t.Errorf("starts %v, want %v", starts, want)
	}
	b, _, err := f.scheduler.Book(ctx, visitRequest(fridayAt(12, 30), 4, "cpr-number", "tax-card"))
	if err != nil || !b.End.Equal(fridayAt(15, 0)) {
		t.Errorf("the last start: %+v, %v", b, err)
	}
}

// Each refusal of a visit names what to correct: the field for bad input,
// the service for one that cannot be booked.
func TestVisitRefusals(t *testing.T) {
	f := newFixture(t)
	at := fridayAt(9, 0)
	for _, tt := range []struct {
		name  string
		req   booking.Request
		kind  error
		field string // of an ErrInvalid
		says  string
	}{
		{"an unknown service in the list", visitRequest(at, 1, "cpr-number", "no-such"), booking.ErrInvalid, "services", `no service "no-such"`},
		{"a service twice", visitRequest(at, 1, "cpr-number", "tax-card", "cpr-number"), booking.ErrInvalid, "services", `"cpr-number" twice`},
		{"more services than the center allows", visitRequest(at, 1, "cpr-number", "tax-card", "mitid", "form-completion"), booking.ErrInvalid, "services", "at most 3"},
		{"an empty list", booking.Request{Center: "aarhus", Services: []string{}, Start: at, Name: "Ana", Email: "ana@example.com"}, booking.ErrInvalid, "services", "at least one"},
		{"service and services", booking.Request{Center: "aarhus", Service: "cpr-number", Services: []string{"tax-card"}, Start: at, Name: "Ana", Email: "ana@example.com"}, booking.ErrInvalid, "services", "not both"},
		{"more people than a service allows", visitRequest(at, 3, "cpr-number", "mitid"), booking.ErrInvalid, "people", "at most 2 people"},
		{"two people for a service of one", visitRequest(at, 2, "form-completion"), booking.ErrInvalid, "people", "at most 1 person"},
		{"fewer than no people", visitRequest(at, -1, "cpr-number"), booking.ErrInvalid, "people", "1 or more"},
		{"a walk-in service in the list", visitRequest(at, 1, "cpr-number", "bank-account"), booking.ErrNotBookable, "", "Bank account"},
		{"a service that needs a language, without one", visitRequest(at, 1, "cpr-number", "document-translation"), booking.ErrInvalid, "language", "Document translation"},
		{"an unknown single service, as before visits", booking.Request{Center: "aarhus", Service: "no-such", Start: at, Name: "Ana", Email: "ana@example.com"}, booking.ErrNotFound, "", "no-such"},
	} {
		_, _, err := f.scheduler.Book(t.Context(), tt.req)
		var de *booking.Error
		if !errors.Is(err, tt.kind) || !errors.As(err, &de) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.kind)
			continue
		}
		said := de.Detail
		if tt.field != "" {
			i := slices.IndexFunc(de.Fields, func(fe booking.FieldError) bool { return fe.Field == tt.field })
			if i < 0 {
				t.Errorf("%s: fields %+v, want %s", tt.name, de.Fields, tt.field)
				continue
			}
			said = de.Fields[i].Message
		}
		if !strings.Contains(said, tt.says) {
			t.Errorf("%s: %q does not say %q", tt.name, said, tt.says)
		}
	}
	if n := len(f.store.bookings); n != 0 {
		t.Errorf("refused visits stored %d bookings", n)
	}
}

// A visit counts once against the bookings one email address may hold,
// however many people and services it holds.
func TestVisitCountsOnce(t *testing.T) {
	policy := bookingtest.Policy(copenhagen)
	policy.MaxActiveBookings = 2
	f := newFixtureOf(t, defaultCatalogue, policy)
	ctx := t.Context()
	if _, _, err := f.scheduler.Book(ctx, visitRequest(fridayAt(9, 0), 4, "cpr-number", "tax-card")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.scheduler.Book(ctx, visitRequest(fridayAt(12, 0), 1, "mitid")); err != nil {
		t.Fatalf("a second booking after a visit of four: %v", err)
	}
	if _, _, err := f.scheduler.Book(ctx, visitRequest(fridayAt(13, 0), 1, "mitid")); !errors.Is(err, booking.ErrNotBookable) {
		t.Errorf("a third booking: %v", err)
	}
}

// A move keeps the visit's services and people, and must fit all of it.
func TestRescheduleKeepsVisit(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	b, token, err := f.scheduler.Book(ctx, visitRequest(fridayAt(9, 0), 2, "cpr-number", "tax-card"))
	if err != nil {
		t.Fatal(err)
	}
	moved, err := f.scheduler.Reschedule(ctx, b.Reference, token, fridayAt(11, 0))
	if err != nil || !slices.Equal(moved.Services, b.Services) || moved.People != 2 || !moved.End.Equal(fridayAt(12, 30)) {
		t.Fatalf("moved to 11:00: %+v, %v", moved, err)
	}
	if _, err := f.scheduler.Reschedule(ctx, b.Reference, token, fridayAt(14, 0)); !errors.Is(err, booking.ErrNotBookable) {
		t.Errorf("moved to 14:00, ending 15:30 after closing: %v", err)
	}
}
