package booking

import (
	"slices"
	"testing"
	"time"
)

func TestQueueOrder(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	min := func(m int) time.Time { return now.Add(time.Duration(m) * time.Minute) }
	walkIn := func(id int64, issued int) Ticket {
		return Ticket{ID: id, Number: "W", Kind: WalkInTicket, Lane: WalkInLane, Priority: min(issued), State: Waiting}
	}
	// onTime is an appointment holder who checked in within the window:
	// priority is the appointment's start.
	onTime := func(id int64, start int) Ticket {
		return Ticket{ID: id, Number: "A", Kind: AppointmentTicket, Lane: AppointmentLane, Priority: min(start), State: Waiting}
	}
	// late joined the walk-in line when checking in.
	late := func(id int64, checkedIn int) Ticket {
		t := onTime(id, checkedIn)
		t.Lane = WalkInLane
		return t
	}
	with := func(t Ticket, s TicketState) Ticket { t.State = s; return t }

	tests := []struct {
		name    string
		tickets []Ticket
		order   []int64 // IDs in the order desks call them
		next    int64   // 0: nobody waits
	}{
		{"nobody waits", nil, nil, 0},
		{"the longest-waiting walk-in first",
			[]Ticket{walkIn(1, -5), walkIn(2, -20), walkIn(3, -10)}, []int64{2, 3, 1}, 2},
		{"an appointment holder whose time has come goes before walk-ins who waited longer",
			[]Ticket{walkIn(1, -40), walkIn(2, -30), onTime(3, -5)}, []int64{3, 1, 2}, 3},
		{"at its very start the appointment is ready",
			[]Ticket{walkIn(1, -40), onTime(2, 0)}, []int64{2, 1}, 2},
		{"appointment holders among themselves by start",
			[]Ticket{onTime(1, -5), onTime(2, -10), walkIn(3, -60)}, []int64{2, 1, 3}, 2},
		{"an early check-in waits for its time: a ready walk-in goes first",
			[]Ticket{onTime(1, 10), walkIn(2, -1)}, []int64{2, 1}, 2},
		{"a walk-in who came a second ago still goes before an appointment due in a minute",
			[]Ticket{onTime(1, 1), walkIn(2, 0)}, []int64{2, 1}, 2},
		{"a ready appointment holder goes before an early one due sooner than it was",
			[]Ticket{onTime(1, 4), onTime(2, -10)}, []int64{2, 1}, 2},
		{"a late check-in is ready: it goes before an early one",
			[]Ticket{onTime(1, 4), late(2, -1)}, []int64{2, 1}, 2},
		// A desk with nobody ready is not left idle while someone sits
		// in the waiting room (09:56, nobody else, a 10:00 holder).
		{"an early check-in alone is called rather than leave the desk idle",
			[]Ticket{onTime(1, 4)}, []int64{1}, 1},
		{"with only early check-ins, the earliest appointment first",
			[]Ticket{onTime(1, 14), onTime(2, 7), onTime(3, 30)}, []int64{2, 1, 3}, 2},
		{"early check-ins for the same time in the order they checked in",
			[]Ticket{onTime(5, 10), onTime(4, 10)}, []int64{4, 5}, 4},
		{"early check-ins after the ready ones, by start",
			[]Ticket{onTime(1, 14), onTime(2, 7), walkIn(3, -1)}, []int64{3, 2, 1}, 3},
		{"nobody ready once the others are called: the early one",
			[]Ticket{with(walkIn(1, -5), Called), with(onTime(2, -1), Serving), onTime(3, 4)}, []int64{3}, 3},
		{"a late check-in joins the walk-in line at its check-in time",
			[]Ticket{walkIn(1, -30), late(2, -20), walkIn(3, -10), onTime(4, -1)}, []int64{4, 1, 2, 3}, 4},
		{"equal priorities in the order of issue",
			[]Ticket{walkIn(7, -5), walkIn(3, -5)}, []int64{3, 7}, 3},
		{"called, served and no-show tickets are not in the queue",
			[]Ticket{with(walkIn(1, -50), Called), with(onTime(2, -9), Serving), with(walkIn(3, -40), Done),
				with(walkIn(4, -30), NoShow), walkIn(5, -1)}, []int64{5}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var order []int64
			for _, tk := range QueueOrder(tt.tickets, now) {
				order = append(order, tk.ID)
			}
			if !slices.Equal(order, tt.order) {
				t.Errorf("order %v, want %v", order, tt.order)
			}
			next, ok := NextTicket(tt.tickets, now)
			if tt.next == 0 && ok {
				t.Errorf("next is %d, want nobody", next.ID)
			}
			if tt.next != 0 && (!ok || next.ID != tt.next) {
				t.Errorf("next is %d (%v), want %d", next.ID, ok, tt.next)
			}
		})
	}
}

func TestTicketFinished(t *testing.T) {
	for state, want := range map[TicketState]bool{Waiting: false, Called: false, Serving: false, Done: true, NoShow: true} {
		if got := (Ticket{State: state}).Finished(); got != want {
			t.Errorf("%s: finished %v, want %v", state, got, want)
		}
	}
}

func TestTicketEarly(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 56, 0, 0, time.UTC)
	appointment := func(start time.Duration, lane Lane, state TicketState) Ticket {
		return Ticket{Kind: AppointmentTicket, Lane: lane, Priority: now.Add(start), State: state}
	}
	tests := []struct {
		name string
		t    Ticket
		want bool
	}{
		{"checked in for a time to come", appointment(4*time.Minute, AppointmentLane, Waiting), true},
		{"at its very start", appointment(0, AppointmentLane, Waiting), false},
		{"its time has come", appointment(-time.Minute, AppointmentLane, Waiting), false},
		{"called before its time", appointment(4*time.Minute, AppointmentLane, Called), false},
		{"in the walk-in line", Ticket{Kind: WalkInTicket, Lane: WalkInLane, Priority: now.Add(time.Second), State: Waiting}, false},
	}
	for _, tt := range tests {
		if got := tt.t.Early(now); got != tt.want {
			t.Errorf("%s: early %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestEstimateWait(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	cat := Catalogue{Services: []Service{{ID: "info", Duration: 15 * time.Minute}, {ID: "tax", Duration: 30 * time.Minute}}}
	waiting := func(service string) Ticket { return Ticket{Service: service, State: Waiting} }
	done := func(service, desk string, called time.Time, took time.Duration) Ticket {
		return Ticket{Service: service, State: Done, Desk: desk, CalledAt: called, DoneAt: called.Add(took)}
	}
	ago := func(m int) time.Time { return now.Add(-time.Duration(m) * time.Minute) }

	tests := []struct {
		name     string
		ahead    []Ticket
		finished []Ticket // the day's other tickets
		desks    int      // the center's
		want     time.Duration
	}{
		{"nobody ahead", nil, nil, 2, 0},
		{"the catalogue's durations before any service is done: (15+30)/2 desks, rounded up",
			[]Ticket{waiting("info"), waiting("tax")}, nil, 2, 25 * time.Minute},
		{"never 0 while people wait",
			[]Ticket{waiting("info")}, []Ticket{done("info", "1", ago(50), time.Minute), done("info", "1", ago(40), time.Minute),
				done("info", "2", ago(30), time.Minute), done("info", "3", ago(20), time.Minute)}, 1, 5 * time.Minute},
		{"the day's service times once there are enough: 3 x 8 minutes on one calling desk",
			[]Ticket{waiting("info"), waiting("info"), waiting("info")},
			[]Ticket{done("info", "1", ago(200), 8*time.Minute), done("info", "1", ago(100), 8*time.Minute), done("info", "1", ago(50), 8*time.Minute)},
			4, 25 * time.Minute},
		{"two samples are not enough: the catalogue's 15 minutes, over one calling desk",
			[]Ticket{waiting("info")},
			[]Ticket{done("info", "1", ago(50), 2*time.Minute), done("info", "1", ago(30), 2*time.Minute)},
			4, 15 * time.Minute},
		{"divided by the desks that called in the last hour, not by those idle",
			[]Ticket{waiting("tax"), waiting("tax"), waiting("tax"), waiting("tax")},
			[]Ticket{done("info", "1", ago(10), time.Minute), done("info", "2", ago(20), time.Minute), done("info", "3", ago(120), time.Minute)},
			4, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all := append(slices.Clone(tt.finished), tt.ahead...)
			got := estimateWait(tt.ahead, serviceTimes(all, cat), desksCalling(all, now, tt.desks))
			if got != tt.want {
				t.Errorf("wait %s, want %s", got, tt.want)
			}
		})
	}
}

func TestTicketPrefix(t *testing.T) {
	if WalkInTicket.Prefix() != "W" || AppointmentTicket.Prefix() != "A" {
		t.Errorf("prefixes %q %q", WalkInTicket.Prefix(), AppointmentTicket.Prefix())
	}
}
