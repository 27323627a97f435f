package booking

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// TicketStore persists the walk-in queue. Implementations must let the
// database keep its promises: a ticket's number is drawn from a counter in
// the transaction that inserts the ticket and is unique per center and day,
// a booking gets at most one ticket, and two concurrent CallNext calls never
// return the same ticket, also from two server processes.
type TicketStore interface {
	// IssueTicket draws the next number of the ticket's center, day and
	// prefix, inserts the ticket and returns it with its ID and number.
	// ErrDuplicate if the booking already has a ticket, or the token
	// exists. With a ClientLimit, the ticket counts towards its client's
	// tickets of the center and day, in the same transaction, and
	// ErrTooManyTickets (with nothing written) if the client has taken
	// its Max already; two servers issuing at once count together.
	IssueTicket(ctx context.Context, t Ticket, limit ClientLimit) (Ticket, error)
	// Ticket returns a ticket by ID.
	Ticket(ctx context.Context, id int64) (Ticket, error)
	// TicketByToken returns the ticket whose public page token is token.
	TicketByToken(ctx context.Context, token string) (Ticket, error)
	// TicketOfBooking returns the ticket a booking was checked in with.
	TicketOfBooking(ctx context.Context, bookingID int64) (Ticket, error)
	// Tickets returns every ticket of a center on a day, by ID.
	Tickets(ctx context.Context, center string, day Date) ([]Ticket, error)
	// TicketsBetween returns every ticket of a center on the days from
	// from to to, both included, by ID.
	TicketsBetween(ctx context.Context, center string, from, to Date) ([]Ticket, error)
	// CallNext gives the first waiting ticket of the center's queue on day
	// in the order of QueueOrder at now (NextTicket) to desk: it becomes
	// called, with one call. ErrNotFound if no ticket waits.
	CallNext(ctx context.Context, center string, day Date, desk string, now time.Time) (Ticket, error)
	// UpdateTicket stores t in place of the ticket with t.ID if that is
	// still in state from with calls calls (a compare-and-swap).
	// ErrConflict if it changed meanwhile, ErrNotFound if there is none.
	UpdateTicket(ctx context.Context, t Ticket, from TicketState, calls int) error
}

// ClientLimit caps the walk-in tickets one client takes at a center on a
// day. The zero ClientLimit caps nothing.
type ClientLimit struct {
	// Client is a keyed hash of the client's address, never the address;
	// nil for a client shared by many people (the kiosk).
	Client []byte
	// Max is how many tickets the client may take; 0 for no cap.
	Max int
}

// Caps reports whether the limit caps anything: a client and a Max.
func (l ClientLimit) Caps() bool { return len(l.Client) > 0 && l.Max > 0 }

// QueuePolicy holds the queue's rules that come from configuration.
type QueuePolicy struct {
	// WalkInCutoff is how long before closing the last tickets are given.
	WalkInCutoff time.Duration
	// CheckInEarly and CheckInLate bound the window around an
	// appointment's start in which checking in keeps its priority.
	CheckInEarly time.Duration
	CheckInLate  time.Duration
	// NoShowCalls is how often a ticket must have been called before it
	// can be marked a no-show.
	NoShowCalls int
	// TicketsPerClient is how many walk-in tickets one client (an
	// address) may take at a center on a day with IssueTicketFor; 0 for
	// no limit. It stops a script filling a queue with people who never
	// come, each costing a desk its calls before a no-show.
	TicketsPerClient int
	// ReadTTL is how long a center's tickets of the day, once read, are
	// used for the places, waits and states the pages show (see
	// ticketCache); 0: read for each.
	ReadTTL time.Duration
}

// Queue runs the walk-in queue of every center: tickets for walk-ins,
// check-in of appointment holders, and the desks calling them. It shares
// the Scheduler's schedule: catalogue, calendar, closures and clock.
type Queue struct {
	schedule *schedule
	store    TicketStore
	policy   QueuePolicy
	cache    *ticketCache
}

// NewQueue returns the queue beside a scheduler.
func NewQueue(s *Scheduler, store TicketStore, policy QueuePolicy) *Queue {
	return &Queue{schedule: s.schedule, store: store, policy: policy, cache: newTicketCache(policy.ReadTTL)}
}

// Policy returns the queue's rules.
func (q *Queue) Policy() QueuePolicy { return q.policy }

// TicketStatus is a ticket with its place in the queue.
type TicketStatus struct {
	Ticket Ticket
	// Position is 1 for the next to be called; 0 once the ticket no
	// longer waits.
	Position int
	// Wait is the estimated time until the ticket is called; 0 once it
	// no longer waits.
	Wait time.Duration
}

// ticketAttempts bounds how often a random token is drawn again.
const ticketAttempts = 3

// IssueTicket gives a walk-in a ticket for a service at a center, while it
// takes tickets: on a day it is open, from opening until WalkInCutoff before
// closing. Otherwise the error (ErrQueueClosed) says when to come. It does
// not count the tickets of anyone: it is the kiosk's, which everyone in
// the room shares.
func (q *Queue) IssueTicket(ctx context.Context, centerID, serviceID string) (TicketStatus, error) {
	return q.IssueTicketFor(ctx, nil, centerID, serviceID)
}

// IssueTicketFor is IssueTicket for one client, known by a keyed hash of
// its address (never the address): once the client has taken
// TicketsPerClient tickets at the center today, it refuses with
// ErrTooManyTickets, whose At is the start of tomorrow. A nil client is not
// counted.
func (q *Queue) IssueTicketFor(ctx context.Context, client []byte, centerID, serviceID string) (TicketStatus, error) {
	center, service, err := q.schedule.lookup(centerID, serviceID)
	if err != nil {
		return TicketStatus{}, err
	}
	if service.Mode == Appointment {
		return TicketStatus{}, notBookable("%s needs an appointment; book one, then check in when you arrive", service.Name)
	}
	if err := q.takingTickets(ctx, center); err != nil {
		return TicketStatus{}, err
	}
	now := q.schedule.now().UTC()
	today := q.schedule.today()
	limit := ClientLimit{Client: client, Max: q.policy.TicketsPerClient}
	st, err := q.issue(ctx, Ticket{
		Center:   center.ID,
		Day:      today,
		Kind:     WalkInTicket,
		Service:  service.ID,
		Lane:     WalkInLane,
		Priority: now,
		State:    Waiting,
		IssuedAt: now,
	}, limit)
	if errors.Is(err, ErrTooManyTickets) {
		return TicketStatus{}, &Error{Kind: ErrTooManyTickets, At: today.AddDays(1).At(0, q.schedule.policy.Location),
			Detail: fmt.Sprintf("%d walk-in tickets at %s today is the most one address may take; "+
				"take one at the kiosk in the center, or ask at the desk", limit.Max, center.Name)}
	}
	return st, err
}

// issue stores a new ticket under a fresh token, within the client's
// limit, and returns it with its place.
func (q *Queue) issue(ctx context.Context, t Ticket, limit ClientLimit) (TicketStatus, error) {
	for attempt := 1; ; attempt++ {
		t.Token = newTicketToken()
		issued, err := q.store.IssueTicket(ctx, t, limit)
		if err == nil {
			q.Changed(t.Center)
			return q.status(ctx, issued)
		}
		if !errors.Is(err, ErrDuplicate) || t.BookingID != 0 || attempt == ticketAttempts {
			return TicketStatus{}, fmt.Errorf("issue ticket at %s: %w", t.Center, err)
		}
	}
}

// takingTickets returns nil if the center gives walk-in tickets now, and
// otherwise an ErrQueueClosed error saying when to come.
func (q *Queue) takingTickets(ctx context.Context, center Center) error {
	loc := q.schedule.policy.Location
	now := q.schedule.now().In(loc)
	today := DateOf(now)
	day, periods, found, err := q.schedule.firstOpenDay(ctx, center, today)
	if err != nil {
		return err
	}
	reason := "is closed today"
	if found && day == today {
		for _, p := range periods {
			switch {
			case now.Before(p.from):
				return &Error{Kind: ErrQueueClosed, At: p.from,
					Detail: fmt.Sprintf("%s is not open yet: come today from %s", center.Name, p.from.In(loc).Format("15:04"))}
			case now.Before(p.to.Add(-q.policy.WalkInCutoff)):
				return nil
			}
		}
		reason = fmt.Sprintf("gives the last walk-in tickets %s before closing", minutes(q.policy.WalkInCutoff))
		if !now.Before(periods[len(periods)-1].to) {
			reason = "is closed now"
		}
		if day, periods, found, err = q.schedule.firstOpenDay(ctx, center, today.AddDays(1)); err != nil {
			return err
		}
	}
	if !found {
		return newError(ErrQueueClosed, "%s takes no walk-ins in the coming weeks; call %s", center.Name, center.Phone)
	}
	open := periods[0].from
	return &Error{Kind: ErrQueueClosed, At: open,
		Detail: fmt.Sprintf("%s %s: come on %s from %s", center.Name, reason, day.Long(), open.In(loc).Format("15:04"))}
}

// CheckIn turns a booking of the center and of today into an appointment
// ticket. The reference may be typed in any case, with O for 0 and I or L
// for 1. Arriving from CheckInEarly before the appointment to CheckInLate
// after it keeps the appointment's place (the holder is called from its
// start on, ahead of walk-ins); arriving later joins the walk-in line. A
// booking checked in before gets its ticket back, with created false.
func (q *Queue) CheckIn(ctx context.Context, centerID, reference string) (status TicketStatus, created bool, err error) {
	center, err := q.schedule.catalogue.Center(centerID)
	if err != nil {
		return TicketStatus{}, false, err
	}
	reference = normalizeReference(reference)
	if reference == "" {
		return TicketStatus{}, false, invalid([]FieldError{{"reference", "is required"}})
	}
	if !referencePattern.MatchString(reference) {
		return TicketStatus{}, false, newError(ErrNotFound, "no booking %s", reference)
	}
	b, err := q.schedule.store.Booking(ctx, reference)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return TicketStatus{}, false, newError(ErrNotFound, "no booking %s", reference)
		}
		return TicketStatus{}, false, fmt.Errorf("check in: %w", err)
	}
	if err := q.checkBooking(ctx, center, b); err != nil {
		return TicketStatus{}, false, err
	}
	if t, err := q.store.TicketOfBooking(ctx, b.ID); err == nil {
		status, err := q.status(ctx, t)
		return status, false, err
	} else if !errors.Is(err, ErrNotFound) {
		return TicketStatus{}, false, fmt.Errorf("check in booking %d: %w", b.ID, err)
	}

	now := q.schedule.now().UTC()
	t := Ticket{
		Center:    center.ID,
		Day:       q.schedule.today(),
		Kind:      AppointmentTicket,
		Service:   b.Service,
		BookingID: b.ID,
		Lane:      AppointmentLane,
		Priority:  b.Start,
		State:     Waiting,
		IssuedAt:  now,
	}
	if now.After(b.Start.Add(q.policy.CheckInLate)) {
		t.Lane, t.Priority = WalkInLane, now
	}
	status, err = q.issue(ctx, t, ClientLimit{})
	if errors.Is(err, ErrDuplicate) {
		// Checked in twice at once: the other one won.
		t, err := q.store.TicketOfBooking(ctx, b.ID)
		if err != nil {
			return TicketStatus{}, false, fmt.Errorf("check in booking %d: %w", b.ID, err)
		}
		status, err := q.status(ctx, t)
		return status, false, err
	}
	return status, err == nil, err
}

// TicketVisit is what a desk sees of the visit an appointment ticket was
// checked in for: its services, in the order they are served, and how many
// people come; nothing personal.
type TicketVisit struct {
	Services []string
	People   int
}

// Visit returns the visit an appointment ticket was checked in for, from
// its booking: the one ticket of a visit stands for every service in it. A
// walk-in ticket has none: the zero TicketVisit.
func (q *Queue) Visit(ctx context.Context, t Ticket) (TicketVisit, error) {
	if t.BookingID == 0 {
		return TicketVisit{}, nil
	}
	b, err := q.schedule.store.BookingInCenter(ctx, t.Center, t.BookingID)
	if err != nil {
		return TicketVisit{}, fmt.Errorf("visit of ticket %s: %w", t.Number, err)
	}
	return TicketVisit{Services: b.Services, People: b.People}, nil
}

// checkBooking checks that b may be checked in at center now. A booking
// that is cancelled, of another day or of another center gets one answer,
// whichever it is, that says no more than the center's own hours: anyone
// may type a reference at a kiosk, and must not learn from it whether a
// booking was cancelled, when it is, or where.
func (q *Queue) checkBooking(ctx context.Context, center Center, b Booking) error {
	loc := q.schedule.policy.Location
	start := b.Start.In(loc)
	if b.Status != Confirmed || b.Center != center.ID || DateOf(start) != q.schedule.today() {
		return q.notForToday(ctx, center)
	}
	if from := b.Start.Add(-q.policy.CheckInEarly); q.schedule.now().Before(from) {
		return &Error{Kind: ErrCheckIn, At: from,
			Detail: fmt.Sprintf("booking %s is at %s: check in from %s", b.Reference, start.Format("15:04"), from.In(loc).Format("15:04"))}
	}
	return nil
}

// notForToday is the ErrCheckIn error of a booking that is not one of the
// center's today, with the center's hours.
func (q *Queue) notForToday(ctx context.Context, center Center) error {
	loc := q.schedule.policy.Location
	today := q.schedule.today()
	hours := fmt.Sprintf("call %s", center.Phone)
	day, periods, found, err := q.schedule.firstOpenDay(ctx, center, today)
	if err != nil {
		return err
	}
	if found {
		spans := make([]string, len(periods))
		for i, p := range periods {
			spans[i] = p.from.In(loc).Format("15:04") + "-" + p.to.In(loc).Format("15:04")
		}
		when := "today"
		if day != today {
			when = "next on " + day.Long()
		}
		hours = fmt.Sprintf("%s is open %s %s", center.Name, when, strings.Join(spans, " and "))
	}
	return newError(ErrCheckIn, "this booking is not for today at %s: check in on the day of your appointment, "+
		"at the center it is at, or ask at the desk; %s", center.Name, hours)
}

// TicketByToken returns the ticket of a public ticket page with its place.
func (q *Queue) TicketByToken(ctx context.Context, token string) (TicketStatus, error) {
	token = strings.ToUpper(strings.TrimSpace(token))
	if len(token) != 10 {
		return TicketStatus{}, newError(ErrNotFound, "no such ticket")
	}
	if t, ok := q.cache.byToken(token); ok {
		return q.status(ctx, t)
	}
	t, err := q.store.TicketByToken(ctx, token)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return TicketStatus{}, newError(ErrNotFound, "no such ticket")
		}
		return TicketStatus{}, fmt.Errorf("ticket by token: %w", err)
	}
	return q.status(ctx, t)
}

// status finds t's place in its queue.
func (q *Queue) status(ctx context.Context, t Ticket) (TicketStatus, error) {
	if t.State != Waiting {
		return TicketStatus{Ticket: t}, nil
	}
	center, err := q.schedule.catalogue.Center(t.Center)
	if err != nil {
		return TicketStatus{}, err
	}
	tickets, err := q.tickets(ctx, t.Center, t.Day)
	if err != nil {
		return TicketStatus{}, fmt.Errorf("queue of %s: %w", t.Center, err)
	}
	now := q.schedule.now()
	order := QueueOrder(tickets, now)
	i := slices.IndexFunc(order, func(o Ticket) bool { return o.ID == t.ID })
	if i < 0 { // changed since it was read
		i = len(order)
	}
	wait := estimateWait(order[:i], serviceTimes(tickets, q.schedule.catalogue), desksCalling(tickets, now, center.Desks))
	if t.Early(now) {
		// Called at its time at the latest; before it only if a desk
		// has nobody else, which nobody can promise.
		wait = max(wait, roundUp(t.Priority.Sub(now)))
	}
	return TicketStatus{Ticket: t, Position: i + 1, Wait: wait}, nil
}

// roundUp rounds d up to waitStep.
func roundUp(d time.Duration) time.Duration {
	return (d + waitStep - 1) / waitStep * waitStep
}

// Estimate is the wait of someone taking a walk-in ticket now.
type Estimate struct {
	// Open is false while the center gives no tickets (closed, or past
	// the cutoff); Wait is then zero.
	Open bool
	// Waiting is how many tickets wait.
	Waiting int
	Wait    time.Duration
}

// EstimatedWait estimates how long someone taking a walk-in ticket at a
// center now would wait: everyone waiting is ahead.
func (q *Queue) EstimatedWait(ctx context.Context, centerID string) (Estimate, error) {
	center, err := q.schedule.catalogue.Center(centerID)
	if err != nil {
		return Estimate{}, err
	}
	open, err := q.open(ctx, center)
	if err != nil || !open {
		return Estimate{}, err
	}
	tickets, err := q.tickets(ctx, center.ID, q.schedule.today())
	if err != nil {
		return Estimate{}, fmt.Errorf("queue of %s: %w", center.ID, err)
	}
	return q.estimate(center, tickets, true), nil
}

// open reports whether the center gives walk-in tickets now.
func (q *Queue) open(ctx context.Context, center Center) (bool, error) {
	err := q.takingTickets(ctx, center)
	if errors.Is(err, ErrQueueClosed) {
		return false, nil
	}
	return err == nil, err
}

// estimate counts the waiting tickets and, if the center gives tickets,
// estimates the wait of a new one.
func (q *Queue) estimate(center Center, tickets []Ticket, open bool) Estimate {
	now := q.schedule.now()
	order := QueueOrder(tickets, now)
	e := Estimate{Open: open, Waiting: len(order)}
	if open {
		e.Wait = estimateWait(order, serviceTimes(tickets, q.schedule.catalogue), desksCalling(tickets, now, center.Desks))
	}
	return e
}

// QueueState is what a center's display shows: who is served where, the
// latest calls and the wait for someone taking a ticket now; and, for the
// desks, who waits.
type QueueState struct {
	Center string
	// AtDesks holds the ticket each desk called last, while it is
	// called or being served, by desk.
	AtDesks []Ticket
	// LastCalls are the latest calls, the latest first.
	LastCalls []Ticket
	Estimate  Estimate
	// Line holds the waiting tickets in the order desks call them
	// (QueueOrder), for the desks; the display shows only how many.
	Line []WaitingTicket
}

// WaitingTicket is a ticket in the line as a desk sees it.
type WaitingTicket struct {
	Ticket
	// Early says it is an appointment holder's who checked in before the
	// appointment, Ticket.Priority (Ticket.Early): called at that time,
	// or before it by a desk that has nobody else.
	Early bool
}

// lastCalls is how many calls QueueState lists.
const lastCalls = 10

// QueueState returns a center's queue as its display shows it.
func (q *Queue) QueueState(ctx context.Context, centerID string) (QueueState, error) {
	center, err := q.schedule.catalogue.Center(centerID)
	if err != nil {
		return QueueState{}, err
	}
	tickets, err := q.tickets(ctx, center.ID, q.schedule.today())
	if err != nil {
		return QueueState{}, fmt.Errorf("queue of %s: %w", center.ID, err)
	}
	open, err := q.open(ctx, center)
	if err != nil {
		return QueueState{}, err
	}
	state := QueueState{Center: center.ID, AtDesks: []Ticket{}, LastCalls: []Ticket{}, Estimate: q.estimate(center, tickets, open)}
	now := q.schedule.now()
	for _, t := range QueueOrder(tickets, now) {
		state.Line = append(state.Line, WaitingTicket{Ticket: t, Early: t.Early(now)})
	}
	var called []Ticket
	for _, t := range tickets {
		if !t.CalledAt.IsZero() {
			called = append(called, t)
		}
	}
	slices.SortFunc(called, func(a, b Ticket) int { return cmp.Or(b.CalledAt.Compare(a.CalledAt), cmp.Compare(b.ID, a.ID)) })
	// A desk shows the latest of its tickets still called or being
	// served; one it has finished with, however recent, shows nothing.
	desks := map[string]bool{}
	for _, t := range called {
		if desks[t.Desk] || (t.State != Called && t.State != Serving) {
			continue
		}
		desks[t.Desk] = true
		state.AtDesks = append(state.AtDesks, t)
	}
	slices.SortFunc(state.AtDesks, func(a, b Ticket) int { return strings.Compare(a.Desk, b.Desk) })
	state.LastCalls = append(state.LastCalls, called[:min(len(called), lastCalls)]...)
	return state, nil
}

// CallNext calls the next ticket of a center's queue to a desk (see
// NextTicket): a checked-in appointment holder whose time has come,
// otherwise whoever has waited longest in the walk-in line, and when
// nobody's turn has come the appointment holder who checked in early for
// the earliest time, rather than leave the desk idle. ok is false when
// nobody waits. The desk must be one of the center's (see Center.Desk).
func (q *Queue) CallNext(ctx context.Context, centerID, desk string) (t Ticket, ok bool, err error) {
	center, err := q.deskOf(centerID, desk)
	if err != nil {
		return Ticket{}, false, err
	}
	t, err = q.store.CallNext(ctx, center.ID, q.schedule.today(), desk, q.schedule.now().UTC())
	if err == nil {
		q.Changed(center.ID)
	}
	if errors.Is(err, ErrNotFound) {
		return Ticket{}, false, nil
	}
	if err != nil {
		return Ticket{}, false, fmt.Errorf("call next at %s: %w", center.ID, err)
	}
	return t, true, nil
}

// Recall calls a called ticket again, from desk, one of the center's.
func (q *Queue) Recall(ctx context.Context, centerID string, id int64, desk string) (Ticket, error) {
	if _, err := q.deskOf(centerID, desk); err != nil {
		return Ticket{}, err
	}
	return q.change(ctx, centerID, id, "recall", func(t *Ticket, now time.Time) error {
		if err := mustBe(*t, Called); err != nil {
			return err
		}
		t.Calls++
		t.Desk, t.CalledAt = desk, now
		return nil
	})
}

// deskOf returns the center if desk is one of its desks (Center.CheckDesk).
func (q *Queue) deskOf(centerID, desk string) (Center, error) {
	center, err := q.schedule.catalogue.Center(centerID)
	if err != nil {
		return Center{}, err
	}
	if err := center.CheckDesk(desk); err != nil {
		return Center{}, err
	}
	return center, nil
}

// Attend records that the called person came to the desk.
func (q *Queue) Attend(ctx context.Context, centerID string, id int64) (Ticket, error) {
	return q.change(ctx, centerID, id, "attend", func(t *Ticket, _ time.Time) error {
		if err := mustBe(*t, Called); err != nil {
			return err
		}
		t.State = Serving
		return nil
	})
}

// Serve marks a called or attended ticket as served.
func (q *Queue) Serve(ctx context.Context, centerID string, id int64) (Ticket, error) {
	return q.change(ctx, centerID, id, "serve", func(t *Ticket, now time.Time) error {
		if err := mustBe(*t, Called, Serving); err != nil {
			return err
		}
		t.State, t.DoneAt = Done, now
		return nil
	})
}

// NoShow marks a ticket nobody came for, once it has been called
// NoShowCalls times.
func (q *Queue) NoShow(ctx context.Context, centerID string, id int64) (Ticket, error) {
	return q.change(ctx, centerID, id, "no-show", func(t *Ticket, now time.Time) error {
		if err := mustBe(*t, Called); err != nil {
			return err
		}
		if t.Calls < q.policy.NoShowCalls {
			return newError(ErrTooFewCalls, "ticket %s has been called %d of %d times; call it again before marking it a no-show",
				t.Number, t.Calls, q.policy.NoShowCalls)
		}
		t.State, t.DoneAt = NoShow, now
		return nil
	})
}

// MoveTicket moves a ticket to another service without losing its place:
// it keeps its lane and priority, and a called ticket waits again.
func (q *Queue) MoveTicket(ctx context.Context, centerID string, id int64, serviceID string) (Ticket, error) {
	service, err := q.schedule.catalogue.Service(serviceID)
	if err != nil {
		return Ticket{}, err
	}
	return q.change(ctx, centerID, id, "move", func(t *Ticket, now time.Time) error {
		if err := mustBe(*t, Waiting, Called); err != nil {
			return err
		}
		t.Service, t.State, t.Desk, t.Calls, t.CalledAt = service.ID, Waiting, "", 0, time.Time{}
		return nil
	})
}

// mustBe returns an ErrConflict error unless t is in one of the states.
func mustBe(t Ticket, states ...TicketState) error {
	if slices.Contains(states, t.State) {
		return nil
	}
	return newError(ErrConflict, "ticket %s is %s, not %s", t.Number, t.State, states[0])
}

// change applies edit to a ticket of the center and stores it, if the
// ticket did not change meanwhile.
func (q *Queue) change(ctx context.Context, centerID string, id int64, op string, edit func(t *Ticket, now time.Time) error) (Ticket, error) {
	t, err := q.store.Ticket(ctx, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Ticket{}, fmt.Errorf("%s ticket %d: %w", op, id, err)
	}
	if err != nil || t.Center != centerID {
		return Ticket{}, newError(ErrNotFound, "no ticket %d at %s", id, centerID)
	}
	from, calls := t.State, t.Calls
	if err := edit(&t, q.schedule.now().UTC()); err != nil {
		return Ticket{}, err
	}
	err = q.store.UpdateTicket(ctx, t, from, calls)
	q.Changed(centerID) // a conflict is a change too
	if err != nil {
		if errors.Is(err, ErrConflict) {
			return Ticket{}, newError(ErrConflict, "ticket %s was changed at the same time; look again", t.Number)
		}
		return Ticket{}, fmt.Errorf("%s ticket %d: %w", op, id, err)
	}
	return t, nil
}

// Tickets returns a center's tickets of a day, by ID, for the back office.
func (q *Queue) Tickets(ctx context.Context, centerID string, day Date) ([]Ticket, error) {
	center, err := q.schedule.catalogue.Center(centerID)
	if err != nil {
		return nil, err
	}
	return q.store.Tickets(ctx, center.ID, day)
}
