package booking_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ics-booking/icsbooking/booking"
)

// memStore keeps bookings, closures and tickets in memory for the tests of
// the rules, and answers as booking/store does, but for what only a
// database can promise (concurrency, persistence), which booking/store's
// tests check. Seats are not counted: a claim always succeeds, and every
// seat is free. The Store
// methods no rule test needs are left to the nil interface embedded:
// calling one panics.
type memStore struct {
	booking.Store

	mu       sync.Mutex
	bookings map[int64]booking.Booking
	nextID   int64
	closures []booking.Closure
	// emails are the kinds of the emails queued for each booking.
	emails map[int64][]booking.EmailKind
	// beforeUpdate, if set, runs before an update is written, as another
	// process changing bookings at that moment would.
	beforeUpdate func()

	tickets []booking.Ticket
	numbers map[string]int // by center, day and prefix
	clients map[string]int // tickets by center, day and client
}

var (
	_ booking.Store       = (*memStore)(nil)
	_ booking.TicketStore = (*memStore)(nil)
)

func newMemStore() *memStore {
	return &memStore{bookings: map[int64]booking.Booking{}, emails: map[int64][]booking.EmailKind{}, numbers: map[string]int{}, clients: map[string]int{}}
}

// add stores a booking as it is, without the booking rules, and returns it
// with its ID.
func (m *memStore) add(b booking.Booking) booking.Booking {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	b.ID = m.nextID
	m.bookings[b.ID] = b
	return b
}

// CreateBooking stores a booking as booked, with the email queued. The
// claims are not counted: see memStore.
func (m *memStore) CreateBooking(_ context.Context, b booking.Booking, _ []booking.Claim, _ *booking.Idempotency, email booking.EmailKind) (booking.Booking, error) {
	b = m.add(b)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.emails[b.ID] = append(m.emails[b.ID], email)
	return b, nil
}

// Usage answers that no seat is taken: see memStore.
func (m *memStore) Usage(context.Context, string, time.Time, time.Time) ([]booking.Usage, error) {
	return nil, nil
}

// ActiveBookings counts the confirmed bookings of the email that have not
// started at now, whatever the case of its letters.
func (m *memStore) ActiveBookings(_ context.Context, email string, now time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, b := range m.bookings {
		if strings.EqualFold(b.Email, email) && b.Status == booking.Confirmed && b.Start.After(now) {
			n++
		}
	}
	return n, nil
}

// get returns the booking with the ID as stored.
func (m *memStore) get(id int64) booking.Booking {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bookings[id]
}

// emailsOf returns the kinds of the emails queued for a booking.
func (m *memStore) emailsOf(id int64) []booking.EmailKind {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.emails[id])
}

// change changes a stored booking one version on, as its holder would.
func (m *memStore) change(id int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.bookings[id]
	b.Sequence++
	m.bookings[id] = b
}

func (m *memStore) Closures(_ context.Context, center string, from, to booking.Date) ([]booking.Closure, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var cs []booking.Closure
	for _, c := range m.closures {
		if c.Center == center && !c.Day.Before(from) && !c.Day.After(to) {
			cs = append(cs, c)
		}
	}
	return cs, nil
}

// AddClosure replaces the center's closure of the same day, as
// booking/store does.
func (m *memStore) AddClosure(_ context.Context, c booking.Closure) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closures = slices.DeleteFunc(m.closures, func(old booking.Closure) bool { return old.Center == c.Center && old.Day == c.Day })
	m.closures = append(m.closures, c)
	return nil
}

func (m *memStore) Booking(_ context.Context, reference string) (booking.Booking, error) {
	return m.find(func(b booking.Booking) bool { return b.Reference == reference })
}

func (m *memStore) BookingInCenter(_ context.Context, center string, id int64) (booking.Booking, error) {
	return m.find(func(b booking.Booking) bool { return b.ID == id && b.Center == center })
}

func (m *memStore) find(match func(booking.Booking) bool) (booking.Booking, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.bookings {
		if match(b) {
			return b, nil
		}
	}
	return booking.Booking{}, fmt.Errorf("no such booking: %w", booking.ErrNotFound)
}

func (m *memStore) Appointments(_ context.Context, center string, from, to time.Time) ([]booking.Booking, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var bs []booking.Booking
	for _, b := range m.bookings {
		if b.Center == center && b.Status == booking.Confirmed && !b.Start.Before(from) && b.Start.Before(to) {
			bs = append(bs, b)
		}
	}
	slices.SortFunc(bs, func(a, b booking.Booking) int { return a.Start.Compare(b.Start) })
	return bs, nil
}

func (m *memStore) UpdateBooking(ctx context.Context, u booking.Update, email booking.EmailKind) error {
	return m.UpdateBookings(ctx, []booking.Update{u}, email)
}

// Waitlist: nobody waits in the fake; the waitlist is tested on the
// databases (booking/store).
func (m *memStore) Waitlist(context.Context, string) ([]booking.WaitEntry, error) { return nil, nil }

// Improvements: the fake keeps no waitlist.
func (m *memStore) Improvements(context.Context, int64) ([]booking.WaitEntry, error) { return nil, nil }

// UpdateBookings writes every update or, if one of them is not one version
// on from the booking stored, none.
func (m *memStore) UpdateBookings(_ context.Context, updates []booking.Update, email booking.EmailKind) error {
	if m.beforeUpdate != nil {
		m.beforeUpdate()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, u := range updates {
		stored, ok := m.bookings[u.Booking.ID]
		if !ok {
			return fmt.Errorf("booking %d: %w", u.Booking.ID, booking.ErrNotFound)
		}
		if stored.Sequence != u.Booking.Sequence-1 {
			return fmt.Errorf("booking %d: %w", u.Booking.ID, booking.ErrConflict)
		}
	}
	for _, u := range updates {
		m.bookings[u.Booking.ID] = u.Booking
		if email != "" {
			m.emails[u.Booking.ID] = append(m.emails[u.Booking.ID], email)
		}
	}
	return nil
}

func (m *memStore) IssueTicket(_ context.Context, t booking.Ticket, limit booking.ClientLimit) (booking.Ticket, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range m.tickets {
		if o.Token == t.Token || (t.BookingID != 0 && o.BookingID == t.BookingID) {
			return booking.Ticket{}, fmt.Errorf("ticket: %w", booking.ErrDuplicate)
		}
	}
	client := t.Center + " " + t.Day.String() + " " + string(limit.Client)
	if limit.Caps() && m.clients[client] >= limit.Max {
		return booking.Ticket{}, fmt.Errorf("ticket: %w", booking.ErrTooManyTickets)
	}
	if limit.Caps() {
		m.clients[client]++
	}
	key := t.Center + " " + t.Day.String() + " " + t.Kind.Prefix()
	m.numbers[key]++
	t.ID = int64(len(m.tickets) + 1)
	t.Number = fmt.Sprintf("%s-%03d", t.Kind.Prefix(), m.numbers[key])
	m.tickets = append(m.tickets, t)
	return t, nil
}

func (m *memStore) Ticket(_ context.Context, id int64) (booking.Ticket, error) {
	return m.findTicket(func(t booking.Ticket) bool { return t.ID == id })
}

func (m *memStore) TicketByToken(_ context.Context, token string) (booking.Ticket, error) {
	return m.findTicket(func(t booking.Ticket) bool { return t.Token == token })
}

func (m *memStore) TicketOfBooking(_ context.Context, bookingID int64) (booking.Ticket, error) {
	return m.findTicket(func(t booking.Ticket) bool { return t.BookingID == bookingID })
}

func (m *memStore) findTicket(match func(booking.Ticket) bool) (booking.Ticket, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if i := slices.IndexFunc(m.tickets, match); i >= 0 {
		return m.tickets[i], nil
	}
	return booking.Ticket{}, fmt.Errorf("no such ticket: %w", booking.ErrNotFound)
}

func (m *memStore) Tickets(ctx context.Context, center string, day booking.Date) ([]booking.Ticket, error) {
	return m.TicketsBetween(ctx, center, day, day)
}

func (m *memStore) TicketsBetween(_ context.Context, center string, from, to booking.Date) ([]booking.Ticket, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ts []booking.Ticket
	for _, t := range m.tickets {
		if t.Center == center && !t.Day.Before(from) && !t.Day.After(to) {
			ts = append(ts, t)
		}
	}
	return ts, nil
}

func (m *memStore) CallNext(ctx context.Context, center string, day booking.Date, desk string, now time.Time) (booking.Ticket, error) {
	tickets, _ := m.Tickets(ctx, center, day)
	next, ok := booking.NextTicket(tickets, now)
	if !ok {
		return booking.Ticket{}, fmt.Errorf("nobody waits: %w", booking.ErrNotFound)
	}
	called := next
	called.State, called.Desk, called.Calls, called.CalledAt = booking.Called, desk, 1, now
	if err := m.UpdateTicket(ctx, called, booking.Waiting, next.Calls); err != nil {
		return booking.Ticket{}, err
	}
	return called, nil
}

func (m *memStore) UpdateTicket(_ context.Context, t booking.Ticket, from booking.TicketState, calls int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := slices.IndexFunc(m.tickets, func(o booking.Ticket) bool { return o.ID == t.ID })
	switch {
	case i < 0:
		return fmt.Errorf("no ticket %d: %w", t.ID, booking.ErrNotFound)
	case m.tickets[i].State != from || m.tickets[i].Calls != calls:
		return fmt.Errorf("ticket %d: %w", t.ID, booking.ErrConflict)
	}
	m.tickets[i] = t
	return nil
}
