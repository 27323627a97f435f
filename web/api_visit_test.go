package web_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// A family visit: CPR numbers and tax cards for four people, 30 minutes
// each plus 15 for each of the three other people, 150 minutes in all.
const (
	cprNumber    = "cpr-number"
	taxCard      = "tax-card"
	familyQuery  = "services=" + cprNumber + "," + taxCard + "&people=4"
	familyLength = 150 * time.Minute
)

// visitBody is a booking of a visit for services, and for people unless 0
// (left out).
func visitBody(center string, services []string, people int, start string) map[string]any {
	b := bookingBody(center, "", start)
	delete(b, "service")
	b["services"] = services
	if people != 0 {
		b["people"] = people
	}
	return b
}

// withField sets a field of a body, and returns the body.
func withField(b map[string]any, field string, value any) map[string]any {
	b[field] = value
	return b
}

// checkVisit checks that an answer shows a visit for services and people
// from start to end.
func checkVisit(t *testing.T, what string, got map[string]any, services []string, people int, start, end string) {
	t.Helper()
	var listed []string
	list, _ := got["services"].([]any)
	for _, s := range list {
		listed = append(listed, fmt.Sprint(s))
	}
	if !slices.Equal(listed, services) || got["service"] != services[0] || got["people"] != float64(people) ||
		got["start"] != start || got["end"] != end {
		t.Errorf("%s: services %v (service %v), people %v, %v to %v; want %v, %d, %s to %s",
			what, got["services"], got["service"], got["people"], got["start"], got["end"], services, people, start, end)
	}
}

// aarhusTime is a time of a winter day in Aarhus, as the API writes it.
func aarhusTime(day, clock string) string { return day + "T" + clock + ":00+01:00" }

// The Monday and Tuesday after thursday.
const nov30, dec1 = "2026-11-30", "2026-12-01"

func TestVisitOverTheAPI(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		visit := []string{cprNumber, taxCard}

		r := a.do("POST", "/api/v1/bookings", visitBody("aarhus", visit, 4, aarhusTime(nov30, "09:00")))
		if r.status != http.StatusCreated {
			t.Fatalf("book the visit: %d %s", r.status, r.body)
		}
		created := r.json(t)
		checkVisit(t, "created", created, visit, 4, aarhusTime(nov30, "09:00"), aarhusTime(nov30, "11:30"))
		ref, token := created["reference"].(string), created["token"].(string)
		auth := []string{"Authorization", "Bearer " + token}
		checkVisit(t, "read back", a.do("GET", "/api/v1/bookings/"+ref, nil, auth...).json(t), visit, 4, aarhusTime(nov30, "09:00"), aarhusTime(nov30, "11:30"))

		// A visit of 150 minutes at a center open 09:00-15:00 starts by
		// 12:30, and ends 150 minutes after each start; those that overlap
		// the visit booked have a seat less.
		listed := a.slotList("aarhus", familyQuery+"&from="+nov30+"&to="+nov30)
		var starts []string
		for _, s := range listed {
			starts = append(starts, s.Start[11:16])
			start, _ := time.Parse(time.RFC3339, s.Start)
			end, _ := time.Parse(time.RFC3339, s.End)
			if end.Sub(start) != familyLength {
				t.Errorf("slot %s ends at %s, not 150 minutes later", s.Start, s.End)
			}
			want := 3
			if s.Start < aarhusTime(nov30, "11:30") {
				want = 2
			}
			if s.Available != want {
				t.Errorf("slot %s has %d seats, want %d", s.Start, s.Available, want)
			}
		}
		if want := []string{"09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00", "12:30"}; !slices.Equal(starts, want) {
			t.Errorf("family visit starts %v, want %v", starts, want)
		}
		// One person for the same two services takes 60 minutes.
		if s := a.slotList("aarhus", "services="+cprNumber+","+taxCard+"&from="+nov30+"&to="+nov30); s[len(s)-1].Start != aarhusTime(nov30, "14:00") {
			t.Errorf("the last start of a visit of one person is %s, want 14:00", s[len(s)-1].Start)
		}
		// A single service cannot take the seat the visit holds until 11:30.
		single := a.slots("aarhus", "service="+cprNumber+"&from="+nov30+"&to="+nov30)
		if single[aarhusTime(nov30, "11:00")] != 2 || single[aarhusTime(nov30, "11:30")] != 3 {
			t.Errorf("single slots at 11:00 and 11:30: %d and %d, want 2 and 3", single[aarhusTime(nov30, "11:00")], single[aarhusTime(nov30, "11:30")])
		}

		// A move keeps the visit, and the whole of it must fit: at 12:30 on
		// Tuesday it would meet three appointments at 14:30, at 13:00 it
		// would end after closing.
		for range 3 {
			a.book(bookingBody("aarhus", cprNumber, aarhusTime(dec1, "14:30")))
		}
		reschedule := "/api/v1/bookings/" + ref + "/reschedule"
		expectProblem(t, a.do("POST", reschedule, map[string]any{"start": aarhusTime(dec1, "12:30")}, auth...), http.StatusConflict, "slot_full")
		p := expectProblem(t, a.do("POST", reschedule, map[string]any{"start": aarhusTime(dec1, "13:00")}, auth...), http.StatusUnprocessableEntity, "not_bookable")
		if !strings.Contains(p["detail"].(string), "opening hours") {
			t.Errorf("a move past closing: %q", p["detail"])
		}
		moved := a.do("POST", reschedule, map[string]any{"start": aarhusTime(dec1, "12:00")}, auth...)
		if moved.status != http.StatusOK {
			t.Fatalf("move to 12:00: %d %s", moved.status, moved.body)
		}
		checkVisit(t, "moved", moved.json(t), visit, 4, aarhusTime(dec1, "12:00"), aarhusTime(dec1, "14:30"))
		if s := a.slots("aarhus", "service="+cprNumber+"&from="+nov30+"&to="+nov30); s[aarhusTime(nov30, "09:00")] != 3 || s[aarhusTime(nov30, "11:00")] != 3 {
			t.Errorf("Monday after the move: %v", s)
		}

		cancelled := a.do("POST", "/api/v1/bookings/"+ref+"/cancel", nil, auth...)
		if cancelled.status != http.StatusOK || cancelled.json(t)["status"] != "cancelled" {
			t.Fatalf("cancel: %d %s", cancelled.status, cancelled.body)
		}
		checkVisit(t, "cancelled", cancelled.json(t), visit, 4, aarhusTime(dec1, "12:00"), aarhusTime(dec1, "14:30"))
	})
}

func TestVisitRefusals(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		nine := aarhusTime(nov30, "09:00")
		for _, tt := range []struct {
			name   string
			body   map[string]any
			status int
			code   string
			field  string // named in errors, or in the detail of a 422
		}{
			{"an unknown service", visitBody("aarhus", []string{cprNumber, "haircut"}, 0, nine), 400, "invalid", "services"},
			{"a service twice", visitBody("aarhus", []string{cprNumber, taxCard, cprNumber}, 0, nine), 400, "invalid", "services"},
			{"four services", visitBody("aarhus", []string{cprNumber, taxCard, "mitid", "eu-residence-document"}, 0, nine), 400, "invalid", "services"},
			{"no services", visitBody("aarhus", []string{}, 0, nine), 400, "invalid", "services"},
			{"service with services", withField(visitBody("aarhus", []string{cprNumber}, 0, nine), "service", taxCard), 400, "invalid", "services"},
			{"people 0", withField(visitBody("aarhus", []string{cprNumber}, 0, nine), "people", 0), 400, "invalid", "people"},
			{"people -1", visitBody("aarhus", []string{cprNumber}, -1, nine), 400, "invalid", "people"},
			{"five people for CPR numbers and tax cards", visitBody("aarhus", []string{cprNumber, taxCard}, 5, nine), 400, "invalid", "people"},
			{"three people with MitID, which takes two", visitBody("aarhus", []string{cprNumber, "mitid"}, 3, nine), 400, "invalid", "people"},
			{"seven people for one service", withField(bookingBody("aarhus", permit, nine), "people", 7), 400, "invalid", "people"},
			{"people as text", withField(visitBody("aarhus", []string{cprNumber}, 0, nine), "people", "3"), 400, "invalid", "people"},
			{"a walk-in service", visitBody("aarhus", []string{cprNumber, "general-information"}, 0, nine), 422, "not_bookable", "General information"},
			{"a visit past closing", visitBody("aarhus", []string{cprNumber, taxCard}, 4, aarhusTime(nov30, "13:00")), 422, "not_bookable", "opening hours"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				p := expectProblem(t, a.do("POST", "/api/v1/bookings", tt.body), tt.status, tt.code)
				checkNamed(t, p, tt.field)
			})
		}
		if n := a.activeBookings(); n != 0 {
			t.Errorf("%d bookings written by refused visits", n)
		}

		slots := "/api/v1/centers/aarhus/slots?from=" + nov30 + "&to=" + nov30 + "&"
		for _, tt := range []struct {
			query  string
			status int
			code   string
			field  string
		}{
			{"service=" + cprNumber + "&services=" + taxCard, 400, "invalid", "services"},
			{"services=", 400, "invalid", "services"},
			{"services=" + cprNumber + ",haircut", 400, "invalid", "services"},
			{"services=" + cprNumber + "," + cprNumber, 400, "invalid", "services"},
			{"services=" + cprNumber + "," + taxCard + ",mitid,eu-residence-document", 400, "invalid", "services"},
			{"services=" + cprNumber + "," + taxCard + "&people=5", 400, "invalid", "people"},
			{"services=" + cprNumber + "&people=0", 400, "invalid", "people"},
			{"services=" + cprNumber + "&people=-2", 400, "invalid", "people"},
			{"services=" + cprNumber + "&people=two", 400, "invalid", "people"},
			{"services=" + cprNumber + "&people=", 400, "invalid", "people"},
			{"service=mitid&people=3", 400, "invalid", "people"},
			{"services=" + cprNumber + ",general-information", 422, "not_bookable", "General information"},
		} {
			t.Run(tt.query, func(t *testing.T) {
				p := expectProblem(t, a.do("GET", slots+tt.query, nil), tt.status, tt.code)
				checkNamed(t, p, tt.field)
			})
		}
	})
}

// checkNamed checks that a refusal names what it refuses: a 400 lists the
// field in its errors, a 422 names it in its detail.
func checkNamed(t *testing.T, p map[string]any, name string) {
	t.Helper()
	if _, listed := problemFields(t, p)[name]; !listed && (p["status"] != 422.0 || !strings.Contains(p["detail"].(string), name)) {
		t.Errorf("the refusal does not name %s: %v", name, p)
	}
}

// TestVisitCountsOnceAgainstTheCap lets an email address hold two
// upcoming appointments: a visit for two services and four people is one
// of them.
func TestVisitCountsOnceAgainstTheCap(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday, withMaxActiveBookings(2))
		a.book(visitBody("aarhus", []string{cprNumber, taxCard}, 4, aarhusTime(nov30, "09:00")))
		a.book(bookingBody("aarhus", permit, aarhusTime(dec1, "09:00")))
		p := expectProblem(t, a.do("POST", "/api/v1/bookings", bookingBody("aarhus", permit, aarhusTime(dec1, "10:00"))), http.StatusUnprocessableEntity, "not_bookable")
		if !strings.Contains(p["detail"].(string), "at most 2 upcoming") {
			t.Errorf("detail %q", p["detail"])
		}
	})
}
