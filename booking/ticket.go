package booking

import (
	"cmp"
	"slices"
	"time"
)

// TicketKind says how a ticket came to be: taken for a walk-in service, or
// issued when an appointment holder checked in.
type TicketKind string

// The kinds of tickets.
const (
	WalkInTicket      TicketKind = "walk_in"
	AppointmentTicket TicketKind = "appointment"
)

// Prefix is the letter before a ticket's number: W-001 for walk-ins, A-001
// for checked-in appointments. Numbers restart per center, day and prefix.
func (k TicketKind) Prefix() string {
	if k == AppointmentTicket {
		return "A"
	}
	return "W"
}

// TicketState is where a ticket is in the queue.
type TicketState string

// The states of a ticket.
const (
	Waiting TicketState = "waiting" // in the queue
	Called  TicketState = "called"  // called to a desk, maybe more than once
	Serving TicketState = "serving" // at the desk
	Done    TicketState = "done"    // served
	NoShow  TicketState = "no_show" // called often enough, never came
)

// Lane is the line a waiting ticket stands in. Appointment holders who
// checked in on time form a lane of their own, which goes first once their
// time has come; walk-ins and late appointment holders share the other.
type Lane int

// The lanes, in the order they are served.
const (
	AppointmentLane Lane = 0
	WalkInLane      Lane = 1
)

// Ticket is a place in a center's queue for one day. It holds no personal
// data: an appointment ticket names its booking by ID only, and the display
// shows numbers and desks.
type Ticket struct {
	ID int64
	// Token names the ticket in the address of its public page; it is
	// random, so that nobody can walk through other people's tickets.
	Token   string
	Center  string
	Day     Date
	Number  string // W-001, A-001
	Kind    TicketKind
	Service string
	// BookingID is the booking an appointment ticket was checked in for;
	// 0 for a walk-in.
	BookingID int64
	Lane      Lane
	// Priority orders a lane: the appointment's start for holders who came
	// on time (they are not called before it while anyone else's turn has
	// come), otherwise the moment the ticket was taken.
	Priority time.Time
	State    TicketState
	// Desk is the desk that called the ticket last; "" while it waits.
	Desk     string
	Calls    int
	IssuedAt time.Time
	CalledAt time.Time // the last call; zero if never called
	DoneAt   time.Time // served or marked a no-show; zero until then
}

// Ready reports whether a waiting ticket's turn has come at now: walk-ins
// at once, appointment holders who checked in early from their time on.
func (t Ticket) Ready(now time.Time) bool {
	return t.State == Waiting && !t.Priority.After(now)
}

// Finished reports whether t is served or marked a no-show: nothing
// changes it any more.
func (t Ticket) Finished() bool { return t.State == Done || t.State == NoShow }

// Early reports whether t is an appointment holder's who checked in before
// the appointment and waits for its time at now: called at that time, or
// before it by a desk that has nobody else (NextTicket).
func (t Ticket) Early(now time.Time) bool {
	return t.State == Waiting && t.Lane == AppointmentLane && t.Priority.After(now)
}

// compareQueue orders waiting tickets as desks call them: tickets whose
// time has come before those that wait for it, then the appointment lane
// before the walk-in lane, then by priority, then in the order they were
// issued. The store's call-next query orders the same way.
func compareQueue(now time.Time) func(a, b Ticket) int {
	return func(a, b Ticket) int {
		ra, rb := a.Ready(now), b.Ready(now)
		switch {
		case ra && !rb:
			return -1
		case rb && !ra:
			return 1
		}
		return cmp.Or(cmp.Compare(a.Lane, b.Lane), a.Priority.Compare(b.Priority), cmp.Compare(a.ID, b.ID))
	}
}

// QueueOrder returns the waiting tickets among tickets in the order desks
// will call them at now: those whose turn has come, then the appointment
// holders who wait for their time, earliest appointment first. Tickets in
// other states are left out.
func QueueOrder(tickets []Ticket, now time.Time) []Ticket {
	waiting := make([]Ticket, 0, len(tickets))
	for _, t := range tickets {
		if t.State == Waiting {
			waiting = append(waiting, t)
		}
	}
	slices.SortStableFunc(waiting, compareQueue(now))
	return waiting
}

// NextTicket returns the ticket a desk calling at now gets, the first of
// QueueOrder: a checked-in appointment holder whose time has come,
// otherwise the walk-in (or late appointment holder) who has waited
// longest. When nobody's turn has come, a desk is not left idle while
// someone sits in the waiting room: it gets the appointment holder who
// checked in early for the earliest time. ok is false when nobody waits.
func NextTicket(tickets []Ticket, now time.Time) (next Ticket, ok bool) {
	order := QueueOrder(tickets, now)
	if len(order) == 0 {
		return Ticket{}, false
	}
	return order[0], true
}
