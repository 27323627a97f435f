package booking

import (
	"testing"
	"time"
)

func TestStatistics(t *testing.T) {
	cph, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		t.Fatal(err)
	}
	mon, tue := Date{2026, 11, 30}, Date{2026, 12, 1}
	at := func(d Date, hm string) time.Time {
		c, _ := time.Parse("15:04", hm)
		return d.At(time.Duration(c.Hour())*time.Hour+time.Duration(c.Minute())*time.Minute, cph)
	}
	ticket := func(d Date, kind TicketKind, state TicketState, service string, queued, called, done string, booking int64) Ticket {
		t := Ticket{Day: d, Kind: kind, State: state, Service: service, Priority: at(d, queued), BookingID: booking}
		if called != "" {
			t.CalledAt = at(d, called)
		}
		if done != "" {
			t.DoneAt = at(d, done)
		}
		return t
	}
	tickets := []Ticket{
		ticket(mon, WalkInTicket, Done, "info", "09:00", "09:10", "09:20", 0),          // waited 10, served 10
		ticket(mon, WalkInTicket, Done, "info", "09:05", "09:25", "09:55", 0),          // waited 20, served 30
		ticket(mon, WalkInTicket, NoShow, "info", "09:10", "09:40", "", 0),             // waited 30
		ticket(mon, AppointmentTicket, Done, "permit", "10:00", "10:00", "10:40", 1),   // waited 0, served 40
		ticket(tue, WalkInTicket, Waiting, "info", "09:00", "", "", 0),                 // still waits
		ticket(tue, AppointmentTicket, Done, "permit", "09:30", "09:20", "10:00", 3),   // called early: waits 0
		ticket(Date{2026, 12, 9}, WalkInTicket, Done, "info", "09:00", "09:05", "", 0), // outside the period
	}
	bookings := []Booking{
		{ID: 1, Start: at(mon, "10:00"), End: at(mon, "10:45"), Status: Confirmed},
		{ID: 2, Start: at(mon, "11:00"), End: at(mon, "11:45"), Status: Confirmed},                                                 // never came
		{ID: 3, Start: at(tue, "09:30"), End: at(tue, "10:15"), Status: Confirmed, Services: []string{"permit", "cpr"}, People: 4}, // a visit
		{ID: 4, Start: at(tue, "14:00"), End: at(tue, "14:45"), Status: Confirmed},                                                 // not yet passed
		{ID: 5, Start: at(tue, "11:00"), End: at(tue, "11:45"), Status: Cancelled, Services: []string{"permit", "cpr"}, People: 2},
	}
	days, period := Statistics(tickets, bookings, mon, tue, cph, at(tue, "12:00"))
	if len(days) != 2 {
		t.Fatalf("%d days", len(days))
	}
	for _, tt := range []struct {
		name                                          string
		got                                           Stats
		appointments, walkIns, noShows, served, waits int
		avgWait, p90Wait                              time.Duration
		info, permit                                  time.Duration
		services, people                              int
	}{
		{"Monday", days[0], 2, 3, 2, 3, 4, 15 * time.Minute, 30 * time.Minute, 20 * time.Minute, 40 * time.Minute, 2, 2},
		{"Tuesday", days[1], 2, 1, 0, 1, 1, 0, 0, 0, 40 * time.Minute, 3, 5},
		{"period", period, 4, 4, 2, 4, 5, 12 * time.Minute, 30 * time.Minute, 20 * time.Minute, 40 * time.Minute, 5, 7},
	} {
		g := tt.got
		if g.Appointments != tt.appointments || g.WalkIns != tt.walkIns || g.NoShows != tt.noShows || g.Served != tt.served || g.Waits != tt.waits {
			t.Errorf("%s: %+v", tt.name, g)
		}
		if g.ServicesBooked != tt.services || g.PeopleExpected != tt.people {
			t.Errorf("%s: %d services booked for %d people, want %d for %d", tt.name, g.ServicesBooked, g.PeopleExpected, tt.services, tt.people)
		}
		if g.AverageWait != tt.avgWait || g.P90Wait != tt.p90Wait {
			t.Errorf("%s: waits %s (90%% %s), want %s (%s)", tt.name, g.AverageWait, g.P90Wait, tt.avgWait, tt.p90Wait)
		}
		if g.ServiceTimes["info"] != tt.info || g.ServiceTimes["permit"] != tt.permit {
			t.Errorf("%s: service times %v", tt.name, g.ServiceTimes)
		}
	}
}
