package booking_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
)

// The queue's rules: tickets while a center takes them, check-in of the
// day's appointments, and the desks' calls. booking/store's tests check
// what the database promises of the same operations.

func TestIssueTicket(t *testing.T) {
	f := newFixture(t)
	first := f.walkIn("general-information")
	if first.Ticket.Number != "W-001" || first.Position != 1 || first.Wait != 0 || len(first.Ticket.Token) != 10 {
		t.Errorf("first ticket %+v", first)
	}
	// 15 minutes over Aarhus' 3 desks (none called yet), rounded up.
	second := f.walkIn("tax-card")
	if second.Ticket.Number != "W-002" || second.Position != 2 || second.Wait != 5*time.Minute {
		t.Errorf("second ticket %+v", second)
	}
	est, err := f.queue.EstimatedWait(t.Context(), "aarhus")
	if err != nil || !est.Open || est.Waiting != 2 || est.Wait != 15*time.Minute {
		t.Errorf("estimate %+v, %v: want 2 waiting, (15+30)/3 minutes", est, err)
	}
	byToken, err := f.queue.TicketByToken(t.Context(), second.Ticket.Token)
	if err != nil || byToken.Ticket.ID != second.Ticket.ID || byToken.Position != 2 {
		t.Errorf("by token %+v, %v", byToken, err)
	}
	if _, err := f.queue.TicketByToken(t.Context(), "nope"); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("an unknown token: %v", err)
	}
	if _, err := f.queue.IssueTicket(t.Context(), "aarhus", "residence-permit-renewal"); !errors.Is(err, booking.ErrNotBookable) {
		t.Errorf("an appointment-only service: %v", err)
	}
	if _, err := f.queue.IssueTicket(t.Context(), "roskilde", "tax-card"); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("an unknown center: %v", err)
	}
	// The next day starts again at 1.
	f.clock.Set(cph(2026, time.November, 27, 9, 0))
	if st := f.walkIn("tax-card"); st.Ticket.Number != "W-001" {
		t.Errorf("the next day: %s", st.Ticket.Number)
	}
}

// One client (an address) takes at most TicketsPerClient walk-in tickets at
// a center on a day; the kiosk, another client, another center and the next
// day are not counted with them, nor is a ticket refused for another reason.
func TestTicketsPerClient(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	ana, bo := []byte("ana's address key"), []byte("bo's address key")
	take := func(client []byte, center string) error {
		t.Helper()
		_, err := f.queue.IssueTicketFor(ctx, client, center, "general-information")
		return err
	}
	f.clock.Set(thursdayAt(8, 0)) // closed: refused, and not counted
	refused(t, take(ana, "aarhus"), booking.ErrQueueClosed, thursdayAt(9, 0))
	f.clock.Set(thursdayAt(10, 0))
	for i := range 2 {
		if err := take(ana, "aarhus"); err != nil {
			t.Fatalf("ticket %d: %v", i+1, err)
		}
	}
	err := take(ana, "aarhus")
	refused(t, err, booking.ErrTooManyTickets, cph(2026, time.November, 27, 0, 0))
	if !strings.Contains(err.Error(), "2 walk-in tickets at Aarhus ICS Center") {
		t.Errorf("the refusal %q does not say the limit", err)
	}
	if _, err := f.queue.IssueTicketFor(ctx, ana, "aarhus", "residence-permit-renewal"); !errors.Is(err, booking.ErrNotBookable) {
		t.Errorf("an appointment-only service past the limit: %v, want ErrNotBookable first", err)
	}
	for _, tt := range []struct {
		name   string
		client []byte
		center string
	}{
		{"another client", bo, "aarhus"},
		{"another center", ana, "odense"},
		{"the kiosk", nil, "aarhus"},
		{"the kiosk again", nil, "aarhus"},
		{"the kiosk once more", nil, "aarhus"},
	} {
		if err := take(tt.client, tt.center); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if _, err := f.queue.IssueTicket(ctx, "aarhus", "tax-card"); err != nil {
		t.Errorf("IssueTicket, the kiosk's: %v", err)
	}
	f.clock.Set(cph(2026, time.November, 27, 9, 0))
	if err := take(ana, "aarhus"); err != nil {
		t.Errorf("the next day: %v", err)
	}

	// A policy of 0 counts nobody.
	unlimited := booking.NewQueue(f.scheduler, f.store, booking.QueuePolicy{WalkInCutoff: 30 * time.Minute, NoShowCalls: 3})
	for i := range 5 {
		if _, err := unlimited.IssueTicketFor(ctx, bo, "aarhus", "general-information"); err != nil {
			t.Fatalf("without a limit, ticket %d: %v", i+1, err)
		}
	}
}

// No tickets while a center is closed or past the cutoff; the error says
// when to come.
func TestNoTicketsWhileClosed(t *testing.T) {
	f := newFixture(t)
	monday := cph(2026, time.November, 30, 9, 0)
	friday := cph(2026, time.November, 27, 9, 0)
	if err := f.store.AddClosure(t.Context(), booking.Closure{Center: "odense", Day: booking.Date{Year: 2026, Month: time.November, Day: 27}, Reason: "training"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		now    time.Time
		center string
		come   time.Time // zero: tickets are given
	}{
		{"before opening", thursdayAt(8, 30), "aarhus", thursdayAt(9, 0)},
		{"at opening", thursdayAt(9, 0), "aarhus", time.Time{}},
		{"just before the cutoff", thursdayAt(14, 29), "aarhus", time.Time{}},
		{"at the cutoff, 30 minutes before closing", thursdayAt(14, 30), "aarhus", friday},
		{"after closing", thursdayAt(16, 0), "aarhus", friday},
		{"on a Saturday", cph(2026, time.November, 28, 11, 0), "aarhus", monday},
		{"past the cutoff before a closure", thursdayAt(14, 45), "odense", monday},
		{"on a closure", friday.Add(time.Hour), "odense", monday},
		{"on Christmas Day (a holiday) after Christmas Eve (closed every year)", cph(2026, time.December, 25, 10, 0), "aarhus", cph(2026, time.December, 28, 9, 0)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f.clock.Set(tt.now)
			_, err := f.queue.IssueTicket(t.Context(), tt.center, "general-information")
			est, estErr := f.queue.EstimatedWait(t.Context(), tt.center)
			if estErr != nil {
				t.Fatal(estErr)
			}
			if tt.come.IsZero() {
				if err != nil || !est.Open {
					t.Errorf("refused (%v) or closed estimate %+v", err, est)
				}
				return
			}
			refused(t, err, booking.ErrQueueClosed, tt.come)
			if est.Open {
				t.Errorf("estimate %+v while closed", est)
			}
		})
	}
}

func TestCheckIn(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	onTime := f.book("AAR-CHECK1", "aarhus", thursdayAt(10, 30))
	late := f.book("AAR-CHECK0", "aarhus", thursdayAt(9, 30))
	f.book("AAR-CHECK3", "aarhus", cph(2026, time.November, 27, 10, 0))
	f.book("ODE-CHECK4", "odense", thursdayAt(10, 30))
	cancelled := f.book("AAR-CHECK5", "aarhus", thursdayAt(11, 0))
	cancelled.Status, cancelled.Sequence = booking.Cancelled, 1
	if err := f.store.UpdateBooking(ctx, booking.Update{Booking: cancelled}, ""); err != nil {
		t.Fatal(err)
	}

	f.clock.Set(thursdayAt(10, 10))
	_, _, err := f.queue.CheckIn(ctx, "aarhus", "AAR-CHECK1")
	refused(t, err, booking.ErrCheckIn, thursdayAt(10, 15)) // too early
	// Tomorrow, another center, cancelled: one answer, which tells
	// nothing of the booking, only the center's hours.
	var answers []string
	for _, ref := range []string{"AAR-CHECK3", "ODE-CHECK4", "AAR-CHECK5"} {
		_, _, err = f.queue.CheckIn(ctx, "aarhus", ref)
		refused(t, err, booking.ErrCheckIn, time.Time{})
		answers = append(answers, err.Error())
		for _, secret := range []string{ref, "cancel", "Friday", "27 November", "10:00", "Odense", "Østre Stationsvej"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: the answer %q tells %q", ref, err, secret)
			}
		}
	}
	if answers[0] != answers[1] || answers[1] != answers[2] || !strings.Contains(answers[0], "Aarhus ICS Center is open today 09:00-15:00") {
		t.Errorf("answers %q: want one, with Aarhus' hours of today", answers)
	}
	if _, _, err := f.queue.CheckIn(ctx, "aarhus", "AAR-NOSUCH"); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("an unknown reference: %v", err)
	}
	if _, _, err := f.queue.CheckIn(ctx, "aarhus", " "); !errors.Is(err, booking.ErrInvalid) {
		t.Errorf("no reference: %v", err)
	}

	// Within the window before the start: the appointment's priority,
	// and a wait until its time.
	f.clock.Set(thursdayAt(10, 20))
	st, created, err := f.queue.CheckIn(ctx, "aarhus", " aar-check1 ")
	if err != nil || !created {
		t.Fatalf("check in: %v, created %v", err, created)
	}
	tk := st.Ticket
	if tk.Number != "A-001" || tk.Kind != booking.AppointmentTicket || tk.BookingID != onTime.ID ||
		tk.Lane != booking.AppointmentLane || !tk.Priority.Equal(onTime.Start) || tk.Service != onTime.Service || st.Wait != 10*time.Minute {
		t.Errorf("on time: %+v", st)
	}
	again, created, err := f.queue.CheckIn(ctx, "aarhus", "AAR-CHECK1")
	if err != nil || created || again.Ticket.ID != tk.ID || again.Ticket.Token != tk.Token {
		t.Errorf("again: %+v, created %v, %v", again, created, err)
	}

	// 50 minutes late: the walk-in line, from now.
	st, _, err = f.queue.CheckIn(ctx, "aarhus", "aar-checko") // O for 0
	if err != nil {
		t.Fatal(err)
	}
	if st.Ticket.Number != "A-002" || st.Ticket.BookingID != late.ID || st.Ticket.Lane != booking.WalkInLane || !st.Ticket.Priority.Equal(f.clock.Now()) {
		t.Errorf("late: %+v", st.Ticket)
	}
	// The late one is called first now, and a walk-in who comes after
	// it: the on-time one waits for 10:30 while anyone else's turn has
	// come.
	if got := f.callNext("1"); got.Number != "A-002" {
		t.Errorf("called %s first, want the late A-002 (the other waits for its time)", got.Number)
	}
	w := f.walkIn("general-information")
	if got := f.callNext("2"); got.ID != w.Ticket.ID {
		t.Errorf("called %s, want walk-in %s before the appointment holder who is early", got.Number, w.Ticket.Number)
	}
	// Then nobody's turn has come: the desk gets the early one rather
	// than stand idle while it sits in the waiting room.
	if got := f.callNext("1"); got.ID != tk.ID || got.Desk != "1" || !got.CalledAt.Equal(f.clock.Now()) {
		t.Errorf("with nobody else waiting at 10:20, called %+v, want the 10:30 appointment holder now", got)
	}
	if _, ok, err := f.queue.CallNext(ctx, "aarhus", "2"); ok || err != nil {
		t.Errorf("nobody waits: %v, %v", ok, err)
	}
}

// An appointment holder who checked in early waits for its time while a
// walk-in's turn has come, and is called at its time before the walk-ins.
func TestEarlyCheckInAtItsTime(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.book("AAR-CHECK7", "aarhus", thursdayAt(10, 30))
	f.clock.Set(thursdayAt(10, 20))
	st, _, err := f.queue.CheckIn(ctx, "aarhus", "AAR-CHECK7")
	if err != nil {
		t.Fatal(err)
	}
	w1 := f.walkIn("general-information")
	w2 := f.walkIn("general-information")
	// The desks see who waits, in the order they call them, and who waits
	// for a time.
	state, err := f.queue.QueueState(ctx, "aarhus")
	if err != nil {
		t.Fatal(err)
	}
	var line []string
	for _, w := range state.Line {
		line = append(line, fmt.Sprintf("%s %v", w.Number, w.Early))
	}
	if want := []string{w1.Ticket.Number + " false", w2.Ticket.Number + " false", st.Ticket.Number + " true"}; !slices.Equal(line, want) {
		t.Errorf("line %v, want %v", line, want)
	}
	if got := f.callNext("1"); got.ID != w1.Ticket.ID {
		t.Errorf("at 10:20 called %s, want walk-in %s", got.Number, w1.Ticket.Number)
	}
	f.clock.Set(thursdayAt(10, 30))
	if got := f.callNext("2"); got.ID != st.Ticket.ID {
		t.Errorf("at 10:30 called %s, want the appointment holder before walk-in %s", got.Number, w2.Ticket.Number)
	}
}

// A visit of several services and people checks in as one ticket, for its
// first service, and the desk that calls it sees the whole visit.
func TestCheckInVisit(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	start := thursdayAt(10, 30)
	visit := f.store.add(booking.Booking{
		Reference: "AAR-FAM4XY", Center: "aarhus", Service: "eu-residence-document",
		Services: []string{"eu-residence-document", "cpr-number"}, People: 4,
		Start: start.UTC(), End: start.Add(165 * time.Minute).UTC(), Name: "Ana Silva", Email: "ana@example.com",
		Locale: "en", Status: booking.Confirmed,
	})
	f.clock.Set(thursdayAt(10, 25))
	st, created, err := f.queue.CheckIn(ctx, "aarhus", "AAR-FAM4XY")
	if err != nil || !created {
		t.Fatalf("check in: %v, created %v", err, created)
	}
	if again, created, err := f.queue.CheckIn(ctx, "aarhus", "AAR-FAM4XY"); err != nil || created || again.Ticket.ID != st.Ticket.ID {
		t.Errorf("checking in again: %+v, created %v, %v; want the visit's one ticket", again.Ticket, created, err)
	}
	tickets, err := f.queue.Tickets(ctx, "aarhus", booking.DateOf(start))
	if err != nil || len(tickets) != 1 || tickets[0].BookingID != visit.ID || tickets[0].Service != "eu-residence-document" {
		t.Fatalf("tickets %+v, %v: want one, for the visit's first service", tickets, err)
	}
	f.clock.Set(start)
	called := f.callNext("1")
	got, err := f.queue.Visit(ctx, called)
	if err != nil || strings.Join(got.Services, " ") != "eu-residence-document cpr-number" || got.People != 4 {
		t.Errorf("the called ticket's visit: %+v, %v", got, err)
	}
	if got, err := f.queue.Visit(ctx, f.walkIn("general-information").Ticket); err != nil || got.Services != nil || got.People != 0 {
		t.Errorf("a walk-in's visit: %+v, %v; want none", got, err)
	}
}

func TestDeskOperations(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if _, ok, err := f.queue.CallNext(ctx, "aarhus", "1"); ok || err != nil {
		t.Errorf("nobody waits: %v, %v", ok, err)
	}
	if _, _, err := f.queue.CallNext(ctx, "aarhus", ""); !errors.Is(err, booking.ErrInvalid) {
		t.Errorf("no desk: %v", err)
	}
	w1 := f.walkIn("general-information")
	f.clock.Advance(time.Minute)
	w2 := f.walkIn("general-information")
	f.clock.Advance(time.Minute)
	w3 := f.walkIn("general-information")

	// Moved to another service, a ticket keeps its place.
	moved, err := f.queue.MoveTicket(ctx, "aarhus", w1.Ticket.ID, "tax-card")
	if err != nil || moved.Service != "tax-card" {
		t.Fatalf("move: %+v, %v", moved, err)
	}
	called := f.callNext("1")
	if called.ID != w1.Ticket.ID || called.Service != "tax-card" || called.Calls != 1 {
		t.Errorf("called %+v, want the moved first ticket", called)
	}

	// No-show only after 3 calls.
	if _, err := f.queue.NoShow(ctx, "aarhus", called.ID); !errors.Is(err, booking.ErrTooFewCalls) {
		t.Errorf("no-show after 1 call: %v", err)
	}
	f.clock.Advance(time.Minute)
	if tk, err := f.queue.Recall(ctx, "aarhus", called.ID, "1"); err != nil || tk.Calls != 2 || !tk.CalledAt.Equal(f.clock.Now()) {
		t.Errorf("recall: %+v, %v", tk, err)
	}
	if _, err := f.queue.NoShow(ctx, "aarhus", called.ID); !errors.Is(err, booking.ErrTooFewCalls) {
		t.Errorf("no-show after 2 calls: %v", err)
	}
	if _, err := f.queue.Recall(ctx, "aarhus", called.ID, "1"); err != nil {
		t.Fatal(err)
	}
	if tk, err := f.queue.NoShow(ctx, "aarhus", called.ID); err != nil || tk.State != booking.NoShow {
		t.Errorf("no-show after 3 calls: %+v, %v", tk, err)
	}
	if _, err := f.queue.Recall(ctx, "aarhus", called.ID, "1"); !errors.Is(err, booking.ErrConflict) {
		t.Errorf("recalling a no-show: %v", err)
	}

	// Called, attended, served.
	f.clock.Advance(time.Minute)
	second := f.callNext("2")
	if second.ID != w2.Ticket.ID {
		t.Errorf("second call %s", second.Number)
	}
	if _, err := f.queue.Attend(ctx, "aarhus", second.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(7 * time.Minute)
	done, err := f.queue.Serve(ctx, "aarhus", second.ID)
	if err != nil || done.State != booking.Done || !done.DoneAt.Equal(f.clock.Now()) {
		t.Errorf("served %+v, %v", done, err)
	}
	if _, err := f.queue.Serve(ctx, "aarhus", second.ID); !errors.Is(err, booking.ErrConflict) {
		t.Errorf("served twice: %v", err)
	}
	if _, err := f.queue.MoveTicket(ctx, "aarhus", second.ID, "tax-card"); !errors.Is(err, booking.ErrConflict) {
		t.Errorf("moving a served ticket: %v", err)
	}
	// Another center's desk does not reach the ticket.
	if _, err := f.queue.Serve(ctx, "odense", w3.Ticket.ID); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("from another center: %v", err)
	}
	if _, err := f.queue.MoveTicket(ctx, "aarhus", w3.Ticket.ID, "haircut"); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("to an unknown service: %v", err)
	}

	third := f.callNext("1")
	state, err := f.queue.QueueState(ctx, "aarhus")
	if err != nil {
		t.Fatal(err)
	}
	if len(state.AtDesks) != 1 || state.AtDesks[0].ID != third.ID || state.AtDesks[0].Desk != "1" {
		t.Errorf("at the desks: %+v", state.AtDesks)
	}
	var last []string
	for _, tk := range state.LastCalls {
		last = append(last, tk.Number)
	}
	if len(last) != 3 || last[0] != "W-003" || last[1] != "W-002" || last[2] != "W-001" {
		t.Errorf("last calls %v", last)
	}
	if !state.Estimate.Open || state.Estimate.Waiting != 0 || state.Estimate.Wait != 0 {
		t.Errorf("estimate %+v", state.Estimate)
	}

	// Past the cutoff nobody new gets a wait, but those waiting still
	// count.
	f.walkIn("general-information")
	f.clock.Set(thursdayAt(14, 45))
	if state, err = f.queue.QueueState(ctx, "aarhus"); err != nil {
		t.Fatal(err)
	}
	if state.Estimate.Open || state.Estimate.Waiting != 1 || state.Estimate.Wait != 0 {
		t.Errorf("estimate past the cutoff %+v", state.Estimate)
	}
}

// Only the center's own desks, 1 to its number of desks, call and recall:
// any other desk is not found, and the ticket stays as it was.
func TestOnlyTheCentersDesks(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.walkIn("general-information")
	called := f.callNext("3") // Aarhus has three desks
	for _, tt := range []struct {
		desk string
		want error
	}{
		{"0", booking.ErrNotFound},
		{"4", booking.ErrNotFound},
		{"99", booking.ErrNotFound},
		{"-1", booking.ErrNotFound},
		{"01", booking.ErrNotFound},
		{"+1", booking.ErrNotFound},
		{" 1", booking.ErrNotFound},
		{"1.0", booking.ErrNotFound},
		{"A", booking.ErrNotFound},
		{"desk 1", booking.ErrNotFound},
		{"99999999999999999999", booking.ErrNotFound},
		{"", booking.ErrInvalid},
	} {
		if _, ok, err := f.queue.CallNext(ctx, "aarhus", tt.desk); ok || !errors.Is(err, tt.want) {
			t.Errorf("CallNext from desk %q: %v, %v; want %v", tt.desk, ok, err, tt.want)
		}
		if _, err := f.queue.Recall(ctx, "aarhus", called.ID, tt.desk); !errors.Is(err, tt.want) {
			t.Errorf("Recall from desk %q: %v; want %v", tt.desk, err, tt.want)
		}
	}
	// Odense has two desks: Aarhus' third is not one of them.
	if _, ok, err := f.queue.CallNext(ctx, "odense", "3"); ok || !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("CallNext from Odense's desk 3: %v, %v", ok, err)
	}
	if tk, err := f.store.Ticket(ctx, called.ID); err != nil || tk.Calls != 1 || tk.Desk != "3" {
		t.Errorf("after the refused calls the ticket is %+v, %v; want called once, to desk 3", tk, err)
	}
	for _, desk := range []string{"1", "2", "3"} {
		if _, err := f.queue.Recall(ctx, "aarhus", called.ID, desk); err != nil {
			t.Errorf("Recall from desk %s: %v", desk, err)
		}
	}
}
