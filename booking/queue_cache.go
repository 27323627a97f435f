package booking

import (
	"context"
	"sync"
	"time"
)

// A center's queue of the day is read by every open ticket page, the
// waiting-room displays, the kiosk and the home page's waits, far more
// often than it changes, so the queue keeps each center's tickets of the
// day in memory for QueuePolicy.ReadTTL: the place and the wait of a
// ticket, and a center's estimate and state, are computed from them again
// for each request (they move with the clock), but read at most once per
// change or per ReadTTL. A ticket's page finds its ticket among them by
// its token too, and reads the database only for a ticket they do not hold
// (another day's, or one issued elsewhere since). The desks never decide
// from it: calling the next ticket, and every change of a ticket, is the
// database's.
//
//   - every change this queue makes drops the center's tickets once it
//     has been stored (issue, call, update);
//   - a change another process commits is announced (PostgreSQL NOTIFY)
//     and reported with Changed, which drops them in the same way;
//   - they are never used longer than ReadTTL after they were read, which
//     bounds the staleness when an announcement is lost.
//
// A read that raced with a drop is not kept: every drop bumps the
// center's generation, and a read stores its tickets only if the
// generation it started with is still current.

// ticketCache holds each center's tickets of one day.
type ticketCache struct {
	ttl time.Duration
	now func() time.Time // the monotonic clock the TTL is counted on

	mu      sync.Mutex
	centers map[string]*centerTickets
}

// centerTickets is a center's tickets as last read. Its slice is never
// changed once stored, so readers share it without a lock.
type centerTickets struct {
	gen     uint64
	day     Date
	tickets []Ticket       // nil: not read, or dropped
	byToken map[string]int // index of each ticket in tickets by its token
	read    time.Time
}

func newTicketCache(ttl time.Duration) *ticketCache {
	return &ticketCache{ttl: ttl, now: time.Now, centers: map[string]*centerTickets{}}
}

// tickets returns the center's tickets of day, from memory while they are
// fresh if day is today; the caller must not change them. Another day's
// (the page of yesterday's ticket) are read, never kept: they would take
// the place of today's.
func (q *Queue) tickets(ctx context.Context, center string, day Date) ([]Ticket, error) {
	c := q.cache
	if c.ttl <= 0 || day != q.schedule.today() {
		return q.store.Tickets(ctx, center, day)
	}
	c.mu.Lock()
	e := c.centers[center]
	if e == nil {
		e = &centerTickets{}
		c.centers[center] = e
	}
	if e.tickets != nil && e.day == day && c.now().Sub(e.read) < c.ttl {
		tickets := e.tickets
		c.mu.Unlock()
		return tickets, nil
	}
	gen := e.gen
	c.mu.Unlock()

	read := c.now()
	tickets, err := q.store.Tickets(ctx, center, day)
	if err != nil {
		return nil, err
	}
	if tickets == nil {
		tickets = []Ticket{}
	}
	byToken := make(map[string]int, len(tickets))
	for i, t := range tickets {
		byToken[t.Token] = i
	}
	c.mu.Lock()
	if e.gen == gen {
		e.day, e.tickets, e.byToken, e.read = day, tickets, byToken, read
	}
	c.mu.Unlock()
	return tickets, nil
}

// byToken returns the ticket with the token if a center's tickets in
// memory, still fresh, hold it.
func (c *ticketCache) byToken(token string) (Ticket, bool) {
	if c.ttl <= 0 {
		return Ticket{}, false
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.centers {
		if e.tickets == nil || now.Sub(e.read) >= c.ttl {
			continue
		}
		if i, ok := e.byToken[token]; ok {
			return e.tickets[i], true
		}
	}
	return Ticket{}, false
}

// Changed tells the queue that a center's tickets changed in another
// process ("" for every center): the next read of them goes to the
// database. cmd/icsbooking feeds it from the store's announcements.
func (q *Queue) Changed(center string) {
	c := q.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, e := range c.centers {
		if center == "" || id == center {
			e.gen++
			e.tickets, e.byToken = nil, nil
		}
	}
}
